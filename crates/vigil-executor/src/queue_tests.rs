//! The core driven by hand: virtual time, made-up exits.

use super::*;
use crate::agent::AgentSpec;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn dummy(rsc: &str, action: &str) -> Operation {
    Operation::new(rsc, AgentSpec::ocf("heartbeat", "Dummy"), action)
}

fn drain(ex: &mut Executor) -> Vec<Output> {
    std::iter::from_fn(|| ex.poll_output()).collect()
}

fn spawned(outs: &[Output]) -> Vec<(RunId, String)> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Spawn { run, key, .. } => Some((*run, key.clone())),
            _ => None,
        })
        .collect()
}

fn reports(outs: &[Output]) -> Vec<&OpResult> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Report(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn one_resource_runs_one_operation_at_a_time() {
    let mut ex = Executor::new(Paths::default());
    ex.submit(ms(0), dummy("a", "start"));
    ex.submit(ms(0), dummy("a", "monitor"));
    ex.submit(ms(0), dummy("b", "start"));
    let outs = drain(&mut ex);
    let keys: Vec<String> = spawned(&outs).into_iter().map(|(_, k)| k).collect();
    assert_eq!(
        keys,
        ["a_start_0", "b_start_0"],
        "a's monitor waits for its start"
    );
    let a_start = spawned(&outs)[0].0;
    ex.handle_exit(ms(30), a_start, Exit::Code(0), "", "");
    let outs = drain(&mut ex);
    let r = reports(&outs);
    assert_eq!(
        (r[0].key(), r[0].rc, r[0].exec_time),
        ("a_start_0".into(), OcfRc::OK, ms(30))
    );
    let (_, key) = &spawned(&outs)[0];
    assert_eq!(key, "a_monitor_0");
}

#[test]
fn queue_time_is_measured_from_when_the_call_could_run() {
    let mut ex = Executor::new(Paths::default());
    ex.submit(ms(0), dummy("a", "start"));
    ex.submit(ms(5), dummy("a", "stop"));
    let first = spawned(&drain(&mut ex))[0].0;
    ex.handle_exit(ms(25), first, Exit::Code(0), "", "");
    let second = spawned(&drain(&mut ex))[0].0;
    ex.handle_exit(ms(40), second, Exit::Code(0), "", "");
    let outs = drain(&mut ex);
    let r = reports(&outs)[0];
    assert_eq!((r.queue_time, r.exec_time), (ms(20), ms(15)));
}

#[test]
fn a_timeout_terminates_then_kills_the_group_and_reports_timed_out() {
    let mut ex = Executor::new(Paths::default()).with_kill_grace(ms(100));
    ex.submit(ms(0), dummy("a", "start").timeout(ms(500)));
    let run = spawned(&drain(&mut ex))[0].0;
    assert_eq!(ex.poll_timeout(), Some(ms(500)));
    ex.handle_timeout(ms(499));
    assert!(drain(&mut ex).is_empty(), "nothing before the deadline");
    ex.handle_timeout(ms(500));
    assert_eq!(
        drain(&mut ex),
        [Output::Signal {
            run,
            signal: Signal::Terminate
        }]
    );
    assert_eq!(ex.poll_timeout(), Some(ms(600)));
    ex.handle_timeout(ms(600));
    assert_eq!(
        drain(&mut ex),
        [Output::Signal {
            run,
            signal: Signal::Kill
        }]
    );
    assert_eq!(ex.poll_timeout(), None);
    ex.handle_exit(ms(601), run, Exit::Signaled(9), "", "");
    let outs = drain(&mut ex);
    let r = reports(&outs)[0];
    assert_eq!((r.status, r.rc), (ExecStatus::TimedOut, OcfRc::ERR_GENERIC));
    assert!(r.exit_reason.as_deref().unwrap().contains("500ms timeout"));
}

#[test]
fn a_leader_that_dies_on_sigterm_still_gets_its_group_killed() {
    let mut ex = Executor::new(Paths::default());
    ex.submit(ms(0), dummy("a", "start").timeout(ms(10)));
    let run = spawned(&drain(&mut ex))[0].0;
    ex.handle_timeout(ms(10));
    drain(&mut ex);
    ex.handle_exit(ms(11), run, Exit::Signaled(15), "", "");
    let outs = drain(&mut ex);
    assert_eq!(
        outs[0],
        Output::Signal {
            run,
            signal: Signal::Kill
        }
    );
    assert_eq!(reports(&outs)[0].status, ExecStatus::TimedOut);
}

#[test]
fn recurring_monitors_run_every_interval_after_each_run() {
    let mut ex = Executor::new(Paths::default());
    let call = ex.submit(ms(0), dummy("a", "monitor").interval(ms(1000)));
    let run = spawned(&drain(&mut ex))[0].0;
    ex.handle_exit(ms(50), run, Exit::Code(0), "", "");
    assert_eq!(reports(&drain(&mut ex))[0].call_id, call);
    assert_eq!(ex.poll_timeout(), Some(ms(1050)));
    ex.handle_timeout(ms(1050));
    let run = spawned(&drain(&mut ex))[0].0;
    ex.handle_exit(ms(1060), run, Exit::Code(7), "", "");
    let outs = drain(&mut ex);
    let r = reports(&outs)[0];
    assert_eq!(
        (r.call_id, r.rc, r.interval),
        (call, OcfRc::NOT_RUNNING, ms(1000))
    );
    assert_eq!(ex.pending(), 1, "still scheduled");
}

#[test]
fn start_delay_and_interval_origin_place_the_first_run() {
    let mut ex = Executor::new(Paths::default());
    let mut op = dummy("a", "monitor").interval(ms(1000));
    op.start_delay = ms(250);
    op.interval_origin = Some(ms(100));
    ex.submit(ms(0), op);
    assert!(spawned(&drain(&mut ex)).is_empty());
    // 0 + 250 ms, then the next slot on 100 + k * 1000.
    assert_eq!(ex.poll_timeout(), Some(ms(1100)));
    ex.handle_timeout(ms(1100));
    let run = spawned(&drain(&mut ex))[0].0;
    ex.handle_exit(ms(1130), run, Exit::Code(0), "", "");
    drain(&mut ex);
    assert_eq!(ex.poll_timeout(), Some(ms(2100)));
    assert_eq!(align(ms(50), ms(2100), ms(1000)), ms(100));
}

#[test]
fn cancelling_a_waiting_call_reports_it_cancelled_at_once() {
    let mut ex = Executor::new(Paths::default());
    ex.submit(ms(0), dummy("a", "start"));
    let queued = ex.submit(ms(0), dummy("a", "stop"));
    drain(&mut ex);
    assert!(ex.cancel(ms(1), queued));
    let outs = drain(&mut ex);
    assert_eq!(reports(&outs)[0].status, ExecStatus::Cancelled);
    assert!(!ex.cancel(ms(2), queued), "gone");
}

#[test]
fn cancelling_a_running_recurring_monitor_lets_it_finish_and_stops_it() {
    let mut ex = Executor::new(Paths::default());
    ex.submit(ms(0), dummy("a", "monitor").interval(ms(1000)));
    let run = spawned(&drain(&mut ex))[0].0;
    assert_eq!(
        ex.cancel_op(ms(5), "a", "monitor", ms(1000)).map(|c| c.0),
        Some(1)
    );
    assert!(
        drain(&mut ex).is_empty(),
        "no signal to a recurring monitor"
    );
    ex.handle_exit(ms(20), run, Exit::Code(0), "", "");
    let outs = drain(&mut ex);
    assert_eq!(reports(&outs)[0].status, ExecStatus::Cancelled);
    assert_eq!((ex.pending(), ex.poll_timeout()), (0, None));
}

#[test]
fn cancelling_a_running_one_shot_call_terminates_its_group() {
    let mut ex = Executor::new(Paths::default());
    let call = ex.submit(ms(0), dummy("a", "start"));
    let run = spawned(&drain(&mut ex))[0].0;
    ex.cancel(ms(5), call);
    assert_eq!(
        drain(&mut ex),
        [Output::Signal {
            run,
            signal: Signal::Terminate
        }]
    );
    ex.handle_exit(ms(6), run, Exit::Signaled(15), "", "");
    let outs = drain(&mut ex);
    assert_eq!(reports(&outs)[0].status, ExecStatus::Cancelled);
}

#[test]
fn cancelling_a_resource_cancels_all_its_calls_and_no_others() {
    let mut ex = Executor::new(Paths::default());
    ex.submit(ms(0), dummy("a", "monitor").interval(ms(1000)));
    ex.submit(ms(0), dummy("a", "monitor").interval(ms(5000)));
    ex.submit(ms(0), dummy("b", "monitor").interval(ms(1000)));
    let runs = spawned(&drain(&mut ex));
    let a_run = runs.iter().find(|(_, k)| k.starts_with("a_")).unwrap().0;
    let cancelled = ex.cancel_resource(ms(1), "a");
    assert_eq!(cancelled.len(), 2);
    // The queued one reports at once; the running one when it ends.
    assert_eq!(reports(&drain(&mut ex)).len(), 1);
    ex.handle_exit(ms(2), a_run, Exit::Code(0), "", "");
    let outs = drain(&mut ex);
    assert_eq!(reports(&outs)[0].status, ExecStatus::Cancelled);
    assert_eq!(ex.pending(), 1, "b's monitor goes on");
}

#[test]
fn secrets_are_masked_in_kept_output() {
    let mut ex = Executor::new(Paths::default());
    ex.submit(ms(0), dummy("a", "start").param("password", "s3cr3t"));
    let run = spawned(&drain(&mut ex))[0].0;
    ex.handle_exit(
        ms(1),
        run,
        Exit::Code(1),
        "pw is s3cr3t",
        "ocf-exit-reason:bad s3cr3t",
    );
    let outs = drain(&mut ex);
    let r = reports(&outs)[0];
    assert_eq!(r.stdout, "pw is *****");
    assert_eq!(r.exit_reason.as_deref(), Some("bad *****"));
}

#[test]
fn immediate_results_need_no_process() {
    let mut ex = Executor::new(Paths::default());
    ex.submit(
        ms(0),
        Operation::new("f", "fence_dummy".parse().unwrap(), "stop"),
    );
    ex.submit(
        ms(0),
        Operation::new("f", "fence_dummy".parse().unwrap(), "monitor"),
    );
    let outs = drain(&mut ex);
    assert_eq!(reports(&outs)[0].rc, OcfRc::OK);
    assert_eq!(spawned(&outs).len(), 1, "the monitor runs right after");
}

/// What a random walk has seen, to check the core against.
#[derive(Default)]
struct Watch {
    seed: u64,
    /// Run → (resource, call).
    in_flight: std::collections::BTreeMap<RunId, (String, CallId)>,
    one_shot: std::collections::BTreeSet<CallId>,
    reported: std::collections::BTreeMap<CallId, u32>,
    finished: std::collections::BTreeSet<CallId>,
}

impl Watch {
    fn check(&mut self, ex: &mut Executor) {
        let seed = self.seed;
        while let Some(out) = ex.poll_output() {
            match out {
                Output::Spawn { run, call, key, .. } => {
                    let rsc = key.split('_').next().unwrap().to_string();
                    assert!(
                        self.in_flight.values().all(|(r, _)| *r != rsc),
                        "seed {seed}: two runs of {rsc}"
                    );
                    self.in_flight.insert(run, (rsc, call));
                }
                Output::Signal { run, signal } => assert!(
                    self.in_flight.contains_key(&run) || signal == Signal::Kill,
                    "seed {seed}: SIGTERM to a run not in flight"
                ),
                Output::Report(r) => {
                    assert!(
                        !self.finished.contains(&r.call_id),
                        "seed {seed}: report after the end of {:?}",
                        r.call_id
                    );
                    *self.reported.entry(r.call_id).or_default() += 1;
                    if self.one_shot.contains(&r.call_id) || r.status == ExecStatus::Cancelled {
                        self.finished.insert(r.call_id);
                    }
                }
            }
        }
    }
}

/// A seeded random walk over the core's inputs, checking its invariants
/// after every step: one run per resource, signals only to runs in flight,
/// every one-shot call reported exactly once, nothing after a call's end
/// is reported, and everything drains in the end.
#[test]
fn random_inputs_keep_the_invariants() {
    for seed in 1..=20u64 {
        let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let mut ex = Executor::new(Paths::default()).with_kill_grace(ms(50));
        let mut now = Duration::ZERO;
        let mut w = Watch {
            seed,
            ..Watch::default()
        };
        let mut calls: Vec<CallId> = Vec::new();
        for _ in 0..400 {
            match next(10) {
                0..=2 => {
                    let rsc = format!("r{}", next(4));
                    let action = ["start", "stop", "monitor"][next(3) as usize];
                    let call = ex.submit(now, dummy(&rsc, action).timeout(ms(10 + next(200))));
                    w.one_shot.insert(call);
                    calls.push(call);
                }
                3 => {
                    let rsc = format!("r{}", next(4));
                    let op = dummy(&rsc, "monitor")
                        .interval(ms(20 + next(100)))
                        .timeout(ms(50));
                    calls.push(ex.submit(now, op));
                }
                4 if !calls.is_empty() => {
                    let call = calls[next(calls.len() as u64) as usize];
                    ex.cancel(now, call);
                }
                5..=7 if !w.in_flight.is_empty() => {
                    let runs: Vec<RunId> = w.in_flight.keys().copied().collect();
                    let run = runs[next(runs.len() as u64) as usize];
                    w.in_flight.remove(&run);
                    now += ms(next(5));
                    ex.handle_exit(now, run, Exit::Code(next(8) as i32), "", "");
                }
                _ => {
                    now += ms(next(60));
                    ex.handle_timeout(now);
                }
            }
            w.check(&mut ex);
        }
        // Drain: cancel everything, end every run, let time pass.
        for call in calls.clone() {
            ex.cancel(now, call);
        }
        w.check(&mut ex);
        for _ in 0..100 {
            for run in w.in_flight.keys().copied().collect::<Vec<_>>() {
                w.in_flight.remove(&run);
                ex.handle_exit(now, run, Exit::Signaled(9), "", "");
            }
            now += ms(100);
            ex.handle_timeout(now);
            w.check(&mut ex);
            if ex.pending() == 0 && w.in_flight.is_empty() {
                break;
            }
        }
        assert_eq!(
            (ex.pending(), ex.running()),
            (0, 0),
            "seed {seed}: did not drain"
        );
        for call in &w.one_shot {
            assert_eq!(
                w.reported.get(call),
                Some(&1),
                "seed {seed}: {call:?} reported {:?} times",
                w.reported.get(call)
            );
        }
    }
}
