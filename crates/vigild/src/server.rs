//! The local API's listening side: a Unix socket, one thread per client,
//! each forwarding requests to the daemon loop and writing back its answers.
//! No cluster logic here.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread;

use crate::api::{Event, Request, Response};
use crate::log;
use crate::peer;

/// How many events may wait for a slow subscriber before it is dropped.
pub const SUBSCRIBER_BACKLOG: usize = 1 << 16;

/// What a client thread hands the daemon loop.
pub enum ApiInput {
    /// A request; the answer goes to `reply`.
    Request {
        request: Request,
        reply: Sender<Response>,
    },
    /// A subscriber: events go to `events` until it is full or gone.
    Subscribe { events: SyncSender<Event> },
}

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("{path}: another vigild is already listening there")]
    InUse { path: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Binds the socket (replacing a stale one), restricts it to root and the
/// `haclient` group, and serves clients on background threads, sending what
/// they ask to `to_loop`.
pub fn listen<T: From<ApiInput> + Send + 'static>(
    path: &Path,
    to_loop: Sender<T>,
) -> Result<(), ListenError> {
    let io = |source| ListenError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.exists() {
        match UnixStream::connect(path) {
            Ok(_) => {
                return Err(ListenError::InUse {
                    path: path.to_path_buf(),
                });
            }
            Err(_) => std::fs::remove_file(path).map_err(io)?,
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let listener = UnixListener::bind(path).map_err(io)?;
    let client_gid = peer::group_id(peer::CLIENT_GROUP);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660)).map_err(io)?;
    if let Some(gid) = client_gid {
        // Only root may change the group; as another user the socket stays
        // that user's (and root's).
        let _ = rustix::fs::chown(path, None, Some(rustix::fs::Gid::from_raw(gid)));
    }
    thread::Builder::new()
        .name("api-accept".into())
        .spawn(move || {
            for stream in listener.incoming() {
                match stream {
                    Ok(stream) => {
                        let to_loop = to_loop.clone();
                        let _ = thread::Builder::new()
                            .name("api-client".into())
                            .spawn(move || serve(stream, client_gid, to_loop));
                    }
                    Err(e) => log!(Warning, "API", "accept failed: {e}"),
                }
            }
        })
        .map_err(io)?;
    Ok(())
}

fn serve<T: From<ApiInput>>(stream: UnixStream, client_gid: Option<u32>, to_loop: Sender<T>) {
    match peer::peer_of(&stream) {
        Ok(who) if peer::allowed(&who, client_gid) => {}
        Ok(who) => {
            log!(
                Warning,
                "API",
                "refused a client (pid {}, uid {}, gid {}): not root nor in group {}",
                who.pid,
                who.uid,
                who.gid,
                peer::CLIENT_GROUP
            );
            return;
        }
        Err(e) => {
            log!(Warning, "API", "cannot read a client's credentials: {e}");
            return;
        }
    }
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut writer = std::io::BufWriter::new(write_half);
    let mut reader = BufReader::new(stream);
    let (reply_tx, reply_rx) = mpsc::channel();
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return,
        }
        let request = match serde_json::from_str::<Request>(&line) {
            Ok(request) => request,
            Err(e) => {
                let message = format!("bad request: {e}");
                if write_line(&mut writer, &Response::Error { message }).is_err() {
                    return;
                }
                continue;
            }
        };
        if request == Request::Subscribe {
            stream_events(writer, &to_loop);
            return;
        }
        if to_loop
            .send(T::from(ApiInput::Request {
                request,
                reply: reply_tx.clone(),
            }))
            .is_err()
        {
            return;
        }
        let Ok(response) = reply_rx.recv() else {
            return;
        };
        // Flush only when no further request is already waiting, so a
        // client that pipelines gets its answers in few writes.
        let more_waiting = !reader.buffer().is_empty();
        if write_value(&mut writer, &response).is_err()
            || (!more_waiting && writer.flush().is_err())
        {
            return;
        }
    }
}

fn stream_events<T: From<ApiInput>>(
    mut writer: std::io::BufWriter<UnixStream>,
    to_loop: &Sender<T>,
) {
    let (events_tx, events_rx): (SyncSender<Event>, Receiver<Event>) =
        mpsc::sync_channel(SUBSCRIBER_BACKLOG);
    if to_loop
        .send(T::from(ApiInput::Subscribe { events: events_tx }))
        .is_err()
        || write_line(&mut writer, &Response::Subscribed).is_err()
    {
        return;
    }
    while let Ok(event) = events_rx.recv() {
        if write_value(&mut writer, &event).is_err() {
            return;
        }
        // Batch what is already queued into one write.
        while let Ok(event) = events_rx.try_recv() {
            if write_value(&mut writer, &event).is_err() {
                return;
            }
        }
        if writer.flush().is_err() {
            return;
        }
    }
}

fn write_value<T: serde::Serialize>(writer: &mut impl Write, value: &T) -> std::io::Result<()> {
    serde_json::to_writer(&mut *writer, value)?;
    writer.write_all(b"\n")
}

fn write_line<T: serde::Serialize>(writer: &mut impl Write, value: &T) -> std::io::Result<()> {
    write_value(writer, value)?;
    writer.flush()
}
