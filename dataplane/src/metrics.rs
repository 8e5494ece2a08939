//! Data-plane metrics: plain per-core counters written by their owning core, summed on scrape
//! into the Prometheus text exposition format (version 0.0.4).
//!
//! Each core holds an `Arc<CoreCounters>`. Only that core writes it, so a bump is a Relaxed
//! load and store (a plain `mov`, no locked read-modify-write, no shared cache line with another
//! writer); a scrape on the async side reads every core's counters and sums them. Latency is an
//! HdrHistogram per core recorded without any lock and folded into a per-core slot now and then
//! with `try_lock` (see [`LatencyRecorder`]); the scrape merges the slots and writes Prometheus
//! histogram buckets.
//!
//! The text format is written by hand ([`Exposition`]) rather than through `prometheus-client`:
//! the counters already live in our own per-core structs, so that crate's registry and metric
//! types would only add an adaptor layer per scrape; the format itself is a few lines of `# HELP`,
//! `# TYPE` and `name{label="value"} number`.
//!
//! Other components add their own families by implementing [`Collect`] and registering it (the
//! events hub does so with `dataplane_events_*`).

#![forbid(unsafe_code)]

pub mod downlink;
mod exposition;
mod latency;
pub mod mac;
pub mod persist;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

pub use downlink::{DownlinkMetrics, DownlinkStats};
pub use exposition::{Exposition, MetricKind};
pub use latency::{LATENCY_BUCKETS_US, LatencyRecorder, LatencySnapshot};
pub use persist::{PersistMetrics, PersistStats};

pub use crate::drop::DropReason;

/// Adds `n` to a counter that only the calling thread writes: a plain load and store.
#[inline]
fn bump(c: &AtomicU64, n: u64) {
    c.store(c.load(Relaxed).wrapping_add(n), Relaxed);
}

/// One core's counters. Written by its owning core only (the bump is not an atomic add: two
/// writers would lose counts); read by the scrape.
#[derive(Debug)]
pub struct CoreCounters {
    core: usize,
    packets_in: AtomicU64,
    packets_out: AtomicU64,
    uplinks_delivered: AtomicU64,
    drops: [AtomicU64; DropReason::COUNT],
    busy_ns: AtomicU64,
    idle_ns: AtomicU64,
    latency: latency::LatencySlot,
}

impl CoreCounters {
    /// Fresh counters for core `core`.
    pub fn new(core: usize) -> Self {
        Self {
            core,
            packets_in: AtomicU64::new(0),
            packets_out: AtomicU64::new(0),
            uplinks_delivered: AtomicU64::new(0),
            drops: std::array::from_fn(|_| AtomicU64::new(0)),
            busy_ns: AtomicU64::new(0),
            idle_ns: AtomicU64::new(0),
            latency: latency::LatencySlot::new(),
        }
    }

    /// The core these counters belong to.
    pub fn core(&self) -> usize {
        self.core
    }

    /// Counts `n` packets received.
    #[inline]
    pub fn add_packets_in(&self, n: u64) {
        bump(&self.packets_in, n);
    }

    /// Counts `n` packets sent.
    #[inline]
    pub fn add_packets_out(&self, n: u64) {
        bump(&self.packets_out, n);
    }

    /// Counts `n` uplinks delivered to their application.
    #[inline]
    pub fn add_uplinks_delivered(&self, n: u64) {
        bump(&self.uplinks_delivered, n);
    }

    /// Counts one drop for `reason`.
    #[inline]
    pub fn count_drop(&self, reason: DropReason) {
        if let Some(c) = self.drops.get(reason.index()) {
            bump(c, 1);
        }
    }

    /// Publishes the running totals a core's components keep in plain integers (the scrape reads
    /// the latest published values).
    pub fn store_totals(&self, t: &CoreTotals) {
        self.packets_in.store(t.packets_in, Relaxed);
        self.packets_out.store(t.packets_out, Relaxed);
        self.uplinks_delivered.store(t.uplinks_delivered, Relaxed);
        for (c, v) in self.drops.iter().zip(t.drops) {
            c.store(v, Relaxed);
        }
        self.busy_ns.store(t.busy_ns, Relaxed);
        self.idle_ns.store(t.idle_ns, Relaxed);
    }

    /// Adds time spent working (processing completions, timers).
    #[inline]
    pub fn add_busy(&self, d: Duration) {
        bump(&self.busy_ns, saturating_ns(d));
    }

    /// Adds time spent waiting for the ring.
    #[inline]
    pub fn add_idle(&self, d: Duration) {
        bump(&self.idle_ns, saturating_ns(d));
    }

    /// Packets received so far.
    pub fn packets_in(&self) -> u64 {
        self.packets_in.load(Relaxed)
    }

    /// Drops counted so far for `reason`.
    pub fn drops(&self, reason: DropReason) -> u64 {
        self.drops
            .get(reason.index())
            .map_or(0, |c| c.load(Relaxed))
    }

    /// A lock-free latency recorder for the owning core, flushing into these counters.
    pub fn latency_recorder(self: &Arc<Self>) -> LatencyRecorder {
        LatencyRecorder::new(Arc::clone(self))
    }

    fn latency_slot(&self) -> &latency::LatencySlot {
        &self.latency
    }
}

/// Running totals of one core, as its components count them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoreTotals {
    /// Packets received.
    pub packets_in: u64,
    /// Packets sent.
    pub packets_out: u64,
    /// Uplinks delivered to their application.
    pub uplinks_delivered: u64,
    /// Drops by reason, indexed by [`DropReason::index`].
    pub drops: [u64; DropReason::COUNT],
    /// Time spent working, in ns.
    pub busy_ns: u64,
    /// Time spent waiting for work, in ns.
    pub idle_ns: u64,
}

fn saturating_ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Selects one counter of a core.
type CounterField = fn(&CoreCounters) -> &AtomicU64;

/// A source of metric families written at scrape time.
pub trait Collect: Send + Sync {
    /// Writes this source's families.
    fn collect(&self, out: &mut Exposition);
}

/// Every core's counters plus registered collectors; [`Registry::render`] is the `/metrics` body.
#[derive(Default)]
pub struct Registry {
    cores: Vec<Arc<CoreCounters>>,
    collectors: Vec<Arc<dyn Collect>>,
}

impl Registry {
    /// A registry with counters for `cores` cores.
    pub fn new(cores: usize) -> Self {
        Self {
            cores: (0..cores).map(|i| Arc::new(CoreCounters::new(i))).collect(),
            collectors: Vec::new(),
        }
    }

    /// Core `i`'s counters, to hand to that core.
    pub fn core(&self, i: usize) -> Option<Arc<CoreCounters>> {
        self.cores.get(i).cloned()
    }

    /// Adds a collector written after the core families.
    pub fn register(&mut self, c: Arc<dyn Collect>) {
        self.collectors.push(c);
    }

    /// Merged latency of every core (what the scrape exports).
    pub fn latency(&self) -> LatencySnapshot {
        let mut snap = LatencySnapshot::empty();
        for c in &self.cores {
            c.latency_slot().merge_into(&mut snap);
        }
        snap
    }

    /// The Prometheus text exposition of everything.
    pub fn render(&self) -> String {
        let mut out = Exposition::new();
        self.write_core_families(&mut out);
        for c in &self.collectors {
            c.collect(&mut out);
        }
        out.finish()
    }

    fn sum(&self, f: impl Fn(&CoreCounters) -> &AtomicU64) -> u64 {
        self.cores
            .iter()
            .map(|c| f(c).load(Relaxed))
            .fold(0, u64::wrapping_add)
    }

    fn write_core_families(&self, out: &mut Exposition) {
        use MetricKind::{Counter, Gauge};
        let counters: [(&str, &str, CounterField); 3] = [
            (
                "dataplane_packets_in_total",
                "Packets received, all cores.",
                |c| &c.packets_in,
            ),
            (
                "dataplane_packets_out_total",
                "Packets sent, all cores.",
                |c| &c.packets_out,
            ),
            (
                "dataplane_uplinks_delivered_total",
                "Uplinks delivered to their application, all cores.",
                |c| &c.uplinks_delivered,
            ),
        ];
        for (name, help, f) in counters {
            out.family(name, help, Counter);
            out.sample(name, &[], self.sum(f));
        }
        let name = "dataplane_drops_total";
        out.family(
            name,
            "Packets or messages dropped, by reason, all cores.",
            Counter,
        );
        for r in DropReason::ALL {
            let n = self.sum(|c| &c.drops[r.index()]);
            out.sample(name, &[("reason", r.as_str())], n);
        }
        out.family("dataplane_cores", "Worker cores.", Gauge);
        out.sample("dataplane_cores", &[], self.cores.len() as u64);
        for (name, help, busy) in [
            (
                "dataplane_core_busy_seconds_total",
                "Time a core spent working.",
                true,
            ),
            (
                "dataplane_core_idle_seconds_total",
                "Time a core spent waiting.",
                false,
            ),
        ] {
            out.family(name, help, Counter);
            for c in &self.cores {
                let ns = if busy { &c.busy_ns } else { &c.idle_ns }.load(Relaxed);
                let core = c.core.to_string();
                out.sample_f64(name, &[("core", &core)], ns as f64 / 1e9);
            }
        }
        self.latency().write(
            out,
            "dataplane_uplink_latency_seconds",
            "Time from an uplink's first reception to its delivery to the application.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_slot_and_a_distinct_label() {
        for (i, r) in DropReason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i, "{r:?} out of order in ALL");
        }
        let mut labels: Vec<_> = DropReason::ALL.iter().map(|r| r.as_str()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), DropReason::COUNT);
    }

    #[test]
    fn counters_from_cores_sum() {
        let reg = Registry::new(2);
        let (a, b) = (reg.core(0).unwrap(), reg.core(1).unwrap());
        a.add_packets_in(3);
        b.add_packets_in(4);
        a.count_drop(DropReason::Replay);
        b.count_drop(DropReason::Replay);
        b.count_drop(DropReason::Parse);
        let text = reg.render();
        assert!(text.contains("\ndataplane_packets_in_total 7\n"), "{text}");
        assert!(text.contains("\ndataplane_drops_total{reason=\"replay\"} 2\n"));
        assert!(text.contains("\ndataplane_drops_total{reason=\"parse\"} 1\n"));
        assert!(text.contains("\ndataplane_drops_total{reason=\"ring_full\"} 0\n"));
        assert!(reg.core(2).is_none());
    }

    #[test]
    fn load_is_per_core_in_seconds() {
        let reg = Registry::new(2);
        reg.core(1).unwrap().add_busy(Duration::from_millis(1500));
        reg.core(1).unwrap().add_idle(Duration::from_millis(250));
        let text = reg.render();
        assert!(
            text.contains("dataplane_core_busy_seconds_total{core=\"1\"} 1.5\n"),
            "{text}"
        );
        assert!(text.contains("dataplane_core_busy_seconds_total{core=\"0\"} 0\n"));
        assert!(text.contains("dataplane_core_idle_seconds_total{core=\"1\"} 0.25\n"));
    }
}
