//! `vigil quorum status` and `vigil cluster links` speak the local API:
//! here a stand-in server answers one request with a recorded response, and
//! the CLI's output must be the corosync tools' text. (The real daemon is
//! exercised by crates/vigild/tests.)

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::process::Command;
use std::thread;

use vigild::api::{
    LinkState, LinkStatus, Member, PeerLink, QuorumFlags, QuorumStatus, Request, Response,
};

/// Serves one connection on a fresh socket: expects `expected`, answers
/// `answer`. Returns the socket path and the server thread.
fn serve_once(
    name: &str,
    expected: Request,
    answer: Response,
) -> (PathBuf, thread::JoinHandle<()>) {
    let path = std::env::temp_dir().join(format!("vigil-cli-{name}-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let request: Request = serde_json::from_str(&line).unwrap();
        assert_eq!(request, expected);
        let mut writer = stream;
        writeln!(writer, "{}", serde_json::to_string(&answer).unwrap()).unwrap();
    });
    (path, handle)
}

fn vigil(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn cluster_links_prints_cfgtool_text() {
    let links = LinkStatus {
        node_id: 2,
        transport: "knet".into(),
        addr: "127.0.0.2".into(),
        peers: vec![
            PeerLink {
                nodeid: 1,
                state: LinkState::Connected,
            },
            PeerLink {
                nodeid: 2,
                state: LinkState::Localhost,
            },
            PeerLink {
                nodeid: 3,
                state: LinkState::Disconnected,
            },
        ],
    };
    let (path, server) = serve_once("links", Request::Links, Response::Links(links));
    let out = vigil(&["cluster", "links", "--socket", path.to_str().unwrap()]);
    server.join().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "Local node ID 2, transport knet\nLINK ID 0 udp\n\taddr\t= 127.0.0.2\n\tstatus:\n\
         \t\tnodeid:          1:\tconnected\n\
         \t\tnodeid:          2:\tlocalhost\n\
         \t\tnodeid:          3:\tdisconnected\n"
    );
}

#[test]
fn quorum_status_prints_quorumtool_text_via_the_env_socket() {
    let status = QuorumStatus {
        provider: "corosync_votequorum".into(),
        node_id: 1,
        ring_id: "1.8".into(),
        ring_rep: 1,
        ring_seq: 8,
        quorate: false,
        expected_votes: 3,
        highest_expected: 3,
        total_votes: 1,
        quorum: 2,
        flags: QuorumFlags::default(),
        members: vec![Member {
            nodeid: 1,
            votes: 1,
            name: "node1".into(),
        }],
    };
    let (path, server) = serve_once(
        "quorum",
        Request::QuorumStatus,
        Response::QuorumStatus(status),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["quorum", "status"])
        .env("VIGIL_SOCKET", &path)
        .output()
        .unwrap();
    server.join().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Quorum information");
    assert!(lines[2].starts_with("Date:             "), "{text}");
    assert_eq!(
        &lines[3..],
        [
            "Quorum provider:  corosync_votequorum",
            "Nodes:            1",
            "Node ID:          1",
            "Ring ID:          1.8",
            "Quorate:          No",
            "",
            "Votequorum information",
            "----------------------",
            "Expected votes:   3",
            "Highest expected: 3",
            "Total votes:      1",
            "Quorum:           2 Activity blocked",
            "Flags:            ",
            "",
            "Membership information",
            "----------------------",
            "    Nodeid      Votes Name",
            "         1          1 node1 (local)",
        ]
    );
}

#[test]
fn no_daemon_is_a_clear_error() {
    let out = vigil(&["quorum", "status", "--socket", "/nonexistent/vigild.sock"]);
    assert_eq!(out.status.code(), Some(69));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("cannot connect to vigild at /nonexistent/vigild.sock")
            && err.contains("is vigild running?"),
        "{err}"
    );
}
