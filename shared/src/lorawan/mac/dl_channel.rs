//! `DlChannelReq` / `DlChannelAns` (CID 0x0A, LoRaWAN 1.0.4 §5.6.2, 1.1 §5.7): the network moves
//! the RX1 downlink frequency of an uplink channel. Request (4 bytes): `ChIndex`, 24-bit `Freq`.
//! Answer (1 byte): bit 1 uplink frequency exists, bit 0 channel frequency OK, bits 7:2 RFU
//! (ignored on parse, zero on emit).

use super::MacError;
use super::reader::{bit, flag, frequency_from_wire, frequency_to_wire};

const CID: u8 = 0x0A;

/// Payload of `DlChannelReq` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DlChannelReq {
    /// Index of the uplink channel whose RX1 frequency changes.
    pub ch_index: u8,
    /// RX1 downlink frequency in Hz (multiple of 100).
    pub frequency: u32,
}

/// Payload of `DlChannelAns` (uplink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DlChannelAns {
    /// Bit 1: the uplink channel exists.
    pub uplink_frequency_exists: bool,
    /// Bit 0: the device can use the frequency.
    pub channel_frequency_ok: bool,
}

impl DlChannelReq {
    /// Decodes the 4-byte payload.
    pub fn from_wire(b: [u8; 4]) -> Self {
        Self {
            ch_index: b[0],
            frequency: frequency_from_wire([b[1], b[2], b[3]]),
        }
    }

    /// Encodes the 4-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 4], MacError> {
        let [f0, f1, f2] = frequency_to_wire(CID, "Freq", self.frequency)?;
        Ok([self.ch_index, f0, f1, f2])
    }
}

impl DlChannelAns {
    /// Decodes the 1-byte status.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            uplink_frequency_exists: bit(b[0], 1),
            channel_frequency_ok: bit(b[0], 0),
        }
    }

    /// Encodes the 1-byte status.
    pub fn to_wire(&self) -> [u8; 1] {
        [flag(self.uplink_frequency_exists, 1) | flag(self.channel_frequency_ok, 0)]
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::MacCommand as M;
    use super::super::tests::{arb_frequency, check};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = DlChannelReq> {
        (any::<u8>(), arb_frequency()).prop_map(|(ch_index, frequency)| DlChannelReq {
            ch_index,
            frequency,
        })
    }

    pub(in super::super) fn arb_ans() -> impl Strategy<Value = DlChannelAns> {
        any::<u8>().prop_map(|b| DlChannelAns::from_wire([b]))
    }

    const fn ans(uplink_frequency_exists: bool, channel_frequency_ok: bool) -> M {
        M::DlChannelAns(DlChannelAns {
            uplink_frequency_exists,
            channel_frequency_ok,
        })
    }

    #[test]
    fn bytes() {
        check(&[
            // lrwn 4.13 maccommand.rs: 868.1 and 868.2 MHz.
            (
                "lrwn ch 0 868.1 MHz",
                M::DlChannelReq(DlChannelReq {
                    ch_index: 0,
                    frequency: 868_100_000,
                }),
                &[0x0A, 0x00, 0x28, 0x76, 0x84],
            ),
            (
                "lrwn ch 1 868.2 MHz",
                M::DlChannelReq(DlChannelReq {
                    ch_index: 1,
                    frequency: 868_200_000,
                }),
                &[0x0A, 0x01, 0x10, 0x7A, 0x84],
            ),
            // TTS pkg/encoding/lorawan/mac_test.go "DLChannelReq" / "DLChannelAns" (bit 1 set).
            (
                "tts DlChannelReq",
                M::DlChannelReq(DlChannelReq {
                    ch_index: 4,
                    frequency: 0x42_FFFF * 100,
                }),
                &[0x0A, 0x04, 0xFF, 0xFF, 0x42],
            ),
            ("tts DlChannelAns bit 1", ans(true, false), &[0x0A, 0x02]),
            ("lrwn DlChannelAns none", ans(false, false), &[0x0A, 0x00]),
            ("lrwn DlChannelAns freq ok", ans(false, true), &[0x0A, 0x01]),
            ("lrwn DlChannelAns both", ans(true, true), &[0x0A, 0x03]),
        ]);
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req(), ans in arb_ans()) {
            prop_assert_eq!(DlChannelReq::from_wire(req.to_wire().unwrap()), req);
            prop_assert_eq!(DlChannelAns::from_wire(ans.to_wire()), ans);
        }
    }
}
