//! AS923 (RP002-1.0.3 §2.10), groups AS923-1..4: the same tables, with every frequency moved
//! down by AS923_FREQ_OFFSET_HZ (0, 1.8 MHz, 6.6 MHz, 5.9 MHz). Two default channels at
//! 923.2/923.4 MHz - offset, RX2 923.2 MHz - offset at DR2, beacon and ping slots at
//! 923.4 MHz - offset, TxParamSetupReq implemented (dwell time 400 ms per country).

use super::RegionId;
use super::band::{Band, Beacon, BootDwellTime, CfListType, DEFAULT_TIMING, Rx2};
use super::channel::{ChannelGrid, Rx1FrequencyRule, SubBand};
use super::data_rate::*;

/// AS923_FREQ_OFFSET_HZ of AS923-2.
pub const AS923_2_OFFSET_HZ: u32 = 1_800_000;
/// AS923_FREQ_OFFSET_HZ of AS923-3.
pub const AS923_3_OFFSET_HZ: u32 = 6_600_000;
/// AS923_FREQ_OFFSET_HZ of AS923-4.
pub const AS923_4_OFFSET_HZ: u32 = 5_900_000;

/// DR table with M without / with the 400 ms dwell limit (not repeater compatible).
static DATA_RATES: [Option<DrEntry>; 16] = [
    dr_dwell(SF12_BW125, 59, None),
    dr_dwell(SF11_BW125, 59, None),
    dr_dwell(SF10_BW125, 123, Some(19)),
    dr_dwell(SF9_BW125, 123, Some(61)),
    dr_dwell(SF8_BW125, 250, Some(133)),
    dr(SF7_BW125, 250),
    dr(SF7_BW250, 250),
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

/// RX1 DR, RX1DROffset 0..=7 (effective offsets 0..5, -1, -2), MinDR 0, capped at DR7.
pub(crate) static RX1_DATA_RATE: [&[u8]; 8] = [
    &[0, 0, 0, 0, 0, 0, 1, 2],
    &[1, 0, 0, 0, 0, 0, 2, 3],
    &[2, 1, 0, 0, 0, 0, 3, 4],
    &[3, 2, 1, 0, 0, 0, 4, 5],
    &[4, 3, 2, 1, 0, 0, 5, 6],
    &[5, 4, 3, 2, 1, 0, 6, 7],
    &[6, 5, 4, 3, 2, 1, 7, 7],
    &[7, 6, 5, 4, 3, 2, 7, 7],
];

/// RX1 DR under DownlinkDwellTime = 1: as above with MinDR 2.
static RX1_DATA_RATE_DWELL: [&[u8]; 8] = [
    &[2, 2, 2, 2, 2, 2, 2, 2],
    &[2, 2, 2, 2, 2, 2, 2, 3],
    &[2, 2, 2, 2, 2, 2, 3, 4],
    &[3, 2, 2, 2, 2, 2, 4, 5],
    &[4, 3, 2, 2, 2, 2, 5, 6],
    &[5, 4, 3, 2, 2, 2, 6, 7],
    &[6, 5, 4, 3, 2, 2, 7, 7],
    &[7, 6, 5, 4, 3, 2, 7, 7],
];

/// The AS923-1 default (and join) channels, DR0..DR5.
const CHANNELS_1: ChannelGrid = ChannelGrid::new(923_200_000, 200_000, 2, 0, 5);
static CHANNELS_AS923_1: [ChannelGrid; 1] = [CHANNELS_1];
static CHANNELS_AS923_2: [ChannelGrid; 1] = [CHANNELS_1.shifted_down(AS923_2_OFFSET_HZ)];
static CHANNELS_AS923_3: [ChannelGrid; 1] = [CHANNELS_1.shifted_down(AS923_3_OFFSET_HZ)];
static CHANNELS_AS923_4: [ChannelGrid; 1] = [CHANNELS_1.shifted_down(AS923_4_OFFSET_HZ)];

/// Sub-bands (1 % duty cycle, 16 dBm) as The Things Stack lists them per group.
static SUB_BANDS_1: [SubBand; 1] = [SubBand::new(923_000_000, 923_500_000, 10, 16.0)];
static SUB_BANDS_2: [SubBand; 1] = [SubBand::new(921_400_000, 922_000_000, 10, 16.0)];
static SUB_BANDS_3: [SubBand; 1] = [SubBand::new(916_500_000, 917_000_000, 10, 16.0)];
static SUB_BANDS_4: [SubBand; 1] = [SubBand::new(917_300_000, 917_500_000, 10, 16.0)];

/// The AS923 band for one group; only frequencies differ.
const fn as923(
    id: RegionId,
    offset_hz: u32,
    channels: &'static [ChannelGrid],
    sub_bands: &'static [SubBand],
    beacon_hz: &'static [u32],
) -> Band {
    Band {
        id,
        data_rates: &DATA_RATES,
        max_adr_data_rate: 5,
        uplink_channels: channels,
        join_channels: channels,
        downlink_channels: channels,
        max_uplink_channels: 16,
        rx1_data_rate: &RX1_DATA_RATE,
        rx1_data_rate_dwell: Some(&RX1_DATA_RATE_DWELL),
        rx1_frequency: Rx1FrequencyRule::SameAsUplink,
        rx2: Rx2 {
            frequency_hz: 923_200_000 - offset_hz,
            data_rate: 2,
        },
        tx_power_offsets_db: &super::eu868::TX_POWER_OFFSETS_DB,
        default_max_eirp_dbm: 16.0,
        cflist_type: CfListType::Frequencies,
        tx_param_setup: true,
        boot_dwell_time: BootDwellTime {
            uplink: None,
            downlink: None,
        },
        sub_bands,
        beacon: Beacon {
            data_rate: 3,
            coding_rate: "4/5",
            frequencies_hz: beacon_hz,
        },
        ping_slot_frequencies_hz: beacon_hz,
        ping_slot_data_rate: 3,
        frequency_offset_hz: offset_hz,
        timing: DEFAULT_TIMING,
    }
}

/// AS923-1.
pub(crate) static AS923_1: Band = as923(
    RegionId::As923_1,
    0,
    &CHANNELS_AS923_1,
    &SUB_BANDS_1,
    &[923_400_000],
);
/// AS923-2.
pub(crate) static AS923_2: Band = as923(
    RegionId::As923_2,
    AS923_2_OFFSET_HZ,
    &CHANNELS_AS923_2,
    &SUB_BANDS_2,
    &[923_400_000 - AS923_2_OFFSET_HZ],
);
/// AS923-3.
pub(crate) static AS923_3: Band = as923(
    RegionId::As923_3,
    AS923_3_OFFSET_HZ,
    &CHANNELS_AS923_3,
    &SUB_BANDS_3,
    &[923_400_000 - AS923_3_OFFSET_HZ],
);
/// AS923-4.
pub(crate) static AS923_4: Band = as923(
    RegionId::As923_4,
    AS923_4_OFFSET_HZ,
    &CHANNELS_AS923_4,
    &SUB_BANDS_4,
    &[923_400_000 - AS923_4_OFFSET_HZ],
);
