//! Data frames (LoRaWAN 1.0.4 §4.3, 1.1 §4.3): MHDR | FHDR | [FPort | FRMPayload] | MIC, for
//! the four MTypes confirmed/unconfirmed × up/down.
//!
//! [`DataFrame`] borrows a received frame, checked once (length, Major, MType, FOptsLen, FPort 0
//! without FOpts) so no accessor can fail. [`DataFrameMut`] is the same view over `&mut [u8]`
//! for in-place FOpts/FRMPayload cipher and MIC writing; the builder is in `data_repr.rs`. The
//! MIC covers [`DataFrame::mic_input`]; this module computes no crypto.

use super::error::{FrameError, array, need, trailing_mic};
use super::fhdr::{FHDR_MIN_LEN, Fhdr};
use super::{FCtrl, MType, Mhdr};
use crate::types::{DevAddr, Direction};

/// The shortest data frame: MHDR, 7-byte FHDR, MIC.
pub const DATA_MIN_LEN: usize = 1 + FHDR_MIN_LEN + 4;

/// Offsets of one validated data frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    /// End of FHDR (= offset of FPort when present).
    fhdr_end: usize,
    /// Start of the MIC.
    mic_start: usize,
}

impl Layout {
    fn check(bytes: &[u8]) -> Result<Self, FrameError> {
        need(bytes, DATA_MIN_LEN)?;
        let mtype = Mhdr::parse_first(bytes)?.mtype();
        if !mtype.is_data() {
            return Err(FrameError::WrongMType(mtype));
        }
        let mic_start = bytes.len() - 4;
        let fhdr = Fhdr::parse(&bytes[1..mic_start])?;
        let fhdr_end = 1 + fhdr.len();
        if fhdr_end < mic_start && bytes[fhdr_end] == 0 && !fhdr.fopts().is_empty() {
            return Err(FrameError::FPortZeroWithFOpts);
        }
        Ok(Self {
            fhdr_end,
            mic_start,
        })
    }
}

/// A validated, borrowed data frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataFrame<'a> {
    buf: &'a [u8],
    at: Layout,
}

impl<'a> DataFrame<'a> {
    /// Checks `bytes` as a data frame.
    ///
    /// ```
    /// # use shared::lorawan::DataFrame;
    /// // lora-packet's README example uplink (DevAddr 49BE7DF1, FCnt 2, FPort 1).
    /// let b = [0x40, 0xF1, 0x7D, 0xBE, 0x49, 0x00, 0x02, 0x00, 0x01,
    ///          0x95, 0x43, 0x78, 0x76, 0x2B, 0x11, 0xFF, 0x0D];
    /// let f = DataFrame::parse(&b).unwrap();
    /// assert_eq!(f.dev_addr().to_string(), "49BE7DF1");
    /// assert_eq!((f.fcnt(), f.fport()), (2, Some(1)));
    /// assert_eq!(f.mic(), [0x2B, 0x11, 0xFF, 0x0D]);
    /// ```
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FrameError> {
        Ok(Self {
            at: Layout::check(bytes)?,
            buf: bytes,
        })
    }
    /// The MAC header.
    pub fn mhdr(&self) -> Mhdr {
        Mhdr::validated(self.buf[0])
    }
    /// The message type (one of the four data types).
    pub fn mtype(&self) -> MType {
        MType::from_bits(self.buf[0] >> 5)
    }
    /// Whether the frame travels from device to network.
    pub fn is_uplink(&self) -> bool {
        self.direction() == Direction::Uplink
    }
    /// The link direction.
    pub fn direction(&self) -> Direction {
        self.mtype().direction().unwrap_or(Direction::Uplink)
    }
    /// Whether the frame asks for an acknowledgement.
    pub fn is_confirmed(&self) -> bool {
        self.mtype().is_confirmed()
    }
    /// The frame header.
    pub fn fhdr(&self) -> Fhdr<'a> {
        Fhdr::validated(&self.buf[1..self.at.fhdr_end])
    }
    /// The device address.
    pub fn dev_addr(&self) -> DevAddr {
        DevAddr::from_wire_bytes(array(self.buf, 1))
    }
    /// The frame control octet.
    pub fn fctrl(&self) -> FCtrl {
        FCtrl::from_byte(self.buf[5])
    }
    /// The 16 low bits of the frame counter.
    pub fn fcnt(&self) -> u16 {
        u16::from_le_bytes(array(self.buf, 6))
    }
    /// The FOpts bytes (encrypted in LoRaWAN 1.1).
    pub fn fopts(&self) -> &'a [u8] {
        &self.buf[1 + FHDR_MIN_LEN..self.at.fhdr_end]
    }
    /// FPort, present when anything follows FHDR.
    pub fn fport(&self) -> Option<u8> {
        (self.at.fhdr_end < self.at.mic_start).then(|| self.buf[self.at.fhdr_end])
    }
    /// FRMPayload (encrypted as received); empty when absent.
    pub fn frm_payload(&self) -> &'a [u8] {
        self.buf
            .get(self.at.fhdr_end + 1..self.at.mic_start)
            .unwrap_or(&[])
    }
    /// The MIC.
    pub fn mic(&self) -> [u8; 4] {
        trailing_mic(self.buf)
    }
    /// The bytes the MIC covers: everything but the MIC (`msg` in LoRaWAN 1.1 §4.4).
    pub fn mic_input(&self) -> &'a [u8] {
        &self.buf[..self.at.mic_start]
    }
    /// The whole frame.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
}

/// A validated data frame over a mutable buffer, for in-place cipher and MIC writing.
#[derive(Debug, PartialEq, Eq)]
pub struct DataFrameMut<'a> {
    buf: &'a mut [u8],
    at: Layout,
}

impl<'a> DataFrameMut<'a> {
    /// Checks `bytes` as a data frame (the same checks as [`DataFrame::parse`]).
    pub fn parse(bytes: &'a mut [u8]) -> Result<Self, FrameError> {
        Ok(Self {
            at: Layout::check(bytes)?,
            buf: bytes,
        })
    }
    /// A read-only view of the same frame.
    pub fn frame(&self) -> DataFrame<'_> {
        DataFrame {
            buf: self.buf,
            at: self.at,
        }
    }
    /// The FOpts bytes, to encrypt or decrypt in place (LoRaWAN 1.1 §4.3.1.6).
    pub fn fopts_mut(&mut self) -> &mut [u8] {
        &mut self.buf[1 + FHDR_MIN_LEN..self.at.fhdr_end]
    }
    /// FRMPayload, to encrypt or decrypt in place (LoRaWAN 1.1 §4.3.3).
    pub fn frm_payload_mut(&mut self) -> &mut [u8] {
        self.buf
            .get_mut(self.at.fhdr_end + 1..self.at.mic_start)
            .unwrap_or(&mut [])
    }
    /// Writes the MIC field.
    pub fn set_mic(&mut self, mic: [u8; 4]) {
        self.buf[self.at.mic_start..].copy_from_slice(&mic);
    }
    /// The bytes the MIC covers.
    pub fn mic_input(&self) -> &[u8] {
        &self.buf[..self.at.mic_start]
    }
    /// The whole frame.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, frame, dev_addr, fctrl, fcnt, fopts, fport, frm_payload, mic)
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        u8,
        u16,
        &'static str,
        Option<u8>,
        &'static str,
        [u8; 4],
    );

    const CASES: [Case; 6] = [
        // lora-packet README (npm lora-packet, README.md "lora-packet-decode --hex").
        (
            "lora-packet uplink",
            "40F17DBE4900020001954378762B11FF0D",
            "49BE7DF1",
            0x00,
            2,
            "",
            Some(1),
            "95437876",
            [0x2B, 0x11, 0xFF, 0x0D],
        ),
        // TTS pkg/encoding/lorawan/lorawan_test.go TestLoRaWANEncodingRaw "Uplink(Unconfirmed)".
        (
            "tts unconfirmed up",
            "40ffffff42b242fffeff42feff42ffffff",
            "42FFFFFF",
            0xB2,
            0xFF42,
            "feff",
            Some(0x42),
            "feff",
            [0x42, 0xFF, 0xFF, 0xFF],
        ),
        // Same file, "Downlink(Confirmed)".
        (
            "tts confirmed down",
            "a0ffffff42b242fffeff42feff42ffffff",
            "42FFFFFF",
            0xB2,
            0xFF42,
            "feff",
            Some(0x42),
            "feff",
            [0x42, 0xFF, 0xFF, 0xFF],
        ),
        // Same file, "Downlink(Unconfirmed)/no FPort".
        (
            "tts down no fport",
            "60ffffff42b242fffeff42ffffff",
            "42FFFFFF",
            0xB2,
            0xFF42,
            "feff",
            None,
            "",
            [0x42, 0xFF, 0xFF, 0xFF],
        ),
        // Same file, TestUnmarshalResilience "Downlink without FPort" (12 bytes, the minimum).
        (
            "tts minimal down",
            "60292e0126200300d03678bd",
            "26012E29",
            0x20,
            3,
            "",
            None,
            "",
            [0xD0, 0x36, 0x78, 0xBD],
        ),
        // lrwn 4.13 phy_payload.rs doc example "LoRaWAN 1.0.x confirmed uplink" (FOpts DevStatusAns).
        (
            "lrwn confirmed up",
            "80040302010300000673070ae264d4f7e117d2c0",
            "01020304",
            0x03,
            0,
            "067307",
            Some(10),
            "e264d4f7",
            [0xE1, 0x17, 0xD2, 0xC0],
        ),
    ];

    #[test]
    fn test_parse() {
        for (name, hex_frame, addr, fctrl, fcnt, fopts, fport, payload, mic) in CASES {
            let b = hex::decode(hex_frame).unwrap();
            let f = DataFrame::parse(&b).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(f.dev_addr(), addr.parse().unwrap(), "{name}");
            assert_eq!(f.fctrl().to_byte(), fctrl, "{name}");
            assert_eq!(f.fcnt(), fcnt, "{name}");
            assert_eq!(f.fopts(), hex::decode(fopts).unwrap(), "{name}");
            assert_eq!(f.fport(), fport, "{name}");
            assert_eq!(f.frm_payload(), hex::decode(payload).unwrap(), "{name}");
            assert_eq!(f.mic(), mic, "{name}");
            assert_eq!(f.mic_input(), &b[..b.len() - 4], "{name}");
            assert_eq!(f.fhdr().len(), 7 + f.fopts().len(), "{name}");
            assert_eq!(f.as_bytes(), &b[..], "{name}");
        }
    }

    #[test]
    fn test_direction_and_confirmed() {
        let cases = [
            (0x40, true, false),
            (0x60, false, false),
            (0x80, true, true),
            (0xA0, false, true),
        ];
        for (mhdr, up, confirmed) in cases {
            let mut b = hex::decode("40292e0126000300d03678bd").unwrap();
            b[0] = mhdr;
            let f = DataFrame::parse(&b).unwrap();
            assert_eq!(
                (f.is_uplink(), f.is_confirmed()),
                (up, confirmed),
                "{mhdr:#x}"
            );
            assert_eq!(f.mhdr().to_byte(), mhdr);
        }
    }

    #[test]
    fn test_malformed() {
        let cases: [(&str, &str, FrameError); 6] = [
            ("empty", "", FrameError::TooShort { needed: 12, got: 0 }),
            (
                "11 bytes",
                "40292e0126000300d03678",
                FrameError::TooShort {
                    needed: 12,
                    got: 11,
                },
            ),
            (
                "join-request mtype",
                "00292e0126000300d03678bd",
                FrameError::WrongMType(MType::JoinRequest),
            ),
            (
                "major 1",
                "41292e0126000300d03678bd",
                FrameError::UnknownMajor(1),
            ),
            (
                "fopts past mic",
                "40292e0126020300aad03678bd",
                FrameError::FOptsLenTooLong {
                    f_opts_len: 2,
                    available: 1,
                },
            ),
            (
                "fport 0 with fopts",
                "40292e0126010300aa00d03678bd",
                FrameError::FPortZeroWithFOpts,
            ),
        ];
        for (name, h, err) in cases {
            assert_eq!(
                DataFrame::parse(&hex::decode(h).unwrap()),
                Err(err),
                "{name}"
            );
        }
    }

    #[test]
    fn test_mut_in_place() {
        let mut b = hex::decode("80040302010300000673070ae264d4f7e117d2c0").unwrap();
        let mut f = DataFrameMut::parse(&mut b).unwrap();
        f.frm_payload_mut().copy_from_slice(&[1, 2, 3, 4]);
        f.fopts_mut().copy_from_slice(&[6, 0x73, 7]);
        f.set_mic([9, 9, 9, 9]);
        assert_eq!(f.frame().frm_payload(), &[1, 2, 3, 4]);
        assert_eq!(f.mic_input().len(), 16);
        assert_eq!(
            hex::encode(f.as_bytes()),
            "80040302010300000673070a0102030409090909"
        );
        // No FRMPayload: the mutable slice is empty rather than a panic.
        let mut b = hex::decode("60292e0126200300d03678bd").unwrap();
        assert!(
            DataFrameMut::parse(&mut b)
                .unwrap()
                .frm_payload_mut()
                .is_empty()
        );
    }
}
