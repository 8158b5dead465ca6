//! Driving the fencer with real fence agents: the fencer's operations run
//! through the executor's process runner until the request is over.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use vigil_executor::{CallId, Runner};

use crate::fencer::{ExecToken, FenceAction, FenceId, FenceOutcome, Fencer, Output};

/// Fence `target` now and wait for the outcome. `on_step` sees every agent
/// result on the way (device id, agent action, result).
pub fn fence(
    fencer: &mut Fencer,
    runner: &mut Runner,
    target: &str,
    action: FenceAction,
    origin: &str,
    timeout: Duration,
    mut on_step: impl FnMut(&vigil_executor::OpResult),
) -> FenceOutcome {
    let epoch = Instant::now();
    let id: FenceId = fencer.request(Duration::ZERO, target, action, origin, timeout);
    let mut calls: BTreeMap<CallId, ExecToken> = BTreeMap::new();
    loop {
        while let Some(out) = fencer.poll_output() {
            match out {
                Output::Execute { token, operation } => {
                    calls.insert(runner.submit(operation), token);
                }
                Output::Done(outcome) if outcome.id == id => return outcome,
                Output::Done(_) => {}
            }
        }
        let until = fencer
            .poll_timeout()
            .map(|t| Instant::now() + t.saturating_sub(epoch.elapsed()));
        match runner.next_result(until) {
            Some(result) => {
                if let Some(token) = calls.remove(&result.call_id) {
                    on_step(&result);
                    fencer.handle_result(epoch.elapsed(), token, &result);
                }
            }
            None if fencer.poll_timeout().is_none() => {
                // Nothing runs and nothing is due: the request cannot end.
                return FenceOutcome {
                    id,
                    target: target.to_string(),
                    action,
                    succeeded: false,
                    devices: Vec::new(),
                    reason: Some("the fencer stopped without an answer".to_string()),
                };
            }
            None => fencer.handle_timeout(epoch.elapsed()),
        }
    }
}
