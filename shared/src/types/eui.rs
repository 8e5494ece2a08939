//! 64-bit extended unique identifiers (IEEE EUI-64): DevEUI, JoinEUI (AppEUI in 1.0), gateway EUIs.

use super::hexfmt;
use std::{fmt, str::FromStr};

macro_rules! eui_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name([u8; 8]);

        impl $name {
            /// Builds from the big-endian bytes people read (`70B3D57ED0000001`).
            pub const fn from_be_bytes(b: [u8; 8]) -> Self {
                Self(b)
            }
            /// The big-endian bytes.
            pub const fn to_be_bytes(self) -> [u8; 8] {
                self.0
            }
            /// Builds from the little-endian bytes carried on air.
            pub const fn from_wire_bytes(mut b: [u8; 8]) -> Self {
                let mut i = 0;
                while i < 4 {
                    let t = b[i];
                    b[i] = b[7 - i];
                    b[7 - i] = t;
                    i += 1;
                }
                Self(b)
            }
            /// The little-endian bytes carried on air.
            pub const fn to_wire_bytes(self) -> [u8; 8] {
                Self::from_wire_bytes(self.0).0
            }
            /// The EUI as an integer (big-endian reading).
            pub const fn to_u64(self) -> u64 {
                u64::from_be_bytes(self.0)
            }
            /// Builds from an integer (big-endian reading).
            pub const fn from_u64(v: u64) -> Self {
                Self(v.to_be_bytes())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                hexfmt::write(f, &self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl FromStr for $name {
            type Err = hexfmt::ParseHexError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                hexfmt::parse(s).map(Self)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

eui_type!(
    /// Any EUI-64, such as a gateway's EUI.
    Eui64
);
eui_type!(
    /// The end device's DevEUI.
    DevEui
);
eui_type!(
    /// The JoinEUI (called AppEUI in LoRaWAN 1.0.x) naming the Join Server.
    JoinEui
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_order_is_reversed() {
        let e: DevEui = "0102030405060708".parse().unwrap();
        assert_eq!(e.to_wire_bytes(), [8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(DevEui::from_wire_bytes(e.to_wire_bytes()), e);
        assert_eq!(e.to_string(), "0102030405060708");
        assert_eq!(e.to_u64(), 0x0102030405060708);
    }

    #[test]
    fn serde_uses_hex_text() {
        let e = Eui64::from_u64(0xAA55_0000_0000_00FF);
        let j = serde_json::to_string(&e).unwrap();
        assert_eq!(j, "\"AA550000000000FF\"");
        assert_eq!(serde_json::from_str::<Eui64>(&j).unwrap(), e);
        assert!(serde_json::from_str::<Eui64>("\"AA55\"").is_err());
    }
}
