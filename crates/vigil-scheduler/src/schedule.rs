//! The scheduling pipeline: from a CIB to a working set with every action
//! and ordering decided.

use vigil_cib::Cib;
use vigil_cib::time::DateTime;

use crate::cluster::*;
use crate::history::FailedOp;

/// Build the working set from a CIB (configuration and current state only);
/// with `record_scores`, keep a score ledger from the start.
pub fn unpack(cib: &Cib, now: &DateTime, record_scores: bool) -> (Cluster, Vec<FailedOp>) {
    let mut options = crate::unpack::options(cib, now);
    let have_quorum = cib
        .attr("have-quorum")
        .and_then(vigil_cib::parse_bool)
        .unwrap_or(false);
    // Fencing the partition for lack of quorum needs fencing, and a cluster
    // that has had quorum (or that asked to panic anyway).
    if options.no_quorum_policy == NoQuorumPolicy::Fence {
        let panic = cib
            .attr("no-quorum-panic")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0)
            != 0;
        if !options.stonith_enabled || !(panic || have_quorum) {
            options.no_quorum_policy = NoQuorumPolicy::Stop;
        }
    }
    let nodes = crate::unpack::nodes(cib, &options, now);
    let mut cluster = Cluster {
        now: *now,
        options,
        have_quorum,
        dc_node: None,
        nodes,
        resources: Vec::new(),
        top: Vec::new(),
        locations: Vec::new(),
        colocations: Vec::new(),
        tickets: Default::default(),
        ticket_bindings: Vec::new(),
        actions: Vec::new(),
        rsc_orderings: Vec::new(),
        has_stonith_resource: false,
        // (set below from have-watchdog and the resources)
        unfencing_enabled: false,
        warnings: Vec::new(),
        score_log: Vec::new(),
        promotion_log: Vec::new(),
        fencing_levels: cib.config.fencing_levels.clone(),
        recheck_by: None,
        op_defaults: cib.config.op_defaults.clone(),
        history_index: Default::default(),
        expired_monitors: Vec::new(),
        merging: Vec::new(),
        clone_counts: Default::default(),
        promotion_scores_added: Vec::new(),
        promotion_ordered: Vec::new(),
        notifications: Vec::new(),
        remaining_capacity: Default::default(),
        sanitized: true,
        node_histories: Vec::new(),
        bundle_replicas: Default::default(),
        ledger: None,
    };
    if record_scores {
        crate::ledger::enable(&mut cluster);
    }
    // A watchdog (SBD) counts as a fencing device.
    cluster.has_stonith_resource = cluster.options.have_watchdog;
    crate::unpack::resources(&mut cluster, cib);
    crate::remote::link_remote_nodes(&mut cluster);
    crate::placement::symmetric_default(&mut cluster);
    crate::bundle::restrict_guest_nodes(&mut cluster);
    let mut failed_ops = Vec::new();
    crate::history::unpack_status(&mut cluster, cib, &mut failed_ops);
    for n in 0..cluster.nodes.len() {
        let node = &cluster.nodes[n];
        cluster.nodes[n].can_run =
            node.online && !node.shutdown && !node.unclean && !node.standby && !node.maintenance;
    }
    (cluster, failed_ops)
}

/// Decide everything: placement, actions, orderings.
pub fn schedule_cluster(cluster: &mut Cluster, cib: &Cib) {
    crate::health::apply_node_health(cluster);
    crate::constraints::unpack(cluster, cib);
    crate::tickets::apply_tickets(cluster);
    crate::placement::apply_node_criteria(cluster);
    crate::ordering::create_internal_constraints(cluster);
    crate::digest::check_config_changes(cluster);
    crate::utilization::init_capacity(cluster);
    crate::placement::assign_all(cluster);
    if cluster.options.enable_startup_probes {
        crate::actions::schedule_probes(cluster);
    }
    for r in cluster.top.clone() {
        create_actions(cluster, r);
    }
    crate::remote::order_connection_actions(cluster);
    crate::fencing::schedule_fencing_and_shutdowns(cluster);
    crate::ordering::apply_orderings(cluster);
}

/// Create the actions of one resource (dispatching on its kind).
pub(crate) fn create_actions(cluster: &mut Cluster, r: RscId) {
    match cluster.resources[r].variant {
        Variant::Primitive => crate::actions::create_primitive_actions(cluster, r),
        Variant::Group => create_group_actions(cluster, r),
        Variant::Clone => crate::clone::create_clone_actions(cluster, r),
        Variant::Bundle => crate::bundle::create_bundle_actions(cluster, r),
    }
}

fn create_group_actions(cluster: &mut Cluster, r: RscId) {
    for c in cluster.resources[r].children.clone() {
        create_actions(cluster, c);
    }
    let pseudo = |cluster: &mut Cluster, task: Task| {
        let a = crate::actions::custom_action(cluster, r, task, 0, None, true);
        cluster.actions[a].flags.set(ActionFlags::PSEUDO);
        cluster.actions[a].flags.set(ActionFlags::RUNNABLE);
    };
    pseudo(cluster, Task::Start);
    pseudo(cluster, Task::Running);
    pseudo(cluster, Task::Stop);
    pseudo(cluster, Task::Stopped);
    if vigil_cib::is_true(
        cluster.resources[r]
            .meta
            .get("stateful")
            .map(String::as_str),
    ) || in_promotable(cluster, r)
    {
        pseudo(cluster, Task::Demote);
        pseudo(cluster, Task::Demoted);
        pseudo(cluster, Task::Promote);
        pseudo(cluster, Task::Promoted);
    }
}

fn in_promotable(cluster: &Cluster, r: RscId) -> bool {
    let top = cluster.top_of(r);
    top != r && cluster.resources[top].is_promotable()
}
