//! NetID: the 24-bit network identifier of LoRaWAN Backend Interfaces (TS002-1.1 §13).
//! The top 3 bits are the type (0–7); the ID below is 6, 6, 9 or 21 bits wide by type.

use super::hexfmt;
use std::{fmt, str::FromStr};

/// A 24-bit NetID (big-endian as written, `000013`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct NetId([u8; 3]);

impl NetId {
    /// Builds from the big-endian bytes.
    pub const fn from_be_bytes(b: [u8; 3]) -> Self {
        Self(b)
    }
    /// The big-endian bytes.
    pub const fn to_be_bytes(self) -> [u8; 3] {
        self.0
    }
    /// Builds from the little-endian bytes carried in a join-accept.
    pub const fn from_wire_bytes(b: [u8; 3]) -> Self {
        Self([b[2], b[1], b[0]])
    }
    /// The little-endian bytes carried in a join-accept.
    pub const fn to_wire_bytes(self) -> [u8; 3] {
        [self.0[2], self.0[1], self.0[0]]
    }
    /// The NetID as a 24-bit integer.
    pub const fn to_u32(self) -> u32 {
        u32::from_be_bytes([0, self.0[0], self.0[1], self.0[2]])
    }
    /// Builds from the low 24 bits of `v`.
    pub const fn from_u32(v: u32) -> Self {
        let b = v.to_be_bytes();
        Self([b[1], b[2], b[3]])
    }
    /// The NetID type (0–7), its three most significant bits.
    pub const fn net_id_type(self) -> u8 {
        self.0[0] >> 5
    }
    /// The ID field: the low 6 (types 0, 1), 9 (type 2) or 21 (types 3–7) bits.
    pub const fn id(self) -> u32 {
        let bits = match self.net_id_type() {
            0 | 1 => 6,
            2 => 9,
            _ => 21,
        };
        self.to_u32() & ((1 << bits) - 1)
    }
}

impl fmt::Display for NetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        hexfmt::write(f, &self.0)
    }
}

impl fmt::Debug for NetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NetId({self})")
    }
}

impl FromStr for NetId {
    type Err = hexfmt::ParseHexError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        hexfmt::parse(s).map(Self)
    }
}
