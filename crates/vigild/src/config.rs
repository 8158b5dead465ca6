//! corosync.conf's meaning: the typed cluster configuration `vigild` runs
//! with. Every option corosync documents for `totem`, `nodelist`, `quorum`
//! and `logging` is recognised; an unknown or malformed one is an error that
//! says where it is and what would be valid. Options Vigil does not act on
//! (redundant links, compression, multicast addresses …) are accepted so an
//! existing file loads unchanged.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use vigil_quorum::QuorumConfig;
use vigil_totem::TotemConfig;
use vigil_wire::NodeId;

use crate::conf::{self, Entry, Location, Section};

/// The default UDP port (`mcastport`), as corosync's.
pub const DEFAULT_PORT: u16 = 5405;

/// One problem in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub at: Location,
    pub what: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.what)
    }
}

/// Every problem found, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// A `nodelist { node { … } }` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeEntry {
    pub nodeid: u32,
    /// `name`, or `ring0_addr` as written when there is no name.
    pub name: String,
    /// `ring0_addr` as written (an address or a host name).
    pub ring0_addr: String,
    /// `ring0_addr` resolved, with the port of link 0.
    pub addr: SocketAddr,
    pub quorum_votes: u32,
    pub at: Location,
}

/// How much to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Debug {
    #[default]
    Off,
    On,
    Trace,
}

/// The `logging { }` section, as far as `vigild` uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingSettings {
    pub to_stderr: bool,
    pub to_logfile: bool,
    pub logfile: Option<PathBuf>,
    pub debug: Debug,
    pub timestamp: bool,
}

impl Default for LoggingSettings {
    fn default() -> Self {
        LoggingSettings {
            to_stderr: true,
            to_logfile: false,
            logfile: None,
            debug: Debug::Off,
            timestamp: true,
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    pub file: PathBuf,
    pub cluster_name: String,
    /// `transport` as written (Vigil always sends unicast UDP to each member).
    pub transport: String,
    /// The Totem protocol's options (corosync's names and defaults).
    pub totem: TotemConfig,
    /// Totem options that were set but that Vigil's Totem does not use
    /// (`downcheck`, `miss_count_const`, …), to be mentioned at startup.
    pub totem_unused: Vec<String>,
    /// `totem.keyfile`, when set.
    pub keyfile: Option<PathBuf>,
    /// UDP port of link 0 (`totem.interface.mcastport`, default 5405).
    pub port: u16,
    /// Link 0's `knet_ping_interval` and `knet_ping_timeout` (ms), when set.
    pub ping_interval: Option<u64>,
    pub ping_timeout: Option<u64>,
    pub nodes: Vec<NodeEntry>,
    /// The `quorum { }` section with the nodelist's votes.
    pub quorum: QuorumConfig,
    pub logging: LoggingSettings,
}

impl ClusterConfig {
    /// Reads and checks a corosync.conf file.
    pub fn load(path: &Path) -> Result<ClusterConfig, ConfigErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigErrors(vec![ConfigError {
                at: Location {
                    file: path.to_path_buf(),
                    line: 0,
                },
                what: format!("cannot read the configuration: {e}"),
            }])
        })?;
        ClusterConfig::parse(&text, path)
    }

    /// Checks corosync.conf text; `file` names it in errors.
    pub fn parse(text: &str, file: &Path) -> Result<ClusterConfig, ConfigErrors> {
        let root = conf::parse(text, file).map_err(|e| {
            ConfigErrors(vec![ConfigError {
                at: e.at,
                what: e.what,
            }])
        })?;
        let mut reader = Reader {
            errors: Vec::new(),
            file: file.to_path_buf(),
        };
        let config = reader.cluster(&root);
        match config {
            Some(config) if reader.errors.is_empty() => Ok(config),
            _ => {
                reader.errors.sort_by_key(|e| e.at.line);
                Err(ConfigErrors(reader.errors))
            }
        }
    }

    /// The node with this id.
    pub fn node(&self, nodeid: u32) -> Option<&NodeEntry> {
        self.nodes.iter().find(|n| n.nodeid == nodeid)
    }

    /// The node called `name` (its `name`, or its `ring0_addr`).
    pub fn node_named(&self, name: &str) -> Option<&NodeEntry> {
        self.nodes
            .iter()
            .find(|n| n.name == name || n.ring0_addr == name)
    }
}

/// The value a known option takes.
#[derive(Clone, Copy)]
enum Kind {
    /// A non-negative integer (milliseconds or a count).
    Number,
    /// `yes`/`no` (also `on`/`off`, `1`/`0`, `true`/`false`).
    Flag,
    /// One of these words.
    Word(&'static [&'static str]),
    /// Free text (names, paths, addresses).
    Text,
}

/// Totem options that feed the protocol (`ClusterConfig::totem`).
const TOTEM_TIMING: &[&str] = &[
    "token",
    "token_coefficient",
    "token_warning",
    "token_retransmit",
    "hold",
    "token_retransmits_before_loss_const",
    "join",
    "send_join",
    "consensus",
    "merge",
    "downcheck",
    "fail_recv_const",
    "seqno_unchanged_const",
    "heartbeat_failures_allowed",
    "max_network_delay",
    "window_size",
    "max_messages",
    "miss_count_const",
    "netmtu",
];

/// Other totem options: accepted and checked, used as noted in `cluster`.
const TOTEM_OTHER: &[(&str, Kind)] = &[
    ("version", Kind::Number),
    ("cluster_name", Kind::Text),
    ("transport", Kind::Word(&["knet", "udpu", "udp"])),
    (
        "crypto_cipher",
        Kind::Word(&["none", "aes256", "aes192", "aes128"]),
    ),
    (
        "crypto_hash",
        Kind::Word(&["none", "md5", "sha1", "sha256", "sha384", "sha512"]),
    ),
    ("crypto_model", Kind::Word(&["nss", "openssl"])),
    ("secauth", Kind::Flag),
    ("keyfile", Kind::Text),
    ("key", Kind::Text),
    (
        "ip_version",
        Kind::Word(&["ipv4", "ipv6", "ipv4-6", "ipv6-4"]),
    ),
    ("link_mode", Kind::Word(&["passive", "active", "rr"])),
    ("clear_node_high_bit", Kind::Flag),
    ("block_unlisted_ips", Kind::Flag),
    ("cancel_token_hold_on_retransmit", Kind::Flag),
    ("config_version", Kind::Number),
    ("nodeid", Kind::Number),
    ("threads", Kind::Number),
    ("vsftype", Kind::Text),
    ("rrp_mode", Kind::Word(&["none", "active", "passive"])),
    ("knet_compression_model", Kind::Text),
    ("knet_compression_threshold", Kind::Number),
    ("knet_compression_level", Kind::Number),
    ("knet_pmtud_interval", Kind::Number),
    ("knet_mtu", Kind::Number),
    ("knet_mtu_v4", Kind::Number),
    ("knet_mtu_v6", Kind::Number),
];

const INTERFACE: &[(&str, Kind)] = &[
    ("linknumber", Kind::Number),
    ("ringnumber", Kind::Number),
    ("mcastport", Kind::Number),
    ("bindnetaddr", Kind::Text),
    ("mcastaddr", Kind::Text),
    ("broadcast", Kind::Flag),
    ("ttl", Kind::Number),
    ("knet_link_priority", Kind::Number),
    ("knet_ping_interval", Kind::Number),
    ("knet_ping_timeout", Kind::Number),
    ("knet_ping_precision", Kind::Number),
    ("knet_pong_count", Kind::Number),
    ("knet_transport", Kind::Word(&["udp", "sctp"])),
];

const NODE: &[(&str, Kind)] = &[
    ("ring0_addr", Kind::Text),
    ("ring1_addr", Kind::Text),
    ("ring2_addr", Kind::Text),
    ("ring3_addr", Kind::Text),
    ("ring4_addr", Kind::Text),
    ("ring5_addr", Kind::Text),
    ("ring6_addr", Kind::Text),
    ("ring7_addr", Kind::Text),
    ("nodeid", Kind::Number),
    ("name", Kind::Text),
    ("quorum_votes", Kind::Number),
];

const LOGGING: &[(&str, Kind)] = &[
    ("to_stderr", Kind::Flag),
    ("to_logfile", Kind::Flag),
    ("logfile", Kind::Text),
    ("to_syslog", Kind::Flag),
    ("syslog_facility", Kind::Text),
    ("syslog_priority", Kind::Text),
    ("logfile_priority", Kind::Text),
    ("debug", Kind::Word(&["on", "off", "trace"])),
    ("timestamp", Kind::Word(&["on", "off", "hires"])),
    ("fileline", Kind::Flag),
    ("function_name", Kind::Flag),
    ("blackbox", Kind::Flag),
];

const LOGGER_SUBSYS: &[(&str, Kind)] = &[
    ("subsys", Kind::Text),
    ("debug", Kind::Word(&["on", "off", "trace"])),
    ("to_stderr", Kind::Flag),
    ("to_logfile", Kind::Flag),
    ("to_syslog", Kind::Flag),
    ("logfile", Kind::Text),
    ("syslog_facility", Kind::Text),
    ("syslog_priority", Kind::Text),
    ("logfile_priority", Kind::Text),
];

/// Top-level sections corosync knows but Vigil has no use for yet; their
/// content is not checked.
const IGNORED_SECTIONS: &[&str] = &["system", "resources", "qb", "nozzle", "uidgid"];

struct Reader {
    errors: Vec<ConfigError>,
    file: PathBuf,
}

/// A section's entries, checked against a table: the valid ones by name.
struct Options<'a> {
    values: BTreeMap<&'a str, &'a Entry>,
}

impl<'a> Options<'a> {
    fn text(&self, key: &str) -> Option<&'a str> {
        self.values.get(key).map(|e| e.value.as_str())
    }
    fn entry(&self, key: &str) -> Option<&'a Entry> {
        self.values.get(key).copied()
    }
    fn number(&self, key: &str) -> Option<u64> {
        self.text(key).and_then(|v| v.parse().ok())
    }
    fn flag(&self, key: &str) -> Option<bool> {
        self.text(key).and_then(parse_flag)
    }
}

fn parse_flag(value: &str) -> Option<bool> {
    match value {
        "yes" | "on" | "1" | "true" => Some(true),
        "no" | "off" | "0" | "false" => Some(false),
        _ => None,
    }
}

impl Reader {
    fn error(&mut self, at: &Location, what: String) {
        self.errors.push(ConfigError {
            at: at.clone(),
            what,
        });
    }

    /// Checks each entry of `section` against `table` (plus `extra`
    /// numeric names), reporting unknown names, bad values and repeats.
    fn options<'a>(
        &mut self,
        section: &'a Section,
        path: &str,
        table: &[(&str, Kind)],
        extra_numbers: &[&str],
    ) -> Options<'a> {
        let mut values = BTreeMap::new();
        for entry in &section.entries {
            let kind = table
                .iter()
                .find(|(name, _)| *name == entry.key)
                .map(|(_, kind)| *kind)
                .or_else(|| {
                    extra_numbers
                        .contains(&entry.key.as_str())
                        .then_some(Kind::Number)
                });
            let Some(kind) = kind else {
                let names = table
                    .iter()
                    .map(|(n, _)| *n)
                    .chain(extra_numbers.iter().copied());
                let hint = match closest(&entry.key, names) {
                    Some(near) => format!(" (did you mean `{near}`?)"),
                    None => String::new(),
                };
                self.error(
                    &entry.at,
                    format!("unknown option `{}` in `{path}`{hint}", entry.key),
                );
                continue;
            };
            if let Some(problem) = check_value(kind, &entry.value) {
                self.error(
                    &entry.at,
                    format!("`{path}.{}: {}`: {problem}", entry.key, entry.value),
                );
                continue;
            }
            if let Some(first) = values.insert(entry.key.as_str(), entry) {
                self.error(
                    &entry.at,
                    format!(
                        "`{path}.{}` is set twice (first at line {})",
                        entry.key, first.at.line
                    ),
                );
            }
        }
        Options { values }
    }

    fn no_subsections(&mut self, section: &Section, path: &str, allowed: &[&str]) {
        for sub in &section.sections {
            if !allowed.contains(&sub.name.as_str()) {
                let hint = if allowed.is_empty() {
                    format!("`{path}` holds options only")
                } else {
                    format!("`{path}` may hold: {}", allowed.join(", "))
                };
                self.error(
                    &sub.at,
                    format!("unknown section `{}` in `{path}` ({hint})", sub.name),
                );
            }
        }
    }

    /// The one section called `name` at the top level, if any.
    fn single<'a>(&mut self, root: &'a Section, name: &'a str) -> Option<&'a Section> {
        let mut found = root.sections(name);
        let first = found.next();
        for again in found {
            self.error(
                &again.at,
                format!(
                    "a second `{name} {{` section (the first is at line {})",
                    first.map_or(0, |s| s.at.line)
                ),
            );
        }
        first
    }

    fn cluster(&mut self, root: &Section) -> Option<ClusterConfig> {
        let known = ["totem", "nodelist", "quorum", "logging"];
        for entry in &root.entries {
            self.error(
                &entry.at,
                format!(
                    "option `{}` outside any section: it belongs inside one of {}",
                    entry.key,
                    known.join(", ")
                ),
            );
        }
        for section in &root.sections {
            let name = section.name.as_str();
            if !known.contains(&name) && !IGNORED_SECTIONS.contains(&name) {
                let hint = match closest(name, known.iter().copied()) {
                    Some(near) => format!(" (did you mean `{near}`?)"),
                    None => String::new(),
                };
                self.error(
                    &section.at,
                    format!(
                        "unknown section `{name}`{hint}; valid sections: {}",
                        known.join(", ")
                    ),
                );
            }
        }
        let file_start = Location {
            file: self.file.clone(),
            line: 1,
        };
        let Some(totem) = self.single(root, "totem") else {
            self.error(
                &file_start,
                "no `totem { }` section (it needs at least `cluster_name`)".into(),
            );
            return None;
        };
        let options = self.options(totem, "totem", TOTEM_OTHER, TOTEM_TIMING);
        self.no_subsections(totem, "totem", &["interface"]);
        if let Some(version) = options.entry("version")
            && version.value != "2"
        {
            self.error(
                &version.at,
                format!(
                    "`totem.version: {}`: the only valid version is 2",
                    version.value
                ),
            );
        }
        let cluster_name = match options.text("cluster_name") {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => {
                self.error(
                    &totem.at,
                    "`totem` has no `cluster_name` (e.g. `cluster_name: my_cluster`)".into(),
                );
                String::new()
            }
        };
        let transport = options.text("transport").unwrap_or("knet").to_string();
        let (totem_config, totem_unused) = self.totem_config(&options);
        if let (Some(token), Some(consensus)) =
            (options.number("token"), options.entry("consensus"))
            && let Ok(value) = consensus.value.parse::<u64>()
            && value * 5 < token * 6
        {
            self.error(
                &consensus.at,
                format!(
                    "`totem.consensus: {value}` must be at least 1.2 × token ({} ms)",
                    token * 6 / 5
                ),
            );
        }
        if let Some(token) = options.entry("token")
            && token.value == "0"
        {
            self.error(&token.at, "`totem.token` must be more than 0 ms".into());
        }
        let keyfile = options.text("keyfile").map(PathBuf::from);

        let mut port = DEFAULT_PORT;
        let (mut ping_interval, mut ping_timeout) = (None, None);
        for interface in totem.sections("interface") {
            let iface = self.options(interface, "totem.interface", INTERFACE, &[]);
            self.no_subsections(interface, "totem.interface", &[]);
            let link = iface
                .number("linknumber")
                .or_else(|| iface.number("ringnumber"))
                .unwrap_or(0);
            if link == 0 {
                ping_interval = iface.number("knet_ping_interval");
                ping_timeout = iface.number("knet_ping_timeout");
            }
            if link == 0
                && let Some(entry) = iface.entry("mcastport")
            {
                match u16::try_from(iface.number("mcastport").unwrap_or(0)) {
                    Ok(p) if p > 0 => port = p,
                    _ => self.error(
                        &entry.at,
                        format!(
                            "`totem.interface.mcastport: {}`: a port is 1 to 65535",
                            entry.value
                        ),
                    ),
                }
            }
        }

        let nodes = match self.single(root, "nodelist") {
            Some(nodelist) => self.nodelist(nodelist, port),
            None => {
                self.error(
                    &file_start,
                    "no `nodelist { }` section: Vigil needs every member listed as `node { ring0_addr: … nodeid: … }`".into(),
                );
                Vec::new()
            }
        };
        let mut quorum = match self.single(root, "quorum") {
            Some(section) => self.quorum(section),
            None => QuorumConfig::default(),
        };
        for node in &nodes {
            quorum.add_node(NodeId(node.nodeid), node.quorum_votes);
        }
        let logging = match self.single(root, "logging") {
            Some(section) => self.logging(section),
            None => LoggingSettings::default(),
        };
        Some(ClusterConfig {
            file: self.file.clone(),
            cluster_name,
            transport,
            totem: totem_config,
            totem_unused,
            keyfile,
            port,
            ping_interval,
            ping_timeout,
            nodes,
            quorum,
            logging,
        })
    }

    /// The protocol options, each checked to fit; the names set that the
    /// protocol does not use.
    fn totem_config(&mut self, options: &Options<'_>) -> (TotemConfig, Vec<String>) {
        let mut config = TotemConfig::default();
        let mut unused = Vec::new();
        for name in TOTEM_TIMING {
            let Some(entry) = options.entry(name) else {
                continue;
            };
            let Ok(value) = entry.value.parse::<u32>() else {
                self.error(
                    &entry.at,
                    format!("`totem.{name}: {}`: at most {}", entry.value, u32::MAX),
                );
                continue;
            };
            match *name {
                "token" => config.token = value,
                "token_coefficient" => config.token_coefficient = value,
                "token_retransmits_before_loss_const" => {
                    config.token_retransmits_before_loss_const = value
                }
                "token_retransmit" => config.token_retransmit = Some(value),
                "hold" => config.hold = Some(value),
                "join" => config.join = value,
                "send_join" => config.send_join = value,
                "consensus" => config.consensus = Some(value),
                "merge" => config.merge = value,
                "fail_recv_const" => config.fail_recv_const = value,
                "seqno_unchanged_const" => config.seqno_unchanged_const = value,
                "max_messages" => config.max_messages = value,
                "window_size" => config.window_size = value,
                "netmtu" => config.netmtu = value,
                other => unused.push(other.to_string()),
            }
        }
        (config, unused)
    }

    fn nodelist(&mut self, nodelist: &Section, port: u16) -> Vec<NodeEntry> {
        for entry in &nodelist.entries {
            self.error(
                &entry.at,
                format!(
                    "option `{}` directly in `nodelist`: options go inside `node {{ }}`",
                    entry.key
                ),
            );
        }
        self.no_subsections(nodelist, "nodelist", &["node"]);
        let mut nodes: Vec<NodeEntry> = Vec::new();
        for node in nodelist.sections("node") {
            let options = self.options(node, "nodelist.node", NODE, &[]);
            self.no_subsections(node, "nodelist.node", &[]);
            let Some(ring0) = options.text("ring0_addr") else {
                self.error(
                    &node.at,
                    "`node` has no `ring0_addr` (the address the node is reached at)".into(),
                );
                continue;
            };
            let Some(nodeid) = options.number("nodeid") else {
                self.error(
                    &node.at,
                    format!("node `{ring0}` has no `nodeid` (a number from 1 to 4294967295)"),
                );
                continue;
            };
            let nodeid_at = &options.entry("nodeid").expect("read above").at;
            let Ok(nodeid) = u32::try_from(nodeid)
                .map_err(drop)
                .and_then(|id| if id == 0 { Err(()) } else { Ok(id) })
            else {
                self.error(
                    nodeid_at,
                    format!("`nodeid: {nodeid}`: a node id is 1 to 4294967295"),
                );
                continue;
            };
            let addr = match resolve(ring0, port) {
                Ok(addr) => addr,
                Err(why) => {
                    let at = options.entry("ring0_addr").expect("read above").at.clone();
                    self.error(&at, format!("`ring0_addr: {ring0}`: {why}"));
                    continue;
                }
            };
            let name = options.text("name").unwrap_or(ring0).to_string();
            let quorum_votes = match options.number("quorum_votes") {
                Some(v) => u32::try_from(v).unwrap_or(u32::MAX),
                None => 1,
            };
            let entry = NodeEntry {
                nodeid,
                name,
                ring0_addr: ring0.to_string(),
                addr,
                quorum_votes,
                at: node.at.clone(),
            };
            if let Some(other) = nodes.iter().find(|n| n.nodeid == nodeid) {
                let line = other.at.line;
                self.error(
                    nodeid_at,
                    format!("node id {nodeid} is already used by the node at line {line}"),
                );
                continue;
            }
            if let Some(other) = nodes.iter().find(|n| n.addr == entry.addr) {
                let line = other.at.line;
                self.error(
                    &node.at,
                    format!(
                        "address {} is already used by the node at line {line}",
                        entry.addr
                    ),
                );
                continue;
            }
            if let Some(other) = nodes.iter().find(|n| n.name == entry.name) {
                let line = other.at.line;
                self.error(
                    &node.at,
                    format!(
                        "name `{}` is already used by the node at line {line}",
                        entry.name
                    ),
                );
                continue;
            }
            nodes.push(entry);
        }
        if nodes.is_empty() && self.errors.is_empty() {
            self.error(&nodelist.at, "`nodelist` lists no `node { }`".into());
        }
        nodes
    }

    /// votequorum reads its own options; its complaints get a location.
    fn quorum(&mut self, section: &Section) -> QuorumConfig {
        let mut config = QuorumConfig::default();
        for entry in &section.entries {
            if let Err(e) = config.set(&entry.key, &entry.value) {
                let hint = match e {
                    vigil_quorum::ConfigError::UnknownKey { .. } => {
                        match closest(&entry.key, vigil_quorum::KEYS.iter().copied()) {
                            Some(near) => format!(" (did you mean `{near}`?)"),
                            None => String::new(),
                        }
                    }
                    _ => String::new(),
                };
                self.error(&entry.at, format!("{e}{hint}"));
            }
        }
        if let Some(device) = section.sections("device").next() {
            self.error(
                &device.at,
                "quorum devices (`device { }`, corosync-qdevice) are not supported yet; use `auto_tie_breaker` for even splits".into(),
            );
        }
        self.no_subsections(section, "quorum", &["device"]);
        config
    }

    fn logging(&mut self, section: &Section) -> LoggingSettings {
        let options = self.options(section, "logging", LOGGING, &[]);
        self.no_subsections(section, "logging", &["logger_subsys"]);
        for sub in section.sections("logger_subsys") {
            self.options(sub, "logging.logger_subsys", LOGGER_SUBSYS, &[]);
            self.no_subsections(sub, "logging.logger_subsys", &[]);
        }
        let to_logfile = options.flag("to_logfile").unwrap_or(false);
        let logfile = options.text("logfile").map(PathBuf::from);
        if to_logfile && logfile.is_none() {
            self.error(
                &section.at,
                "`logging.to_logfile: yes` needs `logfile: PATH`".into(),
            );
        }
        LoggingSettings {
            to_stderr: options.flag("to_stderr").unwrap_or(true),
            to_logfile,
            logfile,
            debug: match options.text("debug") {
                Some("on") => Debug::On,
                Some("trace") => Debug::Trace,
                _ => Debug::Off,
            },
            timestamp: options.text("timestamp") != Some("off"),
        }
    }
}

/// Why `value` is not of `kind`, if it is not.
fn check_value(kind: Kind, value: &str) -> Option<String> {
    match kind {
        Kind::Number => (value.parse::<u64>().is_err())
            .then(|| "expected a whole number (milliseconds or a count)".to_string()),
        Kind::Flag => parse_flag(value)
            .is_none()
            .then(|| "expected yes or no (also on/off, 1/0)".to_string()),
        Kind::Word(words) => {
            (!words.contains(&value)).then(|| format!("expected one of: {}", words.join(", ")))
        }
        Kind::Text => value.is_empty().then(|| "the value is empty".to_string()),
    }
}

/// `ring0_addr`'s address with link 0's port. As a Vigil extension the
/// address may carry its own port (`127.0.0.1:5406`, `[::1]:5406`), so
/// several nodes can share one address.
fn resolve(addr: &str, port: u16) -> Result<SocketAddr, String> {
    if let Ok(ip) = addr.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    if let Ok(with_port) = addr.parse::<SocketAddr>() {
        return match with_port.port() {
            0 => Err("port 0 is not a port to listen on".to_string()),
            _ => Ok(with_port),
        };
    }
    match (addr, port).to_socket_addrs() {
        Ok(mut found) => found
            .next()
            .ok_or_else(|| "the host name has no address".to_string()),
        Err(e) => Err(format!("not an IP address, and resolving it failed: {e}")),
    }
}

/// The known name nearest to `word`, if one is close (edit distance ≤ 2,
/// or a prefix).
pub fn closest<'a>(word: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    names
        .map(|n| (edit_distance(word, n), n))
        .filter(|(d, n)| *d <= 2 || n.starts_with(word) || word.starts_with(n))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let old = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = old;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREE: &str = "\
totem {
    version: 2
    cluster_name: web
    transport: knet
    token: 1000
    crypto_cipher: aes256
    crypto_hash: sha256
    interface {
        linknumber: 0
        mcastport: 5999
    }
}

nodelist {
    node {
        ring0_addr: 127.0.0.1
        name: node1
        nodeid: 1
    }
    node {
        ring0_addr: 127.0.0.2
        name: node2
        nodeid: 2
    }
    node {
        ring0_addr: 127.0.0.3
        nodeid: 3
    }
}

quorum {
    provider: corosync_votequorum
    two_node: 0
}

logging {
    to_logfile: yes
    logfile: /var/log/cluster/corosync.log
    to_syslog: yes
    timestamp: on
}
";

    fn parse(text: &str) -> Result<ClusterConfig, ConfigErrors> {
        ClusterConfig::parse(text, Path::new("corosync.conf"))
    }

    #[test]
    fn a_typical_file_loads() {
        let c = parse(THREE).unwrap();
        assert_eq!(c.cluster_name, "web");
        assert_eq!(c.totem.token, 1000);
        assert_eq!(c.totem.consensus, None);
        assert_eq!(c.port, 5999);
        assert_eq!(c.nodes.len(), 3);
        assert_eq!(c.nodes[1].addr, "127.0.0.2:5999".parse().unwrap());
        assert_eq!(c.nodes[2].name, "127.0.0.3");
        assert_eq!(c.node_named("node2").unwrap().nodeid, 2);
        assert!(!c.quorum.two_node);
        assert_eq!(c.quorum.nodes.len(), 3);
        assert!(c.logging.to_logfile);
    }

    fn errors(text: &str) -> Vec<String> {
        parse(text)
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn unknown_options_are_located_with_a_suggestion() {
        let text = THREE.replace("token: 1000", "tokn: 1000");
        let e = errors(&text);
        assert_eq!(
            e,
            ["corosync.conf:5: unknown option `tokn` in `totem` (did you mean `token`?)"]
        );
    }

    #[test]
    fn bad_values_say_what_would_be_valid() {
        let text = THREE
            .replace("token: 1000", "token: 1s")
            .replace("two_node: 0", "two_node: maybe")
            .replace("transport: knet", "transport: sctp");
        let e = errors(&text);
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[0].starts_with(
                "corosync.conf:4: `totem.transport: sctp`: expected one of: knet, udpu, udp"
            ),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("corosync.conf:5: `totem.token: 1s`: expected a whole number"),
            "{e:?}"
        );
        assert!(
            e[2].contains("quorum.two_node: invalid value 'maybe'"),
            "{e:?}"
        );
    }

    #[test]
    fn node_problems() {
        let text = THREE
            .replace("nodeid: 3", "nodeid: 2")
            .replace("ring0_addr: 127.0.0.2", "ring0_addr: 127.0.0.1");
        let e = errors(&text);
        assert!(
            e.iter().any(
                |e| e.contains("address 127.0.0.1:5999 is already used by the node at line 15")
            ),
            "{e:?}"
        );
        assert!(
            e.iter().any(|e| e.contains("node id 2 is already used")) || e.len() == 1,
            "{e:?}"
        );
        let text = THREE.replace("        nodeid: 1\n", "");
        assert!(errors(&text)[0].contains("node `127.0.0.1` has no `nodeid`"));
        let text = THREE.replace("nodeid: 1\n", "nodeid: 0\n");
        assert!(errors(&text)[0].contains("a node id is 1 to 4294967295"));
    }

    #[test]
    fn an_address_may_carry_its_own_port() {
        let text = THREE
            .replace("ring0_addr: 127.0.0.2", "ring0_addr: 127.0.0.1:6002")
            .replace("ring0_addr: 127.0.0.3", "ring0_addr: [::1]:6003");
        let c = parse(&text).unwrap();
        assert_eq!(c.nodes[0].addr, "127.0.0.1:5999".parse().unwrap());
        assert_eq!(c.nodes[1].addr, "127.0.0.1:6002".parse().unwrap());
        assert_eq!(c.nodes[2].addr, "[::1]:6003".parse().unwrap());
        let e = errors(&THREE.replace("ring0_addr: 127.0.0.2", "ring0_addr: 127.0.0.1:5999"));
        assert!(
            e[0].contains("address 127.0.0.1:5999 is already used by the node at line 15"),
            "{e:?}"
        );
        let e = errors(&THREE.replace("ring0_addr: 127.0.0.2", "ring0_addr: 127.0.0.2:0"));
        assert!(e[0].contains("`ring0_addr: 127.0.0.2:0`: port 0"), "{e:?}");
    }

    #[test]
    fn consensus_must_exceed_token() {
        let text = THREE.replace("token: 1000", "token: 1000\n    consensus: 1100");
        assert!(errors(&text)[0].contains("at least 1.2 × token (1200 ms)"));
    }

    #[test]
    fn structure_errors() {
        let e = errors(&THREE.replace("quorum {", "quorom {"));
        assert!(
            e[0].contains("unknown section `quorom` (did you mean `quorum`?)"),
            "{e:?}"
        );
        let e = errors("totem {\n  version: 2\n}\n");
        assert!(e.iter().any(|e| e.contains("no `cluster_name`")), "{e:?}");
        assert!(e.iter().any(|e| e.contains("no `nodelist")), "{e:?}");
        let e = errors(&THREE.replace(
            "    two_node: 0\n",
            "    two_node: 0\n    device {\n    }\n",
        ));
        assert!(e[0].contains("quorum devices"), "{e:?}");
        let e = errors(&THREE.replace("    version: 2\n", "    version: 3\n"));
        assert!(e[0].contains("the only valid version is 2"), "{e:?}");
        let e = errors(&THREE.replace("    token: 1000\n", "    token: 1000\n    token: 2000\n"));
        assert!(
            e[0].contains("`totem.token` is set twice (first at line 5)"),
            "{e:?}"
        );
    }
}
