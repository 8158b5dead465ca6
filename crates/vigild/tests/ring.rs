//! Three vigild processes on 127.0.0.x form a ring and keep quorum through
//! the loss (`kill -9`) and return of one of them.

use std::path::Path;
use std::time::Duration;

use vigild::api::{self, Client, Event, LinkState, Request, Response};
use vigild::testbed::{Cluster, member_ids, write_key};

const PATIENCE: Duration = Duration::from_secs(60);

#[test]
fn three_processes_form_a_ring_survive_a_kill_and_rejoin() {
    // 127.77.0.x: loopback addresses no other test uses.
    let addrs: Vec<String> = (1..=3).map(|i| format!("127.77.0.{i}")).collect();
    let vigild = Path::new(env!("CARGO_BIN_EXE_vigild"));
    let mut cluster = Cluster::new("ring", vigild, &addrs, &["token: 1000"]).unwrap();
    cluster.start_all().unwrap();

    cluster.wait_until_whole(PATIENCE).unwrap();
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
    messages_reach_everyone_in_one_order(&cluster);

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
    cluster.wait_until_whole(PATIENCE).unwrap();
    cluster
        .wait_until_link(1, 3, LinkState::Connected, PATIENCE)
        .unwrap();
}

#[test]
fn three_processes_share_one_address_on_their_own_ports() {
    let addrs: Vec<String> = (1..=3)
        .map(|i| format!("127.77.1.1:{}", 6400 + i))
        .collect();
    let vigild = Path::new(env!("CARGO_BIN_EXE_vigild"));
    let mut cluster = Cluster::new("ports", vigild, &addrs, &["token: 1000"]).unwrap();
    cluster.start_all().unwrap();
    cluster.wait_until_whole(PATIENCE).unwrap();
}

#[test]
fn a_node_with_another_key_stays_out_and_is_reported() {
    let addrs: Vec<String> = (1..=3).map(|i| format!("127.77.2.{i}")).collect();
    let vigild = Path::new(env!("CARGO_BIN_EXE_vigild"));
    let mut cluster = Cluster::new("keys", vigild, &addrs, &["token: 1000"]).unwrap();
    let other = cluster.scratch.0.join("otherkey");
    write_key(&other).unwrap();
    cluster.nodes[2].key = Some(other);
    cluster.start_all().unwrap();
    cluster
        .wait_until("1 and 2 form a quorate ring", &[1, 2], PATIENCE, |s| {
            s.quorate && member_ids(s) == [1, 2]
        })
        .unwrap();
    cluster
        .wait_until("3 is alone", &[3], PATIENCE, |s| {
            !s.quorate && member_ids(s) == [3]
        })
        .unwrap();
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let log = std::fs::read_to_string(&cluster.node(1).log).unwrap();
        if log.contains("failed checks; latest from 127.77.2.3:5405: authentication failed")
            && log.contains("is the cluster key the same file on every node?")
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no warning in node 1's log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Two senders' messages (nodes 1 and 2, interleaved) are delivered to all
/// three nodes, each exactly once, in one order that keeps each sender's
/// own order.
fn messages_reach_everyone_in_one_order(cluster: &Cluster) {
    const EACH: usize = 200;
    let mut subscribers: Vec<Client> = (1..=3)
        .map(|id| {
            let mut c = Client::connect(&cluster.node(id).socket).unwrap();
            c.subscribe().unwrap();
            c
        })
        .collect();
    for sender in [1u32, 2] {
        let mut client = Client::connect(&cluster.node(sender).socket).unwrap();
        for chunk in 0..EACH / 50 {
            let payloads = (0..50)
                .map(|i| api::to_hex(format!("n{sender}-{:04}", chunk * 50 + i).as_bytes()))
                .collect();
            match client.request(&Request::Send { payloads }).unwrap() {
                Response::Sent { count: 50 } => {}
                other => panic!("unexpected answer to Send: {other:?}"),
            }
        }
    }
    let orders: Vec<Vec<String>> = subscribers
        .iter_mut()
        .map(|client| {
            client.stream().set_read_timeout(Some(PATIENCE)).unwrap();
            let mut seen = Vec::new();
            while seen.len() < 2 * EACH {
                if let Event::Delivered { head, .. } = client.next_event().unwrap() {
                    seen.push(String::from_utf8(api::from_hex(&head).unwrap()).unwrap());
                }
            }
            seen
        })
        .collect();
    assert_eq!(orders[0], orders[1], "nodes 1 and 2 disagree on the order");
    assert_eq!(orders[0], orders[2], "nodes 1 and 3 disagree on the order");
    for sender in ["n1-", "n2-"] {
        let own: Vec<&String> = orders[0].iter().filter(|m| m.starts_with(sender)).collect();
        let expected: Vec<String> = (0..EACH).map(|i| format!("{sender}{i:04}")).collect();
        assert_eq!(
            own,
            expected.iter().collect::<Vec<_>>(),
            "{sender} out of order or lost"
        );
    }
}
