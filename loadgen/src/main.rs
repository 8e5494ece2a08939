//! `loadgen`: write a fleet's provisioning files, or run a scenario against a running data plane.
//!
//! ```text
//! loadgen fleet --devices 1000000 --gateways 10000 --out fleet/ [--seed N] [--max-k 3]
//!               [--app loadgen] [--region EU868] [--no-app-s-key]
//! loadgen run   [--config deploy/config/loadgen.toml] --fleet fleet/ --target 127.0.0.1:1700
//!               --events http://127.0.0.1:8082 --duration 10s --rate 5000|max --k 1..3
//!               [--jitter 50ms] [--confirmed 0.1] [--threads 1] [--sockets 4] [--window 2048]
//!               [--out report/] [--reset-fcnt] [--quiet]
//! ```

use anyhow::{Context, bail};
use loadgen::fleet::FleetSpec;
use loadgen::run::{self, load_fcnt, save_fcnt};
use loadgen::scenario::{ENV_PREFIX, Scenario};

const USAGE: &str = "usage:\n  loadgen fleet --devices N --gateways G --out DIR [--seed N] [--max-k K] [--app ID] [--region R] [--no-app-s-key]\n  loadgen run [--config FILE] [--fleet DIR] [--target ADDR] [--events URL] [--duration 10s] [--rate N|max]\n              [--k N|A..B] [--jitter 50ms] [--confirmed F] [--payload-bytes N] [--threads N] [--sockets N]\n              [--window N] [--max-pending N] [--drain 3s] [--out DIR] [--seed N] [--reset-fcnt] [--quiet]\n  (run settings: see deploy/config/loadgen.toml; env overrides LOADGEN__KEY)";

fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("fleet") => fleet(&args[1..]),
        Some("run") => run_cmd(&args[1..]),
        Some("--help" | "-h" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown command {other:?}\n{USAGE}"),
    }
}

/// Flag/value pairs; a flag without value is `None`.
fn pairs(args: &[String], switches: &[&str]) -> anyhow::Result<Vec<(String, Option<String>)>> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let Some(flag) = a.strip_prefix("--") else {
            bail!("unexpected argument {a:?}\n{USAGE}");
        };
        if switches.contains(&flag) {
            out.push((flag.to_string(), None));
        } else {
            let v = it
                .next()
                .with_context(|| format!("--{flag} needs a value"))?;
            out.push((flag.to_string(), Some(v.clone())));
        }
    }
    Ok(out)
}

fn parse<T: std::str::FromStr>(flag: &str, v: &str) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    v.parse()
        .map_err(|e| anyhow::anyhow!("--{flag} {v:?}: {e}"))
}

fn fleet(args: &[String]) -> anyhow::Result<()> {
    let mut spec = FleetSpec::default();
    let mut out = None;
    for (flag, v) in pairs(args, &["no-app-s-key"])? {
        let v = v.unwrap_or_default();
        match flag.as_str() {
            "devices" => spec.devices = parse(&flag, &v)?,
            "gateways" => spec.gateways = parse(&flag, &v)?,
            "seed" => spec.seed = parse(&flag, &v)?,
            "max-k" => spec.max_k = parse(&flag, &v)?,
            "app" => spec.application_id = v,
            "region" => spec.region = v,
            "no-app-s-key" => spec.app_s_key = false,
            "out" => out = Some(std::path::PathBuf::from(v)),
            _ => bail!("unknown flag --{flag}\n{USAGE}"),
        }
    }
    let out = out.context("--out DIR is required")?;
    let t = std::time::Instant::now();
    spec.write(&out)?;
    let u = loadgen::cpu::usage();
    println!(
        "wrote {} devices and {} gateways to {} in {:.1} s (peak RSS {:.1} MiB)",
        spec.devices,
        spec.gateways,
        out.display(),
        t.elapsed().as_secs_f64(),
        u.max_rss_kib as f64 / 1024.0
    );
    Ok(())
}

fn run_cmd(args: &[String]) -> anyhow::Result<()> {
    let flags = pairs(args, &["reset-fcnt", "quiet"])?;
    let config = flags
        .iter()
        .find(|(f, _)| f == "config")
        .and_then(|(_, v)| v.clone());
    let text = config
        .as_deref()
        .map(|p| std::fs::read_to_string(p).with_context(|| format!("reading {p}")))
        .transpose()?;
    let mut s: Scenario = shared::config::load(text.as_deref(), ENV_PREFIX, std::env::vars())?;
    let mut reset = false;
    for (flag, v) in flags {
        let v = v.unwrap_or_default();
        match flag.as_str() {
            "config" => {}
            "fleet" => s.fleet = v.into(),
            "target" => s.target = parse(&flag, &v)?,
            "events" => s.events = v,
            "duration" => s.duration = parse(&flag, &v)?,
            "rate" => s.rate = parse(&flag, &v)?,
            "k" => s.k = parse(&flag, &v)?,
            "jitter" => s.jitter = parse(&flag, &v)?,
            "confirmed" => s.confirmed = parse(&flag, &v)?,
            "payload-bytes" => s.payload_bytes = parse(&flag, &v)?,
            "threads" => s.threads = parse(&flag, &v)?,
            "sockets" => s.sockets = parse(&flag, &v)?,
            "window" => s.window = parse(&flag, &v)?,
            "max-pending" => s.max_pending = parse(&flag, &v)?,
            "drain" => s.drain = parse(&flag, &v)?,
            "out" => s.out = v.into(),
            "seed" => s.seed = parse(&flag, &v)?,
            "reset-fcnt" => reset = true,
            "quiet" => s.progress = false,
            _ => bail!("unknown flag --{flag}\n{USAGE}"),
        }
    }
    let fleet = FleetSpec::load(&s.fleet)?;
    let fcnt = match reset {
        true => vec![0; fleet.devices as usize],
        false => load_fcnt(&s.fleet, fleet.devices),
    };
    let outcome = run::run(&s, &fleet, fcnt)?;
    save_fcnt(&s.fleet, &outcome.fcnt_next).context("saving FCnt state")?;
    outcome.report.write(&s.out).context("writing the report")?;
    let r = &outcome.report;
    println!(
        "{} uplinks sent ({:.0}/s), {} delivered; latency p50 {:.2} ms p99 {:.2} ms p99.9 {:.2} ms max {:.2} ms; losses {}; loadgen CPU {:.2} µs/uplink; report in {}",
        r.uplinks_sent,
        r.uplinks_per_s,
        r.events_delivered,
        r.latency.p50_ms,
        r.latency.p99_ms,
        r.latency.p999_ms,
        r.latency.max_ms,
        r.losses.total(),
        r.cost.cpu_us_per_uplink,
        s.out.display()
    );
    Ok(())
}
