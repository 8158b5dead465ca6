//! How fast the executor runs a trivial agent, and what it adds per
//! operation beside the agent's own run time.
//!
//! `cargo bench -p vigil-executor` prints:
//! - the sans-IO core alone (submit, spawn order, exit, report): per op;
//! - a bare `fork/exec/wait` of the agent (std `Command::status`), the
//!   floor any executor pays;
//! - Vigil's runner on the same agent, one operation at a time, and with
//!   everything submitted at once over 1, 2 and 8 resources (operations of
//!   one resource run one after another; of different ones, side by side),
//!   in operations per second;
//! - the overhead: runner time per op minus the bare spawn, i.e. the
//!   process group, memfd output capture, environment, waiter thread,
//!   bookkeeping and result mapping.
//!
//! Agents: `/bin/true` installed as an OCF agent (no shell: the agent's
//! own run time is as small as it gets) and a `/bin/sh` script that exits 0.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vigil_executor::queue::{Executor, Output};
use vigil_executor::standard::Paths;
use vigil_executor::{AgentSpec, Exit, OcfRc, Operation, Runner, RunnerOptions};

fn setup(dir: &Path) -> Paths {
    let provider = dir.join("ocf/resource.d/bench");
    std::fs::create_dir_all(&provider).unwrap();
    let t = provider.join("True");
    let _ = std::fs::remove_file(&t);
    std::fs::copy("/bin/true", &t).unwrap();
    let sh = provider.join("Shell");
    std::fs::write(&sh, "#!/bin/sh\nexit 0\n").unwrap();
    for p in [&t, &sh] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    Paths {
        ocf_root: dir.join("ocf"),
        ..Paths::default()
    }
}

fn core_only(n: u32) -> Duration {
    let mut ex = Executor::new(Paths::default());
    let agent = AgentSpec::ocf("bench", "True");
    let started = Instant::now();
    let mut now = Duration::ZERO;
    for i in 0..n {
        ex.submit(
            now,
            Operation::new("r", agent.clone(), "monitor").param("i", &i.to_string()),
        );
        while let Some(out) = ex.poll_output() {
            match out {
                Output::Spawn { run, .. } => {
                    now += Duration::from_micros(1);
                    ex.handle_exit(now, run, Exit::Code(0), "", "");
                }
                Output::Report(r) => assert_eq!(r.rc, OcfRc::OK),
                Output::Signal { .. } => unreachable!(),
            }
        }
    }
    started.elapsed() / n
}

fn bare_spawn(program: &Path) -> Duration {
    let started = Instant::now();
    let s = Command::new(program)
        .arg("monitor")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(s.success());
    started.elapsed()
}

/// One operation through the runner: (wall time, agent exec time).
fn through_runner(runner: &mut Runner, spec: &AgentSpec) -> (Duration, Duration) {
    let started = Instant::now();
    let r = runner.run(Operation::new("r", spec.clone(), "monitor"));
    assert_eq!(r.rc, OcfRc::OK, "{r:?}");
    (started.elapsed(), r.exec_time)
}

fn median(v: Vec<Duration>) -> Duration {
    percentile(v, 50)
}

fn percentile(mut v: Vec<Duration>, p: usize) -> Duration {
    v.sort();
    v[(v.len() * p / 100).min(v.len() - 1)]
}

/// Bare spawns and runner operations interleaved in rounds, so both see
/// the same machine load; medians per op.
struct Serial {
    /// 99th percentiles of the bare spawn and of the runner.
    bare_p99: Duration,
    wall_p99: Duration,
    /// Operations per second over the whole run (mean, not median).
    ops_per_second: f64,
    bare: Duration,
    wall: Duration,
    exec: Duration,
    bookkeeping: Duration,
}

fn serial(runner: &mut Runner, program: &Path, agent: &str, n: u32) -> Serial {
    let spec = AgentSpec::ocf("bench", agent);
    let (mut bare, mut wall, mut exec, mut book) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut total = Duration::ZERO;
    for _ in 0..n / 10 {
        for _ in 0..10 {
            bare.push(bare_spawn(program));
        }
        for _ in 0..10 {
            let (w, e) = through_runner(runner, &spec);
            total += w;
            wall.push(w);
            exec.push(e);
            book.push(w.saturating_sub(e));
        }
    }
    Serial {
        bare_p99: percentile(bare.clone(), 99),
        wall_p99: percentile(wall.clone(), 99),
        ops_per_second: f64::from(n / 10 * 10) / total.as_secs_f64(),
        bare: median(bare),
        wall: median(wall),
        exec: median(exec),
        bookkeeping: median(book),
    }
}

/// Operations per second with `resources` resources in parallel.
fn runner_parallel(runner: &mut Runner, agent: &str, resources: u32, per_resource: u32) -> f64 {
    let spec = AgentSpec::ocf("bench", agent);
    let started = Instant::now();
    for r in 0..resources {
        for _ in 0..per_resource {
            runner.submit(Operation::new(&format!("r{r}"), spec.clone(), "monitor"));
        }
    }
    let mut done = 0;
    while let Some(r) = runner.next_result(None) {
        assert_eq!(r.rc, OcfRc::OK);
        done += 1;
    }
    assert_eq!(done, resources * per_resource);
    f64::from(done) / started.elapsed().as_secs_f64()
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn main() {
    // `cargo test --benches` runs this with --bench absent: stay quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { 20 } else { 1000 };
    let dir = std::env::temp_dir().join(format!("vigil-bench-{}", std::process::id()));
    let paths = setup(&dir);
    let mut runner = Runner::new(RunnerOptions {
        paths: paths.clone(),
        rsctmp: dir.join("rsctmp"),
        ..RunnerOptions::default()
    });
    let agent_path = |name: &str| -> PathBuf { paths.ocf_root.join("resource.d/bench").join(name) };

    println!("executor benchmark ({n} operations per figure)");
    println!(
        "  core only (sans-IO queue, no process):  {} per op",
        us(core_only(n * 10))
    );
    for agent in ["True", "Shell"] {
        let s = serial(&mut runner, &agent_path(agent), agent, n);
        println!(
            "  agent {agent:<5} bare fork/exec/wait (std):    {} per op (median)",
            us(s.bare)
        );
        println!(
            "  agent {agent:<5} vigil runner, one at a time:  {} per op (median); {:.0} ops/s (mean)",
            us(s.wall),
            s.ops_per_second
        );
        println!(
            "  agent {agent:<5}   99th percentile:            {} (bare: {})",
            us(s.wall_p99),
            us(s.bare_p99)
        );
        println!(
            "  agent {agent:<5}   of which agent exec time:   {} (spawn to reaped, as reported)",
            us(s.exec)
        );
        println!(
            "  agent {agent:<5}   bookkeeping outside exec:   {} (queue, channel, result)",
            us(s.bookkeeping)
        );
        println!(
            "  agent {agent:<5} vigil overhead over bare:     {} per op (target <= 2000 µs)",
            us(s.wall.saturating_sub(s.bare))
        );
        for resources in [1, 2, 8] {
            let ops = runner_parallel(&mut runner, agent, resources, n / resources);
            println!(
                "  agent {agent:<5} vigil runner, {resources} resource(s) queued at once: {ops:.0} ops/s"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
