//! The generator proper: a random cluster model, then its CIB text.
//!
//! The model is drawn first (nodes, resources, where each resource
//! instance runs and how its operations ended), then written out in one
//! pass, so the configuration and the status always agree on names.

use std::fmt::Write as _;

use md5::{Digest, Md5};

use crate::{EXECUTION_DATE, Options, Rng};

/// The DC's UUID in transition keys (the scheduler only parses it).
const UUID: &str = "5a9d6c1e-0f3b-4c52-9d1e-7b0c2a4f8e61";
const FEATURE_SET: &str = "3.16.2";
/// Recurring monitor intervals (ms): plain, promoted, unpromoted.
const MONITOR_MS: u64 = 10_000;
const PROMOTED_MONITOR_MS: u64 = 10_000;
const UNPROMOTED_MONITOR_MS: u64 = 11_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Membership {
    /// Member of the cluster, controller up.
    Online,
    /// Left cleanly.
    Offline,
    /// Gone from the membership while expected to be a member (unclean).
    Lost,
    /// In the membership but its controller is gone while expected
    /// (unclean).
    ControllerDown,
    /// Configured but never seen: no `<node_state>` at all.
    Unseen,
}

struct Node {
    id: String,
    name: String,
    membership: Membership,
    standby: bool,
    rack: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agent {
    Dummy,
    Stateful,
    Fence,
}

struct Primitive {
    id: String,
    agent: Agent,
    /// The value of the agent's one instance parameter, if configured.
    param: Option<u32>,
    /// Monitor timeout in seconds, if configured.
    monitor_timeout: Option<u32>,
    meta: Vec<(&'static str, String)>,
}

enum Body {
    Primitive(Primitive),
    Group(Vec<Primitive>),
    Clone {
        promotable: bool,
        /// The id of the cloned group, when the child is a group.
        group: Option<String>,
        members: Vec<Primitive>,
    },
}

struct Resource {
    id: String,
    meta: Vec<(&'static str, String)>,
    body: Body,
}

impl Resource {
    fn promotable(&self) -> bool {
        matches!(
            self.body,
            Body::Clone {
                promotable: true,
                ..
            }
        )
    }

    fn primitives(&self) -> &[Primitive] {
        match &self.body {
            Body::Primitive(p) => std::slice::from_ref(p),
            Body::Group(m) | Body::Clone { members: m, .. } => m,
        }
    }
}

/// Something a constraint can name.
struct Target {
    id: String,
    /// Index of the top-level resource it belongs to.
    top: usize,
    promotable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Started,
    Promoted,
}

/// What one node's history says about one primitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum History {
    /// Nothing recorded (not probed yet).
    Nothing,
    /// Probed: not running.
    Probed,
    /// Was running, stopped cleanly.
    Stopped,
    /// Started (and promoted) successfully, monitor fine.
    Running(Role),
    /// A probe found it running.
    ProbeFoundRunning(Role),
    /// Started, then its recurring monitor failed with `rc`.
    FailedMonitor(Role, i32),
    /// Its start failed with `rc`.
    FailedStart(i32),
    /// Its probe failed with `rc`.
    FailedProbe(i32),
    /// Its stop failed.
    FailedStop,
}

pub(crate) struct Generator<'a> {
    rng: Rng,
    o: &'a Options,
    nodes: Vec<Node>,
    resources: Vec<Resource>,
    stonith: bool,
    start_failure_is_fatal: bool,
    call_id: u64,
    out: String,
}

/// A constraint score: infinite either way, small, or larger finite.
fn score(rng: &mut Rng) -> String {
    match rng.below(9) {
        0..=2 => "INFINITY".to_string(),
        3..=4 => "-INFINITY".to_string(),
        5 => (rng.range(0, 20) as i64 - 10).to_string(),
        _ => rng
            .pick(&[
                -1000, -500, -200, -100, -50, 10, 20, 50, 100, 150, 200, 500, 1000, 5000,
            ])
            .to_string(),
    }
}

fn digest(params: &[(&str, String)]) -> String {
    let mut sorted: Vec<&(&str, String)> = params.iter().collect();
    sorted.sort();
    let mut text = String::from(" <parameters");
    for (k, v) in sorted {
        let _ = write!(text, " {k}=\"{v}\"");
    }
    text.push_str("/>\n");
    let hash = Md5::digest(text.as_bytes());
    hash.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

impl<'a> Generator<'a> {
    pub(crate) fn new(seed: u64, o: &'a Options) -> Generator<'a> {
        let mut g = Generator {
            rng: Rng::new(seed),
            o,
            nodes: Vec::new(),
            resources: Vec::new(),
            stonith: false,
            start_failure_is_fatal: true,
            call_id: 10,
            out: String::new(),
        };
        g.draw_nodes();
        g.stonith = g.rng.percent(50);
        g.start_failure_is_fatal = !g.rng.percent(10);
        g.draw_resources();
        g
    }

    fn draw_nodes(&mut self) {
        let (lo, hi) = self.o.nodes;
        let n = self.rng.range(lo, hi);
        for i in 1..=n {
            let membership = if i == 1 || !self.o.node_failures {
                Membership::Online
            } else {
                *self.rng.weighted(&[
                    (60, Membership::Online),
                    (12, Membership::Offline),
                    (10, Membership::Lost),
                    (5, Membership::ControllerDown),
                    (5, Membership::Unseen),
                ])
            };
            let standby =
                self.o.standby && membership == Membership::Online && self.rng.percent(12);
            let rack = self.rng.range(1, 2);
            self.nodes.push(Node {
                id: i.to_string(),
                name: format!("node{i}"),
                membership,
                standby,
                rack,
            });
        }
    }

    fn primitive(&mut self, id: String, agent: Agent) -> Primitive {
        let param =
            (agent != Agent::Fence && self.rng.percent(30)).then(|| self.rng.range(1, 9) as u32);
        let monitor_timeout = self.rng.percent(20).then(|| *self.rng.pick(&[15, 30, 60]));
        let mut meta = Vec::new();
        if agent == Agent::Dummy && self.o.migration && self.rng.percent(10) {
            meta.push(("allow-migrate", "true".to_string()));
        }
        Primitive {
            id,
            agent,
            param,
            monitor_timeout,
            meta,
        }
    }

    /// Meta attributes any resource may carry.
    fn common_meta(&mut self, promotable: bool) -> Vec<(&'static str, String)> {
        let mut meta = Vec::new();
        if self.rng.percent(30) {
            let v = self.rng.pick(&["0", "50", "100", "200", "INFINITY"]);
            meta.push(("resource-stickiness", v.to_string()));
        }
        if self.rng.percent(30) {
            let v = self.rng.pick(&["1", "2", "3", "INFINITY"]);
            meta.push(("migration-threshold", v.to_string()));
        }
        if self.o.failure_timeout && self.rng.percent(15) {
            let v = self.rng.pick(&["60s", "10min", "1h"]);
            meta.push(("failure-timeout", v.to_string()));
        }
        if self.rng.percent(15) {
            let v = self.rng.pick(&["0", "5", "10"]);
            meta.push(("priority", v.to_string()));
        }
        if self.rng.percent(8) {
            let roles: &[&str] = if promotable {
                &["Stopped", "Started", "Unpromoted", "Promoted"]
            } else {
                &["Stopped", "Started"]
            };
            meta.push(("target-role", self.rng.pick(roles).to_string()));
        }
        if self.o.unmanaged && self.rng.percent(5) {
            meta.push(("is-managed", "false".to_string()));
        }
        meta
    }

    fn draw_resources(&mut self) {
        let count = self.rng.range(1, self.o.max_resources);
        let mut kinds: Vec<(u32, u8)> = vec![(5, b'p')];
        if self.o.groups {
            kinds.push((2, b'g'));
        }
        if self.o.clones {
            kinds.push((2, b'c'));
        }
        if self.o.promotable {
            kinds.push((2, b'm'));
        }
        for i in 1..=count {
            let kind = *self.rng.weighted(&kinds);
            let resource = match kind {
                b'g' => {
                    let id = format!("grp{i}");
                    let n = self.rng.range(2, 3);
                    let members = (1..=n)
                        .map(|m| self.primitive(format!("grp{i}-m{m}"), Agent::Dummy))
                        .collect();
                    let meta = self.common_meta(false);
                    Resource {
                        id,
                        meta,
                        body: Body::Group(members),
                    }
                }
                b'c' | b'm' => {
                    let promotable = kind == b'm';
                    let id = if promotable {
                        format!("ms{i}")
                    } else {
                        format!("clone{i}")
                    };
                    let agent = if promotable {
                        Agent::Stateful
                    } else {
                        Agent::Dummy
                    };
                    let (group, members) = if self.o.cloned_groups && self.rng.percent(20) {
                        let n = self.rng.range(2, 3);
                        let members = (1..=n)
                            .map(|m| self.primitive(format!("{id}-g-m{m}"), agent))
                            .collect();
                        (Some(format!("{id}-g")), members)
                    } else {
                        (None, vec![self.primitive(format!("{id}-rsc"), agent)])
                    };
                    let mut meta = self.common_meta(promotable);
                    if promotable {
                        meta.push(("promotable", "true".to_string()));
                        if self.rng.percent(30) {
                            meta.push(("promoted-max", "2".to_string()));
                        }
                    }
                    if self.rng.percent(25) {
                        let max = self.rng.range(1, self.nodes.len());
                        if self.o.clone_max {
                            meta.push(("clone-max", max.to_string()));
                        }
                    }
                    if self.rng.percent(30) {
                        meta.push(("interleave", "true".to_string()));
                    }
                    if self.rng.percent(20) {
                        meta.push(("notify", "true".to_string()));
                    }
                    Resource {
                        id,
                        meta,
                        body: Body::Clone {
                            promotable,
                            group,
                            members,
                        },
                    }
                }
                _ => {
                    let id = format!("rsc{i}");
                    let mut p = self.primitive(id.clone(), Agent::Dummy);
                    let meta = self.common_meta(false);
                    p.meta.extend(meta);
                    Resource {
                        id,
                        meta: Vec::new(),
                        body: Body::Primitive(p),
                    }
                }
            };
            self.resources.push(resource);
        }
        if self.stonith && self.o.fence_device && self.rng.percent(60) {
            let p = self.primitive("fencing".to_string(), Agent::Fence);
            self.resources.push(Resource {
                id: "fencing".to_string(),
                meta: Vec::new(),
                body: Body::Primitive(p),
            });
        }
    }

    fn targets(&self) -> Vec<Target> {
        let mut t = Vec::new();
        for (i, r) in self.resources.iter().enumerate() {
            t.push(Target {
                id: r.id.clone(),
                top: i,
                promotable: r.promotable(),
            });
            if let Body::Group(members) = &r.body {
                for m in members {
                    t.push(Target {
                        id: m.id.clone(),
                        top: i,
                        promotable: false,
                    });
                }
            }
        }
        t
    }

    // ---- the document ----

    pub(crate) fn cib(mut self) -> String {
        let dc = &self.nodes[0].id;
        let lost = self.rng.percent(15);
        let quorum = if lost && self.o.quorum_loss { "0" } else { "1" };
        let _ = writeln!(
            self.out,
            "<cib crm_feature_set=\"{FEATURE_SET}\" validate-with=\"pacemaker-3.9\" \
             epoch=\"10\" num_updates=\"0\" admin_epoch=\"0\" \
             cib-last-written=\"Tue Nov 14 22:13:20 2023\" update-origin=\"node1\" \
             update-client=\"crmd\" have-quorum=\"{quorum}\" dc-uuid=\"{dc}\" \
             execution-date=\"{EXECUTION_DATE}\">"
        );
        self.out.push_str("  <configuration>\n");
        self.crm_config();
        self.nodes_section();
        self.resources_section();
        self.constraints();
        self.rsc_defaults();
        self.out.push_str("  </configuration>\n");
        self.status();
        self.out.push_str("</cib>\n");
        self.out
    }

    fn nvpair(&mut self, indent: usize, owner: &str, name: &str, value: &str) {
        let _ = writeln!(
            self.out,
            "{:indent$}<nvpair id=\"{owner}-{name}\" name=\"{name}\" value=\"{value}\"/>",
            ""
        );
    }

    fn crm_config(&mut self) {
        self.out.push_str("    <crm_config>\n");
        self.out
            .push_str("      <cluster_property_set id=\"cib-bootstrap-options\">\n");
        let o = "cib-bootstrap-options";
        let stonith = if self.stonith { "true" } else { "false" };
        self.nvpair(8, o, "stonith-enabled", stonith);
        let nqp =
            *self
                .rng
                .weighted(&[(50, "ignore"), (30, "stop"), (15, "freeze"), (5, "demote")]);
        self.nvpair(8, o, "no-quorum-policy", nqp);
        if self.rng.percent(15) {
            self.nvpair(8, o, "symmetric-cluster", "false");
        }
        if !self.start_failure_is_fatal {
            self.nvpair(8, o, "start-failure-is-fatal", "false");
        }
        if self.rng.percent(10) {
            self.nvpair(8, o, "stop-orphan-resources", "false");
        }
        self.out.push_str("      </cluster_property_set>\n");
        self.out.push_str("    </crm_config>\n");
    }

    fn nodes_section(&mut self) {
        self.out.push_str("    <nodes>\n");
        for i in 0..self.nodes.len() {
            let (id, name, standby, rack) = {
                let n = &self.nodes[i];
                (n.id.clone(), n.name.clone(), n.standby, n.rack)
            };
            let _ = writeln!(
                self.out,
                "      <node id=\"{id}\" uname=\"{name}\" type=\"member\">"
            );
            let owner = format!("nodes-{id}");
            let _ = writeln!(self.out, "        <instance_attributes id=\"{owner}\">");
            self.nvpair(10, &owner, "rack", &format!("r{rack}"));
            if standby {
                self.nvpair(10, &owner, "standby", "on");
            }
            self.out.push_str("        </instance_attributes>\n");
            self.out.push_str("      </node>\n");
        }
        self.out.push_str("    </nodes>\n");
    }

    fn meta_block(&mut self, indent: usize, owner: &str, meta: &[(&'static str, String)]) {
        if meta.is_empty() {
            return;
        }
        let _ = writeln!(
            self.out,
            "{:indent$}<meta_attributes id=\"{owner}-meta_attributes\">",
            ""
        );
        let owner = format!("{owner}-meta_attributes");
        for (k, v) in meta {
            self.nvpair(indent + 2, &owner, k, v);
        }
        let _ = writeln!(self.out, "{:indent$}</meta_attributes>", "");
    }

    fn write_primitive(&mut self, indent: usize, p: &Primitive) {
        let agent = match p.agent {
            Agent::Dummy => "class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"",
            Agent::Stateful => "class=\"ocf\" provider=\"pacemaker\" type=\"Stateful\"",
            Agent::Fence => "class=\"stonith\" type=\"fence_dummy\"",
        };
        let pad = indent + 2;
        let _ = writeln!(
            self.out,
            "{:indent$}<primitive id=\"{}\" {agent}>",
            "", p.id
        );
        if let Some(v) = p.param {
            let owner = format!("{}-instance_attributes", p.id);
            let _ = writeln!(self.out, "{:pad$}<instance_attributes id=\"{owner}\">", "");
            self.nvpair(pad + 2, &owner, param_name(p.agent), &v.to_string());
            let _ = writeln!(self.out, "{:pad$}</instance_attributes>", "");
        }
        self.meta_block(pad, &p.id, &p.meta);
        let _ = writeln!(self.out, "{:pad$}<operations>", "");
        let timeout = p
            .monitor_timeout
            .map(|t| format!(" timeout=\"{t}s\""))
            .unwrap_or_default();
        let op_pad = pad + 2;
        let id = &p.id;
        let ops: &[(&str, u64, &str)] = if p.agent == Agent::Stateful {
            &[
                (
                    "monitor-promoted",
                    PROMOTED_MONITOR_MS,
                    " role=\"Promoted\"",
                ),
                (
                    "monitor-unpromoted",
                    UNPROMOTED_MONITOR_MS,
                    " role=\"Unpromoted\"",
                ),
            ]
        } else {
            &[("monitor", MONITOR_MS, "")]
        };
        for (name, ms, role) in ops {
            let _ = writeln!(
                self.out,
                "{:op_pad$}<op id=\"{id}-{name}\" name=\"monitor\" interval=\"{ms}ms\"{role}{timeout}/>",
                ""
            );
        }
        let _ = writeln!(self.out, "{:pad$}</operations>", "");
        let _ = writeln!(self.out, "{:indent$}</primitive>", "");
    }

    fn resources_section(&mut self) {
        self.out.push_str("    <resources>\n");
        let resources = std::mem::take(&mut self.resources);
        for r in &resources {
            match &r.body {
                Body::Primitive(p) => self.write_primitive(6, p),
                Body::Group(members) => {
                    let _ = writeln!(self.out, "      <group id=\"{}\">", r.id);
                    self.meta_block(8, &r.id, &r.meta);
                    for m in members {
                        self.write_primitive(8, m);
                    }
                    self.out.push_str("      </group>\n");
                }
                Body::Clone { group, members, .. } => {
                    let _ = writeln!(self.out, "      <clone id=\"{}\">", r.id);
                    self.meta_block(8, &r.id, &r.meta);
                    match group {
                        Some(g) => {
                            let _ = writeln!(self.out, "        <group id=\"{g}\">");
                            for m in members {
                                self.write_primitive(10, m);
                            }
                            self.out.push_str("        </group>\n");
                        }
                        None => self.write_primitive(8, &members[0]),
                    }
                    self.out.push_str("      </clone>\n");
                }
            }
        }
        self.resources = resources;
        self.out.push_str("    </resources>\n");
    }

    fn rsc_defaults(&mut self) {
        if !self.rng.percent(30) {
            return;
        }
        let v = *self.rng.pick(&["0", "50", "100", "INFINITY"]);
        self.out
            .push_str("    <rsc_defaults>\n      <meta_attributes id=\"rsc-options\">\n");
        self.nvpair(8, "rsc-options", "resource-stickiness", v);
        self.out
            .push_str("      </meta_attributes>\n    </rsc_defaults>\n");
    }

    /// Two different targets from different top-level resources; unless
    /// cycles are allowed, the first comes earlier in the configuration.
    fn pair(&mut self, targets: &[Target], ordered: bool) -> Option<(usize, usize)> {
        for _ in 0..10 {
            let a = self.rng.below(targets.len());
            let b = self.rng.below(targets.len());
            if targets[a].top == targets[b].top {
                continue;
            }
            if ordered && a > b {
                return Some((b, a));
            }
            return Some((a, b));
        }
        None
    }

    fn role_attr(&mut self, name: &str, promotable: bool) -> String {
        if !promotable {
            return String::new();
        }
        match *self
            .rng
            .weighted(&[(4, "Promoted"), (2, "Unpromoted"), (1, "Started"), (3, "")])
        {
            "" => String::new(),
            _ if !self.o.colocation_roles => String::new(),
            role => format!(" {name}=\"{role}\""),
        }
    }

    fn constraints(&mut self) {
        let targets = self.targets();
        let tops = self.resources.len();
        self.out.push_str("    <constraints>\n");
        let locations = self.rng.range(0, 2 * tops);
        for i in 1..=locations {
            let t = &targets[self.rng.below(targets.len())];
            let role = if t.promotable && self.rng.percent(30) {
                " role=\"Promoted\""
            } else {
                ""
            };
            let s = score(&mut self.rng);
            if self.o.rules && self.rng.percent(20) {
                let (attr, value) = if self.rng.percent(50) {
                    ("rack", format!("r{}", self.rng.range(1, 2)))
                } else {
                    let n = self.rng.below(self.nodes.len());
                    ("#uname", self.nodes[n].name.clone())
                };
                let op = self.rng.pick(&["eq", "ne"]);
                let _ = writeln!(
                    self.out,
                    "      <rsc_location id=\"loc{i}\" rsc=\"{}\">\n        \
                     <rule id=\"loc{i}-rule\" score=\"{s}\"{role}>\n          \
                     <expression id=\"loc{i}-expr\" attribute=\"{attr}\" operation=\"{op}\" value=\"{value}\"/>\n        \
                     </rule>\n      </rsc_location>",
                    t.id
                );
            } else {
                let n = &self.nodes[self.rng.below(self.nodes.len())];
                let _ = writeln!(
                    self.out,
                    "      <rsc_location id=\"loc{i}\" rsc=\"{}\" node=\"{}\" score=\"{s}\"{role}/>",
                    t.id, n.name
                );
            }
        }
        if targets.len() > 1 && tops > 1 {
            let colocations = self.rng.range(0, tops + 1);
            for i in 1..=colocations {
                let Some((primary, dependent)) = self.pair(&targets, !self.o.colocation_cycles)
                else {
                    continue;
                };
                let (p, d) = (&targets[primary], &targets[dependent]);
                let s = score(&mut self.rng);
                let rsc_role = self.role_attr("rsc-role", d.promotable);
                let with_role = self.role_attr("with-rsc-role", p.promotable);
                let _ = writeln!(
                    self.out,
                    "      <rsc_colocation id=\"col{i}\" rsc=\"{}\"{rsc_role} with-rsc=\"{}\"{with_role} score=\"{s}\"/>",
                    d.id, p.id
                );
            }
            let orders = self.rng.range(0, tops + 1);
            for i in 1..=orders {
                let Some((first, then)) = self.pair(&targets, true) else {
                    continue;
                };
                let (f, t) = (&targets[first], &targets[then]);
                let first_action = self.action_attr("first-action", f.promotable);
                let then_action = self.action_attr("then-action", t.promotable);
                let kind =
                    *self
                        .rng
                        .weighted(&[(6, "Mandatory"), (3, "Optional"), (1, "Serialize")]);
                let symmetrical = match self.rng.below(10) {
                    0..=4 => "",
                    5..=6 => " symmetrical=\"true\"",
                    _ => " symmetrical=\"false\"",
                };
                let _ = writeln!(
                    self.out,
                    "      <rsc_order id=\"ord{i}\" first=\"{}\"{first_action} then=\"{}\"{then_action} kind=\"{kind}\"{symmetrical}/>",
                    f.id, t.id
                );
            }
        }
        self.out.push_str("    </constraints>\n");
    }

    fn action_attr(&mut self, name: &str, promotable: bool) -> String {
        let actions: &[(u32, &str)] = if promotable {
            &[
                (3, ""),
                (2, "start"),
                (3, "promote"),
                (1, "demote"),
                (1, "stop"),
            ]
        } else {
            &[(6, ""), (2, "start"), (1, "stop")]
        };
        match *self.rng.weighted(actions) {
            "" => String::new(),
            a => format!(" {name}=\"{a}\""),
        }
    }

    // ---- status ----

    /// For every top-level resource, per primitive, per node: what the
    /// history says.
    fn draw_histories(&mut self) -> Vec<Vec<Vec<History>>> {
        let nodes = self.nodes.len();
        let has_status: Vec<bool> = self
            .nodes
            .iter()
            .map(|n| n.membership != Membership::Unseen)
            .collect();
        let mut all = Vec::new();
        for r in 0..self.resources.len() {
            let prims = self.resources[r].primitives().len();
            // Where each primitive runs (and in which role).
            let mut running: Vec<Vec<Option<Role>>> = vec![vec![None; nodes]; prims];
            match &self.resources[r].body {
                Body::Primitive(_) => {
                    let count = *self.rng.weighted(&[(35, 0), (55, 1), (10, 2)]);
                    for _ in 0..count {
                        let n = self.rng.below(nodes);
                        running[0][n] = Some(Role::Started);
                    }
                }
                Body::Group(_) => {
                    if self.rng.percent(70) {
                        let n = self.rng.below(nodes);
                        let k = self.rng.range(1, prims);
                        for row in running.iter_mut().take(k) {
                            row[n] = Some(Role::Started);
                        }
                    }
                    if self.rng.percent(15) {
                        let m = self.rng.below(prims);
                        let n = self.rng.below(nodes);
                        running[m][n] = match running[m][n] {
                            Some(_) => None,
                            None => Some(Role::Started),
                        };
                    }
                }
                Body::Clone { promotable, .. } => {
                    let promotable = *promotable;
                    for n in 0..nodes {
                        if !self.rng.percent(60) {
                            continue;
                        }
                        let role = if promotable && self.rng.percent(30) {
                            Role::Promoted
                        } else {
                            Role::Started
                        };
                        let k = if prims > 1 && self.rng.percent(30) {
                            self.rng.range(1, prims)
                        } else {
                            prims
                        };
                        for row in running.iter_mut().take(k) {
                            row[n] = Some(role);
                        }
                    }
                }
            }
            let mut per_prim = Vec::new();
            for row in running {
                let mut per_node = Vec::new();
                for (n, role) in row.into_iter().enumerate() {
                    per_node.push(if has_status[n] {
                        self.outcome(role)
                    } else {
                        History::Nothing
                    });
                }
                per_prim.push(per_node);
            }
            all.push(per_prim);
        }
        all
    }

    fn outcome(&mut self, running: Option<Role>) -> History {
        let f = self.o.failures;
        let fs = self.o.failed_stops;
        match running {
            Some(role) => {
                let rc = *self.rng.pick(&[1, 7, 7]);
                *self.rng.weighted(&[
                    (70, History::Running(role)),
                    (8, History::ProbeFoundRunning(role)),
                    (if f { 15 } else { 0 }, History::FailedMonitor(role, rc)),
                    (if fs { 3 } else { 0 }, History::FailedStop),
                ])
            }
            None => {
                let start_rc = *self.rng.pick(&[1, 1, 1, 5]);
                let probe_rc = *self.rng.pick(&[1, 5]);
                *self.rng.weighted(&[
                    (25, History::Nothing),
                    (50, History::Probed),
                    (10, History::Stopped),
                    (if f { 8 } else { 0 }, History::FailedStart(start_rc)),
                    (if f { 3 } else { 0 }, History::FailedProbe(probe_rc)),
                    (if fs { 2 } else { 0 }, History::FailedStop),
                ])
            }
        }
    }

    fn status(&mut self) {
        let histories = self.draw_histories();
        self.out.push_str("  <status>\n");
        let nodes: Vec<(String, String, Membership)> = self
            .nodes
            .iter()
            .map(|node| (node.id.clone(), node.name.clone(), node.membership))
            .collect();
        for (n, (id, name, membership)) in nodes.into_iter().enumerate() {
            let state = match membership {
                Membership::Unseen => continue,
                Membership::Online => {
                    "in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\""
                }
                Membership::Offline => {
                    "in_ccm=\"false\" crmd=\"offline\" join=\"down\" expected=\"down\""
                }
                Membership::Lost => {
                    "in_ccm=\"false\" crmd=\"offline\" join=\"member\" expected=\"member\""
                }
                Membership::ControllerDown => {
                    "in_ccm=\"true\" crmd=\"offline\" join=\"member\" expected=\"member\""
                }
            };
            let _ = writeln!(
                self.out,
                "    <node_state id=\"{id}\" uname=\"{name}\" {state} crm-debug-origin=\"do_update_resource\">"
            );
            let mut transient: Vec<(String, String)> = Vec::new();
            let _ = writeln!(self.out, "      <lrm id=\"{id}\">\n        <lrm_resources>");
            let resources = std::mem::take(&mut self.resources);
            for (r, resource) in resources.iter().enumerate() {
                for (p, prim) in resource.primitives().iter().enumerate() {
                    let h = histories[r][p][n];
                    self.lrm_resource(prim, h, &name, &mut transient);
                }
            }
            self.resources = resources;
            self.out
                .push_str("        </lrm_resources>\n      </lrm>\n");
            if !transient.is_empty() {
                let _ = writeln!(
                    self.out,
                    "      <transient_attributes id=\"{id}\">\n        <instance_attributes id=\"status-{id}\">"
                );
                let owner = format!("status-{id}");
                for (k, v) in &transient {
                    self.nvpair(10, &owner, k, v);
                }
                self.out
                    .push_str("        </instance_attributes>\n      </transient_attributes>\n");
            }
            self.out.push_str("    </node_state>\n");
        }
        self.out.push_str("  </status>\n");
    }

    fn op_status(&mut self, failed: bool) -> i32 {
        if failed && self.o.error_op_status && self.rng.percent(50) {
            4
        } else {
            0
        }
    }

    /// One `<lrm_resource>` with the records that describe `h`.
    fn lrm_resource(
        &mut self,
        p: &Primitive,
        h: History,
        node: &str,
        transient: &mut Vec<(String, String)>,
    ) {
        if h == History::Nothing {
            return;
        }
        let agent = match p.agent {
            Agent::Dummy => "class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"",
            Agent::Stateful => "class=\"ocf\" provider=\"pacemaker\" type=\"Stateful\"",
            Agent::Fence => "class=\"stonith\" type=\"fence_dummy\"",
        };
        let _ = writeln!(self.out, "          <lrm_resource id=\"{}\" {agent}>", p.id);
        let stale = self.o.stale_digests && p.param.is_some() && self.rng.percent(8);
        let ctx = OpContext {
            p,
            node,
            stale,
            now: EXECUTION_DATE,
        };
        let age = self.rng.range(30, 7200) as i64;
        let fail_age = *self.rng.pick(&[20, 300, 1800, 5400]) as i64 + self.rng.range(0, 9) as i64;
        let promoted_monitor = |role| match (p.agent, role) {
            (Agent::Stateful, Role::Promoted) => (PROMOTED_MONITOR_MS, 8),
            (Agent::Stateful, Role::Started) => (UNPROMOTED_MONITOR_MS, 0),
            _ => (MONITOR_MS, 0),
        };
        match h {
            History::Nothing => {}
            History::Probed => {
                let c = self.next_call();
                self.op(&ctx, "last_0", "monitor", 0, c, 7, 7, 0, age);
            }
            History::Stopped => {
                let c = self.next_call();
                self.op(&ctx, "last_0", "stop", 0, c + 5, 0, 0, 0, age);
            }
            History::Running(role) => {
                let start = self.next_call();
                let (ms, target) = promoted_monitor(role);
                if role == Role::Promoted {
                    let promote = self.next_call();
                    self.op(&ctx, "last_0", "promote", 0, promote, 0, 0, 0, age);
                } else {
                    self.op(&ctx, "last_0", "start", 0, start, 0, 0, 0, age);
                }
                let c = self.next_call();
                if self.rng.percent(90) {
                    self.op(
                        &ctx,
                        &format!("monitor_{ms}"),
                        "monitor",
                        ms,
                        c,
                        target,
                        target,
                        0,
                        age,
                    );
                }
            }
            History::ProbeFoundRunning(role) => {
                let c = self.next_call();
                let rc = if role == Role::Promoted { 8 } else { 0 };
                self.op(&ctx, "last_0", "monitor", 0, c, rc, 7, 0, age);
            }
            History::FailedMonitor(role, rc) => {
                let start = self.next_call();
                let (ms, target) = promoted_monitor(role);
                if role == Role::Promoted {
                    let promote = self.next_call();
                    self.op(&ctx, "last_0", "promote", 0, promote, 0, 0, 0, age);
                } else {
                    self.op(&ctx, "last_0", "start", 0, start, 0, 0, 0, age);
                }
                let c = self.next_call();
                let st = self.op_status(true);
                let key = format!("monitor_{ms}");
                self.op(&ctx, &key, "monitor", ms, c, rc, target, st, fail_age);
                self.op(
                    &ctx,
                    "last_failure_0",
                    "monitor",
                    ms,
                    c,
                    rc,
                    target,
                    st,
                    fail_age,
                );
                self.fail_count(transient, &p.id, &key, fail_age);
            }
            History::FailedStart(rc) => {
                let c = self.next_call();
                let st = self.op_status(true);
                self.op(&ctx, "last_0", "start", 0, c, rc, 0, st, fail_age);
                self.op(&ctx, "last_failure_0", "start", 0, c, rc, 0, st, fail_age);
                self.fail_count(transient, &p.id, "start_0", fail_age);
            }
            History::FailedProbe(rc) => {
                let c = self.next_call();
                let st = self.op_status(true);
                self.op(&ctx, "last_0", "monitor", 0, c, rc, 7, st, fail_age);
                self.op(&ctx, "last_failure_0", "monitor", 0, c, rc, 7, st, fail_age);
                self.fail_count(transient, &p.id, "monitor_0", fail_age);
            }
            History::FailedStop => {
                let c = self.next_call();
                let st = self.op_status(true);
                self.op(&ctx, "last_0", "stop", 0, c, 1, 0, st, fail_age);
                self.op(&ctx, "last_failure_0", "stop", 0, c, 1, 0, st, fail_age);
                self.fail_count(transient, &p.id, "stop_0", fail_age);
            }
        }
        if p.agent == Agent::Stateful
            && matches!(
                h,
                History::Running(_) | History::ProbeFoundRunning(_) | History::FailedMonitor(..)
            )
            && self.rng.percent(85)
        {
            let promoted = matches!(
                h,
                History::Running(Role::Promoted)
                    | History::ProbeFoundRunning(Role::Promoted)
                    | History::FailedMonitor(Role::Promoted, _)
            );
            let v = if self.rng.percent(80) {
                if promoted { "10" } else { "5" }
            } else {
                self.rng.pick(&["1", "5", "10", "100", "INFINITY"])
            };
            transient.push((format!("master-{}", p.id), v.to_string()));
        }
        self.out.push_str("          </lrm_resource>\n");
    }

    fn next_call(&mut self) -> u64 {
        self.call_id += 1 + self.rng.below(3) as u64;
        self.call_id
    }

    /// The fail count and last failure time a failure leaves behind (the
    /// controller records them; sometimes they are already cleared).
    fn fail_count(
        &mut self,
        transient: &mut Vec<(String, String)>,
        rsc: &str,
        key: &str,
        age: i64,
    ) {
        if !self.rng.percent(90) {
            return;
        }
        let fatal = key == "stop_0" || (key == "start_0" && self.start_failure_is_fatal);
        let count = if fatal {
            "INFINITY".to_string()
        } else {
            self.rng.range(1, 3).to_string()
        };
        transient.push((format!("fail-count-{rsc}#{key}"), count));
        transient.push((
            format!("last-failure-{rsc}#{key}"),
            (EXECUTION_DATE - age).to_string(),
        ));
    }

    #[allow(clippy::too_many_arguments)]
    fn op(
        &mut self,
        ctx: &OpContext<'_>,
        suffix: &str,
        task: &str,
        interval_ms: u64,
        call_id: u64,
        rc: i32,
        target_rc: i32,
        op_status: i32,
        age: i64,
    ) {
        let p = ctx.p;
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(v) = p.param {
            let v = if ctx.stale { v + 10 } else { v };
            params.push((param_name(p.agent), v.to_string()));
        }
        if interval_ms > 0 {
            let timeout = p.monitor_timeout.unwrap_or(20) as u64 * 1000;
            params.push(("CRM_meta_timeout", timeout.to_string()));
        }
        let digest = digest(&params);
        let when = ctx.now - age;
        let key = format!("{call_id}:1:{target_rc}:{UUID}");
        let last_run = if interval_ms == 0 {
            format!(" last-run=\"{when}\"")
        } else {
            String::new()
        };
        let _ = writeln!(
            self.out,
            "            <lrm_rsc_op id=\"{id}_{suffix}\" operation_key=\"{id}_{task}_{interval_ms}\" \
             operation=\"{task}\" crm-debug-origin=\"do_update_resource\" crm_feature_set=\"{FEATURE_SET}\" \
             transition-key=\"{key}\" transition-magic=\"{op_status}:{rc};{key}\" exit-reason=\"\" \
             on_node=\"{node}\" call-id=\"{call_id}\" rc-code=\"{rc}\" op-status=\"{op_status}\" \
             interval=\"{interval_ms}\"{last_run} last-rc-change=\"{when}\" exec-time=\"12\" \
             queue-time=\"0\" op-digest=\"{digest}\"/>",
            id = p.id,
            node = ctx.node,
        );
    }
}

struct OpContext<'a> {
    p: &'a Primitive,
    node: &'a str,
    stale: bool,
    now: i64,
}

fn param_name(agent: Agent) -> &'static str {
    match agent {
        Agent::Dummy => "fake",
        Agent::Stateful => "notify_delay",
        Agent::Fence => "pcmk_delay_base",
    }
}
