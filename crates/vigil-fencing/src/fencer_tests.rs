//! The fencer driven by hand, with made-up agent results.

use super::*;
use vigil_executor::{ExecStatus, OpResult};

fn device(id: &str, attrs: &[(&str, &str)]) -> Device {
    let attrs = attrs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut problems = Vec::new();
    let d = Device::new(id, "fence_dummy".parse().unwrap(), attrs, 1, &mut problems);
    assert!(problems.is_empty());
    d
}

fn level(index: u32, target: &str, devices: &[&str]) -> FencingLevel {
    FencingLevel {
        id: format!("fl-{target}-{index}"),
        index,
        target: Some(target.to_string()),
        target_pattern: None,
        target_attribute: None,
        target_value: None,
        devices: devices.iter().map(|d| d.to_string()).collect(),
        line: 0,
    }
}

fn reply(op: &Operation, rc: OcfRc, stdout: &str) -> OpResult {
    OpResult {
        call_id: vigil_executor::CallId(0),
        resource: op.resource.clone(),
        agent: op.agent.clone(),
        action: op.action.clone(),
        interval: Duration::ZERO,
        status: ExecStatus::Done,
        rc,
        exit: None,
        exit_reason: (rc != OcfRc::OK).then(|| "it broke".to_string()),
        exec_time: Duration::ZERO,
        queue_time: Duration::ZERO,
        stdout: stdout.to_string(),
        stderr: String::new(),
    }
}

/// Run the fencer to its outcome, answering each operation with `answer`;
/// returns the outcome and the (device, action, port) of every operation.
fn run(
    f: &mut Fencer,
    target: &str,
    action: FenceAction,
    mut answer: impl FnMut(&Operation) -> (OcfRc, String),
) -> (FenceOutcome, Vec<(String, String, Option<String>)>) {
    let mut seen = Vec::new();
    let mut now = Duration::ZERO;
    f.request(now, target, action, "node2", DEFAULT_FENCING_TIMEOUT);
    loop {
        let Some(out) = f.poll_output() else {
            let t = f.poll_timeout().expect("waiting on something");
            now = t;
            f.handle_timeout(now);
            continue;
        };
        match out {
            Output::Execute { token, operation } => {
                assert_eq!(
                    operation.params.get("nodename").map(String::as_str),
                    Some(target)
                );
                seen.push((
                    operation.resource.clone(),
                    operation.action.clone(),
                    operation.params.get("port").cloned(),
                ));
                let (rc, stdout) = answer(&operation);
                f.handle_result(now, token, &reply(&operation, rc, &stdout));
            }
            Output::Done(o) => return (o, seen),
        }
    }
}

fn step(d: &str, a: &str, port: &str) -> (String, String, Option<String>) {
    (d.to_string(), a.to_string(), Some(port.to_string()))
}

#[test]
fn a_static_list_picks_the_device_and_maps_the_port() {
    let mut f = Fencer::new(
        vec![
            device("f-other", &[("pcmk_host_list", "node3")]),
            device(
                "f-map",
                &[("pcmk_host_map", "node1:7;node3:8"), ("status_file", "/x")],
            ),
        ],
        Vec::new(),
        1,
    );
    let (o, seen) = run(&mut f, "node1", FenceAction::Off, |_| {
        (OcfRc::OK, String::new())
    });
    assert!(o.succeeded, "{o:?}");
    assert_eq!(o.devices, ["f-map"]);
    assert_eq!(seen, [step("f-map", "off", "7")]);
    let h = &f.history()[0];
    assert_eq!(
        (h.state, h.target.as_str(), h.origin.as_str()),
        (FenceState::Succeeded, "node1", "node2")
    );
}

#[test]
fn topology_falls_through_to_the_next_level_and_reboots_dual_supplies_off_then_on() {
    let mut f = Fencer::new(
        vec![
            device("ipmi", &[("pcmk_host_list", "node1")]),
            device("psu-a", &[("pcmk_host_map", "node1:1")]),
            device("psu-b", &[("pcmk_host_map", "node1:2")]),
        ],
        vec![
            level(2, "node1", &["psu-a", "psu-b"]),
            level(1, "node1", &["ipmi"]),
        ],
        1,
    );
    let (o, seen) = run(&mut f, "node1", FenceAction::Reboot, |op| {
        if op.resource == "ipmi" {
            (OcfRc::ERR_GENERIC, String::new())
        } else {
            (OcfRc::OK, String::new())
        }
    });
    assert!(o.succeeded, "{o:?}");
    assert_eq!(o.devices, ["psu-a", "psu-b"]);
    assert_eq!(
        seen,
        [
            // Level 1: tried, then retried twice (pcmk_reboot_retries = 2).
            step("ipmi", "reboot", "node1"),
            step("ipmi", "reboot", "node1"),
            step("ipmi", "reboot", "node1"),
            step("psu-a", "off", "1"),
            step("psu-b", "off", "2"),
            step("psu-a", "on", "1"),
            step("psu-b", "on", "2"),
        ]
    );
}

#[test]
fn every_level_failing_is_a_failure_with_the_reasons() {
    let mut f = Fencer::new(
        vec![device(
            "ipmi",
            &[("pcmk_host_list", "node1"), ("pcmk_off_retries", "0")],
        )],
        vec![
            level(1, "node1", &["ipmi"]),
            level(2, "node1", &["missing"]),
        ],
        1,
    );
    let (o, _) = run(&mut f, "node1", FenceAction::Off, |_| {
        (OcfRc::ERR_GENERIC, String::new())
    });
    assert!(!o.succeeded);
    assert_eq!(
        o.reason.as_deref(),
        Some("ipmi off of node1 failed: it broke; fencing device missing is not configured")
    );
    assert_eq!(f.history()[0].state, FenceState::Failed);
}

#[test]
fn dynamic_list_asks_the_device_which_ports_it_has() {
    let mut f = Fencer::new(
        vec![
            device("pdu1", &[("pcmk_host_check", "dynamic-list")]),
            device("pdu2", &[]),
        ],
        Vec::new(),
        1,
    );
    let (o, seen) = run(&mut f, "node9", FenceAction::Off, |op| {
        match (op.resource.as_str(), op.action.as_str()) {
            ("pdu1", "list") => (OcfRc::OK, "node1,n1\nnode2\n".into()),
            ("pdu2", "list") => (OcfRc::OK, "node8\nnode9,rack9\n".into()),
            _ => (OcfRc::OK, String::new()),
        }
    });
    assert!(o.succeeded);
    assert_eq!(o.devices, ["pdu2"]);
    assert_eq!(seen.iter().filter(|s| s.1 == "list").count(), 2);
    assert_eq!(seen.last().unwrap(), &step("pdu2", "off", "node9"));
    // The lists are remembered: the next request asks no one.
    let (_, seen) = run(&mut f, "node1", FenceAction::Off, |_| {
        (OcfRc::OK, String::new())
    });
    assert_eq!(seen, [step("pdu1", "off", "node1")]);
}

#[test]
fn status_check_uses_devices_that_know_the_node() {
    let mut f = Fencer::new(
        vec![
            device("a", &[("pcmk_host_check", "status")]),
            device(
                "b",
                &[("pcmk_host_check", "status"), ("pcmk_off_action", "reboot")],
            ),
        ],
        Vec::new(),
        1,
    );
    let (o, seen) = run(&mut f, "node1", FenceAction::Off, |op| {
        match (op.resource.as_str(), op.action.as_str()) {
            ("a", "status") => (OcfRc::ERR_GENERIC, String::new()),
            ("b", "status") => (OcfRc::NOT_RUNNING, String::new()),
            _ => (OcfRc::OK, String::new()),
        }
    });
    assert!(o.succeeded);
    assert_eq!(
        seen.last().unwrap(),
        &step("b", "reboot", "node1"),
        "pcmk_off_action remaps"
    );
}

#[test]
fn no_capable_device_fails_at_once() {
    let mut f = Fencer::new(
        vec![device("a", &[("pcmk_host_list", "node1")])],
        Vec::new(),
        1,
    );
    let (o, seen) = run(&mut f, "node7", FenceAction::Reboot, |_| {
        unreachable!("nothing runs")
    });
    assert!(seen.is_empty());
    assert_eq!(
        o.reason.as_deref(),
        Some("no fencing device can fence node7")
    );
}

#[test]
fn the_first_device_waits_its_delay() {
    let mut f = Fencer::new(
        vec![device(
            "a",
            &[
                ("pcmk_host_list", "node1"),
                ("pcmk_delay_base", "3s"),
                ("pcmk_delay_max", "2s"),
            ],
        )],
        Vec::new(),
        42,
    );
    f.request(
        Duration::ZERO,
        "node1",
        FenceAction::Off,
        "me",
        DEFAULT_FENCING_TIMEOUT,
    );
    assert!(f.poll_output().is_none(), "nothing before the delay");
    let at = f.poll_timeout().unwrap();
    assert!(
        at >= Duration::from_secs(3) && at < Duration::from_secs(5),
        "{at:?}"
    );
    f.handle_timeout(at);
    assert!(matches!(f.poll_output(), Some(Output::Execute { .. })));
}

#[test]
fn a_duplicate_request_joins_the_one_in_progress() {
    let mut f = Fencer::new(
        vec![device("a", &[("pcmk_host_list", "node1")])],
        Vec::new(),
        1,
    );
    let first = f.request(
        Duration::ZERO,
        "node1",
        FenceAction::Reboot,
        "node2",
        DEFAULT_FENCING_TIMEOUT,
    );
    let Some(Output::Execute { token, operation }) = f.poll_output() else {
        panic!("the device runs");
    };
    let again = f.request(
        Duration::ZERO,
        "node1",
        FenceAction::Reboot,
        "node3",
        DEFAULT_FENCING_TIMEOUT,
    );
    assert_eq!(again, first);
    assert!(f.poll_output().is_none(), "no second agent run");
    let other = f.request(
        Duration::ZERO,
        "node1",
        FenceAction::Off,
        "node3",
        DEFAULT_FENCING_TIMEOUT,
    );
    assert_ne!(other, first, "another action is another request");
    f.handle_result(
        Duration::from_secs(1),
        token,
        &reply(&operation, OcfRc::OK, ""),
    );
    let outs: Vec<Output> = std::iter::from_fn(|| f.poll_output()).collect();
    assert!(
        outs.iter()
            .any(|o| matches!(o, Output::Done(d) if d.id == first && d.succeeded))
    );
    assert_eq!(f.history_of("node1").count(), 2);
    assert_eq!(f.history_of("node2").count(), 0);
}

#[test]
fn a_device_that_cannot_list_is_asked_about_the_node() {
    // No list, no map, no pcmk_host_check: dynamic-list, and when the
    // agent has no list action, status (fence_dummy is such an agent).
    let mut f = Fencer::new(
        vec![
            device("plain", &[]),
            device("strict", &[("pcmk_host_check", "dynamic-list")]),
        ],
        Vec::new(),
        1,
    );
    let (o, seen) = run(&mut f, "node1", FenceAction::Off, |op| {
        match op.action.as_str() {
            "list" => (OcfRc::ERR_GENERIC, String::new()),
            "status" => (OcfRc::NOT_RUNNING, String::new()),
            _ => (OcfRc::OK, String::new()),
        }
    });
    assert!(o.succeeded, "{o:?}");
    assert_eq!(o.devices, ["plain"]);
    let asked: Vec<(&str, &str)> = seen.iter().map(|s| (s.0.as_str(), s.1.as_str())).collect();
    assert_eq!(
        asked,
        [
            ("plain", "list"),
            ("strict", "list"),
            ("plain", "status"),
            ("plain", "off")
        ]
    );
}
