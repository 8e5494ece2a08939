//! MHDR, the MAC header (LoRaWAN 1.0.4 §4.2, 1.1 §4.2): MType in bits 7–5, RFU in bits 4–2,
//! Major in bits 1–0.
//!
//! All eight MType values are defined, so only Major can be unknown. RFU bits are ignored on
//! parse, as the spec asks of receivers, and written as zero.

use super::FrameError;
use crate::types::Direction;

/// The message type (MHDR bits 7–5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MType {
    /// Join-request (`000`).
    JoinRequest = 0,
    /// Join-accept (`001`).
    JoinAccept = 1,
    /// Unconfirmed data uplink (`010`).
    UnconfirmedDataUp = 2,
    /// Unconfirmed data downlink (`011`).
    UnconfirmedDataDown = 3,
    /// Confirmed data uplink (`100`).
    ConfirmedDataUp = 4,
    /// Confirmed data downlink (`101`).
    ConfirmedDataDown = 5,
    /// Rejoin-request (`110`, LoRaWAN 1.1).
    RejoinRequest = 6,
    /// Proprietary (`111`).
    Proprietary = 7,
}

impl MType {
    /// All message types in wire order.
    pub const ALL: [MType; 8] = [
        MType::JoinRequest,
        MType::JoinAccept,
        MType::UnconfirmedDataUp,
        MType::UnconfirmedDataDown,
        MType::ConfirmedDataUp,
        MType::ConfirmedDataDown,
        MType::RejoinRequest,
        MType::Proprietary,
    ];

    /// The type from its 3-bit value (higher bits are ignored).
    pub const fn from_bits(v: u8) -> Self {
        Self::ALL[(v & 0x07) as usize]
    }
    /// Whether this is one of the four data frame types.
    pub const fn is_data(self) -> bool {
        matches!(
            self,
            MType::UnconfirmedDataUp
                | MType::UnconfirmedDataDown
                | MType::ConfirmedDataUp
                | MType::ConfirmedDataDown
        )
    }
    /// Whether this is a confirmed data frame.
    pub const fn is_confirmed(self) -> bool {
        matches!(self, MType::ConfirmedDataUp | MType::ConfirmedDataDown)
    }
    /// The link direction, or `None` for proprietary frames (either way).
    pub const fn direction(self) -> Option<Direction> {
        match self {
            MType::JoinRequest
            | MType::UnconfirmedDataUp
            | MType::ConfirmedDataUp
            | MType::RejoinRequest => Some(Direction::Uplink),
            MType::JoinAccept | MType::UnconfirmedDataDown | MType::ConfirmedDataDown => {
                Some(Direction::Downlink)
            }
            MType::Proprietary => None,
        }
    }
    /// The data frame type for a direction and confirmation.
    pub const fn data(direction: Direction, confirmed: bool) -> Self {
        match (direction, confirmed) {
            (Direction::Uplink, false) => MType::UnconfirmedDataUp,
            (Direction::Uplink, true) => MType::ConfirmedDataUp,
            (Direction::Downlink, false) => MType::UnconfirmedDataDown,
            (Direction::Downlink, true) => MType::ConfirmedDataDown,
        }
    }
}

/// The major version of the frame format (MHDR bits 1–0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Major {
    /// LoRaWAN R1 (`00`), the only version defined.
    #[default]
    LoRaWanR1,
}

/// The MAC header byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mhdr(u8);

impl Mhdr {
    /// The header for a message type, Major R1 and zero RFU bits.
    pub const fn new(mtype: MType, major: Major) -> Self {
        let major = match major {
            Major::LoRaWanR1 => 0,
        };
        Self(((mtype as u8) << 5) | major)
    }
    /// Parses the header byte, rejecting an unknown Major.
    pub const fn parse(b: u8) -> Result<Self, FrameError> {
        if b & 0x03 != 0 {
            return Err(FrameError::UnknownMajor(b & 0x03));
        }
        Ok(Self(b))
    }
    /// Wraps a byte a frame parser has already checked.
    pub(crate) const fn validated(b: u8) -> Self {
        Self(b)
    }
    /// Parses the first byte of a frame.
    pub fn parse_first(bytes: &[u8]) -> Result<Self, FrameError> {
        match bytes.first() {
            Some(&b) => Self::parse(b),
            None => Err(FrameError::TooShort { needed: 1, got: 0 }),
        }
    }
    /// The message type.
    pub const fn mtype(self) -> MType {
        MType::from_bits(self.0 >> 5)
    }
    /// The major version.
    pub const fn major(self) -> Major {
        Major::LoRaWanR1
    }
    /// The RFU bits (4–2), as received.
    pub const fn rfu(self) -> u8 {
        (self.0 >> 2) & 0x07
    }
    /// The header byte as received.
    pub const fn to_byte(self) -> u8 {
        self.0
    }
    /// Fails with `WrongMType` unless the type is `want`.
    pub(crate) fn expect(self, want: MType) -> Result<Self, FrameError> {
        if self.mtype() == want {
            Ok(self)
        } else {
            Err(FrameError::WrongMType(self.mtype()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn test_parse() {
        // (byte, type, direction): MHDR values seen in the TTS and lrwn vectors.
        let cases = [
            (
                "join-request",
                0x00,
                MType::JoinRequest,
                Some(Direction::Uplink),
            ),
            (
                "join-accept",
                0x20,
                MType::JoinAccept,
                Some(Direction::Downlink),
            ),
            (
                "unconfirmed up",
                0x40,
                MType::UnconfirmedDataUp,
                Some(Direction::Uplink),
            ),
            (
                "unconfirmed down",
                0x60,
                MType::UnconfirmedDataDown,
                Some(Direction::Downlink),
            ),
            (
                "confirmed up",
                0x80,
                MType::ConfirmedDataUp,
                Some(Direction::Uplink),
            ),
            (
                "confirmed down",
                0xA0,
                MType::ConfirmedDataDown,
                Some(Direction::Downlink),
            ),
            (
                "rejoin-request",
                0xC0,
                MType::RejoinRequest,
                Some(Direction::Uplink),
            ),
            ("proprietary", 0xE0, MType::Proprietary, None),
            (
                "rfu bits ignored",
                0x5C,
                MType::UnconfirmedDataUp,
                Some(Direction::Uplink),
            ),
        ];
        for (name, b, mtype, dir) in cases {
            let m = Mhdr::parse(b).unwrap();
            assert_eq!(m.mtype(), mtype, "{name}");
            assert_eq!(m.mtype().direction(), dir, "{name}");
            assert_eq!(m.major(), Major::LoRaWanR1, "{name}");
        }
    }

    #[test]
    fn test_unknown_major() {
        for b in [0x41, 0x02, 0xE3] {
            assert_eq!(Mhdr::parse(b), Err(FrameError::UnknownMajor(b & 3)));
        }
        assert_eq!(
            Mhdr::parse_first(&[]),
            Err(FrameError::TooShort { needed: 1, got: 0 })
        );
    }

    proptest! {
        #[test]
        fn round_trip(t in 0u8..8) {
            let m = Mhdr::new(MType::from_bits(t), Major::LoRaWanR1);
            prop_assert_eq!(Mhdr::parse(m.to_byte()), Ok(m));
            prop_assert_eq!(m.mtype() as u8, t);
            prop_assert_eq!(m.rfu(), 0);
        }
    }
}
