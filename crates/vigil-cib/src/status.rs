//! The typed view of `<status>`: per-node membership state, transient
//! attributes and the history of every operation run on the node.

use std::collections::BTreeMap;
use std::sync::Arc;
use vigil_xml::{Attributes, Element};

use crate::Diagnostics;
use crate::nvset::NvSet;

#[derive(Debug, Clone, Default)]
pub struct Status {
    pub nodes: Vec<NodeState>,
    pub tickets: Vec<TicketState>,
}

/// One `<node_state>`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeState {
    pub id: String,
    pub uname: Option<String>,
    /// Every attribute of the element (in_ccm, crmd, join, expected,
    /// remote_node, ...), as written.
    pub attrs: BTreeMap<String, String>,
    /// `transient_attributes/instance_attributes` blocks.
    pub transient: Vec<NvSet>,
    pub resources: Vec<LrmResource>,
    pub line: u32,
}

/// One `<lrm_resource>`: what a node's executor knows about a resource.
///
/// Like [`LrmOp`], it reads its identity from the attributes as written,
/// shared with the document, and its operations are shared too: the
/// scheduler keeps a copy of every node's history of every resource.
#[derive(Debug, Clone, PartialEq)]
pub struct LrmResource {
    /// `id`, `class`, `provider`, `type`, `container`, ... as written.
    pub attrs: Attributes,
    /// When the node's shutdown began, if the resource stopped because of
    /// it while shutdown locks are on (`shutdown-lock`).
    pub shutdown_lock: Option<i64>,
    pub ops: Arc<[LrmOp]>,
}

impl LrmResource {
    /// The resource's id in the history (`rsc`, or `rsc:N` for an
    /// anonymous clone instance).
    pub fn id(&self) -> &str {
        self.attrs.get("id").unwrap_or("")
    }

    pub fn class(&self) -> &str {
        self.attrs.get("class").unwrap_or("")
    }

    pub fn provider(&self) -> Option<&str> {
        self.attrs.get("provider")
    }

    /// The agent (`type`).
    pub fn agent(&self) -> &str {
        self.attrs.get("type").unwrap_or("")
    }

    /// The guest node's container, for a guest connection.
    pub fn container(&self) -> Option<&str> {
        self.attrs.get("container")
    }
}

/// One `<lrm_rsc_op>`: the last result of one operation.
///
/// The numbers the scheduler works with are read once; everything else is
/// read from the attributes as written, which are shared with the document
/// (a big CIB has tens of thousands of these records with some twenty
/// attributes each, and the scheduler copies records around).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LrmOp {
    pub call_id: i64,
    pub rc_code: i32,
    pub op_status: i32,
    pub interval_ms: u64,
    pub last_rc_change: Option<i64>,
    pub last_run: Option<i64>,
    /// Expected result, from the transition key (`-1` when unknown).
    pub target_rc: i32,
    /// Every attribute as written.
    pub attrs: Attributes,
    pub line: u32,
}

impl LrmOp {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name)
    }

    /// The record's id (`RSC_last_0`, `RSC_monitor_10000`, ...).
    pub fn id(&self) -> &str {
        self.attr("id").unwrap_or("")
    }

    /// `RSC_TASK_INTERVAL`.
    pub fn operation_key(&self) -> &str {
        self.attr("operation_key").unwrap_or("")
    }

    /// The task: `start`, `monitor`, `migrate_to`, ...
    pub fn operation(&self) -> &str {
        self.attr("operation").unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TicketState {
    pub id: String,
    pub attrs: BTreeMap<String, String>,
}

impl Status {
    pub fn from_element(status: &Element, root: &Element, diags: &mut Diagnostics) -> Status {
        let mut s = Status::default();
        for ns in status.elements_named("node_state") {
            let mut transient = Vec::new();
            if let Some(t) = ns.child("transient_attributes") {
                transient = NvSet::all_in(t, &["instance_attributes"], root, diags);
            }
            let mut resources = Vec::new();
            if let Some(lrm) = ns.child("lrm")
                && let Some(list) = lrm.child("lrm_resources")
            {
                for r in list.elements_named("lrm_resource") {
                    resources.push(LrmResource {
                        attrs: r.attrs.clone(),
                        shutdown_lock: r.attr("shutdown-lock").and_then(|v| v.trim().parse().ok()),
                        ops: r
                            .elements_named("lrm_rsc_op")
                            .map(LrmOp::from_element)
                            .collect(),
                    });
                }
            }
            s.nodes.push(NodeState {
                id: ns.id().to_string(),
                uname: ns.attr("uname").map(str::to_string),
                attrs: owned(&ns.attrs),
                transient,
                resources,
                line: ns.line,
            });
        }
        if let Some(tickets) = status.child("tickets") {
            for t in tickets.elements_named("ticket_state") {
                s.tickets.push(TicketState {
                    id: t.id().to_string(),
                    attrs: owned(&t.attrs),
                });
            }
        }
        s
    }
}

impl LrmOp {
    fn from_element(e: &Element) -> LrmOp {
        let num = |name: &str| e.attr(name).and_then(|v| v.trim().parse::<i64>().ok());
        let target_rc = e
            .attr("transition-key")
            .and_then(target_rc_from_key)
            .unwrap_or(-1);
        LrmOp {
            call_id: num("call-id").unwrap_or(0),
            rc_code: num("rc-code").unwrap_or(0) as i32,
            op_status: num("op-status").unwrap_or(0) as i32,
            interval_ms: num("interval").unwrap_or(0).max(0) as u64,
            last_rc_change: num("last-rc-change"),
            last_run: num("last-run"),
            target_rc,
            attrs: e.attrs.clone(),
            line: e.line,
        }
    }
}

fn owned(attrs: &Attributes) -> BTreeMap<String, String> {
    attrs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A transition key is `action:transition:target_rc:uuid`.
fn target_rc_from_key(key: &str) -> Option<i32> {
    key.split(':').nth(2)?.parse().ok()
}
