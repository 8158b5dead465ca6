//! systemd units, driven through `systemctl` (which waits for the start or
//! stop job to finish, as the cluster must).
//!
//! States (`systemctl show -p LoadState,ActiveState`): `active`,
//! `reloading` and `activating` are running; `inactive`, `failed` and
//! `deactivating` are not; a unit systemd cannot find (`LoadState=not-found`)
//! is not installed.

use crate::operation::{Invocation, Operation, Synthesized};
use crate::rc::OcfRc;
use crate::standard::{Outcome, Paths, last_line};

/// Unit types systemd knows; a name without one of these suffixes is a
/// service (`systemd:haproxy` is `haproxy.service`).
const UNIT_SUFFIXES: [&str; 11] = [
    ".service",
    ".socket",
    ".mount",
    ".automount",
    ".timer",
    ".path",
    ".target",
    ".swap",
    ".slice",
    ".scope",
    ".device",
];

/// The full unit name for an agent type.
pub fn unit_name(name: &str) -> String {
    if UNIT_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        name.to_string()
    } else {
        format!("{name}.service")
    }
}

fn systemctl(paths: &Paths, args: &[&str], unit: &str) -> Invocation {
    let mut argv: Vec<String> = vec!["--no-ask-password".to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    // "--" keeps a unit name from ever being read as an option.
    argv.push("--".to_string());
    argv.push(unit.to_string());
    Invocation::Process {
        program: paths.systemctl.clone(),
        args: argv,
        env: Vec::new(),
        stdin: None,
    }
}

pub fn invocation(op: &Operation, paths: &Paths) -> Invocation {
    let unit = unit_name(&op.agent.name);
    match op.action.as_str() {
        "start" | "stop" | "reload" | "restart" => systemctl(paths, &[&op.action], &unit),
        "monitor" | "status" | "validate-all" => systemctl(
            paths,
            &["show", "--property=LoadState,ActiveState,SubState"],
            &unit,
        ),
        "meta-data" => Invocation::Describe(Synthesized::Systemd { unit }),
        other => Invocation::Immediate {
            rc: OcfRc::ERR_UNIMPLEMENTED,
            reason: format!("systemd units have no {other:?} action"),
        },
    }
}

/// Whether systemctl's error says there is no systemd to talk to.
fn systemd_absent(stderr: &str) -> bool {
    stderr.contains("has not been booted with systemd")
        || stderr.contains("Failed to connect to bus")
        || stderr.contains("Failed to connect to system scope bus")
}

fn unit_missing(stderr: &str) -> bool {
    stderr.contains("not found") || stderr.contains("not loaded")
}

pub fn interpret(action: &str, code: i32, stdout: &str, stderr: &str) -> Outcome {
    if code != 0 {
        if systemd_absent(stderr) {
            return Outcome::done(
                OcfRc::ERR_GENERIC,
                Some(format!(
                    "systemd is not running on this machine (PID 1 is not systemd), so systemd units cannot be managed: {}",
                    last_line(stderr).unwrap_or_default()
                )),
            );
        }
        let missing = code == 5 || unit_missing(stderr);
        let rc = match (action, missing) {
            // A unit that does not exist is certainly stopped.
            ("stop", true) => OcfRc::OK,
            (_, true) => OcfRc::ERR_INSTALLED,
            _ => OcfRc::ERR_GENERIC,
        };
        return Outcome::done(rc, last_line(stderr));
    }
    if !matches!(action, "monitor" | "status" | "validate-all") {
        return Outcome::done(OcfRc::OK, None);
    }
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .map(str::trim)
            .unwrap_or("")
    };
    if field("LoadState") == "not-found" {
        return Outcome::done(
            OcfRc::ERR_INSTALLED,
            Some("systemd has no such unit".to_string()),
        );
    }
    if action == "validate-all" {
        return Outcome::done(OcfRc::OK, None);
    }
    match field("ActiveState") {
        "active" | "reloading" | "activating" => Outcome::done(OcfRc::OK, None),
        "failed" => Outcome::done(
            OcfRc::NOT_RUNNING,
            Some(format!("the unit has failed ({})", field("SubState"))),
        ),
        "inactive" | "deactivating" => Outcome::done(OcfRc::NOT_RUNNING, None),
        other => Outcome::done(
            OcfRc::ERR_GENERIC,
            Some(format!("unexpected unit state {other:?}")),
        ),
    }
}

/// `Description=` from a unit file's `[Unit]` section.
pub fn unit_description(unit_file: &str) -> Option<String> {
    let mut in_unit = false;
    for line in unit_file.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_unit = t == "[Unit]";
            continue;
        }
        if in_unit && let Some(v) = t.strip_prefix("Description=") {
            return Some(v.trim().to_string());
        }
    }
    None
}

/// Meta-data for a unit (systemd units take no parameters).
pub fn metadata_xml(unit: &str, description: Option<&str>) -> String {
    let short = format!(
        "systemd unit file for {}",
        unit.trim_end_matches(".service")
    );
    let long = description
        .map(|d| format!("Cluster Controlled {d}"))
        .unwrap_or_else(|| short.clone());
    let actions = [
        ("start", 100, None),
        ("stop", 100, None),
        ("status", 100, None),
        ("monitor", 100, Some(60)),
        ("meta-data", 5, None),
    ];
    crate::metadata::synthesized(unit, &short, &long, &actions, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_get_service_unless_typed() {
        assert_eq!(unit_name("haproxy"), "haproxy.service");
        assert_eq!(unit_name("srv.mount"), "srv.mount");
        assert_eq!(unit_name("getty@tty1"), "getty@tty1.service");
    }

    #[test]
    fn states_map_to_ocf() {
        let show = |state: &str| format!("LoadState=loaded\nActiveState={state}\nSubState=x\n");
        assert_eq!(interpret("monitor", 0, &show("active"), "").rc, OcfRc::OK);
        assert_eq!(
            interpret("monitor", 0, &show("inactive"), "").rc,
            OcfRc::NOT_RUNNING
        );
        assert_eq!(
            interpret("monitor", 0, &show("failed"), "").rc,
            OcfRc::NOT_RUNNING
        );
        let missing = "LoadState=not-found\nActiveState=inactive\n";
        assert_eq!(
            interpret("monitor", 0, missing, "").rc,
            OcfRc::ERR_INSTALLED
        );
        assert_eq!(
            interpret("start", 5, "", "Unit x.service not found.").rc,
            OcfRc::ERR_INSTALLED
        );
        assert_eq!(
            interpret("stop", 5, "", "Unit x.service not loaded.").rc,
            OcfRc::OK
        );
    }

    #[test]
    fn no_systemd_is_a_clear_error() {
        let err = "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n";
        let out = interpret("start", 1, "", err);
        assert_eq!(out.rc, OcfRc::ERR_GENERIC);
        assert!(
            out.reason
                .unwrap()
                .starts_with("systemd is not running on this machine")
        );
    }

    #[test]
    fn unit_names_cannot_become_options() {
        let op = Operation::new("r", "systemd:--force".parse().unwrap(), "stop");
        let Invocation::Process { args, .. } = invocation(&op, &Paths::default()) else {
            panic!("stop runs systemctl");
        };
        assert_eq!(args, ["--no-ask-password", "stop", "--", "--force.service"]);
    }

    #[test]
    fn description_comes_from_the_unit_section() {
        let f = "[Install]\nDescription=no\n[Unit]\nDescription=HAProxy Load Balancer\n";
        assert_eq!(
            unit_description(f).as_deref(),
            Some("HAProxy Load Balancer")
        );
    }
}
