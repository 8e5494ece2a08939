//! `NewChannelReq` / `NewChannelAns` (CID 0x07, LoRaWAN 1.0.4 §5.6.1, 1.1 §5.7): the network
//! creates, changes or (with frequency 0) disables an uplink channel.
//!
//! Request (5 bytes): `ChIndex`, 24-bit `Freq`, `DrRange` (`MaxDR` 7:4, `MinDR` 3:0). The codec
//! does not require `min_dr <= max_dr`: that is a channel-plan check for the handler. Answer
//! (1 byte): bit 1 data-rate range OK, bit 0 channel frequency OK, bits 7:2 RFU (ignored on parse,
//! zero on emit).

use super::MacError;
use super::reader::{bit, bits, flag, frequency_from_wire, frequency_to_wire};

const CID: u8 = 0x07;

/// Payload of `NewChannelReq` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NewChannelReq {
    /// Index of the channel to create or change.
    pub ch_index: u8,
    /// Channel frequency in Hz (multiple of 100; 0 disables the channel).
    pub frequency: u32,
    /// Lowest data rate allowed on the channel (4 bits).
    pub min_dr: u8,
    /// Highest data rate allowed on the channel (4 bits).
    pub max_dr: u8,
}

/// Payload of `NewChannelAns` (uplink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NewChannelAns {
    /// Bit 1: the data-rate range is usable.
    pub data_rate_range_ok: bool,
    /// Bit 0: the frequency is usable.
    pub channel_frequency_ok: bool,
}

impl NewChannelReq {
    /// Decodes the 5-byte payload.
    pub fn from_wire(b: [u8; 5]) -> Self {
        Self {
            ch_index: b[0],
            frequency: frequency_from_wire([b[1], b[2], b[3]]),
            min_dr: b[4] & 0x0F,
            max_dr: b[4] >> 4,
        }
    }

    /// Encodes the 5-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 5], MacError> {
        let [f0, f1, f2] = frequency_to_wire(CID, "Freq", self.frequency)?;
        let max = bits(CID, "MaxDR", self.max_dr, 4)?;
        let min = bits(CID, "MinDR", self.min_dr, 4)?;
        Ok([self.ch_index, f0, f1, f2, max << 4 | min])
    }
}

impl NewChannelAns {
    /// Decodes the 1-byte status.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            data_rate_range_ok: bit(b[0], 1),
            channel_frequency_ok: bit(b[0], 0),
        }
    }

    /// Encodes the 1-byte status.
    pub fn to_wire(&self) -> [u8; 1] {
        [flag(self.data_rate_range_ok, 1) | flag(self.channel_frequency_ok, 0)]
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::MacCommand as M;
    use super::super::tests::{arb_frequency, check};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = NewChannelReq> {
        (any::<u8>(), arb_frequency(), 0u8..16, 0u8..16).prop_map(
            |(ch_index, frequency, min_dr, max_dr)| NewChannelReq {
                ch_index,
                frequency,
                min_dr,
                max_dr,
            },
        )
    }

    pub(in super::super) fn arb_ans() -> impl Strategy<Value = NewChannelAns> {
        any::<u8>().prop_map(|b| NewChannelAns::from_wire([b]))
    }

    const fn req(ch_index: u8, frequency: u32, min_dr: u8, max_dr: u8) -> M {
        M::NewChannelReq(NewChannelReq {
            ch_index,
            frequency,
            min_dr,
            max_dr,
        })
    }

    const fn ans(data_rate_range_ok: bool, channel_frequency_ok: bool) -> M {
        M::NewChannelAns(NewChannelAns {
            data_rate_range_ok,
            channel_frequency_ok,
        })
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go "NewChannelReq", "NewChannelReq/Freq 0".
            (
                "tts NewChannelReq",
                req(15, 0x42_FFFF * 100, 2, 4),
                &[0x07, 0x0F, 0xFF, 0xFF, 0x42, 0x42],
            ),
            (
                "tts NewChannelReq freq 0",
                req(15, 0, 2, 4),
                &[0x07, 0x0F, 0x00, 0x00, 0x00, 0x42],
            ),
            // lrwn 4.13 maccommand.rs (min above max is representable).
            (
                "lrwn NewChannelReq",
                req(3, 26_265_700, 10, 5),
                &[0x07, 0x03, 0x01, 0x02, 0x04, 0x5A],
            ),
            ("tts NewChannelAns dr ok", ans(true, false), &[0x07, 0x02]),
            ("lrwn NewChannelAns none", ans(false, false), &[0x07, 0x00]),
            (
                "lrwn NewChannelAns freq ok",
                ans(false, true),
                &[0x07, 0x01],
            ),
            ("lrwn NewChannelAns both", ans(true, true), &[0x07, 0x03]),
        ]);
        let bad = NewChannelReq {
            ch_index: 0,
            frequency: 868_100_000,
            min_dr: 0,
            max_dr: 16,
        };
        assert_eq!(
            bad.to_wire(),
            Err(MacError::InvalidField {
                cid: CID,
                field: "MaxDR"
            })
        );
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req(), ans in arb_ans()) {
            prop_assert_eq!(NewChannelReq::from_wire(req.to_wire().unwrap()), req);
            prop_assert_eq!(NewChannelAns::from_wire(ans.to_wire()), ans);
        }
    }
}
