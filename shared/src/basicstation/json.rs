//! The JSON seam of the Basic Station codec: one function deserializing messages (serde_json,
//! the parser `semtech_udp` measured and kept), the hex and number checks every message shares,
//! and a small appending object writer, so emission builds no intermediate `String` or
//! `serde_json::Value`.

use super::{BasicStationError, JsonErrorKind};
use crate::semtech_udp::InlineBytes;
use std::io::Write as _;

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

/// Appends upper-case hex of `b`, quoted (Basic Station writes upper case; either is read).
pub(crate) fn write_hex(out: &mut Vec<u8>, b: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.push(b'"');
    for &x in b {
        out.push(DIGITS[usize::from(x >> 4)]);
        out.push(DIGITS[usize::from(x & 0xF)]);
    }
    out.push(b'"');
}

/// Appends one JSON object's members to a caller's buffer.
pub(crate) struct ObjectWriter<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> ObjectWriter<'o> {
    /// Writes `{`.
    pub(crate) fn begin(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Self { out, first: true }
    }
    /// Writes `{"msgtype":"<name>"`.
    pub(crate) fn message(out: &'o mut Vec<u8>, msgtype: &str) -> Self {
        let mut w = Self::begin(out);
        w.plain_str("msgtype", msgtype);
        w
    }
    /// Writes the separator and `"key":`, then hands out the buffer for the value.
    pub(crate) fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }
    /// Writes an integer member.
    pub(crate) fn int(&mut self, key: &str, v: impl Into<i128>) {
        let _ = write!(self.key(key), "{}", v.into());
    }
    /// Writes an optional integer member (skipped when `None`).
    pub(crate) fn opt_int<T: Into<i128>>(&mut self, key: &str, v: Option<T>) {
        if let Some(v) = v {
            self.int(key, v);
        }
    }
    /// Writes an `f64` member in its shortest round-trip form; NaN and infinities fail.
    pub(crate) fn float(&mut self, key: &'static str, v: f64) -> Result<(), BasicStationError> {
        if !v.is_finite() {
            return Err(BasicStationError::Unencodable(key));
        }
        write_f64(self.key(key), v, key)
    }
    /// Writes an optional `f64` member.
    pub(crate) fn opt_float(
        &mut self,
        key: &'static str,
        v: Option<f64>,
    ) -> Result<(), BasicStationError> {
        v.map_or(Ok(()), |v| self.float(key, v))
    }
    /// Writes an `f32` member in its own shortest form (`9.25`, not `9.25000000000000`).
    pub(crate) fn float32(&mut self, key: &'static str, v: f32) -> Result<(), BasicStationError> {
        if !v.is_finite() {
            return Err(BasicStationError::Unencodable(key));
        }
        let _ = write!(self.key(key), "{v}");
        Ok(())
    }
    /// Writes a bool member.
    pub(crate) fn bool(&mut self, key: &str, v: bool) {
        self.key(key)
            .extend_from_slice(if v { b"true" } else { b"false" });
    }
    /// Writes a string member known to need no escaping (message names, EUIs, hex).
    pub(crate) fn plain_str(&mut self, key: &str, v: &str) {
        let out = self.key(key);
        out.push(b'"');
        out.extend_from_slice(v.as_bytes());
        out.push(b'"');
    }
    /// Writes an arbitrary string member, escaped.
    pub(crate) fn str(&mut self, key: &str, v: &str) {
        let _ = serde_json::to_writer(self.key(key), v);
    }
    /// Writes a hex string member.
    pub(crate) fn hex(&mut self, key: &str, b: &[u8]) {
        write_hex(self.key(key), b);
    }
    /// Writes `}`.
    pub(crate) fn end(self) {
        self.out.push(b'}');
    }
}

/// Appends an `f64` in its shortest round-trip form (integers without a fraction).
pub(crate) fn write_f64(
    out: &mut Vec<u8>,
    v: f64,
    field: &'static str,
) -> Result<(), BasicStationError> {
    if !v.is_finite() {
        return Err(BasicStationError::Unencodable(field));
    }
    let _ = write!(out, "{v}");
    Ok(())
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
        write_hex(&mut out, &[0x5f, 0xcc, 0x00]);
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
            w.float("g", f64::NAN),
            Err(BasicStationError::Unencodable("g"))
        );
        w.end();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"msgtype":"x","a":-1,"b":1554300787.123456,"c":2,"d":9.25,"e":"q\""}"#
        );
    }
}
