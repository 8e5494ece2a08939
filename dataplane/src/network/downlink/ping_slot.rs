//! Class B ping slots: the pseudo-random offset of a device's slots in each beacon period, the
//! next slot after an instant, and the slot's channel (LoRaWAN 1.0.4 §13.3 "Ping slot
//! randomization"; 1.1 Class B specification §5.2; RP002-1.0.3 §2.x.8 ping-slot channels).
//!
//! - `pingNb = 2^(7 − periodicity)` slots per beacon period, `pingPeriod = 2^12 / pingNb =
//!   2^(5 + periodicity)` slots between them (periodicity 0..=7 from PingSlotInfoReq).
//! - `Rand = aes128_encrypt(16 × 0x00, BeaconTime(4, LE) | DevAddr(4, LE) | 8 × 0x00)`,
//!   `pingOffset = (Rand[0] + 256 · Rand[1]) mod pingPeriod`.
//! - Slot `N` of the period opens at `beacon_start + 2.12 s + (pingOffset + N · pingPeriod) ·
//!   30 ms`.
//! - Hopping regions (US915, AU915): channel `(DevAddr + floor(beacon_time / 128)) mod 8` of the
//!   ping-slot frequencies; EU868 and others: the one default frequency (869.525 MHz), unless
//!   PingSlotChannelReq set another.
//!
//! The tests check the published vectors of ChirpStack (`chirpstack/src/downlink/classb.rs`,
//! `test_get_next_ping_slot_after`).

use super::beacon::{self, BEACON_PERIOD_S, BEACON_RESERVED_MS, GpsTime, SLOT_LEN_MS};
use aes::Aes128;
use aes::cipher::{BlockEncrypt, KeyInit};
use shared::region::Band;
use shared::types::DevAddr;

/// The periodicity when the device has not told it (PingSlotInfoReq unseen): 7, one slot per
/// beacon period, the sparsest a device may choose and the one ChirpStack assumes for a
/// device profile without a class B ping-slot period set.
pub const DEFAULT_PERIODICITY: u8 = 7;

/// Why no ping slot can be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PingSlotError {
    /// Periodicity above 7.
    #[error("ping-slot periodicity {0} is above 7")]
    Periodicity(u8),
}

/// Slots per beacon period (`pingNb`).
pub fn ping_nb(periodicity: u8) -> Result<u32, PingSlotError> {
    match periodicity {
        0..=7 => Ok(1 << (7 - periodicity)),
        p => Err(PingSlotError::Periodicity(p)),
    }
}

/// Slots between two of the device's ping slots (`pingPeriod`).
pub fn ping_period(periodicity: u8) -> Result<u32, PingSlotError> {
    Ok(beacon::BEACON_WINDOW_SLOTS / ping_nb(periodicity)?)
}

/// `pingOffset` of `dev_addr` in the period whose beacon carries `beacon_time` (GPS s mod 2^32).
pub fn ping_offset(
    beacon_time: u32,
    dev_addr: DevAddr,
    periodicity: u8,
) -> Result<u32, PingSlotError> {
    let period = ping_period(periodicity)?;
    let cipher = Aes128::new(&[0u8; 16].into());
    let mut block = [0u8; 16];
    block[..4].copy_from_slice(&beacon_time.to_le_bytes());
    block[4..8].copy_from_slice(&dev_addr.to_u32().to_le_bytes());
    let mut b = block.into();
    cipher.encrypt_block(&mut b);
    let rand = u32::from(b[0]) + 256 * u32::from(b[1]);
    Ok(rand % period)
}

/// A ping slot: when it opens and the beacon period it lies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingSlot {
    /// When the slot opens (GPS time).
    pub at: GpsTime,
    /// The start of its beacon period, GPS seconds.
    pub beacon_start_s: u64,
}

/// The first of `dev_addr`'s ping slots strictly after `after`.
pub fn next_ping_slot(
    after: GpsTime,
    dev_addr: DevAddr,
    periodicity: u8,
) -> Result<PingSlot, PingSlotError> {
    let nb = ping_nb(periodicity)?;
    let period = ping_period(periodicity)?;
    let mut start = after.beacon_start_s();
    // The slot is in this period or, at the latest, the next one.
    loop {
        let offset = ping_offset(beacon::beacon_time_field(start), dev_addr, periodicity)?;
        for n in 0..nb {
            let ms =
                start * 1000 + BEACON_RESERVED_MS + u64::from(offset + n * period) * SLOT_LEN_MS;
            let at = GpsTime::from_millis(ms);
            if at > after {
                return Ok(PingSlot {
                    at,
                    beacon_start_s: start,
                });
            }
        }
        start += BEACON_PERIOD_S;
    }
}

/// The slot's frequency: `fixed` (PingSlotChannelReq) if set, else the region's default, hopping
/// by DevAddr and beacon period where the region has several.
pub fn frequency(
    band: &Band,
    slot: &PingSlot,
    dev_addr: DevAddr,
    fixed: Option<u32>,
) -> Option<u32> {
    if let Some(f) = fixed {
        return Some(f);
    }
    let f = band.ping_slot_frequencies_hz;
    f.get(beacon::hop(
        slot.beacon_start_s,
        dev_addr.to_u32(),
        f.len(),
    )?)
    .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::region::RegionId;

    /// ChirpStack `chirpstack/src/downlink/classb.rs` `test_get_next_ping_slot_after`:
    /// (after, DevAddr, pingNb, expected slot), times in ms since the GPS epoch.
    #[test]
    fn chirpstack_vectors() {
        let zero = DevAddr::from_u32(0);
        let cases = [
            ("after 0, pingNb 1", 0, 1, 74_300),
            ("after 2 min, pingNb 1", 120_000, 1, 185_620),
            ("after 0, pingNb 2", 0, 2, 12_860),
            ("after 13 s, pingNb 2", 13_000, 2, 74_300),
            ("after 124 s, pingNb 128", 124_000, 128, 124_220),
        ];
        for (name, after_ms, nb, want_ms) in cases {
            let p = (0..=7u8).find(|p| ping_nb(*p) == Ok(nb)).unwrap();
            let s = next_ping_slot(GpsTime::from_millis(after_ms), zero, p).unwrap();
            assert_eq!(s.at.as_millis(), want_ms, "{name}");
        }
    }

    #[test]
    fn offsets_stay_inside_the_period() {
        for p in 0..=7u8 {
            let period = ping_period(p).unwrap();
            for k in 0..500u32 {
                let t = k * 128;
                let o =
                    ping_offset(t, DevAddr::from_u32(k.wrapping_mul(2_654_435_761)), p).unwrap();
                assert!(o < period, "periodicity {p} beacon {t}");
            }
        }
    }

    #[test]
    fn periodicity_table() {
        // 1.0.4 §13.3 / PingSlotInfoReq: periodicity 0 → 128 slots every 32; 7 → 1 every 4096.
        let cases = [
            (0, Ok(128), Ok(32)),
            (7, Ok(1), Ok(4096)),
            (4, Ok(8), Ok(512)),
        ];
        for (p, nb, period) in cases {
            assert_eq!(ping_nb(p), nb, "nb {p}");
            assert_eq!(ping_period(p), period, "period {p}");
        }
        assert_eq!(ping_nb(8), Err(PingSlotError::Periodicity(8)));
    }

    #[test]
    fn slots_are_strictly_after_and_consecutive() {
        let addr = DevAddr::from_u32(0x2601_1234);
        let first = next_ping_slot(GpsTime::from_secs(1_000_000), addr, 5).unwrap();
        let second = next_ping_slot(first.at, addr, 5).unwrap();
        assert!(second.at > first.at);
        // Periodicity 5: 4 slots per period, 1024 slots (30.72 s) apart within a period.
        if second.beacon_start_s == first.beacon_start_s {
            assert_eq!(second.at.0 - first.at.0, 30_720_000);
        }
    }

    #[test]
    fn frequency_by_region() {
        let slot = |start| PingSlot {
            at: GpsTime::from_secs(start + 3),
            beacon_start_s: start,
        };
        let eu = RegionId::Eu868.band();
        let us = RegionId::Us915.band();
        let cases = [
            ("EU868 default", eu, 0, 5, None, Some(869_525_000)),
            (
                "fixed channel",
                eu,
                0,
                5,
                Some(869_100_000),
                Some(869_100_000),
            ),
            // (DevAddr 5 + period 0) mod 8 = 5 → 923.3 + 3.0 MHz.
            (
                "US915 DevAddr 5 period 0",
                us,
                0,
                5,
                None,
                Some(926_300_000),
            ),
            // (5 + 4) mod 8 = 1 → 923.9 MHz.
            (
                "US915 DevAddr 5 period 4",
                us,
                4 * 128,
                5,
                None,
                Some(923_900_000),
            ),
        ];
        for (name, band, start, addr, fixed, want) in cases {
            let got = frequency(band, &slot(start), DevAddr::from_u32(addr), fixed);
            assert_eq!(got, want, "{name}");
        }
    }
}
