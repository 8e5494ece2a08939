//! A whole run against a running data plane: subscribe to the application's events, start the
//! sender threads, print a progress line each second, wait for the last events, and assemble
//! the [`Report`].
//!
//! FCnt continuity: the next FCntUp of every device is kept in the fleet directory
//! (`fcnt.bin`, little-endian u32 per device) after each run and read at the start of the next,
//! so runs against one data plane never replay a counter. A data plane restarted without its
//! session state expects counters from 0 again: pass `reset_fcnt` then.

use crate::counters::{LiveCounters, get};
use crate::cpu;
use crate::events::{self, ConsumerCtx, EventsError};
use crate::fleet::FleetSpec;
use crate::gateway::GatewayCounters;
use crate::radio::ChannelPlan;
use crate::report::{self, Cost, Report, Second, Setup};
use crate::scenario::{Rate, Scenario, ScenarioError};
use crate::sender::{self, SenderCtx};
use crate::tracker::Tracker;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// File of next FCntUp values in a fleet directory.
pub const FCNT_FILE: &str = "fcnt.bin";

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The scenario is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The fleet's region is unknown.
    #[error("unknown region {0}")]
    Region(String),
    /// The event stream could not be consumed.
    #[error(transparent)]
    Events(#[from] EventsError),
    /// A sender thread failed.
    #[error("sender: {0}")]
    Sender(std::io::Error),
    /// A thread could not start or panicked.
    #[error("thread: {0}")]
    Thread(&'static str),
}

/// A finished run.
#[derive(Debug)]
pub struct Outcome {
    /// The report.
    pub report: Report,
    /// Next FCntUp of every device.
    pub fcnt_next: Vec<u32>,
}

/// Reads the next FCntUp of each device from `dir`, zeros when absent or of another size.
pub fn load_fcnt(dir: &Path, devices: u32) -> Vec<u32> {
    match std::fs::read(dir.join(FCNT_FILE)) {
        Ok(b) if b.len() == devices as usize * 4 => b
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        _ => vec![0; devices as usize],
    }
}

/// Writes the next FCntUp of each device into `dir`.
pub fn save_fcnt(dir: &Path, fcnt: &[u32]) -> std::io::Result<()> {
    let bytes: Vec<u8> = fcnt.iter().flat_map(|f| f.to_le_bytes()).collect();
    std::fs::write(dir.join(FCNT_FILE), bytes)
}

/// Runs `scenario` with `fleet`, devices starting at `fcnt_start`.
pub fn run(
    scenario: &Scenario,
    fleet: &FleetSpec,
    fcnt_start: Vec<u32>,
) -> Result<Outcome, RunError> {
    scenario.validate(fleet.max_k)?;
    let region = fleet
        .region
        .parse()
        .map_err(|_| RunError::Region(fleet.region.clone()))?;
    let plan = ChannelPlan::new(region);
    let live = LiveCounters::default();
    let gateways = GatewayCounters::new(fleet.gateways);
    let start = Instant::now();
    let ready = AtomicBool::new(false);
    let (tx, rx) = std::sync::mpsc::channel();
    let tracker = Tracker::new(fleet.dev_addr_base.to_u32(), fleet.devices);

    std::thread::scope(|scope| {
        let consumer = std::thread::Builder::new()
            .name("loadgen-events".into())
            .spawn_scoped(scope, || {
                let ctx = ConsumerCtx {
                    url: scenario.events.clone(),
                    application_id: fleet.application_id.clone(),
                    records: rx,
                    live: &live,
                    start,
                    event_timeout: scenario.event_timeout.0,
                    drain: scenario.drain.0,
                    ready: &ready,
                };
                events::consume(ctx, tracker)
            })
            .map_err(|_| RunError::Thread("events"))?;
        while !ready.load(Ordering::Acquire) {
            if consumer.is_finished() {
                drop(tx);
                return match consumer.join() {
                    Ok(Err(e)) => Err(e.into()),
                    _ => Err(RunError::Thread("events ended before subscribing")),
                };
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let cpu0 = cpu::usage();
        let t0 = Instant::now();
        let mut senders = Vec::new();
        for index in 0..scenario.threads {
            let ctx = SenderCtx {
                index,
                scenario,
                fleet,
                plan: &plan,
                gateways: &gateways,
                live: &live,
                start,
                records: tx.clone(),
                fcnt_start: &fcnt_start,
            };
            let h = std::thread::Builder::new()
                .name(format!("loadgen-send-{index}"))
                .spawn_scoped(scope, move || sender::run(ctx))
                .map_err(|_| RunError::Thread("sender"))?;
            senders.push(h);
        }
        drop(tx);

        let mut series = Vec::new();
        let mut prev = [0u64; 3];
        let mut next = t0 + Duration::from_secs(1);
        while !consumer.is_finished() {
            std::thread::sleep(Duration::from_millis(20));
            if Instant::now() < next {
                continue;
            }
            next += Duration::from_secs(1);
            let cur = [get(&live.uplinks), get(&live.datagrams), get(&live.events)];
            let sec = Second {
                t: series.len() as u32 + 1,
                uplinks: cur[0] - prev[0],
                datagrams: cur[1] - prev[1],
                events: cur[2] - prev[2],
            };
            prev = cur;
            if scenario.progress {
                eprintln!(
                    "[{:>3}s] sent {:>7}/s  events {:>7}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  pending {:>6}  lost: event {} push-ack {} send-err {}",
                    sec.t,
                    sec.uplinks,
                    sec.events,
                    get(&live.p50_us) as f64 / 1000.0,
                    get(&live.p99_us) as f64 / 1000.0,
                    get(&live.pending),
                    get(&live.event_losses),
                    get(&live.push_ack_missing),
                    get(&live.send_errors),
                );
            }
            series.push(sec);
        }
        let mut fcnt_next = fcnt_start.clone();
        let mut throttled = 0;
        for h in senders {
            let r = h.join().map_err(|_| RunError::Thread("sender panicked"))?;
            let r = r.map_err(RunError::Sender)?;
            throttled += r.throttled;
            for (d, f) in r.fcnt_next {
                if let Some(slot) = fcnt_next.get_mut(d as usize) {
                    *slot = f;
                }
            }
        }
        let tracker = consumer
            .join()
            .map_err(|_| RunError::Thread("events panicked"))??;
        let cpu1 = cpu::usage();
        let report = assemble(
            scenario, fleet, &tracker, &live, series, throttled, cpu0, cpu1,
        );
        Ok(Outcome { report, fcnt_next })
    })
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    s: &Scenario,
    fleet: &FleetSpec,
    tracker: &Tracker,
    live: &LiveCounters,
    per_second: Vec<Second>,
    throttled: u64,
    cpu0: cpu::Usage,
    cpu1: cpu::Usage,
) -> Report {
    let counts = tracker.counts();
    let mut losses = report::event_losses(counts);
    losses.push_ack_missing = get(&live.push_ack_missing);
    losses.pull_ack_missing = get(&live.pull_ack_missing);
    losses.send_errors = get(&live.send_errors);
    let secs = s.duration.0.as_secs_f64().max(1e-9);
    let cpu_s = (cpu1.user_s + cpu1.sys_s) - (cpu0.user_s + cpu0.sys_s);
    let (uplinks, datagrams) = (get(&live.uplinks), get(&live.datagrams));
    Report {
        setup: Setup {
            devices: fleet.devices,
            gateways: fleet.gateways,
            k: format!("{}..{}", s.k.min, s.k.max),
            rate: match s.rate {
                Rate::Max => "max".into(),
                Rate::PerSecond(r) => format!("{r}/s"),
            },
            duration_s: secs,
            confirmed: s.confirmed,
            jitter_ms: s.jitter.0.as_secs_f64() * 1000.0,
            threads: s.threads,
            sockets: s.sockets,
            target: s.target.to_string(),
            events: s.events.clone(),
        },
        uplinks_sent: uplinks,
        copies_sent: get(&live.copies),
        datagrams_sent: datagrams,
        events_delivered: counts.delivered,
        uplinks_per_s: uplinks as f64 / secs,
        events_per_s: counts.delivered as f64 / secs,
        latency: report::latency(tracker),
        losses,
        merged_gateways: report::merged(tracker),
        downlinks: get(&live.downlinks),
        throttled,
        cost: Cost {
            cpu_s,
            user_s: cpu1.user_s - cpu0.user_s,
            sys_s: cpu1.sys_s - cpu0.sys_s,
            cpu_us_per_uplink: cpu_s * 1e6 / uplinks.max(1) as f64,
            cpu_us_per_datagram: cpu_s * 1e6 / datagrams.max(1) as f64,
            max_rss_mib: cpu1.max_rss_kib as f64 / 1024.0,
        },
        per_second,
        latency_curve: report::latency_curve(tracker),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcnt_file_round_trip() {
        let dir = std::env::temp_dir().join(format!("loadgen-fcnt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(load_fcnt(&dir, 3), vec![0, 0, 0]);
        save_fcnt(&dir, &[1, 70_000, 3]).unwrap();
        assert_eq!(load_fcnt(&dir, 3), vec![1, 70_000, 3]);
        assert_eq!(
            load_fcnt(&dir, 4),
            vec![0; 4],
            "another fleet size starts over"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
