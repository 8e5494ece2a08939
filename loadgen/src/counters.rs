//! Live counters shared by the sender threads, the event consumer and the progress line:
//! relaxed atomics, summed when read, never on the packet path's critical section.

use std::sync::atomic::{AtomicU64, Ordering};

/// Totals since the run started.
#[derive(Debug, Default)]
pub struct LiveCounters {
    /// Uplinks whose first copy was sent.
    pub uplinks: AtomicU64,
    /// Datagrams sent (every PUSH_DATA, PULL_DATA, TX_ACK).
    pub datagrams: AtomicU64,
    /// Uplink copies (rxpk) sent.
    pub copies: AtomicU64,
    /// PUSH_ACKs matched.
    pub push_acked: AtomicU64,
    /// PUSH_DATA without PUSH_ACK.
    pub push_ack_missing: AtomicU64,
    /// PULL_DATA without PULL_ACK.
    pub pull_ack_missing: AtomicU64,
    /// Acks matching no open request.
    pub stray_acks: AtomicU64,
    /// PULL_RESP received (downlinks), each answered with a TX_ACK.
    pub downlinks: AtomicU64,
    /// Datagrams from the server that did not parse or were of a kind it must not send.
    pub bad_replies: AtomicU64,
    /// Sends the kernel refused (other than a full buffer, which is retried).
    pub send_errors: AtomicU64,
    /// Events delivered (first event of an uplink).
    pub events: AtomicU64,
    /// Uplinks awaiting their event (sent minus delivered minus expired).
    pub pending: AtomicU64,
    /// Losses seen by the consumer so far (no event, duplicate, unknown).
    pub event_losses: AtomicU64,
    /// Latency p50 so far, µs (published by the consumer).
    pub p50_us: AtomicU64,
    /// Latency p99 so far, µs.
    pub p99_us: AtomicU64,
}

/// Adds `n` to `c`.
pub fn add(c: &AtomicU64, n: u64) {
    if n > 0 {
        c.fetch_add(n, Ordering::Relaxed);
    }
}

/// Reads `c`.
pub fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}
