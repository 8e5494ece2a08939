//! What every measurement observes: a counting [`EventSink`] that
//! also records send→event latency from the sender's side table, a [`DatagramHandler`] wrapper
//! that counts datagrams and the span in which they arrived, the receiving thread's CPU clock,
//! and pinning threads to cores.

use super::load::{Shape, event_key};
use dataplane::application::event::ApplicationEvent;
use dataplane::runtime::udp::{DatagramHandler, Outbox, UdpStats};
use dataplane::worker::EventSink;
use hdrhistogram::Histogram;
use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// When each uplink's first copy was handed to the kernel: nanoseconds since `base` (0: not
/// sent), written by the sender, read by the receiver's event sink.
pub struct SendTable {
    /// The clock origin both threads use.
    pub base: Instant,
    sent_ns: Vec<AtomicU64>,
}

impl SendTable {
    /// A table for `uplinks` uplinks.
    pub fn new(uplinks: usize) -> Self {
        Self {
            base: Instant::now(),
            sent_ns: (0..uplinks).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Records that uplink `u` is being sent at `now`.
    pub fn mark(&self, u: usize, now: Instant) {
        if let Some(slot) = self.sent_ns.get(u) {
            let ns = now.saturating_duration_since(self.base).as_nanos() as u64;
            slot.store(ns.max(1), Ordering::Relaxed);
        }
    }

    fn sent(&self, u: usize) -> Option<u64> {
        let ns = self.sent_ns.get(u)?.load(Ordering::Relaxed);
        (ns != 0).then_some(ns)
    }
}

/// Events seen by a sink, and their latency when a send table is attached.
pub struct Probe {
    /// Uplink events received.
    pub events: u64,
    /// Send→event latency minus the dedup window, in microseconds.
    pub latency_us: Histogram<u64>,
    /// Events whose uplink had no send time (outside the pool, or not marked).
    pub unmatched: u64,
    shape: Shape,
    table: Option<Arc<SendTable>>,
    window_ns: u64,
}

impl Probe {
    /// A probe for `shape`'s uplinks; with `table`, latencies are recorded.
    pub fn new(shape: Shape, table: Option<Arc<SendTable>>, window: Duration) -> Self {
        Self {
            events: 0,
            latency_us: Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid bounds"),
            unmatched: 0,
            shape,
            table,
            window_ns: window.as_nanos() as u64,
        }
    }

    fn on_event(&mut self, ev: &ApplicationEvent) {
        self.events += 1;
        let Some(table) = &self.table else {
            return;
        };
        let sent = event_key(ev)
            .and_then(|(a, f)| self.shape.uplink_of(a, f))
            .and_then(|u| table.sent(u));
        match sent {
            Some(sent) => {
                let now = table.base.elapsed().as_nanos() as u64;
                let us = now.saturating_sub(sent).saturating_sub(self.window_ns) / 1000;
                self.latency_us.saturating_record(us.max(1));
            }
            None => self.unmatched += 1,
        }
    }
}

/// An event sink feeding a [`Probe`] (the worker and the caller share it on one thread).
pub struct ProbeSink(pub Rc<RefCell<Probe>>);

impl EventSink for ProbeSink {
    fn publish(&mut self, event: ApplicationEvent) {
        self.0.borrow_mut().on_event(&event);
    }
}

/// Counts the datagrams a handler is given and when the first and last arrived.
pub struct Timed<H> {
    /// The wrapped handler.
    pub inner: H,
    /// Datagrams handed to it.
    pub datagrams: u64,
    /// Turn time of the first datagram.
    pub first: Option<Instant>,
    /// Turn time of the last datagram.
    pub last: Option<Instant>,
}

impl<H> Timed<H> {
    /// Wraps `inner`.
    pub fn new(inner: H) -> Self {
        Self {
            inner,
            datagrams: 0,
            first: None,
            last: None,
        }
    }

    /// From the first datagram to the last.
    pub fn span(&self) -> Duration {
        match (self.first, self.last) {
            (Some(a), Some(b)) => b.saturating_duration_since(a),
            _ => Duration::ZERO,
        }
    }

    /// Notes a datagram at `now`.
    pub fn count(&mut self, now: Instant, n: u64) {
        self.datagrams += n;
        self.first.get_or_insert(now);
        self.last = Some(now);
    }
}

impl<H: DatagramHandler> DatagramHandler for Timed<H> {
    fn on_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8], out: &mut Outbox) {
        self.count(now, 1);
        self.inner.on_datagram(now, from, data, out);
    }

    fn on_turn(&mut self, now: Instant, out: &mut Outbox, stats: &UdpStats) {
        self.inner.on_turn(now, out, stats);
    }
}

/// CPU time this thread has used (user + system, including io_uring task work run on it).
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Which core the sender and the receiver run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The load generator.
    Sender,
    /// The ingress (and the in-process pipeline).
    Receiver,
}

/// Pins this thread: the sender to the first core, the receiver to the second (when `pin` and
/// the machine has two); returns the core id, if pinned.
pub fn pin(role: Role, pin: bool) -> Option<usize> {
    if !pin {
        return None;
    }
    let ids = core_affinity::get_core_ids()?;
    let id = match role {
        Role::Sender => *ids.first()?,
        Role::Receiver => *ids.get(1)?,
    };
    core_affinity::set_for_current(id).then_some(id.id)
}
