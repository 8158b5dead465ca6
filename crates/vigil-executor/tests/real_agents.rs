//! The executor on Debian's own agents (`resource-agents`,
//! `pacemaker-resource-agents`, `fence-agents`), run the way the cluster
//! runs them.

mod common;

use std::time::Duration;

use common::{TempDir, is_root, system_runner};
use vigil_executor::{AgentSpec, ExecStatus, OcfRc, Operation};

fn installed(path: &str) -> bool {
    let there = std::path::Path::new(path).exists();
    if !there {
        // CI installs the packages (.ci/run); say plainly what is missing.
        eprintln!(
            "SKIP: {path} is not installed (apt-get install resource-agents fence-agents pacemaker-resource-agents)"
        );
    }
    there
}

#[test]
fn dummy_lifecycle() {
    if !installed("/usr/lib/ocf/resource.d/heartbeat/Dummy") {
        return;
    }
    let state = TempDir::new("dummy");
    let mut runner = system_runner(&state);
    let dummy = AgentSpec::ocf("heartbeat", "Dummy");
    let op = |action: &str| Operation::new("d1", dummy.clone(), action);
    for (action, rc) in [
        ("monitor", OcfRc::NOT_RUNNING),
        ("start", OcfRc::OK),
        ("monitor", OcfRc::OK),
        ("stop", OcfRc::OK),
        ("monitor", OcfRc::NOT_RUNNING),
    ] {
        let r = runner.run(op(action));
        assert_eq!((r.status, r.rc), (ExecStatus::Done, rc), "{action}: {r:?}");
    }
    // The agent kept its state where HA_RSCTMP said.
    runner.run(op("start"));
    assert!(state.join("rsctmp/Dummy-d1.state").exists());
}

#[test]
fn stateful_promote_and_demote() {
    if !installed("/usr/lib/ocf/resource.d/pacemaker/Stateful") {
        return;
    }
    let state = TempDir::new("stateful");
    let mut runner = system_runner(&state);
    let file = state.join("Stateful.state");
    let op = |action: &str| {
        Operation::new("db", AgentSpec::ocf("pacemaker", "Stateful"), action)
            .param("state", &file.display().to_string())
    };
    for (action, rc) in [
        ("start", OcfRc::OK),
        ("monitor", OcfRc::OK),
        ("promote", OcfRc::OK),
        ("monitor", OcfRc::RUNNING_PROMOTED),
        ("demote", OcfRc::OK),
        ("monitor", OcfRc::OK),
        ("stop", OcfRc::OK),
        ("monitor", OcfRc::NOT_RUNNING),
    ] {
        let r = runner.run(op(action));
        assert_eq!((r.status, r.rc), (ExecStatus::Done, rc), "{action}: {r:?}");
    }
}

#[test]
fn the_agent_gets_pacemakers_environment() {
    if !installed("/usr/lib/ocf/resource.d/pacemaker/Stateful") {
        return;
    }
    let state = TempDir::new("env");
    let mut runner = system_runner(&state);
    let envfile = state.join("env.txt");
    let op = Operation::new("db:1", AgentSpec::ocf("pacemaker", "Stateful"), "monitor")
        .param("state", &state.join("s").display().to_string())
        .param("envfile", &envfile.display().to_string())
        .meta("clone-max", "2")
        .interval(Duration::from_secs(10))
        .timeout(Duration::from_secs(15));
    // A recurring op: take its first result, then cancel it.
    let call = runner.submit(op);
    let r = runner.next_result(None).expect("a result");
    assert_eq!(r.rc, OcfRc::NOT_RUNNING);
    runner.cancel(call);
    while runner.next_result(None).is_some() {}
    let env = std::fs::read_to_string(&envfile).expect("Stateful dumps its environment");
    for line in [
        "OCF_ROOT=/usr/lib/ocf",
        "OCF_RA_VERSION_MAJOR=1",
        "OCF_RA_VERSION_MINOR=1",
        "OCF_RESOURCE_INSTANCE=db:1",
        "OCF_RESOURCE_TYPE=Stateful",
        "OCF_RESOURCE_PROVIDER=pacemaker",
        "OCF_RESKEY_CRM_meta_interval=10000",
        "OCF_RESKEY_CRM_meta_timeout=15000",
        "OCF_RESKEY_CRM_meta_clone_max=2",
        "OCF_EXIT_REASON_PREFIX=ocf-exit-reason:",
        "LC_ALL=C",
    ] {
        assert!(env.lines().any(|l| l == line), "{line} missing from\n{env}");
    }
    let rsctmp = format!("HA_RSCTMP={}", state.join("rsctmp").display());
    assert!(env.lines().any(|l| l == rsctmp), "{env}");
}

#[test]
fn ipaddr2_in_a_network_namespace() {
    if !installed("/usr/lib/ocf/resource.d/heartbeat/IPaddr2") {
        return;
    }
    if !is_root() {
        eprintln!("SKIP: IPaddr2 needs root to create a network namespace");
        return;
    }
    let ns = format!("vigil-test-{}", std::process::id());
    let Some(_guard) = netns::Namespace::create(&ns) else {
        return;
    };
    let state = TempDir::new("ipaddr2");
    let mut runner = system_runner(&state);
    let op = |action: &str| {
        Operation::new("vip", AgentSpec::ocf("heartbeat", "IPaddr2"), action)
            .param("ip", "192.0.2.10")
            .param("cidr_netmask", "24")
            .param("nic", "vd0")
            .param("network_namespace", &ns)
    };
    let has_vip = || netns::addresses(&ns).contains("192.0.2.10/24");
    assert!(!has_vip());
    let r = runner.run(op("start"));
    assert_eq!(r.rc, OcfRc::OK, "{r:?}");
    assert!(
        has_vip(),
        "start adds the address: {}",
        netns::addresses(&ns)
    );
    assert_eq!(runner.run(op("monitor")).rc, OcfRc::OK);
    let r = runner.run(op("stop"));
    assert_eq!(r.rc, OcfRc::OK, "{r:?}");
    assert!(!has_vip(), "stop removes it: {}", netns::addresses(&ns));
    assert_eq!(runner.run(op("monitor")).rc, OcfRc::NOT_RUNNING);
    // A bad configuration is reported with the agent's own reason.
    let r = runner.run(Operation::new(
        "vip",
        AgentSpec::ocf("heartbeat", "IPaddr2"),
        "start",
    ));
    assert_eq!(r.rc, OcfRc::ERR_CONFIGURED);
    assert!(r.exit_reason.unwrap().contains("ip parameter"));
}

mod netns {
    use std::process::Command;

    fn ip(args: &[&str]) -> Result<(), String> {
        let out = Command::new("ip")
            .args(args)
            .output()
            .map_err(|e| format!("ip: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    /// A namespace with a veth pair (`vd0` holding 192.0.2.1/24, `vd1`)
    /// entirely inside it; deleted on drop, whatever happens in the test.
    pub struct Namespace(String);

    impl Namespace {
        pub fn create(name: &str) -> Option<Namespace> {
            let _ = ip(&["netns", "del", name]);
            if let Err(e) = ip(&["netns", "add", name]) {
                eprintln!("SKIP: cannot create a network namespace: {e}");
                return None;
            }
            let ns = Namespace(name.to_string());
            let steps: [&[&str]; 5] = [
                &["-n", name, "link", "set", "lo", "up"],
                &[
                    "-n", name, "link", "add", "vd0", "type", "veth", "peer", "name", "vd1",
                ],
                &["-n", name, "link", "set", "vd0", "up"],
                &["-n", name, "link", "set", "vd1", "up"],
                &["-n", name, "addr", "add", "192.0.2.1/24", "dev", "vd0"],
            ];
            for step in steps {
                if let Err(e) = ip(step) {
                    eprintln!("SKIP: cannot set up the test namespace ({step:?}): {e}");
                    return None;
                }
            }
            Some(ns)
        }
    }

    impl Drop for Namespace {
        fn drop(&mut self) {
            let _ = ip(&["netns", "del", &self.0]);
        }
    }

    pub fn addresses(ns: &str) -> String {
        Command::new("ip")
            .args(["-n", ns, "-o", "addr", "show", "dev", "vd0"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }
}

#[test]
fn fence_dummy_on_status_off_status() {
    if !installed("/usr/sbin/fence_dummy") {
        return;
    }
    let state = TempDir::new("fence");
    let mut runner = system_runner(&state);
    let status_file = state.join("fence.status").display().to_string();
    let op = |action: &str| {
        Operation::new("fence1", "fence_dummy".parse().unwrap(), action)
            .param("status_file", &status_file)
            .param("pcmk_host_list", "node1")
    };
    let steps = [
        ("on", OcfRc::OK, 0),
        ("status", OcfRc::OK, 0),
        ("off", OcfRc::OK, 0),
        ("status", OcfRc::NOT_RUNNING, 2),
        ("monitor", OcfRc::OK, 0),
    ];
    for (action, rc, code) in steps {
        let r = runner.run(op(action));
        assert_eq!(
            (r.status, r.rc, r.agent_exit_code()),
            (ExecStatus::Done, rc, Some(code)),
            "{action}: {r:?}"
        );
    }
    assert_eq!(std::fs::read_to_string(&status_file).unwrap().trim(), "off");
    let r = runner.run(op("metadata"));
    let md = vigil_executor::Metadata::parse(&r.stdout).expect("fence meta-data");
    assert!(md.parameter("status_file").is_some());
}

#[test]
fn an_agent_that_is_not_installed_is_reported_so() {
    let state = TempDir::new("missing");
    let mut runner = system_runner(&state);
    let r = runner.run(Operation::new(
        "x",
        AgentSpec::ocf("heartbeat", "NoSuchAgent"),
        "start",
    ));
    assert_eq!(
        (r.status, r.rc),
        (ExecStatus::NotInstalled, OcfRc::ERR_INSTALLED)
    );
    assert!(
        r.exit_reason
            .unwrap()
            .contains("NoSuchAgent is not installed")
    );
}

#[test]
fn meta_data_of_every_heartbeat_and_pacemaker_agent_parses() {
    if !installed("/usr/lib/ocf/resource.d/heartbeat/Dummy") {
        return;
    }
    let state = TempDir::new("metadata");
    let mut runner = system_runner(&state);
    let paths = runner.paths().clone();
    // All at once: one resource per agent, so they run side by side.
    let mut specs = std::collections::BTreeMap::new();
    for provider in ["heartbeat", "pacemaker"] {
        for agent in vigil_executor::discovery::ocf_agents(&paths, provider).unwrap() {
            let spec = AgentSpec::ocf(provider, &agent);
            let call = runner.submit(Operation::new(
                &format!("{provider}-{agent}"),
                spec.clone(),
                "meta-data",
            ));
            specs.insert(call, spec);
        }
    }
    let mut checked = 0;
    while let Some(r) = runner.next_result(None) {
        let spec = &specs[&r.call_id];
        if r.rc != OcfRc::OK {
            // A few agents need tools this machine lacks even for meta-data.
            continue;
        }
        let md =
            vigil_executor::Metadata::parse(&r.stdout).unwrap_or_else(|e| panic!("{spec}: {e}"));
        assert!(!md.actions.is_empty(), "{spec} lists no actions");
        checked += 1;
    }
    assert!(
        checked > 50,
        "only {checked} of {} agents gave meta-data",
        specs.len()
    );
}

#[test]
fn notifications_reach_the_agent_as_meta_variables() {
    use vigil_executor::standard::ocf::{CloneInstance, Notification};
    if !installed("/usr/lib/ocf/resource.d/pacemaker/Stateful") {
        return;
    }
    let state = TempDir::new("notify");
    let mut runner = system_runner(&state);
    let envfile = state.join("env.txt");
    let mut op = Operation::new("db:0", AgentSpec::ocf("pacemaker", "Stateful"), "notify")
        .param("state", &state.join("s").display().to_string())
        .param("envfile", &envfile.display().to_string());
    let clone = CloneInstance {
        instance: 0,
        clone_max: 2,
        clone_node_max: 1,
        globally_unique: false,
        notify: true,
        promotable: Some((1, 1)),
    };
    let note = Notification {
        kind: "pre".into(),
        operation: "promote".into(),
        promote: vec![("db:0".into(), "node1".into())],
        active: vec![
            ("db:0".into(), "node1".into()),
            ("db:1".into(), "node2".into()),
        ],
        all_nodes: vec!["node1".into(), "node2".into()],
        ..Notification::default()
    };
    op.meta.extend(clone.meta());
    op.meta.extend(note.meta());
    let r = runner.run(op);
    assert_eq!(r.rc, OcfRc::OK, "{r:?}");
    let env = std::fs::read_to_string(&envfile).unwrap();
    for line in [
        "OCF_RESKEY_CRM_meta_clone=0",
        "OCF_RESKEY_CRM_meta_clone_max=2",
        "OCF_RESKEY_CRM_meta_promotable=true",
        "OCF_RESKEY_CRM_meta_promoted_max=1",
        "OCF_RESKEY_CRM_meta_notify=true",
        "OCF_RESKEY_CRM_meta_notify_type=pre",
        "OCF_RESKEY_CRM_meta_notify_operation=promote",
        "OCF_RESKEY_CRM_meta_notify_promote_resource=db:0",
        "OCF_RESKEY_CRM_meta_notify_promote_uname=node1",
        "OCF_RESKEY_CRM_meta_notify_active_resource=db:0 db:1",
        "OCF_RESKEY_CRM_meta_notify_master_resource=",
        "OCF_RESKEY_CRM_meta_notify_all_uname=node1 node2",
    ] {
        assert!(env.lines().any(|l| l == line), "{line} missing from\n{env}");
    }
}
