//! The typed view of `<configuration>`: options, nodes, resources,
//! constraints, defaults, tags and fencing topology.
//!
//! The view is faithful rather than interpreted: option blocks keep their
//! rules and scores (the scheduler evaluates them at a given time), ids and
//! source lines are kept for diagnostics. Templates, `id-ref`s and
//! `<master>` elements are resolved here so later stages see one shape.

use std::collections::BTreeMap;
use std::sync::Arc;

use vigil_xml::Element;

use crate::nvset::NvSet;
use crate::rule::Rule;
use crate::score::Score;
use crate::time::parse_interval_ms;
use crate::{Diagnostics, resolve_ref};

/// The whole configuration section.
#[derive(Debug, Clone, Default)]
pub struct Configuration {
    pub cluster_options: Vec<NvSet>,
    pub nodes: Vec<NodeConfig>,
    pub resources: Vec<Resource>,
    pub constraints: Vec<Constraint>,
    pub rsc_defaults: Vec<NvSet>,
    pub op_defaults: Vec<NvSet>,
    /// Tag id → referenced object ids, in order.
    pub tags: BTreeMap<String, Vec<String>>,
    pub fencing_levels: Vec<FencingLevel>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeConfig {
    pub id: String,
    pub uname: String,
    /// `member` (default), `remote` or `ping`.
    pub kind: String,
    pub attributes: Vec<NvSet>,
    pub utilization: Vec<NvSet>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub id: String,
    pub kind: ResourceKind,
    pub meta: Vec<NvSet>,
    pub instance: Vec<NvSet>,
    pub utilization: Vec<NvSet>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResourceKind {
    Primitive(Primitive),
    Group(Vec<Resource>),
    /// A clone; `legacy_master` when written as `<master>` (always promotable).
    Clone {
        child: Box<Resource>,
        legacy_master: bool,
    },
    Bundle(Box<Bundle>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Primitive {
    pub class: String,
    pub provider: Option<String>,
    pub agent: String,
    pub template: Option<String>,
    /// Shared: every instance of a clone has the same operations.
    pub ops: Arc<[OpDef]>,
}

impl Primitive {
    /// `class:provider:type` or `class:type`, as status displays show it.
    pub fn agent_spec(&self) -> String {
        match &self.provider {
            Some(p) => format!("{}:{}:{}", self.class, p, self.agent),
            None => format!("{}:{}", self.class, self.agent),
        }
    }
}

/// One `<op>` of a primitive.
#[derive(Debug, Clone, PartialEq)]
pub struct OpDef {
    pub id: String,
    pub name: String,
    pub interval_ms: u64,
    pub role: Option<String>,
    /// The op's own attributes other than id/name/interval/role (timeout,
    /// on-fail, enabled, requires, start-delay, interval-origin, ...).
    pub attrs: BTreeMap<String, String>,
    pub meta: Vec<NvSet>,
    pub instance: Vec<NvSet>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    /// `docker`, `podman` or `rkt`.
    pub container_type: String,
    pub container: BTreeMap<String, String>,
    pub network: Option<BTreeMap<String, String>>,
    pub port_mappings: Vec<BTreeMap<String, String>>,
    pub storage: Vec<BTreeMap<String, String>>,
    pub primitive: Option<Resource>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    Location(Location),
    Colocation(Colocation),
    Order(Order),
    Ticket(TicketConstraint),
}

impl Constraint {
    pub fn id(&self) -> &str {
        match self {
            Constraint::Location(c) => &c.id,
            Constraint::Colocation(c) => &c.id,
            Constraint::Order(c) => &c.id,
            Constraint::Ticket(c) => &c.id,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub id: String,
    pub rsc: Option<String>,
    pub rsc_pattern: Option<String>,
    pub sets: Vec<ResourceSet>,
    pub role: Option<String>,
    pub node: Option<String>,
    pub score: Option<String>,
    pub rules: Vec<Rule>,
    pub resource_discovery: Option<String>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Colocation {
    pub id: String,
    pub rsc: Option<String>,
    pub with_rsc: Option<String>,
    pub rsc_role: Option<String>,
    pub with_rsc_role: Option<String>,
    pub rsc_instance: Option<String>,
    pub with_rsc_instance: Option<String>,
    pub score: Option<String>,
    pub node_attribute: Option<String>,
    pub influence: Option<String>,
    pub sets: Vec<ResourceSet>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: String,
    pub first: Option<String>,
    pub then: Option<String>,
    pub first_action: Option<String>,
    pub then_action: Option<String>,
    pub first_instance: Option<String>,
    pub then_instance: Option<String>,
    pub kind: Option<String>,
    pub score: Option<String>,
    pub symmetrical: Option<String>,
    pub require_all: Option<String>,
    pub sets: Vec<ResourceSet>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TicketConstraint {
    pub id: String,
    pub ticket: String,
    pub rsc: Option<String>,
    pub rsc_role: Option<String>,
    pub loss_policy: Option<String>,
    pub sets: Vec<ResourceSet>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSet {
    pub id: String,
    pub resources: Vec<String>,
    pub sequential: Option<String>,
    pub require_all: Option<String>,
    pub symmetrical: Option<String>,
    pub ordering: Option<String>,
    pub role: Option<String>,
    pub action: Option<String>,
    pub score: Option<String>,
    pub kind: Option<String>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FencingLevel {
    pub id: String,
    pub index: u32,
    pub target: Option<String>,
    pub target_pattern: Option<String>,
    pub target_attribute: Option<String>,
    pub target_value: Option<String>,
    pub devices: Vec<String>,
    pub line: u32,
}

fn attr(e: &Element, name: &str) -> Option<String> {
    e.attr(name).map(str::to_string)
}

impl Configuration {
    /// Read `<configuration>`; `root` is the `<cib>` element (for `id-ref`s).
    pub fn from_element(conf: &Element, root: &Element, diags: &mut Diagnostics) -> Configuration {
        let mut c = Configuration::default();
        if let Some(crm) = conf.child("crm_config") {
            c.cluster_options = NvSet::all_in(crm, &["cluster_property_set"], root, diags);
        }
        if let Some(nodes) = conf.child("nodes") {
            for n in nodes.elements_named("node") {
                let id = n.id().to_string();
                let uname = n
                    .attr("uname")
                    .map(str::to_string)
                    .unwrap_or_else(|| id.clone());
                c.nodes.push(NodeConfig {
                    id,
                    uname,
                    kind: n.attr("type").unwrap_or("member").to_string(),
                    attributes: NvSet::all_in(n, &["instance_attributes"], root, diags),
                    utilization: NvSet::all_in(n, &["utilization"], root, diags),
                    line: n.line,
                });
            }
        }
        let templates: BTreeMap<&str, &Element> = conf
            .child("resources")
            .map(|r| r.elements_named("template").map(|t| (t.id(), t)).collect())
            .unwrap_or_default();
        if let Some(resources) = conf.child("resources") {
            for r in resources.elements() {
                if let Some(rsc) = Resource::from_element(r, root, &templates, diags) {
                    c.resources.push(rsc);
                }
            }
        }
        if let Some(cons) = conf.child("constraints") {
            for e in cons.elements() {
                if let Some(k) = Constraint::from_element(e, root, diags) {
                    c.constraints.push(k);
                }
            }
        }
        if let Some(d) = conf.child("rsc_defaults") {
            c.rsc_defaults = NvSet::all_in(d, &["meta_attributes"], root, diags);
        }
        if let Some(d) = conf.child("op_defaults") {
            c.op_defaults = NvSet::all_in(d, &["meta_attributes"], root, diags);
        }
        if let Some(tags) = conf.child("tags") {
            for t in tags.elements_named("tag") {
                let refs = t
                    .elements_named("obj_ref")
                    .map(|o| o.id().to_string())
                    .collect();
                c.tags.insert(t.id().to_string(), refs);
            }
        }
        if let Some(topo) = conf.child("fencing-topology") {
            for l in topo.elements_named("fencing-level") {
                c.fencing_levels.push(FencingLevel {
                    id: l.id().to_string(),
                    index: l.attr("index").and_then(|i| i.parse().ok()).unwrap_or(0),
                    target: attr(l, "target"),
                    target_pattern: attr(l, "target-pattern"),
                    target_attribute: attr(l, "target-attribute"),
                    target_value: attr(l, "target-value"),
                    devices: l
                        .attr("devices")
                        .unwrap_or("")
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    line: l.line,
                });
            }
        }
        c
    }

    /// Every resource in the tree (depth-first, parents before children).
    pub fn all_resources(&self) -> Vec<&Resource> {
        let mut out = Vec::new();
        fn walk<'a>(r: &'a Resource, out: &mut Vec<&'a Resource>) {
            out.push(r);
            match &r.kind {
                ResourceKind::Primitive(_) => {}
                ResourceKind::Group(members) => members.iter().for_each(|m| walk(m, out)),
                ResourceKind::Clone { child, .. } => walk(child, out),
                ResourceKind::Bundle(b) => {
                    if let Some(p) = &b.primitive {
                        walk(p, out)
                    }
                }
            }
        }
        self.resources.iter().for_each(|r| walk(r, &mut out));
        out
    }
}

impl Resource {
    fn from_element(
        e: &Element,
        root: &Element,
        templates: &BTreeMap<&str, &Element>,
        diags: &mut Diagnostics,
    ) -> Option<Resource> {
        let sets = |e: &Element, name: &str, diags: &mut Diagnostics| {
            NvSet::all_in(e, &[name], root, diags)
        };
        let kind = match &*e.name {
            "primitive" => {
                let template = e.attr("template").and_then(|t| match templates.get(t) {
                    Some(t) => Some(*t),
                    None => {
                        diags.error(
                            e,
                            format!(
                                "primitive {} uses template {t:?}, which does not exist",
                                e.id()
                            ),
                        );
                        None
                    }
                });
                let pick =
                    |name: &str| e.attr(name).or_else(|| template.and_then(|t| t.attr(name)));
                let Some(class) = pick("class") else {
                    diags.error(e, format!("primitive {} has no class", e.id()));
                    return None;
                };
                let Some(agent) = pick("type") else {
                    diags.error(e, format!("primitive {} has no type", e.id()));
                    return None;
                };
                let mut ops = Vec::new();
                if let Some(t) = template {
                    ops.extend(read_ops(t, root, diags));
                }
                // The primitive's own operations replace the template's
                // (duplicates among its own are kept: they are a
                // configuration error the scheduler handles).
                let own = read_ops(e, root, diags);
                ops.retain(|o: &OpDef| {
                    !own.iter()
                        .any(|op| o.name == op.name && o.interval_ms == op.interval_ms)
                });
                ops.extend(own);
                ResourceKind::Primitive(Primitive {
                    class: class.to_string(),
                    provider: pick("provider").map(str::to_string),
                    agent: agent.to_string(),
                    template: template.map(|t| t.id().to_string()),
                    ops: ops.into(),
                })
            }
            "group" => ResourceKind::Group(
                e.elements()
                    .filter(|c| c.name == "primitive")
                    .filter_map(|c| Resource::from_element(c, root, templates, diags))
                    .collect(),
            ),
            "clone" | "master" => {
                let child = e
                    .elements()
                    .find(|c| matches!(&*c.name, "primitive" | "group"))
                    .and_then(|c| Resource::from_element(c, root, templates, diags));
                let Some(child) = child else {
                    diags.error(
                        e,
                        format!("{} {} has no primitive or group inside", e.name, e.id()),
                    );
                    return None;
                };
                ResourceKind::Clone {
                    child: Box::new(child),
                    legacy_master: e.name == "master",
                }
            }
            "bundle" => {
                let container_el = e
                    .elements()
                    .find(|c| matches!(&*c.name, "docker" | "podman" | "rkt"));
                let Some(container_el) = container_el else {
                    diags.error(
                        e,
                        format!("bundle {} has no docker, podman or rkt container", e.id()),
                    );
                    return None;
                };
                let attrs = |x: &Element| -> BTreeMap<String, String> {
                    x.attrs
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                };
                let network = e.child("network");
                let storage = e.child("storage");
                ResourceKind::Bundle(Box::new(Bundle {
                    container_type: container_el.name.to_string(),
                    container: attrs(container_el),
                    network: network.map(attrs),
                    port_mappings: network
                        .map(|n| n.elements_named("port-mapping").map(attrs).collect())
                        .unwrap_or_default(),
                    storage: storage
                        .map(|s| s.elements_named("storage-mapping").map(attrs).collect())
                        .unwrap_or_default(),
                    primitive: e
                        .child("primitive")
                        .and_then(|p| Resource::from_element(p, root, templates, diags)),
                }))
            }
            _ => return None,
        };
        let mut meta = sets(e, "meta_attributes", diags);
        let mut instance = sets(e, "instance_attributes", diags);
        let mut utilization = sets(e, "utilization", diags);
        if let Some(t) = e.attr("template").and_then(|t| templates.get(t)) {
            meta.extend(sets(t, "meta_attributes", diags));
            instance.extend(sets(t, "instance_attributes", diags));
            utilization.extend(sets(t, "utilization", diags));
        }
        Some(Resource {
            id: e.id().to_string(),
            kind,
            meta,
            instance,
            utilization,
            line: e.line,
        })
    }

    pub fn primitive(&self) -> Option<&Primitive> {
        match &self.kind {
            ResourceKind::Primitive(p) => Some(p),
            _ => None,
        }
    }
}

fn read_ops(e: &Element, root: &Element, diags: &mut Diagnostics) -> Vec<OpDef> {
    let mut out = Vec::new();
    for ops in e.elements_named("operations") {
        let ops = resolve_ref(ops, root, diags);
        for op in ops.elements_named("op") {
            let op = resolve_ref(op, root, diags);
            let name = op.attr("name").unwrap_or("").to_string();
            let interval_text = op.attr("interval").unwrap_or("0");
            let interval_ms = match parse_interval_ms(interval_text) {
                Some(ms) => ms,
                None => {
                    diags.error(
                        op,
                        format!(
                            "operation {} has an invalid interval {interval_text:?}",
                            op.id()
                        ),
                    );
                    0
                }
            };
            let attrs = op
                .attrs
                .iter()
                .filter(|(k, _)| !matches!(*k, "id" | "name" | "interval" | "role"))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            out.push(OpDef {
                id: op.id().to_string(),
                name,
                interval_ms,
                role: attr(op, "role"),
                attrs,
                meta: NvSet::all_in(op, &["meta_attributes"], root, diags),
                instance: NvSet::all_in(op, &["instance_attributes"], root, diags),
                line: op.line,
            });
        }
    }
    out
}

impl Constraint {
    fn from_element(e: &Element, root: &Element, diags: &mut Diagnostics) -> Option<Constraint> {
        let e = resolve_ref(e, root, diags);
        let sets = || -> Vec<ResourceSet> {
            e.elements_named("resource_set")
                .map(|s| ResourceSet {
                    id: s.id().to_string(),
                    resources: s
                        .elements_named("resource_ref")
                        .map(|r| r.id().to_string())
                        .collect(),
                    sequential: attr(s, "sequential"),
                    require_all: attr(s, "require-all"),
                    symmetrical: attr(s, "symmetrical"),
                    ordering: attr(s, "ordering"),
                    role: attr(s, "role"),
                    action: attr(s, "action"),
                    score: attr(s, "score"),
                    kind: attr(s, "kind"),
                    line: s.line,
                })
                .collect()
        };
        let id = e.id().to_string();
        Some(match &*e.name {
            "rsc_location" => Constraint::Location(Location {
                id,
                rsc: attr(e, "rsc"),
                rsc_pattern: attr(e, "rsc-pattern"),
                sets: sets(),
                role: attr(e, "role"),
                node: attr(e, "node"),
                score: attr(e, "score"),
                rules: e
                    .elements_named("rule")
                    .map(|r| Rule::from_element(r, root, diags))
                    .collect(),
                resource_discovery: attr(e, "resource-discovery"),
                line: e.line,
            }),
            "rsc_colocation" => Constraint::Colocation(Colocation {
                id,
                rsc: attr(e, "rsc"),
                with_rsc: attr(e, "with-rsc"),
                rsc_role: attr(e, "rsc-role"),
                with_rsc_role: attr(e, "with-rsc-role"),
                rsc_instance: attr(e, "rsc-instance"),
                with_rsc_instance: attr(e, "with-rsc-instance"),
                score: attr(e, "score"),
                node_attribute: attr(e, "node-attribute"),
                influence: attr(e, "influence"),
                sets: sets(),
                line: e.line,
            }),
            "rsc_order" => Constraint::Order(Order {
                id,
                first: attr(e, "first"),
                then: attr(e, "then"),
                first_action: attr(e, "first-action"),
                then_action: attr(e, "then-action"),
                first_instance: attr(e, "first-instance"),
                then_instance: attr(e, "then-instance"),
                kind: attr(e, "kind"),
                score: attr(e, "score"),
                symmetrical: attr(e, "symmetrical"),
                require_all: attr(e, "require-all"),
                sets: sets(),
                line: e.line,
            }),
            "rsc_ticket" => Constraint::Ticket(TicketConstraint {
                id,
                ticket: e.attr("ticket").unwrap_or("").to_string(),
                rsc: attr(e, "rsc"),
                rsc_role: attr(e, "rsc-role"),
                loss_policy: attr(e, "loss-policy"),
                sets: sets(),
                line: e.line,
            }),
            _ => return None,
        })
    }
}

/// Parse a score attribute value, accepting what Pacemaker accepts.
pub fn parse_score(text: &str) -> Option<Score> {
    Score::parse(text)
}

#[cfg(test)]
mod tests {
    use crate::Cib;

    fn op_ids(xml: &str) -> Vec<String> {
        let cib = Cib::parse(xml, "t.xml").expect("CIB parses");
        let rsc = cib
            .config
            .resources
            .iter()
            .find(|r| r.id == "r")
            .expect("resource r");
        rsc.primitive()
            .expect("a primitive")
            .ops
            .iter()
            .map(|o| o.id.clone())
            .collect()
    }

    #[test]
    fn own_operations_replace_the_templates_but_keep_their_duplicates() {
        let xml = r#"<cib><configuration><crm_config/><nodes/><resources>
  <template id="t" class="ocf" provider="heartbeat" type="Dummy">
    <operations>
      <op id="t-mon" name="monitor" interval="10s"/>
      <op id="t-mon2" name="monitor" interval="20s"/>
    </operations>
  </template>
  <primitive id="r" template="t">
    <operations>
      <op id="r-mon" name="monitor" interval="10s" role="Promoted"/>
      <op id="r-mon-dup" name="monitor" interval="10s" role="Unpromoted"/>
    </operations>
  </primitive>
</resources><constraints/></configuration><status/></cib>"#;
        assert_eq!(op_ids(xml), ["t-mon2", "r-mon", "r-mon-dup"]);
    }
}
