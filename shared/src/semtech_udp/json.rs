//! The JSON seam: one function deserializing bodies (so the parser behind it is chosen in one
//! place, see the module doc of `semtech_udp` for the measurement); emission uses the crate's
//! appending object writer (`json_writer`).

use super::{JsonErrorKind, UdpError};

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

pub(crate) use crate::json_writer::ObjectWriter;

impl From<crate::json_writer::NonFinite> for UdpError {
    fn from(e: crate::json_writer::NonFinite) -> Self {
        UdpError::InvalidField(e.0)
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
        assert_eq!(
            w.float("g", f64::NAN).map_err(UdpError::from),
            Err(UdpError::InvalidField("g"))
        );
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
