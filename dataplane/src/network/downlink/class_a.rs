//! The class A answer to one accepted uplink, end to end and sans-IO: windows, frame contents,
//! gateway and window, sealing (LoRaWAN 1.0.4 §3.3 and §4, 1.1 §3.3 and §4). Also the
//! scheduling of a join-accept built elsewhere (the Join Server's bytes, JOIN_ACCEPT_DELAY1/2).
//!
//! The frame is sized for the smallest M among the windows still reachable, so that a TX_ACK
//! refusal in RX1 can be retried in RX2 with the same bytes and the same counter; the price is
//! that a large application payload waits for an uplink whose windows both carry it.

use super::super::Micros;
use super::build::{self, FrameCounters, SessionCrypto};
use super::duty_cycle::DutyCycle;
use super::queue::DownlinkQueue;
use super::schedule::{self, RxSettings, ScheduleConfig, UplinkFacts, WindowParams};
use super::{FCntKind, NoDownlink, ScheduledDownlink};
use shared::semtech_udp::Payload;

/// The facts a data downlink depends on; the caller copies them from the uplink outcome and
/// the session.
#[derive(Debug, Clone, Copy)]
pub struct DataDownlinkInput<'a> {
    /// The uplink: region, DR, frequency, arrival, receptions.
    pub facts: UplinkFacts<'a>,
    /// The session's receive-window settings.
    pub rx: RxSettings,
    /// DevAddr, version and keys.
    pub session: SessionCrypto<'a>,
    /// The uplink's full FCnt when it was confirmed (the downlink must ACK it).
    pub confirmed_uplink_fcnt: Option<u32>,
    /// MAC command bytes to send (answers and requests), plaintext, in order.
    pub mac: &'a [u8],
    /// FCtrl.ADR of the downlink.
    pub adr: bool,
    /// Send a frame even when empty (e.g. the uplink set ADRACKReq).
    pub force: bool,
}

/// Windows whose hand-off deadline has not passed on at least one gateway able to transmit.
fn reachable(
    cfg: &ScheduleConfig,
    now: Micros,
    facts: &UplinkFacts<'_>,
    rx: &RxSettings,
) -> Result<Vec<WindowParams>, NoDownlink> {
    let (rx1, rx2) = schedule::windows(facts, rx);
    let ranked = schedule::rank(facts);
    if ranked.is_empty() {
        return Err(NoDownlink::NoGateway);
    }
    let no_window = match (&rx1, &rx2) {
        (Err(_), Err(e)) => Some(*e),
        _ => None,
    };
    let out: Vec<WindowParams> = [rx1, rx2]
        .into_iter()
        .flatten()
        .filter(|w| {
            ranked
                .iter()
                .filter_map(|r| schedule::slot(cfg, facts, r, w, 0))
                .any(|s| now <= s.deadline)
        })
        .collect();
    match (out.is_empty(), no_window) {
        (true, Some(e)) => Err(NoDownlink::NoWindow(e)),
        (true, None) => Err(NoDownlink::TooLate),
        (false, _) => Ok(out),
    }
}

/// Builds and schedules the class A answer to an uplink. On success the counter in `counters`
/// is spent (copy it back into the session), the queue item carried is taken off `queue`, and
/// the time on air is recorded in `duty`.
pub fn schedule_data_downlink(
    cfg: &ScheduleConfig,
    now: Micros,
    input: &DataDownlinkInput<'_>,
    counters: &mut FrameCounters,
    queue: &mut DownlinkQueue,
    duty: &mut DutyCycle,
) -> Result<ScheduledDownlink, NoDownlink> {
    let ack = input.confirmed_uplink_fcnt.is_some();
    let nothing = !ack && input.mac.is_empty() && queue.is_empty() && !input.force;
    if nothing {
        return Err(NoDownlink::NothingToSend);
    }
    let windows = reachable(cfg, now, &input.facts, &input.rx)?;
    let m = windows
        .iter()
        .map(|w| w.max_mac_payload)
        .min()
        .ok_or(NoDownlink::TooLate)?;
    let item = queue.front();
    let more = queue.len() > 1;
    let (spec, carries_item) =
        build::compose(ack, input.adr, input.mac, item, more, input.force, m)?
            .ok_or(NoDownlink::NothingToSend)?;
    let (slot, rx2_fallback) =
        schedule::select(cfg, now, &input.facts, &windows, spec.phy_len(), duty)?;
    let confirmed = spec.confirmed;
    let sealed = build::seal(
        &spec,
        &input.session,
        input.confirmed_uplink_fcnt,
        counters,
        m,
    );
    let (phy_payload, fcnt, counter) = match sealed {
        Ok(s) => s,
        Err(e) => {
            let band = input.facts.region.band();
            duty.refund(
                slot.gateway,
                band,
                slot.frequency_hz,
                slot.tx_at,
                slot.airtime,
            );
            return Err(e.into());
        }
    };
    let item = match carries_item {
        true => queue.pop_front(),
        false => None,
    };
    Ok(ScheduledDownlink {
        slot,
        rx2_fallback,
        phy_payload,
        fcnt,
        counter,
        confirmed,
        item,
    })
}

/// Schedules a join-accept built by the Join Server (`phy` is its PHYPayload) in the windows
/// of the join-request (`facts.kind` should be [`schedule::UplinkKind::JoinRequest`]).
pub fn schedule_join_accept(
    cfg: &ScheduleConfig,
    now: Micros,
    facts: &UplinkFacts<'_>,
    phy: &[u8],
    duty: &mut DutyCycle,
) -> Result<ScheduledDownlink, NoDownlink> {
    let rx = RxSettings::region_defaults(facts.region);
    let windows = reachable(cfg, now, facts, &rx)?;
    let phy_payload = Payload::new(phy).ok_or(NoDownlink::Build(build::BuildError::Layout))?;
    let (slot, rx2_fallback) = schedule::select(cfg, now, facts, &windows, phy.len(), duty)?;
    Ok(ScheduledDownlink {
        slot,
        rx2_fallback,
        phy_payload,
        fcnt: 0,
        counter: FCntKind::Network,
        confirmed: false,
        item: None,
    })
}
