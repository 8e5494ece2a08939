//! Class B downlinks, sans-IO (LoRaWAN 1.0.4 §13–§15 "Class B", 1.1 Class B specification):
//! a queued downlink goes out in the device's next ping slot that can still be reached, at an
//! absolute GPS time, through a gateway that heard the device's last uplink **and keeps GPS
//! time** (only such a gateway can hit a 30 ms slot aligned to the beacon).
//!
//! - The slot: [`ping_slot::next_ping_slot`] after `gps_now` + the gateway's lead (round trip
//!   plus margin), with the session's periodicity ([`PingSlotSettings`], periodicity
//!   [`ping_slot::DEFAULT_PERIODICITY`] until the device's PingSlotInfoReq says otherwise).
//! - Its radio: the session's ping-slot data rate and frequency (PingSlotChannelReq) or the
//!   region's defaults (RP002-1.0.3: EU868 869.525 MHz DR3; US915 DR8 hopping over the eight
//!   beacon channels by `(DevAddr + beacon_time / 128) mod 8`).
//! - Its time: [`SlotTiming::Gps`] (Semtech UDP `tmms`, Basic Station `gpstime`); our clock's
//!   `tx_at` is `now + (slot − gps_now)`, the hand-off deadline one lead earlier.
//! - A gateway without GPS is never chosen: when none of the receiving gateways has it, the
//!   answer is [`NoDownlink::NoGpsGateway`].

use super::super::Micros;
use super::beacon::GpsTime;
use super::build::{self, FrameCounters, SessionCrypto};
use super::class_c::{ClassCWait, Frame, seal_into};
use super::duty_cycle::{DutyCycle, DutyCycleError};
use super::ping_slot::{self, DEFAULT_PERIODICITY};
use super::queue::DownlinkQueue;
use super::schedule::{
    self, Reception, ScheduleConfig, Slot, SlotTiming, UplinkFacts, UplinkKind, Window,
};
use super::{NoDownlink, ScheduledDownlink, airtime};
use shared::region::RegionId;
use shared::types::Eui64;
use std::time::Duration;

/// A session's class B settings (PingSlotInfoReq, PingSlotChannelReq).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingSlotSettings {
    /// Periodicity 0..=7 (2^(7−p) slots per beacon period).
    pub periodicity: u8,
    /// Ping-slot data rate; `None`: the region's default.
    pub data_rate: Option<u8>,
    /// Ping-slot frequency in Hz; `None`: the region's default (hopping where it hops).
    pub frequency_hz: Option<u32>,
}

impl Default for PingSlotSettings {
    fn default() -> Self {
        Self {
            periodicity: DEFAULT_PERIODICITY,
            data_rate: None,
            frequency_hz: None,
        }
    }
}

/// What a class B downlink depends on; the caller copies it from the session.
#[derive(Debug, Clone, Copy)]
pub struct ClassBInput<'a> {
    /// The session's region.
    pub region: RegionId,
    /// Ping-slot settings.
    pub ping: PingSlotSettings,
    /// Downlink dwell time in force.
    pub downlink_dwell: bool,
    /// DevAddr, version and keys.
    pub session: SessionCrypto<'a>,
    /// The gateways that heard the last uplink (`can_transmit` marked by the caller).
    pub receptions: &'a [Reception],
    /// The last uplink's data rate (ranks gateways by margin).
    pub uplink_data_rate: u8,
    /// MAC command bytes to send, plaintext.
    pub mac: &'a [u8],
    /// FCtrl.ADR of the downlink.
    pub adr: bool,
}

/// Builds and schedules the head of `queue` in the next reachable ping slot. `gps_now` is the
/// GPS time at `now`; `has_gps` says whether a gateway keeps GPS time. On success the counter
/// is spent, the item taken off `queue` and the time on air recorded in `duty`.
#[allow(clippy::too_many_arguments)]
pub fn schedule_class_b(
    cfg: &ScheduleConfig,
    now: Micros,
    gps_now: GpsTime,
    input: &ClassBInput<'_>,
    has_gps: impl Fn(Eui64) -> bool,
    counters: &mut FrameCounters,
    queue: &mut DownlinkQueue,
    duty: &mut DutyCycle,
) -> Result<ScheduledDownlink, ClassCWait> {
    if queue.is_empty() && input.mac.is_empty() {
        return Err(NoDownlink::NothingToSend.into());
    }
    let band = input.region.band();
    let dr = input.ping.data_rate.unwrap_or(band.ping_slot_data_rate);
    let m = band
        .max_payload(dr, input.downlink_dwell)
        .ok_or(NoDownlink::NoWindow(schedule::WindowError::NoMaxPayload(
            dr,
        )))?
        .m;
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
    let ranked: Vec<&Reception> = ranked.into_iter().filter(|r| has_gps(r.gateway)).collect();
    if ranked.is_empty() {
        return Err(NoDownlink::NoGpsGateway.into());
    }
    let item = queue.front();
    let more = queue.len() > 1;
    let (spec, carries_item) = build::compose(false, input.adr, input.mac, item, more, false, m)
        .map_err(NoDownlink::from)?
        .ok_or(NoDownlink::NothingToSend)?;
    let phy_len = spec.phy_len();
    let mut out_of_budget = false;
    let mut chosen = None;
    for r in ranked {
        let slot = ping_slot_on(cfg, now, gps_now, input, r, dr, phy_len)?;
        match duty.record(
            slot.gateway,
            band,
            slot.frequency_hz,
            slot.tx_at,
            slot.airtime,
        ) {
            Ok(()) => {
                chosen = Some(slot);
                break;
            }
            Err(DutyCycleError::Exhausted { .. }) => out_of_budget = true,
            Err(DutyCycleError::NoSubBand(_)) => {}
        }
    }
    let frame = Frame {
        spec: &spec,
        session: &input.session,
        max_mac_payload: m,
    };
    let mut d = seal_into(chosen, out_of_budget, now, frame, counters, duty, band)?;
    if carries_item {
        d.item = queue.pop_front();
    }
    Ok(d)
}

/// The next ping slot reachable through the gateway of `r`, as a [`Slot`].
pub fn ping_slot_on(
    cfg: &ScheduleConfig,
    now: Micros,
    gps_now: GpsTime,
    input: &ClassBInput<'_>,
    r: &Reception,
    dr: u8,
    phy_len: usize,
) -> Result<Slot, NoDownlink> {
    let band = input.region.band();
    let lead = r.round_trip.unwrap_or(cfg.default_round_trip) + cfg.margin;
    let lead_us = u64::try_from(lead.as_micros()).unwrap_or(u64::MAX);
    let addr = input.session.dev_addr;
    let next =
        ping_slot::next_ping_slot(gps_now.plus_micros(lead_us), addr, input.ping.periodicity)
            .map_err(|_| NoDownlink::NoPingSlot)?;
    let freq = ping_slot::frequency(band, &next, addr, input.ping.frequency_hz)
        .ok_or(NoDownlink::NoPingSlot)?;
    let w = schedule::params(
        band,
        Window::PingSlot,
        Duration::ZERO,
        freq,
        dr,
        input.downlink_dwell,
    )
    .map_err(NoDownlink::NoWindow)?;
    let sub_band = band.sub_band(freq).ok_or(NoDownlink::NoPingSlot)?;
    let power = (sub_band.max_eirp_dbm - r.antenna_gain_db).floor();
    let tx_at = Micros(now.0.saturating_add(next.at.0.saturating_sub(gps_now.0)));
    Ok(Slot {
        window: Window::PingSlot,
        gateway: r.gateway,
        tmst: 0,
        timing: SlotTiming::Gps(next.at.0),
        frequency_hz: freq,
        data_rate: dr,
        modulation: w.modulation,
        power_dbm: power.clamp(f32::from(i8::MIN), f32::from(i8::MAX)) as i8,
        iq_inverted: true,
        tx_at,
        deadline: Micros(tx_at.0.saturating_sub(lead_us)),
        airtime: airtime::downlink(&w.modulation, phy_len).ok_or(NoDownlink::NoPingSlot)?,
    })
}

#[cfg(test)]
#[path = "class_b_tests.rs"]
mod tests;
