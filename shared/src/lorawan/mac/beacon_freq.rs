//! `BeaconFreqReq` / `BeaconFreqAns` (CID 0x13, class B, LoRaWAN 1.1 §12.2): the network moves
//! the beacon frequency. Request (3 bytes): 24-bit `Frequency` (0 = region default). Answer (1
//! byte): bit 0 beacon frequency OK, bits 7:1 RFU (ignored on parse, zero on emit).

use super::MacError;
use super::reader::{bit, flag, frequency_from_wire, frequency_to_wire};

const CID: u8 = 0x13;

/// Payload of `BeaconFreqReq` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BeaconFreqReq {
    /// Beacon frequency in Hz (multiple of 100; 0 = region default).
    pub frequency: u32,
}

/// Payload of `BeaconFreqAns` (uplink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BeaconFreqAns {
    /// Bit 0: the device can use the beacon frequency.
    pub beacon_frequency_ok: bool,
}

impl BeaconFreqReq {
    /// Decodes the 3-byte payload.
    pub fn from_wire(b: [u8; 3]) -> Self {
        Self {
            frequency: frequency_from_wire(b),
        }
    }

    /// Encodes the 3-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 3], MacError> {
        frequency_to_wire(CID, "Frequency", self.frequency)
    }
}

impl BeaconFreqAns {
    /// Decodes the 1-byte status.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            beacon_frequency_ok: bit(b[0], 0),
        }
    }

    /// Encodes the 1-byte status.
    pub fn to_wire(&self) -> [u8; 1] {
        [flag(self.beacon_frequency_ok, 0)]
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::MacCommand as M;
    use super::super::tests::{arb_frequency, check};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = BeaconFreqReq> {
        arb_frequency().prop_map(|frequency| BeaconFreqReq { frequency })
    }

    pub(in super::super) fn arb_ans() -> impl Strategy<Value = BeaconFreqAns> {
        any::<bool>().prop_map(|beacon_frequency_ok| BeaconFreqAns {
            beacon_frequency_ok,
        })
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go.
            (
                "tts BeaconFreqReq",
                M::BeaconFreqReq(BeaconFreqReq {
                    frequency: 0x42_FFFF * 100,
                }),
                &[0x13, 0xFF, 0xFF, 0x42],
            ),
            (
                "tts/lrwn BeaconFreqAns ok",
                M::BeaconFreqAns(BeaconFreqAns {
                    beacon_frequency_ok: true,
                }),
                &[0x13, 0x01],
            ),
            // lrwn 4.13 maccommand.rs.
            (
                "lrwn 868.1 MHz",
                M::BeaconFreqReq(BeaconFreqReq {
                    frequency: 868_100_000,
                }),
                &[0x13, 0x28, 0x76, 0x84],
            ),
            (
                "lrwn BeaconFreqAns not ok",
                M::BeaconFreqAns(BeaconFreqAns {
                    beacon_frequency_ok: false,
                }),
                &[0x13, 0x00],
            ),
        ]);
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req(), ans in arb_ans()) {
            prop_assert_eq!(BeaconFreqReq::from_wire(req.to_wire().unwrap()), req);
            prop_assert_eq!(BeaconFreqAns::from_wire(ans.to_wire()), ans);
        }
    }
}
