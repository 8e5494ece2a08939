//! `DevStatusReq` / `DevStatusAns` (CID 0x06, LoRaWAN 1.0.4 §5.5, 1.1 §5.6): the network asks
//! for battery level and demodulation margin. The request has no payload; the answer is
//! `Battery` (0 = external power, 1..254 = level, 255 = unknown) and `RadioStatus` (bits 7:6
//! RFU, bits 5:0 `Margin`, a 6-bit two's-complement SNR in dB, -32..31).
//!
//! Oracles differ on negative margins: lrwn, the `lorawan` crate and LoRaMac-node (`snr & 0x3F`)
//! use two's complement, which this codec follows; The Things Stack's codec
//! (pkg/encoding/lorawan/mac.go) writes `-(m+1) | 0x20`, so its vector `{0x42, 0x2f}` for -16
//! reads here as -17. RFU bits are ignored on parse and zero on emit.

use super::MacError;

const CID: u8 = 0x06;

/// Payload of `DevStatusAns` (uplink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DevStatusAns {
    /// Battery level: 0 external power, 1..254 level, 255 not measurable.
    pub battery: u8,
    /// Demodulation SNR margin in dB (6-bit signed: -32..=31).
    pub margin: i8,
}

impl DevStatusAns {
    /// Decodes the 2-byte payload, sign-extending the 6-bit margin.
    pub fn from_wire(b: [u8; 2]) -> Self {
        Self {
            battery: b[0],
            margin: ((b[1] << 2) as i8) >> 2,
        }
    }

    /// Encodes the 2-byte payload; the margin must lie in -32..=31.
    pub fn to_wire(&self) -> Result<[u8; 2], MacError> {
        if !(-32..=31).contains(&self.margin) {
            return Err(MacError::InvalidField {
                cid: CID,
                field: "Margin",
            });
        }
        Ok([self.battery, (self.margin as u8) & 0x3F])
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::{check, check_parse};
    use super::super::{Direction, MacCommand as M};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_ans() -> impl Strategy<Value = DevStatusAns> {
        (any::<u8>(), -32i8..=31).prop_map(|(battery, margin)| DevStatusAns { battery, margin })
    }

    const fn ans(battery: u8, margin: i8) -> M {
        M::DevStatusAns(DevStatusAns { battery, margin })
    }

    #[test]
    fn bytes() {
        check(&[
            ("tts/lrwn DevStatusReq", M::DevStatusReq, &[0x06]),
            // lrwn 4.13 maccommand.rs test_command.
            (
                "lrwn external power, -30 dB",
                ans(0, -30),
                &[0x06, 0x00, 0x22],
            ),
            (
                "lrwn unknown battery, 30 dB",
                ans(255, 30),
                &[0x06, 0xFF, 0x1E],
            ),
            (
                "lrwn half battery, -1 dB",
                ans(127, -1),
                &[0x06, 0x7F, 0x3F],
            ),
            ("lrwn half battery, 0 dB", ans(127, 0), &[0x06, 0x7F, 0x00]),
            ("min margin", ans(1, -32), &[0x06, 0x01, 0x20]),
        ]);
        check_parse(&[
            (
                "RFU bits ignored",
                Direction::Uplink,
                &[0x06, 0x10, 0xFF],
                ans(0x10, -1),
            ),
            // TTS mac_test.go "DevStatusAns" {0x42, 0x2f} means -16 in TTS's sign encoding; in
            // two's complement (lrwn, lorawan crate, LoRaMac-node) 0x2f is -17.
            (
                "tts vector, two's complement reading",
                Direction::Uplink,
                &[0x06, 0x42, 0x2F],
                ans(0x42, -17),
            ),
        ]);
        assert!(
            DevStatusAns {
                battery: 0,
                margin: 32
            }
            .to_wire()
            .is_err()
        );
        assert!(
            DevStatusAns {
                battery: 0,
                margin: -33
            }
            .to_wire()
            .is_err()
        );
    }

    proptest! {
        #[test]
        fn round_trip(ans in arb_ans()) {
            prop_assert_eq!(DevStatusAns::from_wire(ans.to_wire().unwrap()), ans);
        }
    }
}
