//! The steps a deduplicated data uplink goes through on its owner core, in order, as ChirpStack's
//! `Data::_handle` (`chirpstack/src/uplink/data.rs`) lists them, without `.await`:
//!
//! 1. [`parse`]: view the PHYPayload as a data uplink (`parse`, `not_data_uplink`).
//! 2. find candidates: the sessions sharing the DevAddr (`unknown_dev_addr`).
//! 3. [`authenticate`]: per candidate, rebuild the 32-bit FCntUp ([`fcnt`](super::fcnt)) and
//!    check the MIC; the first match picks the session. No match anywhere is a forgery
//!    (`mic_mismatch`) and changes no state; a match only at or below the last accepted FCnt is
//!    `replay` / `retransmission`.
//! 4. record flags: ADR, ADRACKReq, ACK, ClassB, confirmed, data rate, channel, gateways.
//! 5. `mac_commands`: FOpts (1.1: decrypted with NwkSEncKey, errata A block) or a port-0
//!    FRMPayload (decrypted with NwkSEncKey; 1.0 NwkSKey) into the session's pending list.
//! 6. accept the FCnt.
//! 7. `application`: FPort > 0: FRMPayload decrypted with AppSKey in the core's buffer and the
//!    [`ApplicationUplink`] built; no FPort or FPort 0: [`UplinkOutcome::MacOnly`].
//!
//! # What the MIC check covers
//! - LoRaWAN 1.0.x (1.0.4 §4.4): the full 4-byte CMAC under NwkSKey over B0 with the FCntUp.
//! - LoRaWAN 1.1 (1.1 §4.4): MIC = `cmacS[0..2] | cmacF[0..2]`. The F half (FNwkSIntKey, B0)
//!   selects the session. This core is the serving NS, so the S half (SNwkSIntKey, B1) must match
//!   too, with TxDr from the radio settings in the session's region, TxCh from the session's
//!   channel list or the region's default channels, and ConfFCnt = the session's last confirmed
//!   downlink FCnt (low 16 bits) when ACK is set, else 0. A DR or channel that cannot be resolved
//!   drops the frame (`unknown_data_rate`, `unknown_channel`), as The Things Stack does, instead
//!   of accepting a 16-bit MIC; an S-half mismatch is `mic_s_mismatch`.
//! - Replay detection checks only the part that identifies the session (1.0 full MIC, 1.1 F
//!   half) at the previous FCnt: the frame is dropped either way.

use super::dedup::{Closed, MAX_PHY_LEN};
use super::drop::{Counters, DropReason};
use super::fcnt::{FCntStatus, classify, next_fcnt_up, previous_fcnt_up};
use super::session::{LorawanVersion, Session, UplinkRecord};
use crate::application::event::{ApplicationUplink, RadioSettings};
use shared::crypto::{
    FOptsVariant, data_uplink_mic_v10, data_uplink_mic_v11, fopts_crypt_v11, frm_payload_crypt,
    mic_eq,
};
use shared::lorawan::mac::parse_uplink;
use shared::lorawan::{DataFrame, DataFrameMut, FCtrl};
use shared::types::{DevAddr, DevEui, Direction};

use super::session_table::SessionTable;

/// What became of a closed uplink.
#[derive(Debug, Clone, PartialEq)]
pub enum UplinkOutcome {
    /// Authenticated, FCnt accepted, FRMPayload decrypted: for the application.
    Delivered(ApplicationUplink),
    /// As `Delivered`, but FRMPayload is still AppSKey-encrypted (the session has no AppSKey).
    DeliveredEncrypted(ApplicationUplink),
    /// Authenticated and accepted, nothing for the application (MAC commands only, or empty).
    MacOnly(MacOnly),
    /// Dropped; the reason is also counted.
    Dropped(DropReason),
}

impl UplinkOutcome {
    /// The drop reason, if dropped.
    pub fn drop_reason(&self) -> Option<DropReason> {
        match self {
            Self::Dropped(r) => Some(*r),
            _ => None,
        }
    }
}

/// An accepted uplink with nothing for the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacOnly {
    /// The session's DevAddr.
    pub dev_addr: DevAddr,
    /// The session's DevEUI.
    pub dev_eui: Option<DevEui>,
    /// The accepted FCntUp.
    pub fcnt: u32,
    /// MAC commands added to the session's pending list.
    pub mac_commands: usize,
}

/// What the steps borrow from the core.
#[derive(Debug)]
pub struct Context<'a> {
    /// The core's sessions.
    pub sessions: &'a mut SessionTable,
    /// The core's counters (MAC errors and overflow; drops are counted by the caller).
    pub counters: &'a mut Counters,
    /// Bound on a session's pending MAC commands.
    pub max_pending_mac: usize,
}

/// The header fields the later steps need, copied out of the view.
#[derive(Debug, Clone, Copy)]
struct Head {
    dev_addr: DevAddr,
    fctrl: FCtrl,
    fport: Option<u8>,
    confirmed: bool,
}

/// Runs the steps on the closed uplink whose PHYPayload is in `buf`.
pub fn handle(ctx: &mut Context<'_>, buf: &mut [u8; MAX_PHY_LEN], closed: Closed) -> UplinkOutcome {
    steps(ctx, buf, closed).unwrap_or_else(UplinkOutcome::Dropped)
}

fn steps(
    ctx: &mut Context<'_>,
    buf: &mut [u8; MAX_PHY_LEN],
    closed: Closed,
) -> Result<UplinkOutcome, DropReason> {
    let phy = buf.get_mut(..closed.len).ok_or(DropReason::Parse)?;
    let (index, fcnt, head) = {
        let frame = parse(phy)?;
        let head = Head {
            dev_addr: frame.dev_addr(),
            fctrl: frame.fctrl(),
            fport: frame.fport(),
            confirmed: frame.is_confirmed(),
        };
        let candidates = ctx.sessions.candidates(head.dev_addr);
        if candidates.is_empty() {
            return Err(DropReason::UnknownDevAddr);
        }
        let (index, fcnt) = authenticate(candidates, &frame, &closed.settings)?;
        (index, fcnt, head)
    };
    let session = ctx
        .sessions
        .candidates_mut(head.dev_addr)
        .get_mut(index)
        .ok_or(DropReason::UnknownDevAddr)?;
    session.last_uplink = Some(record(session, &head, fcnt, &closed));
    let mut frame = DataFrameMut::parse(phy).map_err(|_| DropReason::Parse)?;
    let mac = mac_commands(session, &mut frame, fcnt, ctx.counters, ctx.max_pending_mac);
    session.fcnt_up = Some(fcnt);
    Ok(application(session, &mut frame, &head, fcnt, mac, closed))
}

/// Step 1: the PHYPayload as a data uplink.
pub fn parse(phy: &[u8]) -> Result<DataFrame<'_>, DropReason> {
    let frame = DataFrame::parse(phy).map_err(|_| DropReason::Parse)?;
    if !frame.is_uplink() {
        return Err(DropReason::NotDataUplink);
    }
    Ok(frame)
}

/// How one candidate's MIC check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Match,
    NoMatch,
    Refused(DropReason),
}

/// Step 3: the index of the session whose MIC matches and the frame's full FCntUp.
pub fn authenticate(
    candidates: &[Session],
    frame: &DataFrame<'_>,
    settings: &RadioSettings,
) -> Result<(usize, u32), DropReason> {
    let mut refused = None;
    for (i, s) in candidates.iter().enumerate() {
        let Some(fcnt) = next_fcnt_up(s.fcnt_up, frame.fcnt()) else {
            continue;
        };
        match check_mic(s, frame, settings, fcnt, true) {
            Check::Match => return Ok((i, fcnt)),
            Check::Refused(r) => refused = refused.or(Some(r)),
            Check::NoMatch => {}
        }
    }
    // No fresh match: an old frame of one of the sessions, or a forgery.
    for s in candidates {
        let Some(last) = s.fcnt_up else { continue };
        let Some(old) = previous_fcnt_up(last, frame.fcnt()) else {
            continue;
        };
        if check_mic(s, frame, settings, old, false) == Check::Match {
            return Err(match classify(Some(last), old) {
                FCntStatus::Retransmission => DropReason::Retransmission,
                _ => DropReason::Replay,
            });
        }
    }
    Err(refused.unwrap_or(DropReason::MicMismatch))
}

/// Checks the MIC of `frame` under `s` at `fcnt`; `full` = also the 1.1 S half.
fn check_mic(
    s: &Session,
    frame: &DataFrame<'_>,
    settings: &RadioSettings,
    fcnt: u32,
    full: bool,
) -> Check {
    let got = frame.mic();
    let msg = frame.mic_input();
    let addr = frame.dev_addr();
    let k = &s.keys;
    match s.version {
        LorawanVersion::V1_0 => {
            match mic_eq(&data_uplink_mic_v10(&k.f_nwk_s_int, addr, fcnt, msg), &got) {
                true => Check::Match,
                false => Check::NoMatch,
            }
        }
        LorawanVersion::V1_1 => {
            let dr = s.data_rate_index(settings);
            let ch = s.channel_index(settings.frequency_hz);
            let conf = match frame.fctrl().ack() {
                true => s.last_conf_fcnt_down.unwrap_or(0) as u16,
                false => 0,
            };
            let want = data_uplink_mic_v11(
                &k.f_nwk_s_int,
                &k.s_nwk_s_int,
                conf,
                dr.unwrap_or(0),
                ch.unwrap_or(0),
                addr,
                fcnt,
                msg,
            );
            let [_, _, f0, f1] = got;
            if !mic_eq(&[0, 0, want.f[0], want.f[1]], &[0, 0, f0, f1]) {
                return Check::NoMatch;
            }
            if !full {
                return Check::Match;
            }
            if dr.is_none() {
                return Check::Refused(DropReason::UnknownDataRate);
            }
            if ch.is_none() {
                return Check::Refused(DropReason::UnknownChannel);
            }
            match mic_eq(&want.mic(), &got) {
                true => Check::Match,
                false => Check::Refused(DropReason::MicSMismatch),
            }
        }
    }
}

/// Step 4: what the uplink said, for ADR, acknowledgements and the downlink path.
fn record(s: &Session, head: &Head, fcnt: u32, closed: &Closed) -> UplinkRecord {
    let f = head.fctrl;
    UplinkRecord {
        fcnt,
        adr: f.adr(),
        adr_ack_req: f.adr_ack_req(),
        ack: f.ack(),
        class_b: f.class_b(),
        confirmed: head.confirmed,
        fport: head.fport,
        data_rate: s.data_rate_index(&closed.settings),
        channel: s.channel_index(closed.settings.frequency_hz),
        max_snr_db: closed.rx.iter().filter_map(|r| r.snr_db).reduce(f32::max),
        gateway_count: u16::try_from(closed.rx.len()).unwrap_or(u16::MAX),
        received_at: closed.opened_at,
        received_at_ms: closed.received_at_ms,
        gps_time_ms: closed.rx.iter().find_map(|r| r.gps_time_ms),
    }
}

/// Step 5: decrypts (1.1 FOpts; port-0 FRMPayload) and records the MAC commands; returns how
/// many were added. A parse error keeps the commands before it and is counted.
fn mac_commands(
    s: &mut Session,
    frame: &mut DataFrameMut<'_>,
    fcnt: u32,
    counters: &mut Counters,
    max_pending: usize,
) -> usize {
    let addr = s.dev_addr;
    let port0 = frame.frame().fport() == Some(0);
    let bytes: &[u8] = if port0 {
        let p = frame.frm_payload_mut();
        frm_payload_crypt(&s.keys.nwk_s_enc, Direction::Uplink, addr, fcnt, p);
        p
    } else {
        let fopts = frame.fopts_mut();
        if s.version == LorawanVersion::V1_1 {
            // At most 15 bytes by construction of the view, so this cannot fail.
            let _ = fopts_crypt_v11(
                &s.keys.nwk_s_enc,
                Direction::Uplink,
                addr,
                fcnt,
                false,
                FOptsVariant::Errata,
                fopts,
            );
        }
        fopts
    };
    let mut added = 0;
    for cmd in parse_uplink(bytes) {
        match cmd {
            Ok(c) if s.pending_mac.len() < max_pending => {
                s.pending_mac.push(c);
                added += 1;
            }
            Ok(_) => counters.mac_overflow += 1,
            Err(_) => counters.mac_errors += 1,
        }
    }
    added
}

/// Step 7: the application's share: FRMPayload decrypted in place and the event built.
fn application(
    s: &Session,
    frame: &mut DataFrameMut<'_>,
    head: &Head,
    fcnt: u32,
    mac_commands: usize,
    closed: Closed,
) -> UplinkOutcome {
    let fport = match head.fport {
        Some(p) if p > 0 => p,
        _ => {
            return UplinkOutcome::MacOnly(MacOnly {
                dev_addr: s.dev_addr,
                dev_eui: s.dev_eui,
                fcnt,
                mac_commands,
            });
        }
    };
    let payload = frame.frm_payload_mut();
    if let Some(k) = &s.keys.app_s {
        frm_payload_crypt(k, Direction::Uplink, s.dev_addr, fcnt, payload);
    }
    let event = ApplicationUplink {
        application_id: s.application_id.clone(),
        device_id: s.device_id.clone(),
        dev_eui: s.dev_eui,
        dev_addr: s.dev_addr,
        fcnt,
        fport,
        frm_payload: payload.to_vec(),
        frm_payload_encrypted: s.keys.app_s.is_none(),
        confirmed: head.confirmed,
        settings: closed.settings,
        rx_metadata: closed.rx,
        received_at_ms: closed.received_at_ms,
    };
    match s.keys.app_s {
        Some(_) => UplinkOutcome::Delivered(event),
        None => UplinkOutcome::DeliveredEncrypted(event),
    }
}

#[cfg(test)]
#[path = "uplink_tests.rs"]
mod tests;
