//! The Semtech UDP packet forwarder protocol, version 2 (Semtech `packet_forwarder`
//! PROTOCOL.TXT v1.5 / `sx1302_hal` PROTOCOL.md; version 1 datagrams are accepted and their
//! version reported): bytes in, values out, values in, bytes out. No sockets.
//!
//! - `header.rs`: version, token, identifier, gateway EUI (§3.2–§5.5).
//! - `push_data.rs` + `stat.rs`: PUSH_DATA's `rxpk` (with v2 `rsig`) and `stat` (§4).
//! - `pull_resp.rs`: PULL_RESP's `txpk` (§6). `tx_ack.rs`: TX_ACK's `txpk_ack` (§5.5, §6).
//! - `fields.rs`, `time.rs`: data rate, coding rate, MHz ↔ Hz, base64 payloads, times.
//! - `json.rs`: the one place a JSON parser is called, and an appending object writer.
//! - `scan/`: the PUSH_DATA fast path ([`PushData::parse_into`]), a scanner for the `rxpk`
//!   schema that hands anything unusual to the serde path; the data plane's ingress uses it.
//!
//! [`Packet::parse`] borrows the datagram: strings stay `&str` slices of it, payloads are
//! decoded into inline 255-byte storage, so a PUSH_DATA costs the allocation of its `rxpk`
//! vector (and one per `rsig` list) and nothing per field. [`Packet::emit`] appends to a
//! caller's `Vec<u8>`.
//!
//! Deviations found between sources: PROTOCOL.TXT's first `rxpk` example carries `-` in its
//! base64 `data` (not in the standard alphabet), so it is rejected as `InvalidBase64`; Kerlink
//! `jver` 2 packets put `chan`/`rssi`/`lsnr` only in `rsig`, so those are optional at top level;
//! `ftime` of -1 (seen from Kerlink) reads as no fine timestamp.
//!
//! JSON parser: serde_json (with `float_roundtrip`), kept after measuring the alternatives.
//! `cargo bench -p bench --bench semtech_udp` deserializes the same [`PushDataJson`] types and
//! runs the same validation with each parser, after checking all agree with [`Packet::parse`];
//! best of 9 rounds on the shared 2-vCPU dev VM (load ≈ 3), ns per PUSH_DATA body:
//!
//! | shape       | bytes | serde_json | sonic-rs 0.5 | simd-json 0.19 (+copy) | JSON share |
//! |-------------|------:|-----------:|-------------:|-----------------------:|-----------:|
//! | 2 rxpk      |   486 |       2585 |  2775 (1.07) |            2418 (0.94) |       1965 |
//! | 4 rxpk      |   994 |       4970 |  5276 (1.06) |            4370 (0.88) |       3930 |
//! | 8 rxpk      |  1972 |      10092 | 10726 (1.06) |            8663 (0.86) |       7883 |
//! | 8 rxpk+stat |  2131 |      10691 | 11368 (1.06) |            9462 (0.89) |       8542 |
//!
//! (1-rxpk rows swung between 0.6 and 1.2 across runs on this noisy VM, for both.) sonic-rs is
//! about 6 % slower on these small, field-heavy objects. simd-json gains 6–14 % from two
//! packets up but parses in place, so it needs a mutable copy of every datagram (included above)
//! and would turn `parse(&[u8])` into `parse(&mut [u8])`; that gain does not pay for a second
//! JSON stack. The JSON share (serde_json into the borrowed types, no validation) is ~80 % of
//! the total, so further speed would come from a hand-written rxpk scanner, not a parser swap.

mod error;
mod fields;
mod header;
mod json;
mod pull_resp;
mod push_data;
mod scan;
mod stat;
mod time;
mod tx_ack;

pub use error::{JsonErrorKind, UdpError};
pub use fields::{CodingRate, CrcStatus, DataRate, InlineBytes, Payload};
pub use header::{Header, Identifier, LONG_HEADER_LEN, ProtocolVersion, SHORT_HEADER_LEN, Token};
pub use pull_resp::{PullRespJson, TxPk, TxTiming};
pub use push_data::{EncryptedTime, PushData, PushDataJson, RSig, RxPk};
pub use scan::ScanMiss;
pub use stat::Stat;
pub use time::UtcTime;
pub use tx_ack::{AckValue, TX_ERRORS, TxAckJson, TxError, TxPkAck, TxWarning};

use crate::types::Eui64;

/// One Semtech UDP datagram.
#[derive(Debug, Clone, PartialEq)]
pub enum Packet<'a> {
    /// Gateway → server: received packets and/or status.
    PushData {
        /// Protocol version.
        version: ProtocolVersion,
        /// Token to echo in the PUSH_ACK.
        token: Token,
        /// Sending gateway.
        gateway_eui: Eui64,
        /// The JSON body.
        data: PushData,
    },
    /// Server → gateway: acknowledges a PUSH_DATA.
    PushAck {
        /// Protocol version.
        version: ProtocolVersion,
        /// The PUSH_DATA's token.
        token: Token,
    },
    /// Gateway → server: keep-alive opening the downlink path.
    PullData {
        /// Protocol version.
        version: ProtocolVersion,
        /// Token to echo in the PULL_ACK.
        token: Token,
        /// Sending gateway.
        gateway_eui: Eui64,
    },
    /// Server → gateway: a packet to transmit.
    PullResp {
        /// Protocol version.
        version: ProtocolVersion,
        /// Token the TX_ACK will echo.
        token: Token,
        /// What to transmit.
        txpk: TxPk,
    },
    /// Server → gateway: acknowledges a PULL_DATA.
    PullAck {
        /// Protocol version.
        version: ProtocolVersion,
        /// The PULL_DATA's token.
        token: Token,
    },
    /// Gateway → server: outcome of a PULL_RESP.
    TxAck {
        /// Protocol version.
        version: ProtocolVersion,
        /// The PULL_RESP's token.
        token: Token,
        /// Sending gateway.
        gateway_eui: Eui64,
        /// The verdict; `None` (empty body) means accepted.
        ack: Option<TxPkAck<'a>>,
    },
}

impl<'a> Packet<'a> {
    /// Parses a datagram; malformed or oversized input is an error, never a panic.
    pub fn parse(buf: &'a [u8]) -> Result<Self, UdpError> {
        let (h, body) = Header::parse(buf)?;
        let (version, token) = (h.version, h.token);
        let eui = h.gateway_eui.unwrap_or_default();
        let no_body = |p: Self| {
            if body.is_empty() {
                Ok(p)
            } else {
                Err(UdpError::TrailingData(body.len()))
            }
        };
        match h.identifier {
            Identifier::PushData => {
                let data = PushData::from_json(json::from_slice(json::trim_body(body))?)?;
                Ok(Self::PushData {
                    version,
                    token,
                    gateway_eui: eui,
                    data,
                })
            }
            Identifier::PushAck => no_body(Self::PushAck { version, token }),
            Identifier::PullData => no_body(Self::PullData {
                version,
                token,
                gateway_eui: eui,
            }),
            Identifier::PullResp => {
                let txpk = TxPk::from_json(json::from_slice(json::trim_body(body))?)?;
                Ok(Self::PullResp {
                    version,
                    token,
                    txpk,
                })
            }
            Identifier::PullAck => no_body(Self::PullAck { version, token }),
            Identifier::TxAck => {
                let body = json::trim_body(body);
                let ack = if body.iter().all(u8::is_ascii_whitespace) {
                    None
                } else {
                    TxPkAck::from_json(json::from_slice(body)?)?
                };
                Ok(Self::TxAck {
                    version,
                    token,
                    gateway_eui: eui,
                    ack,
                })
            }
        }
    }

    /// The message identifier.
    pub fn identifier(&self) -> Identifier {
        match self {
            Self::PushData { .. } => Identifier::PushData,
            Self::PushAck { .. } => Identifier::PushAck,
            Self::PullData { .. } => Identifier::PullData,
            Self::PullResp { .. } => Identifier::PullResp,
            Self::PullAck { .. } => Identifier::PullAck,
            Self::TxAck { .. } => Identifier::TxAck,
        }
    }

    /// The header fields.
    pub fn header(&self) -> Header {
        let (version, token, gateway_eui) = match *self {
            Self::PushData {
                version,
                token,
                gateway_eui,
                ..
            }
            | Self::PullData {
                version,
                token,
                gateway_eui,
            }
            | Self::TxAck {
                version,
                token,
                gateway_eui,
                ..
            } => (version, token, Some(gateway_eui)),
            Self::PushAck { version, token }
            | Self::PullResp { version, token, .. }
            | Self::PullAck { version, token } => (version, token, None),
        };
        Header {
            version,
            token,
            identifier: self.identifier(),
            gateway_eui,
        }
    }

    /// Appends the datagram to `out`. Fails only on values JSON cannot carry (NaN, infinity).
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), UdpError> {
        let start = out.len();
        self.header().emit(out);
        let res = match self {
            Self::PushData { data, .. } => data.emit(out),
            Self::PullResp { txpk, .. } => {
                txpk.emit(out);
                Ok(())
            }
            Self::TxAck { ack: Some(ack), .. } => {
                ack.emit(out);
                Ok(())
            }
            _ => Ok(()),
        };
        if res.is_err() {
            out.truncate(start);
        }
        res
    }

    /// The acknowledgement a server sends for this packet (PUSH_ACK for PUSH_DATA, PULL_ACK for
    /// PULL_DATA), with the same version and token.
    pub fn ack(&self) -> Option<Packet<'static>> {
        match *self {
            Self::PushData { version, token, .. } => Some(Packet::PushAck { version, token }),
            Self::PullData { version, token, .. } => Some(Packet::PullAck { version, token }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
