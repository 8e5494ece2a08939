//! FCtrl, the frame control octet of FHDR (LoRaWAN 1.0.4 §4.3.1, 1.1 §4.3.1).
//!
//! Uplink: ADR (bit 7), ADRACKReq (6), ACK (5), ClassB (4), FOptsLen (3–0).
//! Downlink: ADR (7), RFU (6), ACK (5), FPending (4), FOptsLen (3–0).
//! The byte is kept as received, so RFU bits survive a parse and re-emit.

use crate::types::Direction;
use std::fmt;

/// The FCtrl byte; which bit means what depends on the direction.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FCtrl(u8);

impl FCtrl {
    const ADR: u8 = 0x80;
    const BIT6: u8 = 0x40;
    const ACK: u8 = 0x20;
    const BIT4: u8 = 0x10;
    const F_OPTS_LEN: u8 = 0x0F;

    /// The byte as carried on air.
    pub const fn from_byte(b: u8) -> Self {
        Self(b)
    }
    /// The byte as carried on air.
    pub const fn to_byte(self) -> u8 {
        self.0
    }
    /// Uplink flags with FOptsLen 0.
    pub const fn uplink(adr: bool, adr_ack_req: bool, ack: bool, class_b: bool) -> Self {
        Self(
            bit(adr, Self::ADR)
                | bit(adr_ack_req, Self::BIT6)
                | bit(ack, Self::ACK)
                | bit(class_b, Self::BIT4),
        )
    }
    /// Downlink flags with FOptsLen 0 and the RFU bit clear.
    pub const fn downlink(adr: bool, ack: bool, f_pending: bool) -> Self {
        Self(bit(adr, Self::ADR) | bit(ack, Self::ACK) | bit(f_pending, Self::BIT4))
    }
    /// ADR: the device lets the network control its data rate (uplink), or the network can
    /// (downlink).
    pub const fn adr(self) -> bool {
        self.0 & Self::ADR != 0
    }
    /// ADRACKReq (uplink only; the same bit is RFU downlink).
    pub const fn adr_ack_req(self) -> bool {
        self.0 & Self::BIT6 != 0
    }
    /// The downlink RFU bit (the same bit is ADRACKReq uplink).
    pub const fn rfu(self) -> bool {
        self.0 & Self::BIT6 != 0
    }
    /// ACK: acknowledges the last confirmed frame received.
    pub const fn ack(self) -> bool {
        self.0 & Self::ACK != 0
    }
    /// ClassB (uplink only; the same bit is FPending downlink).
    pub const fn class_b(self) -> bool {
        self.0 & Self::BIT4 != 0
    }
    /// FPending (downlink only; the same bit is ClassB uplink).
    pub const fn f_pending(self) -> bool {
        self.0 & Self::BIT4 != 0
    }
    /// FOptsLen: the number of FOpts bytes (0–15).
    pub const fn f_opts_len(self) -> u8 {
        self.0 & Self::F_OPTS_LEN
    }
    /// The same flags with FOptsLen replaced (`len` is taken modulo 16).
    pub const fn with_f_opts_len(self, len: u8) -> Self {
        Self((self.0 & !Self::F_OPTS_LEN) | (len & Self::F_OPTS_LEN))
    }
    /// The flag bits only (FOptsLen cleared).
    pub const fn flags(self) -> Self {
        self.with_f_opts_len(0)
    }
    /// A view that formats the bits with the names of one direction.
    pub const fn display(self, direction: Direction) -> impl fmt::Display {
        Named(self, direction)
    }
}

const fn bit(set: bool, mask: u8) -> u8 {
    if set { mask } else { 0 }
}

impl fmt::Debug for FCtrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FCtrl({:#04x})", self.0)
    }
}

struct Named(FCtrl, Direction);

impl fmt::Display for Named {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        let (b6, b4) = match self.1 {
            Direction::Uplink => ("ADRACKReq", "ClassB"),
            Direction::Downlink => ("RFU", "FPending"),
        };
        for (on, name) in [
            (c.adr(), "ADR"),
            (c.rfu(), b6),
            (c.ack(), "ACK"),
            (c.class_b(), b4),
        ] {
            if on {
                write!(f, "{name} ")?;
            }
        }
        write!(f, "FOptsLen={}", c.f_opts_len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn test_parse() {
        // 0xB2 is the FCtrl of TTS's TestLoRaWANEncodingRaw uplink (ADR, ACK, ClassB, 2 FOpts)
        // and downlink (ADR, ACK, FPending, 2 FOpts) vectors.
        let c = FCtrl::from_byte(0xB2);
        assert!(c.adr() && c.ack() && c.class_b() && c.f_pending());
        assert!(!c.adr_ack_req() && !c.rfu());
        assert_eq!(c.f_opts_len(), 2);
        assert_eq!(
            c.display(Direction::Uplink).to_string(),
            "ADR ACK ClassB FOptsLen=2"
        );
        assert_eq!(
            c.display(Direction::Downlink).to_string(),
            "ADR ACK FPending FOptsLen=2"
        );
    }

    #[test]
    fn test_emit() {
        let cases = [
            ("uplink all", FCtrl::uplink(true, true, true, true), 0xF0),
            (
                "uplink adr ack classb",
                FCtrl::uplink(true, false, true, true),
                0xB0,
            ),
            (
                "uplink adrackreq",
                FCtrl::uplink(false, true, false, false),
                0x40,
            ),
            ("downlink all", FCtrl::downlink(true, true, true), 0xB0),
            ("downlink ack", FCtrl::downlink(false, true, false), 0x20),
        ];
        for (name, c, b) in cases {
            assert_eq!(c.to_byte(), b, "{name}");
        }
        assert_eq!(FCtrl::from_byte(0xB0).with_f_opts_len(15).to_byte(), 0xBF);
        assert_eq!(FCtrl::from_byte(0xBF).flags().to_byte(), 0xB0);
    }

    proptest! {
        #[test]
        fn round_trip(adr: bool, req: bool, ack: bool, b4: bool, len in 0u8..16) {
            let c = FCtrl::uplink(adr, req, ack, b4).with_f_opts_len(len);
            let p = FCtrl::from_byte(c.to_byte());
            prop_assert_eq!((p.adr(), p.adr_ack_req(), p.ack(), p.class_b(), p.f_opts_len()), (adr, req, ack, b4, len));
            let d = FCtrl::downlink(adr, ack, b4);
            prop_assert_eq!((d.adr(), d.rfu(), d.ack(), d.f_pending()), (adr, false, ack, b4));
        }
    }
}
