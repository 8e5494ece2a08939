//! The appending JSON object writer both gateway codecs emit with (`semtech_udp`,
//! `basicstation`): members go straight into the caller's buffer, with no intermediate `String`
//! or `serde_json::Value`. Each codec turns [`NonFinite`] into its own error.

use std::io::Write as _;

/// A float member that has no JSON form (NaN or an infinity); carries the member's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NonFinite(pub &'static str);

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
    /// Writes `{"msgtype":"<name>"` (Basic Station messages).
    pub(crate) fn message(out: &'o mut Vec<u8>, msgtype: &str) -> Self {
        let mut w = Self::begin(out);
        w.plain_str("msgtype", msgtype);
        w
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
    /// Writes an `f64` member in its shortest round-trip form.
    pub(crate) fn float(&mut self, key: &'static str, v: f64) -> Result<(), NonFinite> {
        if !v.is_finite() {
            return Err(NonFinite(key));
        }
        let _ = write!(self.key(key), "{v}");
        Ok(())
    }
    /// Writes an `f32` member with its own shortest form (so `5.1f32` is `5.1`).
    pub(crate) fn float32(&mut self, key: &'static str, v: f32) -> Result<(), NonFinite> {
        if !v.is_finite() {
            return Err(NonFinite(key));
        }
        let _ = write!(self.key(key), "{v}");
        Ok(())
    }
    /// Writes an optional `f64` member.
    pub(crate) fn opt_float(&mut self, key: &'static str, v: Option<f64>) -> Result<(), NonFinite> {
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
    /// Writes a string member known to need no escaping (identifiers, times, base64, hex).
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
    /// Writes a hex string member (upper case).
    pub(crate) fn hex(&mut self, key: &str, b: &[u8]) {
        write_hex(self.key(key), b);
    }
    /// Writes `}`.
    pub(crate) fn end(self) {
        self.out.push(b'}');
    }
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
