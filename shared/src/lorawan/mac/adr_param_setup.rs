//! `ADRParamSetupReq` / `ADRParamSetupAns` (CID 0x0C, LoRaWAN 1.1 §5.11): the network sets
//! `ADR_ACK_LIMIT` = 2^`Limit_exp` and `ADR_ACK_DELAY` = 2^`Delay_exp`. `ADRparam` is one byte:
//! `Limit_exp` bits 7:4, `Delay_exp` bits 3:0. The answer has no payload.

use super::MacError;
use super::reader::bits;

const CID: u8 = 0x0C;

/// Payload of `ADRParamSetupReq` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AdrParamSetupReq {
    /// `Limit_exp` (4 bits): `ADR_ACK_LIMIT` = 2^`limit_exp`.
    pub limit_exp: u8,
    /// `Delay_exp` (4 bits): `ADR_ACK_DELAY` = 2^`delay_exp`.
    pub delay_exp: u8,
}

impl AdrParamSetupReq {
    /// Decodes the 1-byte payload.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            limit_exp: b[0] >> 4,
            delay_exp: b[0] & 0x0F,
        }
    }

    /// Encodes the 1-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 1], MacError> {
        let limit = bits(CID, "Limit_exp", self.limit_exp, 4)?;
        let delay = bits(CID, "Delay_exp", self.delay_exp, 4)?;
        Ok([limit << 4 | delay])
    }

    /// `ADR_ACK_LIMIT` in uplinks.
    pub fn adr_ack_limit(&self) -> u16 {
        1 << (self.limit_exp & 0x0F)
    }

    /// `ADR_ACK_DELAY` in uplinks.
    pub fn adr_ack_delay(&self) -> u16 {
        1 << (self.delay_exp & 0x0F)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::MacCommand as M;
    use super::super::tests::check;
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = AdrParamSetupReq> {
        any::<u8>().prop_map(|b| AdrParamSetupReq::from_wire([b]))
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go: ADR_ACK_DELAY_4, ADR_ACK_LIMIT_16.
            (
                "tts limit 16 delay 4",
                M::AdrParamSetupReq(AdrParamSetupReq {
                    limit_exp: 4,
                    delay_exp: 2,
                }),
                &[0x0C, 0x42],
            ),
            // lrwn 4.13 maccommand.rs.
            (
                "lrwn limit 2^10 delay 2^15",
                M::AdrParamSetupReq(AdrParamSetupReq {
                    limit_exp: 10,
                    delay_exp: 15,
                }),
                &[0x0C, 0xAF],
            ),
            ("tts/lrwn ADRParamSetupAns", M::AdrParamSetupAns, &[0x0C]),
        ]);
        let req = AdrParamSetupReq::from_wire([0x42]);
        assert_eq!((req.adr_ack_limit(), req.adr_ack_delay()), (16, 4));
        assert!(
            AdrParamSetupReq {
                limit_exp: 16,
                delay_exp: 0
            }
            .to_wire()
            .is_err()
        );
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req()) {
            prop_assert_eq!(AdrParamSetupReq::from_wire(req.to_wire().unwrap()), req);
        }
    }
}
