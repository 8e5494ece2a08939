//! TX_ACK's optional JSON body (PROTOCOL.TXT v2 §5.5 and §6): `txpk_ack` with an `error`, or a
//! `warn` with its `value`. An empty body means the downlink was accepted.

use super::UdpError;
use super::json::ObjectWriter;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The gateway's verdict on a PULL_RESP (`txpk_ack`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxPkAck<'a> {
    /// Why the downlink was rejected (`error`; `NONE` means accepted).
    pub error: Option<TxError>,
    /// A limitation the downlink was accepted with (`warn`).
    pub warn: Option<TxWarning>,
    /// Detail for the warning, such as the power actually used (`value`).
    pub value: Option<AckValue<'a>>,
}

impl TxPkAck<'_> {
    /// Whether the gateway accepted the downlink (no error, or `NONE`).
    pub fn is_accepted(&self) -> bool {
        matches!(self.error, None | Some(TxError::None))
    }
}

/// The `error` codes of `txpk_ack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxError {
    /// `NONE`: accepted.
    None,
    /// `TOO_LATE`: too late to program the transmission.
    TooLate,
    /// `TOO_EARLY`: the timestamp is too far ahead.
    TooEarly,
    /// `FULL`: the gateway's downlink queue is full.
    Full,
    /// `EMPTY`: the queue was empty (a forwarder-internal condition).
    Empty,
    /// `COLLISION_PACKET`: another packet is programmed in that time frame.
    CollisionPacket,
    /// `COLLISION_BEACON`: a beacon is planned in that time frame.
    CollisionBeacon,
    /// `TX_FREQ`: the frequency is not supported by the RF chain.
    TxFreq,
    /// `TX_POWER`: the power is not supported (an error before PROTOCOL.TXT v1.5, a warning since).
    TxPower,
    /// `GPS_UNLOCKED`: GPS time requested but the GPS is unlocked.
    GpsUnlocked,
}

/// Every error code with its text, in the order of PROTOCOL.TXT.
pub const TX_ERRORS: [(TxError, &str); 10] = [
    (TxError::None, "NONE"),
    (TxError::TooLate, "TOO_LATE"),
    (TxError::TooEarly, "TOO_EARLY"),
    (TxError::Full, "FULL"),
    (TxError::Empty, "EMPTY"),
    (TxError::CollisionPacket, "COLLISION_PACKET"),
    (TxError::CollisionBeacon, "COLLISION_BEACON"),
    (TxError::TxFreq, "TX_FREQ"),
    (TxError::TxPower, "TX_POWER"),
    (TxError::GpsUnlocked, "GPS_UNLOCKED"),
];

impl TxError {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        TX_ERRORS
            .iter()
            .find(|(e, _)| *e == self)
            .map_or("NONE", |(_, s)| s)
    }
    /// Parses the wire text.
    pub fn parse(s: &str) -> Result<Self, UdpError> {
        TX_ERRORS
            .iter()
            .find(|(_, t)| *t == s)
            .map(|(e, _)| *e)
            .ok_or(UdpError::InvalidField("error"))
    }
}

/// The `warn` codes of `txpk_ack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxWarning {
    /// `TX_POWER`: the power used differs from the one asked; `value` gives it.
    TxPower,
}

impl TxWarning {
    /// The wire text.
    pub const fn as_str(self) -> &'static str {
        "TX_POWER"
    }
}

/// The `value` member: a number or a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckValue<'a> {
    /// A number, such as the power used in dBm.
    Number(i64),
    /// A string.
    Text(Cow<'a, str>),
}

impl<'de: 'a, 'a> Deserialize<'de> for AckValue<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = AckValue<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(AckValue::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(AckValue::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(AckValue::Number(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(AckValue::Number)
                    .map_err(|_| E::custom("value out of range"))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// TX_ACK's body as it appears in JSON; validate with [`TxPkAck::from_json`].
#[derive(Debug, Deserialize)]
pub struct TxAckJson<'a> {
    #[serde(borrow)]
    txpk_ack: Option<TxPkAckJson<'a>>,
}

#[derive(Debug, Deserialize)]
struct TxPkAckJson<'a> {
    #[serde(borrow)]
    error: Option<Cow<'a, str>>,
    #[serde(borrow)]
    warn: Option<Cow<'a, str>>,
    #[serde(borrow)]
    value: Option<AckValue<'a>>,
}

impl<'a> TxPkAck<'a> {
    /// Validates a deserialized body; a body without `txpk_ack` reads as `None` (accepted).
    pub fn from_json(j: TxAckJson<'a>) -> Result<Option<Self>, UdpError> {
        let Some(j) = j.txpk_ack else { return Ok(None) };
        let warn = match j.warn.as_deref() {
            Some("TX_POWER") => Some(TxWarning::TxPower),
            Some(_) => return Err(UdpError::InvalidField("warn")),
            None => None,
        };
        Ok(Some(Self {
            error: j.error.as_deref().map(TxError::parse).transpose()?,
            warn,
            value: j.value,
        }))
    }

    /// Appends `{"txpk_ack":{…}}`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut root = ObjectWriter::begin(out);
        let mut w = ObjectWriter::begin(root.key("txpk_ack"));
        if let Some(e) = self.error {
            w.plain_str("error", e.as_str());
        }
        if let Some(wn) = self.warn {
            w.plain_str("warn", wn.as_str());
        }
        match &self.value {
            Some(AckValue::Number(n)) => w.int("value", *n),
            Some(AckValue::Text(t)) => w.str("value", t),
            None => {}
        }
        w.end();
        root.end();
    }
}
