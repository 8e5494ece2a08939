//! `TxParamSetupReq` / `TxParamSetupAns` (CID 0x09, LoRaWAN 1.0.4 §5.8, 1.1 §5.9): the network
//! sets dwell-time limits and the maximum EIRP in regions that need them (e.g. AS923). `EIRP_
//! DwellTime` is one byte: bits 7:6 RFU (ignored on parse, zero on emit), bit 5
//! `DownlinkDwellTime`, bit 4 `UplinkDwellTime` (1 = 400 ms limit), bits 3:0 `MaxEIRP`, an index
//! into [`MAX_EIRP_DBM`]. The answer has no payload.

use super::MacError;
use super::reader::{bit, bits, flag};

const CID: u8 = 0x09;

/// `MaxEIRP` index → dBm (LoRaWAN 1.0.4 §5.8, TxParamSetup EIRP encoding table).
pub const MAX_EIRP_DBM: [u8; 16] = [
    8, 10, 12, 13, 14, 16, 18, 20, 21, 24, 26, 27, 29, 30, 33, 36,
];

/// Payload of `TxParamSetupReq` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TxParamSetupReq {
    /// Bit 5: downlinks limited to 400 ms dwell time.
    pub downlink_dwell_time: bool,
    /// Bit 4: uplinks limited to 400 ms dwell time.
    pub uplink_dwell_time: bool,
    /// `MaxEIRP` index (4 bits), see [`MAX_EIRP_DBM`].
    pub max_eirp: u8,
}

impl TxParamSetupReq {
    /// Decodes the 1-byte payload.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            downlink_dwell_time: bit(b[0], 5),
            uplink_dwell_time: bit(b[0], 4),
            max_eirp: b[0] & 0x0F,
        }
    }

    /// Encodes the 1-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 1], MacError> {
        let eirp = bits(CID, "MaxEIRP", self.max_eirp, 4)?;
        Ok([flag(self.downlink_dwell_time, 5) | flag(self.uplink_dwell_time, 4) | eirp])
    }

    /// The maximum EIRP in dBm, or `None` if the index does not fit 4 bits.
    pub fn max_eirp_dbm(&self) -> Option<u8> {
        MAX_EIRP_DBM.get(usize::from(self.max_eirp)).copied()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::{check, check_parse};
    use super::super::{Direction, MacCommand as M};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = TxParamSetupReq> {
        (any::<u8>()).prop_map(|b| TxParamSetupReq::from_wire([b]))
    }

    const fn req(downlink_dwell_time: bool, uplink_dwell_time: bool, max_eirp: u8) -> M {
        M::TxParamSetupReq(TxParamSetupReq {
            downlink_dwell_time,
            uplink_dwell_time,
            max_eirp,
        })
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go: EIRP 36 dBm, downlink dwell time on.
            (
                "tts/lrwn downlink dwell, 36 dBm",
                req(true, false, 15),
                &[0x09, 0x2F],
            ),
            // lrwn 4.13 maccommand.rs.
            (
                "lrwn no dwell, 36 dBm",
                req(false, false, 15),
                &[0x09, 0x0F],
            ),
            (
                "lrwn uplink dwell, 36 dBm",
                req(false, true, 15),
                &[0x09, 0x1F],
            ),
            ("tts/lrwn TxParamSetupAns", M::TxParamSetupAns, &[0x09]),
        ]);
        check_parse(&[(
            "RFU bits ignored",
            Direction::Downlink,
            &[0x09, 0xC0],
            req(false, false, 0),
        )]);
        assert_eq!(TxParamSetupReq::from_wire([0x2F]).max_eirp_dbm(), Some(36));
        assert_eq!(TxParamSetupReq::from_wire([0x05]).max_eirp_dbm(), Some(16));
        assert!(
            TxParamSetupReq {
                downlink_dwell_time: false,
                uplink_dwell_time: false,
                max_eirp: 16
            }
            .to_wire()
            .is_err()
        );
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req()) {
            prop_assert_eq!(TxParamSetupReq::from_wire(req.to_wire().unwrap()), req);
        }
    }
}
