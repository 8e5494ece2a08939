//! `PingSlotChannelReq` / `PingSlotChannelAns` (CID 0x11, class B, LoRaWAN 1.1 §12.3): the
//! network sets the ping-slot frequency and data rate. Request (4 bytes): 24-bit `Frequency`
//! (0 = region default) then `DR` (bits 7:4 RFU, 3:0 data rate). Answer (1 byte): bit 1
//! data-rate OK, bit 0 channel frequency OK, bits 7:2 RFU. RFU bits are ignored on parse and zero
//! on emit.

use super::MacError;
use super::reader::{bit, bits, flag, frequency_from_wire, frequency_to_wire};

const CID: u8 = 0x11;

/// Payload of `PingSlotChannelReq` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PingSlotChannelReq {
    /// Ping-slot frequency in Hz (multiple of 100; 0 = region default).
    pub frequency: u32,
    /// Ping-slot data rate (4 bits).
    pub data_rate: u8,
}

/// Payload of `PingSlotChannelAns` (uplink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PingSlotChannelAns {
    /// Bit 1: the data rate is usable.
    pub data_rate_ok: bool,
    /// Bit 0: the frequency is usable.
    pub channel_frequency_ok: bool,
}

impl PingSlotChannelReq {
    /// Decodes the 4-byte payload.
    pub fn from_wire(b: [u8; 4]) -> Self {
        Self {
            frequency: frequency_from_wire([b[0], b[1], b[2]]),
            data_rate: b[3] & 0x0F,
        }
    }

    /// Encodes the 4-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 4], MacError> {
        let [f0, f1, f2] = frequency_to_wire(CID, "Frequency", self.frequency)?;
        Ok([f0, f1, f2, bits(CID, "DR", self.data_rate, 4)?])
    }
}

impl PingSlotChannelAns {
    /// Decodes the 1-byte status.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            data_rate_ok: bit(b[0], 1),
            channel_frequency_ok: bit(b[0], 0),
        }
    }

    /// Encodes the 1-byte status.
    pub fn to_wire(&self) -> [u8; 1] {
        [flag(self.data_rate_ok, 1) | flag(self.channel_frequency_ok, 0)]
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::MacCommand as M;
    use super::super::tests::{arb_frequency, check};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = PingSlotChannelReq> {
        (arb_frequency(), 0u8..16).prop_map(|(frequency, data_rate)| PingSlotChannelReq {
            frequency,
            data_rate,
        })
    }

    pub(in super::super) fn arb_ans() -> impl Strategy<Value = PingSlotChannelAns> {
        any::<u8>().prop_map(|b| PingSlotChannelAns::from_wire([b]))
    }

    const fn ans(data_rate_ok: bool, channel_frequency_ok: bool) -> M {
        M::PingSlotChannelAns(PingSlotChannelAns {
            data_rate_ok,
            channel_frequency_ok,
        })
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go.
            (
                "tts PingSlotChannelReq",
                M::PingSlotChannelReq(PingSlotChannelReq {
                    frequency: 0x1A2B_FF9C,
                    data_rate: 15,
                }),
                &[0x11, 0xFF, 0xFF, 0x42, 0x0F],
            ),
            (
                "tts PingSlotChannelAns dr ok",
                ans(true, false),
                &[0x11, 0x02],
            ),
            // lrwn 4.13 maccommand.rs.
            (
                "lrwn 868.1 MHz DR5",
                M::PingSlotChannelReq(PingSlotChannelReq {
                    frequency: 868_100_000,
                    data_rate: 5,
                }),
                &[0x11, 0x28, 0x76, 0x84, 0x05],
            ),
            ("lrwn none", ans(false, false), &[0x11, 0x00]),
            ("lrwn freq ok", ans(false, true), &[0x11, 0x01]),
            ("lrwn both", ans(true, true), &[0x11, 0x03]),
        ]);
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req(), ans in arb_ans()) {
            prop_assert_eq!(PingSlotChannelReq::from_wire(req.to_wire().unwrap()), req);
            prop_assert_eq!(PingSlotChannelAns::from_wire(ans.to_wire()), ans);
        }
    }
}
