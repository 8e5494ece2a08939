//! Class B time base: GPS time, the 128 s beacon period aligned to the GPS epoch, and the
//! beacon channel of hopping regions (LoRaWAN 1.0.4 §13.1–13.2 "Beacon"; 1.1 Class B
//! specification §3 and §5 "Beacon timing"; RP002-1.0.3 §2.x.8 "Beacon settings").
//!
//! - Beacons go out every `BEACON_PERIOD` = 128 s at GPS times that are multiples of 128 s
//!   (`Time` field = seconds since 1980-01-06 00:00:00 UTC, GPS scale, mod 2^32).
//! - The first `BEACON_RESERVED` = 2.12 s of a period belong to the beacon; the
//!   `BEACON_WINDOW` = 122.88 s that follow hold 4096 ping slots of 30 ms.
//! - Hopping regions (US915, AU915, CN470) send the beacon on channel
//!   `floor(beacon_time / 128) mod n` of their beacon frequencies.
//!
//! GPS time runs ahead of UTC by the leap seconds inserted since 1980 (18 s since
//! 2017-01-01, IERS Bulletin C); [`GpsTime::from_unix_micros`] takes that count as a constant,
//! to be raised here if the IERS announces another leap second.

use shared::region::Band;

/// Beacon period in seconds.
pub const BEACON_PERIOD_S: u64 = 128;
/// Time reserved for the beacon at the start of each period, in ms.
pub const BEACON_RESERVED_MS: u64 = 2_120;
/// One ping slot, in ms.
pub const SLOT_LEN_MS: u64 = 30;
/// Ping slots in one beacon window (122.88 s / 30 ms).
pub const BEACON_WINDOW_SLOTS: u32 = 4_096;
/// The GPS epoch (1980-01-06T00:00:00Z) in Unix seconds.
pub const GPS_EPOCH_UNIX_S: u64 = 315_964_800;
/// GPS − UTC in seconds (leap seconds since 1980; 18 since 2017-01-01).
pub const GPS_LEAP_SECONDS: u64 = 18;

/// A GPS time: µs since the GPS epoch on the GPS time scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GpsTime(pub u64);

impl GpsTime {
    /// From Unix time in µs (UTC); `None` before the GPS epoch.
    pub fn from_unix_micros(unix_us: u64) -> Option<Self> {
        let since = unix_us.checked_sub(GPS_EPOCH_UNIX_S * 1_000_000)?;
        Some(Self(since + GPS_LEAP_SECONDS * 1_000_000))
    }

    /// From whole GPS seconds.
    pub const fn from_secs(s: u64) -> Self {
        Self(s * 1_000_000)
    }

    /// From GPS milliseconds (Semtech UDP `tmms`).
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms * 1_000)
    }

    /// Whole GPS milliseconds (Semtech UDP `tmms`).
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000
    }

    /// The start of the beacon period holding this instant, in GPS seconds.
    pub const fn beacon_start_s(self) -> u64 {
        let s = self.0 / 1_000_000;
        s - s % BEACON_PERIOD_S
    }

    /// The instant `us` µs later (saturating).
    pub const fn plus_micros(self, us: u64) -> Self {
        Self(self.0.saturating_add(us))
    }
}

/// The beacon's `Time` field for the period starting at `beacon_start_s` (mod 2^32).
pub const fn beacon_time_field(beacon_start_s: u64) -> u32 {
    beacon_start_s as u32
}

/// Channel index for hopping over `n` frequencies in the period starting at `beacon_start_s`,
/// shifted by `shift` (0 for the beacon, DevAddr for a ping slot).
pub fn hop(beacon_start_s: u64, shift: u32, n: usize) -> Option<usize> {
    let n = u64::try_from(n).ok().filter(|n| *n > 0)?;
    let period = u64::from(beacon_time_field(beacon_start_s)) / BEACON_PERIOD_S;
    usize::try_from((period + u64::from(shift)) % n).ok()
}

/// The beacon frequency of the period starting at `beacon_start_s` (`None`: no default).
pub fn beacon_frequency(band: &Band, beacon_start_s: u64) -> Option<u32> {
    let f = band.beacon.frequencies_hz;
    f.get(hop(beacon_start_s, 0, f.len())?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::region::RegionId;

    #[test]
    fn gps_from_unix_by_table() {
        // GPS epoch in Unix time: 315964800 s (1980-01-06); 18 leap seconds since 2017.
        let cases = [
            ("before the epoch", 0, None),
            (
                "the epoch, plus leap seconds",
                GPS_EPOCH_UNIX_S * 1_000_000,
                Some(18_000_000),
            ),
            (
                // 2020-01-01T00:00:00Z = Unix 1577836800 → GPS 1261872018 s.
                "2020-01-01",
                1_577_836_800_000_000,
                Some(1_261_872_018_000_000),
            ),
        ];
        for (name, unix, want) in cases {
            assert_eq!(GpsTime::from_unix_micros(unix).map(|g| g.0), want, "{name}");
        }
    }

    #[test]
    fn beacon_periods_are_aligned_to_the_gps_epoch() {
        let cases = [
            ("epoch", 0, 0),
            ("just before the second period", 127_999_999, 0),
            ("second period", 128_000_000, 128),
            ("2020-01-01", 1_261_872_018_000_000, 1_261_872_000),
        ];
        for (name, us, want) in cases {
            let s = GpsTime(us).beacon_start_s();
            assert_eq!(s, want, "{name}");
            assert_eq!(s % BEACON_PERIOD_S, 0, "{name}");
        }
        assert_eq!(
            u64::from(BEACON_WINDOW_SLOTS) * SLOT_LEN_MS,
            122_880,
            "beacon window"
        );
        assert_eq!(
            BEACON_RESERVED_MS + 122_880 + 3_000,
            BEACON_PERIOD_S * 1000,
            "reserved + window + guard"
        );
    }

    #[test]
    fn beacon_channel_by_region() {
        // RP002-1.0.3: EU868 869.525 MHz fixed; US915 923.3 + 0.6·(floor(t/128) mod 8) MHz.
        let eu = RegionId::Eu868.band();
        let us = RegionId::Us915.band();
        let cases = [
            ("EU868 period 0", eu, 0, Some(869_525_000)),
            ("EU868 period 5", eu, 5 * 128, Some(869_525_000)),
            ("US915 period 0", us, 0, Some(923_300_000)),
            ("US915 period 3", us, 3 * 128, Some(925_100_000)),
            ("US915 period 9 wraps", us, 9 * 128, Some(923_900_000)),
        ];
        for (name, band, t, want) in cases {
            assert_eq!(beacon_frequency(band, t), want, "{name}");
        }
    }
}
