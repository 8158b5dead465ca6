//! Tickets (`rsc_ticket`): resources that may only run while a ticket is
//! granted, with a `loss-policy` for when it is revoked.

use vigil_cib::Score;

use crate::cluster::*;

/// Apply every ticket binding whose ticket is not granted (or in standby).
pub(crate) fn apply_tickets(cluster: &mut Cluster) {
    for i in 0..cluster.ticket_bindings.len() {
        let b = cluster.ticket_bindings[i].clone();
        let ticket = cluster.tickets.get(&b.ticket).cloned().unwrap_or_default();
        if ticket.granted && !ticket.standby {
            continue;
        }
        apply(cluster, b.rsc, &b, &ticket);
    }
}

fn apply(cluster: &mut Cluster, r: RscId, b: &TicketBinding, ticket: &Ticket) {
    if !cluster.resources[r].children.is_empty() {
        for c in cluster.resources[r].children.clone() {
            apply(cluster, c, b, ticket);
        }
        return;
    }
    let role = if b.role == Role::Started {
        Role::Unknown
    } else {
        b.role
    };
    let ban = |cluster: &mut Cluster| {
        let source = || crate::ledger::Source::Ticket {
            constraint: b.id.clone(),
            ticket: b.ticket.clone(),
        };
        crate::placement::add_location_from(cluster, r, None, Score::NEG_INFINITY, &source)
    };
    let matches_role = role == Role::Unknown || role == cluster.resources[r].role;
    if !ticket.granted && !cluster.resources[r].running_on.is_empty() {
        match b.loss_policy.as_str() {
            "demote" => {
                if role != Role::Promoted {
                    ban(cluster);
                }
            }
            "fence" => {
                if !matches_role {
                    return;
                }
                ban(cluster);
                for n in cluster.resources[r].running_on.clone() {
                    crate::history::fence_node(cluster, n, "deadman ticket was lost", false);
                }
            }
            "freeze" => {
                if !matches_role {
                    return;
                }
                cluster.resources[r].managed = false;
                cluster.resources[r].blocked = true;
            }
            _ => ban(cluster),
        }
    } else if role != Role::Promoted || b.loss_policy == "stop" {
        ban(cluster);
    }
}
