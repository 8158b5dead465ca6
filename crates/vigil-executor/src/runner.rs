//! The process driver: runs what the [`Executor`] core asks for as real
//! processes, and feeds their ends back to it.
//!
//! Each agent runs in a process group of its own (`process_group(0)`),
//! with a fixed base environment plus what the conventions add, no shell,
//! stdin either closed or carrying a fence agent's parameters, and
//! stdout/stderr written to anonymous memory files (`memfd`) rather than
//! pipes: a daemon the agent leaves behind may keep its copies open
//! without ever blocking the result, and no reader thread is needed.
//!
//! One small thread per run waits for the process. It first waits without
//! reaping (`waitid(WNOWAIT)`), marks the run as reaped under the run's
//! lock, and only then reaps it. Signals are sent under the same lock, so a
//! process group is signalled only while its leader is at worst a zombie:
//! its id cannot have been reused by an unrelated process.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rustix::process::{Pid, WaitId, WaitIdOptions};

use crate::operation::{
    CallId, Exit, Invocation, OUTPUT_LIMIT, OpResult, Operation, SpawnFailure, Synthesized,
};
use crate::queue::{Executor, Output, RunId, Signal};
use crate::standard::{Paths, lsb, systemd};

/// Where resource agents keep their state by default (resource-agents'
/// `ocf-directories`), and what the runner exports as `HA_RSCTMP`.
pub const DEFAULT_RSCTMP: &str = "/run/resource-agents";

/// How agents are run.
#[derive(Debug, Clone)]
pub struct RunnerOptions {
    pub paths: Paths,
    /// `HA_RSCTMP`: the directory agents keep state files in; created if
    /// missing.
    pub rsctmp: PathBuf,
    /// Time between SIGTERM and SIGKILL for a timed-out or cancelled agent.
    pub kill_grace: Duration,
}

impl Default for RunnerOptions {
    fn default() -> RunnerOptions {
        RunnerOptions {
            paths: Paths::default(),
            rsctmp: PathBuf::from(DEFAULT_RSCTMP),
            kill_grace: crate::queue::DEFAULT_KILL_GRACE,
        }
    }
}

/// The environment every agent starts from: this process's environment
/// without any `OCF_*` variable (so nothing stale can reach an agent), with
/// the system directories on `PATH`, the C locale (agents parse command
/// output), and `HA_RSCTMP`. Pacemaker's executor does the same.
pub fn base_environment(rsctmp: &Path) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| !k.starts_with("OCF_") && k != "HA_RSCTMP" && k != "LC_ALL")
        .collect();
    let system = [
        "/usr/local/sbin",
        "/usr/local/bin",
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
    ];
    match env.iter_mut().find(|(k, _)| k == "PATH") {
        Some((_, path)) => {
            for dir in system {
                if !path.split(':').any(|p| p == dir) {
                    path.push(':');
                    path.push_str(dir);
                }
            }
        }
        None => env.push(("PATH".to_string(), system.join(":"))),
    }
    env.push(("LC_ALL".to_string(), "C".to_string()));
    env.push(("HA_RSCTMP".to_string(), rsctmp.display().to_string()));
    env
}

/// A run's process, as far as signalling is concerned.
#[derive(Debug)]
struct Child {
    pgid: Pid,
    reaped: bool,
}

struct Ended {
    run: RunId,
    exit: Exit,
    stdout: String,
    stderr: String,
}

/// Where the runner's log lines go.
type Log = Box<dyn FnMut(&str) + Send>;

/// Runs operations for real. Not thread-safe by design: one driver loop
/// owns it.
pub struct Runner {
    core: Executor,
    epoch: Instant,
    env: Vec<(String, String)>,
    ended_tx: Sender<Ended>,
    ended_rx: Receiver<Ended>,
    children: HashMap<RunId, Arc<Mutex<Child>>>,
    results: VecDeque<OpResult>,
    log: Option<Log>,
    state_dir_problem: Option<String>,
}

impl Runner {
    /// A runner. The agents' state directory is created if missing; when
    /// it cannot be (not root, say), the runner still works and
    /// [`Runner::state_dir_problem`] says why agents may fail to keep state.
    pub fn new(options: RunnerOptions) -> Runner {
        let state_dir_problem = std::fs::create_dir_all(&options.rsctmp).err().map(|e| {
            format!(
                "cannot create the agents' state directory {} (HA_RSCTMP): {e}",
                options.rsctmp.display()
            )
        });
        let (ended_tx, ended_rx) = channel();
        Runner {
            core: Executor::new(options.paths).with_kill_grace(options.kill_grace),
            epoch: Instant::now(),
            env: base_environment(&options.rsctmp),
            ended_tx,
            ended_rx,
            children: HashMap::new(),
            results: VecDeque::new(),
            log: None,
            state_dir_problem,
        }
    }

    /// An `interval-origin` given in wall-clock time (milliseconds since
    /// the Unix epoch) as a time on the executor's clock, for
    /// [`Operation::interval_origin`]: moved by whole intervals so that it
    /// is not before the runner's start (only its phase matters).
    pub fn origin_at(&self, origin_epoch_ms: i64, interval: Duration) -> Duration {
        let wall_now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        Duration::from_millis(phase_origin(
            self.now().as_millis(),
            wall_now_ms,
            origin_epoch_ms,
            interval.as_millis(),
        ))
    }

    /// Why the agents' state directory could not be made, if it could not.
    pub fn state_dir_problem(&self) -> Option<&str> {
        self.state_dir_problem.as_deref()
    }

    /// Receive one line per operation started and finished (secrets
    /// masked).
    pub fn with_log(mut self, log: impl FnMut(&str) + Send + 'static) -> Runner {
        self.log = Some(Box::new(log));
        self
    }

    /// The executor's clock: time since the runner was made.
    pub fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    pub fn paths(&self) -> &Paths {
        self.core.paths()
    }

    pub fn submit(&mut self, op: Operation) -> CallId {
        let now = self.now();
        let call = self.core.submit(now, op);
        self.drain();
        call
    }

    pub fn cancel(&mut self, call: CallId) -> bool {
        let now = self.now();
        let known = self.core.cancel(now, call);
        self.drain();
        known
    }

    /// Cancel every call of a resource.
    pub fn cancel_resource(&mut self, resource: &str) -> Vec<CallId> {
        let now = self.now();
        let calls = self.core.cancel_resource(now, resource);
        self.drain();
        calls
    }

    /// Calls not yet finished (recurring ones until cancelled).
    pub fn pending(&self) -> usize {
        self.core.pending()
    }

    /// Wait for the next result, at most until `until`. `None` when the
    /// time is up, or when nothing is pending that could ever report.
    pub fn next_result(&mut self, until: Option<Instant>) -> Option<OpResult> {
        loop {
            if let Some(r) = self.results.pop_front() {
                return Some(r);
            }
            if self.core.pending() == 0 && self.core.running() == 0 {
                return None;
            }
            let now = self.now();
            let core_at = self.core.poll_timeout().map(|t| self.epoch + t);
            let wake = match (core_at, until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let received = match wake {
                Some(at) => self
                    .ended_rx
                    .recv_timeout(at.saturating_duration_since(self.epoch + now)),
                None => self
                    .ended_rx
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
            };
            match received {
                Ok(ended) => {
                    let now = self.now();
                    self.core
                        .handle_exit(now, ended.run, ended.exit, &ended.stdout, &ended.stderr);
                    self.drain();
                    self.children.remove(&ended.run);
                }
                Err(RecvTimeoutError::Timeout) => {
                    let now = self.now();
                    self.core.handle_timeout(now);
                    self.drain();
                    if until.is_some_and(|u| Instant::now() >= u) && self.results.is_empty() {
                        return None;
                    }
                }
                // The runner holds a sender itself, so this cannot happen.
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Run one operation to its end and return its result (results of
    /// other calls that end meanwhile are kept for [`Runner::next_result`]).
    pub fn run(&mut self, op: Operation) -> OpResult {
        let call = self.submit(op);
        let mut others = Vec::new();
        let result = loop {
            match self.next_result(None) {
                Some(r) if r.call_id == call => break r,
                Some(r) => others.push(r),
                None => unreachable!("a submitted call always reports"),
            }
        };
        self.results.extend(others);
        result
    }

    fn say(&mut self, line: &str) {
        if let Some(log) = self.log.as_mut() {
            log(line);
        }
    }

    /// Act on everything the core asked for.
    fn drain(&mut self) {
        while let Some(out) = self.core.poll_output() {
            match out {
                Output::Spawn {
                    run,
                    call,
                    key,
                    invocation,
                } => {
                    if let Some(op) = self.core.operation(call) {
                        let line = format!(
                            "executing {key} (call {call}): {} {} {}",
                            op.agent,
                            op.action,
                            op.params_for_log()
                        );
                        self.say(line.trim_end());
                    }
                    self.spawn(run, invocation);
                }
                Output::Signal { run, signal } => self.signal(run, signal),
                Output::Report(result) => {
                    let mut line = format!(
                        "{} (call {}): rc={} status={} exec={}ms queue={}ms",
                        result.key(),
                        result.call_id,
                        result.rc,
                        result.status,
                        result.exec_time.as_millis(),
                        result.queue_time.as_millis()
                    );
                    if let Some(r) = &result.exit_reason {
                        line.push_str(&format!(" reason={r:?}"));
                    }
                    self.say(&line);
                    self.results.push_back(result);
                }
            }
        }
    }

    fn signal(&mut self, run: RunId, signal: Signal) {
        let Some(child) = self.children.get(&run) else {
            return;
        };
        let child = child.lock().unwrap_or_else(PoisonError::into_inner);
        let sig = match signal {
            Signal::Terminate => rustix::process::Signal::TERM,
            Signal::Kill => rustix::process::Signal::KILL,
        };
        // SIGTERM only while the leader is unreaped (its id is ours); the
        // final SIGKILL also sweeps members left after the leader is gone
        // (the group id stays taken while any member lives).
        if !child.reaped || signal == Signal::Kill {
            // ESRCH (the group is already empty) is the outcome we want.
            let _ = rustix::process::kill_process_group(child.pgid, sig);
        }
    }

    fn spawn(&mut self, run: RunId, invocation: Invocation) {
        match invocation {
            Invocation::Process {
                program,
                args,
                env,
                stdin,
            } => self.spawn_process(run, &program, &args, &env, stdin),
            Invocation::Describe(what) => {
                let (exit, stdout, stderr) = describe(&what, self.core.paths());
                let _ = self.ended_tx.send(Ended {
                    run,
                    exit,
                    stdout,
                    stderr,
                });
            }
            Invocation::Immediate { .. } => {
                unreachable!("the core answers immediate results itself")
            }
        }
    }

    fn spawn_process(
        &mut self,
        run: RunId,
        program: &Path,
        args: &[String],
        env: &[(String, String)],
        stdin: Option<Vec<u8>>,
    ) {
        let failed = |kind, message: String| Ended {
            run,
            exit: Exit::SpawnFailed { kind, message },
            stdout: String::new(),
            stderr: String::new(),
        };
        let (out, err) = match (output_file("stdout"), output_file("stderr")) {
            (Ok(o), Ok(e)) => (o, e),
            (Err(e), _) | (_, Err(e)) => {
                let _ = self.ended_tx.send(failed(
                    SpawnFailure::Other,
                    format!("cannot make an output file: {e}"),
                ));
                return;
            }
        };
        let stdio = |f: &File| f.try_clone().map(Stdio::from);
        let (Ok(out_stdio), Ok(err_stdio)) = (stdio(&out), stdio(&err)) else {
            let _ = self.ended_tx.send(failed(
                SpawnFailure::Other,
                "cannot duplicate an output file".to_string(),
            ));
            return;
        };
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir("/")
            .process_group(0)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(out_stdio)
            .stderr(err_stdio);
        let mut child = match spawn_retrying(&mut cmd) {
            Ok(c) => c,
            Err(e) => {
                let kind = match e.kind() {
                    std::io::ErrorKind::NotFound => SpawnFailure::NotFound,
                    std::io::ErrorKind::PermissionDenied => SpawnFailure::NotExecutable,
                    _ if e.raw_os_error() == Some(rustix::io::Errno::NOEXEC.raw_os_error()) => {
                        SpawnFailure::NotExecutable
                    }
                    _ => SpawnFailure::Other,
                };
                let _ = self
                    .ended_tx
                    .send(failed(kind, format!("{}: {e}", program.display())));
                return;
            }
        };
        let Some(pid) = Pid::from_raw(i32::try_from(child.id()).unwrap_or(0)) else {
            unreachable!("a spawned child has a positive pid");
        };
        let slot = Arc::new(Mutex::new(Child {
            pgid: pid,
            reaped: false,
        }));
        self.children.insert(run, slot.clone());
        let pipe = child.stdin.take();
        let tx = self.ended_tx.clone();
        std::thread::spawn(move || {
            if let (Some(mut pipe), Some(bytes)) = (pipe, stdin) {
                // An agent that exits without reading gives EPIPE: fine.
                let _ = pipe.write_all(&bytes);
            }
            // Wait for the end without reaping, so that the pid (and group
            // id) stays ours until `reaped` is set under the lock.
            let exited = loop {
                match rustix::process::waitid(
                    WaitId::Pid(pid),
                    WaitIdOptions::EXITED | WaitIdOptions::NOWAIT,
                ) {
                    Err(rustix::io::Errno::INTR) => continue,
                    other => break other.is_ok(),
                }
            };
            let status = if exited {
                // The process is a zombie now: reaping it under the lock
                // takes no time.
                let mut c = slot.lock().unwrap_or_else(PoisonError::into_inner);
                c.reaped = true;
                child.wait()
            } else {
                // Never expected: wait without the lock, so that signals
                // can still reach the group meanwhile.
                let status = child.wait();
                slot.lock().unwrap_or_else(PoisonError::into_inner).reaped = true;
                status
            };
            let exit = match status {
                Ok(s) => match (s.code(), s.signal()) {
                    (Some(code), _) => Exit::Code(code),
                    (None, Some(sig)) => Exit::Signaled(sig),
                    (None, None) => Exit::Code(-1),
                },
                Err(e) => Exit::SpawnFailed {
                    kind: SpawnFailure::Other,
                    message: format!("waiting for the agent failed: {e}"),
                },
            };
            let _ = tx.send(Ended {
                run,
                exit,
                stdout: read_tail(out),
                stderr: read_tail(err),
            });
        });
    }
}

impl Drop for Runner {
    /// Nothing outlives the runner unwatched: agents still running are
    /// killed with their groups.
    fn drop(&mut self) {
        for child in self.children.values() {
            let c = child.lock().unwrap_or_else(PoisonError::into_inner);
            if !c.reaped {
                let _ = rustix::process::kill_process_group(c.pgid, rustix::process::Signal::KILL);
            }
        }
    }
}

/// The origin on the executor's clock (ms), given the clock's and the wall
/// clock's present readings, shifted by whole intervals to be >= 0.
fn phase_origin(
    exec_now_ms: u128,
    wall_now_ms: u128,
    origin_wall_ms: i64,
    interval_ms: u128,
) -> u64 {
    let exec_now = i128::try_from(exec_now_ms).unwrap_or(i128::MAX);
    let wall_now = i128::try_from(wall_now_ms).unwrap_or(i128::MAX);
    let mut origin = exec_now + (i128::from(origin_wall_ms) - wall_now);
    let step = i128::try_from(interval_ms.max(1)).unwrap_or(i128::MAX);
    if origin < 0 {
        origin += ((-origin + step - 1) / step) * step;
    }
    u64::try_from(origin).unwrap_or(u64::MAX)
}

/// Spawn, trying again a few times while the program is open for writing
/// somewhere (ETXTBSY: an agent being installed or updated, or a file
/// descriptor briefly inherited by a child another thread forks).
fn spawn_retrying(cmd: &mut Command) -> std::io::Result<std::process::Child> {
    let busy = rustix::io::Errno::TXTBSY.raw_os_error();
    let mut pause = Duration::from_millis(2);
    for _ in 0..6 {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(busy) => {
                std::thread::sleep(pause);
                pause *= 2;
            }
            other => return other,
        }
    }
    cmd.spawn()
}

/// An anonymous in-memory file for one output stream.
fn output_file(name: &str) -> std::io::Result<File> {
    let fd = rustix::fs::memfd_create(name, rustix::fs::MemfdFlags::CLOEXEC)?;
    Ok(File::from(fd))
}

/// The last [`OUTPUT_LIMIT`] bytes written to an output file.
fn read_tail(mut f: File) -> String {
    let len = f.seek(SeekFrom::End(0)).unwrap_or(0);
    let start = len.saturating_sub(OUTPUT_LIMIT as u64);
    let mut buf = Vec::new();
    if f.seek(SeekFrom::Start(start)).is_ok() {
        let _ = f.take(OUTPUT_LIMIT as u64).read_to_end(&mut buf);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Meta-data for agents without their own.
fn describe(what: &Synthesized, paths: &Paths) -> (Exit, String, String) {
    let missing = |message: String| {
        (
            Exit::SpawnFailed {
                kind: SpawnFailure::NotFound,
                message,
            },
            String::new(),
            String::new(),
        )
    };
    match what {
        Synthesized::Lsb { path, name } => match std::fs::read(path) {
            Ok(bytes) => {
                let info = lsb::init_info(&String::from_utf8_lossy(&bytes));
                (Exit::Code(0), lsb::metadata_xml(name, &info), String::new())
            }
            Err(e) => missing(format!("{}: {e}", path.display())),
        },
        Synthesized::Systemd { unit } => {
            let file = paths
                .unit_dirs
                .iter()
                .map(|d| d.join(unit))
                .find(|p| p.is_file());
            match file {
                Some(p) => {
                    let text = std::fs::read_to_string(&p).unwrap_or_default();
                    let desc = systemd::unit_description(&text);
                    (
                        Exit::Code(0),
                        systemd::metadata_xml(unit, desc.as_deref()),
                        String::new(),
                    )
                }
                None => missing(format!(
                    "no unit file {unit} in the systemd unit directories"
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_wall_clock_origin_keeps_its_phase_on_the_executor_clock() {
        // Executor clock at 5 s; wall clock at 1000 s; origin at 990.25 s
        // with a 1 s interval: 10 s before now is before the clock's start,
        // so it moves by whole seconds to 0.25 s.
        assert_eq!(super::phase_origin(5_000, 1_000_000, 990_250, 1_000), 250);
        // An origin in the future stays where it is.
        assert_eq!(
            super::phase_origin(5_000, 1_000_000, 1_002_000, 1_000),
            7_000
        );
    }

    /// The runner can move to another thread (a daemon's agent thread).
    #[test]
    fn a_runner_is_send() {
        fn send<T: Send>() {}
        send::<super::Runner>();
    }
}
