//! `RXParamSetupReq` / `RXParamSetupAns` (CID 0x05, LoRaWAN 1.0.4 §5.4, 1.1 §5.5): the network
//! sets the RX1 data-rate offset and the RX2 data rate and frequency.
//!
//! Request (4 bytes): `DLsettings` (bit 7 RFU, `RX1DRoffset` 6:4, `RX2DataRate` 3:0) then the
//! 24-bit `Frequency`. Answer (1 byte): bit 2 RX1DRoffset ACK, bit 1 RX2 data-rate ACK, bit 0
//! channel ACK, bits 7:3 RFU. RFU bits are ignored on parse and zero on emit.

use super::MacError;
use super::reader::{bit, bits, flag, frequency_from_wire, frequency_to_wire};

const CID: u8 = 0x05;

/// Payload of `RXParamSetupReq` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RxParamSetupReq {
    /// Offset between uplink and RX1 downlink data rate (3 bits).
    pub rx1_dr_offset: u8,
    /// RX2 data-rate index (4 bits).
    pub rx2_data_rate: u8,
    /// RX2 frequency in Hz (multiple of 100).
    pub frequency: u32,
}

/// Payload of `RXParamSetupAns` (uplink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RxParamSetupAns {
    /// Bit 2: the RX1 data-rate offset was accepted.
    pub rx1_dr_offset_ack: bool,
    /// Bit 1: the RX2 data rate was accepted.
    pub rx2_data_rate_ack: bool,
    /// Bit 0: the RX2 frequency was accepted.
    pub channel_ack: bool,
}

impl RxParamSetupReq {
    /// Decodes the 4-byte payload.
    pub fn from_wire(b: [u8; 4]) -> Self {
        Self {
            rx1_dr_offset: (b[0] >> 4) & 0x07,
            rx2_data_rate: b[0] & 0x0F,
            frequency: frequency_from_wire([b[1], b[2], b[3]]),
        }
    }

    /// Encodes the 4-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 4], MacError> {
        let offset = bits(CID, "RX1DRoffset", self.rx1_dr_offset, 3)?;
        let dr = bits(CID, "RX2DataRate", self.rx2_data_rate, 4)?;
        let [f0, f1, f2] = frequency_to_wire(CID, "Frequency", self.frequency)?;
        Ok([offset << 4 | dr, f0, f1, f2])
    }
}

impl RxParamSetupAns {
    /// Decodes the 1-byte status.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            rx1_dr_offset_ack: bit(b[0], 2),
            rx2_data_rate_ack: bit(b[0], 1),
            channel_ack: bit(b[0], 0),
        }
    }

    /// Encodes the 1-byte status.
    pub fn to_wire(&self) -> [u8; 1] {
        [flag(self.rx1_dr_offset_ack, 2)
            | flag(self.rx2_data_rate_ack, 1)
            | flag(self.channel_ack, 0)]
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::MacCommand as M;
    use super::super::tests::{arb_frequency, check};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = RxParamSetupReq> {
        (0u8..8, 0u8..16, arb_frequency()).prop_map(|(rx1_dr_offset, rx2_data_rate, frequency)| {
            RxParamSetupReq {
                rx1_dr_offset,
                rx2_data_rate,
                frequency,
            }
        })
    }

    pub(in super::super) fn arb_ans() -> impl Strategy<Value = RxParamSetupAns> {
        any::<u8>().prop_map(|b| RxParamSetupAns::from_wire([b]))
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go "RxParamSetupReq".
            (
                "tts RXParamSetupReq",
                M::RxParamSetupReq(RxParamSetupReq {
                    rx1_dr_offset: 5,
                    rx2_data_rate: 12,
                    frequency: 1_677_702_600,
                }),
                &[0x05, 0x5C, 0x42, 0xFF, 0xFF],
            ),
            // lrwn 4.13 maccommand.rs.
            (
                "lrwn RXParamSetupReq",
                M::RxParamSetupReq(RxParamSetupReq {
                    rx1_dr_offset: 3,
                    rx2_data_rate: 11,
                    frequency: 26_265_700,
                }),
                &[0x05, 0x3B, 0x01, 0x02, 0x04],
            ),
            (
                "tts/lrwn RXParamSetupAns channel + offset",
                M::RxParamSetupAns(RxParamSetupAns {
                    rx1_dr_offset_ack: true,
                    rx2_data_rate_ack: false,
                    channel_ack: true,
                }),
                &[0x05, 0x05],
            ),
        ]);
        let bad = RxParamSetupReq {
            rx1_dr_offset: 8,
            rx2_data_rate: 0,
            frequency: 869_525_000,
        };
        assert_eq!(
            bad.to_wire(),
            Err(MacError::InvalidField {
                cid: CID,
                field: "RX1DRoffset"
            })
        );
        let bad = RxParamSetupReq {
            rx1_dr_offset: 0,
            frequency: 869_525_050,
            ..bad
        };
        assert_eq!(
            bad.to_wire(),
            Err(MacError::InvalidField {
                cid: CID,
                field: "Frequency"
            })
        );
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req(), ans in arb_ans()) {
            prop_assert_eq!(RxParamSetupReq::from_wire(req.to_wire().unwrap()), req);
            prop_assert_eq!(RxParamSetupAns::from_wire(ans.to_wire()), ans);
        }
    }
}
