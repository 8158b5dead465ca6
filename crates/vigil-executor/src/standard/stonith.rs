//! Fence agents (ClusterLabs fence-agents, `doc/FenceAgentAPI.md`): the
//! program reads `name=value` lines on stdin, `action=` among them, and
//! exits 0 for success, 1 for failure and, for `status`, 2 for "off".

use crate::operation::{Invocation, Operation};
use crate::rc::OcfRc;
use crate::standard::{Outcome, Paths, last_line};

/// The agent action for a cluster action on a fencing device: starting a
/// device checks that it answers; stopping one runs nothing.
pub fn agent_action(action: &str) -> Option<&str> {
    match action {
        "start" | "monitor" => Some("monitor"),
        "stop" => None,
        "meta-data" => Some("metadata"),
        other => Some(other),
    }
}

/// Instance attributes that are the fencer's, never the agent's.
pub fn is_fencer_attribute(name: &str) -> bool {
    name.starts_with("pcmk_") || name == "provides" || name == "priority"
}

/// The stdin text for `op`, or why it cannot be written safely: one line
/// per parameter, so a newline in a value would smuggle in another one.
pub fn stdin_text(op: &Operation, action: &str) -> Result<String, String> {
    let mut text = format!("action={action}\n");
    for (name, value) in &op.params {
        if is_fencer_attribute(name) || name == "action" {
            continue;
        }
        if name.is_empty() || name.contains(['=', '\n', '\r', '\0']) {
            return Err(format!(
                "fence agent parameter name {name:?} may not be empty or contain '=', NUL or a line break"
            ));
        }
        if value.contains(['\n', '\r', '\0']) {
            return Err(format!(
                "the value of fence agent parameter {name:?} contains a line break or NUL, which would add or cut a parameter"
            ));
        }
        text.push_str(&format!("{name}={value}\n"));
    }
    Ok(text)
}

pub fn invocation(op: &Operation, paths: &Paths) -> Invocation {
    let Some(action) = agent_action(&op.action) else {
        return Invocation::Immediate {
            rc: OcfRc::OK,
            reason: String::new(),
        };
    };
    match stdin_text(op, action) {
        Ok(text) => Invocation::Process {
            program: paths.fence_dir.join(&op.agent.name),
            args: Vec::new(),
            env: Vec::new(),
            stdin: Some(text.into_bytes()),
        },
        Err(reason) => Invocation::Immediate {
            rc: OcfRc::ERR_ARGS,
            reason,
        },
    }
}

fn is_status(action: &str) -> bool {
    matches!(action, "status" | "monitor" | "start")
}

pub fn interpret(action: &str, code: i32, stderr: &str) -> Outcome {
    match (is_status(action), code) {
        (_, 0) => Outcome::done(OcfRc::OK, None),
        (true, 2) => Outcome::done(OcfRc::NOT_RUNNING, None),
        _ => Outcome::done(OcfRc::ERR_GENERIC, failure_reason(stderr)),
    }
}

/// Why a fence agent failed: its last `Failed: ...` message (fence-agents'
/// `fail_usage`/`fail` write `<timestamp> ERROR: Failed: <why>`), else its
/// last line of stderr.
pub fn failure_reason(stderr: &str) -> Option<String> {
    stderr
        .lines()
        .rev()
        .find_map(|l| l.find("Failed:").map(|at| l[at..].trim().to_string()))
        .or_else(|| last_line(stderr))
}

/// What a fence agent's exit code means, for people.
pub fn exit_code_name(action: &str, code: i32) -> &'static str {
    match (action, code) {
        ("status", 0) => "on",
        ("status", 2) => "off",
        (_, 0) => "success",
        (_, 1) => "failure",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_go_on_stdin_without_the_fencers_own() {
        let op = Operation::new("f", "fence_dummy".parse().unwrap(), "off")
            .param("plug", "node1")
            .param("pcmk_host_list", "node1 node2")
            .param("status_file", "/tmp/x y;$(z)");
        let Invocation::Process { stdin, args, .. } = invocation(&op, &Paths::default()) else {
            panic!("off runs the agent");
        };
        assert!(args.is_empty());
        assert_eq!(
            String::from_utf8(stdin.unwrap()).unwrap(),
            "action=off\nplug=node1\nstatus_file=/tmp/x y;$(z)\n"
        );
    }

    #[test]
    fn a_line_break_cannot_add_a_parameter() {
        let op = Operation::new("f", "fence_dummy".parse().unwrap(), "status")
            .param("plug", "node1\naction=off");
        let Invocation::Immediate { rc, reason } = invocation(&op, &Paths::default()) else {
            panic!("must not run");
        };
        assert_eq!(rc, OcfRc::ERR_ARGS);
        assert!(
            reason.contains("\"plug\" contains a line break"),
            "{reason}"
        );
    }

    #[test]
    fn the_reason_is_the_agents_failure_message() {
        let err = "2026-11-22 09:42:47,068 ERROR: Failed: Unrecognised action 'list'\n\n2026-11-22 09:42:47,069 ERROR: Please use '-h' for usage\n";
        assert_eq!(
            interpret("list", 1, err).reason.as_deref(),
            Some("Failed: Unrecognised action 'list'")
        );
        assert_eq!(
            interpret("off", 1, "boom\n").reason.as_deref(),
            Some("boom")
        );
    }

    #[test]
    fn status_two_is_off() {
        assert_eq!(interpret("status", 2, "").rc, OcfRc::NOT_RUNNING);
        assert_eq!(interpret("off", 2, "").rc, OcfRc::ERR_GENERIC);
        assert_eq!(exit_code_name("status", 2), "off");
        let stop = Operation::new("f", "fence_dummy".parse().unwrap(), "stop");
        assert!(matches!(
            invocation(&stop, &Paths::default()),
            Invocation::Immediate { rc: OcfRc::OK, .. }
        ));
    }
}
