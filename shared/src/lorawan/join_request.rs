//! Join-request (LoRaWAN 1.0.4 §6.2.4, 1.1 §6.2.2):
//! MHDR | JoinEUI (8) | DevEUI (8) | DevNonce (2) | MIC (4), multi-byte fields little-endian.
//!
//! The MIC covers MHDR through DevNonce ([`JoinRequest::mic_input`]), keyed with NwkKey (AppKey
//! in 1.0.x); the crypto module computes it.

use super::error::{FrameError, array, out_buf, trailing_mic};
use super::{MType, Major, Mhdr};
use crate::types::{DevEui, JoinEui};

/// Length of a join-request.
pub const JOIN_REQUEST_LEN: usize = 23;

/// A validated, borrowed join-request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinRequest<'a> {
    buf: &'a [u8],
}

impl<'a> JoinRequest<'a> {
    /// Checks `bytes` as a join-request: exactly 23 bytes, Major R1, MType join-request.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FrameError> {
        Mhdr::parse_first(bytes)?.expect(MType::JoinRequest)?;
        if bytes.len() != JOIN_REQUEST_LEN {
            return Err(FrameError::WrongLength {
                expected: JOIN_REQUEST_LEN,
                got: bytes.len(),
            });
        }
        Ok(Self { buf: bytes })
    }
    /// The MAC header.
    pub fn mhdr(&self) -> Mhdr {
        Mhdr::validated(self.buf[0])
    }
    /// The JoinEUI (AppEUI in 1.0.x).
    pub fn join_eui(&self) -> JoinEui {
        JoinEui::from_wire_bytes(array(self.buf, 1))
    }
    /// The DevEUI.
    pub fn dev_eui(&self) -> DevEui {
        DevEui::from_wire_bytes(array(self.buf, 9))
    }
    /// DevNonce (a counter from 1.0.4 and 1.1, random before).
    pub fn dev_nonce(&self) -> u16 {
        u16::from_le_bytes(array(self.buf, 17))
    }
    /// The MIC.
    pub fn mic(&self) -> [u8; 4] {
        trailing_mic(self.buf)
    }
    /// The bytes the MIC covers: MHDR through DevNonce.
    pub fn mic_input(&self) -> &'a [u8] {
        &self.buf[..JOIN_REQUEST_LEN - 4]
    }
    /// The whole frame.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
}

/// The fields of a join-request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JoinRequestRepr {
    /// The JoinEUI (AppEUI in 1.0.x).
    pub join_eui: JoinEui,
    /// The DevEUI.
    pub dev_eui: DevEui,
    /// DevNonce.
    pub dev_nonce: u16,
    /// The MIC field.
    pub mic: [u8; 4],
}

impl JoinRequestRepr {
    /// The fields of a parsed join-request.
    pub fn parse(frame: &JoinRequest<'_>) -> Self {
        Self {
            join_eui: frame.join_eui(),
            dev_eui: frame.dev_eui(),
            dev_nonce: frame.dev_nonce(),
            mic: frame.mic(),
        }
    }
    /// Bytes `emit` writes (always 23).
    pub const fn buffer_len(&self) -> usize {
        JOIN_REQUEST_LEN
    }
    /// Writes the join-request into the start of `buf`; returns 23.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, FrameError> {
        let out = out_buf(buf, JOIN_REQUEST_LEN)?;
        out[0] = Mhdr::new(MType::JoinRequest, Major::LoRaWanR1).to_byte();
        out[1..9].copy_from_slice(&self.join_eui.to_wire_bytes());
        out[9..17].copy_from_slice(&self.dev_eui.to_wire_bytes());
        out[17..19].copy_from_slice(&self.dev_nonce.to_le_bytes());
        out[19..23].copy_from_slice(&self.mic);
        Ok(JOIN_REQUEST_LEN)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn arb_join_request() -> impl Strategy<Value = JoinRequestRepr> {
        (any::<u64>(), any::<u64>(), any::<u16>(), any::<[u8; 4]>()).prop_map(|(j, d, n, mic)| {
            JoinRequestRepr {
                join_eui: JoinEui::from_u64(j),
                dev_eui: DevEui::from_u64(d),
                dev_nonce: n,
                mic,
            }
        })
    }

    /// (name, frame, JoinEUI, DevEUI, DevNonce, MIC)
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        u16,
        [u8; 4],
    );

    const CASES: [Case; 2] = [
        // lrwn 4.13 phy_payload.rs doc example "Join-request" (MIC under AppKey 0102..0f10).
        (
            "lrwn",
            "0001010101010101010202020202020202030309b97b32",
            "0101010101010101",
            "0202020202020202",
            0x0303,
            [0x09, 0xB9, 0x7B, 0x32],
        ),
        // TTS pkg/encoding/lorawan/lorawan_test.go TestLoRaWANEncodingRaw "JoinRequest".
        (
            "tts",
            "00ffffffffffffff42ffffffffffffff42ff4242ffffff",
            "42FFFFFFFFFFFFFF",
            "42FFFFFFFFFFFFFF",
            0x42FF,
            [0x42, 0xFF, 0xFF, 0xFF],
        ),
    ];

    #[test]
    fn test_parse_and_emit() {
        for (name, h, join_eui, dev_eui, nonce, mic) in CASES {
            let b = hex::decode(h).unwrap();
            let f = JoinRequest::parse(&b).unwrap();
            let repr = JoinRequestRepr {
                join_eui: join_eui.parse().unwrap(),
                dev_eui: dev_eui.parse().unwrap(),
                dev_nonce: nonce,
                mic,
            };
            assert_eq!(JoinRequestRepr::parse(&f), repr, "{name}");
            assert_eq!(f.mic_input(), &b[..19], "{name}");
            assert_eq!(f.mhdr().mtype(), MType::JoinRequest, "{name}");
            let mut out = [0u8; 23];
            assert_eq!(repr.emit(&mut out), Ok(23), "{name}");
            assert_eq!(out[..], b[..], "{name}");
        }
    }

    #[test]
    fn test_malformed() {
        let cases: [(&str, &str, FrameError); 4] = [
            ("empty", "", FrameError::TooShort { needed: 1, got: 0 }),
            // TTS TestUnmarshalResilience: "too little join-request payload".
            (
                "17 bytes",
                "0001020304050607080102030405060708",
                FrameError::WrongLength {
                    expected: 23,
                    got: 17,
                },
            ),
            (
                "24 bytes",
                "0001010101010101010202020202020202030309b97b3200",
                FrameError::WrongLength {
                    expected: 23,
                    got: 24,
                },
            ),
            (
                "data mtype",
                "4001010101010101010202020202020202030309b97b32",
                FrameError::WrongMType(MType::UnconfirmedDataUp),
            ),
        ];
        for (name, h, err) in cases {
            assert_eq!(
                JoinRequest::parse(&hex::decode(h).unwrap()),
                Err(err),
                "{name}"
            );
        }
        let mut small = [0u8; 22];
        let repr =
            JoinRequestRepr::parse(&JoinRequest::parse(&hex::decode(CASES[0].1).unwrap()).unwrap());
        assert_eq!(
            repr.emit(&mut small),
            Err(FrameError::BufferTooSmall {
                needed: 23,
                got: 22
            })
        );
    }

    proptest! {
        #[test]
        fn round_trip(repr in arb_join_request()) {
            let mut buf = [0u8; 23];
            prop_assert_eq!(repr.emit(&mut buf), Ok(repr.buffer_len()));
            prop_assert_eq!(JoinRequestRepr::parse(&JoinRequest::parse(&buf).unwrap()), repr);
        }
    }
}
