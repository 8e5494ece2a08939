//! Why a LoRaWAN frame did not parse or emit (LoRaWAN 1.0.4 §4, 1.1 §4–6).
//!
//! One `Copy`, allocation-free enum for every frame kind, so a parse failure on the packet path
//! becomes a counted drop with a reason and never a panic.

use super::MType;

/// A frame that does not parse, or a representation that cannot be emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The bytes end before the frame's fixed fields do.
    #[error("frame too short: need {needed} bytes, got {got}")]
    TooShort {
        /// Bytes the frame kind needs at least.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// A fixed-length frame (join-request, rejoin-request) has another length.
    #[error("wrong frame length: expected {expected} bytes, got {got}")]
    WrongLength {
        /// The frame kind's length.
        expected: usize,
        /// Bytes present.
        got: usize,
    },
    /// A join-accept is neither 17 bytes (no CFList) nor 33 bytes (with CFList).
    #[error("join-accept must be 17 or 33 bytes, got {0}")]
    JoinAcceptLength(usize),
    /// FCtrl.FOptsLen claims more FOpts bytes than lie between FCnt and the MIC.
    #[error("FOptsLen {f_opts_len} exceeds the {available} bytes before the MIC")]
    FOptsLenTooLong {
        /// FOptsLen as read from FCtrl.
        f_opts_len: u8,
        /// Bytes between FCnt and the MIC.
        available: usize,
    },
    /// More than 15 FOpts bytes were given to a builder.
    #[error("FOpts holds at most 15 bytes, got {0}")]
    FOptsTooLong(usize),
    /// FPort 0 (MAC commands in FRMPayload) together with FOpts (LoRaWAN 1.1 §4.3.1.6): the
    /// receiver must drop such a frame.
    #[error("FPort 0 with non-empty FOpts")]
    FPortZeroWithFOpts,
    /// A builder was given FRMPayload bytes but no FPort.
    #[error("FRMPayload without FPort")]
    FrmPayloadWithoutFPort,
    /// MHDR.Major is not 0 (LoRaWAN R1), the only major version defined.
    #[error("unknown LoRaWAN major version {0}")]
    UnknownMajor(u8),
    /// The MHDR's message type is not the kind of frame being parsed or built.
    #[error("message type {0:?} does not fit this frame kind")]
    WrongMType(MType),
    /// CFListType is neither 0 (frequencies) nor 1 (channel masks).
    #[error("invalid CFListType {0}")]
    InvalidCfListType(u8),
    /// RejoinType is not 0, 1 or 2.
    #[error("invalid RejoinType {0}")]
    InvalidRejoinType(u8),
    /// A CFList frequency is not a multiple of 100 Hz or does not fit 24 bits of 100 Hz.
    #[error("CFList frequency {0} Hz cannot be encoded")]
    InvalidFrequency(u32),
    /// A value is too large for its bit field.
    #[error("{field} value {value} does not fit its field")]
    FieldOverflow {
        /// The spec name of the field.
        field: &'static str,
        /// The value given.
        value: u32,
    },
    /// The output buffer is smaller than `buffer_len()`.
    #[error("buffer too small: need {needed} bytes, got {got}")]
    BufferTooSmall {
        /// Bytes the frame takes.
        needed: usize,
        /// Bytes in the buffer.
        got: usize,
    },
}

/// Fails with `BufferTooSmall` unless `buf` holds at least `needed` bytes; returns the prefix.
pub(crate) fn out_buf(buf: &mut [u8], needed: usize) -> Result<&mut [u8], FrameError> {
    let got = buf.len();
    buf.get_mut(..needed)
        .ok_or(FrameError::BufferTooSmall { needed, got })
}

/// Fails with `TooShort` unless `bytes` holds at least `needed` bytes.
pub(crate) fn need(bytes: &[u8], needed: usize) -> Result<(), FrameError> {
    if bytes.len() < needed {
        return Err(FrameError::TooShort {
            needed,
            got: bytes.len(),
        });
    }
    Ok(())
}

/// Copies `N` bytes starting at `at`; callers have validated the length.
pub(crate) fn array<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = bytes.get(at..at + N) {
        out.copy_from_slice(src);
    }
    out
}

/// The last four bytes (the MIC) of a validated frame.
pub(crate) fn trailing_mic(bytes: &[u8]) -> [u8; 4] {
    array(bytes, bytes.len().saturating_sub(4))
}
