//! Who may use the local API: root, and members of the `haclient` group
//! (checked on the connecting process's credentials, SO_PEERCRED, and its
//! supplementary groups from /proc).

use std::os::unix::net::UnixStream;

/// The group whose members may use the API, as Pacemaker's.
pub const CLIENT_GROUP: &str = "haclient";

/// The connecting process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

/// The credentials of the process at the other end of `stream`.
pub fn peer_of(stream: &UnixStream) -> std::io::Result<Peer> {
    let cred = rustix::net::sockopt::socket_peercred(stream)?;
    Ok(Peer {
        pid: cred.pid.as_raw_nonzero().get(),
        uid: cred.uid.as_raw(),
        gid: cred.gid.as_raw(),
    })
}

/// The gid of `name` in /etc/group.
pub fn group_id(name: &str) -> Option<u32> {
    let groups = std::fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next()? == name)
            .then(|| fields.nth(1)?.parse().ok())
            .flatten()
    })
}

/// The supplementary groups of process `pid` (`Groups:` in its status).
fn supplementary_groups(pid: i32) -> Vec<u32> {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return Vec::new();
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("Groups:"))
        .map(|groups| {
            groups
                .split_whitespace()
                .filter_map(|g| g.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `peer` may use the API: root, or in group `client_gid`.
pub fn allowed(peer: &Peer, client_gid: Option<u32>) -> bool {
    if peer.uid == 0 {
        return true;
    }
    let Some(gid) = client_gid else {
        return false;
    };
    peer.gid == gid || supplementary_groups(peer.pid).contains(&gid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_pair_reports_this_process() {
        let (a, _b) = UnixStream::pair().unwrap();
        let peer = peer_of(&a).unwrap();
        assert_eq!(peer.pid, std::process::id() as i32);
        assert_eq!(peer.uid, rustix::process::getuid().as_raw());
    }

    #[test]
    fn only_root_or_the_group() {
        let me = std::process::id() as i32;
        let root = Peer {
            pid: me,
            uid: 0,
            gid: 0,
        };
        assert!(allowed(&root, None));
        let stranger = Peer {
            pid: me,
            uid: 1000,
            gid: 1000,
        };
        assert!(!allowed(&stranger, None));
        assert!(!allowed(&stranger, Some(4242)));
        let member = Peer {
            pid: me,
            uid: 1000,
            gid: 4242,
        };
        assert!(allowed(&member, Some(4242)));
    }
}
