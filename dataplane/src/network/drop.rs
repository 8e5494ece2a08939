//! The plain `u64` counters one network core owns (merged across cores on scrape).

pub use crate::drop::DropReason;

/// Per-core counters: plain integers the core owns and increments; a scrape merges cores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Drops by reason, indexed by [`DropReason::index`].
    pub drops: [u64; DropReason::COUNT],
    /// Copies that opened a dedup window.
    pub dedup_opened: u64,
    /// Copies merged into an open window.
    pub dedup_merged: u64,
    /// Uplinks delivered to the application with FRMPayload decrypted.
    pub delivered: u64,
    /// Uplinks delivered with FRMPayload still encrypted (the session has no AppSKey).
    pub delivered_encrypted: u64,
    /// Authenticated uplinks with nothing for the application (MAC commands or an empty frame).
    pub mac_only: u64,
    /// Uplinks whose MAC commands stopped at a parse error (the commands before it are kept).
    pub mac_errors: u64,
    /// MAC commands not recorded because the session's pending list was full.
    pub mac_overflow: u64,
}

impl Counters {
    /// Counts one drop.
    pub fn drop(&mut self, reason: DropReason) {
        if let Some(c) = self.drops.get_mut(reason.index()) {
            *c += 1;
        }
    }

    /// The count for one reason.
    pub fn dropped(&self, reason: DropReason) -> u64 {
        self.drops.get(reason.index()).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_count_by_reason() {
        let mut c = Counters::default();
        c.drop(DropReason::Replay);
        c.drop(DropReason::Replay);
        c.drop(DropReason::Parse);
        assert_eq!(c.dropped(DropReason::Replay), 2);
        assert_eq!(c.dropped(DropReason::Parse), 1);
        assert_eq!(c.dropped(DropReason::DedupLate), 0);
    }
}
