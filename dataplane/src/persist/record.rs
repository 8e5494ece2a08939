//! The journal's record format: each record is a frame `len: u32 LE | crc: u32 LE | payload`,
//! where `crc` is CRC-32C (Castagnoli) over the `len` bytes and the payload, so a frame torn by
//! a crash mid-write, or a length that points past the data, is detected and reading stops there.
//!
//! Payload: `kind: u8`, then for session records `flags: u8` (bit 0: a DevEUI follows),
//! `DevAddr: 4 bytes BE`, `DevEUI: 8 bytes BE` (zero without one), then the body of the kind.
//! Integers in bodies are little-endian.

use shared::types::{DevAddr, DevEui};
use thiserror::Error;

/// Bytes of a frame header (`len` and `crc`).
pub const FRAME_HEADER: usize = 8;
/// Largest MAC-state blob a record carries.
pub const MAX_MAC_STATE: usize = 2048;
/// Largest payload: a snapshot record with the largest MAC-state blob.
pub const MAX_PAYLOAD: usize = SESSION_HEADER + 13 + MAX_MAC_STATE;
/// Bytes of the session part of a payload (kind, flags, DevAddr, DevEUI).
const SESSION_HEADER: usize = 1 + 1 + 4 + 8;

const KIND_START: u8 = 1;
const KIND_FCNT_UP: u8 = 2;
const KIND_N_FCNT_DOWN_LIMIT: u8 = 3;
const KIND_A_FCNT_DOWN_LIMIT: u8 = 4;
const KIND_MAC_STATE: u8 = 5;
const KIND_REMOVE: u8 = 6;
const KIND_SNAPSHOT: u8 = 7;
const KIND_SNAPSHOT_END: u8 = 8;

const SNAP_FCNT_UP: u8 = 1;
const SNAP_MAC_STATE: u8 = 2;

/// Which session a record is about: its DevAddr and, when it has one, its DevEUI (two devices
/// may share a DevAddr; a rejoined device gets a new DevAddr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionKey {
    /// The session's DevAddr.
    pub dev_addr: DevAddr,
    /// The device's DevEUI, when registered.
    pub dev_eui: Option<DevEui>,
}

/// The durable counters and MAC state of one session, as a snapshot record carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotView<'a> {
    /// Last accepted FCntUp.
    pub fcnt_up: Option<u32>,
    /// NFCntDown values below this may have been used.
    pub n_fcnt_down_limit: u32,
    /// AFCntDown values below this may have been used.
    pub a_fcnt_down_limit: u32,
    /// Opaque MAC state.
    pub mac_state: Option<&'a [u8]>,
}

/// What a session record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<'a> {
    /// A new session context (join, rejoin, re-provisioning): counters start over.
    Start,
    /// An accepted uplink's FCntUp.
    FCntUp(u32),
    /// NFCntDown (1.0: FCntDown) lease: values below this may be used.
    NFCntDownLimit(u32),
    /// AFCntDown lease: values below this may be used.
    AFCntDownLimit(u32),
    /// The session's MAC state, opaque here, replacing the previous one.
    MacState(&'a [u8]),
    /// The session is gone.
    Remove,
    /// The whole durable state (snapshot files).
    Snapshot(SnapshotView<'a>),
}

/// One journal record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record<'a> {
    /// A change to one session.
    Session {
        /// The session.
        key: SessionKey,
        /// The change.
        change: Change<'a>,
    },
    /// Closes a snapshot file: the number of snapshot records before it.
    SnapshotEnd {
        /// Session records in the snapshot.
        sessions: u64,
    },
}

/// Why a record cannot be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The MAC-state blob exceeds [`MAX_MAC_STATE`].
    #[error("MAC state of {0} bytes exceeds {MAX_MAC_STATE}")]
    MacStateTooLong(usize),
}

/// Why reading frames stopped before the end of the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer bytes left than a frame header or the length it announces (a torn write).
    #[error("truncated frame")]
    Truncated,
    /// The announced length is outside what any record uses.
    #[error("frame length {0} out of range")]
    BadLength(u32),
    /// The CRC does not match (a torn or corrupted write).
    #[error("frame CRC mismatch")]
    BadCrc,
    /// The CRC matches but the payload is not a record this version writes.
    #[error("unknown record kind {0}")]
    UnknownKind(u8),
    /// The CRC matches but the body's size does not fit its kind.
    #[error("malformed record body")]
    Malformed,
}

impl Record<'_> {
    /// Appends this record's frame to `out`; on error `out` is unchanged.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if let Record::Session {
            change:
                Change::MacState(m)
                | Change::Snapshot(SnapshotView {
                    mac_state: Some(m), ..
                }),
            ..
        } = self
            && m.len() > MAX_MAC_STATE
        {
            return Err(EncodeError::MacStateTooLong(m.len()));
        }
        let start = out.len();
        out.extend_from_slice(&[0; FRAME_HEADER]);
        match self {
            Record::SnapshotEnd { sessions } => {
                out.push(KIND_SNAPSHOT_END);
                out.extend_from_slice(&sessions.to_le_bytes());
            }
            Record::Session { key, change } => {
                out.push(change.kind());
                out.push(u8::from(key.dev_eui.is_some()));
                out.extend_from_slice(&key.dev_addr.to_be_bytes());
                out.extend_from_slice(&key.dev_eui.map_or([0; 8], DevEui::to_be_bytes));
                change.encode_body(out);
            }
        }
        let len = (out.len() - start - FRAME_HEADER) as u32;
        let len_bytes = len.to_le_bytes();
        let crc = crc32c::crc32c_append(crc32c::crc32c(&len_bytes), &out[start + FRAME_HEADER..]);
        out[start..start + 4].copy_from_slice(&len_bytes);
        out[start + 4..start + FRAME_HEADER].copy_from_slice(&crc.to_le_bytes());
        Ok(())
    }

    /// Decodes the frame at the start of `bytes`: the record and the frame's length.
    pub fn decode(bytes: &[u8]) -> Result<(Record<'_>, usize), DecodeError> {
        let header = bytes.get(..FRAME_HEADER).ok_or(DecodeError::Truncated)?;
        let len_bytes: [u8; 4] = header[..4].try_into().map_err(|_| DecodeError::Truncated)?;
        let crc_bytes: [u8; 4] = header[4..].try_into().map_err(|_| DecodeError::Truncated)?;
        let len = u32::from_le_bytes(len_bytes);
        if len == 0 || len as usize > MAX_PAYLOAD {
            return Err(DecodeError::BadLength(len));
        }
        let end = FRAME_HEADER + len as usize;
        let payload = bytes.get(FRAME_HEADER..end).ok_or(DecodeError::Truncated)?;
        let crc = crc32c::crc32c_append(crc32c::crc32c(&len_bytes), payload);
        if crc != u32::from_le_bytes(crc_bytes) {
            return Err(DecodeError::BadCrc);
        }
        Ok((decode_payload(payload)?, end))
    }
}

impl Change<'_> {
    fn kind(&self) -> u8 {
        match self {
            Change::Start => KIND_START,
            Change::FCntUp(_) => KIND_FCNT_UP,
            Change::NFCntDownLimit(_) => KIND_N_FCNT_DOWN_LIMIT,
            Change::AFCntDownLimit(_) => KIND_A_FCNT_DOWN_LIMIT,
            Change::MacState(_) => KIND_MAC_STATE,
            Change::Remove => KIND_REMOVE,
            Change::Snapshot(_) => KIND_SNAPSHOT,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Change::Start | Change::Remove => {}
            Change::FCntUp(v) | Change::NFCntDownLimit(v) | Change::AFCntDownLimit(v) => {
                out.extend_from_slice(&v.to_le_bytes());
            }
            Change::MacState(m) => out.extend_from_slice(m),
            Change::Snapshot(s) => {
                let flags = if s.fcnt_up.is_some() { SNAP_FCNT_UP } else { 0 }
                    | if s.mac_state.is_some() {
                        SNAP_MAC_STATE
                    } else {
                        0
                    };
                out.push(flags);
                out.extend_from_slice(&s.fcnt_up.unwrap_or(0).to_le_bytes());
                out.extend_from_slice(&s.n_fcnt_down_limit.to_le_bytes());
                out.extend_from_slice(&s.a_fcnt_down_limit.to_le_bytes());
                out.extend_from_slice(s.mac_state.unwrap_or_default());
            }
        }
    }
}

fn le_u32(b: &[u8]) -> Result<u32, DecodeError> {
    Ok(u32::from_le_bytes(
        b.try_into().map_err(|_| DecodeError::Malformed)?,
    ))
}

fn decode_payload(p: &[u8]) -> Result<Record<'_>, DecodeError> {
    let (&kind, rest) = p.split_first().ok_or(DecodeError::Malformed)?;
    if kind == KIND_SNAPSHOT_END {
        let sessions = u64::from_le_bytes(rest.try_into().map_err(|_| DecodeError::Malformed)?);
        return Ok(Record::SnapshotEnd { sessions });
    }
    if !(KIND_START..=KIND_SNAPSHOT).contains(&kind) {
        return Err(DecodeError::UnknownKind(kind));
    }
    let head = rest
        .get(..SESSION_HEADER - 1)
        .ok_or(DecodeError::Malformed)?;
    let body = &rest[SESSION_HEADER - 1..];
    let flags = head[0];
    let addr: [u8; 4] = head[1..5].try_into().map_err(|_| DecodeError::Malformed)?;
    let eui: [u8; 8] = head[5..13].try_into().map_err(|_| DecodeError::Malformed)?;
    if flags > 1 || (flags == 0 && eui != [0; 8]) {
        return Err(DecodeError::Malformed);
    }
    let key = SessionKey {
        dev_addr: DevAddr::from_be_bytes(addr),
        dev_eui: (flags == 1).then(|| DevEui::from_be_bytes(eui)),
    };
    let empty = |c: Change<'static>| {
        if body.is_empty() {
            Ok(c)
        } else {
            Err(DecodeError::Malformed)
        }
    };
    let change = match kind {
        KIND_START => empty(Change::Start)?,
        KIND_REMOVE => empty(Change::Remove)?,
        KIND_FCNT_UP => Change::FCntUp(le_u32(body)?),
        KIND_N_FCNT_DOWN_LIMIT => Change::NFCntDownLimit(le_u32(body)?),
        KIND_A_FCNT_DOWN_LIMIT => Change::AFCntDownLimit(le_u32(body)?),
        KIND_MAC_STATE if body.len() <= MAX_MAC_STATE => Change::MacState(body),
        KIND_SNAPSHOT => Change::Snapshot(decode_snapshot(body)?),
        _ => return Err(DecodeError::Malformed),
    };
    Ok(Record::Session { key, change })
}

fn decode_snapshot(body: &[u8]) -> Result<SnapshotView<'_>, DecodeError> {
    let (&flags, rest) = body.split_first().ok_or(DecodeError::Malformed)?;
    if flags & !(SNAP_FCNT_UP | SNAP_MAC_STATE) != 0 || rest.len() < 12 {
        return Err(DecodeError::Malformed);
    }
    let mac = &rest[12..];
    if flags & SNAP_MAC_STATE == 0 && !mac.is_empty() {
        return Err(DecodeError::Malformed);
    }
    Ok(SnapshotView {
        fcnt_up: (flags & SNAP_FCNT_UP != 0).then_some(le_u32(&rest[0..4])?),
        n_fcnt_down_limit: le_u32(&rest[4..8])?,
        a_fcnt_down_limit: le_u32(&rest[8..12])?,
        mac_state: (flags & SNAP_MAC_STATE != 0).then_some(mac),
    })
}

/// Frames read from the start of a byte buffer until the end or the first bad frame.
pub struct Frames<'a> {
    bytes: &'a [u8],
    pos: usize,
    stop: Option<DecodeError>,
}

impl<'a> Frames<'a> {
    /// Reads frames from `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            stop: None,
        }
    }

    /// Bytes consumed by the good frames read so far.
    pub fn consumed(&self) -> usize {
        self.pos
    }

    /// Why reading stopped early; `None` while reading or after a clean end.
    pub fn stopped_by(&self) -> Option<DecodeError> {
        self.stop
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        let rest = self.bytes.get(self.pos..).filter(|r| !r.is_empty())?;
        if self.stop.is_some() {
            return None;
        }
        match Record::decode(rest) {
            Ok((r, n)) => {
                self.pos += n;
                Some(r)
            }
            Err(e) => {
                self.stop = Some(e);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
