//! The application events hub: cores publish [`ApplicationEvent`]s, streaming consumers
//! (Server-Sent Events, WebSocket) subscribe to one application's events.
//!
//! ```text
//! core 0 ── Publisher ─ SPSC ring ─┐                      ┌─ mpsc(queue) ─ Subscription (app a)
//! core 1 ── Publisher ─ SPSC ring ─┼─ Drainer (tokio task) ┼─ mpsc(queue) ─ Subscription (app a)
//! core n ── Publisher ─ SPSC ring ─┘   filter by app id    └─ mpsc(queue) ─ Subscription (app b)
//! ```
//!
//! Two bounded stages, and nothing on the packet path ever waits on a consumer:
//! - A core's [`Publisher`] pushes into its own `ringbuf` SPSC ring; a full ring hands the event
//!   back and counts `dataplane_events_dropped_total{reason="hub_full"}`.
//! - The [`Drainer`] (a task on the async runtime, woken by the first publish after each drain
//!   and by a periodic tick) empties every ring and `try_send`s each event, shared, to each of
//!   its application's subscribers; the JSON form is serialised once, lazily, by the first
//!   subscriber that needs it (SSE, WebSocket), so the single drainer task does no
//!   serialisation and gRPC subscribers never pay for JSON. A full
//!   subscriber queue loses the event and counts `reason="slow_consumer"`; once the queue has
//!   room the subscriber receives [`SubscriptionItem::Lagged`] with the number it missed, in
//!   the position of the gap, before any later event.
//!
//! The wake-up is coalesced: only the publish that finds the hub's `pending` flag clear calls
//! `Notify::notify_one` (an uncontended lock and possibly a futex wake), so a burst costs one
//! wake per drain cycle; [`HubConfig::wake_on_publish`] `= false` leaves the hub on its tick
//! alone for a publisher that touches nothing but the ring and its own counters.

#![forbid(unsafe_code)]

mod hub;
mod publisher;
mod stats;
mod subscription;

use std::time::Duration;

pub use crate::application::event::ApplicationEvent;
pub use hub::{Drainer, HubHandle};
pub use publisher::Publisher;
pub use stats::{HubStats, PublisherStats};
pub use subscription::{SharedEvent, Subscription, SubscriptionItem};

/// Sizes and timing of the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubConfig {
    /// Events each core's ring holds before publishes are dropped.
    pub ring_capacity: usize,
    /// Items each subscriber's queue holds before events are dropped for it.
    pub subscriber_queue: usize,
    /// Most subscribers at once, all applications together; more are refused.
    pub max_subscribers: usize,
    /// Longest sleep of the drainer between drains (also how often lag notices are retried and
    /// closed subscribers swept).
    pub tick: Duration,
    /// Most events taken from one ring per drain before moving to the next ring.
    pub drain_batch: usize,
    /// Whether a publish wakes the drainer (coalesced) rather than waiting for the tick.
    pub wake_on_publish: bool,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            ring_capacity: 4096,
            // 8192 items (64 KiB of pointers per subscriber): ~160 ms of a 50k events/s stream,
            // longer than a consumer task is descheduled on a loaded host; 256 (5 ms) lost
            // 2-14 % to a single gRPC subscriber at max rate.
            subscriber_queue: 8192,
            max_subscribers: 1024,
            tick: Duration::from_millis(5),
            drain_batch: 256,
            wake_on_publish: true,
        }
    }
}

/// Why a subscription was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubscribeError {
    /// [`HubConfig::max_subscribers`] are already connected.
    #[error("too many subscribers")]
    TooManySubscribers,
    /// The drainer has stopped (every publisher is gone).
    #[error("events hub closed")]
    Closed,
}

/// Builds a hub for `cores` cores: one [`Publisher`] per core (index = core), the [`HubHandle`]
/// for subscribing and metrics, and the [`Drainer`] to spawn on the async runtime.
pub fn hub(cores: usize, config: HubConfig) -> (Vec<Publisher>, HubHandle, Drainer) {
    hub::build(cores, config)
}

#[cfg(test)]
mod tests;
