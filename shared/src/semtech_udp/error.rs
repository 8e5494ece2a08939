//! Why a Semtech UDP datagram was rejected: one `Copy`, allocation-free enum for every message.

/// Which stage of the JSON parser rejected a body (mirrors `serde_json::error::Category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// Not well-formed JSON.
    Syntax,
    /// Well-formed JSON of the wrong shape (a string where a number belongs, a number out of range).
    Data,
    /// The body ended in the middle of a value.
    Eof,
}

/// A Semtech UDP datagram that could not be parsed or emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UdpError {
    /// Fewer bytes than the header of this message kind needs.
    #[error("datagram too short: {got} bytes, need {need}")]
    TooShort {
        /// Bytes received.
        got: usize,
        /// Bytes the header needs.
        need: usize,
    },
    /// Byte 0 is neither protocol version 1 nor 2.
    #[error("unknown protocol version {0}")]
    UnknownVersion(u8),
    /// Byte 3 names no known message.
    #[error("unknown identifier 0x{0:02x}")]
    UnknownIdentifier(u8),
    /// Bytes after the header of a message that carries no body (PUSH_ACK, PULL_DATA, PULL_ACK).
    #[error("{0} trailing bytes after a body-less message")]
    TrailingData(usize),
    /// The JSON body is malformed or of the wrong shape.
    #[error("invalid JSON ({kind:?}) at line {line}, column {column}")]
    Json {
        /// What kind of failure.
        kind: JsonErrorKind,
        /// 1-based line (0 when unknown).
        line: u32,
        /// 1-based column or byte offset (0 when unknown).
        column: u32,
    },
    /// A required JSON field is absent.
    #[error("missing field {0}")]
    MissingField(&'static str),
    /// A JSON field holds a value outside what the protocol allows.
    #[error("invalid value in field {0}")]
    InvalidField(&'static str),
    /// A `data` or `etime` field is not valid base64.
    #[error("invalid base64 in field {0}")]
    InvalidBase64(&'static str),
    /// A payload longer than a LoRa/FSK frame can be (255 bytes), or an `etime` too long.
    #[error("{field} too long: {len} bytes")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Decoded length.
        len: usize,
    },
    /// The `size` field disagrees with the decoded `data`.
    #[error("size {size} does not match the {decoded} decoded bytes")]
    SizeMismatch {
        /// What `size` said.
        size: u16,
        /// Bytes decoded from `data`.
        decoded: usize,
    },
    /// The message kind has no JSON body of this shape (for example a PUSH_ACK with `rxpk`).
    #[error("cannot emit: {0}")]
    Unencodable(&'static str),
}
