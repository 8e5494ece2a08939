//! One device's application downlink queue (LoRaWAN 1.0.4 §4.3.1.4 FPending, §4.3.3 FPort):
//! confirmed or unconfirmed items, each with an FPort (1..=223) and a plaintext FRMPayload,
//! served oldest first, bounded in length. An item leaves the queue when it is put in a frame;
//! it is then carried by the [`ScheduledDownlink`](super::ScheduledDownlink) until its TX_ACK
//! (and, when confirmed, the device's ACK).

use std::collections::VecDeque;

/// Largest FRMPayload any region allows (M = 250 minus FHDR 7 and FPort 1).
pub const MAX_FRM_PAYLOAD: usize = 242;
/// Default bound on queued items per device.
pub const DEFAULT_MAX_ITEMS: usize = 16;

/// Identifies a queued downlink within its device's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DownlinkId(pub u64);

/// One application downlink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    /// Its id.
    pub id: DownlinkId,
    /// FPort, 1..=223.
    pub fport: u8,
    /// FRMPayload in plaintext (encrypted with AppSKey when the frame is sealed).
    pub payload: Vec<u8>,
    /// Confirmed data down: the device must acknowledge it.
    pub confirmed: bool,
}

/// Why an item was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The queue holds its maximum number of items.
    #[error("downlink queue full ({0} items)")]
    Full(usize),
    /// FPort 0 is for MAC commands and 224..=255 are reserved.
    #[error("FPort {0} is not an application port (1..=223)")]
    InvalidFPort(u8),
    /// Larger than any data rate of any region carries.
    #[error("FRMPayload of {0} bytes exceeds {MAX_FRM_PAYLOAD}")]
    PayloadTooLong(usize),
}

/// A device's downlink queue.
#[derive(Debug, Clone)]
pub struct DownlinkQueue {
    items: VecDeque<QueueItem>,
    max_items: usize,
    next_id: u64,
}

impl Default for DownlinkQueue {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_ITEMS)
    }
}

impl DownlinkQueue {
    /// An empty queue holding at most `max_items`.
    pub fn new(max_items: usize) -> Self {
        Self {
            items: VecDeque::new(),
            max_items,
            next_id: 1,
        }
    }

    /// Appends an item and returns its id.
    pub fn enqueue(
        &mut self,
        fport: u8,
        payload: Vec<u8>,
        confirmed: bool,
    ) -> Result<DownlinkId, QueueError> {
        if !(1..=223).contains(&fport) {
            return Err(QueueError::InvalidFPort(fport));
        }
        if payload.len() > MAX_FRM_PAYLOAD {
            return Err(QueueError::PayloadTooLong(payload.len()));
        }
        if self.items.len() >= self.max_items {
            return Err(QueueError::Full(self.max_items));
        }
        let id = DownlinkId(self.next_id);
        self.next_id += 1;
        self.items.push_back(QueueItem {
            id,
            fport,
            payload,
            confirmed,
        });
        Ok(id)
    }

    /// The next item to send.
    pub fn front(&self) -> Option<&QueueItem> {
        self.items.front()
    }

    /// Takes the next item (it has been put in a frame).
    pub fn pop_front(&mut self) -> Option<QueueItem> {
        self.items.pop_front()
    }

    /// Removes an item by id.
    pub fn remove(&mut self, id: DownlinkId) -> Option<QueueItem> {
        let i = self.items.iter().position(|it| it.id == id)?;
        self.items.remove(i)
    }

    /// Drops every item (session change: the items were for the old keys' counters).
    pub fn clear(&mut self) -> Vec<QueueItem> {
        self.items.drain(..).collect()
    }

    /// Number of queued items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &QueueItem> {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enqueue_by_table() {
        let cases = [
            ("port 1", 1, 10, Ok(())),
            ("port 223", 223, 0, Ok(())),
            ("port 0 is MAC", 0, 1, Err(QueueError::InvalidFPort(0))),
            (
                "port 224 reserved",
                224,
                1,
                Err(QueueError::InvalidFPort(224)),
            ),
            ("242 bytes", 5, 242, Ok(())),
            ("243 bytes", 5, 243, Err(QueueError::PayloadTooLong(243))),
        ];
        for (name, port, len, want) in cases {
            let mut q = DownlinkQueue::default();
            assert_eq!(
                q.enqueue(port, vec![0; len], false).map(|_| ()),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn fifo_bound_and_remove() {
        let mut q = DownlinkQueue::new(2);
        let a = q.enqueue(1, vec![1], false).unwrap();
        let b = q.enqueue(2, vec![2], true).unwrap();
        assert_eq!(q.enqueue(3, vec![3], false), Err(QueueError::Full(2)));
        assert_ne!(a, b);
        assert_eq!(q.front().map(|i| i.id), Some(a));
        assert_eq!(q.remove(b).map(|i| i.fport), Some(2));
        assert_eq!(q.remove(b), None);
        assert_eq!(q.pop_front().map(|i| i.id), Some(a));
        assert!(q.is_empty());
        let c = q.enqueue(4, vec![], false).unwrap();
        assert!(c > b, "ids are never reused");
        assert_eq!(q.clear().len(), 1);
        assert_eq!(q.len(), 0);
    }
}
