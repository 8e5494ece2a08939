//! EU863-870 (RP002-1.0.3 §2.4): three default channels at 868.1/868.3/868.5 MHz, CFList of
//! frequencies, RX2 869.525 MHz DR0, LR-FHSS at DR8..DR11, ETSI sub-bands with their duty
//! cycles (ERC 70-03 bands h1.3..h1.7 as the spec lists them).

use super::RegionId;
use super::band::{Band, Beacon, BootDwellTime, CfListType, DEFAULT_TIMING, Rx2};
use super::channel::{ChannelGrid, Rx1FrequencyRule, SubBand};
use super::data_rate::*;

/// DR table (RP002-1.0.3 Table 13) with M per DR (Table 18, not repeater compatible).
pub(crate) static DATA_RATES: [Option<DrEntry>; 16] = [
    dr(SF12_BW125, 59),
    dr(SF11_BW125, 59),
    dr(SF10_BW125, 59),
    dr(SF9_BW125, 123),
    dr(SF8_BW125, 250),
    dr(SF7_BW125, 250),
    dr(SF7_BW250, 250),
    dr(FSK_50K, 250),
    dr(LR_FHSS_CR13_137K, 58),
    dr(LR_FHSS_CR23_137K, 123),
    dr(LR_FHSS_CR13_336K, 58),
    dr(LR_FHSS_CR23_336K, 123),
    None,
    None,
    None,
    None,
];

/// RX1 DR per uplink DR and RX1DROffset 0..=5 (Table 19); LR-FHSS rows map as DR1/DR2.
static RX1_DATA_RATE: [&[u8]; 12] = [
    RX1_DR_EU_LIKE[0],
    RX1_DR_EU_LIKE[1],
    RX1_DR_EU_LIKE[2],
    RX1_DR_EU_LIKE[3],
    RX1_DR_EU_LIKE[4],
    RX1_DR_EU_LIKE[5],
    RX1_DR_EU_LIKE[6],
    RX1_DR_EU_LIKE[7],
    RX1_DR_EU_LIKE[1],
    RX1_DR_EU_LIKE[2],
    RX1_DR_EU_LIKE[1],
    RX1_DR_EU_LIKE[2],
];

/// The three default (and join) channels, DR0..DR5.
static CHANNELS: [ChannelGrid; 1] = [ChannelGrid::new(868_100_000, 200_000, 3, 0, 5)];

/// TXPower 0..=7: max EIRP - 2 dB * index (Table 14).
pub(crate) static TX_POWER_OFFSETS_DB: [i8; 8] = [0, -2, -4, -6, -8, -10, -12, -14];

/// Sub-bands with duty cycle (RP002-1.0.3 §2.4.2; EIRP 14 dBm ERP + 2.15, 27 dBm at 869.4-869.65).
static SUB_BANDS: [SubBand; 6] = [
    SubBand::new(863_000_000, 865_000_000, 1, 16.15),
    SubBand::new(865_000_000, 868_000_000, 10, 16.15),
    SubBand::new(868_000_000, 868_600_000, 10, 16.15),
    SubBand::new(868_700_000, 869_200_000, 1, 16.15),
    SubBand::new(869_400_000, 869_650_000, 100, 29.15),
    SubBand::new(869_700_000, 870_000_000, 10, 16.15),
];

/// EU863-870.
pub(crate) static EU868: Band = Band {
    id: RegionId::Eu868,
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
        frequency_hz: 869_525_000,
        data_rate: 0,
    },
    tx_power_offsets_db: &TX_POWER_OFFSETS_DB,
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
        frequencies_hz: &[869_525_000],
    },
    ping_slot_frequencies_hz: &[869_525_000],
    ping_slot_data_rate: 3,
    frequency_offset_hz: 0,
    timing: DEFAULT_TIMING,
};
