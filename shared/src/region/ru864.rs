//! RU864-870 (RP002-1.0.3 §2.14): two default channels at 868.9/869.1 MHz, RX2 869.1 MHz DR0,
//! beacon 869.1 MHz, ping slots 868.9 MHz.

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

/// The two default (and join) channels, DR0..DR5.
static CHANNELS: [ChannelGrid; 1] = [ChannelGrid::new(868_900_000, 200_000, 2, 0, 5)];

/// One sub-band, 1 % duty cycle, 16 dBm + 2.15 (RP002-1.0.3 §2.14.2).
static SUB_BANDS: [SubBand; 1] = [SubBand::new(864_000_000, 870_000_000, 10, 22.15)];

/// RU864-870.
pub(crate) static RU864: Band = Band {
    id: RegionId::Ru864,
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
        frequency_hz: 869_100_000,
        data_rate: 0,
    },
    tx_power_offsets_db: &super::eu868::TX_POWER_OFFSETS_DB,
    default_max_eirp_dbm: 16.0,
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
        frequencies_hz: &[869_100_000],
    },
    ping_slot_frequencies_hz: &[868_900_000],
    ping_slot_data_rate: 3,
    frequency_offset_hz: 0,
    timing: DEFAULT_TIMING,
};
