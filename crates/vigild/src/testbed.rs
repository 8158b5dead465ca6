//! Local clusters of real vigild processes, for the multi-process and
//! namespace tests, the benchmarks and the demo: a scratch directory with a
//! corosync.conf and a key, one process per node, status polling.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::api::{Client, LinkState, LinkStatus, QuorumStatus};

/// A scratch directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A fresh directory under the system's temporary directory (short, as
    /// Unix socket paths inside it must stay under 108 bytes).
    pub fn new(name: &str) -> std::io::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("vigil-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// One node of a local cluster.
pub struct Node {
    pub nodeid: u32,
    pub addr: String,
    pub socket: PathBuf,
    pub state_dir: PathBuf,
    pub log: PathBuf,
    /// Words put before the vigild command (e.g. `ip netns exec ns1`).
    pub prefix: Vec<String>,
    /// A key file of its own instead of the cluster's.
    pub key: Option<PathBuf>,
    child: Option<Child>,
}

impl Node {
    /// The running process's id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

/// A cluster of vigild processes sharing one corosync.conf and key.
pub struct Cluster {
    pub vigild: PathBuf,
    pub config: PathBuf,
    pub key: PathBuf,
    pub nodes: Vec<Node>,
    /// Last: the directory goes after the processes.
    pub scratch: Scratch,
}

/// corosync.conf for nodes 1..=n at `addrs`, with `totem_extra` lines
/// (`token: 1000`, …) in the totem section.
pub fn corosync_conf(name: &str, addrs: &[String], totem_extra: &[&str]) -> String {
    let mut text =
        format!("totem {{\n    version: 2\n    cluster_name: {name}\n    transport: knet\n");
    for line in totem_extra {
        text += &format!("    {line}\n");
    }
    text += "}\n\nnodelist {\n";
    for (i, addr) in addrs.iter().enumerate() {
        text += &format!(
            "    node {{\n        ring0_addr: {addr}\n        name: node{id}\n        nodeid: {id}\n    }}\n",
            id = i + 1
        );
    }
    text += "}\n\nquorum {\n    provider: corosync_votequorum\n}\n\nlogging {\n    to_stderr: yes\n    timestamp: on\n}\n";
    text
}

impl Cluster {
    /// Writes the configuration and a new key for nodes at `addrs` (node
    /// i+1 at `addrs[i]`); starts nothing.
    pub fn new(
        name: &str,
        vigild: &Path,
        addrs: &[String],
        totem_extra: &[&str],
    ) -> std::io::Result<Cluster> {
        let scratch = Scratch::new(name)?;
        let config = scratch.0.join("corosync.conf");
        fs::write(&config, corosync_conf(name, addrs, totem_extra))?;
        let key = scratch.0.join("authkey");
        write_key(&key)?;
        let nodes = addrs
            .iter()
            .enumerate()
            .map(|(i, addr)| {
                let id = i as u32 + 1;
                Node {
                    nodeid: id,
                    addr: addr.clone(),
                    socket: scratch.0.join(format!("n{id}.sock")),
                    state_dir: scratch.0.join(format!("state{id}")),
                    log: scratch.0.join(format!("n{id}.log")),
                    prefix: Vec::new(),
                    key: None,
                    child: None,
                }
            })
            .collect();
        Ok(Cluster {
            vigild: vigild.to_path_buf(),
            config,
            key,
            nodes,
            scratch,
        })
    }

    pub fn node(&self, id: u32) -> &Node {
        &self.nodes[id as usize - 1]
    }

    /// Starts node `id`, its output appended to its log.
    pub fn start(&mut self, id: u32) -> std::io::Result<()> {
        let node = &mut self.nodes[id as usize - 1];
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&node.log)?;
        let mut words: Vec<&std::ffi::OsStr> = node.prefix.iter().map(|w| w.as_ref()).collect();
        words.push(self.vigild.as_os_str());
        let mut command = Command::new(words[0]);
        command
            .args(&words[1..])
            .arg("--config")
            .arg(&self.config)
            .arg("--key")
            .arg(node.key.as_ref().unwrap_or(&self.key))
            .arg("--nodeid")
            .arg(id.to_string())
            .arg("--socket")
            .arg(&node.socket)
            .arg("--state-dir")
            .arg(&node.state_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        node.child = Some(command.spawn()?);
        Ok(())
    }

    pub fn start_all(&mut self) -> std::io::Result<()> {
        for id in 1..=self.nodes.len() as u32 {
            self.start(id)?;
        }
        Ok(())
    }

    /// `kill -9` node `id` and reap it.
    pub fn kill9(&mut self, id: u32) {
        if let Some(mut child) = self.nodes[id as usize - 1].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Node `id`'s quorum status, or None while it does not answer.
    pub fn quorum(&self, id: u32) -> Option<QuorumStatus> {
        Client::connect(&self.node(id).socket)
            .ok()?
            .quorum_status()
            .ok()
    }

    /// Node `id`'s link status, or None while it does not answer.
    pub fn links(&self, id: u32) -> Option<LinkStatus> {
        Client::connect(&self.node(id).socket).ok()?.links().ok()
    }

    /// Polls (every 50 ms, for up to `limit`) until `check` holds for every
    /// node in `ids`; on failure says what was seen, with the logs.
    pub fn wait_until(
        &self,
        what: &str,
        ids: &[u32],
        limit: Duration,
        check: impl Fn(&QuorumStatus) -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        loop {
            let statuses: Vec<Option<QuorumStatus>> =
                ids.iter().map(|id| self.quorum(*id)).collect();
            if statuses.iter().all(|s| s.as_ref().is_some_and(&check)) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "timed out waiting until {what}; last statuses: {statuses:#?}\n{}",
                    self.logs()
                ));
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// Polls until every node is quorate with every node a member.
    pub fn wait_until_whole(&self, limit: Duration) -> Result<(), String> {
        let all: Vec<u32> = self.nodes.iter().map(|n| n.nodeid).collect();
        self.wait_until("every node is a member and quorate", &all, limit, |s| {
            s.quorate && member_ids(s) == all
        })
    }

    /// Polls until node `id` reports `state` for its link to `peer`.
    pub fn wait_until_link(
        &self,
        id: u32,
        peer: u32,
        state: LinkState,
        limit: Duration,
    ) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        loop {
            let links = self.links(id);
            if links
                .as_ref()
                .is_some_and(|l| l.peers.iter().any(|p| p.nodeid == peer && p.state == state))
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "node {id} never showed node {peer} as {state:?}: {links:#?}"
                ));
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// The last lines of every node's log.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for node in &self.nodes {
            let text = fs::read_to_string(&node.log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            out += &format!("--- node {} log (last lines) ---\n", node.nodeid);
            for line in tail.iter().rev() {
                out += line;
                out.push('\n');
            }
        }
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for id in 1..=self.nodes.len() as u32 {
            self.kill9(id);
        }
    }
}

/// Writes a new random cluster key to `path`.
pub fn write_key(path: &Path) -> std::io::Result<()> {
    let mut bytes = vec![0u8; vigil_wire::KEY_DEFAULT_BYTES];
    std::io::Read::read_exact(&mut fs::File::open("/dev/urandom")?, &mut bytes)?;
    vigil_wire::ClusterKey::from_bytes(bytes)
        .and_then(|k| k.write_new(path, false))
        .map_err(std::io::Error::other)
}

/// Members' node ids, sorted.
pub fn member_ids(status: &QuorumStatus) -> Vec<u32> {
    let mut ids: Vec<u32> = status.members.iter().map(|m| m.nodeid).collect();
    ids.sort_unstable();
    ids
}
