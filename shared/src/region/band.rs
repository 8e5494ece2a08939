//! The `Band` value: one region's Regional Parameters (RP002-1.0.3) as static tables, and the
//! lookups computed from them. No method branches on the region: every difference between
//! regions is a value in the tables.

use super::RegionId;
use super::channel::{Channel, ChannelGrid, Rx1FrequencyRule, SubBand, channel_at, channel_index};
use super::data_rate::{DataRate, DrEntry, MaxPayload};

/// Bytes of a MACPayload that are not FRMPayload when FOpts is empty: FHDR (7) + FPort (1).
const MAC_OVERHEAD: u8 = 8;

/// The format of the CFList in a Join-Accept (RP002-1.0.3 §2.x.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CfListType {
    /// CFListType 0: up to five extra channel frequencies.
    Frequencies,
    /// CFListType 1: channel masks.
    ChannelMask,
}

/// Class B beacon settings (RP002-1.0.3 §2.x.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Beacon {
    /// Data rate of the beacon.
    pub data_rate: u8,
    /// LoRa coding rate, as the spec writes it.
    pub coding_rate: &'static str,
    /// Beacon frequencies in Hz; more than one means hopping by beacon time, empty means the
    /// region gives no default (CN470 20 MHz plans).
    pub frequencies_hz: &'static [u32],
}

/// Default RX2 parameters (RP002-1.0.3 §2.x.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rx2 {
    /// RX2 frequency in Hz.
    pub frequency_hz: u32,
    /// RX2 data rate.
    pub data_rate: u8,
}

/// Dwell-time settings an end-device boots with (TxParamSetupReq can change them where the
/// region implements it). `None`: the region sets no dwell-time limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootDwellTime {
    /// Uplink 400 ms dwell limit in force at boot.
    pub uplink: Option<bool>,
    /// Downlink 400 ms dwell limit in force at boot.
    pub downlink: Option<bool>,
}

/// Timers and counters of each region's "Default Settings" section of RP002-1.0.3; the same
/// values in every region here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// RECEIVE_DELAY1 in milliseconds.
    pub receive_delay1_ms: u32,
    /// RECEIVE_DELAY2 in milliseconds.
    pub receive_delay2_ms: u32,
    /// JOIN_ACCEPT_DELAY1 in milliseconds.
    pub join_accept_delay1_ms: u32,
    /// JOIN_ACCEPT_DELAY2 in milliseconds.
    pub join_accept_delay2_ms: u32,
    /// MAX_FCNT_GAP (LoRaWAN 1.0.x only).
    pub max_fcnt_gap: u32,
    /// ADR_ACK_LIMIT.
    pub adr_ack_limit: u16,
    /// ADR_ACK_DELAY.
    pub adr_ack_delay: u16,
    /// RETRANSMIT_TIMEOUT lower bound in milliseconds.
    pub retransmit_timeout_min_ms: u32,
    /// RETRANSMIT_TIMEOUT upper bound in milliseconds.
    pub retransmit_timeout_max_ms: u32,
}

/// The RP002-1.0.3 default settings, shared by every region.
pub const DEFAULT_TIMING: Timing = Timing {
    receive_delay1_ms: 1_000,
    receive_delay2_ms: 2_000,
    join_accept_delay1_ms: 5_000,
    join_accept_delay2_ms: 6_000,
    max_fcnt_gap: 16_384,
    adr_ack_limit: 64,
    adr_ack_delay: 32,
    retransmit_timeout_min_ms: 1_000,
    retransmit_timeout_max_ms: 3_000,
};

/// One region's Regional Parameters, all `&'static` data.
#[derive(Debug)]
pub struct Band {
    /// Which region this is.
    pub id: RegionId,
    /// Data-rate table, index = DR (0..=15); `None` = RFU / not defined.
    pub data_rates: &'static [Option<DrEntry>; 16],
    /// Highest data rate ADR may assign.
    pub max_adr_data_rate: u8,
    /// Default uplink channels, in channel-index order (US915: 64 + 8, CN470: the plan's grid).
    pub uplink_channels: &'static [ChannelGrid],
    /// Channels an end-device joins on (RP002-1.0.3 "Join channels"; equal to the default
    /// uplink channels in every region here).
    pub join_channels: &'static [ChannelGrid],
    /// Downlink channels in channel-index order, used by `Rx1FrequencyRule::ChannelModulo`.
    pub downlink_channels: &'static [ChannelGrid],
    /// Most uplink channels an end-device keeps (16 for dynamic plans, 72/64/48 for fixed).
    pub max_uplink_channels: u16,
    /// RX1 data rate: `rx1_data_rate[uplink_dr][rx1_dr_offset]`, no downlink dwell limit.
    pub rx1_data_rate: &'static [&'static [u8]],
    /// RX1 data rate under the downlink 400 ms dwell limit (AS923); `None`: same as above.
    pub rx1_data_rate_dwell: Option<&'static [&'static [u8]]>,
    /// How the RX1 frequency follows from the uplink.
    pub rx1_frequency: Rx1FrequencyRule,
    /// Default RX2 frequency and data rate.
    pub rx2: Rx2,
    /// TXPower table: offset in dB from the max EIRP for each TXPower index.
    pub tx_power_offsets_db: &'static [i8],
    /// Default max EIRP of an end-device in dBm.
    pub default_max_eirp_dbm: f32,
    /// CFList format of the Join-Accept.
    pub cflist_type: CfListType,
    /// Whether the region implements TxParamSetupReq.
    pub tx_param_setup: bool,
    /// Dwell-time limits in force at boot.
    pub boot_dwell_time: BootDwellTime,
    /// Regulatory sub-bands: frequency range, duty cycle and max EIRP.
    pub sub_bands: &'static [SubBand],
    /// Class B beacon settings.
    pub beacon: Beacon,
    /// Default Class B ping-slot frequencies in Hz (more than one: hopping; empty: none given).
    pub ping_slot_frequencies_hz: &'static [u32],
    /// Default ping-slot data rate.
    pub ping_slot_data_rate: u8,
    /// AS923_FREQ_OFFSET_HZ subtracted from the AS923-1 frequencies (0 outside AS923).
    pub frequency_offset_hz: u32,
    /// Receive delays, join-accept delays and ADR/FCnt constants.
    pub timing: Timing,
}

impl Band {
    /// The data rate at index `dr`, if the region defines it.
    pub fn data_rate(&self, dr: u8) -> Option<&'static DataRate> {
        let table: &'static [Option<DrEntry>; 16] = self.data_rates;
        table.get(usize::from(dr))?.as_ref().map(|e| &e.rate)
    }

    /// The index of a data rate with this modulation usable in the given direction.
    pub fn data_rate_index(&self, modulation: &super::Modulation, uplink: bool) -> Option<u8> {
        self.data_rates.iter().zip(0u8..).find_map(|(e, i)| {
            let e = e.as_ref()?;
            let usable = if uplink {
                e.rate.is_uplink()
            } else {
                e.rate.is_downlink()
            };
            (usable && e.rate.modulation == *modulation).then_some(i)
        })
    }

    /// Maximum payload sizes M and N at `dr`, with or without the 400 ms dwell-time limit;
    /// `None` where the spec says "not defined" or "N/A".
    pub fn max_payload(&self, dr: u8, dwell_time_limited: bool) -> Option<MaxPayload> {
        let entry = self.data_rates.get(usize::from(dr))?.as_ref()?;
        let m = if dwell_time_limited {
            entry.max_mac_payload_dwell
        } else {
            entry.max_mac_payload
        }?;
        Some(MaxPayload {
            m,
            n: m.checked_sub(MAC_OVERHEAD)?,
        })
    }

    /// The RX1 data rate for an uplink at `uplink_dr` and the RX1DROffset, with or without the
    /// downlink dwell-time limit; `None` for an uplink DR or offset the region does not allow.
    pub fn rx1_data_rate(
        &self,
        uplink_dr: u8,
        rx1_dr_offset: u8,
        downlink_dwell: bool,
    ) -> Option<u8> {
        if !self.data_rate(uplink_dr)?.is_uplink() {
            return None;
        }
        let table = match (downlink_dwell, self.rx1_data_rate_dwell) {
            (true, Some(t)) => t,
            _ => self.rx1_data_rate,
        };
        table
            .get(usize::from(uplink_dr))?
            .get(usize::from(rx1_dr_offset))
            .copied()
    }

    /// The default uplink channel at `index`.
    pub fn uplink_channel(&self, index: u16) -> Option<Channel> {
        channel_at(self.uplink_channels, index)
    }

    /// The index of the default uplink channel on `frequency_hz`.
    pub fn uplink_channel_index(&self, frequency_hz: u32) -> Option<u16> {
        channel_index(self.uplink_channels, frequency_hz)
    }

    /// The downlink channel at `index`.
    pub fn downlink_channel(&self, index: u16) -> Option<Channel> {
        channel_at(self.downlink_channels, index)
    }

    /// Number of default uplink channels.
    pub fn uplink_channel_count(&self) -> u16 {
        self.uplink_channels
            .iter()
            .map(|g| u16::from(g.count))
            .sum()
    }

    /// The default uplink channels in index order (no allocation).
    pub fn uplink_channels(&self) -> impl Iterator<Item = Channel> + '_ {
        self.uplink_channels.iter().flat_map(ChannelGrid::channels)
    }

    /// The downlink channels in index order (no allocation).
    pub fn downlink_channels(&self) -> impl Iterator<Item = Channel> + '_ {
        self.downlink_channels
            .iter()
            .flat_map(ChannelGrid::channels)
    }

    /// The RX1 channel index for an uplink on channel `uplink_channel`.
    pub fn rx1_channel(&self, uplink_channel: u16) -> Option<u16> {
        match self.rx1_frequency {
            Rx1FrequencyRule::SameAsUplink => Some(uplink_channel),
            Rx1FrequencyRule::ChannelModulo { count } => uplink_channel.checked_rem(count),
        }
    }

    /// The RX1 frequency for an uplink on `uplink_frequency_hz`. For `SameAsUplink` regions any
    /// frequency (also one added by CFList or NewChannelReq) maps to itself; for fixed plans
    /// it must be one of the default uplink channels.
    pub fn rx1_frequency(&self, uplink_frequency_hz: u32) -> Option<u32> {
        match self.rx1_frequency {
            Rx1FrequencyRule::SameAsUplink => Some(uplink_frequency_hz),
            Rx1FrequencyRule::ChannelModulo { .. } => {
                let up = self.uplink_channel_index(uplink_frequency_hz)?;
                Some(self.downlink_channel(self.rx1_channel(up)?)?.frequency_hz)
            }
        }
    }

    /// The offset in dB from the max EIRP for TXPower `index`.
    pub fn tx_power_offset_db(&self, index: u8) -> Option<i8> {
        self.tx_power_offsets_db.get(usize::from(index)).copied()
    }

    /// The EIRP in dBm for TXPower `index` given the end-device's max EIRP.
    pub fn tx_power_eirp(&self, index: u8, max_eirp_dbm: f32) -> Option<f32> {
        Some(max_eirp_dbm + f32::from(self.tx_power_offset_db(index)?))
    }

    /// The regulatory sub-band holding `frequency_hz` (bounds inclusive), for duty cycle.
    pub fn sub_band(&self, frequency_hz: u32) -> Option<&'static SubBand> {
        let bands: &'static [SubBand] = self.sub_bands;
        bands.iter().find(|s| s.contains(frequency_hz))
    }

    /// The Class B ping-slot frequency for a beacon period: fixed, or hopping over the list by
    /// `(DevAddr + floor(beacon_time / 128)) mod len` as RP002-1.0.3 gives for US915/AU915.
    pub fn ping_slot_frequency(&self, dev_addr: u32, beacon_time_s: u32) -> Option<u32> {
        let list = self.ping_slot_frequencies_hz;
        let n = u32::try_from(list.len()).ok().filter(|&n| n > 0)?;
        let idx = (u64::from(dev_addr) + u64::from(beacon_time_s / 128)) % u64::from(n);
        list.get(usize::try_from(idx).ok()?).copied()
    }

    /// The beacon frequency for a beacon period: fixed, or hopping by
    /// `floor(beacon_time / 128) mod len` (US915/AU915 §2.x.8).
    pub fn beacon_frequency(&self, beacon_time_s: u32) -> Option<u32> {
        let list = self.beacon.frequencies_hz;
        let n = u32::try_from(list.len()).ok().filter(|&n| n > 0)?;
        list.get(usize::try_from((beacon_time_s / 128) % n).ok()?)
            .copied()
    }
}

#[cfg(test)]
#[path = "band_tests.rs"]
mod tests;
