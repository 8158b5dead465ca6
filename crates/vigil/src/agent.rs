//! `vigil agent exec`: run one action of a real agent the way the cluster
//! would (same environment, process group, timeout handling), print what
//! happened and exit with the agent's code. The debug runner, like
//! `crm_resource --force-*` and `pcs resource debug-*`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use vigil_executor::runner::DEFAULT_RSCTMP;
use vigil_executor::standard::{lsb, stonith};
use vigil_executor::{Exit, OpResult, Operation, Runner, RunnerOptions, Standard, discovery};

use crate::output;
use crate::resource::resolve;

/// Bad command-line usage (EX_USAGE).
const EXIT_USAGE: u8 = 64;

#[derive(clap::Subcommand)]
pub enum AgentCommand {
    /// Run one action of an agent and print rc, its name, time and output.
    ///
    /// Parameters are passed only through the environment (OCF_RESKEY_*)
    /// or, for fence agents, as name=value lines on stdin: never through a
    /// shell. Passwords and parameters named with --secret are masked in
    /// everything Vigil prints.
    #[command(after_help = "\
Exit status: the OCF code printed as \"returned\" (as crm_resource): the \
agent's own code for OCF agents, the mapped one for LSB scripts (status 3 is \
7), fence agents (status 2, off, is 7) and systemd units; 1 when the agent \
timed out, 5 when it is not installed; 64 usage error.

Examples:
  vigil agent exec ocf:heartbeat:Dummy start
  vigil agent exec ocf:heartbeat:IPaddr2 monitor ip=192.0.2.10 cidr_netmask=24
  vigil agent exec fence_dummy status plug=node1 --timeout 10s
  vigil agent exec ocf:pacemaker:Dummy monitor --interval 5s --count 3")]
    Exec(ExecArgs),
}

#[derive(clap::Args)]
pub struct ExecArgs {
    /// `standard:provider:type` (ocf), `lsb:NAME`, `systemd:NAME`,
    /// `service:NAME`, `stonith:fence_X` or `fence_X`, or just the type.
    agent: String,
    /// start, stop, monitor, promote, demote, notify, reload, meta-data,
    /// validate-all, ...; for fence agents on, off, reboot, status, list,
    /// monitor, metadata.
    action: String,
    /// Instance parameters.
    #[arg(value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Operation timeout (20s, 500ms, 2min, ...).
    #[arg(long, default_value = "20s", value_name = "DURATION")]
    timeout: String,
    /// Run as a recurring operation with this interval (needs --count).
    #[arg(long, value_name = "DURATION", requires = "count")]
    interval: Option<String>,
    /// Wait this long before the (first) run, as an op's start-delay.
    #[arg(long = "start-delay", value_name = "DURATION")]
    start_delay: Option<String>,
    /// With --interval: runs fall on this date/time plus whole intervals
    /// (ISO 8601, as the op attribute interval-origin).
    #[arg(long = "interval-origin", value_name = "DATE", requires = "interval")]
    interval_origin: Option<String>,
    /// With --interval: how many results to wait for.
    #[arg(long, value_name = "N")]
    count: Option<u32>,
    /// The resource id (OCF_RESOURCE_INSTANCE); defaults to the agent's type.
    #[arg(long = "id", value_name = "ID")]
    id: Option<String>,
    /// A meta attribute (OCF_RESKEY_CRM_meta_NAME), e.g. clone-max=2.
    #[arg(long = "meta", value_name = "NAME=VALUE")]
    meta: Vec<String>,
    /// Treat this parameter's value as a secret (never printed).
    #[arg(long = "secret", value_name = "NAME")]
    secrets: Vec<String>,
    /// Print what is executed and each result's summary on stderr.
    #[arg(short, long)]
    verbose: bool,
    /// Output format: text, or json (one object per result, one per line).
    #[arg(long = "output-as", value_enum, default_value = "text")]
    output_as: OutputFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// The runner settings the CLI uses: default paths, `HA_RSCTMP` from the
/// environment when set.
pub fn runner_options() -> RunnerOptions {
    RunnerOptions {
        rsctmp: std::env::var_os("HA_RSCTMP")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_RSCTMP)),
        ..RunnerOptions::default()
    }
}

pub fn run(cmd: AgentCommand) -> ExitCode {
    match cmd {
        AgentCommand::Exec(args) => exec(args),
    }
}

fn name_value(word: &str, what: &str) -> Result<(String, String), String> {
    match word.split_once('=') {
        Some((n, v)) if !n.is_empty() => Ok((n.to_string(), v.to_string())),
        _ => Err(format!("Error: {what} {word:?} is not NAME=VALUE")),
    }
}

/// A duration as Pacemaker writes them (`20s`, `500ms`, `2min`, `1h`,
/// ISO 8601 `PT30S`), also with a fraction (`0.5s`).
fn duration(text: &str, what: &str) -> Result<Duration, String> {
    let bad = || format!("Error: {what} {text:?} is not a duration (e.g. 20s, 500ms, 0.5s, 2min)");
    if let Some((whole, rest)) = text.split_once('.') {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let unit = &rest[digits.len()..];
        let scale = match unit {
            "" | "s" | "sec" => 1000.0,
            "ms" | "msec" => 1.0,
            "m" | "min" => 60_000.0,
            "h" | "hr" => 3_600_000.0,
            _ => return Err(bad()),
        };
        let value: f64 = format!("{whole}.{digits}").parse().map_err(|_| bad())?;
        if !whole.chars().all(|c| c.is_ascii_digit()) || !value.is_finite() {
            return Err(bad());
        }
        return Ok(Duration::from_secs_f64(value * scale / 1000.0));
    }
    vigil_cib::time::parse_interval_ms(text)
        .map(Duration::from_millis)
        .ok_or_else(bad)
}

fn build(args: &ExecArgs, agent: vigil_executor::AgentSpec) -> Result<Operation, String> {
    let id = args.id.clone().unwrap_or_else(|| agent.name.clone());
    let mut op =
        Operation::new(&id, agent, &args.action).timeout(duration(&args.timeout, "--timeout")?);
    if op.timeout.is_zero() {
        return Err("Error: --timeout must be more than zero".to_string());
    }
    for p in &args.params {
        let (n, v) = name_value(p, "parameter")?;
        op.params.insert(n, v);
    }
    for m in &args.meta {
        let (n, v) = name_value(m, "--meta")?;
        op.meta.insert(n, v);
    }
    for s in &args.secrets {
        op.secrets.insert(s.clone());
    }
    if let Some(d) = &args.start_delay {
        op.start_delay = duration(d, "--start-delay")?;
    }
    if let Some(i) = &args.interval {
        op.interval = duration(i, "--interval")?;
        if op.interval.is_zero() {
            return Err("Error: --interval must be more than zero".to_string());
        }
    }
    Ok(op)
}

fn exec(args: ExecArgs) -> ExitCode {
    let options = runner_options();
    let verbose = args.verbose;
    let json = args.output_as == OutputFormat::Json;
    let print = move |out: &mut dyn Write, r: &OpResult, started: Instant| {
        if json {
            print_json(out, r)
        } else {
            print_result(out, r, started)
        }
    };
    output::finish_with(1, move |out, err| {
        let spec = match resolve(&options.paths, &args.agent, err) {
            Ok(s) => discovery::concrete(&options.paths, &s),
            Err(msg) => {
                writeln!(err, "{msg}")?;
                return Ok(EXIT_USAGE);
            }
        };
        let op = match build(&args, spec) {
            Ok(op) => op,
            Err(msg) => {
                writeln!(err, "{msg}")?;
                return Ok(EXIT_USAGE);
            }
        };
        let origin = match &args.interval_origin {
            None => None,
            Some(text) => match vigil_cib::time::DateTime::parse(text) {
                Ok(d) => Some(d.epoch().saturating_mul(1000)),
                Err(e) => {
                    writeln!(
                        err,
                        "Error: --interval-origin {text:?} is not an ISO 8601 date: {e}"
                    )?;
                    return Ok(EXIT_USAGE);
                }
            },
        };
        let runner = Runner::new(options);
        if let Some(problem) = runner.state_dir_problem() {
            writeln!(err, "warning: {problem}")?;
        }
        let mut runner = if verbose {
            runner.with_log(|line| eprintln!("vigil-executor: {line}"))
        } else {
            runner
        };
        let mut op = op;
        if let Some(ms) = origin {
            op.interval_origin = Some(runner.origin_at(ms, op.interval));
        }
        let started = Instant::now();
        let mut code = 0;
        if let Some(count) = args.count.filter(|_| op.is_recurring()) {
            let call = runner.submit(op);
            for _ in 0..count {
                let Some(result) = runner.next_result(None) else {
                    break;
                };
                print(out, &result, started)?;
                code = exit_code(&result);
            }
            runner.cancel(call);
            while runner.next_result(None).is_some() {}
        } else {
            let result = runner.run(op);
            print(out, &result, started)?;
            code = exit_code(&result);
        }
        Ok(code)
    })
}

/// The result's OCF code, the one printed as "returned" (as crm_resource
/// exits): the agent's own code for OCF agents, the mapped one for LSB
/// scripts, fence agents and systemd units; 1 for a timeout.
fn exit_code(r: &OpResult) -> u8 {
    u8::try_from(r.rc.0).unwrap_or(1)
}

/// What the agent's own exit code means, when the standard has its own
/// codes.
fn native_meaning(r: &OpResult, code: i32) -> Option<String> {
    match r.agent.standard {
        Standard::Lsb if matches!(r.action.as_str(), "monitor" | "status") => {
            Some(format!("LSB: {}", lsb::status_code_name(code)))
        }
        Standard::Stonith => {
            let action = stonith::agent_action(&r.action).unwrap_or(&r.action);
            Some(format!(
                "fence agent: {}",
                stonith::exit_code_name(action, code)
            ))
        }
        _ => None,
    }
}

/// One result as a JSON object on one line.
fn print_json(out: &mut dyn Write, r: &OpResult) -> std::io::Result<()> {
    let (exit_code, signal) = match &r.exit {
        Some(Exit::Code(c)) => (Some(*c), None),
        Some(Exit::Signaled(s)) => (None, Some(*s)),
        _ => (None, None),
    };
    let v = serde_json::json!({
        "resource": r.resource,
        "agent": r.agent.to_string(),
        "action": r.action,
        "interval_ms": r.interval.as_millis() as u64,
        "rc": r.rc.0,
        "rc_name": r.rc.name(),
        "status": r.status.name(),
        "agent_exit_code": exit_code,
        "agent_signal": signal,
        "exit_reason": r.exit_reason,
        "exec_time_ms": r.exec_time.as_millis() as u64,
        "queue_time_ms": r.queue_time.as_millis() as u64,
        "stdout": r.stdout,
        "stderr": r.stderr,
    });
    writeln!(out, "{v}")
}

fn print_result(out: &mut dyn Write, r: &OpResult, started: Instant) -> std::io::Result<()> {
    let interval = if r.interval.is_zero() {
        String::new()
    } else {
        format!(" (interval {}ms)", r.interval.as_millis())
    };
    writeln!(
        out,
        "Operation {}{interval} for {} ({}) returned: {}",
        r.action, r.resource, r.agent, r.rc
    )?;
    let mut facts = vec![format!("status: {}", r.status)];
    if let Some(Exit::Code(c)) = &r.exit
        && (r.agent.standard != Standard::Ocf || *c != r.rc.0)
        && r.agent.standard != Standard::Systemd
    {
        let meaning = native_meaning(r, *c)
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        facts.push(format!("agent exit code: {c}{meaning}"));
    }
    if let Some(Exit::Signaled(s)) = &r.exit {
        facts.push(format!("agent killed by signal {s}"));
    }
    facts.push(format!("exec time: {}ms", r.exec_time.as_millis()));
    facts.push(format!("queue time: {}ms", r.queue_time.as_millis()));
    if !r.interval.is_zero() {
        facts.push(format!("at: {}ms", started.elapsed().as_millis()));
    }
    writeln!(out, "  {}", facts.join(", "))?;
    if let Some(reason) = &r.exit_reason {
        writeln!(out, "  exit reason: {reason}")?;
    }
    for (name, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
        if text.trim().is_empty() {
            continue;
        }
        writeln!(out, "{name}:")?;
        for line in text.trim_end().lines() {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_pacemakers_with_fractions() {
        let d = |t: &str| duration(t, "--timeout");
        assert_eq!(d("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(d("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(d("2min"), Ok(Duration::from_secs(120)));
        assert_eq!(d("0.5s"), Ok(Duration::from_millis(500)));
        assert_eq!(d("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(d("0.25min"), Ok(Duration::from_secs(15)));
        assert!(d("1.x").unwrap_err().contains("not a duration"));
        assert!(d("-1.5s").is_err());
    }
}
