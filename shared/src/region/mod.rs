//! LoRaWAN Regional Parameters RP002-1.0.3 (values unchanged in RP002-1.0.4 except the TS011
//! relay channels, which are not modelled here) as static data.
//!
//! Each region is one `static Band` in its own file (`eu868.rs`, `us915.rs`, …); the shared
//! rows (LoRa data rates, the EU-like RX1 data-rate table, default timings) are defined once in
//! `data_rate.rs` and `band.rs`. Lookups (`Band::max_payload`, `Band::rx1_data_rate`,
//! `Band::rx1_frequency`, `Band::tx_power_eirp`, `Band::sub_band`, …) compute from the tables
//! without branching on the region and without allocating. Every table is compared with the
//! golden files in `shared/tests/fixtures/rp002/` and with `lrwn`'s region implementations.

mod as923;
mod au915;
mod band;
mod channel;
mod cn470;
mod data_rate;
mod eu868;
mod in865;
mod kr920;
mod ru864;
mod us915;

use core::fmt;
use core::str::FromStr;

pub use band::{Band, Beacon, BootDwellTime, CfListType, DEFAULT_TIMING, Rx2, Timing};
pub use channel::{Channel, ChannelGrid, Rx1FrequencyRule, SubBand};
pub use data_rate::{DataRate, DrEntry, DrUse, LrFhssCodingRate, MaxPayload, Modulation};

/// A region (channel plan) of RP002-1.0.3.
///
/// CN470-510 has four channel plans in RP002-1.0.3 (20 MHz and 26 MHz antennas, types A and
/// B) with different channel grids, RX2 and beacon frequencies; each is its own id here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RegionId {
    /// EU863-870.
    Eu868,
    /// US902-928.
    Us915,
    /// AU915-928.
    Au915,
    /// CN470-510, 20 MHz antenna, plan type A.
    Cn470Plan20A,
    /// CN470-510, 20 MHz antenna, plan type B.
    Cn470Plan20B,
    /// CN470-510, 26 MHz antenna, plan type A.
    Cn470Plan26A,
    /// CN470-510, 26 MHz antenna, plan type B.
    Cn470Plan26B,
    /// AS923-1 (AS923_FREQ_OFFSET 0).
    As923_1,
    /// AS923-2 (AS923_FREQ_OFFSET -1.8 MHz).
    As923_2,
    /// AS923-3 (AS923_FREQ_OFFSET -6.6 MHz).
    As923_3,
    /// AS923-4 (AS923_FREQ_OFFSET -5.9 MHz).
    As923_4,
    /// KR920-923.
    Kr920,
    /// IN865-867.
    In865,
    /// RU864-870.
    Ru864,
}

impl RegionId {
    /// Every region, in declaration order.
    pub const ALL: [RegionId; 14] = [
        Self::Eu868,
        Self::Us915,
        Self::Au915,
        Self::Cn470Plan20A,
        Self::Cn470Plan20B,
        Self::Cn470Plan26A,
        Self::Cn470Plan26B,
        Self::As923_1,
        Self::As923_2,
        Self::As923_3,
        Self::As923_4,
        Self::Kr920,
        Self::In865,
        Self::Ru864,
    ];

    /// The stable string id ("EU868", "AS923-2", "CN470-26A", …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eu868 => "EU868",
            Self::Us915 => "US915",
            Self::Au915 => "AU915",
            Self::Cn470Plan20A => "CN470-20A",
            Self::Cn470Plan20B => "CN470-20B",
            Self::Cn470Plan26A => "CN470-26A",
            Self::Cn470Plan26B => "CN470-26B",
            Self::As923_1 => "AS923-1",
            Self::As923_2 => "AS923-2",
            Self::As923_3 => "AS923-3",
            Self::As923_4 => "AS923-4",
            Self::Kr920 => "KR920",
            Self::In865 => "IN865",
            Self::Ru864 => "RU864",
        }
    }

    /// This region's band.
    pub fn band(self) -> &'static Band {
        band(self)
    }
}

impl fmt::Display for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A region id string that names no region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("unknown region id")]
pub struct UnknownRegion;

impl FromStr for RegionId {
    type Err = UnknownRegion;

    /// Parses the stable id; "AS923" is accepted for AS923-1 as in common usage.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "AS923" {
            return Ok(Self::As923_1);
        }
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(UnknownRegion)
    }
}

/// The static band of a region.
pub fn band(id: RegionId) -> &'static Band {
    match id {
        RegionId::Eu868 => &eu868::EU868,
        RegionId::Us915 => &us915::US915,
        RegionId::Au915 => &au915::AU915,
        RegionId::Cn470Plan20A => &cn470::CN470_20A,
        RegionId::Cn470Plan20B => &cn470::CN470_20B,
        RegionId::Cn470Plan26A => &cn470::CN470_26A,
        RegionId::Cn470Plan26B => &cn470::CN470_26B,
        RegionId::As923_1 => &as923::AS923_1,
        RegionId::As923_2 => &as923::AS923_2,
        RegionId::As923_3 => &as923::AS923_3,
        RegionId::As923_4 => &as923::AS923_4,
        RegionId::Kr920 => &kr920::KR920,
        RegionId::In865 => &in865::IN865,
        RegionId::Ru864 => &ru864::RU864,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for id in RegionId::ALL {
            assert_eq!(id.as_str().parse::<RegionId>(), Ok(id), "{id}");
            assert_eq!(id.to_string(), id.as_str());
            assert_eq!(band(id).id, id, "{id}: band() returns its own band");
        }
    }

    #[test]
    fn id_parsing_named_cases() {
        let cases = [
            ("EU868", Ok(RegionId::Eu868)),
            ("US915", Ok(RegionId::Us915)),
            ("AS923", Ok(RegionId::As923_1)),
            ("AS923-2", Ok(RegionId::As923_2)),
            ("CN470-26B", Ok(RegionId::Cn470Plan26B)),
            ("eu868", Err(UnknownRegion)),
            ("", Err(UnknownRegion)),
            ("CN779", Err(UnknownRegion)),
        ];
        for (s, want) in cases {
            assert_eq!(s.parse::<RegionId>(), want, "{s:?}");
        }
    }

    #[test]
    fn indicative_bit_rates_named_cases() {
        // RP002-1.0.3 data-rate tables, "Indicative physical bit rate [bit/s]".
        let cases = [
            ("EU868 DR0", RegionId::Eu868, 0, 250),
            ("EU868 DR5", RegionId::Eu868, 5, 5_470),
            ("EU868 DR6", RegionId::Eu868, 6, 11_000),
            ("EU868 DR7 FSK", RegionId::Eu868, 7, 50_000),
            ("EU868 DR8 LR-FHSS", RegionId::Eu868, 8, 162),
            ("US915 DR0", RegionId::Us915, 0, 980),
            ("US915 DR4", RegionId::Us915, 4, 12_500),
            ("US915 DR13", RegionId::Us915, 13, 21_900),
        ];
        for (name, id, dr, want) in cases {
            assert_eq!(
                band(id).data_rate(dr).map(|r| r.bit_rate),
                Some(want),
                "{name}"
            );
        }
    }
}
