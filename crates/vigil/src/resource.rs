//! `vigil resource standards | providers | agents | describe`: what agents
//! this machine has and what they take (pcs's commands of those names).

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use vigil_executor::metadata::{ActionSpec, Metadata};
use vigil_executor::{AgentSpec, ExecStatus, Operation, Runner, Standard, discovery};

use crate::agent::runner_options;
use crate::output;

/// Could not do what was asked (generic failure).
const EXIT_ERROR: u8 = 1;
/// Bad command-line usage (EX_USAGE).
const EXIT_USAGE: u8 = 64;

#[derive(clap::Subcommand)]
pub enum ResourceCommand {
    /// List the agent standards this machine supports (ocf, lsb, service,
    /// systemd, stonith).
    Standards,
    /// List the OCF providers installed.
    Providers,
    /// List agents, one per line: all OCF agents, or those of a standard
    /// (`lsb`, `stonith`, ...) or of an OCF provider (`ocf:heartbeat`).
    Agents {
        #[arg(value_name = "STANDARD[:PROVIDER]")]
        filter: Option<String>,
    },
    /// Show an agent's description, its options and default operations.
    Describe {
        /// `ocf:heartbeat:IPaddr2`, `lsb:NAME`, `systemd:NAME`,
        /// `fence_NAME`, or just the type (`IPaddr2`).
        agent: String,
        /// Also show advanced and deprecated options.
        #[arg(long)]
        full: bool,
    },
}

pub fn run(cmd: ResourceCommand) -> ExitCode {
    let options = runner_options();
    let paths = options.paths.clone();
    match cmd {
        ResourceCommand::Standards => output::finish(0, |out, _| {
            for s in discovery::standards(&paths) {
                writeln!(out, "{s}")?;
            }
            Ok(())
        }),
        ResourceCommand::Providers => output::finish(0, |out, _| {
            for p in discovery::providers(&paths) {
                writeln!(out, "{p}")?;
            }
            Ok(())
        }),
        ResourceCommand::Agents { filter } => {
            let (standard, provider) = match parse_filter(filter.as_deref()) {
                Ok(f) => f,
                Err(msg) => return output::finish(EXIT_USAGE, |_, err| writeln!(err, "{msg}")),
            };
            match discovery::agents(&paths, standard, provider.as_deref()) {
                Ok(list) => output::finish(0, |out, _| {
                    for a in list {
                        writeln!(out, "{a}")?;
                    }
                    Ok(())
                }),
                Err(e) => output::finish(EXIT_ERROR, |_, err| writeln!(err, "Error: {e}")),
            }
        }
        ResourceCommand::Describe { agent, full } => describe(&agent, full),
    }
}

fn parse_filter(filter: Option<&str>) -> Result<(Standard, Option<String>), String> {
    let Some(f) = filter else {
        return Ok((Standard::Ocf, None));
    };
    let (s, provider) = match f.split_once(':') {
        Some((s, p)) => (s, Some(p.to_string())),
        None => (f, None),
    };
    let standard = Standard::parse(s).ok_or_else(|| {
        format!(
            "Error: unknown standard {s:?} in {f:?}: expected one of ocf, lsb, service, systemd, stonith"
        )
    })?;
    if provider.is_some() && standard != Standard::Ocf {
        return Err(format!(
            "Error: {f:?}: only OCF agents have providers (e.g. ocf:heartbeat)"
        ));
    }
    Ok((standard, provider))
}

/// Run an agent's meta-data action and read it.
pub fn fetch_metadata(runner: &mut Runner, agent: &AgentSpec) -> Result<Metadata, String> {
    let op =
        Operation::new(&agent.name, agent.clone(), "meta-data").timeout(Duration::from_secs(30));
    let result = runner.run(op);
    if result.status != ExecStatus::Done || result.rc.0 != 0 {
        let why = result
            .exit_reason
            .clone()
            .or_else(|| vigil_executor::standard::last_line(&result.stderr))
            .or_else(|| {
                result
                    .stdout
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        return Err(format!(
            "Agent '{agent}' is not installed or does not provide valid metadata: {} ({}){}",
            result.rc,
            result.status,
            if why.is_empty() {
                String::new()
            } else {
                format!(": {why}")
            }
        ));
    }
    Metadata::parse(&result.stdout)
        .map_err(|e| format!("Agent '{agent}' does not provide valid metadata: {e}"))
}

/// Resolve a name the way pcs does, saying when it guessed.
pub fn resolve(
    paths: &vigil_executor::standard::Paths,
    name: &str,
    err: &mut dyn Write,
) -> Result<AgentSpec, String> {
    let spec = discovery::resolve_name(paths, name).map_err(|e| format!("Error: {e}"))?;
    if !name.contains(':') && spec.standard != Standard::Stonith {
        let _ = writeln!(err, "Assumed agent name '{spec}' (deduced from '{name}')");
    }
    Ok(spec)
}

fn describe(name: &str, full: bool) -> ExitCode {
    let options = runner_options();
    output::finish_with(EXIT_ERROR, |out, err| {
        let spec = match resolve(&options.paths, name, err) {
            Ok(s) => s,
            Err(msg) => {
                writeln!(err, "{msg}")?;
                return Ok(EXIT_ERROR);
            }
        };
        let concrete = discovery::concrete(&options.paths, &spec);
        // Meta-data needs no state directory: no warning here.
        let mut runner = Runner::new(options);
        match fetch_metadata(&mut runner, &concrete) {
            Ok(md) => {
                print_description(out, &spec, &md, full)?;
                Ok(0)
            }
            Err(msg) => {
                writeln!(err, "Error: {msg}")?;
                Ok(EXIT_ERROR)
            }
        }
    })
}

/// The special instance attributes of fencing devices (Pacemaker Explained,
/// "Fencing": Special Instance Attributes) that `vigil-fencing` reads.
const FENCER_OPTIONS: [(&str, &str); 10] = [
    (
        "pcmk_host_list",
        "nodes this device can fence (space or comma separated)",
    ),
    (
        "pcmk_host_map",
        "node-to-port map for devices that do not know node names, e.g. node1:1;node2:2,3",
    ),
    (
        "pcmk_host_check",
        "how to tell which nodes the device can fence: static-list, dynamic-list, status or none (default: static-list with a list or map, else dynamic-list)",
    ),
    (
        "pcmk_host_argument",
        "the agent parameter that carries the port (default: port; none to send none)",
    ),
    (
        "pcmk_delay_base",
        "fixed delay before fencing (avoids two nodes fencing each other)",
    ),
    (
        "pcmk_delay_max",
        "upper bound of an extra random delay before fencing",
    ),
    (
        "pcmk_<action>_action",
        "agent action to run instead of <action>, e.g. pcmk_reboot_action=off",
    ),
    (
        "pcmk_<action>_timeout",
        "timeout for <action> on this device",
    ),
    (
        "pcmk_<action>_retries",
        "retries of a failed <action> within the timeout (default 2)",
    ),
    ("priority", "devices with higher priority are tried first"),
];

/// Words of `text` as lines of at most `width` columns, each indented;
/// blank lines separate paragraphs.
fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    for (i, para) in text.split("\n\n").enumerate() {
        let words: Vec<&str> = para.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        if i > 0 && !out.is_empty() {
            out.push('\n');
        }
        let mut line = String::new();
        for w in words {
            if !line.is_empty() && indent.len() + line.len() + 1 + w.len() > width {
                out.push_str(indent);
                out.push_str(&line);
                out.push('\n');
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(w);
        }
        if !line.is_empty() {
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// pcs's defaults: every action but meta-data, validate-all and status
/// (the LSB name of monitor); only monitor for fence agents; no restart or
/// force-reload for init scripts and units, which are not cluster
/// operations, each with interval
/// 0s unless the agent suggests one, and a 60s monitor when the agent
/// suggests no monitor interval.
pub fn default_operations(md: &Metadata, standard: Standard) -> Vec<ActionSpec> {
    let mut ops: Vec<ActionSpec> = md
        .actions
        .iter()
        .filter(|a| {
            !matches!(
                a.name.as_str(),
                "meta-data" | "metadata" | "validate-all" | "status"
            )
        })
        .filter(|a| match standard {
            Standard::Stonith => a.name == "monitor",
            Standard::Ocf => true,
            _ => !matches!(a.name.as_str(), "restart" | "force-reload"),
        })
        .cloned()
        .collect();
    match ops.iter_mut().find(|a| a.name == "monitor") {
        Some(m) if m.interval.as_deref().is_none_or(|i| i == "0" || i == "0s") => {
            m.interval = Some("60s".to_string());
        }
        Some(_) => {}
        None => ops.push(ActionSpec {
            name: "monitor".to_string(),
            interval: Some("60s".to_string()),
            ..ActionSpec::default()
        }),
    }
    ops
}

fn print_description(
    out: &mut dyn Write,
    spec: &AgentSpec,
    md: &Metadata,
    full: bool,
) -> io::Result<()> {
    let fence = spec.standard == Standard::Stonith;
    let shown = if fence {
        spec.name.clone()
    } else {
        spec.to_string()
    };
    if md.shortdesc.is_empty() {
        writeln!(out, "{shown}")?;
    } else {
        writeln!(
            out,
            "{shown} - {}",
            md.shortdesc
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        )?;
    }
    if !md.longdesc.is_empty() {
        writeln!(out)?;
        write!(out, "{}", wrap(&md.longdesc, "", 80))?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        if fence {
            "Stonith options:"
        } else {
            "Resource options:"
        }
    )?;
    let mut any = false;
    for p in &md.parameters {
        let hidden = p.deprecated || p.advanced || (fence && p.name == "action");
        if hidden && !full {
            continue;
        }
        any = true;
        let mut head = format!("  {}", p.name);
        if p.required {
            head.push_str(" (required)");
        }
        if p.unique {
            head.push_str(" (unique)");
        }
        if let Some(g) = &p.unique_group {
            head.push_str(&format!(" (unique group: {g})"));
        }
        if p.deprecated {
            head.push_str(" (deprecated)");
        }
        if let Some(old) = &p.obsoletes {
            head.push_str(&format!(" (replaces {old})"));
        }
        let desc = if p.shortdesc.is_empty() {
            &p.longdesc
        } else {
            &p.shortdesc
        };
        writeln!(
            out,
            "{head}: {}",
            desc.split_whitespace().collect::<Vec<_>>().join(" ")
        )?;
        if !p.longdesc.is_empty() && p.longdesc.trim() != p.shortdesc.trim() {
            write!(out, "{}", wrap(&p.longdesc, "    ", 80))?;
        }
        let mut facts = vec![format!("type: {}", p.content_type)];
        if !p.options.is_empty() {
            facts.push(format!("allowed values: {}", p.options.join(", ")));
        }
        if let Some(d) = &p.default {
            facts.push(format!("default: {d:?}"));
        }
        writeln!(out, "    {}", facts.join("; "))?;
    }
    if !any {
        writeln!(out, "  (none)")?;
    }
    if fence {
        writeln!(out)?;
        writeln!(
            out,
            "Fencing options (read by the fencer, not passed to the agent):"
        )?;
        for (name, what) in FENCER_OPTIONS {
            writeln!(out, "  {name}: {what}")?;
        }
    }
    writeln!(out)?;
    writeln!(out, "Default operations:")?;
    for a in default_operations(md, spec.standard) {
        writeln!(out, "  {}:", a.name)?;
        let mut words = vec![format!(
            "interval={}",
            a.interval.as_deref().unwrap_or("0s")
        )];
        if let Some(t) = &a.timeout {
            words.push(format!("timeout={t}"));
        }
        if let Some(r) = &a.role {
            words.push(format!("role={r}"));
        }
        if let Some(d) = a.depth.as_deref().filter(|d| *d != "0") {
            words.push(format!("OCF_CHECK_LEVEL={d}"));
        }
        writeln!(out, "    {}", words.join(" "))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_paragraphs_and_width() {
        let text = "one two three four five six seven\n\n  eight   nine ";
        assert_eq!(
            wrap(text, "  ", 16),
            "  one two three\n  four five six\n  seven\n\n  eight nine\n"
        );
    }

    #[test]
    fn filters_read_standard_and_provider() {
        assert_eq!(
            parse_filter(Some("ocf:heartbeat")).unwrap(),
            (Standard::Ocf, Some("heartbeat".into()))
        );
        assert_eq!(
            parse_filter(Some("stonith")).unwrap(),
            (Standard::Stonith, None)
        );
        assert!(
            parse_filter(Some("lsb:x"))
                .unwrap_err()
                .contains("only OCF agents have providers")
        );
        assert!(
            parse_filter(Some("nagios"))
                .unwrap_err()
                .contains("unknown standard")
        );
    }
}
