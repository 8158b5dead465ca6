//! Text renderings of API answers, as the corosync tools print them.

use std::fmt::Write;

use crate::api::{LinkState, LinkStatus};

/// `corosync-cfgtool -s`: the local node, then link 0's state towards
/// every configured node.
pub fn links(status: &LinkStatus) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Local node ID {}, transport {}",
        status.node_id, status.transport
    );
    let _ = writeln!(out, "LINK ID 0 udp");
    let _ = writeln!(out, "\taddr\t= {}", status.addr);
    let _ = writeln!(out, "\tstatus:");
    for peer in &status.peers {
        let state = match peer.state {
            LinkState::Localhost => "localhost",
            LinkState::Connected => "connected",
            LinkState::Disconnected => "disconnected",
        };
        let _ = writeln!(out, "\t\tnodeid: {:>10}:\t{state}", peer.nodeid);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::PeerLink;

    #[test]
    fn cfgtool_layout() {
        let status = LinkStatus {
            node_id: 1,
            transport: "knet".into(),
            addr: "127.0.0.1".into(),
            peers: vec![
                PeerLink {
                    nodeid: 1,
                    state: LinkState::Localhost,
                },
                PeerLink {
                    nodeid: 2,
                    state: LinkState::Connected,
                },
                PeerLink {
                    nodeid: 3,
                    state: LinkState::Disconnected,
                },
            ],
        };
        assert_eq!(
            links(&status),
            "Local node ID 1, transport knet\nLINK ID 0 udp\n\taddr\t= 127.0.0.1\n\tstatus:\n\
             \t\tnodeid:          1:\tlocalhost\n\
             \t\tnodeid:          2:\tconnected\n\
             \t\tnodeid:          3:\tdisconnected\n"
        );
    }
}
