//! The fixed header of every Semtech UDP datagram (PROTOCOL.TXT v2 §3.2–§5.5): protocol
//! version, random token, message identifier and, for gateway-to-server messages, the gateway
//! EUI. Offsets are named ranges in `field`, as in smoltcp's wire modules.

use super::UdpError;
use crate::types::Eui64;

mod field {
    use std::ops::Range;
    pub const VERSION: usize = 0;
    pub const TOKEN: Range<usize> = 1..3;
    pub const IDENTIFIER: usize = 3;
    pub const EUI: Range<usize> = 4..12;
}

/// Header length of messages without a gateway EUI (PUSH_ACK, PULL_RESP, PULL_ACK).
pub const SHORT_HEADER_LEN: usize = 4;
/// Header length of messages with a gateway EUI (PUSH_DATA, PULL_DATA, TX_ACK).
pub const LONG_HEADER_LEN: usize = 12;

/// Protocol version in byte 0: 2 is current; 1 is the pre-TX_ACK revision, still in the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ProtocolVersion {
    /// Version 1 (packet_forwarder before v1.3 of PROTOCOL.TXT).
    V1,
    /// Version 2 (adds TX_ACK; what current forwarders send).
    #[default]
    V2,
}

impl ProtocolVersion {
    /// The byte on the wire.
    pub const fn to_byte(self) -> u8 {
        match self {
            Self::V1 => 1,
            Self::V2 => 2,
        }
    }
    /// Reads byte 0.
    pub const fn from_byte(b: u8) -> Result<Self, UdpError> {
        match b {
            1 => Ok(Self::V1),
            2 => Ok(Self::V2),
            other => Err(UdpError::UnknownVersion(other)),
        }
    }
}

/// The random token (bytes 1–2) matching an acknowledgement to its request, kept as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Token(pub [u8; 2]);

impl Token {
    /// The token read big-endian, as semtech-udp and the packet forwarder's logs show it.
    pub const fn to_u16(self) -> u16 {
        u16::from_be_bytes(self.0)
    }
    /// Builds from a big-endian integer.
    pub const fn from_u16(v: u16) -> Self {
        Self(v.to_be_bytes())
    }
}

/// Message identifier (byte 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identifier {
    /// Gateway → server: received packets and status (0x00).
    PushData = 0x00,
    /// Server → gateway: PUSH_DATA received (0x01).
    PushAck = 0x01,
    /// Gateway → server: keep-alive opening the downlink route (0x02).
    PullData = 0x02,
    /// Server → gateway: a packet to transmit (0x03).
    PullResp = 0x03,
    /// Server → gateway: PULL_DATA received (0x04).
    PullAck = 0x04,
    /// Gateway → server: outcome of a PULL_RESP (0x05).
    TxAck = 0x05,
}

impl Identifier {
    /// Reads byte 3.
    pub const fn from_byte(b: u8) -> Result<Self, UdpError> {
        Ok(match b {
            0x00 => Self::PushData,
            0x01 => Self::PushAck,
            0x02 => Self::PullData,
            0x03 => Self::PullResp,
            0x04 => Self::PullAck,
            0x05 => Self::TxAck,
            other => return Err(UdpError::UnknownIdentifier(other)),
        })
    }
    /// Whether bytes 4–11 carry the gateway EUI (messages sent by the gateway).
    pub const fn has_gateway_eui(self) -> bool {
        matches!(self, Self::PushData | Self::PullData | Self::TxAck)
    }
    /// Header length of this message kind.
    pub const fn header_len(self) -> usize {
        if self.has_gateway_eui() {
            LONG_HEADER_LEN
        } else {
            SHORT_HEADER_LEN
        }
    }
}

/// A parsed header: everything before the JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Protocol version (byte 0).
    pub version: ProtocolVersion,
    /// Random token (bytes 1–2).
    pub token: Token,
    /// Message identifier (byte 3).
    pub identifier: Identifier,
    /// Gateway EUI (bytes 4–11) for PUSH_DATA, PULL_DATA and TX_ACK.
    pub gateway_eui: Option<Eui64>,
}

impl Header {
    /// Parses the header and returns it with the rest of the datagram (the body).
    pub fn parse(buf: &[u8]) -> Result<(Self, &[u8]), UdpError> {
        let too_short = |need| UdpError::TooShort {
            got: buf.len(),
            need,
        };
        let (Some(&v), Some(&id)) = (buf.get(field::VERSION), buf.get(field::IDENTIFIER)) else {
            return Err(too_short(SHORT_HEADER_LEN));
        };
        let version = ProtocolVersion::from_byte(v)?;
        let identifier = Identifier::from_byte(id)?;
        let token = buf
            .get(field::TOKEN)
            .and_then(|t| <[u8; 2]>::try_from(t).ok())
            .map(Token)
            .ok_or(too_short(SHORT_HEADER_LEN))?;
        let gateway_eui = if identifier.has_gateway_eui() {
            let eui = buf
                .get(field::EUI)
                .and_then(|e| <[u8; 8]>::try_from(e).ok())
                .ok_or(too_short(LONG_HEADER_LEN))?;
            Some(Eui64::from_be_bytes(eui))
        } else {
            None
        };
        let body = buf.get(identifier.header_len()..).unwrap_or_default();
        Ok((
            Self {
                version,
                token,
                identifier,
                gateway_eui,
            },
            body,
        ))
    }

    /// Appends the header to `out`; a missing EUI on a gateway message is written as zeros.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(self.version.to_byte());
        out.extend_from_slice(&self.token.0);
        out.push(self.identifier as u8);
        if self.identifier.has_gateway_eui() {
            let eui = self.gateway_eui.unwrap_or_default();
            out.extend_from_slice(&eui.to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_cases() {
        let eui = Eui64::from_be_bytes([1, 2, 3, 4, 5, 6, 7, 8]);
        // (name, bytes, expected)
        type Want = Result<(ProtocolVersion, [u8; 2], Identifier, Option<Eui64>, usize), UdpError>;
        let cases: &[(&str, &[u8], Want)] = &[
            (
                "push_ack v2",
                &[2, 0xAB, 0xCD, 1],
                Ok((
                    ProtocolVersion::V2,
                    [0xAB, 0xCD],
                    Identifier::PushAck,
                    None,
                    0,
                )),
            ),
            (
                "pull_ack v1",
                &[1, 0, 7, 4],
                Ok((ProtocolVersion::V1, [0, 7], Identifier::PullAck, None, 0)),
            ),
            (
                "pull_data",
                &[2, 1, 2, 2, 1, 2, 3, 4, 5, 6, 7, 8],
                Ok((
                    ProtocolVersion::V2,
                    [1, 2],
                    Identifier::PullData,
                    Some(eui),
                    0,
                )),
            ),
            (
                "chirpstack push_data {}",
                &[2, 123, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 123, 125],
                Ok((
                    ProtocolVersion::V2,
                    [123, 0],
                    Identifier::PushData,
                    Some(eui),
                    2,
                )),
            ),
            ("empty", &[], Err(UdpError::TooShort { got: 0, need: 4 })),
            (
                "three bytes",
                &[2, 0, 0],
                Err(UdpError::TooShort { got: 3, need: 4 }),
            ),
            (
                "push_data without eui",
                &[2, 0, 0, 0, 1, 2],
                Err(UdpError::TooShort { got: 6, need: 12 }),
            ),
            ("version 3", &[3, 0, 0, 0], Err(UdpError::UnknownVersion(3))),
            ("version 0", &[0, 0, 0, 1], Err(UdpError::UnknownVersion(0))),
            (
                "identifier 6",
                &[2, 0, 0, 6],
                Err(UdpError::UnknownIdentifier(6)),
            ),
        ];
        for (name, bytes, want) in cases {
            let got = Header::parse(bytes).map(|(h, body)| {
                (
                    h.version,
                    h.token.0,
                    h.identifier,
                    h.gateway_eui,
                    body.len(),
                )
            });
            assert_eq!(&got, want, "{name}");
        }
    }

    #[test]
    fn emit_round_trips_and_token_order() {
        let h = Header {
            version: ProtocolVersion::V2,
            token: Token::from_u16(0x1234),
            identifier: Identifier::TxAck,
            gateway_eui: Some(Eui64::from_u64(0xAA55_0000_0000_00FF)),
        };
        let mut out = Vec::new();
        h.emit(&mut out);
        assert_eq!(out, [2, 0x12, 0x34, 5, 0xAA, 0x55, 0, 0, 0, 0, 0, 0xFF]);
        assert_eq!(Header::parse(&out), Ok((h, &[][..])));
        assert_eq!(h.token.to_u16(), 0x1234);
    }
}
