//! PHYPayload (LoRaWAN 1.0.4 §4.1, 1.1 §4.1): dispatch on MHDR.MType to the view of each frame
//! kind, and the matching owned form for re-emitting.
//!
//! A join-accept parses as its encrypted on-air form ([`EncryptedJoinAccept`]); read the fields
//! with [`JoinAccept`](super::JoinAccept) after decryption.

use super::{
    DataFrame, DataFrameRepr, EncryptedJoinAccept, EncryptedJoinAcceptRepr, FrameError,
    JoinRequest, JoinRequestRepr, MType, Mhdr, Proprietary, ProprietaryRepr, RejoinRequest,
    RejoinRequestRepr,
};

/// Any LoRaWAN frame, borrowed and validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhyPayload<'a> {
    /// Join-request.
    JoinRequest(JoinRequest<'a>),
    /// Join-accept, still encrypted.
    JoinAccept(EncryptedJoinAccept<'a>),
    /// One of the four data frame types.
    Data(DataFrame<'a>),
    /// Rejoin-request of type 0, 1 or 2.
    RejoinRequest(RejoinRequest<'a>),
    /// Proprietary frame.
    Proprietary(Proprietary<'a>),
}

impl<'a> PhyPayload<'a> {
    /// Parses any frame by its MHDR.
    ///
    /// ```
    /// # use shared::lorawan::PhyPayload;
    /// // lrwn's join-request doc example.
    /// let b = [0x00, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 0x09, 0xB9, 0x7B, 0x32];
    /// let PhyPayload::JoinRequest(jr) = PhyPayload::parse(&b).unwrap() else { panic!() };
    /// assert_eq!(jr.dev_nonce(), 0x0303);
    /// ```
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FrameError> {
        Ok(match Mhdr::parse_first(bytes)?.mtype() {
            MType::JoinRequest => Self::JoinRequest(JoinRequest::parse(bytes)?),
            MType::JoinAccept => Self::JoinAccept(EncryptedJoinAccept::parse(bytes)?),
            MType::UnconfirmedDataUp
            | MType::UnconfirmedDataDown
            | MType::ConfirmedDataUp
            | MType::ConfirmedDataDown => Self::Data(DataFrame::parse(bytes)?),
            MType::RejoinRequest => Self::RejoinRequest(RejoinRequest::parse(bytes)?),
            MType::Proprietary => Self::Proprietary(Proprietary::parse(bytes)?),
        })
    }
    /// The MAC header.
    pub fn mhdr(&self) -> Mhdr {
        Mhdr::validated(self.as_bytes()[0])
    }
    /// The whole frame.
    pub fn as_bytes(&self) -> &'a [u8] {
        match self {
            Self::JoinRequest(f) => f.as_bytes(),
            Self::JoinAccept(f) => f.as_bytes(),
            Self::Data(f) => f.as_bytes(),
            Self::RejoinRequest(f) => f.as_bytes(),
            Self::Proprietary(f) => f.as_bytes(),
        }
    }
    /// The MIC, for every kind but proprietary (whose format the spec leaves open) and the
    /// encrypted join-accept (whose MIC is encrypted).
    pub fn mic(&self) -> Option<[u8; 4]> {
        match self {
            Self::JoinRequest(f) => Some(f.mic()),
            Self::Data(f) => Some(f.mic()),
            Self::RejoinRequest(f) => Some(f.mic()),
            Self::JoinAccept(_) | Self::Proprietary(_) => None,
        }
    }
    /// The owned form of the frame.
    pub fn to_repr(&self) -> PhyPayloadRepr<'a> {
        match self {
            Self::JoinRequest(f) => PhyPayloadRepr::JoinRequest(JoinRequestRepr::parse(f)),
            Self::JoinAccept(f) => PhyPayloadRepr::JoinAccept(EncryptedJoinAcceptRepr::parse(f)),
            Self::Data(f) => PhyPayloadRepr::Data(DataFrameRepr::parse(f)),
            Self::RejoinRequest(f) => PhyPayloadRepr::RejoinRequest(RejoinRequestRepr::parse(f)),
            Self::Proprietary(f) => PhyPayloadRepr::Proprietary(ProprietaryRepr::parse(f)),
        }
    }
}

/// The owned form of any frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhyPayloadRepr<'a> {
    /// Join-request.
    JoinRequest(JoinRequestRepr),
    /// Join-accept, encrypted.
    JoinAccept(EncryptedJoinAcceptRepr<'a>),
    /// Data frame.
    Data(DataFrameRepr<'a>),
    /// Rejoin-request.
    RejoinRequest(RejoinRequestRepr),
    /// Proprietary frame.
    Proprietary(ProprietaryRepr<'a>),
}

impl PhyPayloadRepr<'_> {
    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        match self {
            Self::JoinRequest(r) => r.buffer_len(),
            Self::JoinAccept(r) => r.buffer_len(),
            Self::Data(r) => r.buffer_len(),
            Self::RejoinRequest(r) => r.buffer_len(),
            Self::Proprietary(r) => r.buffer_len(),
        }
    }
    /// Writes the frame into the start of `buf`; returns the number of bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, FrameError> {
        match self {
            Self::JoinRequest(r) => r.emit(buf),
            Self::JoinAccept(r) => r.emit(buf),
            Self::Data(r) => r.emit(buf),
            Self::RejoinRequest(r) => r.emit(buf),
            Self::Proprietary(r) => r.emit(buf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn test_parse_dispatch() {
        // One real frame per kind (sources in each module's tests).
        let cases = [
            (
                "join-request",
                "0001010101010101010202020202020202030309b97b32",
                MType::JoinRequest,
            ),
            (
                "join-accept",
                "2023cf335489aae3183c0be0baa8dee5f3",
                MType::JoinAccept,
            ),
            (
                "uplink",
                "40F17DBE4900020001954378762B11FF0D",
                MType::UnconfirmedDataUp,
            ),
            (
                "downlink",
                "60292e0126200300d03678bd",
                MType::UnconfirmedDataDown,
            ),
            (
                "rejoin type 1",
                "c001ffffffffffffff42ffffffffffffff4242ff42ffffff",
                MType::RejoinRequest,
            ),
            ("proprietary", "e0010203", MType::Proprietary),
        ];
        for (name, h, mtype) in cases {
            let b = hex::decode(h).unwrap();
            let p = PhyPayload::parse(&b).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(p.mhdr().mtype(), mtype, "{name}");
            assert_eq!(p.as_bytes(), &b[..], "{name}");
            let repr = p.to_repr();
            let mut out = [0u8; 64];
            let n = repr.emit(&mut out).unwrap();
            assert_eq!((n, &out[..n]), (repr.buffer_len(), &b[..]), "{name}");
        }
        assert_eq!(
            PhyPayload::parse(&[]),
            Err(FrameError::TooShort { needed: 1, got: 0 })
        );
    }

    proptest! {
        /// Arbitrary bytes never panic, and whatever parses re-emits to a frame that parses
        /// to the same representation.
        #[test]
        fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..48)) {
            if let Ok(p) = PhyPayload::parse(&bytes) {
                let repr = p.to_repr();
                let mut out = [0u8; 48];
                let n = repr.emit(&mut out).unwrap();
                prop_assert_eq!(n, bytes.len());
                prop_assert_eq!(PhyPayload::parse(&out[..n]).unwrap().to_repr(), repr);
                // Only the MHDR RFU bits may differ.
                prop_assert_eq!(out[0], bytes[0] & !0x1C);
                prop_assert_eq!(&out[1..n], &bytes[1..]);
            }
        }
    }
}
