//! [`DurableQueue`]: what waits for the journal, released in order once durable: an uplink's
//! event leaves only after its FCntUp record is on disk, or a crash between the two would let a
//! replay of that frame through (design.md "Durability").

use super::journal::Seq;
use std::collections::VecDeque;

/// Items held until the journal is durable up to their sequence number.
#[derive(Debug)]
pub struct DurableQueue<T> {
    items: VecDeque<(Seq, T)>,
}

impl<T> Default for DurableQueue<T> {
    fn default() -> Self {
        Self {
            items: VecDeque::new(),
        }
    }
}

impl<T> DurableQueue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Holds `item` until `seq` is durable. Items leave in the order they came: one pushed with
    /// a lower number than an earlier one waits behind it (later, never early).
    pub fn push(&mut self, seq: Seq, item: T) {
        self.items.push_back((seq, item));
    }

    /// Items held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Releases, oldest first, the items whose records are durable by `durable`.
    pub fn release(&mut self, durable: Seq) -> impl Iterator<Item = T> + '_ {
        std::iter::from_fn(move || {
            if self.items.front().is_some_and(|(s, _)| *s <= durable) {
                self.items.pop_front().map(|(_, t)| t)
            } else {
                None
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_in_order_and_only_when_durable() {
        let mut q = DurableQueue::new();
        q.push(Seq(1), "a");
        q.push(Seq(3), "b");
        q.push(Seq(2), "c");
        q.push(Seq(5), "d");
        let cases: [(u64, &[&str]); 4] = [(0, &[]), (2, &["a"]), (3, &["b", "c"]), (9, &["d"])];
        for (durable, want) in cases {
            let got: Vec<_> = q.release(Seq(durable)).collect();
            assert_eq!(got, want, "durable {durable}");
        }
        assert!(q.is_empty());
    }
}
