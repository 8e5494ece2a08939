//! Time on air of a LoRa or FSK frame, for duty-cycle accounting and dwell time.
//!
//! LoRa: the formula of Semtech AN1200.13 "LoRa Modem Designer's Guide" §4 and the SX1276/77/78/79
//! datasheet §4.1.1.7 "Time on air":
//! - `Tsym = 2^SF / BW`, `Tpreamble = (n_preamble + 4.25) · Tsym`,
//! - `n_payload = 8 + max(ceil((8·PL − 4·SF + 28 + 16·CRC − 20·IH) / (4·(SF − 2·DE))) · (CR + 4), 0)`,
//!   with `IH` = 1 for implicit header, `DE` = 1 (low data-rate optimisation) when `Tsym` ≥ 16 ms,
//!   `CR` 1..=4 for 4/5..4/8.
//!
//! FSK (LoRaWAN's 50 kbit/s GFSK, RP002-1.0.3 and the SX1276 packet engine): 5 preamble bytes,
//! 3 sync-word bytes, 1 length byte, the payload and a 2-byte CRC, `8 · bytes / bit rate`.
//!
//! Computed in integer nanoseconds (exact for 125/250/500 kHz), no floating point. LoRaWAN
//! downlinks are sent with coding rate 4/5, an 8-symbol preamble, explicit header and no payload
//! CRC (LoRaWAN 1.0.4 §3.1: the PHY CRC is present on uplinks only): see [`downlink`].

use shared::region::Modulation;
use std::time::Duration;

/// LoRa frame parameters that change time on air.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoraFrame {
    /// Spreading factor, 5..=12.
    pub spreading_factor: u8,
    /// Bandwidth in Hz.
    pub bandwidth_hz: u32,
    /// Coding rate denominator minus 4: 1 for 4/5 up to 4 for 4/8.
    pub coding_rate: u8,
    /// Programmed preamble length in symbols (LoRaWAN: 8).
    pub preamble_symbols: u16,
    /// Explicit (true) or implicit header.
    pub explicit_header: bool,
    /// Payload CRC present.
    pub crc: bool,
}

impl LoraFrame {
    /// A LoRaWAN downlink: CR 4/5, 8-symbol preamble, explicit header, no CRC.
    pub const fn downlink(spreading_factor: u8, bandwidth_hz: u32) -> Self {
        Self {
            spreading_factor,
            bandwidth_hz,
            coding_rate: 1,
            preamble_symbols: 8,
            explicit_header: true,
            crc: false,
        }
    }

    /// A LoRaWAN uplink: as a downlink, with the payload CRC.
    pub const fn uplink(spreading_factor: u8, bandwidth_hz: u32) -> Self {
        Self {
            crc: true,
            ..Self::downlink(spreading_factor, bandwidth_hz)
        }
    }
}

/// Time on air of a LoRa frame of `payload_len` PHY bytes; `None` for a zero bandwidth or a
/// spreading factor outside 5..=12.
pub fn lora(frame: &LoraFrame, payload_len: usize) -> Option<Duration> {
    let sf = i64::from(frame.spreading_factor);
    if !(5..=12).contains(&sf) || frame.bandwidth_hz == 0 {
        return None;
    }
    let bw = u128::from(frame.bandwidth_hz);
    // Low data-rate optimisation when Tsym = 2^SF / BW >= 16 ms.
    let de = i64::from((1u128 << sf) * 1000 >= 16 * bw);
    let ih = i64::from(!frame.explicit_header);
    let crc = i64::from(frame.crc);
    let cr = i64::from(frame.coding_rate.clamp(1, 4));
    let pl = i64::try_from(payload_len).ok()?;
    let num = 8 * pl - 4 * sf + 28 + 16 * crc - 20 * ih;
    let den = 4 * (sf - 2 * de);
    let blocks = if num > 0 { (num + den - 1) / den } else { 0 };
    let payload_symbols = 8 + blocks * (cr + 4);
    // Quarter symbols: preamble (n + 4.25) and payload.
    let quarters = 4 * u128::from(frame.preamble_symbols) + 17 + 4 * payload_symbols as u128;
    let ns = quarters * (1u128 << sf) * 1_000_000_000 / (4 * bw);
    Some(Duration::from_nanos(u64::try_from(ns).ok()?))
}

/// Time on air of a LoRaWAN FSK frame of `payload_len` PHY bytes at `bit_rate` bit/s.
pub fn fsk(bit_rate: u32, payload_len: usize) -> Option<Duration> {
    if bit_rate == 0 {
        return None;
    }
    let bytes = 5 + 3 + 1 + u128::try_from(payload_len).ok()? + 2;
    let ns = bytes * 8 * 1_000_000_000 / u128::from(bit_rate);
    Some(Duration::from_nanos(u64::try_from(ns).ok()?))
}

/// Time on air of a LoRaWAN downlink of `payload_len` bytes at a region's modulation; `None`
/// for LR-FHSS (uplink only) or invalid parameters.
pub fn downlink(modulation: &Modulation, payload_len: usize) -> Option<Duration> {
    match *modulation {
        Modulation::LoRa {
            spreading_factor,
            bandwidth_hz,
        } => lora(
            &LoraFrame::downlink(spreading_factor, bandwidth_hz),
            payload_len,
        ),
        Modulation::Fsk { bit_rate } => fsk(bit_rate, payload_len),
        Modulation::LrFhss { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(d: Option<Duration>) -> u128 {
        d.expect("valid parameters").as_micros()
    }

    /// The Things Stack `pkg/toa/toa_test.go` (TestDifferentLoRaSFs, ...BWs, ...CRs,
    /// ...PayloadSizes, TestFSK): its LoRa cases use CRC on, explicit header, 8-symbol preamble.
    #[test]
    fn tts_toa_vectors() {
        let lora_cases: [(&str, u8, u32, u8, usize, u128); 18] = [
            ("SF7BW125 10 B", 7, 125_000, 1, 10, 41_216),
            ("SF8BW125 10 B", 8, 125_000, 1, 10, 72_192),
            ("SF9BW125 10 B", 9, 125_000, 1, 10, 144_384),
            ("SF10BW125 10 B", 10, 125_000, 1, 10, 288_768),
            ("SF11BW125 10 B (DE)", 11, 125_000, 1, 10, 577_536),
            ("SF12BW125 10 B (DE)", 12, 125_000, 1, 10, 991_232),
            ("SF7BW250 10 B", 7, 250_000, 1, 10, 20_608),
            ("SF7BW500 10 B", 7, 500_000, 1, 10, 10_304),
            ("SF7BW125 CR4/6", 7, 125_000, 2, 10, 45_312),
            ("SF7BW125 CR4/7", 7, 125_000, 3, 10, 49_408),
            ("SF7BW125 CR4/8", 7, 125_000, 4, 10, 53_504),
            ("SF7BW125 13 B", 7, 125_000, 1, 13, 46_336),
            ("SF7BW125 14 B", 7, 125_000, 1, 14, 46_336),
            ("SF7BW125 15 B", 7, 125_000, 1, 15, 46_336),
            ("SF7BW125 16 B", 7, 125_000, 1, 16, 51_456),
            ("SF7BW125 17 B", 7, 125_000, 1, 17, 51_456),
            ("SF7BW125 18 B", 7, 125_000, 1, 18, 51_456),
            ("SF7BW125 19 B", 7, 125_000, 1, 19, 51_456),
        ];
        for (name, sf, bw, cr, len, want) in lora_cases {
            let f = LoraFrame {
                coding_rate: cr,
                ..LoraFrame::uplink(sf, bw)
            };
            assert_eq!(us(lora(&f, len)), want, "{name}");
        }
        assert_eq!(us(fsk(50_000, 200)), 33_760, "FSK 50 kbit/s 200 B");
    }

    #[test]
    fn downlink_without_crc_by_table() {
        // The same formula with CRC = 0 (AN1200.13): SF7/125 kHz 13 B: (104-28+28)/28 -> 4
        // blocks, 28 symbols + 12.25 = 40.25 · 1.024 ms; SF12 DE 13 B: (104-48+28)/40 -> 3
        // blocks, 23 + 12.25 symbols · 32.768 ms; SF12/500 kHz (no DE) 13 B: 84/48 -> 2 blocks,
        // 18 + 12.25 symbols · 8.192 ms.
        let cases = [
            ("EU868 DR5 13 B", 7, 125_000, 13, 41_216),
            ("EU868 DR0 13 B", 12, 125_000, 13, 1_155_072),
            ("US915 DR8 SF12/500 13 B", 12, 500_000, 13, 247_808),
        ];
        for (name, sf, bw, len, want) in cases {
            let m = Modulation::LoRa {
                spreading_factor: sf,
                bandwidth_hz: bw,
            };
            assert_eq!(us(downlink(&m, len)), want, "{name}");
        }
        assert_eq!(
            us(downlink(&Modulation::Fsk { bit_rate: 50_000 }, 13)),
            3_840
        );
    }

    #[test]
    fn invalid_parameters_by_table() {
        let cases = [
            ("SF4", LoraFrame::downlink(4, 125_000)),
            ("SF13", LoraFrame::downlink(13, 125_000)),
            ("BW 0", LoraFrame::downlink(7, 0)),
        ];
        for (name, f) in cases {
            assert_eq!(lora(&f, 10), None, "{name}");
        }
        assert_eq!(fsk(0, 10), None);
        let lr = Modulation::LrFhss {
            occupied_channel_width_hz: 137_000,
            coding_rate: shared::region::LrFhssCodingRate::OneThird,
        };
        assert_eq!(downlink(&lr, 10), None);
        // Implicit header, empty payload: the max(…, 0) floor.
        let f = LoraFrame {
            explicit_header: false,
            ..LoraFrame::downlink(12, 125_000)
        };
        assert_eq!(us(lora(&f, 0)), (8 + 12) * 32_768 + 8_192);
    }
}
