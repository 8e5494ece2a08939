//! The network server's MAC layer, sans-IO (LoRaWAN 1.0.4 §5, 1.1 §5; behaviour as The Things
//! Stack's `pkg/networkserver/mac` and ChirpStack's `maccommand` and `adr` describe it).
//!
//! The uplink path records a frame's MAC commands in `Session::pending_mac`; the owner core
//! then calls, in order:
//! 1. [`on_uplink`] once per accepted uplink: answers (`acks`) settle the requests of the last
//!    downlink, requests (`answers`) queue their answers, the uplink joins the ADR history and
//!    ADR ([`adr`]) may change `desired`. Returns whether a class A downlink is owed.
//! 2. [`prepare`] when the downlink is built: answers first, then requests ([`requests`]),
//!    within the room the frame has (FOpts ≤ 15 bytes beside application data; alone, FPort 0
//!    up to the data rate's M); a LinkADRReq block goes whole or not at all.
//! 3. [`commit`] when the frame was scheduled: the requests become pending, the answers are
//!    spent.
//! 4. [`take_journal`] after that: the journaled form ([`codec`]) when something durable
//!    changed; [`restore`] reads it back at recovery.
//!
//! The per-session state is [`MacState`] (`state.rs`).

pub mod acks;
pub mod adr;
pub mod answers;
pub mod codec;
pub mod requests;
pub mod state;

pub use acks::AckOutcome;
pub use adr::{AdrConfig, AdrParams};
pub use answers::UplinkFacts;
pub use requests::RequestConfig;
pub use state::{AdrUplink, DevStatus, MacParams, MacState, RequestKind};

use crate::network::session::{Session, UplinkRecord};
use shared::lorawan::F_OPTS_MAX_LEN;
use shared::lorawan::mac::{MacCommand, emit_all, encoded_len_all};

/// Receive-window settings the network wants every device on (`None`: keep the current one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DesiredRx {
    /// RX1 delay in seconds (RXTimingSetupReq).
    pub rx1_delay_s: Option<u8>,
    /// RX1DROffset (RXParamSetupReq).
    pub rx1_dr_offset: Option<u8>,
    /// RX2 data rate (RXParamSetupReq).
    pub rx2_data_rate: Option<u8>,
    /// RX2 frequency in Hz (RXParamSetupReq).
    pub rx2_frequency_hz: Option<u32>,
}

/// Settings of the MAC layer.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MacConfig {
    /// ADR.
    pub adr: AdrConfig,
    /// Requests: device status period, retries.
    pub requests: RequestConfig,
    /// Receive windows to move devices to.
    pub desired_rx: DesiredRx,
}

/// Commands counted by CID (0x00..=0x20; relay and unknown CIDs are not counted).
pub const CID_SLOTS: usize = 0x21;

/// One core's MAC counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacStats {
    /// Commands received, by CID.
    pub received: [u64; CID_SLOTS],
    /// Commands sent, by CID.
    pub sent: [u64; CID_SLOTS],
    /// ADR changes the device accepted.
    pub adr_accepted: u64,
    /// ADR changes the device refused.
    pub adr_refused: u64,
    /// ADR decisions that changed `desired`.
    pub adr_decisions: u64,
    /// Requests that rode a downlink and got no answer.
    pub unanswered: u64,
}

impl Default for MacStats {
    fn default() -> Self {
        Self {
            received: [0; CID_SLOTS],
            sent: [0; CID_SLOTS],
            adr_accepted: 0,
            adr_refused: 0,
            adr_decisions: 0,
            unanswered: 0,
        }
    }
}

impl MacStats {
    fn count(slots: &mut [u64; CID_SLOTS], cid: u8) {
        if let Some(c) = slots.get_mut(usize::from(cid)) {
            *c += 1;
        }
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &MacStats) {
        for (a, b) in self.received.iter_mut().zip(other.received) {
            *a += b;
        }
        for (a, b) in self.sent.iter_mut().zip(other.sent) {
            *a += b;
        }
        self.adr_accepted += other.adr_accepted;
        self.adr_refused += other.adr_refused;
        self.adr_decisions += other.adr_decisions;
        self.unanswered += other.unanswered;
    }
}

fn sync_rx_from_session(session: &mut Session) {
    let rx = session.rx_settings;
    let m = &mut session.mac;
    if m.synced {
        return;
    }
    for p in [&mut m.current, &mut m.desired] {
        p.rx1_delay_s = u8::try_from(rx.rx1_delay.as_secs())
            .unwrap_or(1)
            .clamp(1, 15);
        p.rx1_dr_offset = rx.rx1_dr_offset;
        p.rx2_data_rate = rx.rx2_data_rate;
        p.rx2_frequency_hz = rx.rx2_frequency_hz;
    }
    m.synced = true;
}

fn apply_desired_rx(m: &mut MacState, d: &DesiredRx) {
    let before = m.desired;
    let p = &mut m.desired;
    p.rx1_delay_s = d.rx1_delay_s.unwrap_or(p.rx1_delay_s);
    p.rx1_dr_offset = d.rx1_dr_offset.unwrap_or(p.rx1_dr_offset);
    p.rx2_data_rate = d.rx2_data_rate.unwrap_or(p.rx2_data_rate);
    p.rx2_frequency_hz = d.rx2_frequency_hz.unwrap_or(p.rx2_frequency_hz);
    if before.rx1_delay_s != p.rx1_delay_s {
        m.tries[RequestKind::RxTimingSetup.index()] = 0;
    }
    if (
        before.rx1_dr_offset,
        before.rx2_data_rate,
        before.rx2_frequency_hz,
    ) != (p.rx1_dr_offset, p.rx2_data_rate, p.rx2_frequency_hz)
    {
        m.tries[RequestKind::RxParamSetup.index()] = 0;
    }
}

/// Processes the MAC commands and ADR of the uplink `session` just accepted (once per FCnt:
/// calling it again for the same uplink changes nothing); returns whether a downlink is owed.
pub fn on_uplink(
    session: &mut Session,
    cfg: &MacConfig,
    up: &UplinkFacts,
    stats: &mut MacStats,
) -> bool {
    if session.mac.processed_fcnt == Some(up.fcnt) {
        return owes_downlink(session, cfg, up);
    }
    sync_rx_from_session(session);
    let (region, version) = (session.region, session.version);
    let commands = std::mem::take(&mut session.pending_mac);
    let m = &mut session.mac;
    m.processed_fcnt = Some(up.fcnt);
    m.answers.clear();
    let mut rx_changed = false;
    for cmd in &commands {
        MacStats::count(&mut stats.received, cmd.cid());
        match acks::on_answer(m, cmd, up.fcnt) {
            AckOutcome::Accepted(k) => {
                rx_changed |= matches!(k, RequestKind::RxParamSetup | RequestKind::RxTimingSetup);
                stats.adr_accepted += u64::from(k == RequestKind::LinkAdr);
            }
            AckOutcome::Refused(k) => stats.adr_refused += u64::from(k == RequestKind::LinkAdr),
            AckOutcome::NotAnAnswer => {
                if matches!(cmd, MacCommand::ResetInd(_)) {
                    rx_changed = true;
                }
                answers::answer(m, cmd, region, version, up);
            }
            AckOutcome::Recorded | AckOutcome::Unsolicited => {}
        }
    }
    stats.unanswered += m.pending.len() as u64;
    m.pending.clear();
    if let (Some(dr), Some(snr)) = (up.data_rate, up.max_snr_db) {
        let tx_power_index = m.current.tx_power_index;
        m.record_uplink(AdrUplink {
            fcnt: up.fcnt,
            max_snr_db: snr,
            data_rate: dr,
            tx_power_index,
        });
    }
    apply_desired_rx(m, &cfg.desired_rx);
    if up.adr
        && let Some(dr) = up.data_rate
        && let Some(p) = adr::decide(&cfg.adr, region.band(), &m.history, &m.current, dr)
    {
        let d = &mut m.desired;
        if (d.data_rate, d.tx_power_index, d.nb_trans)
            != (p.data_rate, p.tx_power_index, p.nb_trans)
        {
            d.data_rate = p.data_rate;
            d.tx_power_index = p.tx_power_index;
            d.nb_trans = p.nb_trans;
            m.tries[RequestKind::LinkAdr.index()] = 0;
            stats.adr_decisions += 1;
        }
    }
    if rx_changed {
        session.rx_settings = session.mac.rx_settings(session.rx_settings);
    }
    owes_downlink(session, cfg, up)
}

/// What the MAC layer reads from the session's last uplink.
pub fn facts(up: &UplinkRecord) -> UplinkFacts {
    UplinkFacts {
        fcnt: up.fcnt,
        data_rate: up.data_rate,
        max_snr_db: up.max_snr_db,
        gateway_count: up.gateway_count,
        gps_time_us: answers::gps_time_us(up.gps_time_ms, up.received_at_ms),
        adr: up.adr,
        adr_ack_req: up.adr_ack_req,
    }
}

/// Whether the MAC layer needs a class A downlink for the uplink `up`: answers owed, a sticky
/// answer to stop, requests to make, or ADRACKReq.
pub fn owes_downlink(session: &Session, cfg: &MacConfig, up: &UplinkFacts) -> bool {
    let m = &session.mac;
    if up.adr_ack_req || m.sticky || !m.answers.is_empty() {
        return true;
    }
    let mut out = Vec::new();
    requests::requests(m, session.region, up.fcnt, &cfg.requests, &mut out);
    !out.is_empty()
}

/// The room for MAC commands in the answer to an uplink at `uplink_dr`: FOpts (15 bytes) when
/// application data is queued, else also FPort 0 up to the smaller M of RX1 and RX2.
pub fn room(session: &Session, uplink_dr: u8, queued: bool) -> usize {
    if queued {
        return F_OPTS_MAX_LEN;
    }
    let band = session.region.band();
    let rx = session.rx_settings;
    let m = |dr: Option<u8>| {
        dr.and_then(|d| band.max_payload(d, rx.downlink_dwell))
            .map_or(0, |p| usize::from(p.m))
    };
    let rx1 = m(band.rx1_data_rate(uplink_dr, rx.rx1_dr_offset, rx.downlink_dwell));
    let rx2 = m(Some(rx.rx2_data_rate));
    let smallest = rx1.min(rx2);
    // FHDR without FOpts is 7 bytes; FPort 0 adds one.
    F_OPTS_MAX_LEN
        .min(smallest.saturating_sub(7))
        .max(smallest.saturating_sub(8))
}

/// MAC commands chosen for one downlink.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prepared {
    /// Their plaintext encoding, in order.
    pub bytes: Vec<u8>,
    /// The commands (answers then requests).
    pub commands: Vec<MacCommand>,
}

/// Chooses the answers and requests for the answer to uplink `fcnt`, within `room` bytes.
pub fn prepare(session: &Session, cfg: &MacConfig, fcnt: u32, room: usize) -> Prepared {
    let m = &session.mac;
    let mut wanted = m.answers.clone();
    requests::requests(m, session.region, fcnt, &cfg.requests, &mut wanted);
    let adr_total = wanted
        .iter()
        .filter(|c| matches!(c, MacCommand::LinkAdrReq(_)))
        .count();
    let mut chosen: Vec<MacCommand> = Vec::with_capacity(wanted.len());
    let mut used = 0;
    for c in wanted {
        if used + c.encoded_len() <= room {
            used += c.encoded_len();
            chosen.push(c);
        }
    }
    let adr_in = chosen
        .iter()
        .filter(|c| matches!(c, MacCommand::LinkAdrReq(_)))
        .count();
    if adr_in != adr_total {
        chosen.retain(|c| !matches!(c, MacCommand::LinkAdrReq(_)));
    }
    let mut bytes = vec![0; encoded_len_all(&chosen)];
    match emit_all(&chosen, &mut bytes) {
        Ok(n) => bytes.truncate(n),
        Err(e) => {
            tracing::warn!(dev_addr = %session.dev_addr, error = %e, "MAC commands not encodable");
            return Prepared::default();
        }
    }
    Prepared {
        bytes,
        commands: chosen,
    }
}

/// Records that `p` went out in a downlink answering uplink `fcnt`.
pub fn commit(session: &mut Session, p: &Prepared, fcnt: u32, stats: &mut MacStats) {
    let m = &mut session.mac;
    m.answers.clear();
    m.sticky = false;
    m.pending.clear();
    let mut counted = [false; 4];
    for c in &p.commands {
        MacStats::count(&mut stats.sent, c.cid());
        let kind = match c {
            MacCommand::LinkAdrReq(_) => RequestKind::LinkAdr,
            MacCommand::RxParamSetupReq(_) => RequestKind::RxParamSetup,
            MacCommand::RxTimingSetupReq(_) => RequestKind::RxTimingSetup,
            MacCommand::DevStatusReq => {
                m.dev_status_asked_at = Some(fcnt);
                RequestKind::DevStatus
            }
            _ => continue,
        };
        m.pending.push(*c);
        if let (Some(t), Some(done)) =
            (m.tries.get_mut(kind.index()), counted.get_mut(kind.index()))
            && !*done
        {
            *t = t.saturating_add(1);
            *done = true;
        }
    }
}

/// The journaled form of the session's MAC state when it changed since the last call.
pub fn take_journal(session: &mut Session) -> Option<Vec<u8>> {
    if !std::mem::take(&mut session.mac.dirty) {
        return None;
    }
    let mut out = Vec::with_capacity(codec::ENCODED_LEN);
    codec::encode(&session.mac, &mut out);
    Some(out)
}

/// Restores a journaled MAC state into `session` (its receive windows follow).
pub fn restore(session: &mut Session, blob: &[u8]) -> Result<(), codec::DecodeError> {
    let mut m = codec::decode(blob, session.region, session.version)?;
    m.synced = true;
    session.mac = m;
    session.rx_settings = session.mac.rx_settings(session.rx_settings);
    Ok(())
}

#[cfg(test)]
mod tests;
