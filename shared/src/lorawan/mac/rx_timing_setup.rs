//! `RXTimingSetupReq` / `RXTimingSetupAns` (CID 0x08, LoRaWAN 1.0.4 §5.7, 1.1 §5.8): the network
//! sets the delay between the end of an uplink and RX1. `Settings` is one byte: bits 7:4 RFU
//! (ignored on parse, zero on emit), bits 3:0 `Del` in seconds, where 0 also means 1 s. The answer
//! has no payload.

use super::MacError;
use super::reader::bits;

const CID: u8 = 0x08;

/// Payload of `RXTimingSetupReq` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RxTimingSetupReq {
    /// `Del` (4 bits): RX1 delay in seconds, 0 meaning 1.
    pub delay: u8,
}

impl RxTimingSetupReq {
    /// Decodes the 1-byte payload.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self { delay: b[0] & 0x0F }
    }

    /// Encodes the 1-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 1], MacError> {
        Ok([bits(CID, "Del", self.delay, 4)?])
    }

    /// The RX1 delay in seconds (`Del` 0 and 1 both mean 1 s).
    pub fn rx1_delay_secs(&self) -> u8 {
        self.delay.max(1)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::{check, check_parse};
    use super::super::{Direction, MacCommand as M};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = RxTimingSetupReq> {
        (0u8..16).prop_map(|delay| RxTimingSetupReq { delay })
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go and lrwn 4.13 maccommand.rs: Del 15.
            (
                "tts/lrwn RXTimingSetupReq 15 s",
                M::RxTimingSetupReq(RxTimingSetupReq { delay: 15 }),
                &[0x08, 0x0F],
            ),
            ("tts/lrwn RXTimingSetupAns", M::RxTimingSetupAns, &[0x08]),
        ]);
        check_parse(&[(
            "RFU bits ignored",
            Direction::Downlink,
            &[0x08, 0xF1],
            M::RxTimingSetupReq(RxTimingSetupReq { delay: 1 }),
        )]);
        assert_eq!(RxTimingSetupReq { delay: 0 }.rx1_delay_secs(), 1);
        assert_eq!(RxTimingSetupReq { delay: 5 }.rx1_delay_secs(), 5);
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req()) {
            prop_assert_eq!(RxTimingSetupReq::from_wire(req.to_wire().unwrap()), req);
        }
    }
}
