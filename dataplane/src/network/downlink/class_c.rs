//! Class C downlinks, sans-IO (LoRaWAN 1.0.4 §17 "Class C – Continuously listening", 1.1
//! §17): the device listens on its RX2 parameters whenever it is not transmitting, so a queued
//! downlink goes out at once on RX2 frequency and data rate, through the gateway that heard the
//! device's last uplink with the best SNR margin.
//!
//! - The gateway gets it as "transmit immediately" (Semtech UDP `imme`, Basic Station class C
//!   with `xtime` 0): a network server knows no concentrator time to aim at, as The Things
//!   Stack (`pkg/ttnpb/udp/translation.go` writes `imme` when a downlink has neither an absolute
//!   time nor a timestamp).
//! - Not while a class A window of the device may still be open: a class C frame waits until
//!   the end of the last uplink's RX2 (RECEIVE_DELAY2 + the frame's time on air at the RX2 DR),
//!   so it cannot collide with a class A answer (TTS defers class C likewise until after RX2).
//! - Not beyond the gateway's duty-cycle budget: the next gateway is tried, and when none has
//!   budget the caller retries later ([`ClassCWait::Defer`]).
//!
//! The frame is composed and sealed like a class A one ([`build`]); a confirmed item is
//! acknowledged by the device's next uplink ([`super::ConfirmedTracker`]).

use super::super::Micros;
use super::build::{self, FrameCounters, SessionCrypto};
use super::duty_cycle::{DutyCycle, DutyCycleError};
use super::queue::DownlinkQueue;
use super::schedule::{
    self, Reception, RxSettings, ScheduleConfig, Slot, SlotTiming, UplinkFacts, UplinkKind, Window,
    WindowParams,
};
use super::{NoDownlink, ScheduledDownlink};
use shared::region::{Band, RegionId};
use std::time::Duration;

/// Why a class B or C downlink does not go out now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassCWait {
    /// Try again at this instant (a class A window is open, or no duty-cycle budget).
    Defer(Micros),
    /// Not possible (nothing queued, no gateway, frame cannot be built).
    No(NoDownlink),
}

impl From<NoDownlink> for ClassCWait {
    fn from(e: NoDownlink) -> Self {
        Self::No(e)
    }
}

/// What a class C downlink depends on; the caller copies it from the session.
#[derive(Debug, Clone, Copy)]
pub struct ClassCInput<'a> {
    /// The session's region.
    pub region: RegionId,
    /// The session's receive-window settings (RX2 DR and frequency, RxDelay).
    pub rx: RxSettings,
    /// DevAddr, version and keys.
    pub session: SessionCrypto<'a>,
    /// The gateways that heard the last uplink (`can_transmit` marked by the caller).
    pub receptions: &'a [Reception],
    /// The last uplink's data rate (ranks gateways by margin over its demodulation floor).
    pub uplink_data_rate: u8,
    /// When the last uplink's dedup window opened (its class A windows follow).
    pub last_uplink_at: Option<Micros>,
    /// MAC command bytes to send, plaintext.
    pub mac: &'a [u8],
    /// FCtrl.ADR of the downlink.
    pub adr: bool,
}

/// Retry delay when every gateway is out of duty-cycle budget.
pub const DUTY_CYCLE_RETRY: Duration = Duration::from_secs(10);

/// The RX2 parameters of `rx` in `region`.
pub fn rx2_params(region: RegionId, rx: &RxSettings) -> Result<WindowParams, NoDownlink> {
    schedule::params(
        region.band(),
        Window::Rx2,
        Duration::ZERO,
        rx.rx2_frequency_hz,
        rx.rx2_data_rate,
        rx.downlink_dwell,
    )
    .map_err(NoDownlink::NoWindow)
}

/// End of the class A windows of an uplink whose dedup window opened at `at`, for a frame of
/// `airtime` at RX2.
pub fn class_a_end(at: Micros, rx: &RxSettings, airtime: Duration) -> Micros {
    let d1 = rx.rx1_delay.max(Duration::from_secs(1));
    at.saturating_add(d1 + Duration::from_secs(1) + airtime)
}

/// Builds and schedules the head of `queue` (or the MAC bytes) as a class C downlink. On
/// success the counter in `counters` is spent, the item carried is taken off `queue` and the
/// time on air is recorded in `duty`.
pub fn schedule_class_c(
    cfg: &ScheduleConfig,
    now: Micros,
    input: &ClassCInput<'_>,
    counters: &mut FrameCounters,
    queue: &mut DownlinkQueue,
    duty: &mut DutyCycle,
) -> Result<ScheduledDownlink, ClassCWait> {
    if queue.is_empty() && input.mac.is_empty() {
        return Err(NoDownlink::NothingToSend.into());
    }
    let w = rx2_params(input.region, &input.rx)?;
    let facts = UplinkFacts {
        region: input.region,
        kind: UplinkKind::Data,
        data_rate: input.uplink_data_rate,
        frequency_hz: 0,
        received_at: now,
        receptions: input.receptions,
    };
    let ranked = schedule::rank(&facts);
    if ranked.is_empty() {
        return Err(NoDownlink::NoGateway.into());
    }
    let item = queue.front();
    let more = queue.len() > 1;
    let (spec, carries_item) = build::compose(
        false,
        input.adr,
        input.mac,
        item,
        more,
        false,
        w.max_mac_payload,
    )
    .map_err(NoDownlink::from)?
    .ok_or(NoDownlink::NothingToSend)?;
    let phy_len = spec.phy_len();
    if let Some(at) = input.last_uplink_at {
        let airtime = super::airtime::downlink(&w.modulation, phy_len).unwrap_or_default();
        let end = class_a_end(at, &input.rx, airtime);
        if now < end {
            return Err(ClassCWait::Defer(end));
        }
    }
    let band = input.region.band();
    let mut out_of_budget = false;
    let mut chosen = None;
    for r in ranked {
        let Some(s) = immediate_slot(cfg, now, &facts, r, &w, phy_len) else {
            continue;
        };
        match duty.record(s.gateway, band, s.frequency_hz, s.tx_at, s.airtime) {
            Ok(()) => {
                chosen = Some(s);
                break;
            }
            Err(DutyCycleError::Exhausted { .. }) => out_of_budget = true,
            Err(DutyCycleError::NoSubBand(_)) => {}
        }
    }
    let frame = Frame {
        spec: &spec,
        session: &input.session,
        max_mac_payload: w.max_mac_payload,
    };
    let mut d = seal_into(chosen, out_of_budget, now, frame, counters, duty, band)?;
    if carries_item {
        d.item = queue.pop_front();
    }
    Ok(d)
}

/// A frame composed for class B or C, to seal into the slot chosen for it.
pub(super) struct Frame<'a, 'b> {
    /// What the frame carries.
    pub spec: &'a build::FrameSpec<'b>,
    /// The session's keys.
    pub session: &'a SessionCrypto<'b>,
    /// The data rate's size limit.
    pub max_mac_payload: u8,
}

/// What class B and C share once every ranked gateway was tried: the chosen slot (a deferral
/// when only duty cycle stood in the way), the frame sealed into it (its duty-cycle charge
/// refunded when it cannot be built); the caller then takes the queue item it carries.
pub(super) fn seal_into(
    chosen: Option<Slot>,
    out_of_budget: bool,
    now: Micros,
    frame: Frame<'_, '_>,
    counters: &mut FrameCounters,
    duty: &mut DutyCycle,
    band: &Band,
) -> Result<ScheduledDownlink, ClassCWait> {
    let slot = match (chosen, out_of_budget) {
        (Some(s), _) => s,
        (None, true) => return Err(ClassCWait::Defer(now.saturating_add(DUTY_CYCLE_RETRY))),
        (None, false) => return Err(NoDownlink::NoGateway.into()),
    };
    let confirmed = frame.spec.confirmed;
    let sealed = build::seal(
        frame.spec,
        frame.session,
        None,
        counters,
        frame.max_mac_payload,
    );
    let (phy_payload, fcnt, counter) = match sealed {
        Ok(s) => s,
        Err(e) => {
            duty.refund(
                slot.gateway,
                band,
                slot.frequency_hz,
                slot.tx_at,
                slot.airtime,
            );
            return Err(NoDownlink::from(e).into());
        }
    };
    Ok(ScheduledDownlink {
        slot,
        rx2_fallback: None,
        phy_payload,
        fcnt,
        counter,
        confirmed,
        item: None,
    })
}

/// A "transmit now" slot on the gateway of `r`: expected on air one lead (round trip + margin)
/// from `now`, to be handed over within one more lead.
pub fn immediate_slot(
    cfg: &ScheduleConfig,
    now: Micros,
    facts: &UplinkFacts<'_>,
    r: &Reception,
    w: &WindowParams,
    phy_len: usize,
) -> Option<Slot> {
    let lead = r.round_trip.unwrap_or(cfg.default_round_trip) + cfg.margin;
    let at_now = UplinkFacts {
        received_at: now,
        ..*facts
    };
    let w2 = WindowParams {
        delay: lead * 2,
        ..*w
    };
    let s = schedule::slot(cfg, &at_now, r, &w2, phy_len)?;
    Some(Slot {
        window: Window::ClassC,
        timing: SlotTiming::Immediate,
        tmst: 0,
        tx_at: now.saturating_add(lead),
        ..s
    })
}

#[cfg(test)]
#[path = "class_c_tests.rs"]
mod tests;
