//! KR920-923 (RP002-1.0.3 §2.12): three default channels at 922.1/922.3/922.5 MHz, DR0..DR5
//! only, RX2 921.9 MHz DR0, beacon and ping slots at 923.1 MHz, default max EIRP 14 dBm.

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
    None,
    None,
    None,
    None,
    None,
    None,
    None,
    None,
    None,
];

/// The three default (and join) channels, DR0..DR5.
static CHANNELS: [ChannelGrid; 1] = [ChannelGrid::new(922_100_000, 200_000, 3, 0, 5)];

/// One sub-band without duty-cycle limit (LBT applies instead).
static SUB_BANDS: [SubBand; 1] = [SubBand::new(920_000_000, 923_000_000, 1000, 16.15)];

/// KR920-923.
pub(crate) static KR920: Band = Band {
    id: RegionId::Kr920,
    data_rates: &DATA_RATES,
    max_adr_data_rate: 5,
    uplink_channels: &CHANNELS,
    join_channels: &CHANNELS,
    downlink_channels: &CHANNELS,
    max_uplink_channels: 16,
    rx1_data_rate: &RX1_DR_EU_LIKE,
    rx1_data_rate_dwell: None,
    rx1_frequency: Rx1FrequencyRule::SameAsUplink,
    rx2: Rx2 {
        frequency_hz: 921_900_000,
        data_rate: 0,
    },
    tx_power_offsets_db: &super::eu868::TX_POWER_OFFSETS_DB,
    default_max_eirp_dbm: 14.0,
    cflist_type: CfListType::Frequencies,
    tx_param_setup: false,
    boot_dwell_time: BootDwellTime {
        uplink: None,
        downlink: None,
    },
    sub_bands: &SUB_BANDS,
    beacon: Beacon {
        data_rate: 3,
        coding_rate: "4/5",
        frequencies_hz: &[923_100_000],
    },
    ping_slot_frequencies_hz: &[923_100_000],
    ping_slot_data_rate: 3,
    frequency_offset_hz: 0,
    timing: DEFAULT_TIMING,
};
