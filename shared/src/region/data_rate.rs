//! Data rates (RP002-1.0.3 §2.x.3 "Data Rate and End-device Output Power Encoding" of each
//! region) and the maximum payload sizes M and N (§2.x.6 "Maximum Payload Size").
//!
//! The LoRa, FSK and LR-FHSS rows that several regions share are defined once here as
//! constants; the region files list which index carries which row.

/// The modulation behind one data-rate index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Modulation {
    /// LoRa chirp spread spectrum, coding rate 4/5.
    LoRa {
        /// Spreading factor, 7 to 12.
        spreading_factor: u8,
        /// Channel bandwidth in Hz.
        bandwidth_hz: u32,
    },
    /// (G)FSK.
    Fsk {
        /// Bit rate in bit/s.
        bit_rate: u32,
    },
    /// LR-FHSS (RP002-1.0.3 adds it to EU868, US915 and AU915).
    LrFhss {
        /// Occupied channel width in Hz.
        occupied_channel_width_hz: u32,
        /// Forward error correction coding rate.
        coding_rate: LrFhssCodingRate,
    },
}

/// Coding rate of an LR-FHSS data rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LrFhssCodingRate {
    /// Coding rate 1/3.
    OneThird,
    /// Coding rate 2/3.
    TwoThirds,
}

impl LrFhssCodingRate {
    /// The coding rate as the spec writes it ("1/3", "2/3").
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OneThird => "1/3",
            Self::TwoThirds => "2/3",
        }
    }
}

/// Which link directions a data-rate index serves in a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrUse {
    /// Uplink and downlink.
    Both,
    /// Uplink only (e.g. US915 DR4, LR-FHSS).
    Uplink,
    /// Downlink only (e.g. US915 DR8..DR13).
    Downlink,
}

/// One row of a region's data-rate table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataRate {
    /// Modulation and its parameters.
    pub modulation: Modulation,
    /// Indicative physical bit rate in bit/s, as in the spec's data-rate table.
    pub bit_rate: u32,
    /// Directions this index serves.
    pub usage: DrUse,
}

impl DataRate {
    /// Whether an end-device may transmit uplinks at this data rate.
    pub const fn is_uplink(&self) -> bool {
        matches!(self.usage, DrUse::Both | DrUse::Uplink)
    }

    /// Whether the network may transmit downlinks at this data rate.
    pub const fn is_downlink(&self) -> bool {
        matches!(self.usage, DrUse::Both | DrUse::Downlink)
    }

    /// The same rate used in other directions.
    pub const fn with_usage(self, usage: DrUse) -> Self {
        Self { usage, ..self }
    }
}

/// Maximum payload sizes for one data rate (RP002-1.0.3 "Maximum Payload Size" tables).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPayload {
    /// M: maximum MACPayload length in bytes.
    pub m: u8,
    /// N: maximum FRMPayload length without FOpts (always M - 8: FHDR 7 + FPort 1).
    pub n: u8,
}

/// One data-rate index of a region: the rate and its payload limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrEntry {
    /// The data rate.
    pub rate: DataRate,
    /// M without a dwell-time limit (`None`: not defined).
    pub max_mac_payload: Option<u8>,
    /// M under the 400 ms dwell-time limit (`None`: N/A, the rate cannot be used).
    pub max_mac_payload_dwell: Option<u8>,
}

/// A data-rate row whose payload limit does not depend on dwell time.
pub(crate) const fn dr(rate: DataRate, m: u8) -> Option<DrEntry> {
    Some(DrEntry {
        rate,
        max_mac_payload: Some(m),
        max_mac_payload_dwell: Some(m),
    })
}

/// A data-rate row with separate limits without and with the 400 ms dwell time.
pub(crate) const fn dr_dwell(rate: DataRate, m: u8, m_dwell: Option<u8>) -> Option<DrEntry> {
    Some(DrEntry {
        rate,
        max_mac_payload: Some(m),
        max_mac_payload_dwell: m_dwell,
    })
}

/// A data-rate row with no payload limit defined (e.g. CN470 DR0, RX2/beacon only).
pub(crate) const fn dr_undefined(rate: DataRate) -> Option<DrEntry> {
    Some(DrEntry {
        rate,
        max_mac_payload: None,
        max_mac_payload_dwell: None,
    })
}

const fn lora(spreading_factor: u8, bandwidth_hz: u32, bit_rate: u32) -> DataRate {
    DataRate {
        modulation: Modulation::LoRa {
            spreading_factor,
            bandwidth_hz,
        },
        bit_rate,
        usage: DrUse::Both,
    }
}

const fn lr_fhss(width_hz: u32, coding_rate: LrFhssCodingRate, bit_rate: u32) -> DataRate {
    DataRate {
        modulation: Modulation::LrFhss {
            occupied_channel_width_hz: width_hz,
            coding_rate,
        },
        bit_rate,
        usage: DrUse::Uplink,
    }
}

/// LoRa SF12 / 125 kHz, 250 bit/s.
pub const SF12_BW125: DataRate = lora(12, 125_000, 250);
/// LoRa SF11 / 125 kHz, 440 bit/s.
pub const SF11_BW125: DataRate = lora(11, 125_000, 440);
/// LoRa SF10 / 125 kHz, 980 bit/s.
pub const SF10_BW125: DataRate = lora(10, 125_000, 980);
/// LoRa SF9 / 125 kHz, 1760 bit/s.
pub const SF9_BW125: DataRate = lora(9, 125_000, 1_760);
/// LoRa SF8 / 125 kHz, 3125 bit/s.
pub const SF8_BW125: DataRate = lora(8, 125_000, 3_125);
/// LoRa SF7 / 125 kHz, 5470 bit/s.
pub const SF7_BW125: DataRate = lora(7, 125_000, 5_470);
/// LoRa SF7 / 250 kHz, 11000 bit/s.
pub const SF7_BW250: DataRate = lora(7, 250_000, 11_000);
/// LoRa SF12 / 500 kHz, 980 bit/s.
pub const SF12_BW500: DataRate = lora(12, 500_000, 980);
/// LoRa SF11 / 500 kHz, 1760 bit/s.
pub const SF11_BW500: DataRate = lora(11, 500_000, 1_760);
/// LoRa SF10 / 500 kHz, 3900 bit/s.
pub const SF10_BW500: DataRate = lora(10, 500_000, 3_900);
/// LoRa SF9 / 500 kHz, 7000 bit/s.
pub const SF9_BW500: DataRate = lora(9, 500_000, 7_000);
/// LoRa SF8 / 500 kHz, 12500 bit/s.
pub const SF8_BW500: DataRate = lora(8, 500_000, 12_500);
/// LoRa SF7 / 500 kHz, 21900 bit/s.
pub const SF7_BW500: DataRate = lora(7, 500_000, 21_900);
/// FSK 50 kbit/s.
pub const FSK_50K: DataRate = DataRate {
    modulation: Modulation::Fsk { bit_rate: 50_000 },
    bit_rate: 50_000,
    usage: DrUse::Both,
};
/// LR-FHSS CR1/3, 137 kHz occupied channel width, 162 bit/s.
pub const LR_FHSS_CR13_137K: DataRate = lr_fhss(137_000, LrFhssCodingRate::OneThird, 162);
/// LR-FHSS CR2/3, 137 kHz occupied channel width, 325 bit/s.
pub const LR_FHSS_CR23_137K: DataRate = lr_fhss(137_000, LrFhssCodingRate::TwoThirds, 325);
/// LR-FHSS CR1/3, 336 kHz occupied channel width, 162 bit/s.
pub const LR_FHSS_CR13_336K: DataRate = lr_fhss(336_000, LrFhssCodingRate::OneThird, 162);
/// LR-FHSS CR2/3, 336 kHz occupied channel width, 325 bit/s.
pub const LR_FHSS_CR23_336K: DataRate = lr_fhss(336_000, LrFhssCodingRate::TwoThirds, 325);
/// LR-FHSS CR1/3, 1.523 MHz occupied channel width, 162 bit/s.
pub const LR_FHSS_CR13_1523K: DataRate = lr_fhss(1_523_000, LrFhssCodingRate::OneThird, 162);
/// LR-FHSS CR2/3, 1.523 MHz occupied channel width, 325 bit/s.
pub const LR_FHSS_CR23_1523K: DataRate = lr_fhss(1_523_000, LrFhssCodingRate::TwoThirds, 325);

/// The common RX1 data-rate table of EU-like regions: `max(uplink_dr - offset, 0)` for offsets
/// 0..=5, uplink DR0..DR7 (EU868, KR920, RU864, CN470; rows past a region's last uplink DR
/// are never read because `Band::rx1_data_rate` checks the uplink DR first).
pub(crate) const RX1_DR_EU_LIKE: [&[u8]; 8] = [
    &[0, 0, 0, 0, 0, 0],
    &[1, 0, 0, 0, 0, 0],
    &[2, 1, 0, 0, 0, 0],
    &[3, 2, 1, 0, 0, 0],
    &[4, 3, 2, 1, 0, 0],
    &[5, 4, 3, 2, 1, 0],
    &[6, 5, 4, 3, 2, 1],
    &[7, 6, 5, 4, 3, 2],
];
