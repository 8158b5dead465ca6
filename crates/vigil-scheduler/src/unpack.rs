//! Building the working set from a CIB: options, nodes, resources (with
//! clone instances expanded) and node membership state.

use std::collections::{BTreeMap, BTreeSet};

use vigil_cib::config::{self, ResourceKind};
use vigil_cib::nvset::{evaluate_sets, unpack_sets};
use vigil_cib::rule::RuleContext;
use vigil_cib::time::{DateTime, parse_interval_ms};
use vigil_cib::{Cib, Score, is_true, parse_bool};

use crate::cluster::*;

pub(crate) fn options(cib: &Cib, now: &DateTime) -> Options {
    let ctx = RuleContext {
        now: Some(now),
        ..Default::default()
    };
    let all = evaluate_sets(
        &cib.config.cluster_options,
        &ctx,
        Some("cib-bootstrap-options"),
    );
    let get = |names: &[&str]| names.iter().find_map(|n| all.get(*n)).map(String::as_str);
    let flag = |names: &[&str], default: bool| get(names).and_then(parse_bool).unwrap_or(default);
    let score = |name: &str| get(&[name]).and_then(Score::parse).unwrap_or(Score::ZERO);
    let no_quorum_policy = match get(&["no-quorum-policy"]).unwrap_or("stop") {
        "ignore" => NoQuorumPolicy::Ignore,
        "freeze" => NoQuorumPolicy::Freeze,
        "demote" => NoQuorumPolicy::Demote,
        "suicide" | "fence" => NoQuorumPolicy::Fence,
        _ => NoQuorumPolicy::Stop,
    };
    let placement_strategy = match get(&["placement-strategy"]).unwrap_or("default") {
        "utilization" => PlacementStrategy::Utilization,
        "minimal" => PlacementStrategy::Minimal,
        "balanced" => PlacementStrategy::Balanced,
        _ => PlacementStrategy::Default,
    };
    let stonith_enabled = flag(&["stonith-enabled", "fencing-enabled"], true);
    let node_health_strategy = get(&["node-health-strategy"]).unwrap_or("none").to_string();
    // Health colours map to scores depending on the strategy.
    let (red, yellow, green) = match node_health_strategy.as_str() {
        "migrate-on-red" => (Score::NEG_INFINITY, Score::ZERO, Score::ZERO),
        "only-green" => (Score::NEG_INFINITY, Score::NEG_INFINITY, Score::ZERO),
        _ => (
            score("node-health-red"),
            score("node-health-yellow"),
            score("node-health-green"),
        ),
    };
    Options {
        stonith_enabled,
        symmetric: flag(&["symmetric-cluster"], true),
        no_quorum_policy,
        stop_orphan_resources: flag(&["stop-orphan-resources"], true),
        stop_orphan_actions: flag(&["stop-orphan-actions"], true),
        start_failure_is_fatal: flag(&["start-failure-is-fatal"], true),
        maintenance_mode: flag(&["maintenance-mode"], false),
        stop_all_resources: flag(&["stop-all-resources"], false),
        placement_strategy,
        node_health_strategy,
        health_red: red,
        health_yellow: yellow,
        health_green: green,
        health_base: score("node-health-base"),
        stonith_action: match get(&["stonith-action", "fencing-action"]).unwrap_or("reboot") {
            "poweroff" => "off".to_string(),
            other => other.to_string(),
        },
        startup_fencing: flag(&["startup-fencing"], true),
        concurrent_fencing: flag(&["concurrent-fencing"], false),
        shutdown_lock: flag(&["shutdown-lock"], false),
        shutdown_lock_limit_s: get(&["shutdown-lock-limit"])
            .and_then(parse_interval_ms)
            .map(|ms| (ms / 1000) as i64)
            .unwrap_or(0),
        enable_startup_probes: flag(&["enable-startup-probes"], true),
        cluster_name: get(&["cluster-name"]).map(str::to_string),
        priority_fencing_delay_ms: get(&["priority-fencing-delay"])
            .and_then(parse_interval_ms)
            .unwrap_or(0),
        have_watchdog: flag(&["have-watchdog"], false),
        stonith_watchdog_timeout: get(&["stonith-watchdog-timeout"]).map(str::to_string),
        default_stickiness: get(&["default-resource-stickiness"]).and_then(Score::parse),
        default_managed: get(&["is-managed-default"]).and_then(parse_bool),
        migration_limit: get(&["migration-limit"])
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1),
        remove_after_stop: flag(&["remove-after-stop"], false),
        all,
    }
}

/// Create the node list: configured nodes, then remote and guest nodes
/// defined by resources.
pub(crate) fn nodes(cib: &Cib, options: &Options, now: &DateTime) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    let ctx = RuleContext {
        now: Some(now),
        ..Default::default()
    };
    for n in &cib.config.nodes {
        if n.kind == "ping" {
            continue;
        }
        let kind = if n.kind == "remote" {
            NodeKind::Remote
        } else {
            NodeKind::Member
        };
        let mut node = new_node(&n.id, &n.uname, kind);
        node.attrs = evaluate_sets(&n.attributes, &ctx, None);
        node.utilization = utilization_values(&evaluate_sets(&n.utilization, &ctx, None));
        if nodes.iter().any(|x| x.name == node.name) {
            continue;
        }
        nodes.push(node);
    }
    // Remote connection resources and guest nodes become nodes too.
    for rsc in cib.config.all_resources() {
        let Some(p) = rsc.primitive() else { continue };
        if p.class == "ocf" && p.provider.as_deref() == Some("pacemaker") && p.agent == "remote" {
            if !nodes.iter().any(|x| x.name == rsc.id) {
                nodes.push(new_node(&rsc.id, &rsc.id, NodeKind::Remote));
            } else if let Some(x) = nodes.iter_mut().find(|x| x.name == rsc.id) {
                x.kind = NodeKind::Remote;
            }
        } else {
            let meta = evaluate_sets(&rsc.meta, &ctx, None);
            if let Some(guest) = meta.get("remote-node") {
                match nodes.iter_mut().find(|x| &x.name == guest) {
                    Some(x) => x.kind = NodeKind::Guest,
                    None => nodes.push(new_node(guest, guest, NodeKind::Guest)),
                }
            }
        }
    }
    let _ = options;
    nodes
}

pub(crate) fn new_node(id: &str, name: &str, kind: NodeKind) -> Node {
    Node {
        id: id.to_string(),
        name: name.to_string(),
        kind,
        online: false,
        unclean: false,
        pending: false,
        standby: false,
        standby_onfail: false,
        maintenance: false,
        shutdown: false,
        unseen: true,
        expected_up: false,
        is_dc: false,
        connection: None,
        remote_requires_reset: false,
        connection_failed: false,
        remote_was_fenced: false,
        attrs: BTreeMap::new(),
        utilization: BTreeMap::new(),
        assigned_count: 0,
        running: Vec::new(),
        can_run: false,
        health_score: Score::ZERO,
    }
}

pub(crate) fn utilization_values(map: &BTreeMap<String, String>) -> BTreeMap<String, i64> {
    map.iter()
        .filter_map(|(k, v)| v.trim().parse::<i64>().ok().map(|n| (k.clone(), n)))
        .collect()
}

/// Settings that come from meta-attributes, resolved with inheritance:
/// own meta, then the parent's, then `rsc_defaults`.
struct MetaSource<'a> {
    cib: &'a Cib,
    now: &'a DateTime,
}

impl MetaSource<'_> {
    fn meta(
        &self,
        def: &config::Resource,
        parent_meta: Option<&BTreeMap<String, String>>,
        agent: Option<&Agent>,
    ) -> BTreeMap<String, String> {
        let ctx = RuleContext {
            now: Some(self.now),
            rsc_agent: agent.map(|a| (a.class.as_str(), a.provider.as_deref(), a.kind.as_str())),
            ..Default::default()
        };
        let mut meta = BTreeMap::new();
        unpack_sets(&def.meta, &ctx, None, &mut meta);
        // Old CIBs spell some meta-attributes with underscores.
        let legacy: Vec<(String, String)> = meta
            .iter()
            .filter(|(k, _)| k.contains('_'))
            .map(|(k, v)| (k.replace('_', "-"), v.clone()))
            .collect();
        for (k, v) in legacy {
            meta.entry(k).or_insert(v);
        }
        if let Some(pm) = parent_meta {
            for (k, v) in pm {
                meta.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        unpack_sets(&self.cib.config.rsc_defaults, &ctx, None, &mut meta);
        meta
    }
}

/// Build the resource arena from the configuration.
pub(crate) fn resources(cluster: &mut Cluster, cib: &Cib) {
    let src = MetaSource {
        cib,
        now: &cluster.now.clone(),
    };
    let defs: Vec<config::Resource> = cib.config.resources.clone();
    for def in &defs {
        if let Some(id) = add_resource(cluster, &src, def, None, None) {
            cluster.top.push(id);
        }
    }
}

fn agent_of(def: &config::Resource) -> Option<Agent> {
    def.primitive().map(|p| Agent {
        class: p.class.clone(),
        provider: p.provider.clone(),
        kind: p.agent.clone(),
    })
}

fn blank_resource(id: &str, base_id: &str, variant: Variant) -> Resource {
    Resource {
        id: id.to_string(),
        base_id: base_id.to_string(),
        history_name: None,
        variant,
        parent: None,
        children: Vec::new(),
        agent: None,
        ops: Default::default(),
        meta: BTreeMap::new(),
        params: BTreeMap::new(),
        instance_sets: Vec::new(),
        utilization: BTreeMap::new(),
        priority: 0,
        stickiness: Score::ZERO,
        migration_threshold: vigil_cib::score::INFINITY,
        failure_timeout_s: 0,
        managed: true,
        maintenance: false,
        target_role: None,
        multiple_active: MultipleActive::StopStart,
        requires: Requires::Fencing,
        allow_migrate: false,
        critical: true,
        clone: None,
        orphan: false,
        remote_node: None,
        container: None,
        fillers: Vec::new(),
        role: Role::Stopped,
        running_on: Vec::new(),
        failed: false,
        stop_needed: false,
        blocked: false,
        start_pending: false,
        pending_task: None,
        known_on: BTreeSet::new(),
        partial_migration_source: None,
        partial_migration_target: None,
        dangling_migration_sources: Vec::new(),
        stop_unexpected: false,
        discovery_never: BTreeSet::new(),
        discovery_exclusive: BTreeSet::new(),
        exclusive_discover: false,
        on_fail_stop: false,
        on_fail_demote: false,
        failure_ignored: false,
        lock_node: None,
        lock_time: 0,
        next_role: Role::Unknown,
        allowed: BTreeMap::new(),
        assigned: None,
        provisional: true,
        assigning: false,
        coloc_as_dependent: Vec::new(),
        coloc_as_primary: Vec::new(),
        tickets: Vec::new(),
        actions: Vec::new(),
        reload: false,
        restarting: false,
        promotion_priority: Score::ZERO,
        sort_index: Score::ZERO,
        assigned_weight: None,
    }
}

/// Add `def` (and its children) under `parent`; `suffix` is the clone
/// instance number for resources inside a clone.
fn add_resource(
    cluster: &mut Cluster,
    src: &MetaSource,
    def: &config::Resource,
    parent: Option<RscId>,
    suffix: Option<usize>,
) -> Option<RscId> {
    let variant = match &def.kind {
        ResourceKind::Primitive(_) => Variant::Primitive,
        ResourceKind::Group(_) => Variant::Group,
        ResourceKind::Clone { .. } => Variant::Clone,
        ResourceKind::Bundle(_) => Variant::Bundle,
    };
    let id = match suffix {
        Some(n) => format!("{}:{n}", def.id),
        None => def.id.clone(),
    };
    let mut rsc = blank_resource(&id, &def.id, variant);
    rsc.parent = parent;
    rsc.agent = agent_of(def);
    if let Some(p) = def.primitive() {
        rsc.ops = p.ops.clone();
    }
    let parent_meta = parent.map(|p| cluster.resources[p].meta.clone());
    rsc.meta = src.meta(def, parent_meta.as_ref(), rsc.agent.as_ref());
    let ctx = RuleContext {
        now: Some(src.now),
        ..Default::default()
    };
    rsc.params = evaluate_sets(&def.instance, &ctx, None);
    rsc.instance_sets = def.instance.clone();
    if let ResourceKind::Bundle(b) = &def.kind {
        // The container element's settings (image, replicas, ...).
        for (k, v) in &b.container {
            rsc.params.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    rsc.utilization = utilization_values(&evaluate_sets(&def.utilization, &ctx, None));
    if rsc.agent.as_ref().is_some_and(|a| a.class == "stonith") {
        cluster.has_stonith_resource = true;
        if rsc.meta.get("provides").is_some_and(|p| p == "unfencing") {
            cluster.unfencing_enabled = true;
        }
    }
    apply_meta(cluster, &mut rsc);
    if let ResourceKind::Clone { legacy_master, .. } = &def.kind {
        let mut settings = clone_settings(cluster, &rsc.meta, *legacy_master);
        // Only OCF and fence agents can have distinct (unique) instances.
        if let ResourceKind::Clone { child, .. } = &def.kind
            && settings.unique
            && !supports_unique_instances(child)
        {
            settings.unique = false;
        }
        rsc.clone = Some(settings);
        // Clone instances are slightly sticky unless configured otherwise.
        if !rsc.meta.contains_key("resource-stickiness") {
            rsc.meta.insert("resource-stickiness".into(), "1".into());
            rsc.stickiness = Score::new(1);
        }
    }
    let me = cluster.resources.len();
    cluster.resources.push(rsc);
    let target = target_role(cluster, me);
    cluster.resources[me].target_role = target;
    if let Some(t) = target {
        cluster.resources[me].next_role = t;
    }
    match &def.kind {
        ResourceKind::Primitive(_) => {}
        ResourceKind::Group(members) => {
            for m in members {
                if let Some(c) = add_resource(cluster, src, m, Some(me), suffix) {
                    cluster.resources[me].children.push(c);
                }
            }
        }
        ResourceKind::Clone { child, .. } => {
            let max = cluster.resources[me]
                .clone
                .as_ref()
                .map(|c| c.max)
                .unwrap_or(0);
            // With clone-max=0 one (orphan) instance still exists, so that
            // history of the clone is recognised as such.
            for n in 0..max.max(1) {
                if let Some(c) = add_resource(cluster, src, child, Some(me), Some(n)) {
                    cluster.resources[me].children.push(c);
                    if n >= max {
                        mark_orphan(cluster, c);
                    }
                }
            }
        }
        ResourceKind::Bundle(b) => {
            let mut add = |cluster: &mut Cluster, d: &config::Resource, parent: RscId| {
                add_resource(cluster, src, d, Some(parent), None)
            };
            crate::bundle::expand(cluster, me, def, b, &mut add);
        }
    }
    Some(me)
}

fn mark_orphan(cluster: &mut Cluster, r: RscId) {
    for c in cluster.resources[r].children.clone() {
        mark_orphan(cluster, c);
    }
    cluster.resources[r].orphan = true;
}

/// A resource found in history but not in the configuration: it must be
/// stopped (when `stop-orphan-resources` allows).
pub(crate) fn orphan_resource(cluster: &Cluster, id: &str, base_id: &str) -> Resource {
    let mut rsc = blank_resource(id, base_id, Variant::Primitive);
    rsc.orphan = true;
    rsc.managed = cluster.options.stop_orphan_resources && !cluster.options.maintenance_mode;
    rsc.requires = if cluster.options.stonith_enabled {
        Requires::Fencing
    } else {
        Requires::Quorum
    };
    rsc
}

fn supports_unique_instances(def: &config::Resource) -> bool {
    match &def.kind {
        ResourceKind::Primitive(p) => matches!(p.class.as_str(), "ocf" | "stonith"),
        ResourceKind::Group(members) => members.iter().all(supports_unique_instances),
        _ => true,
    }
}

fn clone_settings(
    cluster: &Cluster,
    meta: &BTreeMap<String, String>,
    legacy_master: bool,
) -> CloneSettings {
    let num = |names: &[&str], default: usize| -> usize {
        names
            .iter()
            .find_map(|n| meta.get(*n))
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map(|v| v.max(0) as usize)
            .unwrap_or(default)
    };
    let node_count = cluster.nodes.len();
    let promotable = legacy_master || is_true(meta.get("promotable").map(String::as_str));
    let node_max = num(&["clone-node-max"], 1);
    CloneSettings {
        max: num(&["clone-max"], node_count),
        node_max,
        min: num(&["clone-min"], 0),
        promoted_max: num(&["promoted-max", "master-max"], 1),
        promoted_node_max: num(&["promoted-node-max", "master-node-max"], 1),
        notify: is_true(meta.get("notify").map(String::as_str)),
        unique: is_true(meta.get("globally-unique").map(String::as_str)),
        interleave: is_true(meta.get("interleave").map(String::as_str)),
        ordered: is_true(meta.get("ordered").map(String::as_str)),
        promotable,
    }
}

/// The `target-role` that applies: "Started"/"default" mean no limit, and
/// promotion-related roles only mean something inside promotable clones
/// (where "Promoted" is the default behaviour anyway).
fn target_role(cluster: &Cluster, r: RscId) -> Option<Role> {
    let value = cluster.resources[r].meta.get("target-role")?;
    let v = value.trim().to_ascii_lowercase();
    if v == "started" || v == "default" {
        return None;
    }
    let role = Role::parse(&v)?;
    if role == Role::Unknown {
        return None;
    }
    if role > Role::Started {
        let top = cluster.top_of(r);
        if !cluster.resources[top].is_promotable() || role > Role::Unpromoted {
            return None;
        }
    }
    Some(role)
}

/// Whether meta-attributes (and the cluster options) leave a resource
/// managed: `is-managed` (or its default), unless in maintenance.
pub(crate) fn managed_by_meta(cluster: &Cluster, meta: &BTreeMap<String, String>) -> bool {
    let opts = &cluster.options;
    let get = |name: &str| meta.get(name).map(String::as_str);
    let maintenance = get("maintenance").and_then(parse_bool).unwrap_or(false);
    get("is-managed")
        .and_then(parse_bool)
        .or(opts.default_managed)
        .unwrap_or(true)
        && !maintenance
        && !opts.maintenance_mode
}

/// Interpret the meta-attributes that every resource has.
fn apply_meta(cluster: &Cluster, rsc: &mut Resource) {
    let opts = &cluster.options;
    let meta = &rsc.meta;
    let get = |name: &str| meta.get(name).map(String::as_str);
    rsc.priority = get("priority")
        .and_then(Score::parse)
        .map(|s| s.value())
        .unwrap_or(0);
    rsc.stickiness = get("resource-stickiness")
        .and_then(Score::parse)
        .or(opts.default_stickiness)
        .unwrap_or(Score::ZERO);
    rsc.maintenance = get("maintenance").and_then(parse_bool).unwrap_or(false);
    rsc.managed = managed_by_meta(cluster, meta);
    rsc.target_role = None;
    rsc.migration_threshold = get("migration-threshold")
        .and_then(Score::parse)
        .map(|s| s.value())
        .unwrap_or(vigil_cib::score::INFINITY);
    rsc.failure_timeout_s = get("failure-timeout")
        .and_then(parse_interval_ms)
        .map(|ms| (ms / 1000) as i64)
        .unwrap_or(0);
    // A remote connection reconnects by letting its failure expire after
    // reconnect_interval, whatever failure-timeout says.
    if rsc.is_remote_connection()
        && let Some(ms) = rsc
            .params
            .get("reconnect_interval")
            .and_then(|v| parse_interval_ms(v))
        && ms > 0
    {
        rsc.failure_timeout_s = (ms / 1000) as i64;
    }
    rsc.multiple_active = match get("multiple-active") {
        Some("stop_only") => MultipleActive::StopOnly,
        Some("block") => MultipleActive::Block,
        Some("stop_unexpected") => MultipleActive::StopUnexpected,
        _ => MultipleActive::StopStart,
    };
    // Remote connections migrate unless told not to.
    rsc.allow_migrate = get("allow-migrate")
        .and_then(parse_bool)
        .unwrap_or(rsc.is_remote_connection());
    rsc.critical = get("critical").and_then(parse_bool).unwrap_or(true);
    let is_fence_device = rsc.agent.as_ref().is_some_and(|a| a.class == "stonith");
    let hosts_guest = rsc.variant == Variant::Primitive && meta.contains_key("remote-node");
    let default_requires = if is_fence_device || hosts_guest {
        Requires::Quorum
    } else if cluster.unfencing_enabled {
        Requires::Unfencing
    } else if opts.stonith_enabled {
        Requires::Fencing
    } else if opts.no_quorum_policy == NoQuorumPolicy::Ignore {
        Requires::Nothing
    } else {
        Requires::Quorum
    };
    rsc.requires = match get("requires") {
        Some("nothing") => Requires::Nothing,
        Some("quorum") => Requires::Quorum,
        Some("fencing") => Requires::Fencing,
        Some("unfencing") if is_fence_device || !opts.stonith_enabled => Requires::Quorum,
        Some("unfencing") => Requires::Unfencing,
        _ => default_requires,
    };
}
