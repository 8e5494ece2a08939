//! Class A receive windows and the choice of gateway and window (LoRaWAN 1.0.4 §3.3, 1.1 §3.3;
//! RP002-1.0.3 §2.x.7 "Receive Windows" per region).
//!
//! - RX1 opens RECEIVE_DELAY1 (the session's RxDelay; JOIN_ACCEPT_DELAY1 for a join-accept)
//!   after the end of the uplink, at `tmst + delay` on the receiving gateway's concentrator
//!   clock (u32 µs, wrapping), on the data rate the region's table gives for the uplink DR and
//!   RX1DROffset, on the frequency of the region's rule (EU868, AS923: the uplink's; US915:
//!   923.3 + 0.6 · (channel mod 8) MHz).
//! - RX2 opens one second later (RECEIVE_DELAY2 = RECEIVE_DELAY1 + 1 s; JOIN_ACCEPT_DELAY2) on
//!   the session's RX2 data rate and frequency (region defaults for a join-accept).
//!
//! [`select`] walks the receiving gateways, best first by SNR margin over the demodulation
//! floor of the uplink's spreading factor (SX1276 datasheet Table 13: SF7 −7.5 dB … SF12
//! −20 dB), keeps those able to transmit, in time (hand-off deadline = estimated transmit time
//! on our clock − the gateway's round trip − a margin) and inside their duty-cycle budget, and
//! takes RX1 on any gateway before RX2 (the device listens to RX1 first; RX1 is usually the
//! faster data rate). The transmit time on our clock is estimated from when the first copy of
//! the uplink arrived, which is never later than the gateway's own reception: conservative.

use super::super::Micros;
use super::NoDownlink;
use super::airtime;
use super::duty_cycle::{DutyCycle, DutyCycleError};
use crate::application::event::RxMetadata;
use shared::region::{Band, Modulation, RegionId};
use shared::types::Eui64;
use std::time::Duration;

/// Scheduling settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScheduleConfig {
    /// Time the gateway needs the frame before transmitting, on top of the round trip.
    pub margin: Duration,
    /// Round trip assumed for a gateway that has not had one measured.
    pub default_round_trip: Duration,
    /// Try RX2 before RX1 (for networks whose RX2 is the better channel).
    pub prefer_rx2: bool,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self {
            margin: Duration::from_millis(50),
            default_round_trip: Duration::from_millis(200),
            prefer_rx2: false,
        }
    }
}

/// Which receive window or slot a downlink goes out in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Window {
    /// The first receive window.
    Rx1,
    /// The second receive window.
    Rx2,
    /// Class C: RX2 parameters, any time outside the class A windows.
    ClassC,
    /// Class B: a ping slot.
    PingSlot,
}

impl Window {
    /// The label of events and logs (`rx1`, `rx2`, `class_c`, `ping_slot`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rx1 => "rx1",
            Self::Rx2 => "rx2",
            Self::ClassC => "class_c",
            Self::PingSlot => "ping_slot",
        }
    }
}

/// When the gateway transmits: how the egress (Semtech UDP `txpk`, Basic Station `dnmsg`)
/// writes the slot's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlotTiming {
    /// At [`Slot::tmst`] on the gateway's concentrator clock (class A; UDP `tmst`, Basic
    /// Station `xtime` + RxDelay).
    Concentrator,
    /// As soon as possible (class C; UDP `imme`, Basic Station class C with `xtime` 0 on RX2).
    Immediate,
    /// At this GPS time in µs since 1980-01-06 (class B; UDP `tmms` in ms, Basic Station
    /// `gpstime` in µs).
    Gps(u64),
}

/// What kind of uplink the downlink answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UplinkKind {
    /// A data uplink: RxDelay, session RX1DROffset and RX2 settings.
    Data,
    /// A join-request: JOIN_ACCEPT_DELAY1/2, offset 0, region RX2 defaults.
    JoinRequest,
}

/// The session's receive-window settings (from DLSettings, RxTimingSetupReq, RXParamSetupReq).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxSettings {
    /// RECEIVE_DELAY1 (RxDelay: 1..=15 s; 0 means 1 s).
    pub rx1_delay: Duration,
    /// RX1DROffset.
    pub rx1_dr_offset: u8,
    /// RX2 data rate.
    pub rx2_data_rate: u8,
    /// RX2 frequency in Hz.
    pub rx2_frequency_hz: u32,
    /// Downlink 400 ms dwell-time limit in force (AS923 TxParamSetupReq).
    pub downlink_dwell: bool,
}

impl RxSettings {
    /// A region's defaults: RECEIVE_DELAY1, offset 0, default RX2, boot dwell time.
    pub fn region_defaults(region: RegionId) -> Self {
        let band = region.band();
        Self {
            rx1_delay: Duration::from_millis(u64::from(band.timing.receive_delay1_ms)),
            rx1_dr_offset: 0,
            rx2_data_rate: band.rx2.data_rate,
            rx2_frequency_hz: band.rx2.frequency_hz,
            downlink_dwell: band.boot_dwell_time.downlink.unwrap_or(false),
        }
    }
}

/// One gateway's reception of the uplink, with what the scheduler needs about the gateway.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reception {
    /// The gateway.
    pub gateway: Eui64,
    /// Concentrator timestamp of the uplink (µs, wrapping u32).
    pub tmst: u32,
    /// SNR in dB.
    pub snr_db: Option<f32>,
    /// Whether the gateway can transmit (downlink path open, not receive-only).
    pub can_transmit: bool,
    /// Measured round trip to the gateway (PULL_DATA/PULL_ACK or TX_ACK), if known.
    pub round_trip: Option<Duration>,
    /// Antenna gain in dBi, subtracted from the EIRP to give the conducted power.
    pub antenna_gain_db: f32,
}

impl Reception {
    /// From the uplink event's metadata and the gateway registry's facts.
    pub fn from_rx(rx: &RxMetadata, can_transmit: bool, round_trip: Option<Duration>) -> Self {
        Self {
            gateway: rx.gateway_eui,
            tmst: rx.timestamp_us,
            snr_db: rx.snr_db,
            can_transmit,
            round_trip,
            antenna_gain_db: 0.0,
        }
    }
}

/// The facts about the uplink that the downlink depends on.
#[derive(Debug, Clone, Copy)]
pub struct UplinkFacts<'a> {
    /// The session's region.
    pub region: RegionId,
    /// Data or join-request.
    pub kind: UplinkKind,
    /// Uplink data-rate index.
    pub data_rate: u8,
    /// Uplink frequency in Hz.
    pub frequency_hz: u32,
    /// When the first copy of the uplink arrived (dedup window opened).
    pub received_at: Micros,
    /// Every gateway's reception.
    pub receptions: &'a [Reception],
}

/// Why a window cannot be used for this uplink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WindowError {
    /// The uplink DR or the RX1DROffset has no RX1 data rate in the region.
    #[error("no RX1 data rate for uplink DR{0} and the offset")]
    NoRx1DataRate(u8),
    /// The uplink frequency maps to no RX1 frequency (fixed plans: not a default channel).
    #[error("no RX1 frequency for {0} Hz")]
    NoRx1Frequency(u32),
    /// The data rate is not a downlink data rate of the region.
    #[error("DR{0} is not a downlink data rate")]
    NotDownlinkDataRate(u8),
    /// The data rate carries no payload (dwell-time N/A).
    #[error("DR{0} has no maximum payload")]
    NoMaxPayload(u8),
}

/// One window's radio parameters, independent of the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowParams {
    /// RX1 or RX2.
    pub window: Window,
    /// Delay after the uplink.
    pub delay: Duration,
    /// Frequency in Hz.
    pub frequency_hz: u32,
    /// Data-rate index.
    pub data_rate: u8,
    /// Its modulation.
    pub modulation: Modulation,
    /// Maximum MACPayload (M) at this data rate.
    pub max_mac_payload: u8,
}

/// A window on a gateway: everything a gateway needs, and when to hand it over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    /// RX1 or RX2.
    pub window: Window,
    /// The transmitting gateway.
    pub gateway: Eui64,
    /// Concentrator time to transmit at (meaningful with [`SlotTiming::Concentrator`]).
    pub tmst: u32,
    /// How the transmit time is given to the gateway.
    pub timing: SlotTiming,
    /// Frequency in Hz.
    pub frequency_hz: u32,
    /// Data-rate index.
    pub data_rate: u8,
    /// Its modulation.
    pub modulation: Modulation,
    /// Conducted power in dBm.
    pub power_dbm: i8,
    /// LoRa IQ inversion (always true for LoRaWAN downlinks).
    pub iq_inverted: bool,
    /// Estimated transmit time on our clock.
    pub tx_at: Micros,
    /// Latest instant to hand the frame to the gateway.
    pub deadline: Micros,
    /// Time on air of the frame.
    pub airtime: Duration,
}

/// RX1 and RX2 parameters for an uplink.
pub fn windows(
    facts: &UplinkFacts<'_>,
    rx: &RxSettings,
) -> (
    Result<WindowParams, WindowError>,
    Result<WindowParams, WindowError>,
) {
    let band = facts.region.band();
    let (d1, d2, offset, rx2) = match facts.kind {
        UplinkKind::Data => {
            let d1 = rx.rx1_delay.max(Duration::from_secs(1));
            (
                d1,
                d1 + Duration::from_secs(1),
                rx.rx1_dr_offset,
                (rx.rx2_data_rate, rx.rx2_frequency_hz),
            )
        }
        UplinkKind::JoinRequest => (
            Duration::from_millis(u64::from(band.timing.join_accept_delay1_ms)),
            Duration::from_millis(u64::from(band.timing.join_accept_delay2_ms)),
            0,
            (band.rx2.data_rate, band.rx2.frequency_hz),
        ),
    };
    let rx1 = band
        .rx1_data_rate(facts.data_rate, offset, rx.downlink_dwell)
        .ok_or(WindowError::NoRx1DataRate(facts.data_rate))
        .and_then(|dr| {
            let f = band
                .rx1_frequency(facts.frequency_hz)
                .ok_or(WindowError::NoRx1Frequency(facts.frequency_hz))?;
            params(band, Window::Rx1, d1, f, dr, rx.downlink_dwell)
        });
    let rx2 = params(band, Window::Rx2, d2, rx2.1, rx2.0, rx.downlink_dwell);
    (rx1, rx2)
}

/// One window's parameters at data rate `dr` on `frequency_hz` (downlink DR, M known).
pub fn params(
    band: &Band,
    window: Window,
    delay: Duration,
    frequency_hz: u32,
    dr: u8,
    dwell: bool,
) -> Result<WindowParams, WindowError> {
    let rate = band
        .data_rate(dr)
        .filter(|r| r.is_downlink())
        .ok_or(WindowError::NotDownlinkDataRate(dr))?;
    let max = band
        .max_payload(dr, dwell)
        .ok_or(WindowError::NoMaxPayload(dr))?;
    Ok(WindowParams {
        window,
        delay,
        frequency_hz,
        data_rate: dr,
        modulation: rate.modulation,
        max_mac_payload: max.m,
    })
}

/// LoRa demodulation floor in dB for a spreading factor (SX1276 datasheet Table 13).
pub fn demodulation_floor_db(spreading_factor: u8) -> Option<f32> {
    match spreading_factor {
        6 => Some(-5.0),
        7 => Some(-7.5),
        8 => Some(-10.0),
        9 => Some(-12.5),
        10 => Some(-15.0),
        11 => Some(-17.5),
        12 => Some(-20.0),
        _ => None,
    }
}

/// Receptions able to transmit, best SNR margin first (no SNR last, ties in input order).
pub fn rank<'a>(facts: &UplinkFacts<'a>) -> Vec<&'a Reception> {
    let floor = match facts
        .region
        .band()
        .data_rate(facts.data_rate)
        .map(|r| r.modulation)
    {
        Some(Modulation::LoRa {
            spreading_factor, ..
        }) => demodulation_floor_db(spreading_factor),
        _ => None,
    };
    let margin = |r: &Reception| r.snr_db.map(|s| s - floor.unwrap_or(0.0));
    let mut v: Vec<&Reception> = facts.receptions.iter().filter(|r| r.can_transmit).collect();
    v.sort_by(|a, b| {
        let (ma, mb) = (margin(a), margin(b));
        mb.unwrap_or(f32::NEG_INFINITY)
            .total_cmp(&ma.unwrap_or(f32::NEG_INFINITY))
    });
    v
}

/// The slot of window `w` on the gateway of `r` for a frame of `phy_len` bytes.
pub fn slot(
    cfg: &ScheduleConfig,
    facts: &UplinkFacts<'_>,
    r: &Reception,
    w: &WindowParams,
    phy_len: usize,
) -> Option<Slot> {
    let band = facts.region.band();
    let sub_band = band.sub_band(w.frequency_hz)?;
    let power = (sub_band.max_eirp_dbm - r.antenna_gain_db).floor();
    let power_dbm = power.clamp(f32::from(i8::MIN), f32::from(i8::MAX)) as i8;
    let delay_us = u64::try_from(w.delay.as_micros()).ok()?;
    let tx_at = facts.received_at.saturating_add(w.delay);
    let lead = r.round_trip.unwrap_or(cfg.default_round_trip) + cfg.margin;
    let deadline = Micros(
        tx_at
            .0
            .saturating_sub(u64::try_from(lead.as_micros()).ok()?),
    );
    Some(Slot {
        window: w.window,
        gateway: r.gateway,
        tmst: r.tmst.wrapping_add(delay_us as u32),
        timing: SlotTiming::Concentrator,
        frequency_hz: w.frequency_hz,
        data_rate: w.data_rate,
        modulation: w.modulation,
        power_dbm,
        iq_inverted: true,
        tx_at,
        deadline,
        airtime: airtime::downlink(&w.modulation, phy_len)?,
    })
}

/// Picks the gateway and window for a frame of `phy_len` bytes and records its time on air;
/// returns the slot and, when it is RX1, the RX2 slot on the same gateway for a retry.
pub fn select(
    cfg: &ScheduleConfig,
    now: Micros,
    facts: &UplinkFacts<'_>,
    candidates: &[WindowParams],
    phy_len: usize,
    duty: &mut DutyCycle,
) -> Result<(Slot, Option<Slot>), NoDownlink> {
    let ranked = rank(facts);
    if ranked.is_empty() {
        return Err(NoDownlink::NoGateway);
    }
    let band = facts.region.band();
    let mut order: Vec<&WindowParams> = candidates.iter().collect();
    if cfg.prefer_rx2 {
        order.reverse();
    }
    let mut reason = NoDownlink::TooLate;
    for w in order {
        for r in &ranked {
            let Some(s) = slot(cfg, facts, r, w, phy_len) else {
                continue;
            };
            if now > s.deadline {
                continue;
            }
            match duty.record(s.gateway, band, s.frequency_hz, s.tx_at, s.airtime) {
                Ok(()) => {
                    let fallback = match s.window {
                        Window::Rx1 => candidates
                            .iter()
                            .find(|c| c.window == Window::Rx2)
                            .and_then(|c| slot(cfg, facts, r, c, phy_len)),
                        _ => None,
                    };
                    return Ok((s, fallback));
                }
                Err(DutyCycleError::Exhausted { .. } | DutyCycleError::NoSubBand(_)) => {
                    reason = NoDownlink::DutyCycle;
                }
            }
        }
    }
    Err(reason)
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
