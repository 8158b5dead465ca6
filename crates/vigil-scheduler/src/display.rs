//! Cluster status as crm_mon and crm_simulate print it.

use std::fmt::Write as _;

use crate::cluster::*;

/// The node list and full resource list, indented as under
/// "Current cluster status:".
pub fn status_text(cluster: &Cluster) -> String {
    let mut out = String::new();
    out.push_str("  * Node List:\n");
    let mut online = Vec::new();
    let mut offline = Vec::new();
    for n in &cluster.nodes {
        if n.kind != NodeKind::Member {
            continue;
        }
        if n.unclean {
            let _ = writeln!(
                out,
                "    * Node {}: UNCLEAN ({})",
                n.name,
                if n.online { "online" } else { "offline" }
            );
        } else if n.pending {
            let _ = writeln!(out, "    * Node {}: pending", n.name);
        } else if n.online && n.standby {
            let _ = writeln!(out, "    * Node {}: standby", n.name);
        } else if n.online {
            online.push(n.name.clone());
        } else {
            offline.push(n.name.clone());
        }
    }
    if !online.is_empty() {
        let _ = writeln!(out, "    * Online: [ {} ]", online.join(" "));
    }
    if !offline.is_empty() {
        let _ = writeln!(out, "    * OFFLINE: [ {} ]", offline.join(" "));
    }
    out.push('\n');
    out.push_str("  * Full List of Resources:\n");
    for &r in &cluster.top {
        if cluster.resources[r].meta.contains_key("internal_rsc") {
            continue;
        }
        resource_text(cluster, r, 2, &mut out);
    }
    out
}

fn resource_text(cluster: &Cluster, r: RscId, depth: usize, out: &mut String) {
    let rsc = &cluster.resources[r];
    let indent = "  ".repeat(depth);
    match rsc.variant {
        Variant::Primitive => {
            let agent = rsc.agent.as_ref().map(|a| a.spec()).unwrap_or_default();
            let state = if rsc.running_on.is_empty() {
                "Stopped".to_string()
            } else {
                let names: Vec<&str> = rsc
                    .running_on
                    .iter()
                    .map(|&n| cluster.nodes[n].name.as_str())
                    .collect();
                let role = if rsc.failed {
                    "FAILED"
                } else {
                    rsc.role.name()
                };
                format!("{role} {}", names.join(" "))
            };
            let _ = writeln!(out, "{indent}* {}\t({agent}):\t {state}", rsc.id);
        }
        Variant::Group => {
            let _ = writeln!(out, "{indent}* Resource Group: {}:", rsc.id);
            for &c in &rsc.children {
                resource_text(cluster, c, depth + 1, out);
            }
        }
        Variant::Clone | Variant::Bundle => {
            let _ = writeln!(out, "{indent}* Clone Set: {}:", rsc.id);
            for &c in &rsc.children {
                resource_text(cluster, c, depth + 1, out);
            }
        }
    }
}
