//! The application side: one gRPC server stream (`dataplane.events.v1.ApplicationEvents/Stream`,
//! `dataplane/proto/events.proto`) for the fleet's application, each item matched to its sent
//! uplink by the [`Tracker`] on this thread.
//!
//! Why gRPC rather than SSE or WebSocket: an item is protobuf, so taking DevAddr, FCnt and the
//! gateway count costs a prost decode of a few dozen bytes and no JSON parse or text framing;
//! HTTP/2 flow control holds the server back when this side falls behind (the hub then reports
//! `Lagged`, counted as a loss kind) instead of buffering without bound.

use crate::counters::{LiveCounters, add};
use crate::tracker::{EventRecord, SentRecord, Tracker};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

/// Code generated from the data plane's `proto/events.proto`.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod proto {
    tonic::include_proto!("dataplane.events.v1");
}

use proto::{StreamRequest, application_events_client::ApplicationEventsClient, stream_item::Item};

/// HTTP/2 flow-control window asked for on the event stream, bytes (~100 k events).
const STREAM_WINDOW: u32 = 16 << 20;

/// Why the event stream could not be consumed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventsError {
    /// The async runtime could not start.
    #[error("runtime: {0}")]
    Runtime(std::io::Error),
    /// The endpoint URL is not valid.
    #[error("events endpoint {0:?} is not a valid URL")]
    Endpoint(String),
    /// Connecting or subscribing failed.
    #[error("subscribing to {url}: {reason}")]
    Subscribe {
        /// The endpoint.
        url: String,
        /// What failed.
        reason: String,
    },
}

/// What the consumer needs.
pub struct ConsumerCtx<'a> {
    /// gRPC endpoint (`http://127.0.0.1:8082`).
    pub url: String,
    /// Application to subscribe to.
    pub application_id: String,
    /// Sent records from the sender threads; disconnected when they are all done.
    pub records: Receiver<Vec<SentRecord>>,
    /// Live totals.
    pub live: &'a LiveCounters,
    /// The run's time origin.
    pub start: Instant,
    /// Uplinks without event after this long are lost.
    pub event_timeout: Duration,
    /// How long to wait for events after the senders finish.
    pub drain: Duration,
    /// Set once subscribed.
    pub ready: &'a AtomicBool,
}

/// Subscribes, then matches events until the senders are done and every uplink is answered or
/// the drain time has passed.
pub fn consume(ctx: ConsumerCtx<'_>, mut tracker: Tracker) -> Result<Tracker, EventsError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(EventsError::Runtime)?;
    rt.block_on(async move {
        let sub_err = |reason: String| EventsError::Subscribe {
            url: ctx.url.clone(),
            reason,
        };
        let endpoint = tonic::transport::Endpoint::from_shared(ctx.url.clone())
            .map_err(|_| EventsError::Endpoint(ctx.url.clone()))?
            .connect_timeout(Duration::from_secs(5))
            // Large HTTP/2 windows: while this thread is descheduled the server keeps writing
            // into the connection instead of filling its 256-item subscriber queue and shedding.
            .initial_stream_window_size(Some(STREAM_WINDOW))
            .initial_connection_window_size(Some(STREAM_WINDOW));
        let channel = tokio::time::timeout(Duration::from_secs(10), endpoint.connect())
            .await
            .map_err(|_| sub_err("timed out".into()))?
            .map_err(|e| sub_err(e.to_string()))?;
        let mut client = ApplicationEventsClient::new(channel);
        let request = StreamRequest {
            application_id: ctx.application_id.clone(),
        };
        let mut stream = tokio::time::timeout(Duration::from_secs(10), client.stream(request))
            .await
            .map_err(|_| sub_err("timed out".into()))?
            .map_err(|s| sub_err(s.to_string()))?
            .into_inner();
        ctx.ready.store(true, Ordering::Release);

        let now_ns = || ctx.start.elapsed().as_nanos() as u64;
        let timeout_ns = ctx.event_timeout.as_nanos() as u64;
        let mut senders_done_at: Option<u64> = None;
        let mut last_publish = 0u64;
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            // Sent records first, so an event finds its uplink open where possible.
            if drain_records(&ctx.records, &mut tracker, ctx.live) {
                senders_done_at.get_or_insert_with(now_ns);
            }
            let item = tokio::select! {
                biased;
                m = stream.message() => match m {
                    Ok(Some(item)) => item,
                    Ok(None) | Err(_) => {
                        tracing::warn!("event stream ended");
                        break;
                    }
                },
                _ = tick.tick() => {
                    let now = now_ns();
                    if now.saturating_sub(last_publish) > 250_000_000 {
                        last_publish = now;
                        let lost = tracker.expire(now.saturating_sub(timeout_ns));
                        sub_pending(ctx.live, lost);
                        publish(&tracker, ctx.live);
                    }
                    if let Some(done) = senders_done_at
                        && (tracker.open() == 0 || now >= done + ctx.drain.as_nanos() as u64)
                    {
                        break;
                    }
                    continue;
                }
            };
            match item.item {
                Some(Item::Uplink(u)) => {
                    // A DevAddr that is not 4 bytes matches no device: counted as unknown.
                    let dev_addr = <[u8; 4]>::try_from(u.dev_addr.as_slice())
                        .map(u32::from_be_bytes)
                        .unwrap_or(0);
                    let e = EventRecord {
                        dev_addr,
                        fcnt: u.fcnt,
                        merged: u.rx_metadata.len(),
                        recv_ns: now_ns(),
                    };
                    if tracker.event(e) {
                        delivered(ctx.live);
                    }
                }
                Some(Item::Lagged(l)) => tracker.lagged(l.missed),
                // Downlink events are not measured by this consumer yet.
                Some(_) | None => {}
            }
        }
        let before = tracker.open() as u64;
        tracker.finish();
        sub_pending(ctx.live, before);
        publish(&tracker, ctx.live);
        Ok(tracker)
    })
}

/// Takes every batch of sent records waiting; returns `true` once the senders are all gone.
fn drain_records(
    records: &Receiver<Vec<SentRecord>>,
    tracker: &mut Tracker,
    live: &LiveCounters,
) -> bool {
    loop {
        match records.try_recv() {
            Ok(batch) => {
                for r in batch {
                    if tracker.sent(r) {
                        delivered(live);
                    }
                }
            }
            Err(TryRecvError::Empty) => return false,
            Err(TryRecvError::Disconnected) => return true,
        }
    }
}

fn delivered(live: &LiveCounters) {
    add(&live.events, 1);
    sub_pending(live, 1);
}

fn sub_pending(live: &LiveCounters, n: u64) {
    let _ = live
        .pending
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| {
            Some(p.saturating_sub(n))
        });
}

fn publish(t: &Tracker, live: &LiveCounters) {
    let h = t.latency_us();
    live.p50_us
        .store(h.value_at_quantile(0.5), Ordering::Relaxed);
    live.p99_us
        .store(h.value_at_quantile(0.99), Ordering::Relaxed);
    let c = t.counts();
    live.event_losses.store(
        c.no_event + c.duplicate_event + c.unknown_event,
        Ordering::Relaxed,
    );
}
