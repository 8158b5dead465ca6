//! Node health: `#health-*` node attributes (red/yellow/green or scores)
//! turned into location scores by `node-health-strategy`.

use vigil_cib::Score;

use crate::cluster::*;

/// The combined health score of a node (sum of its `#health*` attributes).
fn node_health(cluster: &Cluster, n: NodeId, base: Score) -> Score {
    let mut total = base;
    for (k, v) in &cluster.nodes[n].attrs {
        if !k.starts_with("#health") {
            continue;
        }
        let s = crate::constraints::score_value(cluster, v).unwrap_or(Score::ZERO);
        total += s;
    }
    total
}

/// Add each node's health as a location score for every resource.
pub(crate) fn apply_node_health(cluster: &mut Cluster) {
    let strategy = cluster.options.node_health_strategy.clone();
    if strategy == "none" || strategy.is_empty() {
        return;
    }
    let base = if strategy == "progressive" {
        cluster.options.health_base
    } else {
        Score::ZERO
    };
    for n in 0..cluster.nodes.len() {
        let health = node_health(cluster, n, base);
        if health == Score::ZERO {
            continue;
        }
        for r in cluster.top.clone() {
            let immune = health.value() < 0
                && vigil_cib::is_true(
                    cluster.resources[r]
                        .meta
                        .get("allow-unhealthy-nodes")
                        .map(String::as_str),
                );
            if immune {
                continue;
            }
            cluster.locations.push(LocationRule {
                id: strategy.clone(),
                rsc: r,
                role: None,
                nodes: vec![(n, health)],
                discovery: Discovery::Always,
                source: crate::ledger::Source::NodeHealth {
                    strategy: strategy.clone(),
                },
            });
        }
    }
}
