//! The LoRaWAN MAC layer version a device implements (LoRaWAN 1.0.0–1.0.4, 1.1): it fixes the
//! join keys and MICs (1.1 §6.2), whether DevNonce is random or a counter (1.0.4 §6.2.4, 1.1
//! §6.2.2) and the session's MIC and FOpts forms.

use std::{fmt, str::FromStr};

/// A LoRaWAN L2 specification version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MacVersion {
    /// LoRaWAN 1.0.0.
    V1_0_0,
    /// LoRaWAN 1.0.1.
    V1_0_1,
    /// LoRaWAN 1.0.2.
    V1_0_2,
    /// LoRaWAN 1.0.3.
    V1_0_3,
    /// LoRaWAN 1.0.4.
    V1_0_4,
    /// LoRaWAN 1.1 (1.1.0 and its errata).
    V1_1,
}

impl MacVersion {
    /// Every version, oldest first.
    pub const ALL: [MacVersion; 6] = [
        Self::V1_0_0,
        Self::V1_0_1,
        Self::V1_0_2,
        Self::V1_0_3,
        Self::V1_0_4,
        Self::V1_1,
    ];

    /// The version as written in the specification titles ("1.0.3", "1.1").
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V1_0_0 => "1.0.0",
            Self::V1_0_1 => "1.0.1",
            Self::V1_0_2 => "1.0.2",
            Self::V1_0_3 => "1.0.3",
            Self::V1_0_4 => "1.0.4",
            Self::V1_1 => "1.1",
        }
    }

    /// Whether this is LoRaWAN 1.1: two root keys, OptNeg, split MIC, encrypted FOpts.
    pub const fn is_1_1(self) -> bool {
        matches!(self, Self::V1_1)
    }
}

impl fmt::Display for MacVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no LoRaWAN version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown LoRaWAN version")]
pub struct UnknownMacVersion;

impl FromStr for MacVersion {
    type Err = UnknownMacVersion;

    /// Parses "1.0.0" … "1.0.4", "1.1" or "1.1.0"; "1.0" means 1.0.0.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "1.0" => Ok(Self::V1_0_0),
            "1.1.0" => Ok(Self::V1_1),
            _ => Self::ALL
                .into_iter()
                .find(|v| v.as_str() == s)
                .ok_or(UnknownMacVersion),
        }
    }
}

impl serde::Serialize for MacVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for MacVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_by_table() {
        let cases = [
            ("1.0.0", Ok(MacVersion::V1_0_0)),
            ("1.0", Ok(MacVersion::V1_0_0)),
            ("1.0.3", Ok(MacVersion::V1_0_3)),
            ("1.0.4", Ok(MacVersion::V1_0_4)),
            ("1.1", Ok(MacVersion::V1_1)),
            ("1.1.0", Ok(MacVersion::V1_1)),
            ("1.2", Err(UnknownMacVersion)),
            ("", Err(UnknownMacVersion)),
        ];
        for (s, want) in cases {
            assert_eq!(s.parse::<MacVersion>(), want, "{s:?}");
        }
        for v in MacVersion::ALL {
            assert_eq!(v.to_string().parse::<MacVersion>(), Ok(v));
            let j = serde_json::to_string(&v).unwrap();
            assert_eq!(serde_json::from_str::<MacVersion>(&j).unwrap(), v);
        }
        assert!(MacVersion::V1_1.is_1_1() && !MacVersion::V1_0_4.is_1_1());
    }
}
