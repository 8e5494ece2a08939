//! US902-928 (RP002-1.0.3 §2.5): fixed plan of 64 × 125 kHz uplink channels (902.3 MHz +
//! 200 kHz·n, DR0..DR3), 8 × 500 kHz uplink channels (903.0 MHz + 1.6 MHz·n, DR4..DR6) and
//! 8 × 500 kHz downlink channels (923.3 MHz + 600 kHz·n); RX1 channel = uplink channel mod 8;
//! RX2 923.3 MHz DR8; beacons and ping slots hop over the 8 downlink channels at DR8.

use super::RegionId;
use super::band::{Band, Beacon, BootDwellTime, CfListType, DEFAULT_TIMING, Rx2};
use super::channel::{ChannelGrid, Rx1FrequencyRule, SubBand};
use super::data_rate::*;

/// DR table (DR0..DR6 uplink, DR8..DR13 downlink) with M per DR (not repeater compatible).
static DATA_RATES: [Option<DrEntry>; 16] = [
    dr(SF10_BW125.with_usage(DrUse::Uplink), 19),
    dr(SF9_BW125.with_usage(DrUse::Uplink), 61),
    dr(SF8_BW125.with_usage(DrUse::Uplink), 133),
    dr(SF7_BW125.with_usage(DrUse::Uplink), 250),
    dr(SF8_BW500.with_usage(DrUse::Uplink), 250),
    dr(LR_FHSS_CR13_1523K, 58),
    dr(LR_FHSS_CR23_1523K, 133),
    None,
    dr(SF12_BW500.with_usage(DrUse::Downlink), 61),
    dr(SF11_BW500.with_usage(DrUse::Downlink), 137),
    dr(SF10_BW500.with_usage(DrUse::Downlink), 250),
    dr(SF9_BW500.with_usage(DrUse::Downlink), 250),
    dr(SF8_BW500.with_usage(DrUse::Downlink), 250),
    dr(SF7_BW500.with_usage(DrUse::Downlink), 250),
    None,
    None,
];

/// RX1 DR per uplink DR0..DR6 and RX1DROffset 0..=3.
static RX1_DATA_RATE: [&[u8]; 7] = [
    &[10, 9, 8, 8],
    &[11, 10, 9, 8],
    &[12, 11, 10, 9],
    &[13, 12, 11, 10],
    &[13, 13, 12, 11],
    &[10, 9, 8, 8],
    &[11, 10, 9, 8],
];

/// 64 + 8 uplink channels.
static UPLINK_CHANNELS: [ChannelGrid; 2] = [
    ChannelGrid::new(902_300_000, 200_000, 64, 0, 3),
    ChannelGrid::new(903_000_000, 1_600_000, 8, 4, 6),
];

/// The 8 downlink channels, shared with AU915.
pub(crate) static DOWNLINK_CHANNELS: [ChannelGrid; 1] =
    [ChannelGrid::new(923_300_000, 600_000, 8, 8, 13)];

/// Beacon and ping-slot hopping frequencies (the downlink channels), shared with AU915.
pub(crate) static BEACON_FREQUENCIES: [u32; 8] = [
    923_300_000,
    923_900_000,
    924_500_000,
    925_100_000,
    925_700_000,
    926_300_000,
    926_900_000,
    927_500_000,
];

/// TXPower 0..=14: max EIRP - 2 dB * index, shared with AU915.
pub(crate) static TX_POWER_OFFSETS_DB: [i8; 15] = [
    0, -2, -4, -6, -8, -10, -12, -14, -16, -18, -20, -22, -24, -26, -28,
];

/// Uplink and downlink sub-bands, no duty cycle.
static SUB_BANDS: [SubBand; 2] = [
    SubBand::new(902_300_000, 914_900_000, 1000, 23.15),
    SubBand::new(923_300_000, 927_500_000, 1000, 28.15),
];

/// US902-928.
pub(crate) static US915: Band = Band {
    id: RegionId::Us915,
    data_rates: &DATA_RATES,
    max_adr_data_rate: 3,
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
    tx_param_setup: false,
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
