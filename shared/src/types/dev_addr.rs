//! DevAddr: the 32-bit device address, and the DevAddr prefix a NetID owns
//! (LoRaWAN Backend Interfaces TS002-1.1 §13, table "DevAddr address ranges").
//!
//! A DevAddr of type N starts with N one-bits and a zero, then carries the NwkID (6, 6, 9, 11,
//! 12, 13, 15 or 17 bits for types 0–7) and the NwkAddr in the remaining bits.

use super::{NetId, hexfmt};
use std::{fmt, str::FromStr};

/// NwkID width in bits for DevAddr types 0–7.
const NWK_ID_BITS: [u32; 8] = [6, 6, 9, 11, 12, 13, 15, 17];

/// A 32-bit device address, stored big-endian as written (`26011BDA`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct DevAddr([u8; 4]);

impl DevAddr {
    /// Builds from the big-endian bytes.
    pub const fn from_be_bytes(b: [u8; 4]) -> Self {
        Self(b)
    }
    /// The big-endian bytes.
    pub const fn to_be_bytes(self) -> [u8; 4] {
        self.0
    }
    /// Builds from the little-endian bytes carried in FHDR and join-accept.
    pub const fn from_wire_bytes(b: [u8; 4]) -> Self {
        Self([b[3], b[2], b[1], b[0]])
    }
    /// The little-endian bytes carried on air.
    pub const fn to_wire_bytes(self) -> [u8; 4] {
        [self.0[3], self.0[2], self.0[1], self.0[0]]
    }
    /// The address as an integer.
    pub const fn to_u32(self) -> u32 {
        u32::from_be_bytes(self.0)
    }
    /// Builds from an integer.
    pub const fn from_u32(v: u32) -> Self {
        Self(v.to_be_bytes())
    }
    /// The DevAddr type (0–7): the number of leading one-bits, or `None` for eight or more
    /// (no NetID type assigns those).
    pub const fn addr_type(self) -> Option<u8> {
        let ones = self.to_u32().leading_ones();
        if ones < 8 { Some(ones as u8) } else { None }
    }
    /// The NwkID field, or `None` when the address has no valid type.
    pub const fn nwk_id(self) -> Option<u32> {
        let Some(t) = self.addr_type() else {
            return None;
        };
        let prefix = t as u32 + 1;
        let bits = NWK_ID_BITS[t as usize];
        Some((self.to_u32() << prefix) >> (32 - bits))
    }
    /// Whether the address lies in the range the NetID owns.
    pub const fn is_net_id(self, net_id: NetId) -> bool {
        DevAddrPrefix::for_net_id(net_id).contains(self)
    }
}

/// A range of DevAddrs: the first `len` bits of `addr` are fixed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct DevAddrPrefix {
    /// The address whose top `len` bits form the prefix (the other bits are zero).
    pub addr: DevAddr,
    /// Prefix length in bits (0–32).
    pub len: u8,
}

impl DevAddrPrefix {
    /// Builds a prefix, clearing the bits below `len`.
    pub const fn new(addr: DevAddr, len: u8) -> Self {
        let len = if len > 32 { 32 } else { len };
        Self {
            addr: DevAddr::from_u32(addr.to_u32() & Self::mask(len)),
            len,
        }
    }
    const fn mask(len: u8) -> u32 {
        if len == 0 {
            0
        } else {
            u32::MAX << (32 - len as u32)
        }
    }
    /// Whether `addr` lies in this range.
    pub const fn contains(self, addr: DevAddr) -> bool {
        addr.to_u32() & Self::mask(self.len) == self.addr.to_u32()
    }
    /// The prefix the NetID owns: its type's marker bits followed by its NwkID (the low NwkID
    /// bits of the NetID's ID).
    pub const fn for_net_id(net_id: NetId) -> Self {
        let t = net_id.net_id_type() as u32;
        let bits = NWK_ID_BITS[t as usize];
        let marker = if t == 0 {
            0
        } else {
            (u32::MAX << (32 - t)) as u64 as u32
        };
        let nwk_id = net_id.id() & ((1 << bits) - 1);
        let addr = marker | (nwk_id << (32 - t - 1 - bits));
        Self {
            addr: DevAddr::from_u32(addr),
            len: (t + 1 + bits) as u8,
        }
    }
}

impl fmt::Display for DevAddrPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl fmt::Display for DevAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        hexfmt::write(f, &self.0)
    }
}

impl fmt::Debug for DevAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DevAddr({self})")
    }
}

impl FromStr for DevAddr {
    type Err = hexfmt::ParseHexError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        hexfmt::parse(s).map(Self)
    }
}

impl serde::Serialize for DevAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DevAddr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn type_and_nwk_id_by_table() {
        // (devaddr, type, nwkid): examples worked by hand from the TS002 bit layout.
        let cases = [
            ("26011BDA", 0, 0x13), // TTN's 0x13 NetID range: 0010 011 -> type 0, NwkID 0b010011
            ("9B000000", 1, 0x1B),
            ("DFFFFFFF", 2, 0x1FF),
            ("E0000000", 3, 0),
            ("FE000000", 7, 0),
            ("FEFFFFFF", 7, 0x1FFFF),
        ];
        for (s, t, id) in cases {
            let a: DevAddr = s.parse().unwrap();
            assert_eq!(a.addr_type(), Some(t), "{s}");
            assert_eq!(a.nwk_id(), Some(id), "{s}");
        }
        assert_eq!("FF000000".parse::<DevAddr>().unwrap().addr_type(), None);
    }

    #[test]
    fn net_id_prefixes() {
        // TTN NetID 000013 owns 26000000/7; a type-3 NetID 600013's NwkID is its low 11 bits.
        let p = DevAddrPrefix::for_net_id("000013".parse().unwrap());
        assert_eq!(p.to_string(), "26000000/7");
        let p = DevAddrPrefix::for_net_id("600013".parse().unwrap());
        assert_eq!((p.addr.to_u32(), p.len), (0xE0000000 | (0x13 << 17), 15));
        assert!(DevAddr::from_u32(0xE026_1234).is_net_id("600013".parse().unwrap()));
    }

    proptest! {
        /// The NetID's prefix agrees with the DevAddr's own view of type and NwkID (and with lrwn).
        #[test]
        fn prefix_matches_addr_fields(net in 0u32..(1 << 24), low in any::<u32>()) {
            let net_id = NetId::from_u32(net);
            let p = DevAddrPrefix::for_net_id(net_id);
            let addr = DevAddr::from_u32(p.addr.to_u32() | (low & !DevAddrPrefix::mask(p.len)));
            prop_assert!(p.contains(addr));
            prop_assert_eq!(addr.addr_type(), Some(net_id.net_id_type()));
            let theirs = lrwn::DevAddr::from_be_bytes(addr.to_be_bytes());
            prop_assert!(theirs.is_net_id(lrwn::NetID::from_be_bytes(net_id.to_be_bytes())));
        }

        #[test]
        fn wire_round_trip(v in any::<u32>()) {
            let a = DevAddr::from_u32(v);
            prop_assert_eq!(DevAddr::from_wire_bytes(a.to_wire_bytes()), a);
            prop_assert_eq!(a.to_string().parse::<DevAddr>().unwrap(), a);
        }
    }
}
