//! A core's publishing end: a `ringbuf` SPSC producer that never blocks.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use ringbuf::{
    HeapProd,
    traits::{Observer, Producer},
};

use super::{ApplicationEvent, hub::HubShared, stats::PublisherStats};

/// Adds one to a counter only this thread writes.
fn bump(c: &AtomicU64) {
    c.store(c.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
}

/// Publishes one core's application events to the hub. Owned by that core (`Send`, not
/// shared); [`Publisher::publish`] never waits.
pub struct Publisher {
    core: usize,
    prod: HeapProd<ApplicationEvent>,
    stats: Arc<PublisherStats>,
    shared: Arc<HubShared>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("core", &self.core)
            .finish_non_exhaustive()
    }
}

impl Publisher {
    pub(super) fn new(
        core: usize,
        prod: HeapProd<ApplicationEvent>,
        stats: Arc<PublisherStats>,
        shared: Arc<HubShared>,
    ) -> Self {
        Self {
            core,
            prod,
            stats,
            shared,
        }
    }

    /// The core this publisher belongs to.
    pub fn core(&self) -> usize {
        self.core
    }

    /// Hands `event` to the hub. When the ring is full the event comes back and is counted as
    /// `dataplane_events_dropped_total{reason="hub_full"}`.
    // The refused event comes back by value, as in `runtime::mesh`: boxing it would allocate on
    // the drop path.
    #[allow(clippy::result_large_err)]
    pub fn publish(&mut self, event: ApplicationEvent) -> Result<(), ApplicationEvent> {
        match self.prod.try_push(event) {
            Ok(()) => {
                bump(&self.stats.published);
                self.shared.wake();
                Ok(())
            }
            Err(event) => {
                bump(&self.stats.hub_full);
                Err(event)
            }
        }
    }

    /// This publisher's counters.
    pub fn stats(&self) -> &PublisherStats {
        &self.stats
    }

    /// Events waiting in this core's ring.
    pub fn queued(&self) -> usize {
        self.prod.occupied_len()
    }
}
