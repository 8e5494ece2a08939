//! `ResetInd` / `ResetConf` (CID 0x01, LoRaWAN 1.1 §5.1): an ABP device reports its LoRaWAN
//! minor version after a reset and the server answers with its own. One byte each way: bits
//! 3:0 `Minor` (1 = LoRaWAN 1.1), bits 7:4 RFU (ignored on parse, zero on emit).

use super::MacError;
use super::reader::bits;

const CID: u8 = 0x01;

/// Payload of `ResetInd` (uplink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResetInd {
    /// The device's LoRaWAN minor version (4 bits; 1 = LoRaWAN 1.1).
    pub dev_lorawan_minor: u8,
}

/// Payload of `ResetConf` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResetConf {
    /// The server's LoRaWAN minor version (4 bits; 1 = LoRaWAN 1.1).
    pub serv_lorawan_minor: u8,
}

impl ResetInd {
    /// Decodes the 1-byte payload.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            dev_lorawan_minor: b[0] & 0x0F,
        }
    }

    /// Encodes the 1-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 1], MacError> {
        Ok([bits(CID, "Minor", self.dev_lorawan_minor, 4)?])
    }
}

impl ResetConf {
    /// Decodes the 1-byte payload.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            serv_lorawan_minor: b[0] & 0x0F,
        }
    }

    /// Encodes the 1-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 1], MacError> {
        Ok([bits(CID, "Minor", self.serv_lorawan_minor, 4)?])
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::{check, check_parse};
    use super::super::{Direction, MacCommand as M};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_ind() -> impl Strategy<Value = ResetInd> {
        (0u8..16).prop_map(|dev_lorawan_minor| ResetInd { dev_lorawan_minor })
    }

    pub(in super::super) fn arb_conf() -> impl Strategy<Value = ResetConf> {
        (0u8..16).prop_map(|serv_lorawan_minor| ResetConf { serv_lorawan_minor })
    }

    #[test]
    fn bytes() {
        // TTS pkg/encoding/lorawan/mac_test.go and lrwn 4.13 maccommand.rs: both {0x01, 0x01}.
        check(&[
            (
                "tts/lrwn ResetInd 1.1",
                M::ResetInd(ResetInd {
                    dev_lorawan_minor: 1,
                }),
                &[0x01, 0x01],
            ),
            (
                "tts/lrwn ResetConf 1.1",
                M::ResetConf(ResetConf {
                    serv_lorawan_minor: 1,
                }),
                &[0x01, 0x01],
            ),
        ]);
        check_parse(&[(
            "RFU bits ignored",
            Direction::Uplink,
            &[0x01, 0xF1],
            M::ResetInd(ResetInd {
                dev_lorawan_minor: 1,
            }),
        )]);
        assert!(
            ResetInd {
                dev_lorawan_minor: 16
            }
            .to_wire()
            .is_err()
        );
    }

    proptest! {
        #[test]
        fn round_trip(ind in arb_ind(), conf in arb_conf()) {
            prop_assert_eq!(ResetInd::from_wire(ind.to_wire().unwrap()), ind);
            prop_assert_eq!(ResetConf::from_wire(conf.to_wire().unwrap()), conf);
        }
    }
}
