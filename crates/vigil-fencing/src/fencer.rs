//! The fencer core (Pacemaker's pacemaker-fenced): takes requests to fence
//! a node, finds the devices that can do it, runs their fence-agent actions
//! level by level through the executor, keeps the fence history and hands
//! each outcome back.
//!
//! Sans-IO like the executor core: it asks for agent operations
//! ([`Output::Execute`]) and is told their results
//! ([`Fencer::handle_result`]); delays come back through
//! [`Fencer::poll_timeout`] / [`Fencer::handle_timeout`].

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use vigil_cib::Cib;
use vigil_cib::config::FencingLevel;
use vigil_cib::nvset::evaluate_sets;
use vigil_cib::rule::RuleContext;
use vigil_executor::{OcfRc, OpResult, Operation};

use crate::device::{Device, DeviceError, HostCheck, devices_from_cib};
use crate::topology::levels_for;

/// Pacemaker's default `fencing-timeout`.
pub const DEFAULT_FENCING_TIMEOUT: Duration = Duration::from_secs(60);

/// One fencing request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FenceId(pub u64);

/// One agent operation the fencer waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExecToken(pub u64);

/// The fencing actions a caller may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FenceAction {
    Reboot,
    Off,
    On,
}

impl FenceAction {
    pub fn parse(text: &str) -> Option<FenceAction> {
        Some(match text {
            "reboot" => FenceAction::Reboot,
            "off" | "poweroff" => FenceAction::Off,
            "on" => FenceAction::On,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FenceAction::Reboot => "reboot",
            FenceAction::Off => "off",
            FenceAction::On => "on",
        }
    }
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Run this fence-agent operation (through the executor) and report
    /// its result with [`Fencer::handle_result`].
    Execute {
        token: ExecToken,
        operation: Operation,
    },
    /// A request is over.
    Done(FenceOutcome),
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FenceOutcome {
    pub id: FenceId,
    pub target: String,
    pub action: FenceAction,
    pub succeeded: bool,
    /// The devices whose actions fenced the node.
    pub devices: Vec<String>,
    /// Why it failed (or how, step by step, when it did not).
    pub reason: Option<String>,
}

/// State of a history entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FenceState {
    Pending,
    Succeeded,
    Failed,
}

/// One line of fence history (`stonith_admin --history`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub id: FenceId,
    pub target: String,
    pub action: FenceAction,
    /// Who asked.
    pub origin: String,
    pub state: FenceState,
    pub requested_at: Duration,
    pub completed_at: Option<Duration>,
    pub devices: Vec<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    device: String,
    /// The fencing action for this step (a reboot through a level of
    /// several devices becomes all "off", then all "on").
    action: &'static str,
}

#[derive(Debug)]
enum Phase {
    /// Asking dynamic-list / status devices whether they can fence the
    /// target.
    Discovering { waiting: BTreeSet<ExecToken> },
    /// Running level `level`, step `step`.
    Executing {
        levels: Vec<(String, Vec<Step>)>,
        level: usize,
        step: usize,
        tries: u32,
        waiting: Option<ExecToken>,
        delay_until: Option<Duration>,
    },
}

#[derive(Debug)]
struct Request {
    target: String,
    action: FenceAction,
    deadline: Duration,
    phase: Phase,
    /// What went wrong on the way (one line per failed step).
    failures: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Query {
    List,
    Status,
}

/// The fencer.
#[derive(Debug)]
pub struct Fencer {
    devices: Vec<Device>,
    levels: Vec<FencingLevel>,
    node_attrs: BTreeMap<String, BTreeMap<String, String>>,
    /// Ports each dynamic-list device reported.
    lists: BTreeMap<String, BTreeSet<String>>,
    /// Per request: devices that said (status) they can fence the target.
    status_ok: BTreeMap<FenceId, BTreeSet<String>>,
    requests: BTreeMap<FenceId, Request>,
    waiting: BTreeMap<ExecToken, (FenceId, String, Option<Query>)>,
    history: Vec<HistoryEntry>,
    outputs: VecDeque<Output>,
    next_id: u64,
    next_token: u64,
    rng: u64,
}

impl Fencer {
    /// A fencer over these devices and levels; `seed` drives the random
    /// part of `pcmk_delay_max`.
    pub fn new(devices: Vec<Device>, levels: Vec<FencingLevel>, seed: u64) -> Fencer {
        Fencer {
            devices,
            levels,
            node_attrs: BTreeMap::new(),
            lists: BTreeMap::new(),
            status_ok: BTreeMap::new(),
            requests: BTreeMap::new(),
            waiting: BTreeMap::new(),
            history: Vec::new(),
            outputs: VecDeque::new(),
            next_id: 1,
            next_token: 1,
            rng: seed | 1,
        }
    }

    /// The devices and topology of a CIB, with node attributes for
    /// attribute-matched levels; problems with device definitions are
    /// returned beside it.
    pub fn from_cib(cib: &Cib, seed: u64) -> (Fencer, Vec<DeviceError>) {
        let (devices, problems) = devices_from_cib(cib);
        let mut f = Fencer::new(devices, cib.config.fencing_levels.clone(), seed);
        let ctx = RuleContext::default();
        for n in &cib.config.nodes {
            f.node_attrs
                .insert(n.uname.clone(), evaluate_sets(&n.attributes, &ctx, None));
        }
        (f, problems)
    }

    pub fn devices(&self) -> &[Device] {
        &self.devices
    }

    pub fn history(&self) -> &[HistoryEntry] {
        &self.history
    }

    /// The history of one node, oldest first.
    pub fn history_of<'a>(
        &'a self,
        target: &'a str,
    ) -> impl Iterator<Item = &'a HistoryEntry> + 'a {
        self.history.iter().filter(move |h| h.target == target)
    }

    /// Ask for `target` to be fenced. `origin` names who asked (for the
    /// history); `timeout` bounds the whole request. A request for a node
    /// and action already in progress joins it and gets its id (Pacemaker
    /// merges such duplicates: the node is fenced once).
    pub fn request(
        &mut self,
        now: Duration,
        target: &str,
        action: FenceAction,
        origin: &str,
        timeout: Duration,
    ) -> FenceId {
        if let Some((id, _)) = self
            .requests
            .iter()
            .find(|(_, r)| r.target == target && r.action == action)
        {
            return *id;
        }
        let id = FenceId(self.next_id);
        self.next_id += 1;
        self.history.push(HistoryEntry {
            id,
            target: target.to_string(),
            action,
            origin: origin.to_string(),
            state: FenceState::Pending,
            requested_at: now,
            completed_at: None,
            devices: Vec::new(),
            reason: None,
        });
        self.requests.insert(
            id,
            Request {
                target: target.to_string(),
                action,
                deadline: now + timeout,
                phase: Phase::Discovering {
                    waiting: BTreeSet::new(),
                },
                failures: Vec::new(),
            },
        );
        self.discover(now, id);
        id
    }

    /// The result of an operation asked for with [`Output::Execute`].
    pub fn handle_result(&mut self, now: Duration, token: ExecToken, result: &OpResult) {
        let Some((id, device, query)) = self.waiting.remove(&token) else {
            return;
        };
        if let Some(q) = query {
            match q {
                Query::List if result.rc == OcfRc::OK => {
                    let ports = parse_list(&result.stdout);
                    self.lists.insert(device.clone(), ports);
                }
                Query::List => {
                    // A device that cannot list (and was not told to) is
                    // asked about the node itself, as with `status`; its
                    // list is asked for again next time.
                    let device = self.devices.iter().find(|d| d.id == device).cloned();
                    if let Some(d) = device.filter(|d| !d.host_check_explicit)
                        && let Some(r) = self.requests.get(&id)
                    {
                        let (target, remaining) =
                            (r.target.clone(), r.deadline.saturating_sub(now));
                        let fallback = self.query(id, &d, Query::Status, &target, remaining);
                        if let Some(Phase::Discovering { waiting }) =
                            self.requests.get_mut(&id).map(|r| &mut r.phase)
                        {
                            waiting.insert(fallback);
                        }
                    }
                }
                Query::Status => {
                    // 0 on, 2 (mapped to not running) off: either way the
                    // device knows the node.
                    if matches!(result.rc, OcfRc::OK | OcfRc::NOT_RUNNING) {
                        self.status_ok.entry(id).or_default().insert(device.clone());
                    }
                }
            }
            let done = match self.requests.get_mut(&id).map(|r| &mut r.phase) {
                Some(Phase::Discovering { waiting }) => {
                    waiting.remove(&token);
                    waiting.is_empty()
                }
                _ => false,
            };
            if done {
                self.plan(now, id);
            }
            return;
        }
        let Some(req) = self.requests.get_mut(&id) else {
            return;
        };
        let Phase::Executing {
            levels,
            level,
            step,
            tries,
            waiting,
            ..
        } = &mut req.phase
        else {
            return;
        };
        *waiting = None;
        let (_, steps) = &levels[*level];
        let this = steps[*step].clone();
        if result.rc == OcfRc::OK {
            *step += 1;
            *tries = 0;
        } else {
            let why = result
                .exit_reason
                .clone()
                .unwrap_or_else(|| format!("{} ({})", result.rc, result.status));
            req.failures.push(format!(
                "{} {} of {} failed: {why}",
                this.device, this.action, req.target
            ));
            let retries = self
                .devices
                .iter()
                .find(|d| d.id == this.device)
                .map_or(0, |d| d.action_retries(this.action));
            if *tries < retries && now < req.deadline {
                *tries += 1;
            } else {
                // The level fails; on to the next one.
                *level += 1;
                *step = 0;
                *tries = 0;
            }
        }
        self.proceed(now, id);
    }

    /// When [`Fencer::handle_timeout`] is next due (a device delay).
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.requests
            .values()
            .filter_map(|r| match r.phase {
                Phase::Executing { delay_until, .. } => delay_until,
                _ => None,
            })
            .min()
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        let due: Vec<FenceId> = self
            .requests
            .iter()
            .filter(|(_, r)| {
                matches!(r.phase, Phase::Executing { delay_until: Some(t), .. } if t <= now)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            if let Some(Phase::Executing { delay_until, .. }) =
                self.requests.get_mut(&id).map(|r| &mut r.phase)
            {
                *delay_until = None;
            }
            self.proceed(now, id);
        }
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    fn random_below(&mut self, bound: Duration) -> Duration {
        // xorshift64: deterministic from the seed.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let ms = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX);
        if ms == 0 {
            Duration::ZERO
        } else {
            Duration::from_millis(self.rng % ms)
        }
    }

    fn token(&mut self) -> ExecToken {
        let t = ExecToken(self.next_token);
        self.next_token += 1;
        t
    }

    /// An operation of `device`'s agent aimed at `target`.
    fn agent_op(device: &Device, action: &str, target: &str, timeout: Duration) -> Operation {
        let mut op = Operation::new(&device.id, device.agent.clone(), action).timeout(timeout);
        op.params = device.params.clone();
        if let Some(arg) = &device.host_argument {
            op.params.insert(arg.clone(), device.port_for(target));
        }
        op.params.insert("nodename".to_string(), target.to_string());
        op
    }

    fn has_topology(&self, target: &str) -> bool {
        let attrs = self.node_attrs.get(target).cloned().unwrap_or_default();
        !levels_for(&self.levels, target, &attrs).is_empty()
    }

    /// Ask the devices that decide dynamically whether they can fence the
    /// target; plan at once when none has to be asked.
    fn discover(&mut self, now: Duration, id: FenceId) {
        let target = self.requests[&id].target.clone();
        let remaining = self.requests[&id].deadline.saturating_sub(now);
        let mut asked = BTreeSet::new();
        if !self.has_topology(&target) {
            let queries: Vec<(Device, Query)> = self
                .devices
                .iter()
                .filter_map(|d| match d.host_check {
                    HostCheck::DynamicList if !self.lists.contains_key(&d.id) => {
                        Some((d.clone(), Query::List))
                    }
                    HostCheck::Status => Some((d.clone(), Query::Status)),
                    _ => None,
                })
                .collect();
            for (device, query) in queries {
                asked.insert(self.query(id, &device, query, &target, remaining));
            }
        }
        let empty = asked.is_empty();
        if let Some(r) = self.requests.get_mut(&id) {
            r.phase = Phase::Discovering { waiting: asked };
        }
        if empty {
            self.plan(now, id);
        }
    }

    /// Ask `device` a discovery question (`list` or `status`) for request
    /// `id`.
    fn query(
        &mut self,
        id: FenceId,
        device: &Device,
        query: Query,
        target: &str,
        remaining: Duration,
    ) -> ExecToken {
        let token = self.token();
        let action = match query {
            Query::List => "list",
            Query::Status => "status",
        };
        let timeout = device
            .action_timeout(action)
            .unwrap_or(remaining)
            .min(remaining);
        let operation = Fencer::agent_op(device, action, target, timeout);
        self.waiting
            .insert(token, (id, device.id.clone(), Some(query)));
        self.outputs.push_back(Output::Execute { token, operation });
        token
    }

    /// Whether `device` can fence `target` (after discovery).
    fn can_fence(&self, id: FenceId, device: &Device, target: &str) -> bool {
        match device.host_check {
            HostCheck::None => true,
            HostCheck::StaticList => device.lists(target),
            HostCheck::DynamicList => {
                self.lists.get(&device.id).is_some_and(|ports| {
                    ports.contains(target) || ports.contains(&device.port_for(target))
                }) || self
                    .status_ok
                    .get(&id)
                    .is_some_and(|ok| ok.contains(&device.id))
            }
            HostCheck::Status => self
                .status_ok
                .get(&id)
                .is_some_and(|ok| ok.contains(&device.id)),
        }
    }

    /// Turn the topology (or the capable devices) into levels of steps.
    fn plan(&mut self, now: Duration, id: FenceId) {
        let Some(req) = self.requests.get(&id) else {
            return;
        };
        let target = req.target.clone();
        let action = req.action;
        let attrs = self.node_attrs.get(&target).cloned().unwrap_or_default();
        let topology = levels_for(&self.levels, &target, &attrs);
        let mut levels: Vec<(String, Vec<String>)> = if topology.is_empty() {
            let mut capable: Vec<&Device> = self
                .devices
                .iter()
                .filter(|d| self.can_fence(id, d, &target))
                .collect();
            // Higher priority first; document order among equals.
            capable.sort_by_key(|d| std::cmp::Reverse(d.priority));
            capable
                .into_iter()
                .map(|d| (format!("device {}", d.id), vec![d.id.clone()]))
                .collect()
        } else {
            topology
                .into_iter()
                .map(|l| (format!("level {} ({})", l.index, l.id), l.devices))
                .collect()
        };
        self.status_ok.remove(&id);
        let mut planned = Vec::new();
        for (name, devices) in levels.drain(..) {
            let steps: Vec<Step> = if action == FenceAction::Reboot && devices.len() > 1 {
                // Power must be off on every device at once (dual supplies).
                let offs = devices.iter().map(|d| Step {
                    device: d.clone(),
                    action: "off",
                });
                let ons = devices.iter().map(|d| Step {
                    device: d.clone(),
                    action: "on",
                });
                offs.chain(ons).collect()
            } else {
                devices
                    .iter()
                    .map(|d| Step {
                        device: d.clone(),
                        action: action.as_str(),
                    })
                    .collect()
            };
            planned.push((name, steps));
        }
        if planned.is_empty() {
            let reason = format!("no fencing device can fence {target}");
            self.finish(now, id, false, Vec::new(), Some(reason));
            return;
        }
        // The first device's delay (pcmk_delay_base + random up to
        // pcmk_delay_max) guards against two nodes fencing each other.
        let first = self
            .devices
            .iter()
            .find(|d| d.id == planned[0].1[0].device)
            .cloned();
        let delay = first.map_or(Duration::ZERO, |d| {
            d.delay_base + self.random_below(d.delay_max)
        });
        if let Some(r) = self.requests.get_mut(&id) {
            r.phase = Phase::Executing {
                levels: planned,
                level: 0,
                step: 0,
                tries: 0,
                waiting: None,
                delay_until: (!delay.is_zero()).then_some(now + delay),
            };
        }
        self.proceed(now, id);
    }

    /// Start the next step, or finish.
    fn proceed(&mut self, now: Duration, id: FenceId) {
        let Some(req) = self.requests.get(&id) else {
            return;
        };
        let Phase::Executing {
            levels,
            level,
            step,
            waiting,
            delay_until,
            ..
        } = &req.phase
        else {
            return;
        };
        if waiting.is_some() || delay_until.is_some() {
            return;
        }
        let (level, step) = (*level, *step);
        if level >= levels.len() {
            let reason = if req.failures.is_empty() {
                "every fencing level failed".to_string()
            } else {
                req.failures.join("; ")
            };
            self.finish(now, id, false, Vec::new(), Some(reason));
            return;
        }
        let (_, steps) = &levels[level];
        if step >= steps.len() {
            let mut used: Vec<String> = Vec::new();
            for s in steps {
                if !used.contains(&s.device) {
                    used.push(s.device.clone());
                }
            }
            self.finish(now, id, true, used, None);
            return;
        }
        let this = steps[step].clone();
        let target = req.target.clone();
        let remaining = req.deadline.saturating_sub(now);
        let Some(device) = self.devices.iter().find(|d| d.id == this.device).cloned() else {
            // A level naming a device that does not exist fails.
            let why = format!("fencing device {} is not configured", this.device);
            if let Some(r) = self.requests.get_mut(&id) {
                r.failures.push(why);
                if let Phase::Executing { level, step, .. } = &mut r.phase {
                    *level += 1;
                    *step = 0;
                }
            }
            return self.proceed(now, id);
        };
        if remaining.is_zero() {
            let mut why = self.requests[&id].failures.join("; ");
            if !why.is_empty() {
                why.push_str("; ");
            }
            why.push_str("the fencing timeout expired");
            self.finish(now, id, false, Vec::new(), Some(why));
            return;
        }
        let action = device.agent_action(this.action).to_string();
        let timeout = device
            .action_timeout(this.action)
            .unwrap_or(remaining)
            .min(remaining);
        let operation = Fencer::agent_op(&device, &action, &target, timeout);
        let token = self.token();
        self.waiting.insert(token, (id, device.id.clone(), None));
        if let Some(Phase::Executing { waiting, .. }) =
            self.requests.get_mut(&id).map(|r| &mut r.phase)
        {
            *waiting = Some(token);
        }
        self.outputs.push_back(Output::Execute { token, operation });
    }

    fn finish(
        &mut self,
        now: Duration,
        id: FenceId,
        succeeded: bool,
        devices: Vec<String>,
        reason: Option<String>,
    ) {
        let Some(req) = self.requests.remove(&id) else {
            return;
        };
        if let Some(h) = self.history.iter_mut().find(|h| h.id == id) {
            h.state = if succeeded {
                FenceState::Succeeded
            } else {
                FenceState::Failed
            };
            h.completed_at = Some(now);
            h.devices = devices.clone();
            h.reason = reason.clone();
        }
        self.outputs.push_back(Output::Done(FenceOutcome {
            id,
            target: req.target,
            action: req.action,
            succeeded,
            devices,
            reason,
        }));
    }
}

/// Ports from a fence agent's `list` output: one `port[,alias]` per line;
/// both the port and the alias name it.
pub fn parse_list(stdout: &str) -> BTreeSet<String> {
    let mut ports = BTreeSet::new();
    for line in stdout.lines() {
        for field in line.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            ports.insert(field.to_string());
        }
    }
    ports
}

#[cfg(test)]
#[path = "fencer_tests.rs"]
mod tests;
