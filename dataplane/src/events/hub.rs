//! The hub's async side: the subscriber table and the drainer task that empties every core's
//! ring and fans events out by application id.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use ringbuf::{
    HeapCons, HeapRb,
    traits::{Consumer, Observer, Split},
};
use tokio::{
    sync::{Notify, mpsc, mpsc::error::TrySendError},
    time::Instant,
};

use super::{
    ApplicationEvent, HubConfig, Publisher, SubscribeError,
    stats::{HubStats, PublisherStats},
    subscription::{SharedEvent, Subscription, SubscriptionItem},
};
use crate::metrics::Collect;

/// Adds `n` to a counter only the drainer writes.
fn bump(c: &AtomicU64, n: u64) {
    c.store(c.load(Ordering::Relaxed).wrapping_add(n), Ordering::Relaxed);
}

/// State shared by publishers, the handle and the drainer.
pub(super) struct HubShared {
    config: HubConfig,
    notify: Notify,
    /// Set by the first publish after a drain began; only that publish wakes the drainer.
    pending: AtomicBool,
    subs: Mutex<Subscribers>,
    stats: Arc<HubStats>,
}

impl HubShared {
    /// Wakes the drainer unless a wake-up is already pending (or waking is off).
    pub(super) fn wake(&self) {
        // AcqRel on both sides: a publish whose swap reads `true` is ordered before the
        // drainer's swap to `false`, which happens before that drain reads the ring.
        if self.config.wake_on_publish && !self.pending.swap(true, Ordering::AcqRel) {
            self.notify.notify_one();
        }
    }

    fn subs(&self) -> MutexGuard<'_, Subscribers> {
        self.subs.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One subscriber's queue and the events it has missed since its last lag notice.
struct Slot {
    tx: mpsc::Sender<SubscriptionItem>,
    missed: u64,
}

impl Slot {
    /// Queues `item` after any pending lag notice; on a full queue counts a loss. Returns
    /// `false` when the subscriber has gone.
    fn offer(&mut self, item: Option<SubscriptionItem>, stats: &HubStats) -> bool {
        if self.missed > 0 {
            match self.tx.try_send(SubscriptionItem::Lagged(self.missed)) {
                Ok(()) => {
                    self.missed = 0;
                    bump(&stats.lag_notices, 1);
                }
                Err(TrySendError::Full(_)) => {
                    if item.is_some() {
                        self.missed += 1;
                        bump(&stats.slow_consumer, 1);
                    }
                    return true;
                }
                Err(TrySendError::Closed(_)) => return false,
            }
        }
        let Some(item) = item else {
            return !self.tx.is_closed();
        };
        match self.tx.try_send(item) {
            Ok(()) => bump(&stats.delivered, 1),
            Err(TrySendError::Full(_)) => {
                self.missed += 1;
                bump(&stats.slow_consumer, 1);
            }
            Err(TrySendError::Closed(_)) => return false,
        }
        true
    }
}

/// Subscribers by application id.
#[derive(Default)]
struct Subscribers {
    by_app: HashMap<Box<str>, Vec<Slot>>,
    count: usize,
    closed: bool,
}

impl Subscribers {
    fn set_count(&mut self, count: usize, stats: &HubStats) {
        self.count = count;
        stats.subscribers.store(count as u64, Ordering::Relaxed);
    }

    /// Offers `event` to each subscriber of its application (shared; its JSON is serialised
    /// later, once, by the first subscriber needing it).
    fn fan_out(&mut self, event: ApplicationEvent, stats: &HubStats) {
        let Some(slots) = self.by_app.get_mut(event.application_id()) else {
            return;
        };
        let shared = Arc::new(SharedEvent::new(event));
        let before = slots.len();
        slots.retain_mut(|s| s.offer(Some(SubscriptionItem::Event(Arc::clone(&shared))), stats));
        let removed = before - slots.len();
        if slots.is_empty() {
            self.by_app.remove(shared.event.application_id());
        }
        if removed > 0 {
            self.set_count(self.count - removed, stats);
        }
    }

    /// Retries lag notices and forgets subscribers that went away.
    fn maintain(&mut self, stats: &HubStats) {
        let mut count = 0;
        self.by_app.retain(|_, slots| {
            slots.retain_mut(|s| s.offer(None, stats));
            count += slots.len();
            !slots.is_empty()
        });
        self.set_count(count, stats);
    }
}

/// The async side's handle: subscribe to an application, read the hub's counters. Cheap to
/// clone.
#[derive(Clone)]
pub struct HubHandle {
    shared: Arc<HubShared>,
}

impl std::fmt::Debug for HubHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubHandle").finish_non_exhaustive()
    }
}

impl HubHandle {
    /// Subscribes to `application_id`'s events from now on.
    pub fn subscribe(&self, application_id: &str) -> Result<Subscription, SubscribeError> {
        let shared = &*self.shared;
        let mut subs = shared.subs();
        if subs.closed {
            return Err(SubscribeError::Closed);
        }
        if subs.count >= shared.config.max_subscribers {
            return Err(SubscribeError::TooManySubscribers);
        }
        let (tx, rx) = mpsc::channel(shared.config.subscriber_queue.max(1));
        let app: Box<str> = application_id.into();
        subs.by_app
            .entry(app.clone())
            .or_default()
            .push(Slot { tx, missed: 0 });
        let count = subs.count + 1;
        subs.set_count(count, &shared.stats);
        Ok(Subscription::new(app, rx))
    }

    /// The hub's counters.
    pub fn stats(&self) -> &HubStats {
        &self.shared.stats
    }

    /// The hub's counters as a metrics collector (`dataplane_events_*`).
    pub fn collector(&self) -> Arc<dyn Collect> {
        Arc::clone(&self.shared.stats) as Arc<dyn Collect>
    }
}

/// Empties every core's ring and fans events out; spawn [`Drainer::run`] on the runtime.
pub struct Drainer {
    rings: Vec<HeapCons<ApplicationEvent>>,
    shared: Arc<HubShared>,
}

impl std::fmt::Debug for Drainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Drainer")
            .field("rings", &self.rings.len())
            .finish_non_exhaustive()
    }
}

impl Drainer {
    /// Drains until every publisher is dropped and every ring is empty, then ends all
    /// subscriptions (their streams finish after what is queued).
    pub async fn run(mut self) {
        let tick = self.shared.config.tick;
        let mut next_maintenance = Instant::now() + tick;
        loop {
            self.shared.pending.swap(false, Ordering::AcqRel);
            let (n, more) = self.drain();
            let now = Instant::now();
            if now >= next_maintenance {
                self.maintain();
                next_maintenance = now + tick;
            }
            if more {
                tokio::task::yield_now().await;
                continue;
            }
            if n == 0
                && self
                    .rings
                    .iter()
                    .all(|r| !r.write_is_held() && r.is_empty())
            {
                break;
            }
            let _ = tokio::time::timeout(tick, self.shared.notify.notified()).await;
        }
        let mut subs = self.shared.subs();
        subs.closed = true;
        subs.by_app.clear();
        subs.set_count(0, &self.shared.stats);
    }

    /// Retries pending lag notices and forgets subscribers that went away (`run` does this
    /// every [`HubConfig::tick`]).
    pub fn maintain(&mut self) {
        self.shared.subs().maintain(&self.shared.stats);
    }

    /// One pass: up to [`HubConfig::drain_batch`] events from each ring. Returns how many were
    /// taken and whether some ring still holds more.
    pub fn drain(&mut self) -> (usize, bool) {
        let batch = self.shared.config.drain_batch.max(1);
        let shared = &*self.shared;
        let mut subs = shared.subs();
        let (mut n, mut more) = (0, false);
        for ring in &mut self.rings {
            for _ in 0..batch {
                let Some(event) = ring.try_pop() else { break };
                subs.fan_out(event, &shared.stats);
                n += 1;
            }
            more |= !ring.is_empty();
        }
        (n, more)
    }
}

pub(super) fn build(cores: usize, config: HubConfig) -> (Vec<Publisher>, HubHandle, Drainer) {
    let pstats: Vec<Arc<PublisherStats>> = (0..cores).map(|_| Arc::default()).collect();
    let stats = Arc::new(HubStats {
        publishers: pstats.clone(),
        ..HubStats::default()
    });
    let shared = Arc::new(HubShared {
        config,
        notify: Notify::new(),
        pending: AtomicBool::new(false),
        subs: Mutex::new(Subscribers::default()),
        stats,
    });
    let (publishers, rings) = pstats
        .into_iter()
        .enumerate()
        .map(|(core, ps)| {
            let (p, c) = HeapRb::new(config.ring_capacity.max(1)).split();
            (Publisher::new(core, p, ps, Arc::clone(&shared)), c)
        })
        .unzip();
    (
        publishers,
        HubHandle {
            shared: Arc::clone(&shared),
        },
        Drainer { rings, shared },
    )
}
