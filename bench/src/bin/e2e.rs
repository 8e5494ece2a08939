//! End-to-end benchmark: the whole data-plane node (`dataplane::node::start`, the same code
//! `main` runs: Semtech UDP ingress per core, owner hand-off, dedup, MIC, FCnt, decryption,
//! events hub, gRPC event stream) driven over loopback by loadgen (library call: simulated
//! gateways and ABP devices, latency from first gateway send to the application event on the
//! gRPC stream), once per socket loop — `[runtime] ingress = "io_uring"` and `"tokio"` — in the
//! same run, on the same fleet, each on a fresh node.
//!
//! Figures per ingress: uplinks/s delivered (events), the same per data-plane worker core,
//! latency p50/p99/p99.9 (includes the dedup window), losses, and the data plane's CPU per
//! delivered uplink: the CPU time of the node's own threads (`dataplane-<i>` workers and
//! `dataplane-async`, read from `/proc/self/task/*/schedstat`, ns resolution), so loadgen's
//! threads in the same process are not counted. Last, tokio / io_uring ratios.
//!
//! Run (small, about 20 s):
//!
//! ```text
//! cargo run --release -p bench --bin e2e -- --devices 2000 --gateways 20 --secs 5 --rate max --k 1
//! cargo run --release -p bench --bin e2e -- --rate 5000 --k 3 --workers 2 --window-ms 50 --reps 2
//! ```
//!
//! On loopback loadgen shares the cores with the node (and in the kernel the receiver's UDP
//! input runs in the sender's softirq), so uplinks/s is a floor for the node, CPU per uplink the
//! honest figure.

use anyhow::{Context, bail};
use dataplane::config::{Config, IngressConfig};
use dataplane::gateway::registry::GatewayRegistry;
use dataplane::node;
use dataplane::sync::session_file;
use loadgen::fleet::{FleetSpec, GATEWAYS_FILE, SESSIONS_FILE};
use loadgen::report::Report;
use loadgen::run;
use loadgen::scenario::{Dur, KRange, Rate, Scenario};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Opts {
    devices: u32,
    gateways: u32,
    secs: u64,
    rate: Rate,
    k: u8,
    workers: usize,
    window_ms: u64,
    reps: usize,
    pin: bool,
}

fn parse() -> anyhow::Result<Opts> {
    let mut o = Opts {
        devices: 2000,
        gateways: 20,
        secs: 5,
        rate: Rate::Max,
        k: 1,
        workers: 2,
        window_ms: 50,
        reps: 1,
        pin: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--pin" {
            o.pin = true;
            continue;
        }
        let v = args.next().with_context(|| format!("{a} needs a value"))?;
        match a.as_str() {
            "--devices" => o.devices = v.parse()?,
            "--gateways" => o.gateways = v.parse()?,
            "--secs" => o.secs = v.parse()?,
            "--rate" => o.rate = v.parse()?,
            "--k" => o.k = v.parse()?,
            "--workers" => o.workers = v.parse()?,
            "--window-ms" => o.window_ms = v.parse()?,
            "--reps" => o.reps = v.parse()?,
            _ => bail!("unknown option {a}"),
        }
    }
    if o.k == 0 || o.secs == 0 || o.workers == 0 {
        bail!("--k, --secs and --workers must be at least 1");
    }
    Ok(o)
}

/// CPU nanoseconds of this process's threads whose name starts with `prefix`.
fn threads_cpu_ns(prefix: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.starts_with(prefix))
        })
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// One ingress's figures.
struct Row {
    ingress: &'static str,
    report: Report,
    dp_cpu_s: f64,
}

fn run_one(o: &Opts, fleet: &FleetSpec, dir: &Path, ingress: IngressConfig) -> anyhow::Result<Row> {
    let gw_text = std::fs::read_to_string(dir.join(GATEWAYS_FILE))?;
    let registry = GatewayRegistry::from_toml(&gw_text)?;
    let sessions = session_file::parse(&std::fs::read_to_string(dir.join(SESSIONS_FILE))?)?;
    let mut config = Config {
        workers: o.workers,
        pin_workers: o.pin,
        ..Config::default()
    };
    config.runtime.ingress = ingress;
    config.udp.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.api.http_bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.api.grpc_bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.network.dedup_window_ms = o.window_ms;
    config.log = "warn".into();
    let node = node::start(&config, registry, sessions)?;
    let scenario = Scenario {
        target: node.udp_addr,
        events: format!("http://{}", node.grpc_addr),
        fleet: dir.to_path_buf(),
        duration: Dur(Duration::from_secs(o.secs)),
        rate: o.rate,
        k: KRange { min: o.k, max: o.k },
        jitter: Dur(Duration::from_millis(o.window_ms / 4)),
        confirmed: 0.0,
        sockets: 4,
        threads: 1,
        drain: Dur(Duration::from_secs(3)),
        out: dir.join("report"),
        progress: false,
        ..Scenario::default()
    };
    // Each node starts from the session files, so counters start at 0 each time.
    let cpu0 = threads_cpu_ns("dataplane");
    let outcome = run::run(&scenario, fleet, vec![0; fleet.devices as usize])?;
    let cpu1 = threads_cpu_ns("dataplane");
    node.stop();
    Ok(Row {
        ingress: match ingress {
            IngressConfig::IoUring => "io_uring",
            IngressConfig::Tokio => "tokio",
        },
        report: outcome.report,
        dp_cpu_s: cpu1.saturating_sub(cpu0) as f64 / 1e9,
    })
}

fn print(o: &Opts, rows: &[Row]) {
    println!(
        "\n| ingress | uplinks sent/s | delivered/s | per DP core | p50 / p99 / p99.9 ms | lost | DP CPU µs/uplink | DP CPU cores |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let p = &r.report;
        let secs = p.setup.duration_s.max(1e-9);
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.2} / {:.2} / {:.2} | {} | {:.1} | {:.2} |",
            r.ingress,
            p.uplinks_per_s,
            p.events_per_s,
            p.events_per_s / o.workers as f64,
            p.latency.p50_ms,
            p.latency.p99_ms,
            p.latency.p999_ms,
            p.losses.total(),
            r.dp_cpu_s * 1e6 / p.events_delivered.max(1) as f64,
            r.dp_cpu_s / secs,
        );
    }
    for r in rows.iter().filter(|r| r.report.losses.total() > 0) {
        let l = &r.report.losses;
        println!(
            "{} losses: no event {}, lagged {}, PUSH_ACK missing {}, send errors {}, duplicate {}, unknown {}",
            r.ingress,
            l.no_event,
            l.lagged_event,
            l.push_ack_missing,
            l.send_errors,
            l.duplicate_event,
            l.unknown_event,
        );
    }
    let median = |name: &str, f: &dyn Fn(&Row) -> f64| {
        let mut v: Vec<f64> = rows.iter().filter(|r| r.ingress == name).map(f).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let ratio = |f: &dyn Fn(&Row) -> f64| match (median("tokio", f), median("io_uring", f)) {
        (Some(t), Some(u)) if u > 0.0 => format!("{:.2}", t / u),
        _ => "n/a".into(),
    };
    println!(
        "\ntokio / io_uring (medians): delivered/s x{}, p50 x{}, p99 x{}, DP CPU per uplink x{}",
        ratio(&|r| r.report.events_per_s),
        ratio(&|r| r.report.latency.p50_ms),
        ratio(&|r| r.report.latency.p99_ms),
        ratio(&|r| r.dp_cpu_s / r.report.events_delivered.max(1) as f64),
    );
}

fn main() -> anyhow::Result<()> {
    let o = parse()?;
    let dir: PathBuf = std::env::temp_dir().join(format!("e2e-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let fleet = FleetSpec {
        devices: o.devices,
        gateways: o.gateways,
        max_k: o.k.max(1),
        ..FleetSpec::default()
    };
    fleet.write(&dir)?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "e2e benchmark: {cores} cores, {} data-plane workers (pinning {}), {} devices, {} gateways, k = {}, rate {:?}, {} s per run, dedup window {} ms, {} rep(s)",
        o.workers,
        if o.pin { "on" } else { "off" },
        o.devices,
        o.gateways,
        o.k,
        o.rate,
        o.secs,
        o.window_ms,
        o.reps
    );
    let mut rows = Vec::new();
    for _ in 0..o.reps {
        // Alternate so drift on a shared machine hits both alike.
        for ingress in [IngressConfig::IoUring, IngressConfig::Tokio] {
            rows.push(run_one(&o, &fleet, &dir, ingress)?);
        }
    }
    print(&o, &rows);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
