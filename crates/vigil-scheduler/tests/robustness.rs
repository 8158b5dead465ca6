//! Regressions for inputs that once crashed the loader or the scheduler
//! (found by the fuzz targets in `fuzz/` and by `tests/mutation.rs`). Each
//! case is the minimized input; it must schedule without a panic, and,
//! where Pacemaker's answer is known, give crm_simulate's answer.

use vigil_cib::Cib;
use vigil_cib::time::DateTime;

/// A two-node cluster (n1, n2, both online, fencing off) with the given
/// resources, constraints and extra configuration sections.
fn two_nodes(resources: &str, constraints: &str, extra: &str) -> String {
    format!(
        r#"<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
    <resources>{resources}</resources>
    <constraints>{constraints}</constraints>
    {extra}
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>"#
    )
}

const DUMMY_A: &str = r#"<primitive id="A" class="ocf" provider="heartbeat" type="Dummy"/>"#;

/// The transition summary lines of a CIB scheduled at a fixed time.
fn summary(xml: &str) -> Vec<String> {
    let cib = Cib::parse(xml, "case.xml").expect("the case is well-formed");
    let now = DateTime::from_epoch(1_700_000_000);
    let (current, _) = vigil_scheduler::current_state(&cib, &now);
    let _ = vigil_scheduler::display::status_text(&current);
    let _ = vigil_cib::verify::verify(&cib);
    vigil_scheduler::schedule(&cib, &now)
        .summary
        .into_iter()
        .map(|l| l.text.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Tags naming each other recursed without end (a stack overflow). A tag's
/// members are resources only: crm_simulate 2.1.5 ignores the bans below,
/// which reach `A` only through a tag inside a tag, and starts `A`.
#[test]
fn tags_that_contain_each_other() {
    let bans = r#"<rsc_location id="l1" rsc="tag1" node="n1" score="-INFINITY"/>
                  <rsc_location id="l2" rsc="tag1" node="n2" score="-INFINITY"/>"#;
    let cycle = r#"<tags><tag id="tag1"><obj_ref id="tag2"/></tag>
                         <tag id="tag2"><obj_ref id="tag1"/><obj_ref id="A"/></tag></tags>"#;
    assert_eq!(
        summary(&two_nodes(DUMMY_A, bans, cycle)),
        ["* Start A ( n1 )"]
    );
    let own = r#"<tags><tag id="tag1"><obj_ref id="tag1"/></tag></tags>"#;
    assert_eq!(
        summary(&two_nodes(DUMMY_A, bans, own)),
        ["* Start A ( n1 )"]
    );
}
