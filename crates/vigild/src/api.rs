//! The local API between `vigild` and its clients (the `vigil` CLI,
//! benchmarks, tests): one JSON object per line over a Unix stream socket.
//! A client writes requests and reads one response per request, in order;
//! after `Subscribe` the connection carries a stream of `Event`s instead.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Environment variable naming the socket (`--socket` wins over it).
pub const SOCKET_ENV: &str = "VIGIL_SOCKET";
/// Where the socket is when neither says otherwise.
pub const DEFAULT_SOCKET: &str = "/run/vigil/vigild.sock";

/// The most messages one `Send` may carry.
pub const MAX_SEND_BATCH: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// What `corosync-quorumtool -s` shows.
    QuorumStatus,
    /// What `corosync-cfgtool -s` shows.
    Links,
    /// Send these application messages, in this order, to every member
    /// (payloads in hex). Answered with `Sent` once all are queued.
    Send { payloads: Vec<String> },
    /// Delivery counters since the daemon started.
    Stats,
    /// Turn this connection into a stream of `Event`s.
    Subscribe,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    QuorumStatus(QuorumStatus),
    Links(LinkStatus),
    Sent { count: usize },
    Stats(Stats),
    Subscribed,
    Error { message: String },
}

/// The quorum and membership view of one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumStatus {
    pub provider: String,
    pub node_id: u32,
    /// The ring id as corosync prints it (`1.5`: representative and
    /// sequence in hex), and its two parts.
    pub ring_id: String,
    pub ring_rep: u32,
    pub ring_seq: u64,
    pub quorate: bool,
    pub expected_votes: u32,
    pub highest_expected: u32,
    pub total_votes: u32,
    pub quorum: u32,
    pub flags: QuorumFlags,
    pub members: Vec<Member>,
}

/// votequorum's flags (corosync-quorumtool's `Flags:` line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumFlags {
    pub two_node: bool,
    pub quorate: bool,
    pub wait_for_all: bool,
    pub last_man_standing: bool,
    pub auto_tie_breaker: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub nodeid: u32,
    pub votes: u32,
    pub name: String,
}

/// The state of link 0 towards every configured node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkStatus {
    pub node_id: u32,
    pub transport: String,
    /// This node's address on link 0.
    pub addr: String,
    pub peers: Vec<PeerLink>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    Localhost,
    Connected,
    Disconnected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerLink {
    pub nodeid: u32,
    pub state: LinkState,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub delivered_messages: u64,
    pub delivered_bytes: u64,
    pub sent_messages: u64,
    pub memberships: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// An application message delivered in the total order: its sender,
    /// its length and its first bytes (hex, at most `HEAD_BYTES`).
    Delivered {
        sender: u32,
        len: usize,
        head: String,
    },
    /// A new membership was installed.
    Membership {
        ring_id: String,
        members: Vec<u32>,
        joined: Vec<u32>,
        left: Vec<u32>,
    },
    /// Quorum changed.
    Quorum { quorate: bool },
}

/// How many leading payload bytes a `Delivered` event carries.
pub const HEAD_BYTES: usize = 16;

/// Hex encoding for payloads (lowercase, two digits a byte).
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// The bytes of a hex string, or what is wrong with it.
pub fn from_hex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err(format!("hex payload has an odd length ({})", s.len()));
    }
    let digit = |c: u8, at: usize| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(format!("not a hex digit at offset {at}: {:?}", c as char)),
    };
    s.as_bytes()
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| Ok(digit(pair[0], 2 * i)? << 4 | digit(pair[1], 2 * i + 1)?))
        .collect()
}

/// The socket path: `flag`, else `$VIGIL_SOCKET`, else the default.
pub fn socket_path(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| std::env::var_os(SOCKET_ENV).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET))
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "cannot connect to vigild at {path}: {source} (is vigild running? --socket or ${SOCKET_ENV} name another socket)"
    )]
    Connect {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("lost the connection to vigild: {0}")]
    Io(#[from] std::io::Error),
    #[error(
        "vigild closed the connection (refused: only root and the `haclient` group may use it)"
    )]
    Closed,
    #[error("vigild sent something unreadable: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("vigild: {0}")]
    Daemon(String),
}

/// A blocking connection to one vigild.
pub struct Client {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    line: String,
}

impl Client {
    pub fn connect(path: &Path) -> Result<Client, ClientError> {
        let stream = UnixStream::connect(path).map_err(|source| ClientError::Connect {
            path: path.to_path_buf(),
            source,
        })?;
        let writer = stream.try_clone()?;
        Ok(Client {
            reader: BufReader::new(stream),
            writer,
            line: String::new(),
        })
    }

    /// Writes a request without waiting for its response.
    pub fn send_request(&mut self, request: &Request) -> Result<(), ClientError> {
        let mut text = serde_json::to_string(request)?;
        text.push('\n');
        self.writer.write_all(text.as_bytes())?;
        Ok(())
    }

    /// Reads the next line the daemon sent, as `T`.
    pub fn read<T: for<'de> Deserialize<'de>>(&mut self) -> Result<T, ClientError> {
        self.line.clear();
        if self.reader.read_line(&mut self.line)? == 0 {
            return Err(ClientError::Closed);
        }
        Ok(serde_json::from_str(&self.line)?)
    }

    /// Sends a request and reads its response; a daemon-side error becomes
    /// `ClientError::Daemon`.
    pub fn request(&mut self, request: &Request) -> Result<Response, ClientError> {
        self.send_request(request)?;
        match self.read()? {
            Response::Error { message } => Err(ClientError::Daemon(message)),
            response => Ok(response),
        }
    }

    pub fn quorum_status(&mut self) -> Result<QuorumStatus, ClientError> {
        match self.request(&Request::QuorumStatus)? {
            Response::QuorumStatus(status) => Ok(status),
            other => Err(unexpected(&other)),
        }
    }

    pub fn links(&mut self) -> Result<LinkStatus, ClientError> {
        match self.request(&Request::Links)? {
            Response::Links(links) => Ok(links),
            other => Err(unexpected(&other)),
        }
    }

    pub fn stats(&mut self) -> Result<Stats, ClientError> {
        match self.request(&Request::Stats)? {
            Response::Stats(stats) => Ok(stats),
            other => Err(unexpected(&other)),
        }
    }

    /// Subscribes; read events with `next_event`.
    pub fn subscribe(&mut self) -> Result<(), ClientError> {
        match self.request(&Request::Subscribe)? {
            Response::Subscribed => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    pub fn next_event(&mut self) -> Result<Event, ClientError> {
        self.read()
    }

    /// The underlying stream (to set timeouts).
    pub fn stream(&self) -> &UnixStream {
        &self.writer
    }
}

fn unexpected(response: &Response) -> ClientError {
    ClientError::Daemon(format!("unexpected answer {response:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_junk() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(from_hex(&to_hex(&bytes)).unwrap(), bytes);
        assert!(from_hex("abc").unwrap_err().contains("odd length"));
        assert!(from_hex("zz").unwrap_err().contains("offset 0"));
    }

    #[test]
    fn requests_are_one_json_line() {
        let text = serde_json::to_string(&Request::Send {
            payloads: vec!["00ff".into()],
        })
        .unwrap();
        assert_eq!(text, r#"{"Send":{"payloads":["00ff"]}}"#);
        assert_eq!(
            serde_json::from_str::<Request>(r#""QuorumStatus""#).unwrap(),
            Request::QuorumStatus
        );
    }
}
