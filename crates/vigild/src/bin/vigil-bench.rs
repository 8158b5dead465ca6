//! Measurements of a local three-node vigild cluster over real UDP on
//! loopback: ordered-delivery throughput and latency, failover time after
//! `kill -9`, and the idle footprint. Prints figures; asserts nothing.
//!
//! Run from a release build: `target/release/vigil-bench throughput`
//! (it starts `vigild` from beside itself).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use vigild::api::{self, Client, Event, Request, Response};
use vigild::testbed::Cluster;

#[derive(Parser)]
#[command(
    name = "vigil-bench",
    about = "Measure a local three-node vigild cluster"
)]
struct Cli {
    /// The vigild binary [default: the one beside this program]
    #[arg(long, global = true)]
    vigild: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ordered delivery from one sender to all three nodes.
    Throughput {
        /// Messages per size.
        #[arg(long, default_value_t = 20_000)]
        messages: usize,
        /// Message sizes in bytes.
        #[arg(long, value_delimiter = ',', default_value = "64,1024,16384")]
        sizes: Vec<usize>,
        /// Messages per Send request.
        #[arg(long, default_value_t = 64)]
        batch: usize,
        /// totem.netmtu (bytes per datagram; Totem's default is 1500).
        #[arg(long)]
        netmtu: Option<u32>,
    },
    /// Time from `kill -9` of node 3 to the survivors' new membership.
    Failover {
        /// totem.token in ms.
        #[arg(long, default_value_t = 1000)]
        token: u64,
        /// totem.token_coefficient in ms (corosync's default is 650).
        #[arg(long)]
        token_coefficient: Option<u64>,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// RSS and CPU use of each idle vigild of a three-node ring.
    Footprint {
        /// How long to watch, in seconds.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
}

type Outcome = Result<(), String>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let vigild = cli.vigild.unwrap_or_else(|| {
        std::env::current_exe()
            .map(|exe| exe.with_file_name("vigild"))
            .unwrap_or_else(|_| PathBuf::from("vigild"))
    });
    let outcome = match cli.command {
        Command::Throughput {
            messages,
            sizes,
            batch,
            netmtu,
        } => throughput(
            &vigild,
            messages,
            &sizes,
            batch.clamp(1, api::MAX_SEND_BATCH),
            netmtu,
        ),
        Command::Failover {
            token,
            token_coefficient,
            runs,
        } => failover(&vigild, token, token_coefficient, runs),
        Command::Footprint { seconds } => footprint(&vigild, seconds),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigil-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

const PATIENCE: Duration = Duration::from_secs(60);

fn start_cluster(
    vigild: &std::path::Path,
    name: &str,
    base: u8,
    totem: &[&str],
) -> Result<Cluster, String> {
    let addrs: Vec<String> = (1..=3).map(|i| format!("127.{base}.0.{i}")).collect();
    let mut cluster = Cluster::new(name, vigild, &addrs, totem).map_err(|e| e.to_string())?;
    cluster
        .start_all()
        .map_err(|e| format!("cannot start {}: {e}", vigild.display()))?;
    cluster.wait_until_whole(PATIENCE)?;
    Ok(cluster)
}

fn subscribe(cluster: &Cluster, id: u32) -> Result<Client, String> {
    let mut client = Client::connect(&cluster.node(id).socket).map_err(|e| e.to_string())?;
    client.subscribe().map_err(|e| e.to_string())?;
    Ok(client)
}

fn throughput(
    vigild: &std::path::Path,
    messages: usize,
    sizes: &[usize],
    batch: usize,
    netmtu: Option<u32>,
) -> Outcome {
    let mtu_line = netmtu.map(|m| format!("netmtu: {m}"));
    let mut totem = vec!["token: 1000"];
    totem.extend(mtu_line.as_deref());
    let cluster = start_cluster(vigild, "bench", 78, &totem)?;
    println!(
        "ordered delivery, 3 nodes on loopback UDP, one sender (node 1), netmtu {}",
        netmtu.map_or("1500 (default)".to_string(), |m| m.to_string())
    );
    println!(
        "{:>8} {:>10} {:>8} | {:>9} {:>9} {:>9}",
        "size", "msgs/s", "MB/s", "lat p50", "lat p99", "lat max"
    );
    for &size in sizes {
        let size = size.max(16);
        let rate = flood(&cluster, messages, size, batch)?;
        let latencies = one_at_a_time(&cluster, LATENCY_SAMPLES, size)?;
        let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
        println!(
            "{:>8} {:>10.0} {:>8.2} | {:>7.2}ms {:>7.2}ms {:>7.2}ms",
            size,
            rate,
            rate * size as f64 / 1e6,
            pick(0.5),
            pick(0.99),
            pick(1.0)
        );
    }
    println!(
        "throughput: {messages} messages sent as fast as node 1 takes them, until all three nodes delivered them all"
    );
    println!(
        "latency: {LATENCY_SAMPLES} messages one at a time, from the Send request to the delivery event at each node (the same order checked at all three)"
    );
    println!(
        "reference: corosync cpgbench on this machine kind 17.3k msg/s at 64 B, 11.3k msg/s at 1.6 kB"
    );
    Ok(())
}

const LATENCY_SAMPLES: usize = 300;

/// Sends `messages` messages of `size` bytes from node 1 in batches and
/// returns messages per second until every node has delivered them all.
fn flood(cluster: &Cluster, messages: usize, size: usize, batch: usize) -> Result<f64, String> {
    let mut watchers: Vec<Client> = (1..=3)
        .map(|id| Client::connect(&cluster.node(id).socket).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let base: Vec<u64> = watchers
        .iter_mut()
        .map(|c| c.stats().map(|s| s.delivered_messages))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut sender = Client::connect(&cluster.node(1).socket).map_err(|e| e.to_string())?;
    let payload = api::to_hex(&vec![0xa5u8; size]);
    let start = Instant::now();
    let mut sent = 0;
    while sent < messages {
        let n = batch.min(messages - sent);
        match sender
            .request(&Request::Send {
                payloads: vec![payload.clone(); n],
            })
            .map_err(|e| e.to_string())?
        {
            Response::Sent { count } if count == n => sent += n,
            other => return Err(format!("unexpected answer to Send: {other:?}")),
        }
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let mut done = true;
        for (watcher, base) in watchers.iter_mut().zip(&base) {
            let delivered = watcher
                .stats()
                .map_err(|e| e.to_string())?
                .delivered_messages;
            done &= delivered - base >= messages as u64;
        }
        if done {
            return Ok(messages as f64 / start.elapsed().as_secs_f64());
        }
        if Instant::now() > deadline {
            return Err("deliveries stopped arriving".into());
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// Sends `samples` messages one at a time, each once the previous one was
/// delivered everywhere; returns the latencies (ms) seen at all nodes,
/// sorted, after checking every node delivered them in sending order.
fn one_at_a_time(cluster: &Cluster, samples: usize, size: usize) -> Result<Vec<f64>, String> {
    let (tx, rx) = mpsc::channel();
    for id in 1..=3u32 {
        let mut client = subscribe(cluster, id)?;
        let tx = tx.clone();
        thread::spawn(move || {
            while let Ok(event) = client.next_event() {
                if let Event::Delivered { len, head, .. } = event
                    && len == size
                    && let Ok(bytes) = api::from_hex(&head)
                    && bytes.len() >= 8
                {
                    let index = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
                    if tx.send((id, index, Instant::now())).is_err() {
                        return;
                    }
                }
            }
        });
    }
    let mut sender = Client::connect(&cluster.node(1).socket).map_err(|e| e.to_string())?;
    let filler = api::to_hex(&vec![0x5au8; size - 8]);
    let mut latencies = Vec::with_capacity(samples * 3);
    for index in 0..samples as u64 {
        let payloads = vec![api::to_hex(&index.to_le_bytes()) + &filler];
        let sent = Instant::now();
        sender
            .request(&Request::Send { payloads })
            .map_err(|e| e.to_string())?;
        let mut seen = BTreeMap::new();
        while seen.len() < 3 {
            let (node, got, at) = rx
                .recv_timeout(PATIENCE)
                .map_err(|_| "a message was never delivered")?;
            if got != index {
                return Err(format!(
                    "node {node} delivered message {got} while {index} was expected"
                ));
            }
            seen.insert(node, at);
        }
        latencies.extend(
            seen.values()
                .map(|at| at.duration_since(sent).as_secs_f64() * 1e3),
        );
    }
    latencies.sort_by(f64::total_cmp);
    Ok(latencies)
}

fn failover(
    vigild: &std::path::Path,
    token: u64,
    coefficient: Option<u64>,
    runs: usize,
) -> Outcome {
    let token_line = format!("token: {token}");
    let coefficient_line = coefficient.map(|c| format!("token_coefficient: {c}"));
    let mut totem = vec![token_line.as_str()];
    if let Some(line) = &coefficient_line {
        totem.push(line);
    }
    let mut cluster = start_cluster(vigild, "failover", 79, &totem)?;
    let effective_token = token + coefficient.unwrap_or(650);
    let consensus = effective_token * 12 / 10;
    println!(
        "failover: kill -9 node 3 of 3, token {token} ms, token_coefficient {} ms (effective token {effective_token} ms, consensus {consensus} ms)",
        coefficient.unwrap_or(650)
    );
    let mut times = Vec::new();
    for run in 1..=runs {
        let (tx, rx) = mpsc::channel();
        for id in [1u32, 2] {
            let mut client = subscribe(&cluster, id)?;
            let tx = tx.clone();
            thread::spawn(move || {
                while let Ok(event) = client.next_event() {
                    if let Event::Membership { members, .. } = event
                        && members == [1, 2]
                    {
                        let _ = tx.send((id, Instant::now()));
                        return;
                    }
                }
            });
        }
        // Let the subscriptions settle before the kill.
        thread::sleep(Duration::from_millis(300));
        let killed = Instant::now();
        cluster.kill9(3);
        let mut worst = Duration::ZERO;
        for _ in 0..2 {
            let (_, at) = rx
                .recv_timeout(PATIENCE)
                .map_err(|_| "the survivors never reported the new membership")?;
            worst = worst.max(at.duration_since(killed));
        }
        println!(
            "  run {run}: both survivors reported membership [1, 2] after {} ms",
            worst.as_millis()
        );
        times.push(worst);
        cluster.start(3).map_err(|e| e.to_string())?;
        cluster.wait_until_whole(PATIENCE)?;
    }
    let max = times.iter().max().copied().unwrap_or_default();
    let mean = times.iter().sum::<Duration>() / times.len().max(1) as u32;
    let target = effective_token + consensus + 100;
    println!(
        "failover: mean {} ms, max {} ms; target effective token + consensus + 100 ms = {target} ms: {}",
        mean.as_millis(),
        max.as_millis(),
        if max.as_millis() <= u128::from(target) {
            "met"
        } else {
            "not met"
        }
    );
    Ok(())
}

/// (RSS kB, peak RSS kB) of a process.
fn memory(pid: u32) -> Result<(u64, u64), String> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}

/// User + system CPU seconds of a process so far.
fn cpu_seconds(pid: u32) -> Result<f64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    // Fields after the command name (which is in parentheses).
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or("odd /proc stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 =
        fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0);
    let hz = rustix::param::clock_ticks_per_second() as f64;
    Ok(ticks as f64 / hz)
}

fn footprint(vigild: &std::path::Path, seconds: u64) -> Outcome {
    let cluster = start_cluster(vigild, "footprint", 80, &["token: 1000"])?;
    thread::sleep(Duration::from_secs(2));
    let pids: Vec<u32> = cluster.nodes.iter().filter_map(|n| n.pid()).collect();
    let before: Vec<f64> = pids
        .iter()
        .map(|p| cpu_seconds(*p))
        .collect::<Result<_, _>>()?;
    thread::sleep(Duration::from_secs(seconds));
    cluster.wait_until_whole(PATIENCE)?;
    println!("idle 3-node ring (token 1000 ms), watched for {seconds} s");
    println!(
        "{:>6} {:>10} {:>14} {:>16}",
        "node", "RSS MB", "peak RSS MB", "CPU s / minute"
    );
    for (i, pid) in pids.iter().enumerate() {
        let (rss, peak) = memory(*pid)?;
        let cpu = cpu_seconds(*pid)? - before[i];
        println!(
            "{:>6} {:>10.1} {:>14.1} {:>16.3}",
            i + 1,
            rss as f64 / 1024.0,
            peak as f64 / 1024.0,
            cpu * 60.0 / seconds as f64
        );
    }
    println!("targets: < 20 MB RSS, < 0.1 CPU s per minute");
    Ok(())
}
