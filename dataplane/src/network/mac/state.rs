//! Per-session MAC state (LoRaWAN 1.0.4 §5, 1.1 §5): the parameters the device uses now
//! (`current`), the ones the network wants (`desired`), the requests sent and not yet answered,
//! the answers owed to the device, the uplink history ADR reads, and the last `DevStatusAns`.
//!
//! Modelled on The Things Stack's `MACState` (`pkg/ttnpb` `MACState.current_parameters` /
//! `desired_parameters`, `pending_requests`, `queued_responses`, `recent_uplinks`): a request
//! is generated while `desired` differs from `current`, and `current` changes only when the
//! device accepts. Defaults come from the region ([`shared::region::Band`]) and the MAC version.

use super::super::downlink::RxSettings;
use crate::network::session::LorawanVersion;
use shared::lorawan::mac::MacCommand;
use shared::region::RegionId;
use std::collections::VecDeque;

/// Uplinks ADR looks at (The Things Stack `optimalADRUplinkCount`, ChirpStack
/// `required_history_count`: 20).
pub const ADR_HISTORY: usize = 20;

/// The radio parameters the MAC layer negotiates with the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacParams {
    /// ADR data rate index (LinkADRReq DataRate).
    pub data_rate: u8,
    /// ADR TXPower index (0 = max EIRP).
    pub tx_power_index: u8,
    /// NbTrans: transmissions of each unconfirmed uplink (1..=15).
    pub nb_trans: u8,
    /// Enabled uplink channels, bit `i` = channel `i` (up to 96 channels: CN470).
    pub channel_mask: u128,
    /// RX1 delay in seconds (1..=15; RXTimingSetupReq Del, 0 meaning 1).
    pub rx1_delay_s: u8,
    /// RX1DROffset.
    pub rx1_dr_offset: u8,
    /// RX2 data rate.
    pub rx2_data_rate: u8,
    /// RX2 frequency in Hz.
    pub rx2_frequency_hz: u32,
    /// ADR_ACK_LIMIT exponent (1.1 ADRParamSetupReq; 2^6 = 64 by default).
    pub adr_ack_limit_exp: u8,
    /// ADR_ACK_DELAY exponent (2^5 = 32 by default).
    pub adr_ack_delay_exp: u8,
    /// Class B ping-slot periodicity the device announced (PingSlotInfoReq), if any.
    pub ping_slot_periodicity: Option<u8>,
    /// RejoinParamSetupReq MaxTimeN (1.1).
    pub rejoin_max_time_n: u8,
    /// RejoinParamSetupReq MaxCountN (1.1).
    pub rejoin_max_count_n: u8,
}

impl MacParams {
    /// The region's defaults at boot (RP002-1.0.3 per region: default channels on, DR0, max
    /// power, NbTrans 1, RECEIVE_DELAY1, RX1DROffset 0, default RX2).
    pub fn region_defaults(region: RegionId) -> Self {
        let band = region.band();
        let rx = RxSettings::region_defaults(region);
        let n = band.uplink_channel_count().min(128);
        let channel_mask = match n {
            128 => u128::MAX,
            n => (1u128 << n) - 1,
        };
        Self {
            data_rate: 0,
            tx_power_index: 0,
            nb_trans: 1,
            channel_mask,
            rx1_delay_s: u8::try_from(rx.rx1_delay.as_secs()).unwrap_or(1).max(1),
            rx1_dr_offset: rx.rx1_dr_offset,
            rx2_data_rate: rx.rx2_data_rate,
            rx2_frequency_hz: rx.rx2_frequency_hz,
            adr_ack_limit_exp: 6,
            adr_ack_delay_exp: 5,
            ping_slot_periodicity: None,
            rejoin_max_time_n: 0,
            rejoin_max_count_n: 0,
        }
    }
}

/// Kinds of request the network sends and tracks (retries, pending answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// LinkADRReq (possibly a block).
    LinkAdr,
    /// RXParamSetupReq.
    RxParamSetup,
    /// RXTimingSetupReq.
    RxTimingSetup,
    /// DevStatusReq.
    DevStatus,
}

impl RequestKind {
    /// All kinds, in the order their requests are emitted.
    pub const ALL: [RequestKind; 4] = [
        RequestKind::RxTimingSetup,
        RequestKind::RxParamSetup,
        RequestKind::LinkAdr,
        RequestKind::DevStatus,
    ];

    /// Index into per-kind arrays.
    pub fn index(self) -> usize {
        match self {
            RequestKind::LinkAdr => 0,
            RequestKind::RxParamSetup => 1,
            RequestKind::RxTimingSetup => 2,
            RequestKind::DevStatus => 3,
        }
    }
}

/// One uplink as ADR remembers it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdrUplink {
    /// Full FCntUp.
    pub fcnt: u32,
    /// Best SNR among the receiving gateways.
    pub max_snr_db: f32,
    /// Its data rate index.
    pub data_rate: u8,
    /// The TXPower index the device was at (the current one when it arrived).
    pub tx_power_index: u8,
}

/// The last `DevStatusAns` (LoRaWAN 1.0.4 §5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevStatus {
    /// 0: external power, 1..=254: level, 255: unknown.
    pub battery: u8,
    /// Demodulation margin in dB (−32..=31).
    pub margin: i8,
    /// FCntUp of the uplink that carried it.
    pub fcnt: u32,
}

/// The MAC state of one session.
#[derive(Debug, Clone, PartialEq)]
pub struct MacState {
    /// What the device uses now.
    pub current: MacParams,
    /// What the network wants it to use.
    pub desired: MacParams,
    /// Requests sent in the last downlink, awaiting their answers (in emission order).
    pub pending: Vec<MacCommand>,
    /// Answers owed to the device, for the next downlink.
    pub answers: Vec<MacCommand>,
    /// Times each [`RequestKind`] was sent without an answer since its value last changed.
    pub tries: [u8; 4],
    /// Recent uplinks for ADR, oldest first, at most [`ADR_HISTORY`].
    pub history: VecDeque<AdrUplink>,
    /// Last device status.
    pub dev_status: Option<DevStatus>,
    /// FCntUp at which the last DevStatusReq was sent.
    pub dev_status_asked_at: Option<u32>,
    /// A sticky answer (RXParamSetupAns, RXTimingSetupAns, DlChannelAns) arrived: the device
    /// repeats it until it gets a class A downlink, so one is owed.
    pub sticky: bool,
    /// The state changed in a way that must be journaled.
    pub dirty: bool,
    /// The uplink [`on_uplink`](super::on_uplink) last processed.
    pub processed_fcnt: Option<u32>,
    /// `current`'s receive-window fields were taken from the session's settings.
    pub synced: bool,
}

impl MacState {
    /// Fresh state for a session in `region` speaking `version`.
    pub fn new(region: RegionId, version: LorawanVersion) -> Self {
        let _ = version;
        let current = MacParams::region_defaults(region);
        Self {
            current,
            desired: current,
            pending: Vec::new(),
            answers: Vec::new(),
            tries: [0; 4],
            history: VecDeque::with_capacity(ADR_HISTORY),
            dev_status: None,
            dev_status_asked_at: None,
            sticky: false,
            dirty: false,
            processed_fcnt: None,
            synced: false,
        }
    }

    /// Back to the region's defaults (ResetInd, LoRaWAN 1.1 §5.1: the device reverts its MAC
    /// layer to the default configuration); the device status and the answers already owed to
    /// this uplink are kept.
    pub fn reset(&mut self, region: RegionId, version: LorawanVersion) {
        let (dev_status, processed) = (self.dev_status, self.processed_fcnt);
        let answers = std::mem::take(&mut self.answers);
        *self = Self::new(region, version);
        self.answers = answers;
        self.dev_status = dev_status;
        self.processed_fcnt = processed;
        self.synced = true;
        self.dirty = true;
    }

    /// Remembers an uplink for ADR, dropping the oldest beyond [`ADR_HISTORY`].
    pub fn record_uplink(&mut self, up: AdrUplink) {
        if self.history.back().is_some_and(|h| h.fcnt >= up.fcnt) {
            return;
        }
        if self.history.len() == ADR_HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(up);
    }

    /// The receive-window settings `current` implies, keeping the dwell flag of `base`.
    pub fn rx_settings(&self, base: RxSettings) -> RxSettings {
        RxSettings {
            rx1_delay: std::time::Duration::from_secs(u64::from(self.current.rx1_delay_s.max(1))),
            rx1_dr_offset: self.current.rx1_dr_offset,
            rx2_data_rate: self.current.rx2_data_rate,
            rx2_frequency_hz: self.current.rx2_frequency_hz,
            ..base
        }
    }
}
