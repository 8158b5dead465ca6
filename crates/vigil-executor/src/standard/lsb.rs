//! LSB init scripts (Linux Standard Base, "Init Script Actions"):
//! `/etc/init.d/<name> {start|stop|restart|force-reload|status}`.
//!
//! The cluster's `monitor` is the script's `status`, whose codes differ
//! from the other actions': 0 running, 1 dead with a pid file, 2 dead with
//! a lock file, 3 not running, 4 unknown. Other actions return 0 on success
//! and 1-7 with the same meanings as OCF's codes.

use crate::operation::{Invocation, Operation, Synthesized};
use crate::rc::OcfRc;
use crate::standard::{Outcome, Paths, last_line};

/// The script action for a cluster action: `monitor` is `status`; every
/// other action is passed on as named, and the script answers for itself
/// (usually with its usage text and code 2 or 3), as Pacemaker does.
pub fn script_action(action: &str) -> &str {
    match action {
        "monitor" => "status",
        other => other,
    }
}

pub fn invocation(op: &Operation, paths: &Paths) -> Invocation {
    let path = paths.init_dir.join(&op.agent.name);
    if op.action == "meta-data" {
        return Invocation::Describe(Synthesized::Lsb {
            path,
            name: op.agent.name.clone(),
        });
    }
    Invocation::Process {
        program: path,
        args: vec![script_action(&op.action).to_string()],
        // Init scripts take no parameters; the environment is the
        // driver's base environment only.
        env: Vec::new(),
        stdin: None,
    }
}

pub fn interpret(action: &str, code: i32, stderr: &str) -> Outcome {
    let is_status = matches!(action, "monitor" | "status");
    let rc = match (is_status, code) {
        (_, 0) => OcfRc::OK,
        (true, 1..=3) => OcfRc::NOT_RUNNING,
        (true, _) => OcfRc::ERR_GENERIC,
        (false, 1..=7) => OcfRc(code),
        (false, _) => OcfRc::ERR_GENERIC,
    };
    let reason = match (is_status, code) {
        (_, 0) => None,
        (true, 1) => Some("program is dead and its pid file exists".to_string()),
        (true, 2) => Some("program is dead and its lock file exists".to_string()),
        (true, 3) => None,
        _ => last_line(stderr),
    };
    Outcome::done(rc, reason)
}

/// The LSB name of a status code, for people.
pub fn status_code_name(code: i32) -> &'static str {
    match code {
        0 => "program is running",
        1 => "program is dead and /var/run pid file exists",
        2 => "program is dead and /var/lock lock file exists",
        3 => "program is not running",
        4 => "program or service status is unknown",
        _ => "reserved",
    }
}

/// The fields of an init script's `### BEGIN INIT INFO` block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitInfo {
    pub provides: Option<String>,
    pub short_description: Option<String>,
    pub description: Option<String>,
    pub required_start: Option<String>,
    pub required_stop: Option<String>,
    pub default_start: Option<String>,
    pub default_stop: Option<String>,
}

/// Read the `### BEGIN INIT INFO` ... `### END INIT INFO` comment block.
/// A `Description` continues on lines starting with `#` and two spaces or
/// a tab (LSB's continuation rule).
pub fn init_info(script: &str) -> InitInfo {
    let mut info = InitInfo::default();
    let mut inside = false;
    let mut last: Option<&'static str> = None;
    for line in script.lines() {
        let t = line.trim_end();
        if t.starts_with("### BEGIN INIT INFO") {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if t.starts_with("### END INIT INFO") {
            break;
        }
        let Some(body) = t.strip_prefix('#') else {
            last = None;
            continue;
        };
        if (body.starts_with("  ") || body.starts_with('\t')) && last == Some("description") {
            let d = info.description.get_or_insert_with(String::new);
            d.push(' ');
            d.push_str(body.trim());
            continue;
        }
        let Some((key, value)) = body.trim().split_once(':') else {
            last = None;
            continue;
        };
        let value = Some(value.trim().to_string());
        last = None;
        match key.trim() {
            "Provides" => info.provides = value,
            "Short-Description" => info.short_description = value,
            "Description" => {
                info.description = value;
                last = Some("description");
            }
            "Required-Start" => info.required_start = value,
            "Required-Stop" => info.required_stop = value,
            "Default-Start" => info.default_start = value,
            "Default-Stop" => info.default_stop = value,
            _ => {}
        }
    }
    info
}

/// OCF-style meta-data for an init script, from its header, so that
/// `vigil resource describe lsb:NAME` has something to say.
pub fn metadata_xml(name: &str, info: &InitInfo) -> String {
    use crate::metadata::{synthesized, text_element};
    let short = info
        .short_description
        .clone()
        .unwrap_or_else(|| format!("LSB init script {name}"));
    let long = info.description.clone().unwrap_or_else(|| short.clone());
    let actions = [
        ("meta-data", 5, None),
        ("start", 15, None),
        ("stop", 15, None),
        ("status", 15, None),
        ("restart", 15, None),
        ("force-reload", 15, None),
        ("monitor", 15, Some(15)),
    ];
    let mut special = vigil_xml::Element::new("special").with_attr("tag", "LSB");
    for (tag, v) in [
        ("Provides", &info.provides),
        ("Required-Start", &info.required_start),
        ("Required-Stop", &info.required_stop),
        ("Default-Start", &info.default_start),
        ("Default-Stop", &info.default_stop),
    ] {
        if let Some(v) = v {
            special.push(text_element(tag, v));
        }
    }
    synthesized(name, &short, &long, &actions, Some(special))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_map_to_not_running() {
        assert_eq!(interpret("monitor", 0, "").rc, OcfRc::OK);
        for code in 1..=3 {
            assert_eq!(interpret("monitor", code, "").rc, OcfRc::NOT_RUNNING);
        }
        assert_eq!(interpret("monitor", 4, "").rc, OcfRc::ERR_GENERIC);
        assert_eq!(interpret("start", 5, "").rc, OcfRc::ERR_INSTALLED);
        assert_eq!(interpret("start", 150, "boom\n").rc, OcfRc::ERR_GENERIC);
        assert_eq!(
            interpret("start", 150, "boom\n").reason.as_deref(),
            Some("boom")
        );
    }

    #[test]
    fn actions_pass_through_but_monitor_is_status() {
        for (action, arg) in [
            ("monitor", "status"),
            ("promote", "promote"),
            ("validate-all", "validate-all"),
        ] {
            let op = Operation::new("r", "lsb:exim".parse().unwrap(), action);
            let Invocation::Process { program, args, .. } = invocation(&op, &Paths::default())
            else {
                panic!("{action} runs the script");
            };
            assert_eq!(program.to_str(), Some("/etc/init.d/exim"));
            assert_eq!(args, [arg]);
        }
        // A script's usage exit for an action it lacks is its answer.
        assert_eq!(interpret("promote", 3, "").rc, OcfRc::ERR_UNIMPLEMENTED);
        assert_eq!(interpret("validate-all", 2, "").rc, OcfRc::ERR_ARGS);
    }

    #[test]
    fn the_init_info_header_becomes_meta_data() {
        let script = "#!/bin/sh\n### BEGIN INIT INFO\n# Provides:          web\n# Required-Start:    $network\n# Short-Description: A web server\n# Description:       Serves pages\n#  over HTTP & more.\n### END INIT INFO\necho hi\n";
        let info = init_info(script);
        assert_eq!(info.provides.as_deref(), Some("web"));
        assert_eq!(info.short_description.as_deref(), Some("A web server"));
        assert_eq!(
            info.description.as_deref(),
            Some("Serves pages over HTTP & more.")
        );
        let xml = metadata_xml("web", &info);
        let md = crate::metadata::Metadata::parse(&xml).unwrap();
        assert_eq!(md.shortdesc, "A web server");
        assert_eq!(md.longdesc, "Serves pages over HTTP & more.");
        assert!(md.actions.iter().any(|a| a.name == "monitor"));
    }
}
