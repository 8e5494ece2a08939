//! Network Server uplink core, sans-IO: bytes, radio metadata and `now` in; deduplicated,
//! authenticated uplinks, drop reasons and the next deadline out (LoRaWAN 1.0.4 §4, §5; 1.1 §4,
//! §5; RP002-1.0.3 for data-rate and channel indices).
//!
//! It runs on the core that owns a DevAddr (`hash(DevAddr) % cores`, see `design.md`), so it
//! holds plain owned state: no locks, no clock reads, no I/O, no globals. Time is a [`Micros`]
//! the caller reads from its clock and passes in, as in quinn-proto's `handle(now, …)` and
//! smoltcp's `poll(timestamp)`; [`NetworkCore::next_deadline`] says when to call
//! [`NetworkCore::poll`] again.
//!
//! - [`session`]: one device session (identity, version, keys prepared once, counters);
//!   [`session_table`]: the sessions of this core, several per DevAddr.
//! - [`fcnt`]: 32-bit FCntUp reconstruction from the 16 bits on air, replay classification.
//! - [`dedup`]: the deduplication window across gateways, keyed by PHYPayload, frequency and
//!   data rate, bounded in memory.
//! - [`uplink`]: the ordered steps a closed uplink goes through (parse, candidates, MIC, FCnt,
//!   MAC commands, decrypt, event), each failure a [`DropReason`].
//! - [`mac`]: the MAC layer: answers to device requests, the network's requests, ADR, the
//!   per-session MAC state and its journaled form.
//! - [`core`](mod@core): [`NetworkCore`], which ties them together and owns the counters.
//!
//! Durability is not done here: the outcome carries the accepted FCnt, and the persist layer
//! must make it durable before the event leaves the node (`design.md`, "Durability").

pub mod core;
pub mod dedup;
pub mod downlink;
pub mod drop;
pub mod fcnt;
pub mod mac;
pub mod session;
pub mod session_table;
pub mod uplink;

pub use self::core::{NetworkConfig, NetworkCore};
pub use dedup::{Admission, DedupConfig};
pub use drop::{Counters, DropReason};
pub use session::{DeviceClass, LorawanVersion, Session, SessionKeys, UplinkRecord};
pub use session_table::SessionTable;
pub use uplink::{MacOnly, UplinkOutcome};

use std::time::Duration;

/// A monotonic instant in microseconds on a clock the caller chooses (the virtual clock in
/// tests, `CLOCK_MONOTONIC` at the edge). Only differences matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Micros(pub u64);

impl Micros {
    /// The instant `d` later, saturating at the end of the clock.
    pub fn saturating_add(self, d: Duration) -> Self {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Self(self.0.saturating_add(us))
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Micros) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

/// The time at which a copy arrived: the monotonic instant for windows and deadlines, and the
/// wall-clock Unix time in milliseconds that the application event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Now {
    /// Monotonic instant (drives the dedup window).
    pub at: Micros,
    /// Unix time in milliseconds (copied into `ApplicationUplink::received_at_ms`).
    pub unix_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_arithmetic_by_table() {
        let cases = [
            (
                "add",
                Micros(5).saturating_add(Duration::from_millis(2)),
                Micros(2_005),
            ),
            (
                "saturates",
                Micros(u64::MAX - 1).saturating_add(Duration::from_secs(1)),
                Micros(u64::MAX),
            ),
        ];
        for (name, got, want) in cases {
            assert_eq!(got, want, "{name}");
        }
        assert_eq!(
            Micros(2_005).saturating_since(Micros(5)),
            Duration::from_millis(2)
        );
        assert_eq!(
            Micros(5).saturating_since(Micros(9)),
            Duration::ZERO,
            "no negative time"
        );
    }
}
