//! Bundles: a container image run as N replicas, each with an optional
//! IP address, an implicit remote connection, and optionally a resource
//! running inside the container.

use crate::cluster::*;

/// Instances whose actions a collective's summary flags consider.
pub(crate) fn summary_children(cluster: &Cluster, r: RscId) -> Vec<RscId> {
    containers_or_children(cluster, r)
}

/// For a bundle, its replicas' containers; for a clone, its instances.
pub(crate) fn containers_or_children(cluster: &Cluster, r: RscId) -> Vec<RscId> {
    match cluster.resources[r].variant {
        Variant::Bundle => cluster
            .bundle_replicas
            .get(&r)
            .map(|reps| reps.iter().map(|x| x.container).collect())
            .unwrap_or_default(),
        _ => cluster.resources[r].children.clone(),
    }
}

/// Whether a resource is part of a bundle.
pub(crate) fn is_bundled(cluster: &Cluster, r: RscId) -> bool {
    let mut cur = cluster.resources[r].parent;
    while let Some(p) = cur {
        if cluster.resources[p].variant == Variant::Bundle {
            return true;
        }
        cur = cluster.resources[p].parent;
    }
    false
}

pub(crate) fn replicas_per_host(cluster: &Cluster, r: RscId) -> usize {
    cluster.resources[r]
        .meta
        .get("replicas-per-host")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// One replica of a bundle.
#[derive(Debug, Clone)]
pub struct Replica {
    pub index: usize,
    pub ip: Option<RscId>,
    pub container: RscId,
    pub remote: Option<RscId>,
    pub child: Option<RscId>,
}

pub(crate) fn assign_bundle(
    cluster: &mut Cluster,
    r: RscId,
    _prefer: Option<NodeId>,
) -> Option<NodeId> {
    cluster.resources[r].provisional = false;
    None
}

pub(crate) fn apply_colocation_with_bundle(
    cluster: &mut Cluster,
    dependent: RscId,
    primary: RscId,
    c: &Colocation,
) {
    crate::clone::apply_colocation_with_clone(cluster, dependent, primary, c);
}

pub(crate) fn bundle_internal(_cluster: &mut Cluster, _r: RscId) {}

/// Resources of a bundle in the order their summary lines are printed.
pub(crate) fn log_order(cluster: &Cluster, r: RscId) -> Vec<RscId> {
    let mut out = Vec::new();
    for rep in cluster.bundle_replicas.get(&r).cloned().unwrap_or_default() {
        out.extend(rep.ip);
        out.extend(rep.child);
        out.push(rep.container);
        out.extend(rep.remote);
    }
    out
}
