//! Three vigild in their own network namespaces, joined by veth pairs to a
//! bridge in a fourth. Cutting node 3's link partitions it away (it alone
//! loses quorum, 1 and 2 keep it); healing the link brings it back. The
//! namespaces and links are made here and removed even when the test
//! fails; no interface outside them is touched.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use vigild::testbed::{Cluster, member_ids};

const PATIENCE: Duration = Duration::from_secs(60);

/// The namespaces of one test run, deleted on drop (which removes the
/// veth pairs and the bridge inside them).
struct Namespaces {
    names: Vec<String>,
}

impl Namespaces {
    fn create(names: Vec<String>) -> Result<Namespaces, String> {
        let mut made = Namespaces { names: Vec::new() };
        for name in names {
            ip(&["netns", "add", &name])?;
            made.names.push(name);
        }
        Ok(made)
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        for name in &self.names {
            let _ = Command::new("ip").args(["netns", "del", name]).status();
        }
    }
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Why this machine cannot run the test, if it cannot.
fn missing_capability() -> Option<String> {
    if !rustix::process::geteuid().is_root() {
        return Some("needs root to create network namespaces".into());
    }
    match Command::new("ip").arg("-V").output() {
        Ok(out) if out.status.success() => None,
        _ => Some("needs iproute2's `ip` command".into()),
    }
}

#[test]
fn a_cut_link_partitions_a_minority_that_rejoins_when_healed() {
    partition_and_heal("a", Duration::from_secs(5));
}

/// The same, healed as soon as both sides have formed their partitions:
/// packets the kernel held while the link was down (neighbour resolution)
/// then arrive late, all at once (this once livelocked vigil-totem).
#[test]
fn a_link_healed_right_after_the_partition_forms() {
    partition_and_heal("b", Duration::ZERO);
}

/// Cuts node 3's link once the ring has formed, waits until both sides
/// have reformed and `hold` more, heals the link, waits for the rejoin.
fn partition_and_heal(run: &str, hold: Duration) {
    if let Some(why) = missing_capability() {
        println!("skipped: {why}");
        return;
    }
    let tag = format!("{run}{}", std::process::id());
    let bridge_ns = format!("vigil-br-{tag}");
    let node_ns: Vec<String> = (1..=3).map(|i| format!("vigil-n{i}-{tag}")).collect();
    let mut all = vec![bridge_ns.clone()];
    all.extend(node_ns.iter().cloned());
    let namespaces = match Namespaces::create(all) {
        Ok(ns) => ns,
        Err(e) => {
            println!("skipped: cannot create network namespaces here: {e}");
            return;
        }
    };
    let addrs: Vec<String> = (1..=3).map(|i| format!("10.251.0.{i}")).collect();
    let setup = || -> Result<(), String> {
        ip(&["-n", &bridge_ns, "link", "add", "br0", "type", "bridge"])?;
        ip(&["-n", &bridge_ns, "link", "set", "br0", "up"])?;
        for (i, ns) in node_ns.iter().enumerate() {
            let port = format!("p{}", i + 1);
            // Both ends are made inside the namespaces.
            ip(&[
                "-n", &bridge_ns, "link", "add", &port, "type", "veth", "peer", "name", "eth0",
                "netns", ns,
            ])?;
            ip(&[
                "-n", &bridge_ns, "link", "set", &port, "master", "br0", "up",
            ])?;
            ip(&[
                "-n",
                ns,
                "addr",
                "add",
                &format!("{}/24", addrs[i]),
                "dev",
                "eth0",
            ])?;
            ip(&["-n", ns, "link", "set", "eth0", "up"])?;
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
        }
        Ok(())
    };
    setup().expect("set up the test network");

    let vigild = Path::new(env!("CARGO_BIN_EXE_vigild"));
    let mut cluster =
        Cluster::new(&format!("netns{run}"), vigild, &addrs, &["token: 1000"]).unwrap();
    for (node, ns) in cluster.nodes.iter_mut().zip(&node_ns) {
        node.prefix = vec!["ip".into(), "netns".into(), "exec".into(), ns.clone()];
    }
    cluster.start_all().unwrap();
    cluster.wait_until_whole(PATIENCE).unwrap();

    // Cut node 3's link: a 2 + 1 partition.
    ip(&["-n", &bridge_ns, "link", "set", "p3", "down"]).unwrap();
    cluster
        .wait_until("1 and 2 keep quorum without 3", &[1, 2], PATIENCE, |s| {
            s.quorate && member_ids(s) == [1, 2]
        })
        .unwrap();
    cluster
        .wait_until("3 alone loses quorum", &[3], PATIENCE, |s| {
            !s.quorate && member_ids(s) == [3]
        })
        .unwrap();

    std::thread::sleep(hold);
    // Heal it: everyone together again.
    ip(&["-n", &bridge_ns, "link", "set", "p3", "up"]).unwrap();
    cluster.wait_until_whole(PATIENCE).unwrap();
    drop(cluster);
    drop(namespaces);
}
