//! Bundles: a container image run as N replicas, each with an optional
//! IP address, an implicit remote connection, and optionally a resource
//! running inside the container.
//!
//! A bundle is unpacked into ordinary resources, as Pacemaker does:
//! for replica `i` of bundle `B`,
//! - `B-ip-ADDR` (`ocf:heartbeat:IPaddr2`), when `ip-range-start` is set;
//! - `B-docker-i` / `B-podman-i` / `B-rkt-i`, the container;
//! - `B-i` (`ocf:pacemaker:remote`), the connection to the guest node
//!   `B-i` inside the container, when the bundle has a primitive;
//! - `PRIM:i`, instance `i` of the implicit clone `B-clone` (`B-master`
//!   when promotable) of the bundle's primitive, which runs only on the
//!   guest node of its replica.
//!
//! The bundle's children are the replicas' IPs, containers and
//! connections (in replica order), then the implicit clone. Containers are
//! placed like the instances of a clone; everything else of a replica
//! follows its container.

use std::collections::BTreeMap;

use vigil_cib::Score;
use vigil_cib::config::{self, OpDef, Primitive, ResourceKind};
use vigil_cib::nvset::{NvPair, NvSet};

use crate::cluster::*;
use crate::ledger::{self, Source};

// ------------------------------------------------------------ the layout

/// A `port-mapping`: a host port (or range) forwarded into the container.
#[derive(Debug, Clone)]
struct PortMapping {
    port: String,
    internal: String,
}

/// A `storage-mapping`: a host directory mounted into the container.
#[derive(Debug, Clone)]
struct StorageMapping {
    /// A fixed source directory, or a root under which each replica gets
    /// its own directory (`source-dir-root`).
    source: String,
    per_replica: bool,
    target: String,
    options: Option<String>,
}

/// How a bundle's replicas are built, read from its configuration.
#[derive(Debug, Clone)]
struct Layout {
    /// `docker`, `podman` or `rkt`.
    kind: String,
    image: String,
    replicas: usize,
    promoted_max: usize,
    network: Option<String>,
    run_command: Option<String>,
    options: Option<String>,
    ip_start: Option<String>,
    netmask: String,
    interface: Option<String>,
    control_port: Option<String>,
    add_host: bool,
    ports: Vec<PortMapping>,
    storage: Vec<StorageMapping>,
    has_child: bool,
}

/// The port pacemaker-remoted listens on unless told otherwise.
const DEFAULT_REMOTE_PORT: &str = "3121";

fn number(map: &BTreeMap<String, String>, names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| map.get(*n))
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(|v| v.max(0) as usize)
}

impl Layout {
    fn read(b: &config::Bundle) -> Layout {
        let c = &b.container;
        let promoted_max = number(c, &["promoted-max", "masters"]).unwrap_or(0);
        let replicas = match number(c, &["replicas"]) {
            Some(n) => n,
            None if promoted_max > 0 => promoted_max,
            None => 1,
        };
        let empty = BTreeMap::new();
        let net = b.network.as_ref().unwrap_or(&empty);
        let text = |m: &BTreeMap<String, String>, k: &str| m.get(k).cloned();
        let mut ports = Vec::new();
        for p in &b.port_mappings {
            if let Some(port) = p.get("port") {
                let internal = p.get("internal-port").unwrap_or(port);
                ports.push(PortMapping {
                    port: port.clone(),
                    internal: internal.clone(),
                });
            } else if let Some(range) = p.get("range") {
                ports.push(PortMapping {
                    port: range.clone(),
                    internal: range.clone(),
                });
            }
        }
        let ip_start = text(net, "ip-range-start");
        let control_port = text(net, "control-port");
        let has_child = b.primitive.is_some();
        if has_child && ip_start.is_some() {
            // The cluster reaches pacemaker-remoted through the replica's IP.
            let port = control_port
                .clone()
                .unwrap_or_else(|| DEFAULT_REMOTE_PORT.to_string());
            ports.push(PortMapping {
                port: port.clone(),
                internal: port,
            });
        }
        let storage = b
            .storage
            .iter()
            .filter_map(|s| {
                let target = s.get("target-dir")?.clone();
                let (source, per_replica) = match (s.get("source-dir"), s.get("source-dir-root")) {
                    (Some(d), _) => (d.clone(), false),
                    (None, Some(root)) => (root.clone(), true),
                    (None, None) => return None,
                };
                Some(StorageMapping {
                    source,
                    per_replica,
                    target,
                    options: s.get("options").cloned(),
                })
            })
            .collect();
        Layout {
            kind: b.container_type.clone(),
            image: c.get("image").cloned().unwrap_or_default(),
            replicas,
            promoted_max,
            network: text(c, "network"),
            run_command: text(c, "run-command"),
            options: text(c, "options"),
            ip_start,
            netmask: text(net, "host-netmask").unwrap_or_else(|| "32".into()),
            interface: text(net, "host-interface"),
            control_port,
            add_host: net
                .get("add-host")
                .and_then(|v| vigil_cib::parse_bool(v))
                .unwrap_or(true),
            ports,
            storage,
            has_child,
        }
    }

    fn remote_port(&self) -> String {
        self.control_port
            .clone()
            .unwrap_or_else(|| DEFAULT_REMOTE_PORT.to_string())
    }

    /// The source directory of a mapping for one replica.
    fn source_of(&self, m: &StorageMapping, replica: &str) -> String {
        if m.per_replica {
            format!("{}/{replica}", m.source)
        } else {
            m.source.clone()
        }
    }

    /// Directories the container agent creates before starting.
    fn mount_points(&self, replica: &str) -> String {
        let mut dirs: Vec<String> = self
            .storage
            .iter()
            .filter(|m| m.per_replica)
            .map(|m| self.source_of(m, replica))
            .collect();
        if self.has_child {
            dirs.push(format!("/var/log/pacemaker/bundles/{replica}"));
        }
        dirs.join(",")
    }

    /// Every replica's host name and address (for `--add-host`).
    fn hosts(&self, bundle: &str) -> Vec<(String, String)> {
        let Some(start) = &self.ip_start else {
            return Vec::new();
        };
        (0..self.replicas)
            .filter_map(|i| Some((format!("{bundle}-{i}"), nth_address(start, i)?)))
            .collect()
    }

    /// The options the container is run with (the agent's `run_opts`).
    fn run_options(&self, bundle: &str, replica: &str, ip: Option<&str>) -> String {
        let mut o = String::new();
        let rkt = self.kind == "rkt";
        if self.kind == "docker" {
            o.push_str(" --restart=no");
        }
        if ip.is_some() {
            o.push_str(if rkt { " --hostname=" } else { " -h " });
            o.push_str(replica);
        }
        let env = |o: &mut String, setting: &str| {
            if rkt {
                o.push_str(&format!(" --environment={setting}"));
            } else {
                o.push_str(&format!(" -e {setting}"));
            }
        };
        env(&mut o, "PCMK_stderr=1");
        if let Some(net) = &self.network {
            o.push_str(&format!(" --net={net}"));
        }
        env(&mut o, &format!("PCMK_remote_port={}", self.remote_port()));
        let mut mounts: Vec<(String, String, Option<String>)> = self
            .storage
            .iter()
            .map(|m| {
                (
                    self.source_of(m, replica),
                    m.target.clone(),
                    m.options.clone(),
                )
            })
            .collect();
        if self.has_child {
            let key = "/etc/pacemaker/authkey".to_string();
            mounts.push((key.clone(), key, None));
            mounts.push((
                format!("/var/log/pacemaker/bundles/{replica}"),
                "/var/log".into(),
                None,
            ));
        }
        for (i, (source, target, options)) in mounts.iter().enumerate() {
            if rkt {
                o.push_str(&format!(" --volume vol{i},kind=host,source={source}"));
                if let Some(opts) = options {
                    o.push_str(&format!(",{opts}"));
                }
                o.push_str(&format!(" --mount volume=vol{i},target={target}"));
            } else {
                o.push_str(&format!(" -v {source}:{target}"));
                if let Some(opts) = options {
                    o.push_str(&format!(":{opts}"));
                }
            }
        }
        for p in &self.ports {
            match ip {
                Some(addr) if rkt => {
                    o.push_str(&format!(" --port={}:{addr}:{}", p.port, p.internal))
                }
                Some(addr) => o.push_str(&format!(" -p {addr}:{}:{}", p.port, p.internal)),
                // Ports cannot be published with the host's network.
                None if self.network.as_deref() == Some("host") => {}
                None if rkt => o.push_str(&format!(" --port={}:{}", p.port, p.internal)),
                None => o.push_str(&format!(" -p {}:{}", p.port, p.internal)),
            }
        }
        if let Some(opts) = &self.options {
            o.push(' ');
            o.push_str(opts);
        }
        o.push(' ');
        if ip.is_some() && self.add_host {
            for (name, addr) in self.hosts(bundle) {
                o.push_str(&format!(" --add-host={name}:{addr}"));
            }
        }
        o
    }
}

/// The address `n` steps after `start` (IPv4 dotted quad or IPv6).
fn nth_address(start: &str, n: usize) -> Option<String> {
    if let Ok(v4) = start.parse::<std::net::Ipv4Addr>() {
        let x = u32::from(v4).checked_add(u32::try_from(n).ok()?)?;
        return Some(std::net::Ipv4Addr::from(x).to_string());
    }
    let v6 = start.parse::<std::net::Ipv6Addr>().ok()?;
    let x = u128::from(v6).checked_add(n as u128)?;
    Some(std::net::Ipv6Addr::from(x).to_string())
}

// ------------------------------------------------------------- unpacking

/// One replica of a bundle.
#[derive(Debug, Clone)]
pub struct Replica {
    pub index: usize,
    pub ip: Option<RscId>,
    pub container: RscId,
    pub remote: Option<RscId>,
    pub child: Option<RscId>,
}

fn primitive_def(id: String, provider: &str, agent: &str, ops: Vec<OpDef>) -> config::Resource {
    config::Resource {
        id,
        kind: ResourceKind::Primitive(Primitive {
            class: "ocf".into(),
            provider: Some(provider.into()),
            agent: agent.into(),
            template: None,
            ops: ops.into(),
        }),
        meta: Vec::new(),
        instance: Vec::new(),
        utilization: Vec::new(),
        line: 0,
    }
}

fn monitor(owner: &str, interval_s: u64, timeout: Option<&str>) -> OpDef {
    let mut attrs = BTreeMap::new();
    if let Some(t) = timeout {
        attrs.insert("timeout".to_string(), t.to_string());
    }
    OpDef {
        id: format!("{owner}-monitor-{interval_s}"),
        name: "monitor".into(),
        interval_ms: interval_s * 1000,
        role: None,
        attrs,
        meta: Vec::new(),
        instance: Vec::new(),
        line: 0,
    }
}

fn nvset(id: String, pairs: &[(&str, String)]) -> NvSet {
    NvSet {
        pairs: pairs
            .iter()
            .map(|(name, value)| NvPair {
                id: format!("{id}-{name}"),
                name: name.to_string(),
                value: Some(value.clone()),
                line: 0,
            })
            .collect(),
        id,
        score: Score::ZERO,
        rule: None,
        line: 0,
    }
}

/// Adds a resource definition under a parent (the unpacker's own
/// `add_resource`).
pub(crate) type AddResource<'a> =
    dyn FnMut(&mut Cluster, &config::Resource, RscId) -> Option<RscId> + 'a;

/// Create a bundle's replicas and implicit clone under `bundle`.
pub(crate) fn expand(
    cluster: &mut Cluster,
    bundle: RscId,
    def: &config::Resource,
    b: &config::Bundle,
    add: &mut AddResource,
) {
    let layout = Layout::read(b);
    let id = def.id.clone();
    let mut replicas = Vec::new();
    let mut children = Vec::new();
    for i in 0..layout.replicas {
        let name = format!("{id}-{i}");
        let addr = layout.ip_start.as_deref().and_then(|s| nth_address(s, i));
        let ip = match &addr {
            Some(addr) => {
                let ip_id = format!("{id}-ip-{addr}");
                let ops = vec![monitor(&ip_id, 60, None)];
                let ip = add(
                    cluster,
                    &primitive_def(ip_id, "heartbeat", "IPaddr2", ops),
                    bundle,
                );
                if let Some(ip) = ip {
                    let mut params = BTreeMap::new();
                    params.insert("ip".to_string(), addr.clone());
                    if let Some(nic) = &layout.interface {
                        params.insert("nic".into(), nic.clone());
                    }
                    params.insert("cidr_netmask".into(), layout.netmask.clone());
                    cluster.resources[ip].params = params;
                    children.push(ip);
                }
                ip
            }
            None => None,
        };
        let container_id = format!("{id}-{}-{i}", layout.kind);
        let ops = vec![monitor(&container_id, 60, None)];
        let container_def = primitive_def(container_id, "heartbeat", &layout.kind, ops);
        let Some(container) = add(cluster, &container_def, bundle) else {
            continue;
        };
        let mut params = BTreeMap::new();
        params.insert("image".to_string(), layout.image.clone());
        params.insert("allow_pull".into(), "true".into());
        params.insert("force_kill".into(), "false".into());
        params.insert("reuse".into(), "false".into());
        params.insert("monitor_cmd".into(), "/bin/true".into());
        params.insert("mount_points".into(), layout.mount_points(&name));
        params.insert(
            "run_opts".into(),
            layout.run_options(&id, &name, addr.as_deref()),
        );
        let run_cmd = match &layout.run_command {
            Some(cmd) => Some(cmd.clone()),
            None if layout.has_child => Some("/usr/sbin/pacemaker-remoted".into()),
            None => None,
        };
        if let Some(cmd) = run_cmd {
            params.insert("run_cmd".into(), cmd);
        }
        cluster.resources[container].params = params;
        children.push(container);

        let remote = if layout.has_child {
            // Each replica's guest node comes into existence with the
            // bundle (so clones unpacked earlier do not count it).
            match cluster.nodes.iter_mut().find(|x| x.name == name) {
                Some(x) => x.kind = NodeKind::Guest,
                None => cluster
                    .nodes
                    .push(crate::unpack::new_node(&name, &name, NodeKind::Guest)),
            }
            let ops = vec![monitor(&name, 30, Some("30s"))];
            let mut remote_def = primitive_def(name.clone(), "pacemaker", "remote", ops);
            let container_name = cluster.resources[container].id.clone();
            remote_def.meta = vec![nvset(
                format!("{name}-meta"),
                &[("container", container_name)],
            )];
            let remote = add(cluster, &remote_def, bundle);
            if let Some(remote) = remote {
                let mut params = BTreeMap::new();
                // Without an IP of its own, the replica is reached at
                // whichever host runs its container.
                params.insert(
                    "addr".to_string(),
                    addr.clone().unwrap_or_else(|| "#uname".into()),
                );
                params.insert("port".into(), layout.remote_port());
                cluster.resources[remote].params = params;
                // Guests' connections (unlike remote nodes') do not
                // migrate unless told to.
                let rsc = &mut cluster.resources[remote];
                rsc.allow_migrate = rsc
                    .meta
                    .get("allow-migrate")
                    .and_then(|v| vigil_cib::parse_bool(v))
                    .unwrap_or(false);
                children.push(remote);
            }
            remote
        } else {
            None
        };
        replicas.push(Replica {
            index: i,
            ip,
            container,
            remote,
            child: None,
        });
    }
    if let Some(prim) = &b.primitive {
        let promotable = layout.promoted_max > 0;
        let clone_id = format!("{id}-{}", if promotable { "master" } else { "clone" });
        let per_host = number(&b.container, &["replicas-per-host"]).unwrap_or(1);
        let mut pairs = vec![
            ("clone-max", layout.replicas.to_string()),
            ("clone-node-max", per_host.to_string()),
            ("globally-unique", (per_host > 1).to_string()),
        ];
        if promotable {
            pairs.push(("promotable", "true".into()));
            pairs.push(("promoted-max", layout.promoted_max.to_string()));
        }
        // Notifications are the bundled resource's to ask for.
        let ctx = vigil_cib::rule::RuleContext {
            now: Some(&cluster.now),
            ..Default::default()
        };
        let prim_meta = vigil_cib::nvset::evaluate_sets(&prim.meta, &ctx, None);
        if let Some(notify) = prim_meta.get("notify") {
            pairs.push(("notify", notify.clone()));
        }
        let clone_def = config::Resource {
            id: clone_id.clone(),
            kind: ResourceKind::Clone {
                child: Box::new(prim.clone()),
                legacy_master: false,
            },
            meta: vec![nvset(format!("{clone_id}-meta"), &pairs)],
            instance: Vec::new(),
            utilization: Vec::new(),
            line: def.line,
        };
        if let Some(clone) = add(cluster, &clone_def, bundle) {
            let instances = cluster.resources[clone].children.clone();
            for rep in replicas.iter_mut() {
                rep.child = instances.get(rep.index).copied();
            }
            children.push(clone);
        }
    }
    cluster.resources[bundle].children = children;
    cluster.bundle_replicas.insert(bundle, replicas);
}

/// The bundle's implicit clone of its primitive, if it has one.
pub(crate) fn inner_clone(cluster: &Cluster, r: RscId) -> Option<RscId> {
    cluster.resources[r]
        .children
        .iter()
        .copied()
        .find(|&c| cluster.resources[c].variant == Variant::Clone)
}

/// The guest node of each replica (for bundles with a primitive).
fn replica_node(cluster: &Cluster, rep: &Replica) -> Option<NodeId> {
    rep.remote.and_then(|r| cluster.resources[r].remote_node)
}

/// Whether a node is the guest node of one of the bundle's replicas.
fn is_bundle_node(cluster: &Cluster, bundle: RscId, n: NodeId) -> bool {
    replicas(cluster, bundle)
        .iter()
        .any(|rep| replica_node(cluster, rep) == Some(n))
}

fn replicas(cluster: &Cluster, bundle: RscId) -> Vec<Replica> {
    cluster
        .bundle_replicas
        .get(&bundle)
        .cloned()
        .unwrap_or_default()
}

/// Guest nodes of bundles run nothing but their replica's resource: the
/// default score of symmetric clusters does not apply there (nothing else
/// is allowed or probed there), the inner clone is banned there until the
/// bundle is placed, and each replica's instance may only use its own
/// guest node.
pub(crate) fn restrict_guest_nodes(cluster: &mut Cluster) {
    let bundles: Vec<RscId> = cluster.bundle_replicas.keys().copied().collect();
    for bundle in bundles {
        let bundle_id = cluster.resources[bundle].id.clone();
        let reps = replicas(cluster, bundle);
        let nodes: Vec<NodeId> = reps
            .iter()
            .filter_map(|rep| replica_node(cluster, rep))
            .collect();
        if nodes.is_empty() {
            continue;
        }
        let instances: Vec<RscId> = reps.iter().filter_map(|rep| rep.child).collect();
        for r in 0..cluster.resources.len() {
            if instances.contains(&r)
                || cluster.resources[r]
                    .parent
                    .is_some_and(|p| instances.contains(&p))
            {
                continue;
            }
            let mut changed = false;
            for &n in &nodes {
                changed |= cluster.resources[r].allowed.remove(&n).is_some();
            }
            if changed {
                ledger::credit(cluster, r, |_| Source::Bundle {
                    bundle: bundle_id.clone(),
                    what: "guest nodes of bundles run only the bundle's resource".into(),
                });
            }
        }
        if let Some(clone) = inner_clone(cluster, bundle) {
            for &n in &nodes {
                cluster.resources[clone]
                    .allowed
                    .insert(n, Score::NEG_INFINITY);
            }
            ledger::credit(cluster, clone, |_| Source::Bundle {
                bundle: bundle_id.clone(),
                what: "guest nodes of bundles run only the bundle's resource".into(),
            });
        }
        for rep in &reps {
            let (Some(child), Some(n)) = (rep.child, replica_node(cluster, rep)) else {
                continue;
            };
            let mut table = BTreeMap::new();
            table.insert(n, Score::new(500));
            set_table(cluster, child, &table);
            ledger::credit(cluster, child, |_| Source::Bundle {
                bundle: bundle_id.clone(),
                what: "a replica's resource runs only inside its own container".into(),
            });
        }
    }
}

fn set_table(cluster: &mut Cluster, r: RscId, table: &BTreeMap<NodeId, Score>) {
    for c in cluster.resources[r].children.clone() {
        set_table(cluster, c, table);
    }
    cluster.resources[r].allowed = table.clone();
}

// ------------------------------------------------------------- queries

/// Instances whose actions a collective's summary flags consider: for a
/// bundle, its containers, except for promotion and notification tasks,
/// which its inner clone's instances carry.
pub(crate) fn summary_children(cluster: &Cluster, r: RscId, task: Task) -> Vec<RscId> {
    if cluster.resources[r].variant == Variant::Bundle
        && matches!(
            task,
            Task::Promote
                | Task::Promoted
                | Task::Demote
                | Task::Demoted
                | Task::Notify
                | Task::Notified
        )
        && let Some(clone) = inner_clone(cluster, r)
    {
        return cluster.resources[clone].children.clone();
    }
    containers_or_children(cluster, r)
}

/// For a bundle, its replicas' containers; for a clone, its instances.
pub(crate) fn containers_or_children(cluster: &Cluster, r: RscId) -> Vec<RscId> {
    match cluster.resources[r].variant {
        Variant::Bundle => replicas(cluster, r).iter().map(|x| x.container).collect(),
        _ => cluster.resources[r].children.clone(),
    }
}

/// The bundle a resource belongs to, if any.
pub(crate) fn bundle_of(cluster: &Cluster, r: RscId) -> Option<RscId> {
    let mut cur = cluster.resources[r].parent;
    while let Some(p) = cur {
        if cluster.resources[p].variant == Variant::Bundle {
            return Some(p);
        }
        cur = cluster.resources[p].parent;
    }
    None
}

/// Whether a resource is part of a bundle.
pub(crate) fn is_bundled(cluster: &Cluster, r: RscId) -> bool {
    bundle_of(cluster, r).is_some()
}

pub(crate) fn replicas_per_host(cluster: &Cluster, r: RscId) -> usize {
    inner_clone(cluster, r)
        .and_then(|c| cluster.resources[c].clone.as_ref().map(|s| s.node_max))
        .or_else(|| {
            cluster.resources[r]
                .params
                .get("replicas-per-host")
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(1)
}

fn replica_count(cluster: &Cluster, r: RscId) -> usize {
    replicas(cluster, r).len()
}

// ------------------------------------------------------------ placement

/// Place a bundle: its containers like a clone's instances, then each
/// replica's IP and connection with its container, the replica's
/// instance on the replica's guest node, and finally the inner clone.
pub(crate) fn assign_bundle(
    cluster: &mut Cluster,
    r: RscId,
    prefer: Option<NodeId>,
) -> Option<NodeId> {
    if !cluster.resources[r].provisional || cluster.resources[r].assigning {
        return None;
    }
    cluster.resources[r].assigning = true;
    crate::placement::log_scores(cluster, r, "pcmk__bundle_allocate");
    let bundle_id = cluster.resources[r].id.clone();
    let reps = replicas(cluster, r);
    let mut containers: Vec<RscId> = reps.iter().map(|x| x.container).collect();
    containers.sort_by(|&a, &b| crate::clone::compare_instances(cluster, a, b));
    let nodes = crate::placement::sorted_nodes(cluster, &cluster.resources[r].allowed, None);
    let per_host = replicas_per_host(cluster, r);
    crate::clone::distribute(cluster, r, &containers, &nodes, reps.len(), per_host);

    for rep in &reps {
        if let Some(ip) = rep.ip {
            crate::placement::assign(cluster, ip, prefer);
        }
        let host = cluster.resources[rep.container].assigned;
        if let (Some(remote), Some(h)) = (rep.remote, host)
            && let Some(host_conn) = cluster.nodes[h].connection
            && cluster.nodes[h].is_remote()
        {
            // pacemaker-remoted takes one connection: a replica on a
            // remote node is reached through that node's connection host.
            crate::constraints::add_colocation(
                cluster,
                "child-remote-with-docker-remote",
                None,
                Score::INFINITY,
                remote,
                host_conn,
                None,
                None,
                true,
            );
        }
        if let Some(remote) = rep.remote {
            crate::placement::assign(cluster, remote, prefer);
            crate::remote::connection_assigned(cluster, remote);
        }
        if let (Some(child), Some(node)) = (rep.child, replica_node(cluster, rep)) {
            let entries: Vec<NodeId> = cluster.resources[child].allowed.keys().copied().collect();
            for n in entries {
                let score = if n != node {
                    Some(Score::NEG_INFINITY)
                } else if !threshold_reached(cluster, child, n) {
                    Some(Score::INFINITY)
                } else {
                    None
                };
                if let Some(s) = score {
                    set_score(cluster, child, n, s);
                }
            }
            ledger::credit(cluster, child, |_| Source::Bundle {
                bundle: bundle_id.clone(),
                what: "a replica's resource runs only inside its own container".into(),
            });
            let clone = cluster.resources[child].parent;
            if let Some(c) = clone {
                cluster.resources[c].assigning = true;
            }
            crate::placement::assign(cluster, child, Some(node));
            if let Some(c) = clone {
                cluster.resources[c].assigning = false;
            }
        }
    }
    if let Some(clone) = inner_clone(cluster, r) {
        let entries: Vec<NodeId> = cluster.resources[clone].allowed.keys().copied().collect();
        for n in entries {
            let s = if is_bundle_node(cluster, r, n) {
                Score::ZERO
            } else {
                Score::NEG_INFINITY
            };
            cluster.resources[clone].allowed.insert(n, s);
        }
        ledger::credit(cluster, clone, |_| Source::Bundle {
            bundle: bundle_id.clone(),
            what: "the bundle's resource runs only on the bundle's guest nodes".into(),
        });
        crate::placement::assign(cluster, clone, prefer);
    }
    cluster.resources[r].assigning = false;
    cluster.resources[r].provisional = false;
    None
}

fn set_score(cluster: &mut Cluster, r: RscId, n: NodeId, s: Score) {
    for c in cluster.resources[r].children.clone() {
        set_score(cluster, c, n, s);
    }
    if let Some(x) = cluster.resources[r].allowed.get_mut(&n) {
        *x = s;
    }
}

/// "dependent with bundle", once the bundle is placed. A collective
/// dependent pairs each of its instances with the replica on the same
/// node; anything else is kept where (or away from where) the replicas'
/// containers are.
pub(crate) fn apply_colocation_with_bundle(
    cluster: &mut Cluster,
    dependent: RscId,
    primary: RscId,
    c: &Colocation,
) {
    if cluster.resources[primary].provisional {
        return;
    }
    if matches!(
        cluster.resources[c.dependent].variant,
        Variant::Clone | Variant::Bundle
    ) {
        match crate::clone::find_compatible_child(cluster, dependent, primary, Role::Unknown, false)
        {
            Some(container) => crate::placement::apply_colocation(cluster, dependent, container, c),
            None if c.score.is_pos_infinity() => {
                crate::placement::assign_to(cluster, dependent, None, true);
            }
            None => {}
        }
        return;
    }
    let mut hosts = Vec::new();
    for rep in replicas(cluster, primary) {
        let k = rep.container;
        if !c.score.is_pos_infinity() {
            crate::placement::apply_colocation(cluster, dependent, k, c);
            continue;
        }
        let Some(n) = cluster.resources[k].assigned else {
            continue;
        };
        if cluster.resources[k].blocked {
            continue;
        }
        if c.primary_role >= Role::Promoted
            && rep
                .child
                .is_none_or(|x| cluster.resources[x].next_role < Role::Promoted)
        {
            continue;
        }
        hosts.push(n);
    }
    if c.score.is_pos_infinity() {
        crate::clone::keep_only_on(cluster, dependent, &hosts);
    }
}

/// Whether a resource's fail count on a node reached its
/// `migration-threshold`.
fn threshold_reached(cluster: &Cluster, r: RscId, n: NodeId) -> bool {
    let rsc = &cluster.resources[r];
    if rsc.migration_threshold <= 0 || rsc.failure_ignored {
        return false;
    }
    let fails = crate::failures::fail_count_with_fillers(cluster, r, n);
    fails.value() > 0 && fails.value() >= rsc.migration_threshold
}

// ----------------------------------------------------------- orderings

/// Orderings a bundle has by its nature: its pseudo-actions around the
/// replicas' and the inner clone's, IP before container before
/// connection (the connection's own constraints tie it to its container;
/// what runs on the guest node follows the connection).
pub(crate) fn bundle_internal(cluster: &mut Cluster, r: RscId) {
    use crate::ordering::{internal_constraints_of, order_rsc_tasks};
    let first_printed = OrderFlags::IMPLIES_FIRST_PRINTED;
    let then_printed = OrderFlags::IMPLIES_THEN_PRINTED;
    let clone = inner_clone(cluster, r);
    if let Some(clone) = clone {
        order_rsc_tasks(cluster, r, Task::Start, clone, Task::Start, first_printed);
        order_rsc_tasks(cluster, r, Task::Stop, clone, Task::Stop, first_printed);
        order_rsc_tasks(
            cluster,
            clone,
            Task::Running,
            r,
            Task::Running,
            then_printed,
        );
        order_rsc_tasks(
            cluster,
            clone,
            Task::Stopped,
            r,
            Task::Stopped,
            then_printed,
        );
    }
    for rep in replicas(cluster, r) {
        let k = rep.container;
        internal_constraints_of(cluster, k);
        let start = OrderFlags::RUNNABLE_LEFT | first_printed;
        order_rsc_tasks(cluster, r, Task::Start, k, Task::Start, start);
        if let Some(child) = rep.child {
            order_rsc_tasks(cluster, r, Task::Stop, child, Task::Stop, first_printed);
        }
        order_rsc_tasks(cluster, r, Task::Stop, k, Task::Stop, first_printed);
        order_rsc_tasks(cluster, k, Task::Start, r, Task::Running, then_printed);
        order_rsc_tasks(cluster, k, Task::Stop, r, Task::Stopped, then_printed);
        if let Some(ip) = rep.ip {
            internal_constraints_of(cluster, ip);
            let start = OrderFlags::RUNNABLE_LEFT | OrderFlags::PRESERVE;
            order_rsc_tasks(cluster, ip, Task::Start, k, Task::Start, start);
            let stop = OrderFlags::IMPLIES_FIRST | OrderFlags::PRESERVE;
            order_rsc_tasks(cluster, k, Task::Stop, ip, Task::Stop, stop);
            let inf = Score::INFINITY;
            let add = crate::constraints::add_colocation;
            add(
                cluster,
                "ip-with-docker",
                None,
                inf,
                ip,
                k,
                None,
                None,
                true,
            );
        }
        if let Some(remote) = rep.remote {
            internal_constraints_of(cluster, remote);
        }
    }
    if let Some(clone) = clone {
        internal_constraints_of(cluster, clone);
        if cluster.resources[clone].is_promotable() {
            crate::promotable::restart_ordering(cluster, r);
            order_rsc_tasks(
                cluster,
                clone,
                Task::Demoted,
                r,
                Task::Demoted,
                then_printed,
            );
            order_rsc_tasks(cluster, r, Task::Demote, clone, Task::Demote, first_printed);
            order_rsc_tasks(
                cluster,
                clone,
                Task::Promoted,
                r,
                Task::Promoted,
                then_printed,
            );
            order_rsc_tasks(
                cluster,
                r,
                Task::Promote,
                clone,
                Task::Promote,
                first_printed,
            );
        }
    }
}

// ------------------------------------------------------------- actions

/// The replicas' actions, the inner clone's, and the bundle's own
/// pseudo-actions (which summarize its containers').
pub(crate) fn create_bundle_actions(cluster: &mut Cluster, r: RscId) {
    let mut any_starting = false;
    let mut any_stopping = false;
    let mut any_active = false;
    for rep in replicas(cluster, r) {
        for x in rep.ip.into_iter().chain([rep.container]).chain(rep.remote) {
            crate::schedule::create_actions(cluster, x);
        }
        let (stopping, starting) =
            crate::clone::pseudo_status(cluster, rep.container, &mut any_active);
        any_starting |= starting;
        any_stopping |= stopping;
    }
    let pseudo = crate::clone::rsc_pseudo_action;
    pseudo(cluster, r, Task::Start, !any_starting, true);
    let running = pseudo(cluster, r, Task::Running, !any_starting, false);
    if any_active || any_starting {
        cluster.actions[running].flags.set(ActionFlags::RUNNABLE);
    }
    pseudo(cluster, r, Task::Stop, !any_stopping, true);
    pseudo(cluster, r, Task::Stopped, !any_stopping, true);
    if let Some(clone) = inner_clone(cluster, r) {
        crate::schedule::create_actions(cluster, clone);
        if cluster.resources[clone].is_promotable() {
            for task in [Task::Promote, Task::Promoted, Task::Demote, Task::Demoted] {
                pseudo(cluster, r, task, true, true);
            }
        }
    }
}

// ------------------------------------------------------------- summary

/// Resources of a bundle in the order their summary lines are printed.
pub(crate) fn log_order(cluster: &Cluster, r: RscId) -> Vec<RscId> {
    let mut out = Vec::new();
    for rep in replicas(cluster, r) {
        out.extend(rep.ip);
        out.push(rep.container);
        out.extend(rep.remote);
        out.extend(rep.child);
    }
    // Instances beyond the replicas (orphans) come last.
    if let Some(clone) = inner_clone(cluster, r) {
        for c in cluster.resources[clone].children.clone() {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    let _ = replica_count;
    out
}

/// History of a bundle's resource on one of its guest nodes belongs to
/// that replica's instance.
pub(crate) fn instance_on_replica_node(
    cluster: &Cluster,
    clone: RscId,
    n: NodeId,
    base: &str,
) -> Option<RscId> {
    let bundle = cluster.resources[clone].parent?;
    if cluster.resources[bundle].variant != Variant::Bundle {
        return None;
    }
    let rep = replicas(cluster, bundle)
        .into_iter()
        .find(|rep| replica_node(cluster, rep) == Some(n))?;
    let child = rep.child?;
    cluster
        .primitives_under(child)
        .into_iter()
        .find(|&p| cluster.resources[p].base_id == base)
}

/// A replica without an IP of its own is reached at the host running its
/// container: the connection's `#uname` address means the node its
/// container is placed on (or, before placement, runs on).
pub(crate) fn resolve_connection_address(
    cluster: &Cluster,
    r: RscId,
    params: &mut BTreeMap<String, String>,
) {
    let rsc = &cluster.resources[r];
    if !is_bundled(cluster, r) || !rsc.is_remote_connection() {
        return;
    }
    let Some(container) = rsc.container else {
        return;
    };
    let k = &cluster.resources[container];
    let Some(host) = k.assigned.or_else(|| k.running_on.first().copied()) else {
        return;
    };
    if let Some(addr) = params.get_mut("addr")
        && addr == "#uname"
    {
        *addr = cluster.nodes[host].name.clone();
    }
}

/// The node whose attributes a resource sees when placed on `n`: with
/// `container-attribute-target=host`, a resource on a guest node reads
/// the attributes of the host its container runs on now (none while the
/// container is inactive).
pub(crate) fn attribute_node(cluster: &Cluster, r: RscId, n: NodeId) -> Option<NodeId> {
    let host_target = cluster.resources[r]
        .meta
        .get("container-attribute-target")
        .is_some_and(|v| v.eq_ignore_ascii_case("host"));
    if !host_target || cluster.nodes[n].kind != NodeKind::Guest {
        return Some(n);
    }
    let container = cluster.nodes[n]
        .connection
        .and_then(|c| cluster.resources[c].container)?;
    cluster.resources[container].running_on.first().copied()
}

/// A replica's connection is colocated with its container, but moving a
/// connection is cheap and moving a container interrupts the service: a
/// clean container active on one node ignores its connection's
/// preferences (which also keeps two containers from swapping forever).
pub(crate) fn connection_defers_to_container(cluster: &Cluster, c: &Colocation) -> bool {
    let dep = &cluster.resources[c.dependent];
    let primary = &cluster.resources[c.primary];
    is_bundled(cluster, c.dependent)
        && dep.is_remote_connection()
        && dep.container == Some(c.primary)
        && !primary.failed
        && primary.running_on.len() == 1
}

/// What a location constraint on a bundle applies to besides the bundle:
/// its containers and IPs (never the connections), and the inner clone
/// when the constraint is for a role.
pub(crate) fn location_targets(cluster: &Cluster, r: RscId, role_specific: bool) -> Vec<RscId> {
    let mut out = Vec::new();
    for rep in replicas(cluster, r) {
        out.push(rep.container);
        out.extend(rep.ip);
    }
    if role_specific {
        out.extend(inner_clone(cluster, r));
    }
    out
}

// -------------------------------------------------------------- probes

/// Probe a bundle's replicas on a node: IPs, containers and connections
/// everywhere, each replica's instance only on its own guest node. A
/// connection is probed once its container's state is known; with one
/// replica per host, no container starts before the others are probed.
pub(crate) fn create_bundle_probes(cluster: &mut Cluster, r: RscId, n: NodeId) -> bool {
    use crate::actions::create_probe;
    let reps = replicas(cluster, r);
    let one_per_host = replicas_per_host(cluster, r) == 1;
    let mut any = false;
    for rep in &reps {
        if let Some(ip) = rep.ip {
            any |= create_probe(cluster, ip, n);
        }
        if let Some(child) = rep.child
            && replica_node(cluster, rep) == Some(n)
        {
            any |= create_probe(cluster, child, n);
        }
        if create_probe(cluster, rep.container, n) {
            any = true;
            for other in reps.iter().filter(|o| o.index != rep.index) {
                if one_per_host {
                    crate::ordering::order_rsc_tasks(
                        cluster,
                        rep.container,
                        Task::Monitor,
                        other.container,
                        Task::Start,
                        OrderFlags::OPTIONAL | OrderFlags::SAME_NODE,
                    );
                }
            }
        }
        if let Some(remote) = rep.remote
            && create_probe(cluster, remote, n)
            && let Some(probe) =
                crate::actions::find_actions(cluster, remote, Task::Monitor, 0, Some(n))
                    .into_iter()
                    .find(|&a| cluster.actions[a].interval_ms == 0)
        {
            any = true;
            crate::ordering::order_rsc_then_action(
                cluster,
                rep.container,
                Task::Start,
                probe,
                OrderFlags::PROBE,
            );
        }
    }
    any
}

/// Nothing is discovered on a bundle's guest node but that replica's own
/// instance.
pub(crate) fn discovery_disabled(cluster: &Cluster, r: RscId, n: NodeId) -> bool {
    for reps in cluster.bundle_replicas.values() {
        for rep in reps {
            if replica_node(cluster, rep) == Some(n) {
                return rep
                    .child
                    .is_none_or(|c| c != r && !cluster.primitives_under(c).contains(&r));
            }
        }
    }
    false
}
