//! The ingress benchmark behind `src/bin/ingress.rs`: the data plane's per-core pipeline
//! (Semtech UDP ingress → owner routing → network core dedup/MIC/FCnt/decrypt → event sink)
//! measured in-process and behind three socket loops on the same load, beside the kernel's
//! bare `recvmmsg` ceiling (design.md "Performance, measured").
//!
//! - [`load`]: sessions, frames and PUSH_DATA datagrams built once; the worker as a node builds it.
//! - [`probe`]: counting event sink with send→event latency, datagram counter, CPU clock, pinning.
//! - [`sender`]: the `sendmmsg` load generator.
//! - [`receivers`]: io_uring, tokio and bare `recvmmsg` receive loops.
//! - [`run`]: one measurement each; [`report`]: the table.

pub mod load;
pub mod probe;
pub mod receivers;
pub mod report;
pub mod run;
pub mod sender;

use dataplane::gateway::udp::ingress::JsonParser;
use std::time::Duration;

/// Command-line settings of the benchmark.
#[derive(Debug, Clone)]
pub struct Options {
    /// Longest time the sender runs per socket measurement.
    pub secs: Duration,
    /// ABP sessions.
    pub sessions: u32,
    /// Datagrams in each load's pool.
    pub datagrams: u32,
    /// Gateways per uplink, one load each.
    pub ks: Vec<u32>,
    /// The dedup window.
    pub window: Duration,
    /// How long a closed dedup entry keeps catching late copies.
    pub cooldown: Duration,
    /// Most dedup entries (open or cooling).
    pub dedup_entries: usize,
    /// Sender rate of the throughput pass in datagrams/s (0: as fast as possible).
    pub rate: u64,
    /// Sender rate of the latency pass in datagrams/s (0: no latency pass).
    pub latency_rate: u64,
    /// Pin sender and receiver to cores 0 and 1.
    pub pin: bool,
    /// In-process runs per load.
    pub reps: u32,
    /// Which parts run: `all`, `inproc`, `pipeline` (in-process pipeline only) or `sockets`.
    pub only: String,
    /// PUSH_DATA parsers of the in-process rows, in order (the sockets use the default).
    pub parsers: Vec<JsonParser>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            secs: Duration::from_secs(2),
            sessions: 10_000,
            datagrams: 600_000,
            ks: vec![1, 3],
            window: Duration::from_millis(200),
            cooldown: Duration::from_secs(2),
            dedup_entries: 1 << 18,
            rate: 0,
            latency_rate: 20_000,
            pin: true,
            reps: 3,
            only: "all".into(),
            parsers: vec![JsonParser::Serde, JsonParser::Scan],
        }
    }
}

impl Options {
    /// The dedup settings every measurement uses.
    pub fn dedup(&self) -> dataplane::network::DedupConfig {
        load::dedup_config(self.window, self.cooldown, self.dedup_entries)
    }

    /// Reads `--secs S --sessions N --datagrams D --k 1,3 --window-ms W --cooldown-ms C
    /// --dedup-entries E --rate R --latency-rate L --reps N --only all|inproc|pipeline|sockets
    /// --parser serde|scan|both --no-pin`.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut o = Self::default();
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            if a == "--no-pin" {
                o.pin = false;
                continue;
            }
            if a == "--bench" {
                continue;
            }
            let v = it.next().ok_or(format!("{a} needs a value"))?;
            let num = |v: &str| v.parse::<u64>().map_err(|e| format!("{a} {v}: {e}"));
            match a.as_str() {
                "--secs" => o.secs = Duration::from_secs_f64(num(&v)? as f64),
                "--sessions" => o.sessions = num(&v)?.max(1) as u32,
                "--datagrams" => o.datagrams = num(&v)? as u32,
                "--k" => {
                    o.ks = v
                        .split(',')
                        .map(|s| s.trim().parse::<u32>().map_err(|e| format!("--k {s}: {e}")))
                        .collect::<Result<_, _>>()?
                }
                "--window-ms" => o.window = Duration::from_millis(num(&v)?),
                "--cooldown-ms" => o.cooldown = Duration::from_millis(num(&v)?),
                "--dedup-entries" => o.dedup_entries = num(&v)?.max(1) as usize,
                "--rate" => o.rate = num(&v)?,
                "--latency-rate" => o.latency_rate = num(&v)?,
                "--reps" => o.reps = num(&v)?.max(1) as u32,
                "--only" => o.only = v,
                "--parser" => {
                    o.parsers = match v.as_str() {
                        "serde" => vec![JsonParser::Serde],
                        "scan" => vec![JsonParser::Scan],
                        "both" => vec![JsonParser::Serde, JsonParser::Scan],
                        _ => return Err(format!("--parser {v}: serde, scan or both")),
                    }
                }
                _ => return Err(format!("unknown option {a}")),
            }
        }
        Ok(o)
    }
}
