//! Counters of the LNS endpoint: each core owns a [`StationStats`] and publishes it into its
//! slot of [`StationMetrics`] now and then (as the downlink counters are), summed on scrape:
//! `dataplane_bs_connections` (open traffic connections), `dataplane_bs_messages_in_total` by
//! `msgtype`, `dataplane_bs_drops_total` by `reason`, `dataplane_bs_dnmsg_out_total`,
//! `dataplane_bs_dntxed_in_total`.

use crate::metrics::{Collect, Exposition, MetricKind};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Station → server message types counted.
pub const MSGTYPES: [&str; 6] = ["version", "updf", "jreq", "propdf", "dntxed", "timesync"];

/// Drop reasons (messages, connections and downlinks).
pub const DROPS: [&str; 17] = [
    "malformed",
    "unknown_msgtype",
    "bad_frame",
    "no_region",
    "unknown_diid",
    "oversize",
    "binary",
    "protocol",
    "unknown_path",
    "bad_eui",
    "unknown_gateway",
    "missing_auth",
    "bad_auth",
    "bad_handshake",
    "output_full",
    "dnmsg_no_uplink",
    "dnmsg_no_connection",
];

/// One core's LNS counters (written by that core only).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StationStats {
    /// Traffic connections open now.
    pub connections: u64,
    /// TCP connections accepted.
    pub accepted: u64,
    /// Discovery requests answered with a traffic URI.
    pub discovery_ok: u64,
    /// Discovery requests answered with an error (unknown or unreadable router).
    pub discovery_error: u64,
    /// Messages received, by [`MSGTYPES`].
    pub messages_in: [u64; MSGTYPES.len()],
    /// Drops by [`DROPS`].
    pub drops: [u64; DROPS.len()],
    /// `dnmsg` written.
    pub dnmsg_out: u64,
    /// `dntxed` received.
    pub dntxed_in: u64,
}

impl StationStats {
    /// Counts a message of `msgtype`.
    pub fn message(&mut self, msgtype: &str) {
        if let Some(i) = MSGTYPES.iter().position(|m| *m == msgtype) {
            self.messages_in[i] += 1;
        }
    }

    /// Counts a drop for `reason` (one of [`DROPS`]).
    pub fn drop(&mut self, reason: &str) {
        if let Some(i) = DROPS.iter().position(|m| *m == reason) {
            self.drops[i] += 1;
        }
    }

    /// Drops counted for `reason`.
    pub fn drops_of(&self, reason: &str) -> u64 {
        DROPS
            .iter()
            .position(|m| *m == reason)
            .and_then(|i| self.drops.get(i).copied())
            .unwrap_or(0)
    }
}

#[derive(Debug, Default)]
struct Slot {
    connections: AtomicU64,
    accepted: AtomicU64,
    discovery: [AtomicU64; 2],
    messages_in: [AtomicU64; MSGTYPES.len()],
    drops: [AtomicU64; DROPS.len()],
    dnmsg_out: AtomicU64,
    dntxed_in: AtomicU64,
}

/// Every core's LNS counters, summed on scrape.
#[derive(Debug)]
pub struct StationMetrics {
    cores: Vec<Slot>,
}

impl StationMetrics {
    /// Slots for `cores` cores.
    pub fn new(cores: usize) -> Self {
        Self {
            cores: (0..cores).map(|_| Slot::default()).collect(),
        }
    }

    /// Publishes core `core`'s running totals.
    pub fn store(&self, core: usize, s: &StationStats) {
        let Some(slot) = self.cores.get(core) else {
            return;
        };
        slot.connections.store(s.connections, Relaxed);
        slot.accepted.store(s.accepted, Relaxed);
        slot.discovery[0].store(s.discovery_ok, Relaxed);
        slot.discovery[1].store(s.discovery_error, Relaxed);
        for (d, v) in slot.messages_in.iter().zip(s.messages_in) {
            d.store(v, Relaxed);
        }
        for (d, v) in slot.drops.iter().zip(s.drops) {
            d.store(v, Relaxed);
        }
        slot.dnmsg_out.store(s.dnmsg_out, Relaxed);
        slot.dntxed_in.store(s.dntxed_in, Relaxed);
    }

    fn sum(&self, f: impl Fn(&Slot) -> &AtomicU64) -> u64 {
        self.cores
            .iter()
            .map(|c| f(c).load(Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

impl Collect for StationMetrics {
    fn collect(&self, out: &mut Exposition) {
        use MetricKind::{Counter, Gauge};
        let name = "dataplane_bs_connections";
        out.family(name, "Basic Station traffic connections open.", Gauge);
        out.sample(name, &[], self.sum(|s| &s.connections));
        let name = "dataplane_bs_accepted_total";
        out.family(name, "TCP connections accepted on the LNS port.", Counter);
        out.sample(name, &[], self.sum(|s| &s.accepted));
        let name = "dataplane_bs_discovery_total";
        out.family(name, "Discovery (router-info) answers, by result.", Counter);
        for (i, r) in ["ok", "error"].into_iter().enumerate() {
            out.sample(name, &[("result", r)], self.sum(|s| &s.discovery[i]));
        }
        let name = "dataplane_bs_messages_in_total";
        out.family(
            name,
            "Basic Station messages received, by msgtype.",
            Counter,
        );
        for (i, m) in MSGTYPES.iter().enumerate() {
            out.sample(name, &[("msgtype", m)], self.sum(|s| &s.messages_in[i]));
        }
        let name = "dataplane_bs_drops_total";
        out.family(
            name,
            "Basic Station messages, connections or downlinks dropped, by reason.",
            Counter,
        );
        for (i, r) in DROPS.iter().enumerate() {
            out.sample(name, &[("reason", r)], self.sum(|s| &s.drops[i]));
        }
        for (name, help, n) in [
            (
                "dataplane_bs_dnmsg_out_total",
                "dnmsg messages written to stations.",
                self.sum(|s| &s.dnmsg_out),
            ),
            (
                "dataplane_bs_dntxed_in_total",
                "dntxed confirmations received from stations.",
                self.sum(|s| &s.dntxed_in),
            ),
        ] {
            out.family(name, help, Counter);
            out.sample(name, &[], n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_sum_on_scrape() {
        let m = StationMetrics::new(2);
        let mut a = StationStats::default();
        a.message("updf");
        a.message("updf");
        a.message("nope");
        a.drop("oversize");
        a.connections = 1;
        let mut b = a;
        b.dnmsg_out = 3;
        m.store(0, &a);
        m.store(1, &b);
        m.store(9, &b);
        let mut out = Exposition::new();
        m.collect(&mut out);
        let text = out.finish();
        for want in [
            "dataplane_bs_connections 2",
            "dataplane_bs_messages_in_total{msgtype=\"updf\"} 4",
            "dataplane_bs_drops_total{reason=\"oversize\"} 2",
            "dataplane_bs_dnmsg_out_total 3",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
        assert_eq!(a.drops_of("oversize"), 1);
    }
}
