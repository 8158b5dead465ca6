//! The fencer with Debian's fence_dummy, configured through a CIB.

use std::time::Duration;

use vigil_cib::Cib;
use vigil_executor::{Runner, RunnerOptions};
use vigil_fencing::drive::fence;
use vigil_fencing::{FenceAction, FenceState, Fencer};

fn cib(status_file: &str) -> String {
    format!(
        r#"<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.9">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2" uname="node2"/>
    </nodes>
    <resources>
      <primitive id="f-broken" class="stonith" type="fence_dummy">
        <instance_attributes id="f-broken-ia">
          <nvpair id="f-broken-type" name="type" value="fail"/>
          <nvpair id="f-broken-list" name="pcmk_host_list" value="node1"/>
          <nvpair id="f-broken-retries" name="pcmk_off_retries" value="0"/>
          <nvpair id="f-broken-wait" name="power_timeout" value="1"/>
        </instance_attributes>
      </primitive>
      <primitive id="f-good" class="stonith" type="fence_dummy">
        <instance_attributes id="f-good-ia">
          <nvpair id="f-good-file" name="status_file" value="{status_file}"/>
          <nvpair id="f-good-map" name="pcmk_host_map" value="node1:1;node2:2"/>
          <nvpair id="f-good-arg" name="pcmk_host_argument" value="none"/>
        </instance_attributes>
      </primitive>
    </resources>
    <constraints/>
    <fencing-topology>
      <fencing-level id="fl-1" target="node1" index="1" devices="f-broken"/>
      <fencing-level id="fl-2" target="node1" index="2" devices="f-good"/>
    </fencing-topology>
  </configuration>
  <status/>
</cib>"#
    )
}

/// A fencer over `xml`'s devices and a runner keeping agent state in `dir`.
fn fencer_and_runner(xml: &str, dir: &std::path::Path) -> (Fencer, Runner) {
    let cib = Cib::parse(xml, "test.xml").unwrap();
    let (fencer, problems) = Fencer::from_cib(&cib, 7);
    assert!(problems.is_empty(), "{problems:?}");
    let runner = Runner::new(RunnerOptions {
        rsctmp: dir.join("rsctmp"),
        ..RunnerOptions::default()
    });
    (fencer, runner)
}

#[test]
fn topology_with_real_fence_agents() {
    if !std::path::Path::new("/usr/sbin/fence_dummy").exists() {
        eprintln!("SKIP: fence_dummy is not installed (apt-get install fence-agents)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("vigil-fence-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let status_file = dir.join("power");
    std::fs::write(&status_file, "on").unwrap();
    let (mut fencer, mut runner) =
        fencer_and_runner(&cib(&status_file.display().to_string()), &dir);
    let mut steps = Vec::new();
    let outcome = fence(
        &mut fencer,
        &mut runner,
        "node1",
        FenceAction::Off,
        "node2",
        Duration::from_secs(60),
        |r| steps.push((r.resource.clone(), r.action.clone(), r.rc.0)),
    );
    assert!(outcome.succeeded, "{outcome:?}");
    assert_eq!(outcome.devices, ["f-good"]);
    assert_eq!(
        steps,
        [
            ("f-broken".into(), "off".into(), 1),
            ("f-good".into(), "off".into(), 0)
        ]
    );
    assert_eq!(std::fs::read_to_string(&status_file).unwrap().trim(), "off");
    // node2 has no topology: the device whose host map names it is used.
    let outcome = fence(
        &mut fencer,
        &mut runner,
        "node2",
        FenceAction::On,
        "node1",
        Duration::from_secs(60),
        |_| {},
    );
    assert!(outcome.succeeded, "{outcome:?}");
    assert_eq!(std::fs::read_to_string(&status_file).unwrap().trim(), "on");
    let history: Vec<(String, FenceState)> = fencer
        .history()
        .iter()
        .map(|h| (h.target.clone(), h.state))
        .collect();
    assert_eq!(
        history,
        [
            ("node1".into(), FenceState::Succeeded),
            ("node2".into(), FenceState::Succeeded)
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_device_without_a_host_list_is_asked_with_status() {
    if !std::path::Path::new("/usr/sbin/fence_dummy").exists() {
        eprintln!("SKIP: fence_dummy is not installed (apt-get install fence-agents)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("vigil-fence-status-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let power = dir.join("power");
    std::fs::write(&power, "on").unwrap();
    let xml = format!(
        r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/>
  <resources>
    <primitive id="pdu" class="stonith" type="fence_dummy">
      <instance_attributes id="pdu-ia">
        <nvpair id="pdu-file" name="status_file" value="{}"/>
      </instance_attributes>
    </primitive>
  </resources><constraints/></configuration><status/></cib>"#,
        power.display()
    );
    let (mut fencer, mut runner) = fencer_and_runner(&xml, &dir);
    let mut steps = Vec::new();
    let outcome = fence(
        &mut fencer,
        &mut runner,
        "node5",
        FenceAction::Off,
        "test",
        Duration::from_secs(60),
        |r| steps.push((r.action.clone(), r.rc.0)),
    );
    assert!(outcome.succeeded, "{outcome:?}");
    // fence_dummy has no list action: asked with status (on: 0), then off.
    assert_eq!(
        steps,
        [("list".into(), 1), ("status".into(), 0), ("off".into(), 0)]
    );
    assert_eq!(std::fs::read_to_string(&power).unwrap(), "off");
    let _ = std::fs::remove_dir_all(&dir);
}
