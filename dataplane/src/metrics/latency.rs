//! Latency histograms: an HdrHistogram per core, recorded without locks by the owning core and
//! folded now and then into the core's shared slot with `try_lock` (a scrape in progress makes
//! the fold wait for the next flush, never the core); the scrape merges every slot and writes
//! Prometheus histogram buckets.

use std::{
    sync::{Arc, Mutex, MutexGuard, TryLockError},
    time::Duration,
};

use hdrhistogram::Histogram;

use super::{CoreCounters, Exposition, MetricKind, exposition::format_f64};

/// Highest latency tracked, in microseconds (one minute); longer ones count as this.
const HIGHEST_US: u64 = 60_000_000;
/// Significant decimal digits kept (1 % error, about 25 KiB per histogram).
const SIGFIG: u8 = 2;

/// Upper bounds (`le`) of the exported buckets, in microseconds.
pub const LATENCY_BUCKETS_US: &[u64] = &[
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 5_000_000, 10_000_000,
];

fn new_histogram() -> Histogram<u64> {
    // Constant bounds that satisfy the crate's preconditions (1 <= low, 2 * low <= high,
    // sigfig <= 5): this cannot fail.
    Histogram::new_with_bounds(1, HIGHEST_US, SIGFIG).expect("constant histogram bounds")
}

/// The recorded values and their exact sum.
#[derive(Debug, Clone)]
pub struct LatencySnapshot {
    hist: Histogram<u64>,
    sum_us: u64,
}

impl LatencySnapshot {
    /// No values.
    pub fn empty() -> Self {
        Self {
            hist: new_histogram(),
            sum_us: 0,
        }
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// Exact sum of the recorded values in microseconds.
    pub fn sum_us(&self) -> u64 {
        self.sum_us
    }

    /// The value at quantile `q` (0.0–1.0) in microseconds, to the histogram's precision.
    pub fn quantile_us(&self, q: f64) -> u64 {
        self.hist.value_at_quantile(q)
    }

    fn add(&mut self, hist: &Histogram<u64>, sum_us: u64) {
        // Same bounds on both sides: the addition cannot run out of range.
        let _ = self.hist.add(hist);
        self.sum_us = self.sum_us.wrapping_add(sum_us);
    }

    /// Writes this snapshot as a Prometheus histogram in seconds.
    pub fn write(&self, out: &mut Exposition, name: &str, help: &str) {
        out.family(name, help, MetricKind::Histogram);
        let bucket = format!("{name}_bucket");
        for &le in LATENCY_BUCKETS_US {
            let n = self.hist.count_between(0, le);
            let le = format_f64(le as f64 / 1e6);
            out.sample(&bucket, &[("le", &le)], n);
        }
        out.sample(&bucket, &[("le", "+Inf")], self.count());
        out.sample_f64(&format!("{name}_sum"), &[], self.sum_us as f64 / 1e6);
        out.sample(&format!("{name}_count"), &[], self.count());
    }
}

/// A core's shared latency slot, read by the scrape.
#[derive(Debug)]
pub(super) struct LatencySlot(Mutex<LatencySnapshot>);

impl LatencySlot {
    pub(super) fn new() -> Self {
        Self(Mutex::new(LatencySnapshot::empty()))
    }

    fn lock(&self) -> MutexGuard<'_, LatencySnapshot> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn merge_into(&self, snap: &mut LatencySnapshot) {
        let g = self.lock();
        snap.add(&g.hist, g.sum_us);
    }
}

/// Records latencies on the owning core without locking; [`LatencyRecorder::flush`] publishes
/// them to the scrape (call it from the core's loop, e.g. once per batch or millisecond).
#[derive(Debug)]
pub struct LatencyRecorder {
    counters: Arc<CoreCounters>,
    local: LatencySnapshot,
}

impl LatencyRecorder {
    pub(super) fn new(counters: Arc<CoreCounters>) -> Self {
        Self {
            counters,
            local: LatencySnapshot::empty(),
        }
    }

    /// Records one latency (clamped to 1 µs – 60 s).
    #[inline]
    pub fn record(&mut self, d: Duration) {
        let us = u64::try_from(d.as_micros())
            .unwrap_or(u64::MAX)
            .clamp(1, HIGHEST_US);
        self.local.hist.saturating_record(us);
        self.local.sum_us = self.local.sum_us.wrapping_add(us);
    }

    /// Folds what was recorded since the last flush into the shared slot unless a scrape holds
    /// it; returns whether everything is now visible to the scrape. Never waits.
    pub fn flush(&mut self) -> bool {
        if self.local.count() == 0 {
            return true;
        }
        let mut g = match self.counters.latency_slot().0.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return false,
        };
        g.add(&self.local.hist, self.local.sum_us);
        drop(g);
        self.local.hist.reset();
        self.local.sum_us = 0;
        true
    }
}

impl Drop for LatencyRecorder {
    fn drop(&mut self) {
        if self.local.count() > 0 {
            let mut g = self.counters.latency_slot().lock();
            g.add(&self.local.hist, self.local.sum_us);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Registry;
    use super::*;

    #[test]
    fn cores_merge_into_cumulative_buckets() {
        let reg = Registry::new(2);
        let mut r0 = reg.core(0).unwrap().latency_recorder();
        let mut r1 = reg.core(1).unwrap().latency_recorder();
        for ms in [1, 2, 3] {
            r0.record(Duration::from_millis(ms));
        }
        r1.record(Duration::from_millis(40));
        assert_eq!(reg.latency().count(), 0, "nothing visible before a flush");
        assert!(r0.flush() && r1.flush());
        let snap = reg.latency();
        assert_eq!((snap.count(), snap.sum_us()), (4, 46_000));
        let text = reg.render();
        for line in [
            "dataplane_uplink_latency_seconds_bucket{le=\"0.0005\"} 0\n",
            "dataplane_uplink_latency_seconds_bucket{le=\"0.001\"} 1\n",
            "dataplane_uplink_latency_seconds_bucket{le=\"0.005\"} 3\n",
            "dataplane_uplink_latency_seconds_bucket{le=\"0.05\"} 4\n",
            "dataplane_uplink_latency_seconds_bucket{le=\"+Inf\"} 4\n",
            "dataplane_uplink_latency_seconds_sum 0.046\n",
            "dataplane_uplink_latency_seconds_count 4\n",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
    }

    #[test]
    fn flush_skips_while_a_scrape_holds_the_slot_and_drop_publishes() {
        let reg = Registry::new(1);
        let core = reg.core(0).unwrap();
        let mut r = core.latency_recorder();
        r.record(Duration::from_secs(7200));
        {
            let _scrape = core.latency_slot().lock();
            assert!(!r.flush(), "must not wait on the scrape");
        }
        drop(r);
        let snap = reg.latency();
        assert_eq!(snap.count(), 1);
        assert_eq!(
            snap.sum_us(),
            HIGHEST_US,
            "clamped to the highest tracked value"
        );
    }
}
