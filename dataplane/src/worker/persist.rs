//! Durable sessions on the owner core (design.md "Durability"): the core's [`Journal`] wired
//! into its uplink and downlink paths.
//!
//! - Uplinks: an accepted uplink's FCntUp is journaled and its application event is held in a
//!   [`DurableQueue`] until the record is durable, so an event never leaves for an FCnt that a
//!   crash could let through again.
//! - Downlinks: a frame is built only with a counter a durable lease covers
//!   ([`Durability::reserve`] before scheduling, [`Durability::spent`] after). When the lease
//!   is not durable yet (the first downlink of a session after start, a block used up faster
//!   than it was renewed) the answer is deferred ([`Deferred`]) until the lease record is
//!   durable, one group commit later (≈ the commit interval plus an `fdatasync`, well inside
//!   RX1); an exhausted counter space or a failed journal skips it (counted).
//! - Every loop turn: [`Durability::turn`] reaps and sends batches and runs a checkpoint on a
//!   std thread when the journal asks for one.
//!
//! A journal that fails (a write or `fdatasync` error) stops the core's deliveries: nothing
//! accepted afterwards can be made durable, so held and later events are dropped (counted in
//! `errors`); restart the node to recover.

use crate::application::event::{ApplicationEvent, RadioSettings};
use crate::metrics::persist::{PersistMetrics, PersistStats, new_histogram, record};
use crate::network::downlink::Reception;
use crate::network::{LorawanVersion, Session};
use crate::persist::{
    Change, CheckpointDone, DownlinkCounterLease, DurableQueue, Journal, JournalError, Seq,
    SessionKey, SessionState, Take,
};
use hdrhistogram::Histogram;
use shared::types::{DevAddr, DevEui};
use std::collections::HashMap;
use std::thread::JoinHandle;
use std::time::Instant;

/// An answer that waits for a counter lease to be durable.
#[derive(Debug, Clone)]
pub struct Deferred {
    /// The lease record it waits for.
    pub seq: Seq,
    /// The session's DevAddr.
    pub dev_addr: DevAddr,
    /// The session's DevEUI.
    pub dev_eui: Option<DevEui>,
    /// The uplink answered (the session must still be at this FCntUp).
    pub fcnt: u32,
    /// The uplink's receptions, as the network core reported them.
    pub receptions: Vec<Reception>,
    /// The uplink's radio settings.
    pub settings: Option<RadioSettings>,
}

/// Whether a downlink may be built now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reserve {
    /// Every counter the frame may spend is covered by a durable lease.
    Ready,
    /// Retry once the journal is durable up to here.
    Wait(Seq),
    /// No counter can be leased (space exhausted or journal failed).
    Refused,
}

#[derive(Debug)]
struct Leases {
    n: DownlinkCounterLease,
    a: DownlinkCounterLease,
}

/// The journal of one owner core and what waits on it.
pub struct Durability {
    journal: Journal,
    held: DurableQueue<(Instant, ApplicationEvent)>,
    leases: HashMap<SessionKey, Leases, foldhash::fast::RandomState>,
    deferred: Vec<Deferred>,
    checkpoint: Option<JoinHandle<Result<CheckpointDone, JournalError>>>,
    latency: Histogram<u64>,
    failed: bool,
    stats: PersistStats,
}

/// The journal key of a session.
pub fn key(dev_addr: DevAddr, dev_eui: Option<DevEui>) -> SessionKey {
    SessionKey { dev_addr, dev_eui }
}

/// The journal key of `session`.
pub fn key_of(session: &Session) -> SessionKey {
    key(session.dev_addr, session.dev_eui)
}

/// Raises `session`'s counters to the journaled `state` (the maximum of both): a restart
/// never accepts an FCntUp already accepted nor reuses a downlink counter.
pub fn raise(session: &mut Session, state: &SessionState) {
    session.fcnt_up = session.fcnt_up.max(state.fcnt_up);
    session.n_fcnt_down = session.n_fcnt_down.max(state.n_fcnt_down_limit);
    session.a_fcnt_down = session.a_fcnt_down.max(state.a_fcnt_down_limit);
    // The journaled MAC state: what the device accepted survives a restart.
    if let Some(blob) = &state.mac_state
        && let Err(e) = crate::network::mac::restore(session, blob)
    {
        tracing::warn!(dev_addr = %session.dev_addr, error = %e, "journaled MAC state ignored");
    }
}

/// Whether the lease covers its next value, given the journal's durable sequence number.
fn covered(lease: &DownlinkCounterLease, durable: Seq) -> bool {
    let next = lease.next_value();
    next < lease.durable_limit()
        || lease
            .pending()
            .is_some_and(|(limit, seq)| seq <= durable && next < limit)
}

/// Aligns a lease and the session's counter: the higher wins (a pushed session may be ahead of
/// the lease; the session must never fall behind it).
fn align(lease: &mut DownlinkCounterLease, value: &mut u32, block: u32) {
    if *value > lease.next_value() {
        *lease = DownlinkCounterLease::resume(*value, lease.durable_limit(), block);
    } else {
        *value = lease.next_value();
    }
}

impl Durability {
    /// Wraps an opened journal.
    pub fn new(journal: Journal) -> Self {
        Self {
            journal,
            held: DurableQueue::new(),
            leases: HashMap::default(),
            deferred: Vec::new(),
            checkpoint: None,
            latency: new_histogram(),
            failed: false,
            stats: PersistStats::default(),
        }
    }

    /// Raises `session`'s counters to what this core journaled for it.
    pub fn raise(&self, session: &mut Session) {
        if let Some(state) = self.journal.state(&key_of(session)) {
            raise(session, state);
        }
    }

    /// Journals that `key` starts a new session (new keys after a join: counters begin again
    /// at zero) and forgets its leases. The hook for the join path.
    pub fn start_session(&mut self, key: SessionKey) -> Option<Seq> {
        self.leases.remove(&key);
        match self.journal.append(key, Change::Start) {
            Ok(seq) => Some(seq),
            Err(e) => {
                self.fail(&e);
                None
            }
        }
    }

    /// The journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// This core's counts.
    pub fn stats(&self) -> PersistStats {
        let j = self.journal.stats;
        PersistStats {
            appends: j.appends,
            commits: j.commits,
            bytes: j.bytes,
            checkpoints: j.checkpoints,
            events_held: self.held.len() as u64,
            ..self.stats
        }
    }

    /// Publishes this core's counts and commit latencies as core `core` of `m`.
    pub fn publish(&mut self, m: &PersistMetrics, core: usize) {
        m.store(core, &self.stats());
        m.merge_latency(&mut self.latency);
    }

    fn fail(&mut self, e: &JournalError) {
        if !self.failed {
            tracing::error!(error = %e, "journal failed: uplinks are no longer delivered; restart to recover");
        }
        self.failed = true;
        self.stats.errors += 1;
    }

    /// Journals `key`'s MAC state (`network::mac::codec`), replacing the previous one. Not
    /// waited on: a crash before it is durable loses only the last change, which the device
    /// then answers again (`desired` still differs, or ADR decides again).
    pub fn mac_state(&mut self, key: SessionKey, blob: &[u8]) -> Option<Seq> {
        if self.failed {
            return None;
        }
        match self.journal.append(key, Change::MacState(blob)) {
            Ok(seq) => Some(seq),
            Err(e) => {
                self.fail(&e);
                None
            }
        }
    }

    /// Journals an accepted uplink's FCntUp; `None` when the journal has failed (the uplink
    /// must not be delivered).
    pub fn accepted(&mut self, key: SessionKey, fcnt: u32) -> Option<Seq> {
        if self.failed {
            self.stats.errors += 1;
            return None;
        }
        match self.journal.append_fcnt_up(key, fcnt) {
            Ok(seq) => Some(seq),
            Err(e) => {
                self.fail(&e);
                None
            }
        }
    }

    /// Holds `event` until `seq` is durable.
    pub fn hold(&mut self, now: Instant, seq: Seq, event: ApplicationEvent) {
        self.held.push(seq, (now, event));
    }

    /// Reaps and sends journal batches, finishes or starts checkpoints; returns the durable
    /// sequence number. Call every loop turn.
    pub fn turn(&mut self, now: Instant) -> Seq {
        if self.failed {
            return self.journal.durable_seq();
        }
        if let Err(e) = self.journal.poll(now) {
            self.fail(&e);
        }
        self.checkpoints();
        self.journal.durable_seq()
    }

    fn checkpoints(&mut self) {
        if self
            .checkpoint
            .as_ref()
            .is_some_and(JoinHandle::is_finished)
            && let Some(h) = self.checkpoint.take()
        {
            let done = h.join().unwrap_or(Err(JournalError::Failed));
            match done.and_then(|d| self.journal.finish_checkpoint(d)) {
                Ok(removed) => tracing::debug!(removed, "journal checkpoint done"),
                Err(e) => {
                    // The journal itself is fine: the old files stay, recovery reads more.
                    tracing::warn!(error = %e, "journal checkpoint failed");
                    self.journal.abort_checkpoint();
                }
            }
        }
        if self.checkpoint.is_none() && self.journal.wants_checkpoint() {
            match self.journal.start_checkpoint() {
                Ok(job) => {
                    let spawned = std::thread::Builder::new()
                        .name("journal-checkpoint".into())
                        .spawn(move || job.run());
                    match spawned {
                        Ok(h) => self.checkpoint = Some(h),
                        Err(e) => {
                            tracing::warn!(error = %e, "journal checkpoint thread");
                            self.journal.abort_checkpoint();
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "journal checkpoint"),
            }
        }
    }

    /// Releases the held events whose records are durable, oldest first; after a journal
    /// failure, drops them (counted).
    pub fn release(&mut self, now: Instant, mut publish: impl FnMut(ApplicationEvent)) {
        if self.failed {
            let n = self.held.release(Seq(u64::MAX)).count();
            self.stats.errors += n as u64;
            return;
        }
        let durable = self.journal.durable_seq();
        for (at, event) in self.held.release(durable) {
            record(&mut self.latency, now.saturating_duration_since(at));
            publish(event);
        }
    }

    /// Whether `session`'s next downlink may be built now: every counter it may spend
    /// (NFCntDown; AFCntDown too for a 1.1 session with queued items) is covered by a durable
    /// lease. Raises the session's counters to their leases' (never reusing a value).
    pub fn reserve(&mut self, session: &mut Session) -> Reserve {
        if self.failed {
            self.stats.skipped += 1;
            return Reserve::Refused;
        }
        let key = key_of(session);
        let Self {
            journal, leases, ..
        } = self;
        let block = journal.config().lease_block;
        let leases = leases.entry(key).or_insert_with(|| Leases {
            n: journal.n_fcnt_down_lease(&key, session.n_fcnt_down),
            a: journal.a_fcnt_down_lease(&key, session.a_fcnt_down),
        });
        align(&mut leases.n, &mut session.n_fcnt_down, block);
        align(&mut leases.a, &mut session.a_fcnt_down, block);
        let needs_a = session.version == LorawanVersion::V1_1 && !session.queue.is_empty();
        let durable = journal.durable_seq();
        let mut wait = None;
        let mut take = |lease: &mut DownlinkCounterLease, app: bool| -> Result<(), ()> {
            if covered(lease, durable) {
                return Ok(());
            }
            let taken = match app {
                false => journal.take_n_fcnt_down(key, lease),
                true => journal.take_a_fcnt_down(key, lease),
            };
            match taken {
                Ok(Take::Wait(seq)) => {
                    wait = wait.max(Some(seq));
                    Ok(())
                }
                // Not covered means not ready: should it be, give the value back.
                Ok(Take::Ready(v)) => {
                    *lease = DownlinkCounterLease::resume(v, lease.durable_limit(), block);
                    Ok(())
                }
                Ok(Take::Exhausted) | Err(_) => Err(()),
            }
        };
        let ok =
            take(&mut leases.n, false).is_ok() && (!needs_a || take(&mut leases.a, true).is_ok());
        match (ok, wait) {
            (false, _) => {
                self.stats.skipped += 1;
                Reserve::Refused
            }
            (true, Some(seq)) => Reserve::Wait(seq),
            (true, None) => Reserve::Ready,
        }
    }

    /// Takes from the leases the counters a frame just built for `session` spent (`before`:
    /// the session's NFCntDown and AFCntDown before the frame), renewing a lease block ahead.
    pub fn spent(&mut self, session: &Session, before: (u32, u32)) {
        let key = key_of(session);
        let Some(leases) = self.leases.get_mut(&key) else {
            return;
        };
        let spent = [
            (session.n_fcnt_down != before.0, before.0, false),
            (session.a_fcnt_down != before.1, before.1, true),
        ];
        for (changed, value, app) in spent {
            if !changed {
                continue;
            }
            let taken = match app {
                false => self.journal.take_n_fcnt_down(key, &mut leases.n),
                true => self.journal.take_a_fcnt_down(key, &mut leases.a),
            };
            match taken {
                Ok(Take::Ready(v)) if v == value => {}
                other => {
                    tracing::error!(dev_addr = %session.dev_addr, value, ?other, "downlink counter spent outside its lease");
                }
            }
        }
    }

    /// Keeps an answer until its lease record is durable.
    pub fn defer(&mut self, d: Deferred) {
        self.stats.deferred += 1;
        self.deferred.push(d);
    }

    /// Moves the deferred answers whose lease is durable into `out`.
    pub fn due(&mut self, out: &mut Vec<Deferred>) {
        if self.deferred.is_empty() {
            return;
        }
        let durable = self.journal.durable_seq();
        let failed = self.failed;
        let mut i = 0;
        while i < self.deferred.len() {
            if failed || self.deferred.get(i).is_some_and(|d| d.seq <= durable) {
                out.push(self.deferred.swap_remove(i));
            } else {
                i += 1;
            }
        }
    }

    /// Whether anything waits on the journal.
    pub fn is_pending(&self) -> bool {
        self.journal.is_pending() || !self.held.is_empty() || !self.deferred.is_empty()
    }
}

#[cfg(test)]
#[path = "persist_tests.rs"]
mod tests;
