//! MAC-layer counters of every core, summed on scrape: commands received and sent by command
//! name (`network::mac::MacStats`), ADR decisions and the device's verdicts, requests left
//! unanswered. Held by [`DownlinkMetrics`](super::DownlinkMetrics), published beside it.

use super::{Collect, Exposition, MetricKind};
use crate::network::mac::{CID_SLOTS, MacStats};
use shared::lorawan::mac::CID_TABLE;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Debug)]
struct Slot {
    received: [AtomicU64; CID_SLOTS],
    sent: [AtomicU64; CID_SLOTS],
    adr: [AtomicU64; 3],
    unanswered: AtomicU64,
}

impl Default for Slot {
    fn default() -> Self {
        Self {
            received: std::array::from_fn(|_| AtomicU64::new(0)),
            sent: std::array::from_fn(|_| AtomicU64::new(0)),
            adr: Default::default(),
            unanswered: AtomicU64::new(0),
        }
    }
}

/// Every core's MAC counters.
#[derive(Debug, Default)]
pub struct MacMetrics {
    cores: Vec<Slot>,
}

impl MacMetrics {
    /// Slots for `cores` cores.
    pub fn new(cores: usize) -> Self {
        Self {
            cores: (0..cores).map(|_| Slot::default()).collect(),
        }
    }

    /// Publishes core `core`'s running totals.
    pub fn store(&self, core: usize, s: &MacStats) {
        let Some(slot) = self.cores.get(core) else {
            return;
        };
        for (d, v) in slot.received.iter().zip(s.received) {
            d.store(v, Relaxed);
        }
        for (d, v) in slot.sent.iter().zip(s.sent) {
            d.store(v, Relaxed);
        }
        for (d, v) in slot
            .adr
            .iter()
            .zip([s.adr_decisions, s.adr_accepted, s.adr_refused])
        {
            d.store(v, Relaxed);
        }
        slot.unanswered.store(s.unanswered, Relaxed);
    }

    fn sum(&self, f: impl Fn(&Slot) -> Option<&AtomicU64>) -> u64 {
        self.cores
            .iter()
            .filter_map(|c| f(c).map(|a| a.load(Relaxed)))
            .fold(0, u64::wrapping_add)
    }
}

impl Collect for MacMetrics {
    fn collect(&self, out: &mut Exposition) {
        use MetricKind::Counter;
        for (name, help, up) in [
            (
                "dataplane_mac_commands_received_total",
                "MAC commands received from devices, by command.",
                true,
            ),
            (
                "dataplane_mac_commands_sent_total",
                "MAC commands sent to devices, by command.",
                false,
            ),
        ] {
            out.family(name, help, Counter);
            for row in &CID_TABLE {
                let spec = match up {
                    true => row.uplink,
                    false => row.downlink,
                };
                let Some(spec) = spec else { continue };
                let i = usize::from(row.cid);
                let n = match up {
                    true => self.sum(|s| s.received.get(i)),
                    false => self.sum(|s| s.sent.get(i)),
                };
                out.sample(name, &[("command", spec.name)], n);
            }
        }
        let name = "dataplane_adr_total";
        out.family(
            name,
            "ADR: new parameters decided, and the device's accepted or refused verdicts.",
            Counter,
        );
        for (i, r) in ["decided", "accepted", "refused"].into_iter().enumerate() {
            out.sample(name, &[("result", r)], self.sum(|s| s.adr.get(i)));
        }
        let name = "dataplane_mac_requests_unanswered_total";
        out.family(
            name,
            "MAC requests a downlink carried that got no answer.",
            Counter,
        );
        out.sample(name, &[], self.sum(|s| Some(&s.unanswered)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_sum_by_command() {
        let m = MacMetrics::new(2);
        let mut s = MacStats::default();
        s.received[0x02] = 2;
        s.sent[0x02] = 1;
        s.sent[0x03] = 3;
        s.adr_accepted = 1;
        m.store(0, &s);
        m.store(1, &s);
        m.store(9, &s);
        let mut out = Exposition::new();
        m.collect(&mut out);
        let text = out.finish();
        for line in [
            "dataplane_mac_commands_received_total{command=\"LinkCheckReq\"} 4",
            "dataplane_mac_commands_sent_total{command=\"LinkCheckAns\"} 2",
            "dataplane_mac_commands_sent_total{command=\"LinkADRReq\"} 6",
            "dataplane_mac_commands_received_total{command=\"DeviceTimeReq\"} 0",
            "dataplane_adr_total{result=\"accepted\"} 2",
            "dataplane_mac_requests_unanswered_total 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }
}
