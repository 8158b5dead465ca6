//! The local API admits root and the `haclient` group only, by the
//! connecting process's credentials (not just the socket file's mode): the
//! socket is opened to everyone here, and a client running as `nobody` is
//! still turned away, while `nobody` with haclient among its groups is
//! served. The client is this test binary re-run (as `client_role`) under
//! setpriv.

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::thread;

use vigild::api::{Client, Response, Stats};
use vigild::server::{self, ApiInput};
use vigild::{peer, testbed::Scratch};

const SOCKET_ENV: &str = "VIGIL_ACCESS_TEST_SOCKET";

/// Not a test of its own: the client half, run by `access_by_credentials`
/// in a child process. Prints what the daemon answered.
#[test]
fn client_role() {
    let Some(path) = std::env::var_os(SOCKET_ENV) else {
        return;
    };
    match Client::connect(Path::new(&path)).and_then(|mut c| c.stats()) {
        Ok(stats) => println!("ANSWER delivered={}", stats.delivered_messages),
        Err(e) => println!("REFUSED {e}"),
    }
}

fn run_client_as(socket: &Path, groups: &str) -> Result<String, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534"])
        .arg(groups)
        .arg("--")
        .arg(me)
        .args(["--exact", "client_role", "--nocapture", "--test-threads=1"])
        .env(SOCKET_ENV, socket)
        .output()
        .map_err(|e| format!("cannot run setpriv: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "client failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(stdout)
}

#[test]
fn access_by_credentials() {
    if !rustix::process::geteuid().is_root() {
        println!("skipped: needs root to run a client as another user");
        return;
    }
    let scratch = Scratch::new("access").unwrap();
    // The scratch directory must be reachable by `nobody`.
    std::fs::set_permissions(
        &scratch.0,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let socket = scratch.0.join("api.sock");
    let (tx, rx) = mpsc::channel::<ApiInput>();
    server::listen(&socket, tx).unwrap();
    thread::spawn(move || {
        while let Ok(input) = rx.recv() {
            if let ApiInput::Request { reply, .. } = input {
                let _ = reply.send(Response::Stats(Stats {
                    delivered_messages: 7,
                    ..Stats::default()
                }));
            }
        }
    });
    // Anyone may open the file; the credentials decide.
    std::fs::set_permissions(&socket, std::os::unix::fs::PermissionsExt::from_mode(0o666)).unwrap();

    let mut root = Client::connect(&socket).unwrap();
    assert_eq!(root.stats().unwrap().delivered_messages, 7);

    let stranger = match run_client_as(&socket, "--clear-groups") {
        Ok(out) => out,
        Err(e) => {
            println!("skipped: cannot run a client as nobody here: {e}");
            return;
        }
    };
    assert!(stranger.contains("REFUSED"), "{stranger}");
    assert!(!stranger.contains("ANSWER"), "{stranger}");

    let Some(gid) = peer::group_id(peer::CLIENT_GROUP) else {
        println!("skipped the haclient half: no `haclient` group on this machine");
        return;
    };
    let member = run_client_as(&socket, &format!("--groups={gid}")).unwrap();
    assert!(member.contains("ANSWER delivered=7"), "{member}");
}
