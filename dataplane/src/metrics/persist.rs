//! Journal metrics (design.md "Durability"): each owner core counts what its journal did in
//! plain integers ([`PersistStats`]), copies them into its slot of [`PersistMetrics`] with the
//! rest of its totals, and the scrape sums the slots into `dataplane_persist_*` families:
//!
//! - `dataplane_persist_appends_total`: records journaled (FCntUp, lease blocks);
//! - `dataplane_persist_commits_total`: batches written and synced (one `fdatasync` each);
//! - `dataplane_persist_bytes_total`: bytes made durable;
//! - `dataplane_persist_checkpoints_total`: snapshots completed;
//! - `dataplane_persist_events_held`: uplink events waiting for their FCntUp to be durable;
//! - `dataplane_persist_downlinks_deferred_total`: answers that waited for a counter lease;
//! - `dataplane_persist_downlinks_skipped_total`: answers given up for want of a lease (the
//!   counter space is exhausted, or the journal failed);
//! - `dataplane_persist_errors_total`: journal failures (the core stops delivering uplinks);
//! - `dataplane_persist_recovered_sessions`: sessions recovered at start, all cores;
//! - `dataplane_persist_commit_latency_seconds`: from an uplink's FCntUp append to its
//!   record being durable (histogram).

use super::{Collect, Exposition, LATENCY_BUCKETS_US, MetricKind, exposition::format_f64};
use hdrhistogram::Histogram;
use std::sync::{
    Mutex, TryLockError,
    atomic::{AtomicU64, Ordering::Relaxed},
};
use std::time::Duration;

/// Highest commit latency tracked, in µs (one minute).
const HIGHEST_US: u64 = 60_000_000;

/// An empty latency histogram (1 µs – 60 s, 2 significant digits).
pub fn new_histogram() -> Histogram<u64> {
    // Constant bounds that satisfy the crate's preconditions: this cannot fail.
    Histogram::new_with_bounds(1, HIGHEST_US, 2).expect("constant histogram bounds")
}

/// Records `d` into `h`, clamped to the histogram's range.
pub fn record(h: &mut Histogram<u64>, d: Duration) {
    let us = u64::try_from(d.as_micros())
        .unwrap_or(u64::MAX)
        .clamp(1, HIGHEST_US);
    h.saturating_record(us);
}

/// One core's journal counts, written by that core only.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PersistStats {
    /// Records appended.
    pub appends: u64,
    /// Batches written and synced.
    pub commits: u64,
    /// Bytes made durable.
    pub bytes: u64,
    /// Snapshots completed.
    pub checkpoints: u64,
    /// Uplink events held now.
    pub events_held: u64,
    /// Answers that waited for a counter lease.
    pub deferred: u64,
    /// Answers given up for want of a lease.
    pub skipped: u64,
    /// Journal failures.
    pub errors: u64,
}

#[derive(Debug, Default)]
struct Slot {
    appends: AtomicU64,
    commits: AtomicU64,
    bytes: AtomicU64,
    checkpoints: AtomicU64,
    events_held: AtomicU64,
    deferred: AtomicU64,
    skipped: AtomicU64,
    errors: AtomicU64,
}

/// Every core's journal counters, summed on scrape.
#[derive(Debug)]
pub struct PersistMetrics {
    cores: Vec<Slot>,
    latency: Mutex<Histogram<u64>>,
    recovered: AtomicU64,
}

impl PersistMetrics {
    /// Slots for `cores` cores.
    pub fn new(cores: usize) -> Self {
        Self {
            cores: (0..cores).map(|_| Slot::default()).collect(),
            latency: Mutex::new(new_histogram()),
            recovered: AtomicU64::new(0),
        }
    }

    /// Sets the number of sessions recovered at start.
    pub fn set_recovered(&self, sessions: u64) {
        self.recovered.store(sessions, Relaxed);
    }

    /// Publishes core `core`'s running totals.
    pub fn store(&self, core: usize, s: &PersistStats) {
        let Some(slot) = self.cores.get(core) else {
            return;
        };
        for (d, v) in [
            (&slot.appends, s.appends),
            (&slot.commits, s.commits),
            (&slot.bytes, s.bytes),
            (&slot.checkpoints, s.checkpoints),
            (&slot.events_held, s.events_held),
            (&slot.deferred, s.deferred),
            (&slot.skipped, s.skipped),
            (&slot.errors, s.errors),
        ] {
            d.store(v, Relaxed);
        }
    }

    /// Folds a core's recorded commit latencies in unless a scrape holds the histogram; on
    /// success `local` is emptied. Never waits.
    pub fn merge_latency(&self, local: &mut Histogram<u64>) {
        if local.is_empty() {
            return;
        }
        let mut g = match self.latency.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        // Same bounds on both sides: the addition cannot run out of range.
        let _ = g.add(&*local);
        drop(g);
        local.reset();
    }

    /// Every core's counts summed.
    pub fn totals(&self) -> PersistStats {
        PersistStats {
            appends: self.sum(|s| &s.appends),
            commits: self.sum(|s| &s.commits),
            bytes: self.sum(|s| &s.bytes),
            checkpoints: self.sum(|s| &s.checkpoints),
            events_held: self.sum(|s| &s.events_held),
            deferred: self.sum(|s| &s.deferred),
            skipped: self.sum(|s| &s.skipped),
            errors: self.sum(|s| &s.errors),
        }
    }

    /// The commit latency recorded so far, at quantile `q`, in µs.
    pub fn commit_latency_us(&self, q: f64) -> u64 {
        let g = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        g.value_at_quantile(q)
    }

    fn sum(&self, f: impl Fn(&Slot) -> &AtomicU64) -> u64 {
        self.cores
            .iter()
            .map(|c| f(c).load(Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

impl Collect for PersistMetrics {
    fn collect(&self, out: &mut Exposition) {
        use MetricKind::{Counter, Gauge};
        type Field = fn(&Slot) -> &AtomicU64;
        let families: [(&str, &str, MetricKind, Field); 8] = [
            (
                "dataplane_persist_appends_total",
                "Journal records appended.",
                Counter,
                |s| &s.appends,
            ),
            (
                "dataplane_persist_commits_total",
                "Journal batches written and synced (one fdatasync each).",
                Counter,
                |s| &s.commits,
            ),
            (
                "dataplane_persist_bytes_total",
                "Journal bytes made durable.",
                Counter,
                |s| &s.bytes,
            ),
            (
                "dataplane_persist_checkpoints_total",
                "Journal snapshots completed.",
                Counter,
                |s| &s.checkpoints,
            ),
            (
                "dataplane_persist_events_held",
                "Uplink events waiting for their FCntUp to be durable.",
                Gauge,
                |s| &s.events_held,
            ),
            (
                "dataplane_persist_downlinks_deferred_total",
                "Class A answers that waited for a durable counter lease.",
                Counter,
                |s| &s.deferred,
            ),
            (
                "dataplane_persist_downlinks_skipped_total",
                "Class A answers given up for want of a counter lease.",
                Counter,
                |s| &s.skipped,
            ),
            (
                "dataplane_persist_errors_total",
                "Journal failures (the core stops delivering uplinks).",
                Counter,
                |s| &s.errors,
            ),
        ];
        for (name, help, kind, f) in families {
            out.family(name, help, kind);
            out.sample(name, &[], self.sum(f));
        }
        let name = "dataplane_persist_recovered_sessions";
        out.family(name, "Sessions recovered from the journal at start.", Gauge);
        out.sample(name, &[], self.recovered.load(Relaxed));

        let name = "dataplane_persist_commit_latency_seconds";
        let g = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        out.family(
            name,
            "From an uplink's FCntUp append to its record being durable.",
            MetricKind::Histogram,
        );
        let bucket = format!("{name}_bucket");
        for &le in LATENCY_BUCKETS_US {
            let le_s = format_f64(le as f64 / 1e6);
            out.sample(&bucket, &[("le", &le_s)], g.count_between(0, le));
        }
        out.sample(&bucket, &[("le", "+Inf")], g.len());
        let sum: f64 = g
            .iter_recorded()
            .map(|v| v.value_iterated_to() as f64 * v.count_at_value() as f64)
            .sum();
        out.sample_f64(&format!("{name}_sum"), &[], sum / 1e6);
        out.sample(&format!("{name}_count"), &[], g.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_cores_and_renders_families() {
        let m = PersistMetrics::new(2);
        let s = PersistStats {
            appends: 3,
            commits: 2,
            events_held: 1,
            ..Default::default()
        };
        m.store(0, &s);
        m.store(1, &s);
        m.set_recovered(7);
        let mut h = new_histogram();
        record(&mut h, Duration::from_micros(1500));
        m.merge_latency(&mut h);
        assert!(h.is_empty(), "merged and reset");
        let mut out = Exposition::new();
        m.collect(&mut out);
        let text = out.finish();
        for line in [
            "dataplane_persist_appends_total 6",
            "dataplane_persist_commits_total 4",
            "dataplane_persist_events_held 2",
            "dataplane_persist_recovered_sessions 7",
            "dataplane_persist_commit_latency_seconds_bucket{le=\"0.001\"} 0",
            "dataplane_persist_commit_latency_seconds_bucket{le=\"0.0025\"} 1",
            "dataplane_persist_commit_latency_seconds_count 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }
}
