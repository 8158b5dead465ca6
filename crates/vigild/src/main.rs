//! `vigild`: the Vigil node daemon.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use vigild::config::ClusterConfig;
use vigild::daemon::{self, Setup};
use vigild::state::StateDir;
use vigild::{api, log, node};

/// Exit statuses (sysexits.h).
const EX_USAGE: u8 = 64;
const EX_CONFIG: u8 = 78;
const EX_UNAVAILABLE: u8 = 69;

#[derive(Parser)]
#[command(
    name = "vigild",
    version,
    about = "Vigil node daemon: Totem membership and ordered messaging, votequorum, the local API"
)]
struct Args {
    /// Cluster configuration, in corosync.conf syntax.
    #[arg(long, short = 'c', default_value = "/etc/corosync/corosync.conf")]
    config: PathBuf,
    /// Cluster key file (`vigil keygen`) [default: totem.keyfile, else /etc/vigil/authkey]
    #[arg(long, short = 'k')]
    key: Option<PathBuf>,
    /// Which nodelist entry this is, by nodeid [default: the one whose ring0_addr is local]
    #[arg(long)]
    nodeid: Option<u32>,
    /// Which nodelist entry this is, by name.
    #[arg(long, conflicts_with = "nodeid")]
    name: Option<String>,
    /// The local API socket [env: VIGIL_SOCKET; default: RUN_DIR/vigild.sock]
    #[arg(long)]
    socket: Option<PathBuf>,
    /// Runtime directory (the API socket).
    #[arg(long, default_value = "/run/vigil")]
    run_dir: PathBuf,
    /// State kept across restarts (the ring sequence number).
    #[arg(long, default_value = "/var/lib/vigil")]
    state_dir: PathBuf,
    /// Check the configuration and key, print a summary and exit.
    #[arg(long, short = 't')]
    check: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match ClusterConfig::load(&args.config) {
        Ok(config) => config,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!(
                "vigild: {} problem(s) in {}; nothing started",
                errors.0.len(),
                args.config.display()
            );
            return ExitCode::from(EX_CONFIG);
        }
    };
    let local = match node::local_node(&config, args.nodeid, args.name.as_deref()) {
        Ok(local) => local.clone(),
        Err(e) => {
            eprintln!("vigild: {e}");
            return ExitCode::from(EX_USAGE);
        }
    };
    let key_path = args
        .key
        .clone()
        .or_else(|| config.keyfile.clone())
        .unwrap_or_else(|| PathBuf::from(vigil_wire::DEFAULT_KEY_PATH));
    let key = match vigil_wire::ClusterKey::load(&key_path) {
        Ok(key) => key,
        Err(e) => {
            eprintln!("vigild: cluster key: {e} (write one with `vigil keygen`)");
            return ExitCode::from(EX_CONFIG);
        }
    };
    if !vigil_wire::ClusterKey::mode_is_private(&key_path).unwrap_or(true) {
        eprintln!(
            "vigild: warning: {} is readable by others than its owner (chmod 400 it)",
            key_path.display()
        );
    }
    if args.check {
        println!(
            "{}: cluster {}, {} nodes, this node {} ({}) at {}; key {} ({} bytes): OK",
            args.config.display(),
            config.cluster_name,
            config.nodes.len(),
            local.nodeid,
            local.name,
            local.addr,
            key_path.display(),
            key.len()
        );
        return ExitCode::SUCCESS;
    }
    if let Err(e) = log::init(&local.name, &config.logging) {
        eprintln!("vigild: cannot open the log file: {e}");
        return ExitCode::from(EX_CONFIG);
    }
    let socket = args
        .socket
        .clone()
        .or_else(|| std::env::var_os(api::SOCKET_ENV).map(PathBuf::from))
        .unwrap_or_else(|| args.run_dir.join("vigild.sock"));
    let state = match StateDir::open(&args.state_dir, local.nodeid) {
        Ok(state) => state,
        Err(e) => {
            eprintln!("vigild: {e}");
            return ExitCode::from(EX_UNAVAILABLE);
        }
    };
    let setup = Setup {
        totem: config.totem.clone(),
        quorum: config.quorum.clone(),
        config,
        local,
        key,
        socket,
        state,
    };
    match daemon::run(setup) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigild: {e}");
            ExitCode::from(EX_UNAVAILABLE)
        }
    }
}
