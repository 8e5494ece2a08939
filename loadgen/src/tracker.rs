//! Matching application events to sent uplinks by (DevAddr, FCnt), sans-IO: sent records and
//! events go in with their times, latency (HdrHistogram, µs) and losses by kind come out.
//!
//! Memory stays bounded by the uplinks in flight: a delivered uplink leaves the open table and
//! only its device's highest delivered FCnt is kept (4 bytes per device), which is enough to
//! tell a duplicate (FCnt at or below it and not open) from an event never sent. An event can
//! overtake its sent record (the records reach this side in batches); it waits in `early`
//! until the record comes.

use hdrhistogram::Histogram;
use std::collections::HashMap;

/// Most gateways per event tallied individually (more are counted in the last bucket).
pub const MAX_MERGED: usize = 16;

/// The first copy of an uplink left at `sent_ns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentRecord {
    /// DevAddr as an integer.
    pub dev_addr: u32,
    /// Full FCntUp.
    pub fcnt: u32,
    /// Copies sent (gateways that heard it).
    pub copies: u8,
    /// Send time of the first copy, ns since the run's start.
    pub sent_ns: u64,
}

/// An application uplink event as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRecord {
    /// DevAddr as an integer.
    pub dev_addr: u32,
    /// Full FCntUp.
    pub fcnt: u32,
    /// Gateways in its `rx_metadata`.
    pub merged: usize,
    /// Receipt time, ns since the run's start.
    pub recv_ns: u64,
}

/// Outcome counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MatchCounts {
    /// Uplinks sent.
    pub sent: u64,
    /// Uplinks delivered (first event).
    pub delivered: u64,
    /// Uplinks with no event within the timeout or by the end.
    pub no_event: u64,
    /// Events repeating a delivered uplink.
    pub duplicate_event: u64,
    /// Events for uplinks never sent (other traffic, or a FCnt the stack got wrong).
    pub unknown_event: u64,
    /// Events the stream reported lost to a slow consumer (`Lagged`).
    pub lagged_event: u64,
    /// Delivered events that merged fewer gateways than sent copies.
    pub merged_fewer: u64,
    /// Delivered events that merged more gateways than sent copies.
    pub merged_more: u64,
}

#[derive(Debug, Clone, Copy)]
struct Open {
    sent_ns: u64,
    copies: u8,
}

/// The matcher.
#[derive(Debug)]
pub struct Tracker {
    base: u32,
    open: HashMap<u64, Open>,
    early: HashMap<u64, (u64, usize)>,
    /// Highest delivered FCnt + 1 per device (0: none yet).
    delivered_hw: Vec<u32>,
    latency_us: Histogram<u64>,
    merged: [u64; MAX_MERGED + 1],
    counts: MatchCounts,
}

fn key(dev_addr: u32, fcnt: u32) -> u64 {
    (u64::from(dev_addr) << 32) | u64::from(fcnt)
}

impl Tracker {
    /// A tracker for devices `base .. base + devices` (DevAddr integers).
    pub fn new(base: u32, devices: u32) -> Self {
        Self {
            base,
            open: HashMap::new(),
            early: HashMap::new(),
            delivered_hw: vec![0; devices as usize],
            // 1 µs .. 1 h at 3 significant digits; the bounds are valid constants.
            latency_us: Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("constant bounds"),
            merged: [0; MAX_MERGED + 1],
            counts: MatchCounts::default(),
        }
    }

    /// Records a sent uplink; returns `true` when it was delivered at once (its event came
    /// first).
    pub fn sent(&mut self, r: SentRecord) -> bool {
        self.counts.sent += 1;
        let k = key(r.dev_addr, r.fcnt);
        if let Some((recv_ns, merged)) = self.early.remove(&k) {
            self.deliver(r.dev_addr, r.fcnt, r.sent_ns, r.copies, recv_ns, merged);
            return true;
        }
        self.open.insert(
            k,
            Open {
                sent_ns: r.sent_ns,
                copies: r.copies,
            },
        );
        false
    }

    /// Records an event; returns `true` when it delivered an open uplink.
    pub fn event(&mut self, e: EventRecord) -> bool {
        let k = key(e.dev_addr, e.fcnt);
        if let Some(o) = self.open.remove(&k) {
            self.deliver(e.dev_addr, e.fcnt, o.sent_ns, o.copies, e.recv_ns, e.merged);
            return true;
        }
        let hw = e
            .dev_addr
            .checked_sub(self.base)
            .and_then(|i| self.delivered_hw.get(i as usize));
        match hw {
            Some(&hw) if e.fcnt < hw => self.counts.duplicate_event += 1,
            Some(_) => {
                if self.early.insert(k, (e.recv_ns, e.merged)).is_some() {
                    self.counts.duplicate_event += 1;
                }
            }
            None => self.counts.unknown_event += 1,
        }
        false
    }

    /// Records `n` events lost by the stream.
    pub fn lagged(&mut self, n: u64) {
        self.counts.lagged_event += n;
    }

    fn deliver(&mut self, addr: u32, fcnt: u32, sent: u64, copies: u8, recv: u64, merged: usize) {
        self.counts.delivered += 1;
        let us = recv.saturating_sub(sent) / 1000;
        self.latency_us.saturating_record(us.max(1));
        self.merged[merged.min(MAX_MERGED)] += 1;
        match merged.cmp(&usize::from(copies)) {
            std::cmp::Ordering::Less => self.counts.merged_fewer += 1,
            std::cmp::Ordering::Greater => self.counts.merged_more += 1,
            std::cmp::Ordering::Equal => {}
        }
        if let Some(hw) = addr
            .checked_sub(self.base)
            .and_then(|i| self.delivered_hw.get_mut(i as usize))
        {
            *hw = (*hw).max(fcnt.saturating_add(1));
        }
    }

    /// Counts uplinks sent before `cutoff_ns` and still without event as lost; returns how many.
    pub fn expire(&mut self, cutoff_ns: u64) -> u64 {
        let before = self.open.len();
        self.open.retain(|_, o| o.sent_ns >= cutoff_ns);
        let n = (before - self.open.len()) as u64;
        self.counts.no_event += n;
        n
    }

    /// Ends the run: every open uplink is lost, every unmatched event unknown.
    pub fn finish(&mut self) {
        self.expire(u64::MAX);
        self.counts.unknown_event += self.early.len() as u64;
        self.early.clear();
    }

    /// Uplinks awaiting their event.
    pub fn open(&self) -> usize {
        self.open.len()
    }

    /// Outcome counts so far.
    pub fn counts(&self) -> MatchCounts {
        self.counts
    }

    /// Latency from first send to event, µs.
    pub fn latency_us(&self) -> &Histogram<u64> {
        &self.latency_us
    }

    /// Delivered events by number of gateways merged (index = gateways, last = more).
    pub fn merged(&self) -> &[u64; MAX_MERGED + 1] {
        &self.merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: u32 = 0x2600_0000;

    fn sent(dev: u32, fcnt: u32, copies: u8, at_ms: u64) -> SentRecord {
        SentRecord {
            dev_addr: BASE + dev,
            fcnt,
            copies,
            sent_ns: at_ms * 1_000_000,
        }
    }

    fn ev(dev: u32, fcnt: u32, merged: usize, at_ms: u64) -> EventRecord {
        EventRecord {
            dev_addr: BASE + dev,
            fcnt,
            merged,
            recv_ns: at_ms * 1_000_000,
        }
    }

    #[test]
    fn outcomes_by_kind() {
        let mut t = Tracker::new(BASE, 10);
        // Delivered once with all copies merged, 210 ms after sending.
        assert!(!t.sent(sent(1, 0, 3, 0)));
        assert!(t.event(ev(1, 0, 3, 210)));
        // The same event again: duplicate.
        assert!(!t.event(ev(1, 0, 3, 220)));
        // An event overtaking its record, then the record: delivered.
        assert!(!t.event(ev(2, 5, 2, 300)));
        assert!(t.sent(sent(2, 5, 3, 100)));
        // A device outside the fleet: unknown.
        assert!(!t.event(EventRecord {
            dev_addr: 1,
            ..ev(0, 0, 1, 1)
        }));
        // Never answered: lost on expiry; later ones stay open.
        t.sent(sent(3, 9, 1, 50));
        t.sent(sent(4, 1, 1, 5000));
        assert_eq!(t.expire(1_000 * 1_000_000), 1);
        assert_eq!(t.open(), 1);
        // An early event whose record never comes is unknown at the end, the open one lost.
        t.event(ev(5, 7, 1, 400));
        t.lagged(4);
        t.finish();
        assert_eq!(
            t.counts(),
            MatchCounts {
                sent: 4,
                delivered: 2,
                no_event: 2,
                duplicate_event: 1,
                unknown_event: 2,
                lagged_event: 4,
                merged_fewer: 1,
                merged_more: 0,
            }
        );
        assert_eq!(t.merged()[3], 1);
        assert_eq!(t.merged()[2], 1);
        let h = t.latency_us();
        assert_eq!(h.len(), 2);
        assert!(h.equivalent(h.max(), 210_000), "{}", h.max());
        assert!(h.equivalent(h.min(), 200_000), "{}", h.min());
    }

    #[test]
    fn out_of_order_delivery_is_not_duplicate() {
        let mut t = Tracker::new(BASE, 2);
        t.sent(sent(0, 1, 1, 0));
        t.sent(sent(0, 2, 1, 1));
        assert!(t.event(ev(0, 2, 1, 5)));
        assert!(t.event(ev(0, 1, 1, 6)));
        assert!(!t.event(ev(0, 1, 1, 7)));
        assert!(!t.event(ev(0, 2, 1, 8)));
        t.finish();
        let c = t.counts();
        assert_eq!((c.delivered, c.duplicate_event, c.no_event), (2, 2, 0));
    }
}
