//! Proprietary frames (LoRaWAN 1.0.4 §4.2.1, 1.1 §4.2.1, MType `111`): MHDR followed by bytes
//! in a format the network and device agree on outside the spec. No MIC is assumed; the whole
//! rest is [`Proprietary::payload`].

use super::error::{FrameError, out_buf};
use super::{MType, Major, Mhdr};

/// A validated, borrowed proprietary frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proprietary<'a> {
    buf: &'a [u8],
}

impl<'a> Proprietary<'a> {
    /// Checks `bytes` as a proprietary frame: MHDR with Major R1 and MType proprietary.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FrameError> {
        Mhdr::parse_first(bytes)?.expect(MType::Proprietary)?;
        Ok(Self { buf: bytes })
    }
    /// The MAC header.
    pub fn mhdr(&self) -> Mhdr {
        Mhdr::validated(self.buf[0])
    }
    /// Everything after MHDR.
    pub fn payload(&self) -> &'a [u8] {
        &self.buf[1..]
    }
    /// The whole frame.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
}

/// The fields of a proprietary frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProprietaryRepr<'a> {
    /// Everything after MHDR.
    pub payload: &'a [u8],
}

impl<'a> ProprietaryRepr<'a> {
    /// The fields of a parsed frame.
    pub fn parse(frame: &Proprietary<'a>) -> Self {
        Self {
            payload: frame.payload(),
        }
    }
    /// Bytes `emit` writes.
    pub const fn buffer_len(&self) -> usize {
        1 + self.payload.len()
    }
    /// Writes MHDR and the payload into the start of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, FrameError> {
        let out = out_buf(buf, self.buffer_len())?;
        out[0] = Mhdr::new(MType::Proprietary, Major::LoRaWanR1).to_byte();
        out[1..].copy_from_slice(self.payload);
        Ok(out.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn test_parse_and_emit() {
        // lrwn 4.13 phy_payload.rs test_proprietary: [0xe0] and [0xe0, 1, 2, 3].
        let cases: [(&str, &[u8], &[u8]); 2] = [
            ("empty", &[0xE0], &[]),
            ("three bytes", &[0xE0, 1, 2, 3], &[1, 2, 3]),
        ];
        for (name, b, payload) in cases {
            let f = Proprietary::parse(b).unwrap();
            assert_eq!(f.payload(), payload, "{name}");
            assert_eq!(f.mhdr().mtype(), MType::Proprietary, "{name}");
            let mut out = [0u8; 8];
            let n = ProprietaryRepr::parse(&f).emit(&mut out).unwrap();
            assert_eq!(&out[..n], b, "{name}");
        }
        assert_eq!(
            Proprietary::parse(&[0x40]),
            Err(FrameError::WrongMType(MType::UnconfirmedDataUp))
        );
        assert_eq!(
            Proprietary::parse(&[0xE1]),
            Err(FrameError::UnknownMajor(1))
        );
        assert_eq!(
            ProprietaryRepr { payload: &[1, 2] }.emit(&mut [0; 2]),
            Err(FrameError::BufferTooSmall { needed: 3, got: 2 })
        );
    }

    proptest! {
        #[test]
        fn round_trip(payload in prop::collection::vec(any::<u8>(), 0..64)) {
            let repr = ProprietaryRepr { payload: &payload };
            let mut buf = [0u8; 65];
            let n = repr.emit(&mut buf).unwrap();
            prop_assert_eq!(ProprietaryRepr::parse(&Proprietary::parse(&buf[..n]).unwrap()), repr);
        }
    }
}
