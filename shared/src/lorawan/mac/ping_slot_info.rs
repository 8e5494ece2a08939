//! `PingSlotInfoReq` / `PingSlotInfoAns` (CID 0x10, class B, LoRaWAN 1.1 §12.1; 1.0.4 class B
//! TS): the device reports its ping-slot periodicity, 2^`Periodicity` s between ping slots.
//! Request (1 byte): bits 7:3 RFU (ignored on parse, zero on emit), bits 2:0 `Periodicity`. The
//! answer has no payload.

use super::MacError;
use super::reader::bits;

const CID: u8 = 0x10;

/// Payload of `PingSlotInfoReq` (uplink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PingSlotInfoReq {
    /// `Periodicity` (3 bits): a ping slot every 2^`periodicity` seconds.
    pub periodicity: u8,
}

impl PingSlotInfoReq {
    /// Decodes the 1-byte payload.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            periodicity: b[0] & 0x07,
        }
    }

    /// Encodes the 1-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 1], MacError> {
        Ok([bits(CID, "Periodicity", self.periodicity, 3)?])
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::{check, check_parse};
    use super::super::{Direction, MacCommand as M};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = PingSlotInfoReq> {
        (0u8..8).prop_map(|periodicity| PingSlotInfoReq { periodicity })
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go (period 7) and lrwn 4.13 maccommand.rs (3).
            (
                "tts periodicity 7",
                M::PingSlotInfoReq(PingSlotInfoReq { periodicity: 7 }),
                &[0x10, 0x07],
            ),
            (
                "lrwn periodicity 3",
                M::PingSlotInfoReq(PingSlotInfoReq { periodicity: 3 }),
                &[0x10, 0x03],
            ),
            ("tts/lrwn PingSlotInfoAns", M::PingSlotInfoAns, &[0x10]),
        ]);
        check_parse(&[(
            "RFU bits ignored",
            Direction::Uplink,
            &[0x10, 0xFB],
            M::PingSlotInfoReq(PingSlotInfoReq { periodicity: 3 }),
        )]);
        assert!(PingSlotInfoReq { periodicity: 8 }.to_wire().is_err());
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req()) {
            prop_assert_eq!(PingSlotInfoReq::from_wire(req.to_wire().unwrap()), req);
        }
    }
}
