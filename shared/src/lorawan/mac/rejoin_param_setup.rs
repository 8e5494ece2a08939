//! `RejoinParamSetupReq` / `RejoinParamSetupAns` (CID 0x0F, LoRaWAN 1.1 §5.14): the network
//! asks for a periodic type 0 Rejoin-Request every 2^(`MaxCountN`+4) uplinks or
//! 2^(`MaxTimeN`+10) seconds. Request (1 byte): `MaxTimeN` 7:4, `MaxCountN` 3:0. Answer (1
//! byte): bit 0 `TimeOK`, bits 7:1 RFU (ignored on parse, zero on emit).

use super::MacError;
use super::reader::{bit, bits, flag};

const CID: u8 = 0x0F;

/// Payload of `RejoinParamSetupReq` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RejoinParamSetupReq {
    /// `MaxTimeN` (4 bits): period limit 2^(`max_time_n`+10) s.
    pub max_time_n: u8,
    /// `MaxCountN` (4 bits): uplink limit 2^(`max_count_n`+4).
    pub max_count_n: u8,
}

/// Payload of `RejoinParamSetupAns` (uplink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RejoinParamSetupAns {
    /// Bit 0: the device accepted the time limit as well as the count limit.
    pub time_ok: bool,
}

impl RejoinParamSetupReq {
    /// Decodes the 1-byte payload.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            max_time_n: b[0] >> 4,
            max_count_n: b[0] & 0x0F,
        }
    }

    /// Encodes the 1-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 1], MacError> {
        let time = bits(CID, "MaxTimeN", self.max_time_n, 4)?;
        let count = bits(CID, "MaxCountN", self.max_count_n, 4)?;
        Ok([time << 4 | count])
    }
}

impl RejoinParamSetupAns {
    /// Decodes the 1-byte status.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            time_ok: bit(b[0], 0),
        }
    }

    /// Encodes the 1-byte status.
    pub fn to_wire(&self) -> [u8; 1] {
        [flag(self.time_ok, 0)]
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::{check, check_parse};
    use super::super::{Direction, MacCommand as M};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = RejoinParamSetupReq> {
        any::<u8>().prop_map(|b| RejoinParamSetupReq::from_wire([b]))
    }

    pub(in super::super) fn arb_ans() -> impl Strategy<Value = RejoinParamSetupAns> {
        any::<bool>().prop_map(|time_ok| RejoinParamSetupAns { time_ok })
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go.
            (
                "tts time 4 count 2",
                M::RejoinParamSetupReq(RejoinParamSetupReq {
                    max_time_n: 4,
                    max_count_n: 2,
                }),
                &[0x0F, 0x42],
            ),
            // lrwn 4.13 maccommand.rs.
            (
                "lrwn time 14 count 15",
                M::RejoinParamSetupReq(RejoinParamSetupReq {
                    max_time_n: 14,
                    max_count_n: 15,
                }),
                &[0x0F, 0xEF],
            ),
            (
                "tts/lrwn TimeOK",
                M::RejoinParamSetupAns(RejoinParamSetupAns { time_ok: true }),
                &[0x0F, 0x01],
            ),
        ]);
        check_parse(&[(
            "RFU bits ignored",
            Direction::Uplink,
            &[0x0F, 0xFE],
            M::RejoinParamSetupAns(RejoinParamSetupAns { time_ok: false }),
        )]);
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req(), ans in arb_ans()) {
            prop_assert_eq!(RejoinParamSetupReq::from_wire(req.to_wire().unwrap()), req);
            prop_assert_eq!(RejoinParamSetupAns::from_wire(ans.to_wire()), ans);
        }
    }
}
