//! [`NetworkCore`]: the Network Server uplink path of one core, sans-IO. Copies go in through
//! [`NetworkCore::handle_uplink`]; closed uplinks come out of [`NetworkCore::poll`], each run
//! through the steps of [`uplink`]; [`NetworkCore::next_deadline`] tells the
//! caller's timer when to poll. Every drop is counted in [`Counters`] under its reason.
//!
//! Per copy the work is a frame check, one keyed hash and, for a first copy, a 255-byte copy
//! into the dedup table; per uplink, one CMAC per candidate session (two for 1.1), the ciphers
//! and the event's own allocations (its `Vec`s and `String`s).

use super::dedup::{Admission, Dedup, DedupConfig, MAX_PHY_LEN};
use super::downlink::Reception;
use super::drop::{Counters, DropReason};
use super::session::Session;
use super::session_table::{DEFAULT_MAX_CANDIDATES, SessionTable, TableError};
use super::uplink::{self, Context, UplinkOutcome};
use super::{Micros, Now};
use crate::application::event::{RadioSettings, RxMetadata};

/// Settings of one core's Network Server path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkConfig {
    /// Deduplication window, cooldown and bounds.
    pub dedup: DedupConfig,
    /// Most sessions sharing one DevAddr.
    pub max_candidates: usize,
    /// Most MAC commands pending per session.
    pub max_pending_mac: usize,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            dedup: DedupConfig::default(),
            max_candidates: DEFAULT_MAX_CANDIDATES,
            max_pending_mac: 32,
        }
    }
}

/// The Network Server uplink core of one data-plane core.
#[derive(Debug)]
pub struct NetworkCore {
    config: NetworkConfig,
    sessions: SessionTable,
    dedup: Dedup,
    counters: Counters,
    scratch: [u8; MAX_PHY_LEN],
    last_rx: Vec<Reception>,
    last_settings: Option<RadioSettings>,
}

impl NetworkCore {
    /// An empty core.
    pub fn new(config: NetworkConfig) -> Self {
        Self {
            config,
            sessions: SessionTable::new(config.max_candidates),
            dedup: Dedup::new(config.dedup),
            counters: Counters::default(),
            scratch: [0; MAX_PHY_LEN],
            last_rx: Vec::new(),
            last_settings: None,
        }
    }

    /// The settings.
    pub fn config(&self) -> &NetworkConfig {
        &self.config
    }

    /// The sessions (read).
    pub fn sessions(&self) -> &SessionTable {
        &self.sessions
    }

    /// The sessions, for the downlink path and session sync (removals, counter updates).
    pub fn sessions_mut(&mut self) -> &mut SessionTable {
        &mut self.sessions
    }

    /// Inserts or replaces a session; a refusal is counted as `too_many_candidates`.
    pub fn insert_session(&mut self, session: Session) -> Result<Option<Session>, TableError> {
        self.sessions.insert(session).inspect_err(|_| {
            self.counters.drop(DropReason::TooManyCandidates);
        })
    }

    /// The counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Takes one gateway's copy of an uplink. Frames that are not data uplinks, late copies and
    /// copies past the dedup bound are refused here and counted.
    pub fn handle_uplink(
        &mut self,
        now: Now,
        phy_payload: &[u8],
        rx: RxMetadata,
        settings: RadioSettings,
    ) -> Result<Admission, DropReason> {
        let r = uplink::parse(phy_payload)
            .and_then(|_| self.dedup.offer(now, phy_payload, rx, settings));
        match r {
            Ok(Admission::Opened) => self.counters.dedup_opened += 1,
            Ok(Admission::Merged) => self.counters.dedup_merged += 1,
            Err(reason) => self.counters.drop(reason),
        }
        r
    }

    /// Processes the next uplink whose dedup window closed by `now`; `None` when none is due.
    /// Call until `None`, then sleep until [`NetworkCore::next_deadline`].
    pub fn poll(&mut self, now: Micros) -> Option<UplinkOutcome> {
        let closed = self.dedup.poll(now, &mut self.scratch)?;
        // Kept for the downlink path (a reused buffer: no allocation once warm).
        self.last_rx.clear();
        self.last_rx
            .extend(closed.rx.iter().map(|r| Reception::from_rx(r, false, None)));
        self.last_settings = Some(closed.settings);
        let mut ctx = Context {
            sessions: &mut self.sessions,
            counters: &mut self.counters,
            max_pending_mac: self.config.max_pending_mac,
        };
        let outcome = uplink::handle(&mut ctx, &mut self.scratch, closed);
        match &outcome {
            UplinkOutcome::Delivered(_) => self.counters.delivered += 1,
            UplinkOutcome::DeliveredEncrypted(_) => self.counters.delivered_encrypted += 1,
            UplinkOutcome::MacOnly(_) => self.counters.mac_only += 1,
            UplinkOutcome::Dropped(r) => self.counters.drop(*r),
        }
        Some(outcome)
    }

    /// The receptions (gateway, `tmst`, SNR) and radio settings of the uplink the last
    /// [`NetworkCore::poll`] processed, for its class A downlink; `can_transmit` and the round
    /// trip are left for the caller, who knows the gateways.
    pub fn last_receptions(&self) -> (&[Reception], Option<RadioSettings>) {
        (&self.last_rx, self.last_settings)
    }

    /// Every uplink due by `now`, processed in order of window close.
    pub fn poll_all(&mut self, now: Micros) -> impl Iterator<Item = UplinkOutcome> + '_ {
        std::iter::from_fn(move || self.poll(now))
    }

    /// When the next dedup window closes.
    pub fn next_deadline(&self) -> Option<Micros> {
        self.dedup.next_deadline()
    }
}
