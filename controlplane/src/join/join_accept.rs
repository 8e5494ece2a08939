//! Building the join-accept as sent on air (LoRaWAN 1.0.4 §6.2.5, 1.1 §6.2.3): fields, MIC,
//! then encryption of everything after MHDR.
//!
//! - MIC: LoRaWAN 1.0.x (and 1.1 with OptNeg clear) `aes128_cmac(AppKey, MHDR | JoinNonce | NetID
//!   | DevAddr | DLSettings | RxDelay | CFList)`; 1.1 with OptNeg set `aes128_cmac(JSIntKey,
//!   JoinReqType | JoinEUI | DevNonce | MHDR | …)`, where DevNonce is RJcount0/RJcount1 when the
//!   accept answers a rejoin (as Semtech's LoRaMac-node `LoRaMacCryptoHandleJoinAccept` reads it).
//! - Encryption: AES-*decrypt* in ECB over the 16 or 32 bytes after MHDR, under AppKey (1.0.x),
//!   NwkKey (1.1, answering a join-request) or JSEncKey (1.1, answering a rejoin-request).
//!
//! The field codec is `shared::lorawan::JoinAcceptRepr`, the MICs and cipher `shared::crypto`;
//! this module only puts them in order, in a fixed 33-byte buffer (no allocation).

use shared::crypto::{
    CipherKey, MicKey, join_accept_encrypt, join_accept_mic_v10, join_accept_mic_v11,
};
use shared::lorawan::{FrameError, JOIN_ACCEPT_CF_LIST_LEN, JoinAcceptRepr, RejoinType};
use shared::types::{Aes128Key, JoinEui};
use std::fmt;

/// What a join-accept answers: JoinReqType of LoRaWAN 1.1 §6.2.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinReqType {
    /// A join-request (JoinReqType 0xFF).
    Join,
    /// A rejoin-request of the given type (JoinReqType 0, 1 or 2).
    Rejoin(RejoinType),
}

impl JoinReqType {
    /// The JoinReqType octet in the 1.1 join-accept MIC.
    pub const fn to_byte(self) -> u8 {
        match self {
            Self::Join => 0xFF,
            Self::Rejoin(t) => t as u8,
        }
    }
}

/// The key and context of the join-accept MIC.
#[derive(Debug, Clone, Copy)]
pub enum AcceptMic<'a> {
    /// LoRaWAN 1.0.x form under AppKey.
    V1_0 {
        /// AppKey.
        app_key: &'a Aes128Key,
    },
    /// LoRaWAN 1.1 form (OptNeg set) under JSIntKey.
    V1_1 {
        /// JSIntKey.
        js_int_key: &'a Aes128Key,
        /// Join or rejoin type answered.
        join_req_type: JoinReqType,
        /// The device's JoinEUI.
        join_eui: JoinEui,
        /// DevNonce of the join-request, or RJcount0/RJcount1 of the rejoin-request.
        dev_nonce: u16,
    },
}

/// An encrypted join-accept PHYPayload: 17 bytes, or 33 with a CFList.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct JoinAcceptFrame {
    buf: [u8; JOIN_ACCEPT_CF_LIST_LEN],
    len: usize,
}

impl JoinAcceptFrame {
    /// The PHYPayload bytes to transmit.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&self.buf)
    }
}

impl fmt::Debug for JoinAcceptFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JoinAcceptFrame({})", hex::encode(self.as_bytes()))
    }
}

/// Writes `repr` (its `mic` field is ignored), computes the MIC and encrypts under `enc_key`.
pub fn encode_join_accept(
    repr: &JoinAcceptRepr,
    mic: &AcceptMic<'_>,
    enc_key: &Aes128Key,
) -> Result<JoinAcceptFrame, FrameError> {
    let mut buf = [0u8; JOIN_ACCEPT_CF_LIST_LEN];
    let len = repr.emit(&mut buf)?;
    let (body, _) = buf.split_at_mut(len);
    let (fields, mic_out) = body.split_at_mut(len - 4);
    let value = match *mic {
        AcceptMic::V1_0 { app_key } => join_accept_mic_v10(&MicKey::new(app_key), fields),
        AcceptMic::V1_1 {
            js_int_key,
            join_req_type,
            join_eui,
            dev_nonce,
        } => join_accept_mic_v11(
            &MicKey::new(js_int_key),
            join_req_type.to_byte(),
            join_eui,
            dev_nonce,
            fields,
        ),
    };
    mic_out.copy_from_slice(&value);
    // `len` is 17 or 33, so the body after MHDR is 16 or 32 bytes: encryption cannot fail.
    join_accept_encrypt(&CipherKey::new(enc_key), &mut body[1..])
        .map_err(|_| FrameError::JoinAcceptLength(len))?;
    Ok(JoinAcceptFrame { buf, len })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::lorawan::DlSettings;

    /// ChirpStack lrwn 4.13 `phy_payload.rs` doc examples "LoRaWAN 1.0.x Join-accept" and
    /// "LoRaWAN 1.1.x Join-accept": key 0102…0f10 (used directly as JSIntKey and encryption
    /// key in the 1.1 example), JoinEUI 0807060504030201, DevNonce 258, JoinNonce 65793,
    /// NetID 020202, DevAddr 01020304, RX settings 0.
    #[test]
    fn lrwn_doc_vectors() {
        let key: Aes128Key = "0102030405060708090a0b0c0d0e0f10".parse().unwrap();
        let repr = |opt_neg| JoinAcceptRepr {
            join_nonce: 65793,
            net_id: "020202".parse().unwrap(),
            dev_addr: "01020304".parse().unwrap(),
            dl_settings: DlSettings {
                opt_neg,
                ..DlSettings::default()
            },
            rx_delay: 0,
            cf_list: None,
            mic: [0; 4],
        };
        let v10 = encode_join_accept(&repr(false), &AcceptMic::V1_0 { app_key: &key }, &key);
        assert_eq!(
            hex::encode(v10.unwrap().as_bytes()),
            "2023cf335489aae3183c0be0baa8dee5f3"
        );
        let mic = AcceptMic::V1_1 {
            js_int_key: &key,
            join_req_type: JoinReqType::Join,
            join_eui: "0807060504030201".parse().unwrap(),
            dev_nonce: 258,
        };
        let v11 = encode_join_accept(&repr(true), &mic, &key);
        assert_eq!(
            hex::encode(v11.unwrap().as_bytes()),
            "207abeea06b02920f11c02d0348fcf1815"
        );
    }

    #[test]
    fn join_req_type_bytes() {
        let cases = [
            (JoinReqType::Join, 0xFF),
            (JoinReqType::Rejoin(RejoinType::Type0), 0),
            (JoinReqType::Rejoin(RejoinType::Type1), 1),
            (JoinReqType::Rejoin(RejoinType::Type2), 2),
        ];
        for (t, b) in cases {
            assert_eq!(t.to_byte(), b, "{t:?}");
        }
    }
}
