//! The owned form of a data frame (LoRaWAN 1.0.4 §4.3, 1.1 §4.3) and its builder, writing
//! MHDR | FHDR | [FPort | FRMPayload] | MIC into a caller's buffer without allocating.
//!
//! The MIC field is written from the representation; a caller builds the frame, computes the MIC
//! over `DataFrame::mic_input` with the crypto module and sets it with `DataFrameMut::set_mic`.

use super::error::{FrameError, out_buf};
use super::fhdr::{FHDR_MIN_LEN, FOpts};
use super::{DataFrame, FCtrl, MType, Major, Mhdr};
use crate::types::DevAddr;

/// The fields of a data frame. FRMPayload is borrowed; FOpts are held inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataFrameRepr<'a> {
    /// One of the four data MTypes.
    pub mtype: MType,
    /// The device address.
    pub dev_addr: DevAddr,
    /// FCtrl flags; FOptsLen is ignored on emit (taken from `fopts`) and zero after parse.
    pub fctrl: FCtrl,
    /// The 16 low bits of the frame counter.
    pub fcnt: u16,
    /// FOpts (0–15 bytes).
    pub fopts: FOpts,
    /// FPort; required when `frm_payload` is not empty.
    pub fport: Option<u8>,
    /// FRMPayload bytes as they go on air (already encrypted).
    pub frm_payload: &'a [u8],
    /// The MIC field.
    pub mic: [u8; 4],
}

impl<'a> DataFrameRepr<'a> {
    /// The fields of a parsed frame.
    pub fn parse(frame: &DataFrame<'a>) -> Self {
        Self {
            mtype: frame.mtype(),
            dev_addr: frame.dev_addr(),
            fctrl: frame.fctrl().flags(),
            fcnt: frame.fcnt(),
            // A parsed frame's FOpts never exceed 15 bytes.
            fopts: FOpts::new(frame.fopts()).unwrap_or_default(),
            fport: frame.fport(),
            frm_payload: frame.frm_payload(),
            mic: frame.mic(),
        }
    }
    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        1 + FHDR_MIN_LEN
            + self.fopts.len()
            + usize::from(self.fport.is_some())
            + self.frm_payload.len()
            + 4
    }
    /// Writes the frame into the start of `buf`; returns the number of bytes written.
    ///
    /// ```
    /// # use shared::lorawan::{DataFrameRepr, FCtrl, FOpts, MType};
    /// let repr = DataFrameRepr {
    ///     mtype: MType::UnconfirmedDataUp,
    ///     dev_addr: "49BE7DF1".parse().unwrap(),
    ///     fctrl: FCtrl::default(),
    ///     fcnt: 2,
    ///     fopts: FOpts::EMPTY,
    ///     fport: Some(1),
    ///     frm_payload: &[0x95, 0x43, 0x78, 0x76],
    ///     mic: [0x2B, 0x11, 0xFF, 0x0D],
    /// };
    /// let mut buf = [0u8; 64];
    /// let n = repr.emit(&mut buf).unwrap();
    /// assert_eq!(buf[..n], [0x40, 0xF1, 0x7D, 0xBE, 0x49, 0x00, 0x02, 0x00, 0x01,
    ///                       0x95, 0x43, 0x78, 0x76, 0x2B, 0x11, 0xFF, 0x0D]);
    /// ```
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, FrameError> {
        if !self.mtype.is_data() {
            return Err(FrameError::WrongMType(self.mtype));
        }
        match self.fport {
            None if !self.frm_payload.is_empty() => return Err(FrameError::FrmPayloadWithoutFPort),
            Some(0) if !self.fopts.is_empty() => return Err(FrameError::FPortZeroWithFOpts),
            _ => {}
        }
        let len = self.buffer_len();
        let out = out_buf(buf, len)?;
        let fopts = self.fopts.as_slice();
        out[0] = Mhdr::new(self.mtype, Major::LoRaWanR1).to_byte();
        out[1..5].copy_from_slice(&self.dev_addr.to_wire_bytes());
        out[5] = self.fctrl.with_f_opts_len(fopts.len() as u8).to_byte();
        out[6..8].copy_from_slice(&self.fcnt.to_le_bytes());
        let mut at = 1 + FHDR_MIN_LEN;
        out[at..at + fopts.len()].copy_from_slice(fopts);
        at += fopts.len();
        if let Some(port) = self.fport {
            out[at] = port;
            at += 1;
        }
        out[at..at + self.frm_payload.len()].copy_from_slice(self.frm_payload);
        at += self.frm_payload.len();
        out[at..].copy_from_slice(&self.mic);
        Ok(len)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Any valid data frame representation with an empty FRMPayload, and a payload to lend it
    /// (see [`with_payload`]).
    pub(crate) fn arb_data() -> impl Strategy<Value = (DataFrameRepr<'static>, Vec<u8>)> {
        (
            prop::sample::select(vec![2u8, 3, 4, 5]),
            any::<u32>(),
            any::<u8>(),
            any::<u16>(),
            prop::collection::vec(any::<u8>(), 0..=15),
            any::<Option<u8>>(),
            any::<[u8; 4]>(),
            prop::collection::vec(any::<u8>(), 0..64),
        )
            .prop_map(|(t, addr, fctrl, fcnt, fopts, fport, mic, payload)| {
                let fport = match fport {
                    Some(0) if !fopts.is_empty() => Some(1),
                    p => p,
                };
                let repr = DataFrameRepr {
                    mtype: MType::from_bits(t),
                    dev_addr: DevAddr::from_u32(addr),
                    fctrl: FCtrl::from_byte(fctrl).flags(),
                    fcnt,
                    fopts: FOpts::new(&fopts).unwrap(),
                    fport,
                    frm_payload: &[],
                    mic,
                };
                (repr, payload)
            })
    }

    /// `repr` with `payload` as FRMPayload when it has an FPort.
    pub(crate) fn with_payload<'a>(
        repr: DataFrameRepr<'_>,
        payload: &'a [u8],
    ) -> DataFrameRepr<'a> {
        let frm_payload = if repr.fport.is_some() { payload } else { &[] };
        DataFrameRepr {
            frm_payload,
            ..repr
        }
    }

    #[test]
    fn test_emit() {
        // TTS pkg/encoding/lorawan/lorawan_test.go TestLoRaWANEncodingRaw "Downlink(Unconfirmed)".
        let repr = DataFrameRepr {
            mtype: MType::UnconfirmedDataDown,
            dev_addr: "42FFFFFF".parse().unwrap(),
            fctrl: FCtrl::downlink(true, true, true),
            fcnt: 0xFF42,
            fopts: FOpts::new(&[0xFE, 0xFF]).unwrap(),
            fport: Some(0x42),
            frm_payload: &[0xFE, 0xFF],
            mic: [0x42, 0xFF, 0xFF, 0xFF],
        };
        let mut buf = [0u8; 32];
        let n = repr.emit(&mut buf).unwrap();
        assert_eq!(hex::encode(&buf[..n]), "60ffffff42b242fffeff42feff42ffffff");
        assert_eq!(
            DataFrameRepr::parse(&DataFrame::parse(&buf[..n]).unwrap()),
            repr
        );
    }

    #[test]
    fn test_emit_errors() {
        let ok = DataFrameRepr {
            mtype: MType::ConfirmedDataUp,
            dev_addr: DevAddr::from_u32(1),
            fctrl: FCtrl::default(),
            fcnt: 1,
            fopts: FOpts::new(&[2]).unwrap(),
            fport: Some(1),
            frm_payload: &[1, 2],
            mic: [0; 4],
        };
        let cases = [
            (
                "not data",
                DataFrameRepr {
                    mtype: MType::JoinAccept,
                    ..ok
                },
                FrameError::WrongMType(MType::JoinAccept),
            ),
            (
                "payload without port",
                DataFrameRepr { fport: None, ..ok },
                FrameError::FrmPayloadWithoutFPort,
            ),
            (
                "port 0 with fopts",
                DataFrameRepr {
                    fport: Some(0),
                    ..ok
                },
                FrameError::FPortZeroWithFOpts,
            ),
        ];
        let mut buf = [0u8; 64];
        for (name, repr, err) in cases {
            assert_eq!(repr.emit(&mut buf), Err(err), "{name}");
        }
        assert_eq!(
            ok.emit(&mut buf[..14]),
            Err(FrameError::BufferTooSmall {
                needed: 16,
                got: 14
            })
        );
        assert_eq!(ok.emit(&mut buf), Ok(16));
    }

    proptest! {
        #[test]
        fn round_trip((repr, payload) in arb_data()) {
            let repr = with_payload(repr, &payload);
            let mut buf = [0u8; 128];
            let n = repr.emit(&mut buf).unwrap();
            prop_assert_eq!(n, repr.buffer_len());
            let frame = DataFrame::parse(&buf[..n]).unwrap();
            prop_assert_eq!(DataFrameRepr::parse(&frame), repr);
            prop_assert_eq!(frame.mic_input().len(), n - 4);
        }
    }
}
