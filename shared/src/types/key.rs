//! AES-128 keys. `Debug` and `Display` never print key material, so a key in a log line or a
//! panic message stays secret; [`Aes128Key::expose_hex`] is the one explicit way to read it.

use super::hexfmt;
use std::{fmt, str::FromStr};

/// An AES-128 key (root key, session key or KEK).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Aes128Key(pub [u8; 16]);

/// Root key for application session keys (1.0.x: also the network keys).
pub type AppKey = Aes128Key;
/// LoRaWAN 1.1 root key for network session keys.
pub type NwkKey = Aes128Key;
/// Application session key.
pub type AppSKey = Aes128Key;

impl Aes128Key {
    /// Builds from bytes in the order the spec's AES functions take them.
    pub const fn from_bytes(b: [u8; 16]) -> Self {
        Self(b)
    }
    /// The key bytes.
    pub const fn to_bytes(self) -> [u8; 16] {
        self.0
    }
    /// The key as hex; the name makes each disclosure visible in review.
    pub fn expose_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02X}")).collect()
    }
}

impl fmt::Debug for Aes128Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Aes128Key(<redacted>)")
    }
}

impl fmt::Display for Aes128Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl FromStr for Aes128Key {
    type Err = hexfmt::ParseHexError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        hexfmt::parse(s).map(Self)
    }
}

/// Keys read from configuration as hex text. There is deliberately no `Serialize`: a key leaves the
/// process only through [`Aes128Key::expose_hex`] or key wrap.
impl<'de> serde::Deserialize<'de> for Aes128Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let k: Aes128Key = "2B7E151628AED2A6ABF7158809CF4F3C".parse().unwrap();
        assert_eq!(format!("{k:?}"), "Aes128Key(<redacted>)");
        assert_eq!(format!("{k}"), "<redacted>");
        assert!(!format!("{k:?} {k}").contains("2B"));
        assert_eq!(k.expose_hex(), "2B7E151628AED2A6ABF7158809CF4F3C");
    }
}
