//! The executor's core: a sans-IO state machine that queues operations per
//! resource, schedules recurring monitors, enforces timeouts and handles
//! cancellation.
//!
//! It never spawns, reads a clock or sleeps. The driver (the process
//! [`crate::runner::Runner`], or the simulator) feeds it inputs with an
//! explicit `now` and, after every input, drains [`Executor::poll_output`]:
//! spawn this invocation, signal that run's process group, report this
//! result. [`Executor::poll_timeout`] says when to call
//! [`Executor::handle_timeout`] next.
//!
//! Invariants:
//! - at most one run per resource at any time (operations on one resource
//!   wait in that resource's FIFO queue);
//! - a process group is signalled only while its run is in flight, and
//!   only after a timeout or a cancellation, never after success (a started
//!   daemon lives in the agent's group);
//! - every submitted call ends in exactly one report per run, and a
//!   cancelled call in a report with status `Cancelled`.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use crate::operation::{CallId, Exit, Invocation, OUTPUT_LIMIT, OpResult, Operation};
use crate::rc::{ExecStatus, OcfRc};
use crate::standard::{self, Outcome, Paths};

/// How long a timed-out agent's group gets between SIGTERM and SIGKILL.
pub const DEFAULT_KILL_GRACE: Duration = Duration::from_secs(2);

/// One execution of a call (a recurring call runs many times).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId(pub u64);

/// Signals the core asks the driver to send to a run's process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Terminate,
    Kill,
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Start this invocation in a new process group; report its end with
    /// [`Executor::handle_exit`].
    Spawn {
        run: RunId,
        call: CallId,
        /// The operation key, for logs.
        key: String,
        invocation: Invocation,
    },
    /// Send a signal to the run's whole process group.
    Signal { run: RunId, signal: Signal },
    /// A result for the caller.
    Report(OpResult),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    Timeout,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    /// SIGTERM sent; SIGKILL at `kill_at`.
    Terminating {
        kill_at: Duration,
        reason: Reason,
    },
    /// SIGKILL sent; waiting for the process to be reaped.
    Killed {
        reason: Reason,
    },
}

#[derive(Debug)]
struct Run {
    call: CallId,
    started: Duration,
    deadline: Duration,
    phase: Phase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not due before `due`.
    Waiting {
        due: Duration,
    },
    /// In its resource's queue since `since`.
    Queued {
        since: Duration,
    },
    Running {
        run: RunId,
        queued_since: Duration,
    },
}

#[derive(Debug)]
struct Call {
    op: Operation,
    state: State,
    /// Cancelled while its run was in flight: report as cancelled, never
    /// run again.
    cancelled: bool,
}

/// The sans-IO executor.
#[derive(Debug)]
pub struct Executor {
    paths: Paths,
    kill_grace: Duration,
    next_call: u64,
    next_run: u64,
    calls: BTreeMap<CallId, Call>,
    /// Per resource: the call in flight and the calls waiting, in order.
    queues: BTreeMap<String, (Option<CallId>, VecDeque<CallId>)>,
    runs: BTreeMap<RunId, Run>,
    outputs: VecDeque<Output>,
}

/// The first time on `origin + k * interval` (any integer k) at or after `at`.
fn align(at: Duration, origin: Duration, interval: Duration) -> Duration {
    let step = interval.as_nanos().max(1);
    if origin >= at {
        let back = (origin - at).as_nanos() / step;
        origin - nanos(back * step)
    } else {
        let ahead = (at - origin).as_nanos().div_ceil(step);
        origin + nanos(ahead * step)
    }
}

fn nanos(n: u128) -> Duration {
    Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX))
}

/// Keep the last `OUTPUT_LIMIT` bytes (on a character boundary) with every
/// secret value masked.
fn tail(text: &str, secrets: &[&str]) -> String {
    let mut start = text.len().saturating_sub(OUTPUT_LIMIT);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let mut out = text[start..].to_string();
    for s in secrets {
        out = out.replace(s, "*****");
    }
    out
}

impl Executor {
    pub fn new(paths: Paths) -> Executor {
        Executor {
            paths,
            kill_grace: DEFAULT_KILL_GRACE,
            next_call: 1,
            next_run: 1,
            calls: BTreeMap::new(),
            queues: BTreeMap::new(),
            runs: BTreeMap::new(),
            outputs: VecDeque::new(),
        }
    }

    /// Set the time between SIGTERM and SIGKILL for timed-out agents.
    pub fn with_kill_grace(mut self, grace: Duration) -> Executor {
        self.kill_grace = grace;
        self
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// Accept an operation. A recurring one first runs after its
    /// start-delay (aligned to its interval-origin, if any), then every
    /// interval after each run ends, until cancelled.
    pub fn submit(&mut self, now: Duration, op: Operation) -> CallId {
        let call = CallId(self.next_call);
        self.next_call += 1;
        let mut due = now + op.start_delay;
        if let (Some(origin), true) = (op.interval_origin, op.is_recurring()) {
            due = align(due, origin, op.interval);
        }
        self.calls.insert(
            call,
            Call {
                op,
                state: State::Waiting { due },
                cancelled: false,
            },
        );
        self.advance(now);
        call
    }

    /// Cancel a call. Waiting calls are dropped; a recurring call in flight
    /// finishes but is not run again; any other call in flight has its
    /// process group terminated. Each reports once with status
    /// `Cancelled`. Returns false for a call that is not (or no longer)
    /// known.
    pub fn cancel(&mut self, now: Duration, call: CallId) -> bool {
        let Some(c) = self.calls.get_mut(&call) else {
            return false;
        };
        if c.cancelled {
            return true;
        }
        match c.state {
            State::Waiting { .. } | State::Queued { .. } => {
                let c = self.calls.remove(&call).expect("present above");
                if let Some((_, waiting)) = self.queues.get_mut(&c.op.resource) {
                    waiting.retain(|w| *w != call);
                }
                let outcome = Outcome {
                    status: ExecStatus::Cancelled,
                    rc: OcfRc::ERR_GENERIC,
                    reason: Some("cancelled before it ran".to_string()),
                };
                let result = self.result(call, &c.op, outcome, None, ("", ""), now, now, now);
                self.outputs.push_back(Output::Report(result));
            }
            State::Running { run, .. } => {
                c.cancelled = true;
                if !c.op.is_recurring() {
                    self.terminate(now, run, Reason::Cancel);
                }
            }
        }
        self.advance(now);
        true
    }

    /// Cancel the call for `resource`'s `action` at `interval` (how the
    /// controller names recurring monitors), if there is one.
    pub fn cancel_op(
        &mut self,
        now: Duration,
        resource: &str,
        action: &str,
        interval: Duration,
    ) -> Option<CallId> {
        let call = self
            .calls
            .iter()
            .find(|(_, c)| {
                !c.cancelled
                    && c.op.resource == resource
                    && c.op.action == action
                    && c.op.interval == interval
            })
            .map(|(id, _)| *id)?;
        self.cancel(now, call);
        Some(call)
    }

    /// Cancel every call of `resource` (when it is forgotten, or before a
    /// stop the caller wants on its own). Returns the calls cancelled.
    pub fn cancel_resource(&mut self, now: Duration, resource: &str) -> Vec<CallId> {
        let calls: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| c.op.resource == resource && !c.cancelled)
            .map(|(id, _)| *id)
            .collect();
        for call in &calls {
            self.cancel(now, *call);
        }
        calls
    }

    /// The driver saw a run's process end (and reaped it).
    pub fn handle_exit(
        &mut self,
        now: Duration,
        run_id: RunId,
        exit: Exit,
        stdout: &str,
        stderr: &str,
    ) {
        let Some(run) = self.runs.remove(&run_id) else {
            return;
        };
        let Some(call) = self.calls.get(&run.call) else {
            return;
        };
        let op = &call.op;
        let outcome = match run.phase {
            Phase::Running if call.cancelled => Outcome {
                status: ExecStatus::Cancelled,
                rc: OcfRc::ERR_GENERIC,
                reason: Some("cancelled while it ran".to_string()),
            },
            Phase::Running => standard::interpret(op, &exit, stdout, stderr),
            Phase::Terminating { reason, .. } | Phase::Killed { reason } => {
                if matches!(run.phase, Phase::Terminating { .. }) {
                    // The leader is gone; whatever it left in its group
                    // goes too.
                    self.outputs.push_back(Output::Signal {
                        run: run_id,
                        signal: Signal::Kill,
                    });
                }
                match reason {
                    Reason::Timeout => Outcome {
                        status: ExecStatus::TimedOut,
                        rc: OcfRc::ERR_GENERIC,
                        reason: Some(format!(
                            "the agent did not finish within its {}ms timeout; its process group was killed",
                            op.timeout.as_millis()
                        )),
                    },
                    Reason::Cancel => Outcome {
                        status: ExecStatus::Cancelled,
                        rc: OcfRc::ERR_GENERIC,
                        reason: Some("cancelled while it ran; its process group was killed".into()),
                    },
                }
            }
        };
        self.finish(
            now,
            run.call,
            run.started,
            outcome,
            Some(exit),
            (stdout, stderr),
        );
        self.advance(now);
    }

    /// Time has reached (or passed) [`Executor::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Duration) {
        let ids: Vec<RunId> = self.runs.keys().copied().collect();
        for id in ids {
            let run = &self.runs[&id];
            match run.phase {
                Phase::Running if now >= run.deadline => self.terminate(now, id, Reason::Timeout),
                Phase::Terminating { kill_at, reason } if now >= kill_at => {
                    self.runs.get_mut(&id).expect("listed above").phase = Phase::Killed { reason };
                    self.outputs.push_back(Output::Signal {
                        run: id,
                        signal: Signal::Kill,
                    });
                }
                _ => {}
            }
        }
        self.advance(now);
    }

    /// The next output to act on, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When [`Executor::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let runs = self.runs.values().filter_map(|r| match r.phase {
            Phase::Running => Some(r.deadline),
            Phase::Terminating { kill_at, .. } => Some(kill_at),
            Phase::Killed { .. } => None,
        });
        let waiting = self.calls.values().filter_map(|c| match c.state {
            State::Waiting { due } => Some(due),
            _ => None,
        });
        runs.chain(waiting).min()
    }

    /// The operation of a call not yet finished.
    pub fn operation(&self, call: CallId) -> Option<&Operation> {
        self.calls.get(&call).map(|c| &c.op)
    }

    /// Calls not yet finished (recurring ones until cancelled).
    pub fn pending(&self) -> usize {
        self.calls.len()
    }

    /// Runs in flight.
    pub fn running(&self) -> usize {
        self.runs.len()
    }

    fn terminate(&mut self, now: Duration, run: RunId, reason: Reason) {
        if let Some(r) = self.runs.get_mut(&run)
            && r.phase == Phase::Running
        {
            r.phase = Phase::Terminating {
                kill_at: now + self.kill_grace,
                reason,
            };
            self.outputs.push_back(Output::Signal {
                run,
                signal: Signal::Terminate,
            });
        }
    }

    /// Move due calls into their queues and start what can start.
    fn advance(&mut self, now: Duration) {
        let due: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| matches!(c.state, State::Waiting { due } if due <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let c = self.calls.get_mut(&id).expect("listed above");
            let State::Waiting { due } = c.state else {
                continue;
            };
            c.state = State::Queued { since: due };
            self.queues
                .entry(c.op.resource.clone())
                .or_default()
                .1
                .push_back(id);
        }
        let idle: Vec<String> = self
            .queues
            .iter()
            .filter(|(_, (running, waiting))| running.is_none() && !waiting.is_empty())
            .map(|(r, _)| r.clone())
            .collect();
        for resource in idle {
            self.start_next(now, &resource);
        }
        self.queues
            .retain(|_, (running, waiting)| running.is_some() || !waiting.is_empty());
    }

    fn start_next(&mut self, now: Duration, resource: &str) {
        while let Some(id) = self
            .queues
            .get_mut(resource)
            .and_then(|(_, waiting)| waiting.pop_front())
        {
            let c = self.calls.get_mut(&id).expect("queued calls exist");
            let State::Queued { since } = c.state else {
                continue;
            };
            match standard::invocation(&c.op, &self.paths) {
                Invocation::Immediate { rc, reason } => {
                    let reason = (!reason.is_empty()).then_some(reason);
                    self.finish(now, id, now, Outcome::done(rc, reason), None, ("", ""));
                }
                invocation => {
                    let run = RunId(self.next_run);
                    self.next_run += 1;
                    c.state = State::Running {
                        run,
                        queued_since: since,
                    };
                    self.runs.insert(
                        run,
                        Run {
                            call: id,
                            started: now,
                            deadline: now + c.op.timeout,
                            phase: Phase::Running,
                        },
                    );
                    self.queues.entry(resource.to_string()).or_default().0 = Some(id);
                    self.outputs.push_back(Output::Spawn {
                        run,
                        call: id,
                        key: c.op.key(),
                        invocation,
                    });
                    return;
                }
            }
        }
    }

    /// A run (or an immediate result) is over: report, then reschedule a
    /// recurring call or forget a one-shot one, and free the resource. The
    /// caller starts what may start next.
    fn finish(
        &mut self,
        now: Duration,
        id: CallId,
        started: Duration,
        outcome: Outcome,
        exit: Option<Exit>,
        output: (&str, &str),
    ) {
        let Some(c) = self.calls.get(&id) else {
            return;
        };
        let queued_since = match c.state {
            State::Running { queued_since, .. } => queued_since,
            State::Queued { since } => since,
            State::Waiting { due } => due,
        };
        let result = self.result(id, &c.op, outcome, exit, output, queued_since, started, now);
        self.outputs.push_back(Output::Report(result));
        let c = self.calls.get_mut(&id).expect("present above");
        let resource = c.op.resource.clone();
        if c.op.is_recurring() && !c.cancelled {
            let next = now + c.op.interval;
            let due = match c.op.interval_origin {
                Some(origin) => align(now + Duration::from_nanos(1), origin, c.op.interval),
                None => next,
            };
            c.state = State::Waiting { due };
        } else {
            self.calls.remove(&id);
        }
        if let Some((running, _)) = self.queues.get_mut(&resource)
            && *running == Some(id)
        {
            *running = None;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn result(
        &self,
        id: CallId,
        op: &Operation,
        outcome: Outcome,
        exit: Option<Exit>,
        (stdout, stderr): (&str, &str),
        queued_since: Duration,
        started: Duration,
        now: Duration,
    ) -> OpResult {
        let secrets = op.secret_values();
        OpResult {
            call_id: id,
            resource: op.resource.clone(),
            agent: op.agent.clone(),
            action: op.action.clone(),
            interval: op.interval,
            status: outcome.status,
            rc: outcome.rc,
            exit,
            exit_reason: outcome.reason.map(|r| tail(&r, &secrets)),
            exec_time: now.saturating_sub(started),
            queue_time: started.saturating_sub(queued_since),
            stdout: tail(stdout, &secrets),
            stderr: tail(stderr, &secrets),
        }
    }
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
