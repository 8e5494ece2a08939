//! The JSON seam: one function deserializing bodies (so the parser behind it is chosen in one
//! place, see the module doc of `semtech_udp` for the measurement) and a small appending object
//! writer for emission (no intermediate `String`s or `serde_json::Value`s).

use super::{JsonErrorKind, UdpError};
use std::io::Write as _;

/// Deserializes a JSON body borrowed from the datagram.
pub(crate) fn from_slice<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T, UdpError> {
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        let kind = match e.classify() {
            Category::Syntax | Category::Io => JsonErrorKind::Syntax,
            Category::Data => JsonErrorKind::Data,
            Category::Eof => JsonErrorKind::Eof,
        };
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        UdpError::Json {
            kind,
            line: clamp(e.line()),
            column: clamp(e.column()),
        }
    })
}

/// Strips trailing NUL bytes some forwarders append after the JSON (a C string terminator).
pub(crate) fn trim_body(body: &[u8]) -> &[u8] {
    let end = body.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    body.get(..end).unwrap_or_default()
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
    /// Writes the separator and `"key":`, then hands out the buffer for the value.
    pub(crate) fn key(&mut self, key: &str) -> &mut Vec<u8> {
        self.raw();
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }
    /// Writes the separator and hands out the buffer for members written by the caller.
    pub(crate) fn raw(&mut self) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
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
    /// Writes a float member; NaN and infinities have no JSON form.
    pub(crate) fn float(&mut self, key: &'static str, v: f64) -> Result<(), UdpError> {
        if !v.is_finite() {
            return Err(UdpError::InvalidField(key));
        }
        let _ = write!(self.key(key), "{v}");
        Ok(())
    }
    /// Writes an `f32` member with its own shortest form (so `5.1f32` is `5.1`).
    pub(crate) fn float32(&mut self, key: &'static str, v: f32) -> Result<(), UdpError> {
        if !v.is_finite() {
            return Err(UdpError::InvalidField(key));
        }
        let _ = write!(self.key(key), "{v}");
        Ok(())
    }
    /// Writes an optional float member.
    pub(crate) fn opt_float(&mut self, key: &'static str, v: Option<f64>) -> Result<(), UdpError> {
        v.map_or(Ok(()), |v| self.float(key, v))
    }
    /// Writes a frequency in MHz with Hz precision (`868100000` → `868.1`).
    pub(crate) fn freq(&mut self, key: &str, hz: u64) {
        let out = self.key(key);
        let (mhz, frac) = (hz / 1_000_000, hz % 1_000_000);
        let _ = write!(out, "{mhz}");
        if frac != 0 {
            let mut digits = format!("{frac:06}");
            while digits.ends_with('0') {
                digits.pop();
            }
            let _ = write!(out, ".{digits}");
        }
    }
    /// Writes a bool member.
    pub(crate) fn bool(&mut self, key: &str, v: bool) {
        self.key(key)
            .extend_from_slice(if v { b"true" } else { b"false" });
    }
    /// Writes a string member known to need no escaping (identifiers, times, base64).
    pub(crate) fn plain_str(&mut self, key: &str, v: &str) {
        let out = self.key(key);
        out.push(b'"');
        out.extend_from_slice(v.as_bytes());
        out.push(b'"');
    }
    /// Writes an arbitrary string member, escaped.
    pub(crate) fn str(&mut self, key: &str, v: &str) {
        let out = self.key(key);
        let _ = serde_json::to_writer(out, v);
    }
    /// Writes `}`.
    pub(crate) fn end(self) {
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_shapes() {
        let mut out = Vec::new();
        let mut w = ObjectWriter::begin(&mut out);
        w.freq("a", 868_100_000);
        w.freq("b", 866_349_812);
        w.freq("c", 902_000_000);
        w.int("d", -35i16);
        w.float32("e", 5.1).unwrap();
        w.str("f", "x\"y");
        assert_eq!(w.float("g", f64::NAN), Err(UdpError::InvalidField("g")));
        w.end();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"a":868.1,"b":866.349812,"c":902,"d":-35,"e":5.1,"f":"x\"y"}"#
        );
    }

    #[test]
    fn trims_nuls() {
        assert_eq!(trim_body(b"{}\0\0"), b"{}");
        assert_eq!(trim_body(b"\0"), b"");
        assert_eq!(trim_body(b""), b"");
    }
}
