//! `ForceRejoinReq` (CID 0x0E, downlink only, LoRaWAN 1.1 §5.13): the network asks the device to
//! send Rejoin-Requests. There is no answer, so CID 0x0E is unknown uplink.
//!
//! The spec draws the 2-byte payload as one 16-bit field: bits 15:14 RFU, 13:11 `Period`, 10:8
//! `Max_Retries`, 7 RFU, 6:4 `RejoinType`, 3:0 `DR`. Implementations disagree on its byte order.
//! This codec follows The Things Stack (pkg/encoding/lorawan/mac.go), Semtech's LoRaMac-node
//! (`SRV_MAC_FORCE_REJOIN_REQ`) and Mbed OS: first byte `Period`/`Max_Retries`, second byte
//! `RejoinType`/`DR`. lrwn (ChirpStack) reads it little-endian, with `RejoinType`/`DR` first; see
//! `shared/tests/mac_differential.rs`. RFU bits are ignored on parse and zero on emit.

use super::MacError;
use super::reader::bits;

const CID: u8 = 0x0E;

/// Payload of `ForceRejoinReq` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ForceRejoinReq {
    /// `Period` (3 bits): delay between retransmissions is 32 s × 2^`period` + random.
    pub period: u8,
    /// `Max_Retries` (3 bits): retransmissions after the first Rejoin-Request.
    pub max_retries: u8,
    /// `RejoinType` (3 bits): 0 or 1 → type 0, 2 → type 2, 3..7 RFU.
    pub rejoin_type: u8,
    /// `DR` (4 bits): data rate of the Rejoin-Requests.
    pub data_rate: u8,
}

impl ForceRejoinReq {
    /// Decodes the 2-byte payload (TTS / LoRaMac-node byte order).
    pub fn from_wire(b: [u8; 2]) -> Self {
        Self {
            period: (b[0] >> 3) & 0x07,
            max_retries: b[0] & 0x07,
            rejoin_type: (b[1] >> 4) & 0x07,
            data_rate: b[1] & 0x0F,
        }
    }

    /// Encodes the 2-byte payload (TTS / LoRaMac-node byte order).
    pub fn to_wire(&self) -> Result<[u8; 2], MacError> {
        let period = bits(CID, "Period", self.period, 3)?;
        let retries = bits(CID, "Max_Retries", self.max_retries, 3)?;
        let kind = bits(CID, "RejoinType", self.rejoin_type, 3)?;
        let dr = bits(CID, "DR", self.data_rate, 4)?;
        Ok([period << 3 | retries, kind << 4 | dr])
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::{check, check_parse};
    use super::super::{Direction, MacCommand as M};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = ForceRejoinReq> {
        any::<[u8; 2]>().prop_map(ForceRejoinReq::from_wire)
    }

    const fn req(period: u8, max_retries: u8, rejoin_type: u8, data_rate: u8) -> M {
        M::ForceRejoinReq(ForceRejoinReq {
            period,
            max_retries,
            rejoin_type,
            data_rate,
        })
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go "ForceRejoinReq".
            (
                "tts period 7 retries 7 type 2 DR 13",
                req(7, 7, 2, 13),
                &[0x0E, 0x3F, 0x2D],
            ),
            // lrwn 4.13 maccommand.rs writes this command as {0x0e, 0x25, 0x1c}: same fields, bytes
            // swapped (little-endian reading of the 16-bit field).
            (
                "lrwn fields, TTS byte order",
                req(3, 4, 2, 5),
                &[0x0E, 0x1C, 0x25],
            ),
        ]);
        check_parse(&[(
            "RFU bits ignored",
            Direction::Downlink,
            &[0x0E, 0xC0, 0x80],
            req(0, 0, 0, 0),
        )]);
        assert!(
            ForceRejoinReq {
                period: 8,
                max_retries: 0,
                rejoin_type: 0,
                data_rate: 0
            }
            .to_wire()
            .is_err()
        );
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req()) {
            prop_assert_eq!(ForceRejoinReq::from_wire(req.to_wire().unwrap()), req);
        }
    }
}
