//! Downlink counters: each core counts what its downlink path did in plain integers
//! ([`DownlinkStats`]), copies them into its slot of [`DownlinkMetrics`] with the rest of its
//! totals, and the scrape sums the slots into `dataplane_downlinks_*` families:
//!
//! - `dataplane_downlinks_scheduled_total{window}`: frames built and handed to a slot (RX1/RX2);
//! - `dataplane_downlinks_sent_total`: accepted by the gateway (TX_ACK without error);
//! - `dataplane_downlinks_retried_total`: RX1 refused, retried in RX2;
//! - `dataplane_downlinks_failed_total{reason}`: given up, by [`FailLabel`];
//! - `dataplane_downlinks_skipped_total{reason}`: an answer was owed (ACK, queue, ADRACKReq) but
//!   none could be scheduled, by [`SkipLabel`] (`too_late` is the too-late count at scheduling);
//! - `dataplane_tx_ack_total{code}`: TX_ACKs by `txpk_ack.error` code (`NONE` included).

use super::{Collect, Exposition, MetricKind};
use shared::semtech_udp::TX_ERRORS;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Why a downlink was given up (a metric label and the `reason` of `downlink_failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailLabel {
    /// The gateway refused it and no retry was possible.
    Rejected,
    /// RX1 refused and RX2's hand-off deadline had passed.
    TooLateForRx2,
    /// RX1 refused and RX2's sub-band had no duty-cycle budget.
    DutyCycle,
    /// No TX_ACK came within the timeout.
    TxAckTimeout,
    /// No downlink route to the gateway (it stopped sending PULL_DATA).
    NoRoute,
    /// Every PULL_RESP token of this core was in flight.
    TokensExhausted,
    /// The PULL_RESP could not be encoded (a modulation Semtech UDP cannot carry).
    Encode,
}

impl FailLabel {
    /// Every label, in slot order.
    pub const ALL: [Self; 7] = [
        Self::Rejected,
        Self::TooLateForRx2,
        Self::DutyCycle,
        Self::TxAckTimeout,
        Self::NoRoute,
        Self::TokensExhausted,
        Self::Encode,
    ];

    /// The label text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rejected => "rejected",
            Self::TooLateForRx2 => "too_late_for_rx2",
            Self::DutyCycle => "duty_cycle",
            Self::TxAckTimeout => "tx_ack_timeout",
            Self::NoRoute => "no_route",
            Self::TokensExhausted => "tokens_exhausted",
            Self::Encode => "encode",
        }
    }
}

/// Why an owed answer was not scheduled (the labels of `NoDownlink::label`, folded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipLabel {
    /// No gateway that heard the uplink has a downlink route.
    NoGateway,
    /// Every window's hand-off deadline had passed.
    TooLate,
    /// Out of duty-cycle budget on every usable gateway and window.
    DutyCycle,
    /// No RX1 or RX2 parameters for this uplink.
    NoWindow,
    /// The frame could not be built.
    Build,
}

impl SkipLabel {
    /// Every label, in slot order.
    pub const ALL: [Self; 5] = [
        Self::NoGateway,
        Self::TooLate,
        Self::DutyCycle,
        Self::NoWindow,
        Self::Build,
    ];

    /// The label text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoGateway => "no_gateway",
            Self::TooLate => "too_late",
            Self::DutyCycle => "duty_cycle",
            Self::NoWindow => "no_window",
            Self::Build => "build",
        }
    }
}

/// One core's downlink counts, written by that core only.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DownlinkStats {
    /// Scheduled in RX1, in RX2.
    pub scheduled: [u64; 2],
    /// Accepted by the gateway.
    pub sent: u64,
    /// Retried in RX2 after an RX1 refusal.
    pub retried: u64,
    /// Given up, by [`FailLabel`] slot.
    pub failed: [u64; FailLabel::ALL.len()],
    /// Owed but not scheduled, by [`SkipLabel`] slot.
    pub skipped: [u64; SkipLabel::ALL.len()],
    /// TX_ACKs by code, in `TX_ERRORS` order.
    pub tx_ack: [u64; TX_ERRORS.len()],
    /// TX_ACKs whose token matched nothing in flight (late, duplicated or foreign).
    pub tx_ack_unknown: u64,
}

impl DownlinkStats {
    /// Counts a failure.
    pub fn fail(&mut self, l: FailLabel) {
        if let Some(i) = FailLabel::ALL.iter().position(|x| *x == l) {
            self.failed[i] += 1;
        }
    }

    /// Counts a skip.
    pub fn skip(&mut self, l: SkipLabel) {
        if let Some(i) = SkipLabel::ALL.iter().position(|x| *x == l) {
            self.skipped[i] += 1;
        }
    }
}

#[derive(Debug, Default)]
struct Slot {
    scheduled: [AtomicU64; 2],
    sent: AtomicU64,
    retried: AtomicU64,
    failed: [AtomicU64; FailLabel::ALL.len()],
    skipped: [AtomicU64; SkipLabel::ALL.len()],
    tx_ack: [AtomicU64; TX_ERRORS.len()],
    tx_ack_unknown: AtomicU64,
}

/// Every core's downlink counters, summed on scrape.
#[derive(Debug)]
pub struct DownlinkMetrics {
    cores: Vec<Slot>,
    /// The MAC layer's counters, published beside the downlink path's.
    pub mac: super::mac::MacMetrics,
}

fn store(dst: &[AtomicU64], src: &[u64]) {
    for (d, s) in dst.iter().zip(src) {
        d.store(*s, Relaxed);
    }
}

impl DownlinkMetrics {
    /// Slots for `cores` cores.
    pub fn new(cores: usize) -> Self {
        Self {
            cores: (0..cores).map(|_| Slot::default()).collect(),
            mac: super::mac::MacMetrics::new(cores),
        }
    }

    /// Publishes core `core`'s running totals.
    pub fn store(&self, core: usize, s: &DownlinkStats) {
        let Some(slot) = self.cores.get(core) else {
            return;
        };
        store(&slot.scheduled, &s.scheduled);
        slot.sent.store(s.sent, Relaxed);
        slot.retried.store(s.retried, Relaxed);
        store(&slot.failed, &s.failed);
        store(&slot.skipped, &s.skipped);
        store(&slot.tx_ack, &s.tx_ack);
        slot.tx_ack_unknown.store(s.tx_ack_unknown, Relaxed);
    }

    fn sum(&self, f: impl Fn(&Slot) -> &AtomicU64) -> u64 {
        self.cores
            .iter()
            .map(|c| f(c).load(Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

impl Collect for DownlinkMetrics {
    fn collect(&self, out: &mut Exposition) {
        use MetricKind::Counter;
        let name = "dataplane_downlinks_scheduled_total";
        out.family(name, "Downlink frames handed to a receive window.", Counter);
        for (i, w) in ["rx1", "rx2"].into_iter().enumerate() {
            out.sample(name, &[("window", w)], self.sum(|s| &s.scheduled[i]));
        }
        for (name, help, n) in [
            (
                "dataplane_downlinks_sent_total",
                "Downlinks the gateway accepted (TX_ACK without error).",
                self.sum(|s| &s.sent),
            ),
            (
                "dataplane_downlinks_retried_total",
                "Downlinks refused in RX1 and retried in RX2.",
                self.sum(|s| &s.retried),
            ),
            (
                "dataplane_tx_ack_unknown_total",
                "TX_ACKs whose token matched no downlink in flight.",
                self.sum(|s| &s.tx_ack_unknown),
            ),
        ] {
            out.family(name, help, Counter);
            out.sample(name, &[], n);
        }
        let name = "dataplane_downlinks_failed_total";
        out.family(name, "Downlinks given up, by reason.", Counter);
        for (i, l) in FailLabel::ALL.iter().enumerate() {
            out.sample(name, &[("reason", l.as_str())], self.sum(|s| &s.failed[i]));
        }
        let name = "dataplane_downlinks_skipped_total";
        out.family(
            name,
            "Answers owed to an uplink that could not be scheduled, by reason.",
            Counter,
        );
        for (i, l) in SkipLabel::ALL.iter().enumerate() {
            out.sample(name, &[("reason", l.as_str())], self.sum(|s| &s.skipped[i]));
        }
        let name = "dataplane_tx_ack_total";
        out.family(name, "TX_ACKs received, by txpk_ack error code.", Counter);
        for (i, (_, code)) in TX_ERRORS.iter().enumerate() {
            out.sample(name, &[("code", code)], self.sum(|s| &s.tx_ack[i]));
        }
        self.mac.collect(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_sum_into_labelled_samples() {
        let m = DownlinkMetrics::new(2);
        let mut a = DownlinkStats::default();
        a.scheduled[0] = 2;
        a.fail(FailLabel::TxAckTimeout);
        a.skip(SkipLabel::TooLate);
        a.tx_ack[1] = 1;
        let mut b = a;
        b.sent = 3;
        m.store(0, &a);
        m.store(1, &b);
        m.store(7, &b); // no such core: ignored
        let mut out = Exposition::new();
        m.collect(&mut out);
        let text = out.finish();
        for line in [
            "dataplane_downlinks_scheduled_total{window=\"rx1\"} 4",
            "dataplane_downlinks_scheduled_total{window=\"rx2\"} 0",
            "dataplane_downlinks_sent_total 3",
            "dataplane_downlinks_failed_total{reason=\"tx_ack_timeout\"} 2",
            "dataplane_downlinks_skipped_total{reason=\"too_late\"} 2",
            "dataplane_tx_ack_total{code=\"TOO_LATE\"} 2",
            "dataplane_tx_ack_total{code=\"NONE\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }
}
