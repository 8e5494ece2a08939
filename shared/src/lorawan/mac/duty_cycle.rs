//! `DutyCycleReq` / `DutyCycleAns` (CID 0x04, LoRaWAN 1.0.4 §5.3, 1.1 §5.4): the network caps
//! the device's aggregated duty cycle at 1 / 2^`MaxDCycle`. `DutyCyclePL` is one byte: bits 7:4
//! RFU, bits 3:0 `MaxDCycle`; the answer has no payload.
//!
//! LoRaWAN 1.0.0/1.0.1 gave the byte 255 a meaning ("stop transmitting"); from 1.0.2 the upper
//! nibble is RFU, so this codec ignores it on parse (255 reads as 15) and emits zeros. lrwn keeps
//! the whole byte; see `shared/tests/mac_differential.rs`.

use super::MacError;
use super::reader::bits;

const CID: u8 = 0x04;

/// Payload of `DutyCycleReq` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DutyCycleReq {
    /// Aggregated duty cycle limit exponent (4 bits): the limit is 1 / 2^`max_duty_cycle`.
    pub max_duty_cycle: u8,
}

impl DutyCycleReq {
    /// Decodes the 1-byte payload.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            max_duty_cycle: b[0] & 0x0F,
        }
    }

    /// Encodes the 1-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 1], MacError> {
        Ok([bits(CID, "MaxDCycle", self.max_duty_cycle, 4)?])
    }

    /// The aggregated duty-cycle limit as a divisor: at most 1 / `divisor()` of air time.
    pub fn divisor(&self) -> u32 {
        1u32 << (self.max_duty_cycle & 0x0F)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::{check, check_parse};
    use super::super::{Direction, MacCommand as M};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = DutyCycleReq> {
        (0u8..16).prop_map(|max_duty_cycle| DutyCycleReq { max_duty_cycle })
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go and lrwn 4.13 maccommand.rs: MaxDCycle 13.
            (
                "tts/lrwn DutyCycleReq 13",
                M::DutyCycleReq(DutyCycleReq { max_duty_cycle: 13 }),
                &[0x04, 0x0D],
            ),
            ("tts/lrwn DutyCycleAns", M::DutyCycleAns, &[0x04]),
        ]);
        check_parse(&[(
            "1.0.0 value 255 reads as 15 (RFU nibble ignored)",
            Direction::Downlink,
            &[0x04, 0xFF],
            M::DutyCycleReq(DutyCycleReq { max_duty_cycle: 15 }),
        )]);
        assert_eq!(DutyCycleReq { max_duty_cycle: 7 }.divisor(), 128);
        assert!(DutyCycleReq { max_duty_cycle: 16 }.to_wire().is_err());
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req()) {
            prop_assert_eq!(DutyCycleReq::from_wire(req.to_wire().unwrap()), req);
        }
    }
}
