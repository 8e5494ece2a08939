//! CN470-510 (RP002-1.0.3 §2.9) with its four channel plans: 20 MHz antenna type A/B (64
//! uplink channels in two groups of 32, RX1 on the downlink channel of the same index) and
//! 26 MHz antenna type A/B (48 uplink channels, 24 downlink channels, RX1 = uplink mod 24).
//! DR1..DR5 on every channel; DR0 (SF12) only as RX2 default, its payload size not defined.

use super::RegionId;
use super::band::{Band, Beacon, BootDwellTime, CfListType, DEFAULT_TIMING, Rx2};
use super::channel::{ChannelGrid, Rx1FrequencyRule, SubBand};
use super::data_rate::*;

/// DR table with M per DR (not repeater compatible).
static DATA_RATES: [Option<DrEntry>; 16] = [
    dr_undefined(SF12_BW125.with_usage(DrUse::Downlink)),
    dr(SF11_BW125, 31),
    dr(SF10_BW125, 94),
    dr(SF9_BW125, 172),
    dr(SF8_BW125, 250),
    dr(SF7_BW125, 250),
    dr(SF7_BW500, 250),
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

/// RX1 DR per uplink DR0..DR5 and RX1DROffset 0..=5; DR6/DR7 have no RX1 mapping (and no
/// default channel allows them).
static RX1_DATA_RATE: [&[u8]; 6] = [
    RX1_DR_EU_LIKE[0],
    RX1_DR_EU_LIKE[1],
    RX1_DR_EU_LIKE[2],
    RX1_DR_EU_LIKE[3],
    RX1_DR_EU_LIKE[4],
    RX1_DR_EU_LIKE[5],
];

static UPLINK_20A: [ChannelGrid; 2] = [
    ChannelGrid::new(470_300_000, 200_000, 32, 1, 5),
    ChannelGrid::new(503_500_000, 200_000, 32, 1, 5),
];
static DOWNLINK_20A: [ChannelGrid; 2] = [
    ChannelGrid::new(483_900_000, 200_000, 32, 1, 5),
    ChannelGrid::new(490_300_000, 200_000, 32, 1, 5),
];
static CHANNELS_20B: [ChannelGrid; 2] = [
    ChannelGrid::new(476_900_000, 200_000, 32, 1, 5),
    ChannelGrid::new(496_900_000, 200_000, 32, 1, 5),
];
static UPLINK_26A: [ChannelGrid; 1] = [ChannelGrid::new(470_300_000, 200_000, 48, 1, 5)];
static DOWNLINK_26A: [ChannelGrid; 1] = [ChannelGrid::new(490_100_000, 200_000, 24, 1, 5)];
static UPLINK_26B: [ChannelGrid; 1] = [ChannelGrid::new(480_300_000, 200_000, 48, 1, 5)];
static DOWNLINK_26B: [ChannelGrid; 1] = [ChannelGrid::new(500_100_000, 200_000, 24, 1, 5)];

/// One sub-band, no duty cycle, 17 dBm + 2.15.
static SUB_BANDS: [SubBand; 1] = [SubBand::new(470_000_000, 510_000_000, 1000, 19.15)];

/// One CN470 plan; the plans differ only in channels, RX2 and beacon frequencies.
const fn cn470(
    id: RegionId,
    uplink: &'static [ChannelGrid],
    downlink: &'static [ChannelGrid],
    downlink_count: u16,
    max_uplink_channels: u16,
    rx2_hz: u32,
    beacon_hz: &'static [u32],
) -> Band {
    Band {
        id,
        data_rates: &DATA_RATES,
        max_adr_data_rate: 5,
        uplink_channels: uplink,
        join_channels: uplink,
        downlink_channels: downlink,
        max_uplink_channels,
        rx1_data_rate: &RX1_DATA_RATE,
        rx1_data_rate_dwell: None,
        rx1_frequency: Rx1FrequencyRule::ChannelModulo {
            count: downlink_count,
        },
        rx2: Rx2 {
            frequency_hz: rx2_hz,
            data_rate: 0,
        },
        tx_power_offsets_db: &super::eu868::TX_POWER_OFFSETS_DB,
        default_max_eirp_dbm: 19.15,
        cflist_type: CfListType::ChannelMask,
        tx_param_setup: false,
        boot_dwell_time: BootDwellTime {
            uplink: None,
            downlink: None,
        },
        sub_bands: &SUB_BANDS,
        beacon: Beacon {
            data_rate: 2,
            coding_rate: "4/5",
            frequencies_hz: beacon_hz,
        },
        ping_slot_frequencies_hz: beacon_hz,
        ping_slot_data_rate: 2,
        frequency_offset_hz: 0,
        timing: DEFAULT_TIMING,
    }
}

/// CN470-510, 20 MHz antenna, type A.
pub(crate) static CN470_20A: Band = cn470(
    RegionId::Cn470Plan20A,
    &UPLINK_20A,
    &DOWNLINK_20A,
    64,
    64,
    486_900_000,
    &[],
);
/// CN470-510, 20 MHz antenna, type B.
pub(crate) static CN470_20B: Band = cn470(
    RegionId::Cn470Plan20B,
    &CHANNELS_20B,
    &CHANNELS_20B,
    64,
    64,
    498_300_000,
    &[],
);
/// CN470-510, 26 MHz antenna, type A.
pub(crate) static CN470_26A: Band = cn470(
    RegionId::Cn470Plan26A,
    &UPLINK_26A,
    &DOWNLINK_26A,
    24,
    48,
    492_500_000,
    &[494_900_000],
);
/// CN470-510, 26 MHz antenna, type B.
pub(crate) static CN470_26B: Band = cn470(
    RegionId::Cn470Plan26B,
    &UPLINK_26B,
    &DOWNLINK_26B,
    24,
    48,
    502_500_000,
    &[504_900_000],
);
