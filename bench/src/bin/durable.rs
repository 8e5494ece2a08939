//! Cost of durable sessions on the owner core, in ONE run: the in-process pipeline of
//! `ingress` (pre-built PUSH_DATA datagrams of N ABP sessions fed straight into one core's
//! `Worker`, a turn every 64 datagrams on the real clock) with the journal off, then on (each
//! accepted FCntUp appended, its event held until the group commit's `fdatasync` covers it),
//! alternating `--reps` times so both see the same machine state. The timed span runs from the
//! first datagram to the last event delivered (with the journal on, turns go on until the last
//! held event is durable). Reports uplinks/s per mode and their ratio, and the commit latency
//! (append → durable, the event's added delay) p50/p99 from the journal's histogram; beside it
//! a paced pass (`--rate` datagrams/s, turns at least every 1 ms like the io_uring loop's tick)
//! where the latency is not queueing.
//!
//! Measured on the 2-vCPU dev VM under other builds' load (journal on /tmp; figures vary ±30%
//! run to run, compare rows of one run), 10k sessions, 300k uplinks: journal on/off uplinks/s
//! ratio 0.84-0.96 median over 3 alternating reps (min 0.53, max 1.16), about 1 000 commits/s
//! unpaced; append->durable p50 1.9-2.5 ms, p99 5-15 ms (one outlier 54 ms) unpaced, and p50
//! 3.2 ms, p99 5.1 ms paced at 20k/s (this VM's `fdatasync` takes 1-4 ms).
//!
//! ```text
//! cargo run --release -p bench --bin durable -- [--sessions 10000] [--datagrams 300000] \
//!     [--reps 3] [--rate 20000] [--dir /var/tmp]
//! ```

use bench::ingress::load::{self, Load, Shape};
use dataplane::application::event::ApplicationEvent;
use dataplane::metrics::DownlinkMetrics;
use dataplane::metrics::PersistMetrics;
use dataplane::persist::{Journal, JournalConfig, SessionStates};
use dataplane::runtime::udp::{DatagramHandler, Outbox, UdpStats};
use dataplane::worker::EventSink;
use dataplane::worker::persist::Durability;
use std::cell::Cell;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Count(Rc<Cell<u64>>);

impl EventSink for Count {
    fn publish(&mut self, e: ApplicationEvent) {
        if matches!(e, ApplicationEvent::Uplink(_)) {
            self.0.set(self.0.get() + 1);
        }
    }
}

struct Run {
    uplinks: u64,
    elapsed: Duration,
    p50_us: u64,
    p99_us: u64,
    commits: u64,
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const FROM: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    40_000,
));
const TURN: usize = 64;
const WINDOW: Duration = Duration::from_millis(20);

/// Feeds `load` (paced at `rate` datagrams/s when non-zero), then turns until every uplink
/// is delivered.
fn run(load: &Load, durable_dir: Option<&PathBuf>, rate: u64) -> Run {
    let seen = Rc::new(Cell::new(0));
    let durable = durable_dir.map(|root| {
        let _ = std::fs::remove_dir_all(root);
        let j = Journal::open(root, 0, JournalConfig::default(), SessionStates::default())
            .expect("journal opens");
        Durability::new(j)
    });
    let on = durable.is_some();
    let dedup = load::dedup_config(WINDOW, Duration::from_millis(100), 1 << 20);
    let pm = Arc::new(PersistMetrics::new(1));
    let mut w = load::worker_with(
        load.shape,
        dedup,
        Count(Rc::clone(&seen)),
        Default::default(),
        durable,
    )
    .with_downlink_metrics(Arc::new(DownlinkMetrics::new(1)), 0)
    .with_persist_metrics(Arc::clone(&pm));
    let want = u64::from(load.shape.uplinks);
    let (mut out, mut stats) = (Outbox::default(), UdpStats::default());
    let start = Instant::now();
    let mut i = 0;
    while i < load.len() {
        if rate > 0 {
            // Between paced batches the core turns at least every 1 ms, like the io_uring
            // loop's tick, so the journal is polled on the node's cadence.
            let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
            while let Some(left) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(left.min(Duration::from_millis(1)));
                w.on_turn(Instant::now(), &mut out, &stats);
            }
        }
        let now = Instant::now();
        let end = (i + TURN).min(load.len());
        for j in i..end {
            w.on_datagram(now, FROM, load.datagram(j), &mut out);
        }
        stats.datagrams_in += (end - i) as u64;
        w.on_turn(now, &mut out, &stats);
        out.drain().for_each(drop);
        i = end;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.get() < want && Instant::now() < deadline {
        w.on_turn(Instant::now(), &mut out, &stats);
        std::thread::sleep(Duration::from_micros(200));
    }
    let elapsed = start.elapsed();
    // Publishes the journal's last counters (every 50 ms on the turn).
    std::thread::sleep(Duration::from_millis(60));
    w.on_turn(Instant::now(), &mut out, &stats);
    let totals = pm.totals();
    Run {
        uplinks: seen.get(),
        elapsed,
        p50_us: if on { pm.commit_latency_us(0.5) } else { 0 },
        p99_us: if on { pm.commit_latency_us(0.99) } else { 0 },
        commits: totals.commits,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sessions: u32 = arg(&args, "--sessions", 10_000);
    let datagrams: u32 = arg(&args, "--datagrams", 300_000);
    let reps: usize = arg(&args, "--reps", 3);
    let rate: u64 = arg(&args, "--rate", 20_000);
    let dir: PathBuf = arg(&args, "--dir", std::env::temp_dir());
    let root = dir.join(format!("durable-bench-{}", std::process::id()));
    let load = Load::build(Shape {
        sessions,
        k: 1,
        uplinks: datagrams,
    });
    println!(
        "durable sessions: {sessions} sessions, {datagrams} uplinks (k = 1), journal under {}, commit interval {:?}",
        root.display(),
        JournalConfig::default().commit_interval
    );
    let show = |label: &str, r: &Run| {
        let rate = r.uplinks as f64 / r.elapsed.as_secs_f64();
        println!(
            "  {label:<22} {:>9.0} uplinks/s  {:>7} delivered  {:>6} commits  append->durable p50 {:>6} us  p99 {:>6} us",
            rate, r.uplinks, r.commits, r.p50_us, r.p99_us
        );
        rate
    };
    println!("unpaced (throughput):");
    let mut ratios = Vec::new();
    for rep in 0..reps {
        let off = run(&load, None, 0);
        let on = run(&load, Some(&root), 0);
        let a = show(&format!("rep {rep} journal off"), &off);
        let b = show(&format!("rep {rep} journal on"), &on);
        ratios.push(b / a);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "  on/off uplinks/s ratio: median {:.2} (min {:.2}, max {:.2})",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1]
    );
    if rate > 0 {
        let paced = Load::build(Shape {
            sessions,
            k: 1,
            uplinks: (rate as u32).min(datagrams),
        });
        println!("paced at {rate} uplinks/s for 1 s (latency below saturation):");
        show("journal off", &run(&paced, None, rate));
        show("journal on", &run(&paced, Some(&root), rate));
    }
    let _ = std::fs::remove_dir_all(&root);
}
