//! Why a Basic Station message was rejected: one `Copy`, allocation-free enum for every message
//! of the LNS protocol (discovery, traffic and the router_config builder).

/// Which stage of the JSON parser rejected a message (mirrors `serde_json::error::Category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// Not well-formed JSON.
    Syntax,
    /// Well-formed JSON of the wrong shape (a string where a number belongs, a number out of range).
    Data,
    /// The text ended in the middle of a value.
    Eof,
}

/// A Basic Station message that could not be parsed, converted or emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BasicStationError {
    /// The text is malformed JSON or of the wrong shape.
    #[error("invalid JSON ({kind:?}) at line {line}, column {column}")]
    Json {
        /// What kind of failure.
        kind: JsonErrorKind,
        /// 1-based line (0 when unknown).
        line: u32,
        /// 1-based column (0 when unknown).
        column: u32,
    },
    /// The object has no `msgtype`.
    #[error("missing msgtype")]
    MissingMsgType,
    /// The `msgtype` names no message this side of the protocol understands (the name itself is
    /// not kept, so this error carries nothing allocated).
    #[error("unknown msgtype ({len} bytes)")]
    UnknownMsgType {
        /// Length of the unknown name, for logs.
        len: usize,
    },
    /// A required field is absent.
    #[error("missing field {0}")]
    MissingField(&'static str),
    /// A field holds a value outside what the protocol allows.
    #[error("invalid value in field {0}")]
    InvalidField(&'static str),
    /// A hex field (`FOpts`, `FRMPayload`, `pdu`) is not valid hex.
    #[error("invalid hex in field {0}")]
    InvalidHex(&'static str),
    /// An EUI field is in none of the forms stations send.
    #[error("invalid EUI in field {0}")]
    InvalidEui(&'static str),
    /// A field decodes to more bytes than its frame part can hold.
    #[error("{field} too long: {len} bytes")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Decoded length (or hex characters / 2).
        len: usize,
    },
    /// A channel plan that no SX1301 configuration can carry (see `router_config`).
    #[error("channel plan: {0}")]
    ChannelPlan(&'static str),
    /// A value that JSON cannot carry (NaN, infinity).
    #[error("cannot emit: {0}")]
    Unencodable(&'static str),
}
