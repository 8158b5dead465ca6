//! `vigil sim totem`: run the deterministic Totem simulator over many
//! seeds, in parallel, and report every seed that broke an invariant with
//! the command that replays it.

use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Simulate Totem rings (membership, ordering, virtual synchrony) under
    /// network faults, crashes and clock drift, one run per seed.
    #[command(after_help = "\
Each seed draws a cluster size, Totem timings and a mix of faults (loss, delay,
duplication, reordering, symmetric and asymmetric partitions, crashes and
restarts, clock drift), runs a safety phase with faults and a workload, then
heals everything and requires one ring of all nodes and delivery within a
virtual-time bound. Ends with `seeds: N, violations: V`; exit status 1 if V > 0.")]
    Totem(TotemArgs),
}

#[derive(clap::Args)]
struct TotemArgs {
    /// How many seeds to run (default 1 with --seed, else 100).
    #[arg(long)]
    seeds: Option<u64>,
    /// The first seed (seeds S, S+1, ...).
    #[arg(long)]
    seed: Option<u64>,
    /// Processors per cluster (3 to 64); drawn from each seed if absent.
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=64))]
    nodes: Option<u64>,
    /// Worker threads (default: available parallelism).
    #[arg(long)]
    threads: Option<usize>,
    /// Print each seed's statistics.
    #[arg(short, long)]
    verbose: bool,
    /// Print every simulated event to stderr (use with one --seed).
    #[arg(long)]
    trace: bool,
}

pub fn run(args: Args) -> ExitCode {
    match args.what {
        What::Totem(a) => totem(a),
    }
}

fn totem(a: TotemArgs) -> ExitCode {
    let first = a.seed.unwrap_or(0);
    let count = a.seeds.unwrap_or(if a.seed.is_some() { 1 } else { 100 });
    let nodes = a.nodes.map(|n| n as usize);
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 256);
    let next = AtomicU64::new(0);
    let failed = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let seed = first.wrapping_add(i);
                    let sc = vigil_sim::Scenario::from_seed(seed, nodes);
                    if a.verbose {
                        println!("seed {seed}: {sc:?}");
                    }
                    let o = vigil_sim::run_traced(sc, Some(&vigil_sim::votequorum), a.trace);
                    if a.verbose {
                        println!(
                            "seed {seed}: {} nodes, {} violations, {:?}",
                            o.nodes,
                            o.violations.len(),
                            o.stats
                        );
                    }
                    if !o.violations.is_empty() {
                        let mut replay = format!("vigil sim totem --seed {seed}");
                        if let Some(n) = nodes {
                            replay.push_str(&format!(" --nodes {n}"));
                        }
                        let mut text = format!("seed {seed} ({} nodes): VIOLATION\n", o.nodes);
                        for v in &o.violations {
                            text.push_str(&format!("  at {} us: {}\n", v.at_us, v.what));
                        }
                        text.push_str(&format!("  replay: {replay}\n"));
                        print!("{text}");
                        if let Ok(mut f) = failed.lock() {
                            f.push(seed);
                        }
                    }
                }
            });
        }
    });
    let failed = failed.into_inner().unwrap_or_default();
    eprintln!(
        "{count} seeds in {:.1} s on {threads} threads",
        started.elapsed().as_secs_f64()
    );
    println!("seeds: {count}, violations: {}", failed.len());
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
