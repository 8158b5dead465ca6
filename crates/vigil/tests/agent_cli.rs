//! `vigil resource ...`, `vigil agent exec` and `vigil stonith fence` as a
//! user runs them, on Debian's installed agents.

mod common;

use common::{scratch, vigil};

fn installed(path: &str) -> bool {
    let there = std::path::Path::new(path).exists();
    if !there {
        eprintln!(
            "SKIP: {path} is not installed (apt-get install resource-agents fence-agents pacemaker-resource-agents)"
        );
    }
    there
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn exec_runs_the_dummy_lifecycle_and_exits_with_the_agents_code() {
    if !installed("/usr/lib/ocf/resource.d/heartbeat/Dummy") {
        return;
    }
    let dir = scratch("dummy");
    let exec = |action: &str| {
        vigil()
            .env("HA_RSCTMP", &*dir)
            .args([
                "agent",
                "exec",
                "ocf:heartbeat:Dummy",
                action,
                "--id",
                "web",
            ])
            .output()
            .unwrap()
    };
    for (action, code, name) in [
        ("start", 0, "0 (ok)"),
        ("monitor", 0, "0 (ok)"),
        ("stop", 0, "0 (ok)"),
        ("monitor", 7, "7 (not running)"),
    ] {
        let out = exec(action);
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{action}: {stdout}{}",
            text(&out.stderr)
        );
        assert!(
            stdout.starts_with(&format!(
                "Operation {action} for web (ocf:heartbeat:Dummy) returned: {name}\n  status: complete, exec time: "
            )),
            "{stdout}"
        );
    }
}

#[test]
fn exec_reports_the_agents_exit_reason_and_output() {
    if !installed("/usr/lib/ocf/resource.d/heartbeat/IPaddr2") {
        return;
    }
    let out = vigil()
        .args(["agent", "exec", "ocf:heartbeat:IPaddr2", "validate-all"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("returned: 6 (not configured)"), "{stdout}");
    assert!(
        stdout.contains("  exit reason: IP address (the ip parameter) is mandatory"),
        "{stdout}"
    );
}

#[test]
fn exec_times_out_and_says_so() {
    let dir = scratch("timeout");
    let out = vigil()
        .env("HA_RSCTMP", &*dir)
        .args(["agent", "exec", "lsb:vigil-no-such-script", "start"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("returned: 5 (not installed)"));
    if !installed("/usr/lib/ocf/resource.d/heartbeat/Delay") {
        return;
    }
    // ocf:heartbeat:Delay sleeps startdelay seconds in start.
    let out = vigil()
        .env("HA_RSCTMP", &*dir)
        .args([
            "agent",
            "exec",
            "ocf:heartbeat:Delay",
            "start",
            "startdelay=30",
            "--timeout",
            "1s",
        ])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("status: Timed Out"), "{stdout}");
    assert!(
        stdout.contains("the agent did not finish within its 1000ms timeout"),
        "{stdout}"
    );
}

#[test]
fn exec_masks_secrets_in_everything_it_prints() {
    if !installed("/usr/sbin/fence_dummy") {
        return;
    }
    let dir = scratch("secret");
    let status = dir.join("power");
    std::fs::write(&status, "on").unwrap();
    let out = vigil()
        .env("HA_RSCTMP", &*dir)
        .args(["agent", "exec", "fence_dummy", "off", "-v"])
        .arg(format!("status_file={}", status.display()))
        .arg("password=Very-Secret-42")
        .args(["--secret", "status_file"])
        .output()
        .unwrap();
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("password=*****"), "{all}");
    assert!(!all.contains("Very-Secret-42"), "{all}");
    assert!(!all.contains(&status.display().to_string()), "{all}");
    assert_eq!(std::fs::read_to_string(&status).unwrap().trim(), "off");
}

#[test]
fn bad_input_gets_a_clear_error() {
    let cases: [(&[&str], &str); 5] = [
        (&["agent", "exec", "ocf:Dummy", "start"], "needs a provider"),
        (
            &["agent", "exec", "ocf:heartbeat:Dummy", "start", "novalue"],
            "parameter \"novalue\" is not NAME=VALUE",
        ),
        (
            &[
                "agent",
                "exec",
                "ocf:heartbeat:Dummy",
                "start",
                "--timeout",
                "soon",
            ],
            "--timeout \"soon\" is not a duration",
        ),
        (
            &["resource", "agents", "nagios"],
            "unknown standard \"nagios\"",
        ),
        (
            &["resource", "describe", "vigil-no-such-agent"],
            "unable to find agent \"vigil-no-such-agent\"",
        ),
    ];
    for (args, message) in cases {
        let out = vigil().args(args).output().unwrap();
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert!(
            text(&out.stderr).contains(message),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn listings_look_like_pcs() {
    if !installed("/usr/lib/ocf/resource.d/heartbeat/IPaddr2") {
        return;
    }
    let out = vigil().args(["resource", "standards"]).output().unwrap();
    let standards = text(&out.stdout);
    assert!(standards.starts_with("ocf\nlsb\nservice\n"), "{standards}");
    let out = vigil().args(["resource", "providers"]).output().unwrap();
    assert!(text(&out.stdout).lines().any(|l| l == "heartbeat"));
    let out = vigil()
        .args(["resource", "agents", "ocf:heartbeat"])
        .output()
        .unwrap();
    let agents = text(&out.stdout);
    assert!(
        agents.lines().any(|l| l == "IPaddr2") && agents.lines().any(|l| l == "Dummy"),
        "{agents}"
    );
    let out = vigil()
        .args(["resource", "agents", "stonith"])
        .output()
        .unwrap();
    assert!(text(&out.stdout).lines().any(|l| l == "fence_dummy"));
}

#[test]
fn describe_shows_options_and_default_operations() {
    if !installed("/usr/lib/ocf/resource.d/heartbeat/IPaddr2") {
        return;
    }
    let out = vigil()
        .args(["resource", "describe", "IPaddr2"])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr)
            .contains("Assumed agent name 'ocf:heartbeat:IPaddr2' (deduced from 'IPaddr2')")
    );
    assert!(
        stdout.starts_with("ocf:heartbeat:IPaddr2 - Manages virtual IPv4 and IPv6 addresses"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nResource options:\n  ip (required) (unique): IPv4 or IPv6 address\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  cidr_netmask: "), "{stdout}");
    assert!(
        stdout.contains("\nDefault operations:\n  start:\n    interval=0s timeout=20s\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  monitor:\n    interval=10s timeout=20s\n"),
        "{stdout}"
    );
}

#[test]
fn stonith_fence_uses_the_topology() {
    if !installed("/usr/sbin/fence_dummy") {
        return;
    }
    let dir = scratch("fence");
    let power = dir.join("power");
    std::fs::write(&power, "on").unwrap();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/fencing.xml"
    ))
    .unwrap();
    let cib = dir.join("cib.xml");
    std::fs::write(
        &cib,
        example.replace(
            "/tmp/vigil-example-pdu.status",
            &power.display().to_string(),
        ),
    )
    .unwrap();
    let out = vigil()
        .env("HA_RSCTMP", &*dir)
        .args(["stonith", "fence", "node1", "--off", "-x"])
        .arg(&cib)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("  ipmi-node1 off (stonith:fence_dummy): 1 (error)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  pdu off (stonith:fence_dummy): 0 (ok)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("off of node1 successful: devices=pdu"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&power).unwrap(), "off");
    let out = vigil()
        .args(["stonith", "fence", "node9", "-x"])
        .arg(&cib)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("reboot of node9 failed: no fencing device can fence node9")
    );
}

/// The code `crm_resource` reports for an action run outside the cluster.
fn crm_resource_rc(
    agent: &str,
    provider: Option<&str>,
    class: &str,
    action: &str,
) -> Option<String> {
    let flag = match action {
        "validate-all" => "--validate",
        "promote" => "--force-promote",
        _ => "--force-check",
    };
    let mut cmd = std::process::Command::new("crm_resource");
    cmd.args([flag, "--class", class, "--agent", agent]);
    if let Some(p) = provider {
        cmd.args(["--provider", p]);
    }
    let out = cmd.output().ok()?;
    // "Operation force-check (ocf:heartbeat:Dummy) returned 7 (not running)"
    let stdout = text(&out.stdout);
    let line = stdout.lines().find(|l| l.starts_with("Operation "))?;
    let rest = line.split(" returned ").nth(1)?;
    Some(rest.split(' ').next()?.to_string())
}

#[test]
fn exec_agrees_with_crm_resource() {
    if !installed("/usr/sbin/crm_resource") || !installed("/usr/lib/ocf/resource.d/heartbeat/Dummy")
    {
        return;
    }
    let dir = scratch("differential");
    let agents = [
        ("ocf", Some("heartbeat"), "Dummy"),
        ("ocf", Some("heartbeat"), "IPaddr2"),
        ("ocf", Some("heartbeat"), "Filesystem"),
        ("ocf", Some("heartbeat"), "anything"),
        ("ocf", Some("heartbeat"), "apache"),
        ("ocf", Some("heartbeat"), "symlink"),
        ("ocf", Some("heartbeat"), "Route"),
        ("ocf", Some("pacemaker"), "ping"),
        ("ocf", Some("pacemaker"), "SysInfo"),
        ("lsb", None, "procps"),
        ("lsb", None, "dbus"),
    ];
    let mut compared = 0;
    for (class, provider, agent) in agents {
        let spec = match provider {
            Some(p) => format!("{class}:{p}:{agent}"),
            None => format!("{class}:{agent}"),
        };
        if !vigil()
            .args(["resource", "describe", &spec])
            .output()
            .unwrap()
            .status
            .success()
        {
            eprintln!("SKIP: {spec} is not installed here");
            continue;
        }
        for action in ["monitor", "validate-all", "promote"] {
            let Some(expected) = crm_resource_rc(agent, provider, class, action) else {
                continue;
            };
            let out = vigil()
                .env("HA_RSCTMP", &*dir)
                .args(["agent", "exec", &spec, action, "--id", "test"])
                .output()
                .unwrap();
            let stdout = text(&out.stdout);
            let got = stdout
                .lines()
                .next()
                .and_then(|l| l.split(" returned: ").nth(1))
                .and_then(|r| r.split(' ').next())
                .unwrap_or("")
                .to_string();
            assert_eq!(got, expected, "{spec} {action}: {stdout}");
            assert_eq!(
                out.status.code().map(|c| c.to_string()),
                Some(expected),
                "{spec} {action}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 10, "only {compared} comparisons ran");
}

#[test]
fn systemd_units_without_systemd_get_a_clear_error() {
    let unit_file = [
        "/lib/systemd/system/dbus.service",
        "/usr/lib/systemd/system/dbus.service",
    ]
    .into_iter()
    .any(|p| std::path::Path::new(p).exists());
    if !unit_file {
        eprintln!("SKIP: no dbus.service unit file here");
        return;
    }
    // Meta-data comes from the unit file, with or without systemd.
    let out = vigil()
        .args(["resource", "describe", "systemd:dbus"])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("systemd:dbus - systemd unit file for dbus\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  monitor:\n    interval=60s timeout=100s\n"),
        "{stdout}"
    );
    let out = vigil()
        .args(["resource", "agents", "systemd"])
        .output()
        .unwrap();
    assert!(text(&out.stdout).lines().any(|l| l == "dbus"));
    if std::path::Path::new("/run/systemd/system").is_dir() {
        eprintln!("SKIP: systemd runs here; not starting dbus for real in a test");
        return;
    }
    let out = vigil()
        .args(["agent", "exec", "systemd:dbus", "monitor"])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("  exit reason: systemd is not running on this machine"),
        "{stdout}"
    );
}

#[test]
fn exec_runs_a_recurring_monitor() {
    if !installed("/usr/lib/ocf/resource.d/heartbeat/Dummy") {
        return;
    }
    let dir = scratch("recurring");
    let run = |args: &[&str]| vigil().env("HA_RSCTMP", &*dir).args(args).output().unwrap();
    assert!(
        run(&["agent", "exec", "ocf:heartbeat:Dummy", "start"])
            .status
            .success()
    );
    let out = run(&[
        "agent",
        "exec",
        "ocf:heartbeat:Dummy",
        "monitor",
        "--interval",
        "200ms",
        "--count",
        "3",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let results: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("Operation "))
        .collect();
    assert_eq!(
        results,
        ["Operation monitor (interval 200ms) for Dummy (ocf:heartbeat:Dummy) returned: 0 (ok)"; 3],
        "{stdout}"
    );
    let out = run(&[
        "agent",
        "exec",
        "ocf:heartbeat:Dummy",
        "monitor",
        "--interval",
        "1s",
    ]);
    assert_eq!(out.status.code(), Some(2), "clap: --interval needs --count");
}

#[test]
fn listings_equal_crm_resources() {
    if !installed("/usr/sbin/crm_resource") {
        return;
    }
    let cases: [(&[&str], &[&str]); 6] = [
        (&["resource", "standards"], &["--list-standards"]),
        (&["resource", "providers"], &["--list-ocf-providers"]),
        (&["resource", "agents", "ocf"], &["--list-agents", "ocf"]),
        (
            &["resource", "agents", "ocf:heartbeat"],
            &["--list-agents", "ocf:heartbeat"],
        ),
        (
            &["resource", "agents", "ocf:pacemaker"],
            &["--list-agents", "ocf:pacemaker"],
        ),
        (&["resource", "agents", "lsb"], &["--list-agents", "lsb"]),
    ];
    for (ours, theirs) in cases {
        let ours_out = text(&vigil().args(ours).output().unwrap().stdout);
        let theirs_out = std::process::Command::new("crm_resource")
            .args(theirs)
            .output()
            .unwrap();
        assert_eq!(
            ours_out,
            text(&theirs_out.stdout),
            "vigil {ours:?} vs crm_resource {theirs:?}"
        );
    }
}

#[test]
fn exec_speaks_json_for_machines() {
    if !installed("/usr/lib/ocf/resource.d/heartbeat/IPaddr2") {
        return;
    }
    let out = vigil()
        .args([
            "agent",
            "exec",
            "ocf:heartbeat:IPaddr2",
            "validate-all",
            "--output-as",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["rc"], 6);
    assert_eq!(v["rc_name"], "not configured");
    assert_eq!(v["status"], "complete");
    assert_eq!(v["agent"], "ocf:heartbeat:IPaddr2");
    assert_eq!(v["agent_exit_code"], 6);
    assert_eq!(
        v["exit_reason"],
        "IP address (the ip parameter) is mandatory"
    );
    assert!(v["exec_time_ms"].is_u64());
}
