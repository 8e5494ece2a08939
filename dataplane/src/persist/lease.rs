//! Counter leases for NFCntDown / AFCntDown (design.md "Durability"): a downlink counter value is
//! handed out only below a limit the journal has durably recorded, so after a crash the session
//! resumes at the recorded limit and never sends a counter twice (LoRaWAN 1.1 §4.3.1.5: a reused
//! FCntDown with the same keys repeats the keystream, and devices drop it as a replay).
//!
//! Limits are granted in blocks of `block` values: one lease record per `block` downlinks. A new
//! block is asked for when half of the current one is left, so under a steady downlink rate the
//! lease is durable before it is needed; values between the last one used and the recorded limit
//! are skipped after a crash, which the spec allows (the device accepts any higher counter).

use super::journal::Seq;

/// The lease of one downlink frame counter of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownlinkCounterLease {
    /// The next value to hand out.
    next: u32,
    /// Values below this are covered by a durable lease record.
    durable_limit: u32,
    /// A lease record appended and not yet durable: its limit and sequence number.
    pending: Option<(u32, Seq)>,
    /// Values granted per lease record.
    block: u32,
}

/// What [`DownlinkCounterLease::take`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// This counter value is safe to send.
    Ready(u32),
    /// No value is covered yet: retry once the journal is durable up to this sequence number.
    Wait(Seq),
    /// The counter space is used up (2^32 - 1 downlinks): the session must rejoin.
    Exhausted,
}

impl DownlinkCounterLease {
    /// A lease resuming at `next` (the session's own counter: at least the recovered limit),
    /// with `durable_limit` the limit recovered from the journal (0 for a new session).
    pub fn resume(next: u32, durable_limit: u32, block: u32) -> Self {
        Self {
            next: next.max(durable_limit),
            durable_limit,
            pending: None,
            block: block.max(1),
        }
    }

    /// The next value [`take`](Self::take) would hand out.
    pub fn next_value(&self) -> u32 {
        self.next
    }

    /// Values below this are covered by a durable lease record.
    pub fn durable_limit(&self) -> u32 {
        self.durable_limit
    }

    /// The lease record in flight, if any: its limit and sequence number.
    pub fn pending(&self) -> Option<(u32, Seq)> {
        self.pending
    }

    /// Hands out the next counter value if a durable lease covers it. `durable` is the journal's
    /// durable sequence number; `record` appends a lease record with the given limit and returns
    /// its sequence number (it is called at most once, when a new block is needed).
    pub fn take<E>(
        &mut self,
        durable: Seq,
        record: impl FnOnce(u32) -> Result<Seq, E>,
    ) -> Result<Take, E> {
        if let Some((limit, seq)) = self.pending
            && seq <= durable
        {
            self.durable_limit = self.durable_limit.max(limit);
            self.pending = None;
        }
        if self.next < self.durable_limit {
            let v = self.next;
            self.next += 1;
            let left = self.durable_limit - self.next;
            let raises = self.next.saturating_add(self.block) > self.durable_limit;
            if self.pending.is_none() && left < self.block / 2 && raises {
                self.request(record)?;
            }
            return Ok(Take::Ready(v));
        }
        if self.next == u32::MAX {
            return Ok(Take::Exhausted);
        }
        match self.pending {
            Some((_, seq)) => Ok(Take::Wait(seq)),
            None => Ok(Take::Wait(self.request(record)?)),
        }
    }

    fn request<E>(&mut self, record: impl FnOnce(u32) -> Result<Seq, E>) -> Result<Seq, E> {
        let limit = self.next.saturating_add(self.block);
        let seq = record(limit)?;
        self.pending = Some((limit, seq));
        Ok(seq)
    }
}

#[cfg(test)]
mod tests;
