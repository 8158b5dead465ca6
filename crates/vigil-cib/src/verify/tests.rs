//! One small CIB per check: the problem is reported once, at the right
//! line and id, with a hint; nothing else is reported with it.

use super::verify;
use crate::{Cib, Diagnostic, Severity};

/// Fencing off unless the test is about fencing.
const NO_FENCING: &str = r#"<nvpair id="opt-fencing" name="stonith-enabled" value="false"/>"#;

/// A CIB with two nodes and two primitives A and B, plus the given
/// options, resources, constraints and other sections.
fn cib(options: &str, resources: &str, constraints: &str, extra: &str) -> String {
    format!(
        r#"<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        {options}
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2" uname="node2"/>
    </nodes>
    <resources>
      <primitive id="A" class="ocf" provider="pacemaker" type="Dummy">
        <operations>
          <op id="A-monitor-10s" name="monitor" interval="10s" timeout="20s"/>
        </operations>
      </primitive>
      <primitive id="B" class="ocf" provider="pacemaker" type="Dummy"/>
      {resources}
    </resources>
    <constraints>
      {constraints}
    </constraints>
    {extra}
  </configuration>
  <status/>
</cib>
"#
    )
}

fn check(xml: &str) -> Vec<Diagnostic> {
    let cib = Cib::parse(xml, "test.xml").expect("test CIBs are well-formed");
    verify(&cib).items
}

fn errors(xml: &str) -> Vec<Diagnostic> {
    check(xml)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

fn warnings(xml: &str) -> Vec<Diagnostic> {
    check(xml)
        .into_iter()
        .filter(|d| d.severity == Severity::Warning)
        .collect()
}

/// The line (1-based) of the first line of `xml` containing `needle`.
fn line_of(xml: &str, needle: &str) -> u32 {
    let i = xml
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the test CIB"));
    i as u32 + 1
}

/// Exactly one error: its message contains `what`, it is on the line
/// containing `at` and carries `id`; it has a hint.
#[track_caller]
fn one_error(xml: &str, what: &str, at: &str, id: &str) -> Diagnostic {
    let all = check(xml);
    let errs: Vec<&Diagnostic> = all
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errs.len(), 1, "expected one error, got {all:#?}");
    let e = errs[0].clone();
    assert!(
        e.message.contains(what),
        "{:?} does not mention {what:?}",
        e.message
    );
    assert_eq!(e.line, line_of(xml, at), "wrong line for {e:?}");
    assert_eq!(e.id, id, "wrong id for {e:?}");
    assert!(!e.hint.is_empty(), "no hint in {e:?}");
    e
}

#[track_caller]
fn one_warning(xml: &str, what: &str, id: &str) -> Diagnostic {
    let all = check(xml);
    assert!(
        all.iter().all(|d| d.severity == Severity::Warning),
        "unexpected errors: {all:#?}"
    );
    assert_eq!(all.len(), 1, "expected one warning, got {all:#?}");
    let w = all[0].clone();
    assert!(
        w.message.contains(what),
        "{:?} does not mention {what:?}",
        w.message
    );
    assert_eq!(w.id, id);
    w
}

#[test]
fn a_valid_configuration_has_no_diagnostics() {
    let xml = cib(
        NO_FENCING,
        r#"<clone id="C-clone"><meta_attributes id="C-meta"><nvpair id="C-p" name="promotable" value="true"/></meta_attributes>
             <primitive id="C" class="ocf" provider="pacemaker" type="Stateful">
               <operations>
                 <op id="C-mon-p" name="monitor" interval="10s" role="Promoted"/>
                 <op id="C-mon-u" name="monitor" interval="11s" role="Unpromoted"/>
               </operations>
             </primitive></clone>
           <group id="G"><primitive id="G1" class="systemd" type="httpd"/></group>"#,
        r#"<rsc_location id="l1" rsc="A" node="node1" score="100"/>
           <rsc_colocation id="c1" rsc="G" with-rsc="C-clone" with-rsc-role="Promoted" score="INFINITY"/>
           <rsc_order id="o1" first="C-clone" first-action="promote" then="G" then-action="start" kind="Mandatory"/>
           <rsc_location id="l2" rsc="B">
             <rule id="r1" score="-INFINITY" boolean-op="or">
               <expression id="e1" attribute="pingd" operation="lt" value="1" type="integer"/>
               <date_expression id="d1" operation="in_range" start="2024-01-01"><duration id="du1" months="1"/></date_expression>
             </rule>
           </rsc_location>"#,
        "",
    );
    assert_eq!(check(&xml), vec![]);
}

#[test]
fn duplicate_ids_are_reported_once_at_the_second() {
    let xml = cib(
        NO_FENCING,
        r#"<primitive id="A" class="ocf" provider="heartbeat" type="IPaddr2"/>"#,
        r#"<rsc_location id="l1" rsc="A" node="node1" score="10"/>"#,
        "",
    );
    let e = one_error(&xml, "duplicate id", "provider=\"heartbeat\"", "A");
    assert!(e.message.contains("line 13"), "{e:?}");
}

#[test]
fn dangling_constraint_references_get_one_error_each() {
    let xml = cib(
        NO_FENCING,
        "",
        r#"<rsc_colocation id="c1" rsc="AA" with-rsc="B" score="10"/>"#,
        "",
    );
    let e = one_error(
        &xml,
        "rsc=\"AA\" names a resource that does not exist",
        "c1",
        "c1",
    );
    assert_eq!(e.hint, "did you mean \"A\"?");
    for constraint in [
        r#"<rsc_location id="x" rsc="NOPE" node="node1" score="10"/>"#,
        r#"<rsc_order id="x" first="A" then="NOPE"/>"#,
        r#"<rsc_ticket id="x" ticket="T" rsc="NOPE"/>"#,
        r#"<rsc_order id="x"><resource_set id="s"><resource_ref id="A"/><resource_ref id="NOPE"/></resource_set></rsc_order>"#,
    ] {
        let xml = cib(NO_FENCING, "", constraint, "");
        let errs = errors(&xml);
        assert_eq!(errs.len(), 1, "{constraint}: {errs:#?}");
        assert!(errs[0].message.contains("\"NOPE\""), "{errs:#?}");
    }
}

#[test]
fn constraints_must_name_the_clone_not_its_child() {
    let xml = cib(
        NO_FENCING,
        r#"<clone id="C-clone"><primitive id="C" class="ocf" provider="pacemaker" type="Dummy"/></clone>"#,
        r#"<rsc_colocation id="c1" rsc="A" with-rsc="C" score="10"/>"#,
        "",
    );
    let e = one_error(&xml, "the primitive inside clone C-clone", "c1", "c1");
    assert!(e.hint.contains("with-rsc=\"C-clone\""), "{e:?}");
}

#[test]
fn group_members_may_be_constrained() {
    let xml = cib(
        NO_FENCING,
        r#"<group id="G"><primitive id="G1" class="ocf" provider="pacemaker" type="Dummy"/></group>"#,
        r#"<rsc_order id="o1" first="A" then="G1"/>"#,
        "",
    );
    assert_eq!(check(&xml), vec![]);
}

#[test]
fn a_broken_resource_does_not_cascade_into_its_constraints() {
    // The primitive has no class; the constraints naming it are fine.
    let xml = cib(
        NO_FENCING,
        r#"<primitive id="X" type="Dummy"/>"#,
        r#"<rsc_location id="l1" rsc="X" node="node1" score="10"/>
           <rsc_order id="o1" first="X" then="A"/>"#,
        "",
    );
    one_error(&xml, "primitive has no class", "id=\"X\"", "X");
}

#[test]
fn a_misspelt_attribute_is_one_error() {
    // "intreval" is the problem; "has no interval" would be a cascade.
    let xml = cib(
        NO_FENCING,
        r#"<primitive id="X" class="ocf" provider="pacemaker" type="Dummy">
             <operations><op id="X-mon" name="monitor" intreval="10s"/></operations>
           </primitive>"#,
        "",
        "",
    );
    let e = one_error(&xml, "unknown attribute \"intreval\"", "X-mon", "X-mon");
    assert_eq!(e.hint, "did you mean \"interval\"?");
}

#[test]
fn an_invalid_attribute_deep_in_a_clone_is_one_error() {
    // With a schema validator, one bad attribute drops the whole clone and
    // every constraint naming it is reported as a dangling reference.
    let xml = cib(
        NO_FENCING,
        r#"<clone id="drbd-clone">
             <meta_attributes id="drbd-meta"><nvpair id="drbd-prom" name="promotable" value="true"/></meta_attributes>
             <primitive id="drbd" class="ocf" provider="linbit" type="drbd" bogus="1"/>
           </clone>"#,
        r#"<rsc_order id="o1" first="drbd-clone" first-action="promote" then="A" then-action="start"/>
           <rsc_colocation id="c1" rsc="A" with-rsc="drbd-clone" with-rsc-role="Promoted" score="INFINITY"/>"#,
        "",
    );
    one_error(&xml, "unknown attribute \"bogus\"", "bogus", "drbd");
}

#[test]
fn a_misspelt_element_is_one_error() {
    let xml = cib(
        NO_FENCING,
        r#"<primitve id="X" class="ocf" provider="pacemaker" type="Dummy"/>"#,
        r#"<rsc_location id="l1" rsc="X" node="node1" score="10"/>"#,
        "",
    );
    let e = one_error(&xml, "unknown element <primitve>", "primitve", "X");
    assert_eq!(e.hint, "did you mean \"primitive\"?");
}

#[test]
fn tags_and_templates() {
    let extra = r#"<tags><tag id="T"><obj_ref id="A"/><obj_ref id="NOPE"/></tag></tags>"#;
    let xml = cib(NO_FENCING, "", "", extra);
    one_error(&xml, "tag refers to \"NOPE\"", "NOPE", "T");

    let xml = cib(
        NO_FENCING,
        r#"<template id="tmpl" class="ocf" provider="pacemaker" type="Dummy"/>
           <primitive id="X" template="tmpl"/>
           <primitive id="Y" template="tmpl2"/>"#,
        r#"<rsc_location id="l1" rsc="tmpl" node="node1" score="10"/>"#,
        "",
    );
    let e = one_error(
        &xml,
        "template \"tmpl2\", which does not exist",
        "id=\"Y\"",
        "Y",
    );
    assert_eq!(e.hint, "did you mean \"tmpl\"?");

    // A tag used in a constraint may only list resources.
    let extra = r#"<tags><tag id="T"><obj_ref id="A"/><obj_ref id="opt-fencing"/></tag></tags>"#;
    let xml = cib(
        NO_FENCING,
        "",
        r#"<rsc_location id="l1" rsc="T" node="node1" score="10"/>"#,
        extra,
    );
    one_error(&xml, "contains opt-fencing (a <nvpair>)", "l1", "l1");

    // Two tags cannot be colocated.
    let extra =
        r#"<tags><tag id="T1"><obj_ref id="A"/></tag><tag id="T2"><obj_ref id="B"/></tag></tags>"#;
    let xml = cib(
        NO_FENCING,
        "",
        r#"<rsc_colocation id="c1" rsc="T1" with-rsc="T2" score="10"/>"#,
        extra,
    );
    one_error(&xml, "two tags or templates", "c1", "c1");
}

#[test]
fn id_refs_must_name_an_existing_element_of_the_same_kind() {
    let xml = cib(
        NO_FENCING,
        r#"<primitive id="X" class="ocf" provider="pacemaker" type="Dummy"><operations id-ref="NOPE"/></primitive>"#,
        "",
        "",
    );
    one_error(
        &xml,
        "id-ref=\"NOPE\" refers to an id that does not exist",
        "NOPE",
        "X",
    );

    let xml = cib(
        NO_FENCING,
        r#"<primitive id="X" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id-ref="opt-fencing"/></primitive>"#,
        "",
        "",
    );
    one_error(&xml, "refers to a <nvpair>", "id-ref", "X");
}

#[test]
fn invalid_values_in_constraints() {
    for (constraint, what) in [
        (
            r#"<rsc_location id="x" rsc="A" node="node1" score="lots"/>"#,
            "invalid score \"lots\"",
        ),
        (
            r#"<rsc_colocation id="x" rsc="A" with-rsc="B" score="10" rsc-role="Boss"/>"#,
            "invalid rsc-role \"Boss\"",
        ),
        (
            r#"<rsc_order id="x" first="A" then="B" first-action="migrate"/>"#,
            "invalid first-action \"migrate\"",
        ),
        (
            r#"<rsc_order id="x" first="A" then="B" kind="Sometimes"/>"#,
            "invalid kind \"Sometimes\"",
        ),
        (
            r#"<rsc_order id="x" first="A" then="B" symmetrical="perhaps"/>"#,
            "invalid symmetrical \"perhaps\"",
        ),
        (
            r#"<rsc_colocation id="x" rsc="A" with-rsc="B" influence="maybe"/>"#,
            "invalid influence \"maybe\"",
        ),
        (
            r#"<rsc_ticket id="x" ticket="T" rsc="A" loss-policy="panic"/>"#,
            "invalid loss-policy \"panic\"",
        ),
        (
            r#"<rsc_location id="x" rsc="A" node="node1" score="1" resource-discovery="sometimes"/>"#,
            "invalid resource-discovery",
        ),
        (
            r#"<rsc_location id="x" rsc="A" node="node1"/>"#,
            "a node but no score",
        ),
        (
            r#"<rsc_location id="x" rsc-pattern="([" node="node1" score="1"/>"#,
            "not a valid regular expression",
        ),
        (
            r#"<rsc_order id="x" first="A"/>"#,
            "needs both first and then",
        ),
    ] {
        let xml = cib(NO_FENCING, "", constraint, "");
        let errs = errors(&xml);
        assert_eq!(errs.len(), 1, "{constraint}: {errs:#?}");
        assert!(errs[0].message.contains(what), "{constraint}: {errs:#?}");
        assert_eq!(errs[0].id, "x");
        assert!(!errs[0].hint.is_empty());
    }
}

#[test]
fn roles_and_actions_that_need_a_promotable_resource() {
    let xml = cib(
        NO_FENCING,
        "",
        r#"<rsc_colocation id="c1" rsc="A" with-rsc="B" with-rsc-role="Promoted" score="10"/>"#,
        "",
    );
    one_warning(&xml, "B is not promotable", "c1");

    let xml = cib(
        NO_FENCING,
        r#"<primitive id="X" class="ocf" provider="pacemaker" type="Dummy">
             <meta_attributes id="X-meta"><nvpair id="X-role" name="target-role" value="Promoted"/></meta_attributes>
           </primitive>"#,
        "",
        "",
    );
    one_error(
        &xml,
        "target-role=Promoted on X, which is not promotable",
        "X-role",
        "X-role",
    );
}

#[test]
fn resource_classes_providers_and_types() {
    for (rsc, what) in [
        (r#"<primitive id="X" type="Dummy"/>"#, "has no class"),
        (
            r#"<primitive id="X" class="foo" type="Dummy"/>"#,
            "unknown resource class \"foo\"",
        ),
        (
            r#"<primitive id="X" class="ocf" type="Dummy"/>"#,
            "OCF resource has no provider",
        ),
        (
            r#"<primitive id="X" class="lsb" provider="heartbeat" type="foo"/>"#,
            "a lsb resource has a provider",
        ),
        (
            r#"<primitive id="X" class="ocf" provider="heartbeat"/>"#,
            "has no type",
        ),
    ] {
        let xml = cib(NO_FENCING, rsc, "", "");
        one_error(&xml, what, "id=\"X\"", "X");
    }
    let xml = cib(
        NO_FENCING,
        r#"<primitive id="X" class="ocff" provider="heartbeat" type="Dummy"/>"#,
        "",
        "",
    );
    assert_eq!(
        one_error(&xml, "unknown resource class", "X", "X").hint,
        "did you mean \"ocf\"?"
    );
}

#[test]
fn clones_groups_and_bundles() {
    // Only OCF agents can be promoted.
    let xml = cib(
        NO_FENCING,
        r#"<clone id="X-clone">
             <meta_attributes id="X-meta"><nvpair id="X-prom" name="promotable" value="true"/></meta_attributes>
             <primitive id="X" class="systemd" type="httpd"/>
           </clone>"#,
        "",
        "",
    );
    one_error(
        &xml,
        "class systemd, which cannot be promoted",
        "class=\"systemd\"",
        "X",
    );

    // Anonymous-only classes ignore globally-unique.
    let xml = cib(
        NO_FENCING,
        r#"<clone id="X-clone">
             <meta_attributes id="X-meta"><nvpair id="X-gu" name="globally-unique" value="true"/></meta_attributes>
             <primitive id="X" class="lsb" type="foo"/>
           </clone>"#,
        "",
        "",
    );
    one_warning(&xml, "globally-unique is ignored", "X-clone");

    // Groups hold primitives only.
    let xml = cib(
        NO_FENCING,
        r#"<group id="G"><clone id="GC"><primitive id="X" class="ocf" provider="pacemaker" type="Dummy"/></clone></group>"#,
        "",
        "",
    );
    let e = one_error(&xml, "group contains a <clone> (GC)", "GC", "G");
    assert!(e.hint.contains("clone > group > primitives"));

    let xml = cib(NO_FENCING, r#"<group id="G"/>"#, "", "");
    one_error(&xml, "group has no members", "id=\"G\"", "G");

    let xml = cib(NO_FENCING, r#"<clone id="C"/>"#, "", "");
    one_error(
        &xml,
        "clone has no primitive or group inside",
        "id=\"C\"",
        "C",
    );

    let xml = cib(NO_FENCING, r#"<bundle id="BB"><network/></bundle>"#, "", "");
    one_error(&xml, "bundle has no container", "id=\"BB\"", "BB");

    // A bundle with promoted-max makes its primitive promotable.
    let xml = cib(
        NO_FENCING,
        r#"<bundle id="BB"><podman image="img" promoted-max="1"/>
             <primitive id="X" class="ocf" provider="pacemaker" type="Stateful">
               <operations><op id="X-mon" name="monitor" interval="10s" role="Promoted"/></operations>
             </primitive></bundle>"#,
        "",
        "",
    );
    assert_eq!(check(&xml), vec![]);
}

#[test]
fn operations() {
    let op = |ops: &str| {
        cib(
            NO_FENCING,
            &format!(
                r#"<primitive id="X" class="ocf" provider="pacemaker" type="Dummy"><operations>{ops}</operations></primitive>"#
            ),
            "",
            "",
        )
    };
    for (ops, what) in [
        (
            r#"<op id="o" name="monitor" interval="soon"/>"#,
            "invalid interval \"soon\"",
        ),
        (
            r#"<op id="o" name="monitor" interval="10s" timeout="5 months"/>"#,
            "invalid timeout \"5 months\"",
        ),
        (
            r#"<op id="o" name="monitor" interval="10s" on-fail="explode"/>"#,
            "invalid on-fail \"explode\"",
        ),
        (
            r#"<op id="o" name="monitor" interval="10s" enabled="perhaps"/>"#,
            "invalid enabled \"perhaps\"",
        ),
        (
            r#"<op id="o" name="monitor" interval="10s" role="Boss"/>"#,
            "invalid role \"Boss\"",
        ),
        (
            r#"<op id="o" name="start" interval="10s"/>"#,
            "only monitor operations can recur",
        ),
        (
            r#"<op id="o" name="stop" interval="0" on-fail="stop"/>"#,
            "on-fail=stop is not allowed for a stop",
        ),
        (
            r#"<op id="o" name="start" interval="0" on-fail="demote"/>"#,
            "on-fail=demote is not allowed for a start",
        ),
        (
            r#"<op id="o" name="start" interval="0" on-fail="fence"/>"#,
            "fencing is disabled",
        ),
        (
            r#"<op id="o" name="monitor"/>"#,
            "operation has no interval",
        ),
    ] {
        let xml = op(ops);
        one_error(&xml, what, "id=\"o\"", "o");
    }
    // The same name and interval twice: an error for recurring operations
    // (however the interval is written), a warning for one-off ones.
    let xml = op(r#"<op id="m1" name="monitor" interval="10s"/>
                    <op id="m2" name="monitor" interval="10000ms"/>"#);
    let e = one_error(&xml, "duplicates m1", "id=\"m2\"", "m2");
    assert!(e.hint.contains("once per resource"));
    let xml = op(r#"<op id="s1" name="start" interval="0"/>
                    <op id="s2" name="start" interval="0s"/>"#);
    one_warning(&xml, "defined again", "s2");
    // ISO 8601 intervals and the usual spellings are fine.
    let xml = op(
        r#"<op id="m1" name="monitor" interval="PT30S" timeout="1min"/>
                    <op id="m2" name="monitor" interval="45" timeout="90s" start-delay="5s"/>"#,
    );
    assert_eq!(check(&xml), vec![]);
}

#[test]
fn rules_and_date_expressions() {
    let rule = |inner: &str| {
        cib(
            NO_FENCING,
            "",
            &format!(
                r#"<rsc_location id="l1" rsc="A"><rule id="r1" score="10">{inner}</rule></rsc_location>"#
            ),
            "",
        )
    };
    for (inner, what, id) in [
        (
            r#"<expression id="e" attribute="x" operation="equals" value="1"/>"#,
            "invalid expression operation \"equals\"",
            "e",
        ),
        (
            r#"<expression id="e" attribute="x" operation="eq" value="1" type="float"/>"#,
            "invalid expression type \"float\"",
            "e",
        ),
        (
            r#"<expression id="e" attribute="x" operation="eq"/>"#,
            "no value to compare with",
            "e",
        ),
        (
            r#"<expression id="e" operation="defined"/>"#,
            "has no attribute",
            "e",
        ),
        (
            r#"<date_expression id="e" operation="gt" start="yesterday"/>"#,
            "start=\"yesterday\" is not a valid date",
            "e",
        ),
        (
            r#"<date_expression id="e" operation="gt" end="2024-01-01"/>"#,
            "date_expression gt is incomplete",
            "e",
        ),
        (
            r#"<date_expression id="e" operation="before" start="2024-01-01"/>"#,
            "invalid date_expression operation",
            "e",
        ),
        (
            r#"<date_expression id="e" operation="date_spec"><date_spec id="ds" hours="9-17x"/></date_expression>"#,
            "hours=\"9-17x\" is not a number or a range",
            "ds",
        ),
        (
            r#"<date_expression id="e" operation="in_range" start="2024-01-01"><duration id="du" months="x"/></date_expression>"#,
            "months=\"x\" is not a whole number",
            "du",
        ),
    ] {
        let xml = rule(inner);
        let errs = errors(&xml);
        assert_eq!(errs.len(), 1, "{inner}: {errs:#?}");
        assert!(errs[0].message.contains(what), "{inner}: {errs:#?}");
        assert_eq!(errs[0].id, id);
    }
    let xml = cib(
        NO_FENCING,
        "",
        r#"<rsc_location id="l1" rsc="A"><rule id="r1" score="10" boolean-op="xor"><expression id="e" attribute="x" operation="defined"/></rule></rsc_location>"#,
        "",
    );
    one_error(&xml, "invalid boolean-op \"xor\"", "xor", "r1");
    let xml = cib(
        NO_FENCING,
        "",
        r#"<rsc_location id="l1" rsc="A"><rule id="r1" score="10"/></rsc_location>"#,
        "",
    );
    one_error(&xml, "rule has no conditions", "r1", "r1");
    // An integer comparison with a value that is not one still works
    // (Pacemaker reads what it can): a warning.
    let xml =
        rule(r#"<expression id="e" attribute="x" operation="gt" value="3.6" type="integer"/>"#);
    one_warning(&xml, "is not an integer", "e");
}

#[test]
fn cluster_options() {
    let xml = cib(
        &format!(r#"{NO_FENCING}<nvpair id="o1" name="no-quorum-polcy" value="ignore"/>"#),
        "",
        "",
        "",
    );
    let w = one_warning(&xml, "unknown cluster option \"no-quorum-polcy\"", "o1");
    assert_eq!(w.hint, "did you mean \"no-quorum-policy\"?");

    for (opt, what) in [
        (
            r#"<nvpair id="o1" name="symmetric-cluster" value="maybe"/>"#,
            "invalid value \"maybe\" for cluster option symmetric-cluster",
        ),
        (
            r#"<nvpair id="o1" name="no-quorum-policy" value="panic"/>"#,
            "invalid value \"panic\"",
        ),
        (
            r#"<nvpair id="o1" name="cluster-recheck-interval" value="soon"/>"#,
            "invalid value \"soon\"",
        ),
        (
            r#"<nvpair id="o1" name="placement-strategy" value="best"/>"#,
            "invalid value \"best\"",
        ),
    ] {
        let xml = cib(&format!("{NO_FENCING}{opt}"), "", "", "");
        one_error(&xml, what, "o1", "o1");
    }
    // Pacemaker 3 spellings are accepted.
    let xml = cib(
        r#"<nvpair id="o1" name="fencing-enabled" value="false"/><nvpair id="o2" name="no-quorum-policy" value="fence"/>"#,
        "",
        "",
        "",
    );
    assert_eq!(check(&xml), vec![]);
    // Agents keep private data here; that is not worth a warning.
    let xml = cib(
        &format!(r#"{NO_FENCING}<nvpair id="o1" name="redis_REPL_INFO" value="node1"/>"#),
        "",
        "",
        "",
    );
    assert_eq!(check(&xml), vec![]);
}

#[test]
fn fencing_enabled_without_devices() {
    // stonith-enabled defaults to true.
    let xml = cib("", "", "", "");
    let e = one_error(
        &xml,
        "no fence device is configured",
        "cib-bootstrap-options",
        "cib-bootstrap-options",
    );
    assert!(e.message.contains("by default"));
    assert!(e.hint.contains("class=\"stonith\""));
    assert!(e.hint.contains("stonith-enabled=false"));

    let xml = cib(
        r#"<nvpair id="se" name="stonith-enabled" value="true"/>"#,
        "",
        "",
        "",
    );
    one_error(&xml, "(stonith-enabled=true)", "id=\"se\"", "se");

    // A fence device, or watchdog (SBD) fencing, satisfies it.
    let xml = cib(
        "",
        r#"<primitive id="fence" class="stonith" type="fence_ipmilan"/>"#,
        "",
        "",
    );
    assert_eq!(check(&xml), vec![]);
    let xml = cib(
        r#"<nvpair id="w" name="have-watchdog" value="true"/>"#,
        "",
        "",
        "",
    );
    assert_eq!(check(&xml), vec![]);

    // An invalid setting is the one problem reported, not also "no device".
    let xml = cib(
        r#"<nvpair id="se" name="stonith-enabled" value="flase"/>"#,
        "",
        "",
        "",
    );
    one_error(&xml, "invalid value \"flase\"", "flase", "se");
}

#[test]
fn fencing_topology() {
    let xml = cib(
        "",
        r#"<primitive id="fence1" class="stonith" type="fence_ipmilan"/>"#,
        "",
        r#"<fencing-topology>
             <fencing-level id="fl1" target="node1" index="1" devices="fence1"/>
             <fencing-level id="fl2" target="node1" index="1" devices="fence1"/>
             <fencing-level id="fl3" target="node2" index="2" devices="fence2"/>
             <fencing-level id="fl4" target="node2" index="3" devices="A"/>
           </fencing-topology>"#,
    );
    let errs = errors(&xml);
    assert_eq!(errs.len(), 3, "{errs:#?}");
    assert!(errs[0].message.contains("already defined"));
    assert!(errs[1].message.contains("\"fence2\" does not exist"));
    assert_eq!(errs[1].hint, "did you mean \"fence1\"?");
    assert!(errs[2].message.contains("\"A\" is not a fence device"));
}

#[test]
fn meta_attributes() {
    let meta = |pairs: &str| {
        cib(
            NO_FENCING,
            &format!(
                r#"<primitive id="X" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="X-meta">{pairs}</meta_attributes></primitive>"#
            ),
            "",
            "",
        )
    };
    for (pair, what) in [
        (
            r#"<nvpair id="m" name="target-role" value="Running"/>"#,
            "invalid value \"Running\" for meta-attribute target-role",
        ),
        (
            r#"<nvpair id="m" name="is-managed" value="kinda"/>"#,
            "invalid value \"kinda\"",
        ),
        (
            r#"<nvpair id="m" name="requires" value="luck"/>"#,
            "invalid value \"luck\"",
        ),
        (
            r#"<nvpair id="m" name="resource-stickiness" value="lots"/>"#,
            "invalid value \"lots\"",
        ),
        (
            r#"<nvpair id="m" name="failure-timeout" value="later"/>"#,
            "invalid value \"later\"",
        ),
        (
            r#"<nvpair id="m" name="container" value="NOPE"/>"#,
            "container=\"NOPE\"",
        ),
    ] {
        one_error(&meta(pair), what, "id=\"m\"", "m");
    }
    let w = one_warning(
        &meta(r#"<nvpair id="m" name="resource-stickines" value="100"/>"#),
        "unknown meta-attribute",
        "m",
    );
    assert_eq!(w.hint, "did you mean \"resource-stickiness\"?");
    one_warning(
        &meta(r#"<nvpair id="m" name="priority" value="1.0"/>"#),
        "reads it as 1",
        "m",
    );
    one_warning(
        &meta(r##"<nvpair id="m" name="target-role" value="#default"/>"##),
        "#default",
        "m",
    );
    one_warning(
        &meta(r#"<nvpair id="m" name="clone-max" value="2"/>"#),
        "clone option clone-max",
        "m",
    );
    one_warning(
        &meta(r#"<nvpair id="m" name="requires" value="fencing"/>"#),
        "fencing is disabled",
        "m",
    );
}

#[test]
fn deprecated_forms_are_warnings() {
    let xml = cib(
        &format!(r#"{NO_FENCING}<nvpair id="o1" name="stonith-action" value="poweroff"/>"#),
        r#"<master id="M"><primitive id="X" class="ocf" provider="pacemaker" type="Stateful"/></master>"#,
        r#"<rsc_order id="o2" first="A" then="B" require-all="false"/>"#,
        "",
    );
    let ws = warnings(&xml);
    assert_eq!(errors(&xml), vec![]);
    let text: Vec<&str> = ws.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(ws.len(), 3, "{text:#?}");
    assert!(text[0].contains("poweroff is deprecated"));
    assert!(text[1].contains("<master> is deprecated"));
    assert!(text[2].contains("require-all"));
}

#[test]
fn sections_and_reader_problems() {
    let xml = r#"<cib><configuration><crm_config/><nodes/><resources/></configuration></cib>"#;
    let all = check(xml);
    assert!(
        all.iter()
            .any(|d| d.message.contains("no <constraints> section")),
        "{all:#?}"
    );

    let xml = r#"<cib><status/></cib>"#;
    let e = one_error(xml, "no <configuration> section", "<cib>", "");
    assert!(e.hint.contains("<configuration>"));
}

#[test]
fn diagnostics_render_as_one_line() {
    let xml = cib(
        NO_FENCING,
        "",
        r#"<rsc_order id="o1" first="A" then="B" kind="Mandtory"/>"#,
        "",
    );
    let e = one_error(&xml, "invalid kind", "o1", "o1");
    assert_eq!(
        e.render("cib.xml"),
        format!(
            "cib.xml:{}: error: invalid kind \"Mandtory\" (id o1): did you mean \"Mandatory\"?",
            e.line
        )
    );
}
