//! The hub's counters and their `dataplane_events_*` families.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering::Relaxed},
};

use crate::metrics::{Collect, Exposition, MetricKind};

/// Counters of one publisher, written by its core only.
#[derive(Debug, Default)]
pub struct PublisherStats {
    pub(super) published: AtomicU64,
    pub(super) hub_full: AtomicU64,
}

impl PublisherStats {
    /// Events accepted into the ring.
    pub fn published(&self) -> u64 {
        self.published.load(Relaxed)
    }

    /// Events refused because the ring was full.
    pub fn hub_full(&self) -> u64 {
        self.hub_full.load(Relaxed)
    }
}

/// The hub's counters: every publisher's plus the drainer's (written by the drainer only).
#[derive(Debug, Default)]
pub struct HubStats {
    pub(super) publishers: Vec<Arc<PublisherStats>>,
    pub(super) delivered: AtomicU64,
    pub(super) slow_consumer: AtomicU64,
    pub(super) lag_notices: AtomicU64,
    pub(super) subscribers: AtomicU64,
}

impl HubStats {
    /// Core `core`'s publisher counters.
    pub fn publisher(&self, core: usize) -> Option<&PublisherStats> {
        self.publishers.get(core).map(|p| &**p)
    }

    /// Events accepted by every core's ring.
    pub fn published(&self) -> u64 {
        self.publishers.iter().map(|p| p.published()).sum()
    }

    /// Events dropped because a core's ring was full.
    pub fn dropped_hub_full(&self) -> u64 {
        self.publishers.iter().map(|p| p.hub_full()).sum()
    }

    /// Event deliveries lost because a subscriber's queue was full.
    pub fn dropped_slow_consumer(&self) -> u64 {
        self.slow_consumer.load(Relaxed)
    }

    /// Event deliveries queued to subscribers.
    pub fn delivered(&self) -> u64 {
        self.delivered.load(Relaxed)
    }

    /// Subscribers connected now.
    pub fn subscribers(&self) -> u64 {
        self.subscribers.load(Relaxed)
    }
}

impl Collect for HubStats {
    fn collect(&self, out: &mut Exposition) {
        use MetricKind::{Counter, Gauge};
        let name = "dataplane_events_published_total";
        out.family(
            name,
            "Application events accepted into a core's hub ring.",
            Counter,
        );
        out.sample(name, &[], self.published());
        let name = "dataplane_events_dropped_total";
        out.family(name, "Application events lost, by reason.", Counter);
        out.sample(name, &[("reason", "hub_full")], self.dropped_hub_full());
        out.sample(
            name,
            &[("reason", "slow_consumer")],
            self.dropped_slow_consumer(),
        );
        let name = "dataplane_events_delivered_total";
        out.family(name, "Application events queued to a subscriber.", Counter);
        out.sample(name, &[], self.delivered());
        let name = "dataplane_events_lag_notices_total";
        out.family(name, "Lag notices queued to slow subscribers.", Counter);
        out.sample(name, &[], self.lag_notices.load(Relaxed));
        let name = "dataplane_events_subscribers";
        out.family(name, "Event stream subscribers connected.", Gauge);
        out.sample(name, &[], self.subscribers());
    }
}
