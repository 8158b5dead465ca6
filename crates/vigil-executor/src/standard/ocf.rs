//! OCF resource agents (OCF resource agent API 1.1, and Pacemaker's
//! "Resource Agents" chapter): `$OCF_ROOT/resource.d/<provider>/<type>
//! <action>`, everything else in the environment.

use crate::operation::{Invocation, Operation};
use crate::rc::OcfRc;
use crate::standard::{Outcome, Paths, exit_reason};

/// Prefix of the stderr line that carries an agent's reason for its result.
pub const EXIT_REASON_PREFIX: &str = "ocf-exit-reason:";

/// The CRM feature set Vigil's behaviour matches (Pacemaker 2.1.5's).
/// Agents compare it to choose, e.g., the notification variable names.
pub const CRM_FEATURE_SET: &str = "3.16.1";

/// `OCF_RESKEY_CRM_meta_<name>`: dashes become underscores, as Pacemaker
/// passes `clone-max` as `CRM_meta_clone_max`.
pub fn meta_variable(name: &str) -> String {
    format!("OCF_RESKEY_CRM_meta_{}", name.replace('-', "_"))
}

/// The environment of an OCF agent for `op` (beside the driver's base
/// environment: PATH, locale, HA_RSCTMP).
pub fn environment(op: &Operation, paths: &Paths) -> Vec<(String, String)> {
    let mut env = vec![
        ("OCF_ROOT".to_string(), paths.ocf_root.display().to_string()),
        ("OCF_RA_VERSION_MAJOR".to_string(), "1".to_string()),
        ("OCF_RA_VERSION_MINOR".to_string(), "1".to_string()),
        (
            "OCF_EXIT_REASON_PREFIX".to_string(),
            EXIT_REASON_PREFIX.to_string(),
        ),
        ("OCF_RESOURCE_INSTANCE".to_string(), op.resource.clone()),
        ("OCF_RESOURCE_TYPE".to_string(), op.agent.name.clone()),
        (
            "OCF_RESKEY_crm_feature_set".to_string(),
            CRM_FEATURE_SET.to_string(),
        ),
    ];
    if let Some(p) = &op.agent.provider {
        env.push(("OCF_RESOURCE_PROVIDER".to_string(), p.clone()));
    }
    for (name, value) in &op.params {
        // A monitor's depth travels as an instance attribute of the op.
        if name == "OCF_CHECK_LEVEL" {
            env.push((name.clone(), value.clone()));
        }
        env.push((format!("OCF_RESKEY_{name}"), value.clone()));
    }
    for (name, value) in &op.meta {
        if name != "timeout" && name != "interval" {
            env.push((meta_variable(name), value.clone()));
        }
    }
    env.push((meta_variable("timeout"), op.timeout.as_millis().to_string()));
    env.push((
        meta_variable("interval"),
        op.interval.as_millis().to_string(),
    ));
    env
}

/// Why `op`'s parameters cannot be passed in the environment, if they
/// cannot: a name that is empty or holds `=` or NUL, a value with NUL.
pub fn unpassable(op: &Operation) -> Option<String> {
    for (name, value) in op.params.iter().chain(op.meta.iter()) {
        if name.is_empty() || name.contains(['=', '\0']) {
            return Some(format!(
                "parameter name {name:?} cannot be passed in the environment (empty, or contains '=' or NUL)"
            ));
        }
        if value.contains('\0') {
            return Some(format!(
                "the value of parameter {name:?} contains a NUL byte"
            ));
        }
    }
    None
}

pub fn invocation(op: &Operation, paths: &Paths) -> Invocation {
    if let Some(reason) = unpassable(op) {
        return Invocation::Immediate {
            rc: OcfRc::ERR_ARGS,
            reason,
        };
    }
    let provider = op.agent.provider.as_deref().unwrap_or("heartbeat");
    Invocation::Process {
        program: paths
            .ocf_root
            .join("resource.d")
            .join(provider)
            .join(&op.agent.name),
        args: vec![op.action.clone()],
        env: environment(op, paths),
        stdin: None,
    }
}

/// OCF agents speak OCF: the code is the result.
pub fn interpret(code: i32, stderr: &str) -> Outcome {
    Outcome::done(OcfRc(code), exit_reason(stderr))
}

/// A clone instance's meta attributes (`OCF_RESKEY_CRM_meta_clone`, ...),
/// which clone-aware agents read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloneInstance {
    /// This instance's number.
    pub instance: u32,
    pub clone_max: u32,
    pub clone_node_max: u32,
    pub globally_unique: bool,
    pub notify: bool,
    /// `(promoted-max, promoted-node-max)` for a promotable clone.
    pub promotable: Option<(u32, u32)>,
}

impl CloneInstance {
    /// The meta attributes, under the names Pacemaker passes (the legacy
    /// `master_*` names too, which older agents still read).
    pub fn meta(&self) -> Vec<(String, String)> {
        let mut m = vec![
            ("clone".to_string(), self.instance.to_string()),
            ("clone_max".to_string(), self.clone_max.to_string()),
            (
                "clone_node_max".to_string(),
                self.clone_node_max.to_string(),
            ),
            (
                "globally_unique".to_string(),
                self.globally_unique.to_string(),
            ),
            ("notify".to_string(), self.notify.to_string()),
            (
                "promotable".to_string(),
                self.promotable.is_some().to_string(),
            ),
        ];
        if let Some((max, node_max)) = self.promotable {
            for (name, v) in [
                ("promoted_max", max),
                ("promoted_node_max", node_max),
                ("master_max", max),
                ("master_node_max", node_max),
            ] {
                m.push((name.to_string(), v.to_string()));
            }
        }
        m
    }
}

/// A clone notification (`notify` action): what happens to which
/// instances, as `OCF_RESKEY_CRM_meta_notify_*` variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notification {
    /// `pre` or `post`.
    pub kind: String,
    /// `start`, `stop`, `promote` or `demote`.
    pub operation: String,
    /// Each list is `(instance id, node name)` pairs.
    pub start: Vec<(String, String)>,
    pub stop: Vec<(String, String)>,
    pub promote: Vec<(String, String)>,
    pub demote: Vec<(String, String)>,
    pub active: Vec<(String, String)>,
    pub inactive: Vec<(String, String)>,
    pub promoted: Vec<(String, String)>,
    pub unpromoted: Vec<(String, String)>,
    /// Every node of the cluster.
    pub all_nodes: Vec<String>,
}

impl Notification {
    pub fn meta(&self) -> Vec<(String, String)> {
        let mut m = vec![
            ("notify_type".to_string(), self.kind.clone()),
            ("notify_operation".to_string(), self.operation.clone()),
        ];
        let lists: [(&str, &[(String, String)]); 10] = [
            ("start", &self.start),
            ("stop", &self.stop),
            ("promote", &self.promote),
            ("demote", &self.demote),
            ("active", &self.active),
            ("inactive", &self.inactive),
            ("promoted", &self.promoted),
            ("unpromoted", &self.unpromoted),
            // Names from before Pacemaker 2.1, still read by many agents.
            ("master", &self.promoted),
            ("slave", &self.unpromoted),
        ];
        for (name, list) in lists {
            let join =
                |f: fn(&(String, String)) -> &str| list.iter().map(f).collect::<Vec<_>>().join(" ");
            m.push((format!("notify_{name}_resource"), join(|p| &p.0)));
            m.push((format!("notify_{name}_uname"), join(|p| &p.1)));
        }
        m.push(("notify_all_uname".to_string(), self.all_nodes.join(" ")));
        m.push((
            "notify_available_uname".to_string(),
            self.all_nodes.join(" "),
        ));
        m
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::agent::AgentSpec;

    fn env_of(op: &Operation) -> std::collections::BTreeMap<String, String> {
        environment(op, &Paths::default()).into_iter().collect()
    }

    #[test]
    fn the_environment_carries_params_meta_timeout_and_interval() {
        let mut op = Operation::new("vip", AgentSpec::ocf("heartbeat", "IPaddr2"), "monitor")
            .param("ip", "192.0.2.10")
            .param("OCF_CHECK_LEVEL", "10")
            .meta("clone-max", "2")
            .interval(Duration::from_secs(10))
            .timeout(Duration::from_secs(30));
        for (k, v) in (CloneInstance {
            instance: 1,
            clone_max: 2,
            clone_node_max: 1,
            globally_unique: false,
            notify: true,
            promotable: Some((1, 1)),
        })
        .meta()
        {
            op.meta.insert(k, v);
        }
        let env = env_of(&op);
        let get = |k: &str| env.get(k).map(String::as_str);
        assert_eq!(get("OCF_ROOT"), Some("/usr/lib/ocf"));
        assert_eq!(get("OCF_RESOURCE_INSTANCE"), Some("vip"));
        assert_eq!(get("OCF_RESOURCE_TYPE"), Some("IPaddr2"));
        assert_eq!(get("OCF_RESOURCE_PROVIDER"), Some("heartbeat"));
        assert_eq!(get("OCF_RESKEY_ip"), Some("192.0.2.10"));
        assert_eq!(get("OCF_CHECK_LEVEL"), Some("10"));
        assert_eq!(get("OCF_RESKEY_CRM_meta_timeout"), Some("30000"));
        assert_eq!(get("OCF_RESKEY_CRM_meta_interval"), Some("10000"));
        assert_eq!(get("OCF_RESKEY_CRM_meta_clone_max"), Some("2"));
        assert_eq!(get("OCF_RESKEY_CRM_meta_clone"), Some("1"));
        assert_eq!(get("OCF_RESKEY_CRM_meta_promoted_max"), Some("1"));
        assert_eq!(get("OCF_RESKEY_CRM_meta_master_max"), Some("1"));
        assert_eq!(get("OCF_RA_VERSION_MAJOR"), Some("1"));
        let Invocation::Process { program, args, .. } = invocation(&op, &Paths::default()) else {
            panic!("an OCF agent is a process");
        };
        assert_eq!(
            program.to_str(),
            Some("/usr/lib/ocf/resource.d/heartbeat/IPaddr2")
        );
        assert_eq!(args, ["monitor"]);
    }

    #[test]
    fn notifications_list_instances_and_nodes() {
        let n = Notification {
            kind: "pre".into(),
            operation: "promote".into(),
            promote: vec![("db:0".into(), "node1".into())],
            active: vec![
                ("db:0".into(), "node1".into()),
                ("db:1".into(), "node2".into()),
            ],
            all_nodes: vec!["node1".into(), "node2".into()],
            ..Notification::default()
        };
        let m: std::collections::BTreeMap<_, _> = n.meta().into_iter().collect();
        assert_eq!(m["notify_type"], "pre");
        assert_eq!(m["notify_promote_resource"], "db:0");
        assert_eq!(m["notify_active_resource"], "db:0 db:1");
        assert_eq!(m["notify_active_uname"], "node1 node2");
        assert_eq!(m["notify_demote_uname"], "");
        assert_eq!(m["notify_all_uname"], "node1 node2");
    }

    #[test]
    fn unpassable_parameters_are_refused_without_running() {
        let op =
            Operation::new("r", AgentSpec::ocf("heartbeat", "Dummy"), "start").param("a=b", "1");
        let Invocation::Immediate { rc, reason } = invocation(&op, &Paths::default()) else {
            panic!("must not run");
        };
        assert_eq!(rc, OcfRc::ERR_ARGS);
        assert!(reason.contains("\"a=b\" cannot be passed"), "{reason}");
        let op =
            Operation::new("r", AgentSpec::ocf("heartbeat", "Dummy"), "start").param("x", "a\0b");
        assert!(matches!(
            invocation(&op, &Paths::default()),
            Invocation::Immediate { .. }
        ));
    }

    #[test]
    fn codes_pass_through_with_the_reason() {
        let out = interpret(
            6,
            "ocf-exit-reason:IP address (the ip parameter) is mandatory\n",
        );
        assert_eq!(out.rc, OcfRc::ERR_CONFIGURED);
        assert_eq!(
            out.reason.as_deref(),
            Some("IP address (the ip parameter) is mandatory")
        );
    }
}
