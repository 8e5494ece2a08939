//! Rejoin-request (LoRaWAN 1.1 §6.2.4.1–6.2.4.2), little-endian fields:
//! - type 0 or 2: MHDR | RejoinType | NetID (3) | DevEUI (8) | RJcount0 (2) | MIC (4) = 19 bytes;
//! - type 1: MHDR | RejoinType | JoinEUI (8) | DevEUI (8) | RJcount1 (2) | MIC (4) = 24 bytes.
//!
//! The MIC covers MHDR through the counter ([`RejoinRequest::mic_input`]): SNwkSIntKey for types
//! 0/2, JSIntKey for type 1.

use super::error::{FrameError, array, out_buf, trailing_mic};
use super::{MType, Major, Mhdr};
use crate::types::{DevEui, JoinEui, NetId};

/// Length of a type 0 or 2 rejoin-request.
pub const REJOIN_02_LEN: usize = 19;
/// Length of a type 1 rejoin-request.
pub const REJOIN_1_LEN: usize = 24;

/// RejoinType.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RejoinType {
    /// Type 0: reset the context, keep DevEUI and NetID (network-initiated or periodic).
    Type0 = 0,
    /// Type 1: restore a lost session; goes to the Join Server like a join-request.
    Type1 = 1,
    /// Type 2: rekey the session or change DevAddr and radio parameters.
    Type2 = 2,
}

impl RejoinType {
    /// The type from its octet.
    pub const fn from_byte(b: u8) -> Result<Self, FrameError> {
        match b {
            0 => Ok(Self::Type0),
            1 => Ok(Self::Type1),
            2 => Ok(Self::Type2),
            t => Err(FrameError::InvalidRejoinType(t)),
        }
    }
    /// The frame length for this type.
    pub const fn frame_len(self) -> usize {
        match self {
            Self::Type1 => REJOIN_1_LEN,
            Self::Type0 | Self::Type2 => REJOIN_02_LEN,
        }
    }
}

/// A validated, borrowed rejoin-request of any type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejoinRequest<'a> {
    buf: &'a [u8],
    rejoin_type: RejoinType,
}

impl<'a> RejoinRequest<'a> {
    /// Checks `bytes` as a rejoin-request: MType, Major, RejoinType and the type's length.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FrameError> {
        Mhdr::parse_first(bytes)?.expect(MType::RejoinRequest)?;
        let t = bytes.get(1).ok_or(FrameError::TooShort {
            needed: 2,
            got: bytes.len(),
        })?;
        let rejoin_type = RejoinType::from_byte(*t)?;
        let expected = rejoin_type.frame_len();
        if bytes.len() != expected {
            return Err(FrameError::WrongLength {
                expected,
                got: bytes.len(),
            });
        }
        Ok(Self {
            buf: bytes,
            rejoin_type,
        })
    }
    /// The MAC header.
    pub fn mhdr(&self) -> Mhdr {
        Mhdr::validated(self.buf[0])
    }
    /// RejoinType.
    pub fn rejoin_type(&self) -> RejoinType {
        self.rejoin_type
    }
    /// NetID (types 0 and 2).
    pub fn net_id(&self) -> Option<NetId> {
        (self.rejoin_type != RejoinType::Type1).then(|| NetId::from_wire_bytes(array(self.buf, 2)))
    }
    /// JoinEUI (type 1).
    pub fn join_eui(&self) -> Option<JoinEui> {
        (self.rejoin_type == RejoinType::Type1)
            .then(|| JoinEui::from_wire_bytes(array(self.buf, 2)))
    }
    /// DevEUI.
    pub fn dev_eui(&self) -> DevEui {
        let at = if self.rejoin_type == RejoinType::Type1 {
            10
        } else {
            5
        };
        DevEui::from_wire_bytes(array(self.buf, at))
    }
    /// RJcount0 (types 0 and 2) or RJcount1 (type 1).
    pub fn rj_count(&self) -> u16 {
        u16::from_le_bytes(array(self.buf, self.buf.len() - 6))
    }
    /// The MIC.
    pub fn mic(&self) -> [u8; 4] {
        trailing_mic(self.buf)
    }
    /// The bytes the MIC covers: MHDR through the counter.
    pub fn mic_input(&self) -> &'a [u8] {
        &self.buf[..self.buf.len() - 4]
    }
    /// The whole frame.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
}

/// The fields of a rejoin-request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejoinRequestRepr {
    /// Type 0 or 2.
    Type02 {
        /// [`RejoinType::Type0`] or [`RejoinType::Type2`].
        rejoin_type: RejoinType,
        /// NetID.
        net_id: NetId,
        /// DevEUI.
        dev_eui: DevEui,
        /// RJcount0.
        rj_count0: u16,
        /// The MIC field.
        mic: [u8; 4],
    },
    /// Type 1.
    Type1 {
        /// JoinEUI.
        join_eui: JoinEui,
        /// DevEUI.
        dev_eui: DevEui,
        /// RJcount1.
        rj_count1: u16,
        /// The MIC field.
        mic: [u8; 4],
    },
}

impl RejoinRequestRepr {
    /// The fields of a parsed rejoin-request.
    pub fn parse(frame: &RejoinRequest<'_>) -> Self {
        match (frame.net_id(), frame.join_eui()) {
            (_, Some(join_eui)) => Self::Type1 {
                join_eui,
                dev_eui: frame.dev_eui(),
                rj_count1: frame.rj_count(),
                mic: frame.mic(),
            },
            (net_id, None) => Self::Type02 {
                rejoin_type: frame.rejoin_type(),
                net_id: net_id.unwrap_or_default(),
                dev_eui: frame.dev_eui(),
                rj_count0: frame.rj_count(),
                mic: frame.mic(),
            },
        }
    }
    /// Bytes `emit` writes (19 or 24).
    pub const fn buffer_len(&self) -> usize {
        match self {
            Self::Type02 { .. } => REJOIN_02_LEN,
            Self::Type1 { .. } => REJOIN_1_LEN,
        }
    }
    /// Writes the rejoin-request into the start of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, FrameError> {
        let len = self.buffer_len();
        if let Self::Type02 {
            rejoin_type: RejoinType::Type1,
            ..
        } = self
        {
            return Err(FrameError::InvalidRejoinType(1));
        }
        let out = out_buf(buf, len)?;
        out[0] = Mhdr::new(MType::RejoinRequest, Major::LoRaWanR1).to_byte();
        let (count, mic) = match *self {
            Self::Type02 {
                rejoin_type,
                net_id,
                dev_eui,
                rj_count0,
                mic,
            } => {
                out[1] = rejoin_type as u8;
                out[2..5].copy_from_slice(&net_id.to_wire_bytes());
                out[5..13].copy_from_slice(&dev_eui.to_wire_bytes());
                (rj_count0, mic)
            }
            Self::Type1 {
                join_eui,
                dev_eui,
                rj_count1,
                mic,
            } => {
                out[1] = RejoinType::Type1 as u8;
                out[2..10].copy_from_slice(&join_eui.to_wire_bytes());
                out[10..18].copy_from_slice(&dev_eui.to_wire_bytes());
                (rj_count1, mic)
            }
        };
        out[len - 6..len - 4].copy_from_slice(&count.to_le_bytes());
        out[len - 4..].copy_from_slice(&mic);
        Ok(len)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn arb_rejoin_request() -> impl Strategy<Value = RejoinRequestRepr> {
        (
            any::<bool>(),
            any::<bool>(),
            0u32..0x100_0000,
            any::<u64>(),
            any::<u64>(),
            any::<u16>(),
            any::<[u8; 4]>(),
        )
            .prop_map(|(type1, type2, net, j, d, count, mic)| {
                if type1 {
                    RejoinRequestRepr::Type1 {
                        join_eui: JoinEui::from_u64(j),
                        dev_eui: DevEui::from_u64(d),
                        rj_count1: count,
                        mic,
                    }
                } else {
                    RejoinRequestRepr::Type02 {
                        rejoin_type: if type2 {
                            RejoinType::Type2
                        } else {
                            RejoinType::Type0
                        },
                        net_id: NetId::from_u32(net),
                        dev_eui: DevEui::from_u64(d),
                        rj_count0: count,
                        mic,
                    }
                }
            })
    }

    #[test]
    fn test_parse_and_emit() {
        // TTS pkg/encoding/lorawan/lorawan_test.go TestLoRaWANEncodingRaw "RejoinRequest/Type0..2".
        let eui = "42FFFFFFFFFFFFFF";
        let mic = [0x42, 0xFF, 0xFF, 0xFF];
        let t02 = |rejoin_type| RejoinRequestRepr::Type02 {
            rejoin_type,
            net_id: "42FFFF".parse().unwrap(),
            dev_eui: eui.parse().unwrap(),
            rj_count0: 0xFF42,
            mic,
        };
        let cases = [
            (
                "tts type 0",
                "c000ffff42ffffffffffffff4242ff42ffffff",
                t02(RejoinType::Type0),
            ),
            (
                "tts type 2",
                "c002ffff42ffffffffffffff4242ff42ffffff",
                t02(RejoinType::Type2),
            ),
            (
                "tts type 1",
                "c001ffffffffffffff42ffffffffffffff4242ff42ffffff",
                RejoinRequestRepr::Type1 {
                    join_eui: eui.parse().unwrap(),
                    dev_eui: eui.parse().unwrap(),
                    rj_count1: 0xFF42,
                    mic,
                },
            ),
        ];
        for (name, h, repr) in cases {
            let b = hex::decode(h).unwrap();
            let f = RejoinRequest::parse(&b).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(RejoinRequestRepr::parse(&f), repr, "{name}");
            assert_eq!(f.mic_input(), &b[..b.len() - 4], "{name}");
            assert_eq!(f.mhdr().mtype(), MType::RejoinRequest, "{name}");
            let mut out = [0u8; 24];
            let n = repr.emit(&mut out).unwrap();
            assert_eq!(hex::encode(&out[..n]), h, "{name}");
        }
    }

    #[test]
    fn test_malformed() {
        let cases: [(&str, &str, FrameError); 5] = [
            // TTS TestUnmarshalResilience: "no rejoin-request type", "too little payload".
            (
                "tts no type",
                "c0",
                FrameError::TooShort { needed: 2, got: 1 },
            ),
            (
                "tts short type 2",
                "c002",
                FrameError::WrongLength {
                    expected: 19,
                    got: 2,
                },
            ),
            (
                "type 3",
                "c003ffff42ffffffffffffff4242ff42ffffff",
                FrameError::InvalidRejoinType(3),
            ),
            (
                "type 1 at 19 bytes",
                "c001ffff42ffffffffffffff4242ff42ffffff",
                FrameError::WrongLength {
                    expected: 24,
                    got: 19,
                },
            ),
            (
                "join-accept mtype",
                "2000ffff42ffffffffffffff4242ff42ffffff",
                FrameError::WrongMType(MType::JoinAccept),
            ),
        ];
        for (name, h, err) in cases {
            assert_eq!(
                RejoinRequest::parse(&hex::decode(h).unwrap()),
                Err(err),
                "{name}"
            );
        }
        let bad = RejoinRequestRepr::Type02 {
            rejoin_type: RejoinType::Type1,
            net_id: NetId::from_u32(0),
            dev_eui: DevEui::from_u64(0),
            rj_count0: 0,
            mic: [0; 4],
        };
        assert_eq!(
            bad.emit(&mut [0; 24]),
            Err(FrameError::InvalidRejoinType(1))
        );
    }

    proptest! {
        #[test]
        fn round_trip(repr in arb_rejoin_request()) {
            let mut buf = [0u8; 24];
            let n = repr.emit(&mut buf).unwrap();
            prop_assert_eq!(n, repr.buffer_len());
            prop_assert_eq!(RejoinRequestRepr::parse(&RejoinRequest::parse(&buf[..n]).unwrap()), repr);
        }
    }
}
