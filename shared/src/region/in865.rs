//! IN865-867 (RP002-1.0.3 §2.13): three default channels at 865.0625/865.4025/865.985 MHz,
//! DR6 RFU, RX2 866.55 MHz DR2, beacon and ping slots at 866.5 MHz DR4, max EIRP 30 dBm.

use super::RegionId;
use super::band::{Band, Beacon, BootDwellTime, CfListType, DEFAULT_TIMING, Rx2};
use super::channel::{ChannelGrid, Rx1FrequencyRule, SubBand};
use super::data_rate::*;

/// DR table with M per DR (not repeater compatible).
static DATA_RATES: [Option<DrEntry>; 16] = [
    dr(SF12_BW125, 59),
    dr(SF11_BW125, 59),
    dr(SF10_BW125, 59),
    dr(SF9_BW125, 123),
    dr(SF8_BW125, 250),
    dr(SF7_BW125, 250),
    None,
    dr(FSK_50K, 250),
    None,
    None,
    None,
    None,
    None,
    None,
    None,
    None,
];

/// RX1 DR, RX1DROffset 0..=7 (effective 0..5, -1, -2), never landing on the RFU DR6: the
/// DR4/DR5 rows stay at DR5 for offsets 6 and 7 (see the fixture README on this choice).
static RX1_DATA_RATE: [&[u8]; 8] = [
    &[0, 0, 0, 0, 0, 0, 1, 2],
    &[1, 0, 0, 0, 0, 0, 2, 3],
    &[2, 1, 0, 0, 0, 0, 3, 4],
    &[3, 2, 1, 0, 0, 0, 4, 5],
    &[4, 3, 2, 1, 0, 0, 5, 5],
    &[5, 4, 3, 2, 1, 0, 5, 5],
    &[],
    &[7, 6, 5, 4, 3, 2, 7, 7],
];

/// The three default (and join) channels: not evenly spaced, so one grid each.
static CHANNELS: [ChannelGrid; 3] = [
    ChannelGrid::new(865_062_500, 0, 1, 0, 5),
    ChannelGrid::new(865_402_500, 0, 1, 0, 5),
    ChannelGrid::new(865_985_000, 0, 1, 0, 5),
];

/// TXPower 0..=10: max EIRP - 2 dB * index.
static TX_POWER_OFFSETS_DB: [i8; 11] = [0, -2, -4, -6, -8, -10, -12, -14, -16, -18, -20];

/// One sub-band without duty-cycle limit.
static SUB_BANDS: [SubBand; 1] = [SubBand::new(865_000_000, 867_000_000, 1000, 16.15)];

/// IN865-867.
pub(crate) static IN865: Band = Band {
    id: RegionId::In865,
    data_rates: &DATA_RATES,
    max_adr_data_rate: 5,
    uplink_channels: &CHANNELS,
    join_channels: &CHANNELS,
    downlink_channels: &CHANNELS,
    max_uplink_channels: 16,
    rx1_data_rate: &RX1_DATA_RATE,
    rx1_data_rate_dwell: None,
    rx1_frequency: Rx1FrequencyRule::SameAsUplink,
    rx2: Rx2 {
        frequency_hz: 866_550_000,
        data_rate: 2,
    },
    tx_power_offsets_db: &TX_POWER_OFFSETS_DB,
    default_max_eirp_dbm: 30.0,
    cflist_type: CfListType::Frequencies,
    tx_param_setup: false,
    boot_dwell_time: BootDwellTime {
        uplink: None,
        downlink: None,
    },
    sub_bands: &SUB_BANDS,
    beacon: Beacon {
        data_rate: 4,
        coding_rate: "4/5",
        frequencies_hz: &[866_500_000],
    },
    ping_slot_frequencies_hz: &[866_500_000],
    ping_slot_data_rate: 4,
    frequency_offset_hz: 0,
    timing: DEFAULT_TIMING,
};
