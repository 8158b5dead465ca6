//! Three vigild processes on 127.0.0.x form a ring and keep quorum through
//! the loss (`kill -9`) and return of one of them.

use std::path::Path;
use std::time::Duration;

use vigild::api::LinkState;
use vigild::testbed::{Cluster, member_ids};

const PATIENCE: Duration = Duration::from_secs(60);

#[test]
fn three_processes_form_a_ring_survive_a_kill_and_rejoin() {
    // 127.77.0.x: loopback addresses no other test uses.
    let addrs: Vec<String> = (1..=3).map(|i| format!("127.77.0.{i}")).collect();
    let vigild = Path::new(env!("CARGO_BIN_EXE_vigild"));
    let mut cluster = Cluster::new("ring", vigild, &addrs, &["token: 1000"]).unwrap();
    cluster.start_all().unwrap();

    let all = |s: &vigild::api::QuorumStatus| s.quorate && member_ids(s) == [1, 2, 3];
    cluster
        .wait_until(
            "all three are members and quorate",
            &[1, 2, 3],
            PATIENCE,
            all,
        )
        .unwrap();
    let status = cluster.quorum(1).unwrap();
    assert_eq!(status.expected_votes, 3);
    assert_eq!(status.total_votes, 3);
    assert_eq!(status.quorum, 2);
    // Every node reports the same ring.
    for id in [2, 3] {
        assert_eq!(cluster.quorum(id).unwrap().ring_id, status.ring_id);
    }
    cluster
        .wait_until_link(1, 3, LinkState::Connected, PATIENCE)
        .unwrap();

    cluster.kill9(3);
    cluster
        .wait_until(
            "1 and 2 see 3 gone and stay quorate",
            &[1, 2],
            PATIENCE,
            |s| s.quorate && member_ids(s) == [1, 2] && s.total_votes == 2,
        )
        .unwrap();
    assert_ne!(cluster.quorum(1).unwrap().ring_id, status.ring_id);
    cluster
        .wait_until_link(1, 3, LinkState::Disconnected, PATIENCE)
        .unwrap();

    cluster.start(3).unwrap();
    cluster
        .wait_until("3 rejoins", &[1, 2, 3], PATIENCE, all)
        .unwrap();
    cluster
        .wait_until_link(1, 3, LinkState::Connected, PATIENCE)
        .unwrap();
}
