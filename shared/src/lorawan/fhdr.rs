//! FHDR, the frame header of data frames (LoRaWAN 1.0.4 §4.3.1, 1.1 §4.3.1):
//! DevAddr (4, little-endian) | FCtrl (1) | FCnt (2, the 16 low bits, little-endian) | FOpts (0–15).
//!
//! [`Fhdr`] is a borrowed view checked once against FCtrl.FOptsLen; [`FOpts`] is the inline,
//! `Copy` form builders use.

use super::FCtrl;
use super::error::{FrameError, array, need};
use crate::types::DevAddr;
use std::fmt;

/// Byte offsets inside FHDR.
pub(crate) mod field {
    use std::ops::Range;
    /// DevAddr, little-endian.
    pub const DEV_ADDR: Range<usize> = 0..4;
    /// FCtrl.
    pub const F_CTRL: usize = 4;
    /// FCnt, 16 low bits, little-endian.
    pub const F_CNT: Range<usize> = 5..7;
    /// First FOpts byte.
    pub const F_OPTS: usize = 7;
}

/// The shortest FHDR (no FOpts).
pub const FHDR_MIN_LEN: usize = 7;
/// The most FOpts bytes FOptsLen can announce.
pub const F_OPTS_MAX_LEN: usize = 15;

/// A validated view of an FHDR: `as_bytes()` is exactly DevAddr..FOpts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fhdr<'a> {
    buf: &'a [u8],
}

impl<'a> Fhdr<'a> {
    /// Reads the FHDR at the start of `bytes`, which may continue with FPort, FRMPayload and MIC.
    /// `bytes` must not include the MIC, so FOptsLen is checked against what precedes it.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FrameError> {
        need(bytes, FHDR_MIN_LEN)?;
        let f_opts_len = FCtrl::from_byte(bytes[field::F_CTRL]).f_opts_len();
        let len = FHDR_MIN_LEN + f_opts_len as usize;
        match bytes.get(..len) {
            Some(buf) => Ok(Self { buf }),
            None => Err(FrameError::FOptsLenTooLong {
                f_opts_len,
                available: bytes.len() - FHDR_MIN_LEN,
            }),
        }
    }
    /// Wraps bytes a frame parser has already checked.
    pub(crate) fn validated(buf: &'a [u8]) -> Self {
        Self { buf }
    }
    /// The device address.
    pub fn dev_addr(&self) -> DevAddr {
        DevAddr::from_wire_bytes(array(self.buf, field::DEV_ADDR.start))
    }
    /// The frame control octet.
    pub fn fctrl(&self) -> FCtrl {
        FCtrl::from_byte(self.buf[field::F_CTRL])
    }
    /// The 16 low bits of the frame counter.
    pub fn fcnt(&self) -> u16 {
        u16::from_le_bytes(array(self.buf, field::F_CNT.start))
    }
    /// The FOpts bytes (MAC commands, encrypted in LoRaWAN 1.1).
    pub fn fopts(&self) -> &'a [u8] {
        &self.buf[field::F_OPTS..]
    }
    /// The FHDR length (7 + FOptsLen).
    pub fn len(&self) -> usize {
        self.buf.len()
    }
    /// Never true: an FHDR has at least 7 bytes.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    /// The FHDR bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
}

/// Up to 15 FOpts bytes held inline, so a frame representation stays `Copy` and allocation-free.
#[derive(Clone, Copy, Default)]
pub struct FOpts {
    len: u8,
    bytes: [u8; F_OPTS_MAX_LEN],
}

impl FOpts {
    /// No FOpts.
    pub const EMPTY: FOpts = FOpts {
        len: 0,
        bytes: [0; F_OPTS_MAX_LEN],
    };

    /// Copies `b`, failing with `FOptsTooLong` past 15 bytes.
    pub fn new(b: &[u8]) -> Result<Self, FrameError> {
        let mut out = Self::EMPTY;
        out.bytes
            .get_mut(..b.len())
            .ok_or(FrameError::FOptsTooLong(b.len()))?
            .copy_from_slice(b);
        out.len = b.len() as u8;
        Ok(out)
    }
    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
    /// The number of bytes (0–15).
    pub fn len(&self) -> usize {
        self.len as usize
    }
    /// Whether there are no FOpts.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl PartialEq for FOpts {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for FOpts {}

impl fmt::Debug for FOpts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FOpts({:02X?})", self.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn test_parse() {
        // FHDR of TTS's TestLoRaWANEncodingRaw "Uplink(Unconfirmed)" vector, followed by FPort,
        // FRMPayload (pkg/encoding/lorawan/lorawan_test.go).
        let bytes = [
            0xff, 0xff, 0xff, 0x42, 0xb2, 0x42, 0xff, 0xfe, 0xff, 0x42, 0xfe, 0xff,
        ];
        let h = Fhdr::parse(&bytes).unwrap();
        assert_eq!(h.dev_addr(), "42FFFFFF".parse().unwrap());
        assert_eq!(h.fctrl().to_byte(), 0xb2);
        assert_eq!(h.fcnt(), 0xff42);
        assert_eq!(h.fopts(), &[0xfe, 0xff]);
        assert_eq!(h.len(), 9);
    }

    #[test]
    fn test_malformed() {
        let cases: [(&str, &[u8], FrameError); 2] = [
            (
                "short",
                &[1, 2, 3],
                FrameError::TooShort { needed: 7, got: 3 },
            ),
            (
                "fopts past end",
                &[1, 2, 3, 4, 0x03, 0, 0, 0xAA],
                FrameError::FOptsLenTooLong {
                    f_opts_len: 3,
                    available: 1,
                },
            ),
        ];
        for (name, bytes, err) in cases {
            assert_eq!(Fhdr::parse(bytes), Err(err), "{name}");
        }
    }

    #[test]
    fn fopts_bounds() {
        assert_eq!(FOpts::new(&[0; 16]), Err(FrameError::FOptsTooLong(16)));
        assert_eq!(FOpts::new(&[7; 15]).unwrap().as_slice(), &[7; 15]);
        assert!(FOpts::new(&[]).unwrap().is_empty());
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..30)) {
            if let Ok(h) = Fhdr::parse(&bytes) {
                prop_assert_eq!(h.fopts().len(), h.fctrl().f_opts_len() as usize);
            }
        }
    }
}
