//! Semantic checks of a CIB, for `vigil verify` (Pacemaker's `crm_verify`).
//!
//! [`verify`] walks the document as written (not the typed view, which
//! drops what it cannot read) and reports every problem once, at the
//! element where it is, with what would be valid instead:
//!
//! - the shape of the document: unknown elements and attributes, missing
//!   ids, duplicate ids, `id-ref`s to missing or wrong-kind elements;
//! - values: scores, roles, actions, kinds, booleans, `on-fail`, intervals,
//!   timeouts, dates, rule operations and types, option values;
//! - references: constraints, sets, tags, templates, containers and fencing
//!   levels that name something that does not exist, or a resource they may
//!   not name (the primitive inside a clone instead of the clone);
//! - resources: class/provider/type, clone and promotable sanity, groups
//!   holding other than primitives, duplicate operations;
//! - cluster options: unknown names (with a "did you mean"), deprecated and
//!   removed names, and fencing enabled with no fence device.
//!
//! Avoiding cascades is part of the contract: an element with a problem is
//! still known by its id, so whatever refers to it is not reported again;
//! checks that depend on a value that was already reported as invalid are
//! skipped; a dangling reference is reported once, where it is written.
//!
//! Errors are what Pacemaker rejects or silently ignores in a way that
//! changes what the cluster does; warnings are what still works but is
//! probably not what was meant (deprecated names, settings with no effect).

mod vocabulary;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use vigil_xml::Element;

use crate::score::Score;
use crate::time::{DateTime, SPEC_FIELDS, SpecRange, parse_interval_ms};
use crate::{Cib, Diagnostics, Severity, parse_bool};
use vocabulary::*;

/// Check a loaded CIB. The result also carries the problems found while
/// reading it ([`Cib::diagnostics`]) that these checks did not already
/// report on the same line. Diagnostics are in document order.
pub fn verify(cib: &Cib) -> Diagnostics {
    let mut checker = Checker::new(&cib.doc);
    checker.run();
    let mut diags = checker.diags;
    let reported: BTreeSet<u32> = diags.items.iter().map(|d| d.line).collect();
    for d in &cib.diagnostics.items {
        if !reported.contains(&d.line) {
            diags.items.push(d.clone());
        }
    }
    diags.items.sort_by_key(|d| d.line);
    diags
}

/// What kind of resource an element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RscKind {
    Primitive,
    Group,
    Clone,
    Bundle,
}

/// A resource as found in `<resources>`, with where it sits.
#[derive(Debug, Clone, Copy)]
struct Rsc<'a> {
    el: &'a Element,
    kind: RscKind,
    /// The clone or bundle this resource is inside (for a member of a group
    /// inside a clone, the clone).
    collective: Option<&'a Element>,
    /// The group this resource is a member of.
    group: Option<&'a Element>,
    /// A promotable clone, or inside one.
    promotable: bool,
    /// The resource class (own or from its template), for primitives.
    class: Option<&'a str>,
}

/// Where a rule is, which decides which expressions mean something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RuleScope {
    Location,
    Options,
    RscDefaults,
    OpDefaults,
}

/// What a constraint reference resolved to.
#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    Resource(Rsc<'a>),
    Tag,
    Template,
}

struct Checker<'a> {
    root: &'a Element,
    diags: Diagnostics,
    /// The first element defining each id outside `<status>`.
    ids: BTreeMap<&'a str, &'a Element>,
    resources: BTreeMap<&'a str, Rsc<'a>>,
    templates: BTreeMap<&'a str, &'a Element>,
    tags: BTreeMap<&'a str, &'a Element>,
    /// Names of nodes: configured unames and ids, remote and guest nodes.
    node_names: BTreeSet<String>,
    /// Whether fencing is enabled; `None` when its setting is invalid.
    fencing: Option<bool>,
    /// Tags already found to hold something other than resources.
    bad_tags: BTreeSet<&'a str>,
    /// Attributes presumed misspelt, as (line, the attribute meant): an
    /// unknown attribute close to a valid one that is missing. Checks for
    /// that missing attribute stay quiet (it was reported as the typo).
    typos: BTreeSet<(u32, &'static str)>,
    /// Ids of elements reported as unknown or misplaced; references to
    /// them are not reported again.
    unknown_ids: BTreeSet<&'a str>,
}

/// Elements whose `id` attribute refers to something rather than naming
/// the element itself (or names something outside the id space).
fn id_is_reference(e: &Element, parent: Option<&Element>) -> bool {
    matches!(
        &*e.name,
        "resource_ref" | "obj_ref" | "role_ref" | "node" | "acl_target" | "acl_group" | "acl_user"
    ) || (e.name == "role"
        && parent.is_some_and(|p| matches!(&*p.name, "acl_target" | "acl_group" | "acl_user")))
}

/// Elements that must carry an `id` (or an `id-ref`).
const NEEDS_ID: &[&str] = &[
    "primitive",
    "template",
    "group",
    "clone",
    "master",
    "bundle",
    "op",
    "rsc_location",
    "rsc_colocation",
    "rsc_order",
    "rsc_ticket",
    "resource_set",
    "rule",
    "expression",
    "date_expression",
    "rsc_expression",
    "op_expression",
    "nvpair",
    "cluster_property_set",
    "meta_attributes",
    "instance_attributes",
    "utilization",
    "tag",
    "obj_ref",
    "resource_ref",
    "fencing-level",
    "node",
    "port-mapping",
    "storage-mapping",
];

/// The attributes each element may carry (the schema's list).
fn allowed_attributes(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "primitive" => &["id", "class", "provider", "type", "template", "description"],
        "template" => &["id", "class", "provider", "type", "description"],
        "group" | "clone" | "master" | "bundle" => &["id", "description"],
        "docker" | "podman" | "rkt" => &[
            "image",
            "replicas",
            "replicas-per-host",
            "masters",
            "promoted-max",
            "run-command",
            "network",
            "options",
        ],
        "network" => &[
            "ip-range-start",
            "control-port",
            "host-interface",
            "host-netmask",
            "add-host",
        ],
        "port-mapping" => &["id", "port", "internal-port", "range"],
        "storage-mapping" => &[
            "id",
            "source-dir",
            "source-dir-root",
            "target-dir",
            "options",
        ],
        "operations" => &["id", "id-ref"],
        "op" => &[
            "id",
            "name",
            "interval",
            "description",
            "start-delay",
            "interval-origin",
            "timeout",
            "enabled",
            "record-pending",
            "role",
            "on-fail",
        ],
        "meta_attributes" | "instance_attributes" | "utilization" | "cluster_property_set" => {
            &["id", "id-ref", "score"]
        }
        "nvpair" => &["id", "id-ref", "name", "value"],
        "rsc_location" => &[
            "id",
            "rsc",
            "rsc-pattern",
            "role",
            "score",
            "node",
            "resource-discovery",
        ],
        "rsc_colocation" => &[
            "id",
            "score",
            "influence",
            "rsc",
            "with-rsc",
            "node-attribute",
            "rsc-role",
            "with-rsc-role",
            "rsc-instance",
            "with-rsc-instance",
        ],
        "rsc_order" => &[
            "id",
            "symmetrical",
            "require-all",
            "score",
            "kind",
            "first",
            "then",
            "first-action",
            "then-action",
            "first-instance",
            "then-instance",
        ],
        "rsc_ticket" => &["id", "rsc", "rsc-role", "ticket", "loss-policy"],
        "resource_set" => &[
            "id",
            "id-ref",
            "sequential",
            "require-all",
            "ordering",
            "action",
            "role",
            "score",
            "kind",
        ],
        "resource_ref" | "obj_ref" | "tag" => &["id"],
        "rule" => &[
            "id",
            "id-ref",
            "boolean-op",
            "role",
            "score",
            "score-attribute",
        ],
        "expression" => &[
            "id",
            "attribute",
            "operation",
            "value",
            "type",
            "value-source",
        ],
        "date_expression" => &["id", "operation", "start", "end"],
        "date_spec" => &[
            "id",
            "years",
            "months",
            "monthdays",
            "weekdays",
            "yeardays",
            "hours",
            "minutes",
            "seconds",
            "weekyears",
            "weeks",
            "moon",
            "yearsdays",
        ],
        "duration" => &[
            "id",
            "years",
            "months",
            "weeks",
            "days",
            "hours",
            "minutes",
            "seconds",
            "monthdays",
            "weekdays",
            "yearsdays",
            "weekyears",
            "moon",
        ],
        "rsc_expression" => &["id", "class", "provider", "type"],
        "op_expression" => &["id", "name", "interval"],
        "node" => &["id", "uname", "type", "description", "score"],
        "fencing-level" => &[
            "id",
            "target",
            "target-pattern",
            "target-attribute",
            "target-value",
            "index",
            "devices",
        ],
        "lifetime" | "crm_config" | "nodes" | "resources" | "constraints" | "rsc_defaults"
        | "op_defaults" | "tags" | "storage" => &[],
        "fencing-topology" => &[],
        _ => return None,
    })
}

/// The child elements each element may contain. Elements not listed here
/// (ACLs, alerts, status) are not checked.
fn allowed_children(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "cib" => &["configuration", "status"],
        "configuration" => &[
            "crm_config",
            "nodes",
            "resources",
            "constraints",
            "rsc_defaults",
            "op_defaults",
            "fencing-topology",
            "tags",
            "acls",
            "alerts",
        ],
        "crm_config" => &["cluster_property_set"],
        "nodes" => &["node"],
        "node" => &["instance_attributes", "utilization"],
        "resources" | "group" | "clone" | "master" => &[
            "primitive",
            "template",
            "group",
            "clone",
            "master",
            "bundle",
            "meta_attributes",
            "instance_attributes",
        ],
        "primitive" | "template" => &[
            "meta_attributes",
            "instance_attributes",
            "operations",
            "utilization",
        ],
        "bundle" => &[
            "meta_attributes",
            "instance_attributes",
            "docker",
            "podman",
            "rkt",
            "network",
            "storage",
            "primitive",
        ],
        "network" => &["port-mapping"],
        "storage" => &["storage-mapping"],
        "operations" => &["op"],
        "op" => &["meta_attributes", "instance_attributes"],
        "meta_attributes" | "instance_attributes" | "utilization" | "cluster_property_set" => {
            &["nvpair", "rule"]
        }
        "constraints" => &["rsc_location", "rsc_colocation", "rsc_order", "rsc_ticket"],
        "rsc_location" => &["rule", "resource_set", "lifetime"],
        "rsc_colocation" | "rsc_order" | "rsc_ticket" => &["resource_set", "lifetime"],
        "resource_set" => &["resource_ref"],
        "rule" => &[
            "expression",
            "date_expression",
            "rsc_expression",
            "op_expression",
            "rule",
        ],
        "date_expression" => &["date_spec", "duration"],
        "rsc_defaults" | "op_defaults" => &["meta_attributes"],
        "tags" => &["tag"],
        "tag" => &["obj_ref"],
        "fencing-topology" => &["fencing-level"],
        "lifetime" => &["rule"],
        "nvpair" | "resource_ref" | "obj_ref" | "expression" | "rsc_expression"
        | "op_expression" | "date_spec" | "duration" | "fencing-level" | "docker" | "podman"
        | "rkt" | "port-mapping" | "storage-mapping" => &[],
        _ => return None,
    })
}

/// Where `<resources>`-level children may not appear, and what to say.
fn misplaced_child(parent: &str, child: &str) -> Option<&'static str> {
    match (parent, child) {
        ("resources", "meta_attributes" | "instance_attributes") => {
            Some("resource options belong inside a resource, or in <rsc_defaults>")
        }
        ("group" | "clone" | "master", "template") => {
            Some("templates may only appear directly under <resources>")
        }
        _ => None,
    }
}

fn quoted_list(items: &[&str]) -> String {
    items.join(", ")
}

impl<'a> Checker<'a> {
    fn new(root: &'a Element) -> Checker<'a> {
        Checker {
            root,
            diags: Diagnostics::default(),
            ids: BTreeMap::new(),
            resources: BTreeMap::new(),
            templates: BTreeMap::new(),
            tags: BTreeMap::new(),
            node_names: BTreeSet::new(),
            fencing: Some(true),
            bad_tags: BTreeSet::new(),
            typos: BTreeSet::new(),
            unknown_ids: BTreeSet::new(),
        }
    }

    // ----------------------------------------------------------------------
    // Reporting

    /// Whether one of `attrs` was reported as misspelt on `e`.
    fn typo_in(&self, e: &Element, attrs: &[&'static str]) -> bool {
        attrs.iter().any(|a| self.typos.contains(&(e.line, *a)))
    }

    /// A hint for a node name that is not configured: the configured node
    /// it differs from only in case or domain, if any.
    fn node_hint(&self, n: &str) -> String {
        let short = |s: &str| s.split('.').next().unwrap_or(s).to_ascii_lowercase();
        match self.node_names.iter().find(|k| short(k) == short(n)) {
            Some(k) => format!("did you mean {k:?}?"),
            None => format!("it has no effect until a node named {n:?} exists"),
        }
    }

    /// An attribute is absent and was not reported as misspelt.
    fn absent(&self, e: &Element, attr: &'static str) -> bool {
        e.attr(attr).is_none() && !self.typos.contains(&(e.line, attr))
    }

    fn error(&mut self, at: &Element, id: &str, message: String, hint: String) {
        self.diags
            .push(Severity::Error, at.line, id, message)
            .hint(hint);
    }

    fn warn(&mut self, at: &Element, id: &str, message: String, hint: String) {
        self.diags
            .push(Severity::Warning, at.line, id, message)
            .hint(hint);
    }

    // ----------------------------------------------------------------------
    // Driver

    fn run(&mut self) {
        let root = self.root;
        let Some(conf) = root.child("configuration") else {
            self.error(
                root,
                "",
                "the CIB has no <configuration> section".into(),
                "a CIB is <cib><configuration>...</configuration><status/></cib>".into(),
            );
            return;
        };
        self.index_ids(root, None);
        self.index(conf);
        self.shape(root, "");
        for section in ["crm_config", "nodes", "resources", "constraints"] {
            if conf.child(section).is_none() {
                self.error(
                    conf,
                    "",
                    format!("<configuration> has no <{section}> section"),
                    format!("add an empty <{section}/> if there is nothing to put in it"),
                );
            }
        }
        if let Some(crm) = conf.child("crm_config") {
            self.check_crm_config(crm);
        }
        if let Some(nodes) = conf.child("nodes") {
            self.check_nodes(nodes);
        }
        if let Some(resources) = conf.child("resources") {
            self.check_resources(resources);
        }
        if let Some(constraints) = conf.child("constraints") {
            self.check_constraints(constraints);
        }
        for (section, scope) in [
            ("rsc_defaults", RuleScope::RscDefaults),
            ("op_defaults", RuleScope::OpDefaults),
        ] {
            if let Some(d) = conf.child(section) {
                self.check_defaults(d, scope);
            }
        }
        if let Some(tags) = conf.child("tags") {
            self.check_tags(tags);
        }
        if let Some(topo) = conf.child("fencing-topology") {
            self.check_fencing_topology(topo);
        }
        self.check_fencing_devices(conf);
    }

    // ----------------------------------------------------------------------
    // Indexing

    /// Record every id outside `<status>`, reporting duplicates and
    /// elements that need an id but have none.
    fn index_ids(&mut self, e: &'a Element, parent: Option<&'a Element>) {
        if e.name == "status" {
            return;
        }
        let by_ref = e.attr("id-ref").is_some();
        match e.attr("id") {
            Some(id) if !id_is_reference(e, parent) && !by_ref => {
                if id.trim().is_empty() {
                    self.error(
                        e,
                        "",
                        format!("<{}> has an empty id", e.name),
                        "give it a unique, non-empty id".into(),
                    );
                } else if let Some(first) = self.ids.get(id) {
                    let first = *first;
                    self.error(
                        e,
                        id,
                        format!(
                            "duplicate id: <{}> reuses the id of the <{}> on line {}",
                            e.name, first.name, first.line
                        ),
                        "every id in the configuration must be unique; rename one of them".into(),
                    );
                } else {
                    self.ids.insert(id, e);
                }
            }
            None if !by_ref && NEEDS_ID.contains(&&*e.name) => {
                let owner = parent.map(|p| p.id()).unwrap_or("");
                self.error(
                    e,
                    owner,
                    format!("<{}> has no id", e.name),
                    "add a unique id attribute".into(),
                );
            }
            _ => {}
        }
        for c in e.elements() {
            self.index_ids(c, Some(e));
        }
    }

    /// Index resources, templates, tags and node names.
    fn index(&mut self, conf: &'a Element) {
        if let Some(resources) = conf.child("resources") {
            for t in resources.elements_named("template") {
                self.templates.entry(t.id()).or_insert(t);
            }
            for r in resources.elements() {
                self.index_resource(r, None, None, false);
            }
        }
        if let Some(tags) = conf.child("tags") {
            for t in tags.elements_named("tag") {
                self.tags.entry(t.id()).or_insert(t);
            }
        }
        if let Some(nodes) = conf.child("nodes") {
            for n in nodes.elements_named("node") {
                self.node_names.insert(n.id().to_string());
                if let Some(u) = n.attr("uname") {
                    self.node_names.insert(u.to_string());
                }
            }
        }
        let guests: Vec<String> = self
            .resources
            .values()
            .filter_map(|r| {
                if r.kind == RscKind::Bundle {
                    return Some(
                        (0..bundle_replicas(r.el))
                            .map(|i| format!("{}-{i}", r.el.id()))
                            .collect::<Vec<_>>(),
                    );
                }
                let p = r.el;
                if r.kind == RscKind::Primitive
                    && self.attr_or_template(p, "class") == Some("ocf")
                    && self.attr_or_template(p, "provider") == Some("pacemaker")
                    && self.attr_or_template(p, "type") == Some("remote")
                {
                    return Some(vec![p.id().to_string()]);
                }
                self.meta_value(p, "remote-node")
                    .map(|g| vec![g.to_string()])
            })
            .flatten()
            .collect();
        self.node_names.extend(guests);
        self.fencing = self.fencing_setting().map(|(on, _)| on);
    }

    fn index_resource(
        &mut self,
        e: &'a Element,
        collective: Option<&'a Element>,
        group: Option<&'a Element>,
        promotable: bool,
    ) {
        let kind = match &*e.name {
            "primitive" => RscKind::Primitive,
            "group" => RscKind::Group,
            "clone" | "master" => RscKind::Clone,
            "bundle" => RscKind::Bundle,
            _ => return,
        };
        let promotable = promotable
            || (kind == RscKind::Clone && self.is_promotable_clone(e))
            || (kind == RscKind::Bundle && bundle_promotable(e));
        let class = if kind == RscKind::Primitive {
            self.attr_or_template(e, "class")
        } else {
            None
        };
        self.resources.entry(e.id()).or_insert(Rsc {
            el: e,
            kind,
            collective,
            group,
            promotable,
            class,
        });
        match kind {
            RscKind::Primitive => {}
            RscKind::Group => {
                for m in e.elements() {
                    self.index_resource(m, collective, Some(e), promotable);
                }
            }
            RscKind::Clone => {
                for c in e.elements() {
                    self.index_resource(c, Some(collective.unwrap_or(e)), None, promotable);
                }
            }
            RscKind::Bundle => {
                for c in e.elements_named("primitive") {
                    self.index_resource(c, Some(e), None, bundle_promotable(e));
                }
            }
        }
    }

    /// A primitive's attribute, or its template's.
    fn attr_or_template(&self, p: &'a Element, name: &str) -> Option<&'a str> {
        p.attr(name).or_else(|| {
            p.attr("template")
                .and_then(|t| self.templates.get(t))
                .and_then(|t| t.attr(name))
        })
    }

    /// Follow an `id-ref` to an element of the same name (or return `e`).
    fn resolve(&self, e: &'a Element) -> Option<&'a Element> {
        match e.attr("id-ref") {
            None => Some(e),
            Some(r) => self.ids.get(r).copied().filter(|t| t.name == e.name),
        }
    }

    /// The value of a meta-attribute written on `e` (rules ignored; the
    /// first value wins).
    fn meta_value(&self, e: &'a Element, name: &str) -> Option<&'a str> {
        e.elements_named("meta_attributes")
            .filter_map(|m| self.resolve(m))
            .flat_map(|m| m.elements_named("nvpair"))
            .filter_map(|nv| {
                let target = self.resolve(nv)?;
                let n = nv.attr("name").or_else(|| target.attr("name"))?;
                (n == name).then(|| target.attr("value")).flatten()
            })
            .next()
    }

    fn is_promotable_clone(&self, e: &'a Element) -> bool {
        e.name == "master"
            || self
                .meta_value(e, "promotable")
                .and_then(parse_bool)
                .unwrap_or(false)
    }

    /// Whether fencing is enabled, and the nvpair that says so (if any).
    /// `None` when the value is not a boolean (reported elsewhere).
    fn fencing_setting(&self) -> Option<(bool, Option<&'a Element>)> {
        match self.cluster_option(&["stonith-enabled", "fencing-enabled"]) {
            None => Some((true, None)),
            Some((nv, value)) => parse_bool(value).map(|on| (on, Some(nv))),
        }
    }

    /// The nvpair (and its value) that sets the first of `names` among the
    /// cluster options that always apply (sets without rules): the
    /// bootstrap set first, then by descending score, as Pacemaker
    /// evaluates them.
    fn cluster_option(&self, names: &[&str]) -> Option<(&'a Element, &'a str)> {
        let crm = self
            .root
            .child("configuration")
            .and_then(|c| c.child("crm_config"))?;
        let mut sets: Vec<&Element> = crm
            .elements_named("cluster_property_set")
            .filter_map(|s| self.resolve(s))
            .filter(|s| s.child("rule").is_none())
            .collect();
        sets.sort_by_key(|s| {
            let score = s.attr("score").and_then(Score::parse);
            (
                s.id() != "cib-bootstrap-options",
                std::cmp::Reverse(score.unwrap_or(Score::ZERO)),
            )
        });
        sets.into_iter()
            .flat_map(|set| set.elements_named("nvpair"))
            .filter_map(|nv| self.resolve(nv))
            .find_map(|nv| {
                let named = nv.attr("name").is_some_and(|n| names.contains(&n));
                named.then(|| nv.attr("value").map(|v| (nv, v))).flatten()
            })
    }

    // ----------------------------------------------------------------------
    // Shape: elements and attributes the schema allows

    /// Check the elements and attributes of `e` and what is below it;
    /// `owner` is the id of the nearest enclosing element that has one.
    fn shape(&mut self, e: &'a Element, owner: &str) {
        let owner = if e.id().is_empty() || id_is_reference(e, None) {
            owner.to_string()
        } else {
            e.id().to_string()
        };
        if e.attr("id-ref").is_some() {
            self.check_idref(e, &owner);
            for (k, _) in &e.attrs {
                let allowed = matches!(k, "id-ref" | "id") || (e.name == "nvpair" && k == "name");
                if !allowed {
                    self.error(
                        e,
                        &owner,
                        format!("<{}> with id-ref may not also set {k}", e.name),
                        "an id-ref stands for the whole referenced element; set the attribute there".into(),
                    );
                }
            }
            return;
        }
        if let Some(allowed) = allowed_attributes(&e.name) {
            for (k, _) in &e.attrs {
                if !allowed.contains(&k) {
                    if let Some(meant) = did_you_mean(k, allowed.iter().copied())
                        && e.attr(meant).is_none()
                    {
                        self.typos.insert((e.line, meant));
                    }
                    let hint = suggest(k, allowed.iter().copied(), || {
                        format!("<{}> may have: {}", e.name, quoted_list(allowed))
                    });
                    self.error(
                        e,
                        &owner,
                        format!("<{}> has an unknown attribute {k:?}", e.name),
                        hint,
                    );
                }
            }
        }
        let Some(children) = allowed_children(&e.name) else {
            return;
        };
        for c in e.elements() {
            if let Some(why) = misplaced_child(&e.name, &c.name) {
                self.unknown_ids.insert(c.id());
                self.error(
                    c,
                    &owner,
                    format!("<{}> is not allowed inside <{}>", c.name, e.name),
                    why.into(),
                );
                continue;
            }
            if !children.contains(&&*c.name) {
                self.unknown_ids.insert(c.id());
                let hint = suggest(&c.name, children.iter().copied(), || {
                    if children.is_empty() {
                        format!("<{}> has no child elements", e.name)
                    } else {
                        format!("<{}> may contain: {}", e.name, quoted_list(children))
                    }
                });
                let cid = if c.id().is_empty() {
                    owner.as_str()
                } else {
                    c.id()
                };
                self.error(
                    c,
                    cid,
                    format!("unknown element <{}> inside <{}>", c.name, e.name),
                    hint,
                );
                continue;
            }
            self.shape(c, &owner);
        }
    }

    fn check_idref(&mut self, e: &'a Element, owner: &str) {
        let Some(r) = e.attr("id-ref") else { return };
        match self.ids.get(r) {
            None => {
                let same: Vec<&str> = self
                    .ids
                    .iter()
                    .filter(|(_, t)| t.name == e.name)
                    .map(|(id, _)| *id)
                    .collect();
                let hint = suggest(r, same.iter().copied(), || {
                    format!("refer to the id of an existing <{}>", e.name)
                });
                self.error(
                    e,
                    owner,
                    format!(
                        "<{}> id-ref={r:?} refers to an id that does not exist",
                        e.name
                    ),
                    hint,
                );
            }
            Some(t) if t.name != e.name => {
                let t = *t;
                self.error(
                    e,
                    owner,
                    format!(
                        "<{}> id-ref={r:?} refers to a <{}> (line {}), not a <{}>",
                        e.name, t.name, t.line, e.name
                    ),
                    format!(
                        "an id-ref must name an element of the same kind, a <{}>",
                        e.name
                    ),
                );
            }
            Some(_) => {}
        }
    }

    // ----------------------------------------------------------------------
    // Option blocks

    /// Generic checks of an option block; returns its pairs (resolved) as
    /// (nvpair element, name, value) unless the block is an id-ref.
    fn nvset(
        &mut self,
        set: &'a Element,
        scope: RuleScope,
    ) -> Vec<(&'a Element, &'a str, Option<&'a str>)> {
        if set.attr("id-ref").is_some() {
            return Vec::new();
        }
        let id = set.id();
        if let Some(s) = set.attr("score")
            && Score::parse_strict(s).is_none()
        {
            self.error(
                set,
                id,
                format!("<{}> has an invalid score {s:?}", set.name),
                Kind::Score.expected(),
            );
        }
        for rule in set.elements_named("rule") {
            self.check_rule(rule, scope);
        }
        if set.elements_named("rule").count() > 1 {
            self.error(
                set,
                id,
                format!("<{}> has more than one <rule>", set.name),
                "combine the conditions in one <rule> (with boolean-op=\"and\" or \"or\")".into(),
            );
        }
        let mut out = Vec::new();
        let mut seen: BTreeMap<&str, &Element> = BTreeMap::new();
        for nv in set.elements_named("nvpair") {
            if nv.attr("id-ref").is_some() {
                continue;
            }
            let Some(name) = nv.attr("name") else {
                self.error(
                    nv,
                    nv.id(),
                    "<nvpair> has no name".into(),
                    "add name=\"...\" (and value=\"...\")".into(),
                );
                continue;
            };
            if let Some(first) = seen.get(name) {
                let first = *first;
                self.warn(
                    nv,
                    nv.id(),
                    format!(
                        "{name:?} is set again in the same <{}> (first on line {})",
                        set.name, first.line
                    ),
                    "only the first value is used; remove one of them".into(),
                );
            } else {
                seen.insert(name, nv);
            }
            out.push((nv, name, nv.attr("value")));
        }
        out
    }

    /// Check one option against a table: name (unknown, deprecated,
    /// removed) and value.
    fn check_option(
        &mut self,
        nv: &'a Element,
        name: &str,
        value: Option<&str>,
        table: &'static [OptionSpec],
        what: &str,
        warn_unknown: bool,
    ) -> Option<&'static OptionSpec> {
        let id = nv.id();
        let Some(spec) = find(table, name) else {
            let close = did_you_mean(
                name,
                table
                    .iter()
                    .filter(|o| !matches!(o.standing, Standing::Removed(_)))
                    .map(|o| o.name),
            );
            match close {
                Some(c) => self.warn(
                    nv,
                    id,
                    format!("unknown {what} {name:?} (Pacemaker ignores it)"),
                    format!("did you mean {c:?}?"),
                ),
                None if warn_unknown => self.warn(
                    nv,
                    id,
                    format!("unknown {what} {name:?} (Pacemaker ignores it)"),
                    String::new(),
                ),
                None => {}
            }
            return None;
        };
        match spec.standing {
            Standing::Removed(instead) => {
                self.warn(
                    nv,
                    id,
                    format!("{what} {name:?} is no longer supported (Pacemaker ignores it)"),
                    instead.into(),
                );
                return None;
            }
            Standing::Deprecated(instead) => self.warn(
                nv,
                id,
                format!("{what} {name:?} is deprecated"),
                instead.into(),
            ),
            Standing::Current | Standing::Internal => {}
        }
        if let Some(v) = value
            && let Err(expected) = spec.kind.check(v)
        {
            if v.trim() == "#default" {
                self.warn(
                    nv,
                    id,
                    format!("{what} {name}=\"#default\" is an old way of leaving it unset"),
                    format!("remove the {name} nvpair to use the default"),
                );
            } else if let Some(n) = spec.kind.lenient_number(v) {
                self.warn(
                    nv,
                    id,
                    format!("{what} {name}={v:?} is not a whole number; Pacemaker reads it as {n}"),
                    format!("write {name}=\"{n}\""),
                );
            } else {
                self.error(
                    nv,
                    id,
                    format!("invalid value {v:?} for {what} {name}"),
                    expected,
                );
            }
            return None;
        }
        Some(spec)
    }

    // ----------------------------------------------------------------------
    // Cluster options

    fn check_crm_config(&mut self, crm: &'a Element) {
        for set in crm.elements_named("cluster_property_set") {
            for (nv, name, value) in self.nvset(set, RuleScope::Options) {
                let looks_like_option = name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                let Some(_) = self.check_option(
                    nv,
                    name,
                    value,
                    CLUSTER_OPTIONS,
                    "cluster option",
                    looks_like_option,
                ) else {
                    continue;
                };
                if matches!(name, "stonith-action" | "fencing-action") && value == Some("poweroff")
                {
                    self.warn(
                        nv,
                        nv.id(),
                        format!("{name}=poweroff is deprecated"),
                        format!("use {name}=off, which means the same"),
                    );
                }
            }
        }
    }

    /// Fencing enabled with nothing to fence with: Pacemaker refuses to
    /// start any resource.
    fn check_fencing_devices(&mut self, conf: &'a Element) {
        let Some((true, setting)) = self.fencing_setting() else {
            return;
        };
        let has_device = self
            .resources
            .values()
            .any(|r| r.kind == RscKind::Primitive && r.class == Some("stonith"));
        if has_device || self.watchdog_fencing() {
            return;
        }
        let (at, id, how) = match setting {
            Some(nv) => (
                nv,
                nv.id(),
                format!("{}=true", nv.attr("name").unwrap_or("stonith-enabled")),
            ),
            None => {
                let crm = conf.child("crm_config");
                let at = crm
                    .and_then(|c| c.elements_named("cluster_property_set").next())
                    .or(crm)
                    .unwrap_or(conf);
                (
                    at,
                    at.id(),
                    "stonith-enabled is true by default".to_string(),
                )
            }
        };
        self.error(
            at,
            id,
            format!("fencing is enabled ({how}) but no fence device is configured, so the cluster will not start any resource"),
            "add a fence device that can power off or cut off each node (a primitive with class=\"stonith\", e.g. type=\"fence_ipmilan\"); only on a test cluster without shared data, set stonith-enabled=false instead".into(),
        );
    }

    /// SBD watchdog self-fencing counts as a fence device.
    fn watchdog_fencing(&self) -> bool {
        let have_watchdog = self
            .cluster_option(&["have-watchdog"])
            .is_some_and(|(_, v)| parse_bool(v) == Some(true));
        let timeout_set = self
            .cluster_option(&["stonith-watchdog-timeout", "fencing-watchdog-timeout"])
            .is_some_and(|(_, v)| {
                let v = v.trim();
                v.parse::<i64>()
                    .map(|n| n != 0)
                    .unwrap_or_else(|_| crate::time::parse_msec(v).is_some_and(|ms| ms > 0))
            });
        have_watchdog || timeout_set
    }

    // ----------------------------------------------------------------------
    // Nodes

    fn check_nodes(&mut self, nodes: &'a Element) {
        let mut ids: BTreeMap<&str, &Element> = BTreeMap::new();
        let mut unames: BTreeMap<&str, &Element> = BTreeMap::new();
        for n in nodes.elements_named("node") {
            let id = n.id();
            if !id.is_empty() {
                if let Some(first) = ids.get(id) {
                    let first = *first;
                    self.error(
                        n,
                        id,
                        format!(
                            "duplicate node id: the <node> on line {} has the same id",
                            first.line
                        ),
                        "every node needs its own id (the membership layer's node id)".into(),
                    );
                } else {
                    ids.insert(id, n);
                }
            }
            match n.attr("uname") {
                None => self.error(
                    n,
                    id,
                    "<node> has no uname".into(),
                    "add uname=\"<the node's host name>\"".into(),
                ),
                Some(u) => {
                    if let Some(first) = unames.get(u) {
                        let first = *first;
                        self.error(
                            n,
                            id,
                            format!("duplicate node name {u:?}: the <node> on line {} has the same uname", first.line),
                            "every node needs its own uname".into(),
                        );
                    } else {
                        unames.insert(u, n);
                    }
                }
            }
            if let Some(t) = n.attr("type")
                && !matches!(t, "member" | "ping" | "remote")
            {
                let hint = if t == "normal" {
                    "\"normal\" is the old name of \"member\"; use type=\"member\"".to_string()
                } else {
                    "use member, ping or remote".to_string()
                };
                self.error(n, id, format!("invalid node type {t:?}"), hint);
            }
            for set in n.elements_named("instance_attributes") {
                for (nv, name, value) in self.nvset(set, RuleScope::Options) {
                    if matches!(name, "standby" | "maintenance")
                        && let Some(v) = value
                        && parse_bool(v).is_none()
                    {
                        self.error(
                            nv,
                            nv.id(),
                            format!("invalid value {v:?} for node attribute {name}"),
                            Kind::Bool.expected(),
                        );
                    }
                }
            }
            for set in n.elements_named("utilization") {
                self.check_utilization(set);
            }
        }
    }

    fn check_utilization(&mut self, set: &'a Element) {
        for (nv, name, value) in self.nvset(set, RuleScope::Options) {
            if let Some(v) = value
                && v.trim().parse::<i64>().is_err()
            {
                self.error(
                    nv,
                    nv.id(),
                    format!("utilization {name}={v:?} is not a whole number"),
                    "utilization values are integers (capacity on nodes, need on resources)".into(),
                );
            }
        }
    }

    // ----------------------------------------------------------------------
    // Resources

    fn check_resources(&mut self, resources: &'a Element) {
        for t in resources.elements_named("template") {
            self.check_primitive(t, None);
        }
        for r in resources.elements() {
            if r.name != "template" {
                self.check_resource(r);
            }
        }
    }

    fn check_resource(&mut self, e: &'a Element) {
        let rsc = match self.resources.get(e.id()) {
            Some(r) if std::ptr::eq(r.el, e) => *r,
            // A duplicate id (already reported): check it on its own.
            _ => match &*e.name {
                "primitive" => Rsc {
                    el: e,
                    kind: RscKind::Primitive,
                    collective: None,
                    group: None,
                    promotable: false,
                    class: self.attr_or_template(e, "class"),
                },
                _ => return,
            },
        };
        match rsc.kind {
            RscKind::Primitive => self.check_primitive(e, Some(rsc)),
            RscKind::Group => self.check_group(rsc),
            RscKind::Clone => self.check_clone(rsc),
            RscKind::Bundle => self.check_bundle(rsc),
        }
    }

    /// A primitive (`rsc` is `None` for a template).
    fn check_primitive(&mut self, e: &'a Element, rsc: Option<Rsc<'a>>) {
        let id = e.id();
        let what = if rsc.is_some() {
            "primitive"
        } else {
            "template"
        };
        let mut class_known = true;
        if let Some(t) = e.attr("template")
            && !self.templates.contains_key(t)
        {
            {
                let hint = suggest(t, self.templates.keys().copied(), || {
                    if self.templates.is_empty() {
                        "no <template> is configured; give the primitive class, provider and type instead".into()
                    } else {
                        format!(
                            "use one of the configured templates: {}",
                            self.templates
                                .keys()
                                .copied()
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                });
                self.error(
                    e,
                    id,
                    format!("primitive uses template {t:?}, which does not exist"),
                    hint,
                );
                class_known = false;
            }
        }
        let class = self.attr_or_template(e, "class");
        let provider = self.attr_or_template(e, "provider");
        if class_known {
            match class {
                None if !self.absent(e, "class") => {}
                None => self.error(
                    e,
                    id,
                    format!("{what} has no class"),
                    "add class=\"ocf\" provider=\"...\" type=\"...\" (or class=\"systemd\", \"lsb\", \"stonith\", ...), or template=\"...\"".into(),
                ),
                Some(c) if !CLASSES.contains(&c) => {
                    let hint = suggest(c, CLASSES, || {
                        format!("use one of: {}", quoted_list(&CLASSES[..5]))
                    });
                    self.error(e, id, format!("unknown resource class {c:?}"), hint);
                }
                Some(c) => {
                    if DEPRECATED_CLASSES.contains(&c) {
                        self.warn(
                            e,
                            id,
                            format!("resource class {c:?} is deprecated"),
                            "use an ocf, systemd or lsb agent instead".into(),
                        );
                    }
                    if c == "ocf" && provider.is_none() && self.absent(e, "provider") {
                        self.error(
                            e,
                            id,
                            "OCF resource has no provider".into(),
                            "add provider=\"heartbeat\", \"pacemaker\" or the directory under /usr/lib/ocf/resource.d/ that holds the agent".into(),
                        );
                    }
                    if c != "ocf" && e.attr("provider").is_some() {
                        self.error(
                            e,
                            id,
                            format!("a {c} resource has a provider"),
                            "only ocf resources have providers; remove provider=".into(),
                        );
                    }
                }
            }
            if self.attr_or_template(e, "type").is_none() && self.absent(e, "type") {
                self.error(
                    e,
                    id,
                    format!("{what} has no type"),
                    "add type=\"<agent name>\", e.g. type=\"IPaddr2\"".into(),
                );
            }
        }
        self.check_attribute_sets(e, rsc);
        for set in e.elements_named("utilization") {
            self.check_utilization(set);
        }
        let promotable = rsc.is_some_and(|r| r.promotable);
        self.check_operations(e, promotable);
    }

    fn check_group(&mut self, rsc: Rsc<'a>) {
        let e = rsc.el;
        let id = e.id();
        let mut members = 0;
        for m in e.elements() {
            match &*m.name {
                "primitive" => {
                    members += 1;
                    self.check_resource(m);
                }
                "group" | "clone" | "master" | "bundle" => {
                    members += 1;
                    let hint = if m.name == "group" {
                        "list the primitives in one group, or order and colocate two groups with constraints"
                    } else {
                        "to run the group's members everywhere, put the group inside a clone instead (clone > group > primitives)"
                    };
                    self.error(
                        m,
                        id,
                        format!(
                            "group contains a <{}> ({}); a group may only contain primitives",
                            m.name,
                            m.id()
                        ),
                        hint.into(),
                    );
                }
                _ => {}
            }
        }
        if members == 0 {
            self.error(
                e,
                id,
                "group has no members".into(),
                "add at least one <primitive>, or remove the group".into(),
            );
        }
        self.check_attribute_sets(e, Some(rsc));
    }

    fn check_clone(&mut self, rsc: Rsc<'a>) {
        let e = rsc.el;
        let id = e.id();
        if e.name == "master" {
            self.warn(
                e,
                id,
                "<master> is deprecated (and gone in Pacemaker 3)".into(),
                "use <clone> with the meta-attribute promotable=true".into(),
            );
        }
        let mut child: Option<&Element> = None;
        for c in e.elements() {
            match &*c.name {
                "primitive" | "group" => {
                    if let Some(first) = child {
                        self.error(
                            c,
                            id,
                            format!(
                                "{} contains a second resource ({}) after {} on line {}",
                                e.name,
                                c.id(),
                                first.id(),
                                first.line
                            ),
                            "a clone holds exactly one primitive or group; put several resources in a group inside the clone".into(),
                        );
                    } else {
                        child = Some(c);
                        self.check_resource(c);
                    }
                }
                "clone" | "master" | "bundle" => self.error(
                    c,
                    id,
                    format!("{} contains a <{}> ({})", e.name, c.name, c.id()),
                    "a clone holds exactly one primitive or group".into(),
                ),
                _ => {}
            }
        }
        if child.is_none() {
            self.error(
                e,
                id,
                format!("{} has no primitive or group inside", e.name),
                "put the <primitive> (or <group>) to clone inside it".into(),
            );
        }
        if let Some(c) = child {
            let primitives: Vec<&Element> = if c.name == "group" {
                c.elements_named("primitive").collect()
            } else {
                vec![c]
            };
            for p in primitives {
                let Some(class) = self.attr_or_template(p, "class") else {
                    continue;
                };
                if !CLASSES.contains(&class) {
                    continue;
                }
                if rsc.promotable && class != "ocf" {
                    self.error(
                        p,
                        p.id(),
                        format!("{} is of class {class}, which cannot be promoted, but it is in promotable clone {id}", p.id()),
                        "only OCF agents implement promote and demote (e.g. ocf:pacemaker:Stateful); use one, or make the clone non-promotable".into(),
                    );
                } else if class != "ocf"
                    && class != "stonith"
                    && self
                        .meta_value(e, "globally-unique")
                        .and_then(parse_bool)
                        .unwrap_or(false)
                {
                    self.warn(
                        e,
                        id,
                        format!("globally-unique is ignored: {} is of class {class}, which can only be an anonymous clone", p.id()),
                        "remove globally-unique=true, or use an OCF agent that supports unique instances".into(),
                    );
                }
            }
        }
        self.check_attribute_sets(e, Some(rsc));
    }

    fn check_bundle(&mut self, rsc: Rsc<'a>) {
        let e = rsc.el;
        let id = e.id();
        let containers: Vec<&Element> = e
            .elements()
            .filter(|c| matches!(&*c.name, "docker" | "podman" | "rkt"))
            .collect();
        match containers.as_slice() {
            [] => self.error(
                e,
                id,
                "bundle has no container".into(),
                "add a <podman image=\"...\"/> (or <docker>) element".into(),
            ),
            [c, rest @ ..] => {
                for extra in rest {
                    self.error(
                        extra,
                        id,
                        format!(
                            "bundle has a second container <{}> (after <{}>)",
                            extra.name, c.name
                        ),
                        "a bundle runs one kind of container; keep one of them".into(),
                    );
                }
                if self.absent(c, "image") {
                    self.error(
                        c,
                        id,
                        format!("<{}> has no image", c.name),
                        "add image=\"<container image>\"".into(),
                    );
                }
                for a in ["replicas", "replicas-per-host", "masters", "promoted-max"] {
                    if let Some(v) = c.attr(a)
                        && COUNT.check(v).is_err()
                    {
                        self.error(
                            c,
                            id,
                            format!("invalid {a}={v:?} on <{}>", c.name),
                            COUNT.expected(),
                        );
                    }
                }
                if c.attr("masters").is_some() {
                    self.warn(
                        c,
                        id,
                        "masters= is deprecated".into(),
                        "use promoted-max=".into(),
                    );
                }
            }
        }
        if let Some(net) = e.child("network") {
            for a in ["control-port", "host-netmask"] {
                if let Some(v) = net.attr(a)
                    && COUNT.check(v).is_err()
                {
                    self.error(
                        net,
                        id,
                        format!("invalid {a}={v:?} on <network>"),
                        COUNT.expected(),
                    );
                }
            }
            for pm in net.elements_named("port-mapping") {
                if pm.attr("port").is_none() && pm.attr("range").is_none() {
                    self.error(
                        pm,
                        pm.id(),
                        "<port-mapping> has neither port nor range".into(),
                        "add port=\"<port>\" (optionally internal-port) or range=\"<first>-<last>\"".into(),
                    );
                }
            }
        }
        if let Some(storage) = e.child("storage") {
            for sm in storage.elements_named("storage-mapping") {
                if sm.attr("source-dir").is_none() && sm.attr("source-dir-root").is_none() {
                    self.error(
                        sm,
                        sm.id(),
                        "<storage-mapping> has no source-dir or source-dir-root".into(),
                        "add source-dir=\"<host directory>\"".into(),
                    );
                }
                if sm.attr("target-dir").is_none() {
                    self.error(
                        sm,
                        sm.id(),
                        "<storage-mapping> has no target-dir".into(),
                        "add target-dir=\"<directory inside the container>\"".into(),
                    );
                }
            }
        }
        let mut primitives = e.elements_named("primitive");
        if let Some(p) = primitives.next() {
            self.check_resource(p);
        }
        for extra in primitives {
            self.error(
                extra,
                id,
                "bundle contains a second primitive".into(),
                "a bundle holds at most one primitive".into(),
            );
        }
        self.check_attribute_sets(e, Some(rsc));
    }

    /// A resource's (or template's) meta and instance attribute sets.
    fn check_attribute_sets(&mut self, e: &'a Element, rsc: Option<Rsc<'a>>) {
        for set in e.elements_named("meta_attributes") {
            self.check_meta(set, rsc, e);
        }
        for set in e.elements_named("instance_attributes") {
            self.nvset(set, RuleScope::Options);
        }
    }

    /// Resource meta-attributes; `rsc` is `None` for templates and
    /// `<rsc_defaults>`.
    fn check_meta(&mut self, set: &'a Element, rsc: Option<Rsc<'a>>, owner: &'a Element) {
        let scope = if owner.name == "rsc_defaults" {
            RuleScope::RscDefaults
        } else {
            RuleScope::Options
        };
        for (nv, name, value) in self.nvset(set, scope) {
            let Some(spec) =
                self.check_option(nv, name, value, RESOURCE_META, "meta-attribute", false)
            else {
                continue;
            };
            let Some(value) = value else { continue };
            let id = nv.id();
            match spec.name {
                "target-role" => {
                    let promoted = ["Promoted", "Unpromoted", "Master", "Slave"]
                        .iter()
                        .find(|r| r.eq_ignore_ascii_case(value.trim()))
                        .copied();
                    if let (Some(role), Some(r)) = (promoted, rsc)
                        && !r.promotable
                    {
                        self.error(
                            nv,
                            id,
                            format!(
                                "target-role={value} on {}, which is not promotable",
                                owner.id()
                            ),
                            format!(
                                "{role} only applies to promotable clones; use Started or Stopped"
                            ),
                        );
                    } else if let Some(old @ ("Master" | "Slave")) = promoted {
                        let new = if old == "Master" {
                            "Promoted"
                        } else {
                            "Unpromoted"
                        };
                        self.warn(
                            nv,
                            id,
                            format!("target-role={value} uses a deprecated role name"),
                            format!("use {new}"),
                        );
                    }
                }
                "requires"
                    if matches!(value, "fencing" | "unfencing") && self.fencing == Some(false) =>
                {
                    self.warn(
                        nv,
                        id,
                        format!("requires={value}, but fencing is disabled; Pacemaker uses requires=quorum instead"),
                        "set requires=quorum, or enable fencing".into(),
                    );
                }
                "container" if !self.resources.contains_key(value) => {
                    let hint = suggest(value, self.resources.keys().copied(), || {
                        "name the resource (VM or container) this one runs inside".into()
                    });
                    self.error(
                        nv,
                        id,
                        format!("container={value:?} names a resource that does not exist"),
                        hint,
                    );
                }
                "ordered" if owner.name == "group" => self.warn(
                    nv,
                    id,
                    "the group meta-attribute ordered is deprecated".into(),
                    "use an ordering constraint with a resource set instead".into(),
                ),
                "clone-max" | "clone-node-max" | "clone-min" | "notify" | "globally-unique"
                | "interleave" | "promotable" | "promoted-max" | "promoted-node-max"
                | "master-max" | "master-node-max" | "ordered"
                    if matches!(&*owner.name, "primitive" | "group")
                        && rsc
                            .and_then(|r| r.collective)
                            .is_none_or(|c| c.name != "bundle") =>
                {
                    let hint = match rsc.and_then(|r| r.collective) {
                        Some(c) => format!("set it on the clone {} instead", c.id()),
                        None => "clone options only apply to a <clone>".into(),
                    };
                    self.warn(
                        nv,
                        id,
                        format!("clone option {name} on a <{}> has no effect", owner.name),
                        hint,
                    );
                }
                "promoted-max" | "promoted-node-max" | "master-max" | "master-node-max"
                    if matches!(&*owner.name, "clone") && rsc.is_some_and(|r| !r.promotable) =>
                {
                    self.warn(
                        nv,
                        id,
                        format!(
                            "{name} has no effect: clone {} is not promotable",
                            owner.id()
                        ),
                        "add promotable=true if instances should be promoted".into(),
                    );
                }
                _ => {}
            }
        }
    }

    /// The operations of a primitive or template.
    fn check_operations(&mut self, e: &'a Element, promotable: bool) {
        let owner = e.id();
        let mut seen: BTreeMap<(&str, u64), &Element> = BTreeMap::new();
        for ops in e.elements_named("operations") {
            if ops.attr("id-ref").is_some() {
                continue;
            }
            for op in ops.elements_named("op") {
                if op.attr("id-ref").is_some() {
                    continue;
                }
                let Some(interval_ms) = self.check_op(op, owner, promotable) else {
                    continue;
                };
                let Some(name) = op.attr("name") else {
                    continue;
                };
                if let Some(first) = seen.get(&(name, interval_ms)) {
                    let first = *first;
                    if interval_ms == 0 {
                        self.warn(
                            op,
                            op.id(),
                            format!(
                                "operation {name} is defined again (first as {} on line {}); only the first is used",
                                first.id(),
                                first.line
                            ),
                            "remove the extra definition (a role on a one-off operation has no effect)".into(),
                        );
                        continue;
                    }
                    let hint = if op.attr("role") != first.attr("role") {
                        "each name and interval may be used once per resource; give each role's monitor its own interval (e.g. 10s and 11s)"
                    } else {
                        "each name and interval may be used once per resource; remove one, or change its interval"
                    };
                    self.error(
                        op,
                        op.id(),
                        format!(
                            "operation {name} with interval {} duplicates {} on line {}",
                            op.attr("interval").unwrap_or("0"),
                            first.id(),
                            first.line
                        ),
                        hint.into(),
                    );
                } else {
                    seen.insert((name, interval_ms), op);
                }
            }
        }
    }

    /// One `<op>`; returns its interval in ms when it could be read.
    fn check_op(&mut self, op: &'a Element, owner: &str, promotable: bool) -> Option<u64> {
        let id = op.id();
        let name = op.attr("name");
        match name {
            None if !self.absent(op, "name") => {}
            None => self.error(
                op,
                id,
                format!("operation of {owner} has no name"),
                "add name=\"monitor\" (or start, stop, promote, demote, ...)".into(),
            ),
            Some(n) if !OP_NAMES.contains(&n) => {
                if let Some(c) = did_you_mean(n, OP_NAMES) {
                    self.warn(
                        op,
                        id,
                        format!("unusual operation name {n:?}"),
                        format!("did you mean {c:?}?"),
                    );
                }
            }
            Some(_) => {}
        }
        let interval = match op.attr("interval") {
            None if !self.absent(op, "interval") => None,
            None => {
                self.error(
                    op,
                    id,
                    "operation has no interval".into(),
                    "add interval=\"0\" for a one-off operation, or e.g. interval=\"10s\" for a recurring monitor".into(),
                );
                None
            }
            Some(v) => {
                if is_interval(v.trim()) {
                    parse_interval_ms(v.trim())
                } else {
                    self.error(
                        op,
                        id,
                        format!("invalid interval {v:?}"),
                        Kind::Interval.expected(),
                    );
                    None
                }
            }
        };
        if let (Some(ms), Some(n)) = (interval, name)
            && ms > 0
            && OP_NAMES.contains(&n)
            && n != "monitor"
        {
            self.error(
                op,
                id,
                format!(
                    "{n} operation has interval {} but only monitor operations can recur",
                    op.attr("interval").unwrap_or("")
                ),
                "use interval=\"0\"".into(),
            );
        }
        for (attr, kind) in [
            ("timeout", Kind::Time),
            ("enabled", Kind::Bool),
            ("record-pending", Kind::Bool),
            ("start-delay", Kind::Time),
            ("interval-origin", Kind::Date),
        ] {
            if let Some(v) = op.attr(attr)
                && let Err(expected) = kind.check(v)
            {
                self.error(op, id, format!("invalid {attr} {v:?}"), expected);
            }
        }
        let role = op.attr("role");
        if let Some(r) = self.check_role(op, id, "role")
            && !promotable
            && matches!(r, "Promoted" | "Unpromoted" | "Master" | "Slave")
        {
            self.warn(
                op,
                id,
                format!(
                    "operation for role {r} on {owner}, which is not promotable; it never runs"
                ),
                "remove role=, or use Started".into(),
            );
        }
        if let Some(f) = op.attr("on-fail") {
            self.check_on_fail(op, f, name, role, interval);
        }
        for set in op.elements_named("meta_attributes") {
            for (nv, mname, value) in self.nvset(set, RuleScope::Options) {
                if mname == "requires" {
                    self.warn(
                        nv,
                        nv.id(),
                        "requires is not an operation option".into(),
                        "set requires as a meta-attribute of the resource".into(),
                    );
                    continue;
                }
                self.check_option(nv, mname, value, OP_PROPERTIES, "operation option", false);
            }
        }
        for set in op.elements_named("instance_attributes") {
            self.nvset(set, RuleScope::Options);
        }
        interval
    }

    fn check_on_fail(
        &mut self,
        op: &'a Element,
        on_fail: &str,
        name: Option<&str>,
        role: Option<&str>,
        interval: Option<u64>,
    ) {
        let id = op.id();
        if !ON_FAIL.contains(&on_fail) {
            let hint = suggest(on_fail, ON_FAIL, || Kind::Choice(&ON_FAIL).expected());
            self.error(op, id, format!("invalid on-fail {on_fail:?}"), hint);
            return;
        }
        match (on_fail, name) {
            ("stop", Some("stop")) => self.error(
                op,
                id,
                "on-fail=stop is not allowed for a stop operation".into(),
                "a failed stop can only be answered by fence or block; remove on-fail (the default is fence when fencing is enabled, block otherwise)".into(),
            ),
            ("demote", Some(n)) => {
                let promoted_monitor = n == "monitor"
                    && interval.is_some_and(|ms| ms > 0)
                    && matches!(role, Some("Promoted" | "Master"));
                if n != "promote" && !promoted_monitor {
                    self.error(
                        op,
                        id,
                        format!("on-fail=demote is not allowed for a {n} operation"),
                        "demote only applies to promote operations and recurring monitors with role=Promoted".into(),
                    );
                }
            }
            ("fence", _) if self.fencing == Some(false) => self.error(
                op,
                id,
                "on-fail=fence, but fencing is disabled".into(),
                "enable fencing (stonith-enabled=true with a fence device), or use on-fail=block or stop".into(),
            ),
            _ => {}
        }
    }

    // ----------------------------------------------------------------------
    // Defaults

    fn check_defaults(&mut self, d: &'a Element, scope: RuleScope) {
        for set in d.elements_named("meta_attributes") {
            if scope == RuleScope::RscDefaults {
                self.check_meta(set, None, d);
            } else {
                for (nv, name, value) in self.nvset(set, scope) {
                    self.check_option(nv, name, value, OP_PROPERTIES, "operation default", false);
                    if name == "interval" {
                        self.warn(
                            nv,
                            nv.id(),
                            "an interval in <op_defaults> applies to every operation, including start and stop".into(),
                            "set interval on the monitor operations instead".into(),
                        );
                    }
                }
            }
        }
    }

    // ----------------------------------------------------------------------
    // Rules

    fn check_rule(&mut self, rule: &'a Element, scope: RuleScope) {
        if rule.attr("id-ref").is_some() {
            return;
        }
        let id = rule.id();
        if let Some(op) = rule.attr("boolean-op")
            && !matches!(op, "and" | "or")
        {
            self.error(
                rule,
                id,
                format!("invalid boolean-op {op:?}"),
                "use and or or".into(),
            );
        }
        match (rule.attr("score"), rule.attr("score-attribute")) {
            (Some(_), Some(_)) => self.error(
                rule,
                id,
                "rule has both score and score-attribute".into(),
                "keep one of them".into(),
            ),
            (Some(s), None) if Score::parse_strict(s).is_none() => self.error(
                rule,
                id,
                format!("rule has an invalid score {s:?}"),
                Kind::Score.expected(),
            ),
            _ => {}
        }
        self.check_role(rule, id, "role");
        let mut conditions = 0;
        for c in rule.elements() {
            conditions += 1;
            match &*c.name {
                "expression" => self.check_expression(c),
                "date_expression" => self.check_date_expression(c),
                "rsc_expression" => {
                    if !matches!(scope, RuleScope::RscDefaults | RuleScope::OpDefaults) {
                        self.warn(
                            c,
                            c.id(),
                            "<rsc_expression> only has a meaning in <rsc_defaults> and <op_defaults> rules; here it never passes".into(),
                            "move the rule to <rsc_defaults>/<op_defaults>, or use an <expression> on a node attribute".into(),
                        );
                    }
                }
                "op_expression" => {
                    if scope != RuleScope::OpDefaults {
                        self.warn(
                            c,
                            c.id(),
                            "<op_expression> only has a meaning in <op_defaults> rules; here it never passes".into(),
                            "move the rule to <op_defaults>".into(),
                        );
                    }
                    if c.attr("name").is_none() {
                        self.error(
                            c,
                            c.id(),
                            "<op_expression> has no name".into(),
                            "add name=\"monitor\" (or another operation name)".into(),
                        );
                    }
                    if let Some(v) = c.attr("interval")
                        && !is_interval(v.trim())
                    {
                        self.error(
                            c,
                            c.id(),
                            format!("invalid interval {v:?}"),
                            Kind::Interval.expected(),
                        );
                    }
                }
                "rule" => self.check_rule(c, scope),
                _ => conditions -= 1,
            }
        }
        if conditions == 0 {
            self.error(
                rule,
                id,
                "rule has no conditions".into(),
                "add an <expression>, <date_expression> or nested <rule>".into(),
            );
        }
    }

    fn check_expression(&mut self, x: &'a Element) {
        if x.attr("id-ref").is_some() {
            return;
        }
        let id = x.id();
        if self.absent(x, "attribute") {
            self.error(
                x,
                id,
                "<expression> has no attribute".into(),
                "add attribute=\"<node attribute name>\", e.g. attribute=\"#uname\"".into(),
            );
        }
        let op = x.attr("operation");
        match op {
            None if !self.absent(x, "operation") => {}
            None => {
                self.error(
                    x,
                    id,
                    "<expression> has no operation".into(),
                    Kind::Choice(&EXPR_OPS).expected(),
                );
            }
            Some(o) if !EXPR_OPS.contains(&o) => {
                let hint = suggest(o, EXPR_OPS, || Kind::Choice(&EXPR_OPS).expected());
                self.error(x, id, format!("invalid expression operation {o:?}"), hint);
            }
            Some(o) => {
                if !matches!(o, "defined" | "not_defined") && self.absent(x, "value") {
                    self.error(
                        x,
                        id,
                        format!("<expression> with operation {o} has no value to compare with"),
                        "add value=\"...\"".into(),
                    );
                }
            }
        }
        let ty = x.attr("type");
        if let Some(t) = ty
            && !EXPR_TYPES.contains(&t)
        {
            let hint = suggest(t, EXPR_TYPES, || Kind::Choice(&EXPR_TYPES).expected());
            self.error(x, id, format!("invalid expression type {t:?}"), hint);
        }
        let source = x.attr("value-source");
        if let Some(s) = source
            && !VALUE_SOURCES.contains(&s)
        {
            self.error(
                x,
                id,
                format!("invalid value-source {s:?}"),
                Kind::Choice(&VALUE_SOURCES).expected(),
            );
        }
        if let (Some(t @ ("integer" | "number")), Some(v), None | Some("literal")) =
            (ty, x.attr("value"), source)
        {
            let ok = if t == "integer" {
                v.trim().parse::<i64>().is_ok()
            } else {
                v.trim().parse::<f64>().is_ok()
            };
            if !ok {
                self.warn(
                    x,
                    id,
                    format!("value {v:?} is not a{} {t}", if t == "integer" { "n" } else { "" }),
                    format!("Pacemaker compares what it can read of it; write a plain {t}, or use type=\"string\""),
                );
            }
        }
    }

    fn check_date_expression(&mut self, x: &'a Element) {
        if x.attr("id-ref").is_some() {
            return;
        }
        let id = x.id();
        let op = x.attr("operation").unwrap_or("in_range");
        if !DATE_OPS.contains(&op) {
            let hint = suggest(op, DATE_OPS, || Kind::Choice(&DATE_OPS).expected());
            self.error(
                x,
                id,
                format!("invalid date_expression operation {op:?}"),
                hint,
            );
            return;
        }
        let mut bad_date = false;
        for a in ["start", "end"] {
            if let Some(v) = x.attr(a)
                && DateTime::parse(v).is_err()
            {
                bad_date = true;
                self.error(
                    x,
                    id,
                    format!("{a}={v:?} is not a valid date"),
                    Kind::Date.expected(),
                );
            }
        }
        let duration = x.child("duration");
        let spec = x.child("date_spec");
        if !bad_date {
            let missing = match op {
                "gt" if self.absent(x, "start") => Some("operation gt needs start=\"<date>\""),
                "lt" if self.absent(x, "end") => Some("operation lt needs end=\"<date>\""),
                "in_range" if self.absent(x, "start") && self.absent(x, "end") => {
                    Some("operation in_range needs start, end, or start and a <duration>")
                }
                "date_spec" if spec.is_none() => {
                    Some("operation date_spec needs a <date_spec> element")
                }
                _ => None,
            };
            if let Some(m) = missing {
                self.error(
                    x,
                    id,
                    format!("date_expression {op} is incomplete"),
                    m.into(),
                );
            }
        }
        if let Some(d) = duration {
            if op != "in_range" || x.attr("end").is_some() {
                self.warn(
                    d,
                    d.id(),
                    "<duration> is ignored here".into(),
                    "a duration only counts in an in_range expression with a start and no end"
                        .into(),
                );
            }
            for (k, v) in &d.attrs {
                if DURATION_FIELDS.contains(&k) && v.trim().parse::<i32>().is_err() {
                    self.error(
                        d,
                        d.id(),
                        format!("duration {k}={v:?} is not a whole number"),
                        format!("use a number, e.g. {k}=\"1\""),
                    );
                } else if k != "id" && !DURATION_FIELDS.contains(&k) {
                    self.warn(
                        d,
                        d.id(),
                        format!("duration {k} is not read by Pacemaker"),
                        format!("use {}", DURATION_FIELDS.join(", ")),
                    );
                }
            }
        }
        if let Some(s) = spec {
            if op != "date_spec" {
                self.warn(
                    s,
                    s.id(),
                    "<date_spec> is ignored here".into(),
                    "a date_spec only counts with operation=\"date_spec\"".into(),
                );
            }
            for (k, v) in &s.attrs {
                if k == "yearsdays" {
                    self.warn(
                        s,
                        s.id(),
                        "date_spec yearsdays is not read by Pacemaker".into(),
                        "use yeardays".into(),
                    );
                } else if SPEC_FIELDS.contains(&k) {
                    if SpecRange::parse(v).is_none() {
                        self.error(
                            s,
                            s.id(),
                            format!("date_spec {k}={v:?} is not a number or a range"),
                            format!("use a number (e.g. {k}=\"9\") or a range (e.g. {k}=\"9-17\"); Pacemaker ignores anything else"),
                        );
                    } else if k == "moon" {
                        self.warn(
                            s,
                            s.id(),
                            "date_spec moon is deprecated".into(),
                            "it will be removed; use another field".into(),
                        );
                    }
                }
            }
        }
    }

    // ----------------------------------------------------------------------
    // Constraints

    fn check_constraints(&mut self, constraints: &'a Element) {
        for c in constraints.elements() {
            if c.attr("id-ref").is_some() {
                continue;
            }
            match &*c.name {
                "rsc_location" => self.check_location(c),
                "rsc_colocation" => self.check_colocation(c),
                "rsc_order" => self.check_order(c),
                "rsc_ticket" => self.check_ticket(c),
                _ => {}
            }
            if let Some(l) = c.child("lifetime") {
                self.warn(
                    l,
                    c.id(),
                    "<lifetime> is deprecated".into(),
                    "put a date rule inside the constraint instead".into(),
                );
                for r in l.elements_named("rule") {
                    self.check_rule(r, RuleScope::Location);
                }
            }
        }
    }

    /// Resolve a resource reference written in a constraint or set.
    /// Reports what is wrong (once) and returns the target when usable.
    fn constrainable(
        &mut self,
        at: &'a Element,
        owner: &str,
        what: &str,
        value: &'a str,
    ) -> Option<Target<'a>> {
        if let Some(r) = self.resources.get(value).copied() {
            if let Some(c) = r.collective {
                let inside = if let Some(g) = r.group {
                    format!("a member of group {} inside {} {}", g.id(), c.name, c.id())
                } else {
                    format!("the {} inside {} {}", r.el.name, c.name, c.id())
                };
                self.error(
                    at,
                    owner,
                    format!("{what}{value:?} names {inside}"),
                    format!(
                        "constraints must name the {} itself: {what}\"{}\"",
                        c.name,
                        c.id()
                    ),
                );
                return None;
            }
            return Some(Target::Resource(r));
        }
        if let Some(tag) = self.tags.get(value).copied() {
            if !self.bad_tags.contains(value) {
                for o in tag.elements_named("obj_ref") {
                    let oid = o.id();
                    let usable = self
                        .resources
                        .get(oid)
                        .is_some_and(|r| r.collective.is_none());
                    if self.ids.contains_key(oid) && !usable {
                        self.bad_tags.insert(value);
                        let kind = self.ids.get(oid).map(|e| &*e.name).unwrap_or("");
                        self.error(
                            at,
                            owner,
                            format!("{what}{value:?} names tag {value}, which contains {oid} (a <{kind}>), not a resource a constraint can use"),
                            "a tag used in constraints may only list resources (top-level resources, group members, clones or bundles)".into(),
                        );
                        return None;
                    }
                }
            } else {
                return None;
            }
            return Some(Target::Tag);
        }
        if self.templates.contains_key(value) {
            return Some(Target::Template);
        }
        if self.unknown_ids.contains(value) {
            // Reported where it is defined.
            return None;
        }
        let kind = self.ids.get(value).map(|e| e.name.clone());
        let candidates: Vec<&str> = self
            .resources
            .iter()
            .filter(|(_, r)| r.collective.is_none())
            .map(|(id, _)| *id)
            .chain(self.tags.keys().copied())
            .chain(self.templates.keys().copied())
            .collect();
        let hint = suggest(value, candidates.iter().copied(), || {
            "use the id of a resource, tag or template".into()
        });
        let message = match kind {
            Some(k) => format!("{what}{value:?} names a <{k}>, not a resource"),
            None => format!("{what}{value:?} names a resource that does not exist"),
        };
        self.error(at, owner, message, hint);
        None
    }

    fn check_role(&mut self, at: &'a Element, owner: &str, attr: &str) -> Option<&'a str> {
        let r = at.attr(attr)?;
        if ROLES.contains(&r) {
            return Some(r);
        }
        let hint = suggest(r, ROLES, || {
            format!("use one of: {}", quoted_list(&ROLES[..4]))
        });
        self.error(at, owner, format!("invalid {attr} {r:?}"), hint);
        None
    }

    fn check_choice(
        &mut self,
        at: &'a Element,
        owner: &str,
        attr: &str,
        allowed: &'static [&'static str],
    ) -> Option<&'a str> {
        let v = at.attr(attr)?;
        if allowed.contains(&v) {
            return Some(v);
        }
        let hint = suggest(v, allowed.iter().copied(), || {
            Kind::Choice(allowed).expected()
        });
        self.error(at, owner, format!("invalid {attr} {v:?}"), hint);
        None
    }

    fn check_bool_attr(&mut self, at: &'a Element, owner: &str, attr: &str) -> Option<bool> {
        let v = at.attr(attr)?;
        let b = parse_bool(v);
        if b.is_none() {
            self.error(
                at,
                owner,
                format!("invalid {attr} {v:?}"),
                Kind::Bool.expected(),
            );
        }
        b
    }

    fn check_score_attr(&mut self, at: &'a Element, owner: &str) -> Option<Score> {
        let v = at.attr("score")?;
        let s = Score::parse_strict(v);
        if s.is_none() {
            self.error(
                at,
                owner,
                format!("invalid score {v:?}"),
                Kind::Score.expected(),
            );
        }
        s
    }

    /// A role that needs a promotable resource, on a resource that is not.
    fn check_role_fits(
        &mut self,
        at: &'a Element,
        owner: &str,
        attr: &str,
        role: &str,
        target: Option<Target<'a>>,
    ) {
        let Some(Target::Resource(r)) = target else {
            return;
        };
        if matches!(role, "Promoted" | "Unpromoted" | "Master" | "Slave")
            && !r.promotable
            && r.kind != RscKind::Bundle
        {
            self.warn(
                at,
                owner,
                format!(
                    "{attr}={role} but {} is not promotable, so this never applies",
                    r.el.id()
                ),
                "use Started (or no role), or make the resource a promotable clone".into(),
            );
        }
    }

    fn check_action_fits(
        &mut self,
        at: &'a Element,
        owner: &str,
        attr: &str,
        action: &str,
        target: Option<Target<'a>>,
    ) {
        let Some(Target::Resource(r)) = target else {
            return;
        };
        if matches!(action, "promote" | "demote") && !r.promotable && r.kind != RscKind::Bundle {
            self.warn(
                at,
                owner,
                format!(
                    "{attr}={action} but {} is not promotable, so this never applies",
                    r.el.id()
                ),
                "use start or stop, or make the resource a promotable clone".into(),
            );
        }
    }

    /// The `<resource_set>`s of a constraint.
    fn check_sets(&mut self, c: &'a Element, kind: &str) -> usize {
        let mut count = 0;
        for set in c.elements_named("resource_set") {
            count += 1;
            if set.attr("id-ref").is_some() {
                continue;
            }
            let sid = set.id();
            let refs: Vec<&Element> = set.elements_named("resource_ref").collect();
            if refs.is_empty() {
                self.error(
                    set,
                    sid,
                    "resource set is empty".into(),
                    "list at least one <resource_ref id=\"...\"/>".into(),
                );
            }
            let role = self.check_role(set, sid, "role");
            let action = self.check_choice(set, sid, "action", &ORDER_ACTIONS);
            self.check_bool_attr(set, sid, "sequential");
            self.check_bool_attr(set, sid, "require-all");
            self.check_choice(set, sid, "ordering", &["group", "listed"]);
            self.check_score_attr(set, sid);
            self.check_choice(set, sid, "kind", &ORDER_KINDS);
            if set.attr("score").is_some() && set.attr("kind").is_some() {
                self.error(
                    set,
                    sid,
                    "resource set has both score and kind".into(),
                    "keep kind (score on ordering sets is deprecated)".into(),
                );
            }
            if kind != "rsc_order" && (set.attr("action").is_some() || set.attr("kind").is_some()) {
                self.warn(
                    set,
                    sid,
                    format!("action and kind have no effect in a set of a <{kind}>"),
                    "they only apply to ordering constraints".into(),
                );
            }
            for r in refs {
                let rid = r.id();
                if rid.is_empty() {
                    continue;
                }
                let target = self.constrainable(r, sid, "resource_ref id=", rid);
                if let Some(role) = role {
                    self.check_role_fits(set, sid, "role", role, target);
                }
                if let Some(action) = action {
                    self.check_action_fits(set, sid, "action", action, target);
                }
            }
        }
        count
    }

    fn check_location(&mut self, c: &'a Element) {
        let id = c.id();
        let sets = self.check_sets(c, "rsc_location");
        let mut target = None;
        match (c.attr("rsc"), c.attr("rsc-pattern"), sets) {
            (None, None, 0) if self.typo_in(c, &["rsc", "rsc-pattern"]) => {}
            (None, None, 0) => self.error(
                c,
                id,
                "location constraint names no resource".into(),
                "add rsc=\"<resource>\", rsc-pattern=\"<regular expression>\" or a <resource_set>"
                    .into(),
            ),
            (Some(_), Some(_), _) => self.error(
                c,
                id,
                "location constraint has both rsc and rsc-pattern".into(),
                "keep one of them".into(),
            ),
            (Some(_), None, 1..) | (None, Some(_), 1..) => self.error(
                c,
                id,
                "location constraint has both a resource and resource sets".into(),
                "use either rsc/rsc-pattern or <resource_set>s".into(),
            ),
            (Some(r), None, 0) => target = self.constrainable(c, id, "rsc=", r),
            (None, Some(p), 0) => self.check_rsc_pattern(c, p),
            (None, None, 1..) => {}
        }
        if let Some(role) = self.check_role(c, id, "role") {
            self.check_role_fits(c, id, "role", role, target);
        }
        self.check_choice(c, id, "resource-discovery", &DISCOVERY);
        let rules: Vec<&Element> = c.elements_named("rule").collect();
        self.check_score_attr(c, id);
        match (c.attr("node"), c.attr("score"), rules.is_empty()) {
            (_, _, true) if self.typo_in(c, &["node", "score"]) => {}
            (Some(_), None, true) => self.error(
                c,
                id,
                "location constraint has a node but no score".into(),
                "add score=\"INFINITY\" (prefer), a number, or score=\"-INFINITY\" (avoid)".into(),
            ),
            (None, Some(_), true) => self.error(
                c,
                id,
                "location constraint has a score but no node".into(),
                "add node=\"<node name>\", or use a <rule>".into(),
            ),
            (None, None, true) => self.error(
                c,
                id,
                "location constraint has neither node and score nor a rule".into(),
                "add node=\"<node name>\" score=\"INFINITY\", or a <rule>".into(),
            ),
            (Some(_), _, false) => self.error(
                c,
                id,
                "location constraint has both node and rules".into(),
                "use either node and score, or rules (one constraint for each)".into(),
            ),
            (None, Some(_), false) => self.warn(
                c,
                id,
                "score on a location constraint with rules is ignored".into(),
                "put the score on each <rule> instead".into(),
            ),
            _ => {}
        }
        if let Some(n) = c.attr("node")
            && !self.node_names.contains(n)
        {
            let hint = self.node_hint(n);
            self.warn(c, id, format!("node {n:?} is not a configured node"), hint);
        }
        for r in rules {
            self.check_rule(r, RuleScope::Location);
        }
    }

    fn check_rsc_pattern(&mut self, c: &'a Element, pattern: &str) {
        let id = c.id();
        match regex::Regex::new(pattern) {
            Err(e) => {
                let why = e.to_string();
                let last = why.lines().last().unwrap_or("").trim().to_string();
                self.error(
                    c,
                    id,
                    format!("rsc-pattern {pattern:?} is not a valid regular expression ({last})"),
                    "use an extended regular expression, e.g. rsc-pattern=\"^web-\"".into(),
                );
            }
            Ok(re) => {
                if !self.resources.keys().any(|r| re.is_match(r)) {
                    self.warn(
                        c,
                        id,
                        format!("rsc-pattern {pattern:?} matches no resource"),
                        "check the pattern; the constraint has no effect".into(),
                    );
                }
            }
        }
    }

    /// The two resources of a colocation (`rsc`, `with-rsc`) or ordering
    /// (`first`, `then`) written as attributes. Reports a mix with resource
    /// sets, a missing side and a resource paired with itself; returns what
    /// both sides resolved to when the pair is there.
    fn resource_pair(
        &mut self,
        c: &'a Element,
        sets: usize,
        [a_attr, b_attr]: [&'static str; 2],
        what: &str,
        with_itself: &str,
    ) -> Option<[Option<Target<'a>>; 2]> {
        let id = c.id();
        let (a, b) = (c.attr(a_attr), c.attr(b_attr));
        if sets > 0 {
            if a.is_some() || b.is_some() {
                self.error(
                    c,
                    id,
                    format!("{what} has both {a_attr}/{b_attr} and resource sets"),
                    format!("use either {a_attr} and {b_attr}, or <resource_set>s"),
                );
            }
            return None;
        }
        let (Some(a), Some(b)) = (a, b) else {
            if !self.typo_in(c, &[a_attr, b_attr]) {
                self.error(
                    c,
                    id,
                    format!("{what} needs both {a_attr} and {b_attr}"),
                    format!("add {a_attr}=\"<resource>\" {b_attr}=\"<resource>\""),
                );
            }
            return None;
        };
        let ta = self.constrainable(c, id, &format!("{a_attr}="), a);
        let tb = self.constrainable(c, id, &format!("{b_attr}="), b);
        if a == b {
            self.warn(
                c,
                id,
                format!("{a} is {with_itself} itself"),
                "this has no effect; name two different resources".into(),
            );
        }
        Some([ta, tb])
    }

    fn check_colocation(&mut self, c: &'a Element) {
        let id = c.id();
        let sets = self.check_sets(c, "rsc_colocation");
        let pair = self.resource_pair(c, sets, ["rsc", "with-rsc"], "colocation", "colocated with");
        if let Some([ta, tb]) = pair {
            if let Some(role) = self.check_role(c, id, "rsc-role") {
                self.check_role_fits(c, id, "rsc-role", role, ta);
            }
            if let Some(role) = self.check_role(c, id, "with-rsc-role") {
                self.check_role_fits(c, id, "with-rsc-role", role, tb);
            }
            if matches!(ta, Some(Target::Tag | Target::Template))
                && matches!(tb, Some(Target::Tag | Target::Template))
            {
                self.error(
                    c,
                    id,
                    "colocation between two tags or templates".into(),
                    "at least one side must be a single resource; use a resource set to colocate several".into(),
                );
            }
        }
        self.check_score_attr(c, id);
        self.check_bool_attr(c, id, "influence");
    }

    fn check_order(&mut self, c: &'a Element) {
        let id = c.id();
        let sets = self.check_sets(c, "rsc_order");
        let pair = self.resource_pair(c, sets, ["first", "then"], "ordering", "ordered after");
        if let Some([ta, tb]) = pair {
            if let Some(action) = self.check_choice(c, id, "first-action", &ORDER_ACTIONS) {
                self.check_action_fits(c, id, "first-action", action, ta);
            }
            if let Some(action) = self.check_choice(c, id, "then-action", &ORDER_ACTIONS) {
                self.check_action_fits(c, id, "then-action", action, tb);
            }
        }
        let kind = self.check_choice(c, id, "kind", &ORDER_KINDS);
        if c.attr("score").is_some() {
            if c.attr("kind").is_some() {
                self.error(
                    c,
                    id,
                    "ordering has both score and kind".into(),
                    "keep kind; score on orderings is deprecated".into(),
                );
            } else if self.check_score_attr(c, id).is_some() {
                self.warn(
                    c,
                    id,
                    "score on an ordering constraint is deprecated".into(),
                    "use kind=\"Mandatory\" (score>0) or kind=\"Optional\" (score 0)".into(),
                );
            }
        }
        let symmetrical = self.check_bool_attr(c, id, "symmetrical");
        if kind == Some("Serialize") && symmetrical.is_some() {
            self.warn(
                c,
                id,
                "symmetrical is ignored for kind=Serialize".into(),
                "remove symmetrical".into(),
            );
        }
        if c.attr("require-all").is_some() && self.check_bool_attr(c, id, "require-all").is_some() {
            self.warn(
                c,
                id,
                "require-all on an ordering constraint is deprecated".into(),
                "use the clone meta-attribute clone-min instead".into(),
            );
        }
    }

    fn check_ticket(&mut self, c: &'a Element) {
        let id = c.id();
        match c.attr("ticket") {
            None if self.typo_in(c, &["ticket"]) => {}
            None => self.error(
                c,
                id,
                "ticket constraint has no ticket".into(),
                "add ticket=\"<ticket name>\"".into(),
            ),
            Some(t) if t.trim().is_empty() => self.error(
                c,
                id,
                "ticket constraint has an empty ticket name".into(),
                "add ticket=\"<ticket name>\"".into(),
            ),
            Some(_) => {}
        }
        let sets = self.check_sets(c, "rsc_ticket");
        let mut target = None;
        match (c.attr("rsc"), sets) {
            (Some(_), 1..) => self.error(
                c,
                id,
                "ticket constraint has both rsc and resource sets".into(),
                "use either rsc or <resource_set>s".into(),
            ),
            (Some(r), 0) => target = self.constrainable(c, id, "rsc=", r),
            (None, 0) if self.typo_in(c, &["rsc"]) => {}
            (None, 0) => self.error(
                c,
                id,
                "ticket constraint names no resource".into(),
                "add rsc=\"<resource>\" or a <resource_set>".into(),
            ),
            (None, 1..) => {}
        }
        if let Some(role) = self.check_role(c, id, "rsc-role") {
            self.check_role_fits(c, id, "rsc-role", role, target);
        }
        if self.check_choice(c, id, "loss-policy", &LOSS_POLICIES) == Some("fence")
            && self.fencing == Some(false)
        {
            self.error(
                c,
                id,
                "loss-policy=fence, but fencing is disabled".into(),
                "enable fencing, or use loss-policy stop, demote or freeze".into(),
            );
        }
    }

    // ----------------------------------------------------------------------
    // Tags and fencing topology

    fn check_tags(&mut self, tags: &'a Element) {
        for t in tags.elements_named("tag") {
            let id = t.id();
            let refs: Vec<&Element> = t.elements_named("obj_ref").collect();
            if refs.is_empty() {
                self.error(
                    t,
                    id,
                    "tag is empty".into(),
                    "list at least one <obj_ref id=\"...\"/>".into(),
                );
            }
            for o in refs {
                let oid = o.id();
                if oid.is_empty() || self.ids.contains_key(oid) || self.node_names.contains(oid) {
                    continue;
                }
                let hint = suggest(oid, self.ids.keys().copied(), || {
                    "an obj_ref names the id of something in the configuration".into()
                });
                self.error(
                    o,
                    id,
                    format!("tag refers to {oid:?}, which does not exist"),
                    hint,
                );
            }
        }
    }

    fn check_fencing_topology(&mut self, topo: &'a Element) {
        let mut seen: BTreeMap<(String, u64), &Element> = BTreeMap::new();
        for l in topo.elements_named("fencing-level") {
            let id = l.id();
            let targets = [
                l.attr("target").is_some(),
                l.attr("target-pattern").is_some(),
                l.attr("target-attribute").is_some(),
            ];
            let target_key = match targets.iter().filter(|t| **t).count() {
                0 => {
                    self.error(
                        l,
                        id,
                        "fencing level has no target".into(),
                        "add target=\"<node>\", target-pattern=\"<regex>\" or target-attribute with target-value".into(),
                    );
                    None
                }
                1 => {
                    if let Some(n) = l.attr("target")
                        && !self.node_names.contains(n)
                    {
                        let hint = self.node_hint(n);
                        self.warn(
                            l,
                            id,
                            format!("fencing level target {n:?} is not a configured node"),
                            hint,
                        );
                    }
                    if let Some(p) = l.attr("target-pattern")
                        && regex::Regex::new(p).is_err()
                    {
                        self.error(
                            l,
                            id,
                            format!("target-pattern {p:?} is not a valid regular expression"),
                            "use an extended regular expression, e.g. \"^node[0-9]+$\"".into(),
                        );
                    }
                    if l.attr("target-attribute").is_some() && l.attr("target-value").is_none() {
                        self.error(
                            l,
                            id,
                            "fencing level has target-attribute but no target-value".into(),
                            "add target-value=\"...\"".into(),
                        );
                    }
                    Some(format!(
                        "{}={}",
                        l.attr("target")
                            .or(l.attr("target-pattern"))
                            .or(l.attr("target-attribute"))
                            .unwrap_or(""),
                        l.attr("target-value").unwrap_or("")
                    ))
                }
                _ => {
                    self.error(
                        l,
                        id,
                        "fencing level has more than one kind of target".into(),
                        "use exactly one of target, target-pattern or target-attribute".into(),
                    );
                    None
                }
            };
            let index = match l.attr("index") {
                None => {
                    self.error(
                        l,
                        id,
                        "fencing level has no index".into(),
                        "add index=\"1\" (levels are tried in increasing order)".into(),
                    );
                    None
                }
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if n >= 1 => Some(n),
                    _ => {
                        self.error(
                            l,
                            id,
                            format!("invalid fencing level index {v:?}"),
                            "use a whole number, 1 or more".into(),
                        );
                        None
                    }
                },
            };
            if let (Some(t), Some(i)) = (target_key, index) {
                if let Some(first) = seen.get(&(t.clone(), i)) {
                    let first = *first;
                    self.error(
                        l,
                        id,
                        format!("fencing level {i} for this target is already defined on line {}", first.line),
                        "give each level of a target its own index, or list all its devices in one level".into(),
                    );
                } else {
                    seen.insert((t, i), l);
                }
            }
            let devices: Vec<&str> = l
                .attr("devices")
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .collect();
            if devices.is_empty() {
                self.error(
                    l,
                    id,
                    "fencing level lists no devices".into(),
                    "add devices=\"<fence device id>[,<another>...]\"".into(),
                );
            }
            for d in devices {
                match self.resources.get(d) {
                    Some(r) if r.kind == RscKind::Primitive && r.class != Some("stonith") => {
                        self.error(
                            l,
                            id,
                            format!(
                                "fencing level device {d:?} is not a fence device (class {})",
                                r.class.unwrap_or("unknown")
                            ),
                            "list primitives with class=\"stonith\"".into(),
                        );
                    }
                    Some(_) => {}
                    None => {
                        let fence: Vec<&str> = self
                            .resources
                            .iter()
                            .filter(|(_, r)| r.class == Some("stonith"))
                            .map(|(id, _)| *id)
                            .collect();
                        let hint = suggest(d, fence.iter().copied(), || {
                            if fence.is_empty() {
                                "no fence device is configured; add a primitive with class=\"stonith\"".into()
                            } else {
                                format!("use one of: {}", fence.join(", "))
                            }
                        });
                        self.error(
                            l,
                            id,
                            format!("fencing level device {d:?} does not exist"),
                            hint,
                        );
                    }
                }
            }
        }
    }
}

/// Whether a bundle promotes instances (`promoted-max` or the older
/// `masters` on its container above 0).
fn bundle_promotable(bundle: &Element) -> bool {
    bundle
        .elements()
        .filter(|c| matches!(&*c.name, "docker" | "podman" | "rkt"))
        .filter_map(|c| c.attr("promoted-max").or(c.attr("masters")))
        .any(|v| v.trim().parse::<u32>().is_ok_and(|n| n > 0))
}

/// A count: a whole number, 0 or more.
const COUNT: Kind = Kind::Int { min: 0 };

/// How many replicas a bundle runs: its container's `replicas`, by default
/// `promoted-max` when that is positive, else 1.
fn bundle_replicas(bundle: &Element) -> usize {
    let container = bundle
        .elements()
        .find(|c| matches!(&*c.name, "docker" | "podman" | "rkt"));
    let number = |name: &str| {
        container
            .and_then(|c| c.attr(name))
            .and_then(|r| r.trim().parse::<usize>().ok())
    };
    number("replicas")
        .or_else(|| {
            number("promoted-max")
                .or_else(|| number("masters"))
                .filter(|n| *n > 0)
        })
        .unwrap_or(1)
        .min(1024)
}
