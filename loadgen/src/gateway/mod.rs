//! Simulated gateways. Only the Semtech UDP packet forwarder ([`udp`]) is spoken for now; a
//! LoRa Basics Station client would sit beside it as `basicstation.rs`.
//!
//! A gateway is an index into the fleet (its EUI is derived); what it must remember between
//! datagrams is the traffic counted for its next `stat` report, kept here for all gateways.

pub mod udp;

use std::sync::atomic::{AtomicU32, Ordering};

/// Per-gateway counters shared by the sender threads (a gateway's copies may leave from any
/// thread, its `stat` from one).
#[derive(Debug)]
pub struct GatewayCounters {
    forwarded: Vec<AtomicU32>,
}

impl GatewayCounters {
    /// Zeroed counters for `gateways` gateways.
    pub fn new(gateways: u32) -> Self {
        Self {
            forwarded: (0..gateways).map(|_| AtomicU32::new(0)).collect(),
        }
    }

    /// Counts a frame forwarded by gateway `g`.
    pub fn forwarded(&self, g: u32) {
        if let Some(c) = self.forwarded.get(g as usize) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Frames forwarded by gateway `g` since the last call (for `stat`'s `rxnb`/`rxok`/`rxfw`).
    pub fn take(&self, g: u32) -> u32 {
        self.forwarded
            .get(g as usize)
            .map_or(0, |c| c.swap(0, Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_resets() {
        let c = GatewayCounters::new(2);
        c.forwarded(1);
        c.forwarded(1);
        c.forwarded(7);
        assert_eq!((c.take(0), c.take(1), c.take(1), c.take(7)), (0, 2, 0, 0));
    }
}
