//! The JSON seam of the Basic Station codec: one function deserializing messages (serde_json,
//! the parser `semtech_udp` measured and kept) and the hex and number checks every message
//! shares; emission uses the crate's appending object writer (`json_writer`).

use super::{BasicStationError, JsonErrorKind};
use crate::semtech_udp::InlineBytes;

/// Deserializes a message borrowed from the caller's buffer.
pub(crate) fn from_slice<'a, T: serde::Deserialize<'a>>(
    text: &'a [u8],
) -> Result<T, BasicStationError> {
    serde_json::from_slice(text).map_err(|e| {
        use serde_json::error::Category;
        let kind = match e.classify() {
            Category::Syntax | Category::Io => JsonErrorKind::Syntax,
            Category::Data => JsonErrorKind::Data,
            Category::Eof => JsonErrorKind::Eof,
        };
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        BasicStationError::Json {
            kind,
            line: clamp(e.line()),
            column: clamp(e.column()),
        }
    })
}

/// A required field, or `MissingField(name)`.
pub(crate) fn req<T>(v: Option<T>, name: &'static str) -> Result<T, BasicStationError> {
    v.ok_or(BasicStationError::MissingField(name))
}

/// An `f32` field that stayed finite (JSON numbers beyond `f32` range turn into infinity when
/// narrowed, and could not be written back), or `InvalidField(name)`.
pub(crate) fn finite32(
    v: Option<f32>,
    name: &'static str,
) -> Result<Option<f32>, BasicStationError> {
    match v {
        Some(x) if !x.is_finite() => Err(BasicStationError::InvalidField(name)),
        other => Ok(other),
    }
}

/// Converts an integer field to a narrower type, or `InvalidField(name)`.
pub(crate) fn narrow<T: TryFrom<i64>>(v: i64, name: &'static str) -> Result<T, BasicStationError> {
    T::try_from(v).map_err(|_| BasicStationError::InvalidField(name))
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes hex text (either case) into inline storage of at most `N` bytes.
pub(crate) fn hex_decode<const N: usize>(
    s: &str,
    field: &'static str,
) -> Result<InlineBytes<N>, BasicStationError> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return Err(BasicStationError::InvalidHex(field));
    }
    let len = b.len() / 2;
    if len > N {
        return Err(BasicStationError::TooLong { field, len });
    }
    let mut buf = [0u8; N];
    for (dst, pair) in buf.iter_mut().zip(b.chunks_exact(2)) {
        let (Some(&h), Some(&l)) = (pair.first(), pair.get(1)) else {
            return Err(BasicStationError::InvalidHex(field));
        };
        match (nibble(h), nibble(l)) {
            (Some(h), Some(l)) => *dst = h << 4 | l,
            _ => return Err(BasicStationError::InvalidHex(field)),
        }
    }
    InlineBytes::new(buf.get(..len).unwrap_or_default())
        .ok_or(BasicStationError::TooLong { field, len })
}

pub(crate) use crate::json_writer::ObjectWriter;

impl From<crate::json_writer::NonFinite> for BasicStationError {
    fn from(e: crate::json_writer::NonFinite) -> Self {
        BasicStationError::Unencodable(e.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_cases() {
        let ok = |s: &str| hex_decode::<4>(s, "f").map(|b| b.as_slice().to_vec());
        assert_eq!(ok("5fcc"), Ok(vec![0x5f, 0xcc]));
        assert_eq!(ok("FD"), Ok(vec![0xfd]));
        assert_eq!(ok(""), Ok(vec![]));
        assert_eq!(ok("5fc"), Err(BasicStationError::InvalidHex("f")));
        assert_eq!(ok("zz"), Err(BasicStationError::InvalidHex("f")));
        assert_eq!(ok("é1"), Err(BasicStationError::InvalidHex("f")));
        assert_eq!(
            ok("0102030405"),
            Err(BasicStationError::TooLong { field: "f", len: 5 })
        );
        let mut out = Vec::new();
        crate::json_writer::write_hex(&mut out, &[0x5f, 0xcc, 0x00]);
        assert_eq!(out, b"\"5FCC00\"");
    }

    #[test]
    fn writer_shapes() {
        let mut out = Vec::new();
        let mut w = ObjectWriter::message(&mut out, "x");
        w.int("a", -1i32);
        w.float("b", 1554300787.123456).unwrap();
        w.float("c", 2.0).unwrap();
        w.float32("d", 9.25).unwrap();
        w.str("e", "q\"");
        assert_eq!(
            w.float("g", f64::NAN).map_err(BasicStationError::from),
            Err(BasicStationError::Unencodable("g"))
        );
        w.end();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"msgtype":"x","a":-1,"b":1554300787.123456,"c":2,"d":9.25,"e":"q\""}"#
        );
    }
}
