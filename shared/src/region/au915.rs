//! AU915-928 (RP002-1.0.3 §2.7): fixed plan of 64 × 125 kHz uplink channels (915.2 MHz +
//! 200 kHz·n, DR0..DR5), 8 × 500 kHz uplink channels (915.9 MHz + 1.6 MHz·n, DR6..DR7) and
//! the US915 downlink channels; uplink dwell time 400 ms at boot (TxParamSetupReq can lift it).

use super::RegionId;
use super::band::{Band, Beacon, BootDwellTime, CfListType, DEFAULT_TIMING, Rx2};
use super::channel::{ChannelGrid, Rx1FrequencyRule, SubBand};
use super::data_rate::*;
use super::us915::{BEACON_FREQUENCIES, DOWNLINK_CHANNELS, TX_POWER_OFFSETS_DB};

/// DR table with M without / with the 400 ms dwell limit (not repeater compatible).
static DATA_RATES: [Option<DrEntry>; 16] = [
    dr_dwell(SF12_BW125, 59, None),
    dr_dwell(SF11_BW125, 59, None),
    dr_dwell(SF10_BW125, 59, Some(19)),
    dr_dwell(SF9_BW125, 123, Some(61)),
    dr_dwell(SF8_BW125, 250, Some(133)),
    dr(SF7_BW125, 250),
    dr(SF8_BW500.with_usage(DrUse::Uplink), 250),
    dr(LR_FHSS_CR13_1523K, 58),
    dr(SF12_BW500.with_usage(DrUse::Downlink), 61),
    dr(SF11_BW500.with_usage(DrUse::Downlink), 137),
    dr(SF10_BW500.with_usage(DrUse::Downlink), 250),
    dr(SF9_BW500.with_usage(DrUse::Downlink), 250),
    dr(SF8_BW500.with_usage(DrUse::Downlink), 250),
    dr(SF7_BW500.with_usage(DrUse::Downlink), 250),
    None,
    None,
];

/// RX1 DR per uplink DR0..DR7 and RX1DROffset 0..=5.
static RX1_DATA_RATE: [&[u8]; 8] = [
    &[8, 8, 8, 8, 8, 8],
    &[9, 8, 8, 8, 8, 8],
    &[10, 9, 8, 8, 8, 8],
    &[11, 10, 9, 8, 8, 8],
    &[12, 11, 10, 9, 8, 8],
    &[13, 12, 11, 10, 9, 8],
    &[13, 13, 12, 11, 10, 9],
    &[9, 8, 8, 8, 8, 8],
];

/// 64 + 8 uplink channels.
static UPLINK_CHANNELS: [ChannelGrid; 2] = [
    ChannelGrid::new(915_200_000, 200_000, 64, 0, 5),
    ChannelGrid::new(915_900_000, 1_600_000, 8, 6, 7),
];

/// One sub-band, no duty cycle, 30 dBm.
static SUB_BANDS: [SubBand; 1] = [SubBand::new(915_000_000, 928_000_000, 1000, 30.0)];

/// AU915-928.
pub(crate) static AU915: Band = Band {
    id: RegionId::Au915,
    data_rates: &DATA_RATES,
    max_adr_data_rate: 5,
    uplink_channels: &UPLINK_CHANNELS,
    join_channels: &UPLINK_CHANNELS,
    downlink_channels: &DOWNLINK_CHANNELS,
    max_uplink_channels: 72,
    rx1_data_rate: &RX1_DATA_RATE,
    rx1_data_rate_dwell: None,
    rx1_frequency: Rx1FrequencyRule::ChannelModulo { count: 8 },
    rx2: Rx2 {
        frequency_hz: 923_300_000,
        data_rate: 8,
    },
    tx_power_offsets_db: &TX_POWER_OFFSETS_DB,
    default_max_eirp_dbm: 30.0,
    cflist_type: CfListType::ChannelMask,
    tx_param_setup: true,
    boot_dwell_time: BootDwellTime {
        uplink: Some(true),
        downlink: Some(false),
    },
    sub_bands: &SUB_BANDS,
    beacon: Beacon {
        data_rate: 8,
        coding_rate: "4/5",
        frequencies_hz: &BEACON_FREQUENCIES,
    },
    ping_slot_frequencies_hz: &BEACON_FREQUENCIES,
    ping_slot_data_rate: 8,
    frequency_offset_hz: 0,
    timing: DEFAULT_TIMING,
};
