//! EUIs as Basic Station writes and reads them (Basic Station `pysys/id6.py`, TTS
//! `pkg/gatewayserver/io/semtechws/id6`): the ID6 form (`b827:ebff:fe61:51ab`, 16-bit groups
//! with IPv6-style `::` for zero groups, optionally after a `router-`/`muxs-` prefix), the
//! dash form (`B8-27-EB-FF-FE-61-51-AB`), colon-separated bytes, plain hex, and a JSON integer
//! (unsigned, or negative for EUIs at or above 2^63 written as a signed 64-bit number).

use super::BasicStationError;
use crate::types::Eui64;
use serde::de::{self, Deserializer, Visitor};
use std::fmt::{self, Write as _};

/// Parses an EUI in any textual form stations send; `field` names it in the error.
pub fn parse_eui(s: &str, field: &'static str) -> Result<Eui64, BasicStationError> {
    parse(s)
        .map(Eui64::from_u64)
        .ok_or(BasicStationError::InvalidEui(field))
}

fn hex_group(g: &str, max_digits: usize) -> Option<u64> {
    if g.is_empty() || g.len() > max_digits || !g.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(g, 16).ok()
}

fn parse(s: &str) -> Option<u64> {
    // Dash form: exactly eight two-digit groups.
    let dash: Vec<&str> = s.split('-').collect();
    if dash.len() == 8 {
        return fold_bytes(&dash);
    }
    // Strip an alphabetic prefix such as `router-` or `muxs-`.
    let s = match s.split_once('-') {
        Some((p, rest)) if !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphabetic()) => rest,
        Some(_) => return None,
        None => s,
    };
    if s.len() == 16 && !s.contains(':') {
        return hex_group(s, 16);
    }
    if let Some((head, tail)) = s.split_once("::") {
        let groups = |t: &str| -> Option<Vec<u64>> {
            if t.is_empty() {
                return Some(Vec::new());
            }
            t.split(':').map(|g| hex_group(g, 4)).collect()
        };
        let (h, t) = (groups(head)?, groups(tail)?);
        if h.len() + t.len() > 3 {
            return None;
        }
        let mut v = [0u64; 4];
        for (i, g) in h.iter().enumerate() {
            *v.get_mut(i)? = *g;
        }
        for (i, g) in t.iter().enumerate() {
            *v.get_mut(4 - t.len() + i)? = *g;
        }
        return Some(v.iter().fold(0, |acc, g| acc << 16 | g));
    }
    let parts: Vec<&str> = s.split(':').collect();
    match parts.len() {
        4 => parts
            .iter()
            .try_fold(0u64, |acc, g| Some(acc << 16 | hex_group(g, 4)?)),
        8 => fold_bytes(&parts),
        _ => None,
    }
}

fn fold_bytes(parts: &[&str]) -> Option<u64> {
    parts.iter().try_fold(0u64, |acc, g| {
        (g.len() == 2).then_some(())?;
        Some(acc << 8 | hex_group(g, 2)?)
    })
}

/// Appends the ID6 form of `eui` (`::0`, `aabb:1:203:42ff`, `1::`, `f::1`), with the same
/// zero-group compression as Basic Station's `Id6.int2str`.
pub fn write_id6(out: &mut String, eui: Eui64) {
    let id = eui.to_u64();
    let g = |shift: u32| (id >> shift) & 0xFFFF;
    let _ = if id == 0 {
        write!(out, "::0")
    } else if id & 0xFFFF_FFFF_0000_0000 == 0 {
        if id & 0xFFFF_FFFF_FFFF_0000 == 0 {
            write!(out, "::{:x}", g(0))
        } else {
            write!(out, "::{:x}:{:x}", g(16), g(0))
        }
    } else if id & 0x0000_0000_FFFF_FFFF == 0 {
        if id & 0x0000_FFFF_FFFF_FFFF == 0 {
            write!(out, "{:x}::", g(48))
        } else {
            write!(out, "{:x}:{:x}::", g(48), g(32))
        }
    } else if id & 0x0000_FFFF_FFFF_0000 == 0 {
        write!(out, "{:x}::{:x}", g(48), g(0))
    } else {
        write!(out, "{:x}:{:x}:{:x}:{:x}", g(48), g(32), g(16), g(0))
    };
}

/// The ID6 form of `eui`.
pub fn id6(eui: Eui64) -> String {
    let mut s = String::with_capacity(19);
    write_id6(&mut s, eui);
    s
}

/// The dash form of `eui` as Basic Station writes EUIs in traffic messages
/// (`00-00-00-00-00-00-00-01`).
pub fn dash(eui: Eui64) -> String {
    let mut s = String::with_capacity(23);
    for (i, b) in eui.to_be_bytes().iter().enumerate() {
        if i > 0 {
            s.push('-');
        }
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// An EUI-valued JSON field: any string form above or an integer. Invalid text is kept as
/// `Invalid` so the message parser can name the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EuiField {
    /// A well-formed EUI.
    Valid(Eui64),
    /// A string or number in no known form.
    Invalid,
}

impl EuiField {
    /// The EUI, or `InvalidEui(field)`.
    pub(crate) fn get(self, field: &'static str) -> Result<Eui64, BasicStationError> {
        match self {
            Self::Valid(e) => Ok(e),
            Self::Invalid => Err(BasicStationError::InvalidEui(field)),
        }
    }
}

impl<'de> serde::Deserialize<'de> for EuiField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = EuiField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an EUI string or integer")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<EuiField, E> {
                Ok(parse(v).map_or(EuiField::Invalid, |v| EuiField::Valid(Eui64::from_u64(v))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<EuiField, E> {
                Ok(EuiField::Valid(Eui64::from_u64(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<EuiField, E> {
                Ok(EuiField::Valid(Eui64::from_u64(v as u64)))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<EuiField, E> {
                Ok(EuiField::Invalid)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Cases from TTS `pkg/gatewayserver/io/semtechws/id6/id6_test.go` (TestUnmarshalEUI,
    // TestMarshalEUI) and Basic Station `pysys/id6.py`.
    #[test]
    fn parse_named_cases() {
        let cases: [(&str, &str, Option<u64>); 20] = [
            ("dash", "aa-bb-cc-01-02-03-42-ff", Some(0xaabbcc01020342ff)),
            (
                "colon bytes",
                "aa:bb:cc:01:02:03:42:ff",
                Some(0xaabbcc01020342ff),
            ),
            ("six bytes", "aa:bb:cc:01:02:03", None),
            ("nine bytes", "aa:bb:cc:01:02:03:42:ff:f2", None),
            ("bad hex", "aa-bb-cc-01-02-03-42-xx", None),
            ("mixed separators", "aa:bb:cc:01:02:03:42-01", None),
            ("six dash groups", "aa-bb-cc-01-02-03", None),
            ("id6 full", "aabb:cc01:0203:42ff", Some(0xaabbcc01020342ff)),
            (
                "id6 short groups",
                "aabb:01:203:42ff",
                Some(0xaabb_0001_0203_42ff),
            ),
            ("id6 trailing ::", "aabb:01::", Some(0xaabb000100000000)),
            ("prefixed", "router-aabb:01::", Some(0xaabb000100000000)),
            ("zero", "::0", Some(0)),
            ("f::1", "f::1", Some(0x000f000000000001)),
            ("0::1", "0::1", Some(1)),
            ("1::", "1::", Some(0x0001000000000000)),
            (
                "TTS issue 4503",
                "router-80::fd46",
                Some(0x008000000000fd46),
            ),
            ("muxs zero", "muxs-::0", Some(0)),
            (
                "raspberry pi",
                "b827:ebff:fe61:51ab",
                Some(0xb827ebfffe6151ab),
            ),
            ("plain hex", "b827ebfffe6151ab", Some(0xb827ebfffe6151ab)),
            ("too many groups with ::", "1:2::3:4", None),
        ];
        for (name, s, want) in cases {
            assert_eq!(parse(s), want, "{name}");
        }
    }

    #[test]
    fn json_forms() {
        let f = |j: &str| serde_json::from_str::<EuiField>(j).unwrap();
        let e = Eui64::from_u64(0xaabb000100000000);
        // TTS TestUnmarshalEUI: 12302426811387609088 == aabb:1::.
        assert_eq!(f("12302426811387609088"), EuiField::Valid(e));
        assert_eq!(f(r#""aabb:01::""#), EuiField::Valid(e));
        assert_eq!(f(r#""nope""#), EuiField::Invalid);
        assert_eq!(f("-1"), EuiField::Valid(Eui64::from_u64(u64::MAX)));
        assert!(serde_json::from_str::<EuiField>("true").is_err());
    }

    #[test]
    fn id6_forms() {
        let cases = [
            (0xaabb0001020342ffu64, "aabb:1:203:42ff"),
            (0, "::0"),
            (1, "::1"),
            (0x0000000000010002, "::1:2"),
            (0x0001000000000000, "1::"),
            (0x0001000200000000, "1:2::"),
            (0x000f000000000001, "f::1"),
            (0x1111111111111111, "1111:1111:1111:1111"),
        ];
        for (v, want) in cases {
            let e = Eui64::from_u64(v);
            assert_eq!(id6(e), want);
            assert_eq!(parse(want), Some(v), "{want} parses back");
        }
        assert_eq!(
            dash(Eui64::from_u64(1)),
            "00-00-00-00-00-00-00-01",
            "TTS dnmsg DevEui"
        );
    }
}
