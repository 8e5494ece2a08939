//! Join-accept (LoRaWAN 1.0.4 §6.2.5, 1.1 §6.2.3).
//!
//! On air: MHDR | 16 or 32 encrypted bytes ([`EncryptedJoinAccept`]). The Join Server encrypts
//! everything after MHDR, MIC included, with AES-128 *decrypt* (1.1 §6.2.3); once the crypto
//! module has reversed that in place, [`JoinAccept`] reads the plain fields:
//! MHDR | JoinNonce (3) | Home_NetID (3) | DevAddr (4) | DLSettings (1) | RxDelay (1) |
//! [CFList (16)] | MIC (4), multi-byte fields little-endian.
//!
//! [`JoinAccept::mic_input`] is MHDR through CFList: the whole MIC input in 1.0.x; with OptNeg
//! (1.1) the crypto module prefixes JoinReqType | JoinEUI | DevNonce to it.

use super::cflist::{CF_LIST_LEN, CfList};
use super::error::{FrameError, array, out_buf, trailing_mic};
use super::{DlSettings, MType, Major, Mhdr};
use crate::types::{DevAddr, NetId};

/// Length of a join-accept without CFList.
pub const JOIN_ACCEPT_LEN: usize = 17;
/// Length of a join-accept with CFList.
pub const JOIN_ACCEPT_CF_LIST_LEN: usize = JOIN_ACCEPT_LEN + CF_LIST_LEN;

/// Checks MHDR and length; shared by the encrypted and decrypted views.
fn check(bytes: &[u8]) -> Result<(), FrameError> {
    Mhdr::parse_first(bytes)?.expect(MType::JoinAccept)?;
    match bytes.len() {
        JOIN_ACCEPT_LEN | JOIN_ACCEPT_CF_LIST_LEN => Ok(()),
        n => Err(FrameError::JoinAcceptLength(n)),
    }
}

/// A join-accept as received: MHDR and the encrypted rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncryptedJoinAccept<'a> {
    buf: &'a [u8],
}

impl<'a> EncryptedJoinAccept<'a> {
    /// Checks `bytes` as an on-air join-accept: Major R1, MType join-accept, 17 or 33 bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FrameError> {
        check(bytes)?;
        Ok(Self { buf: bytes })
    }
    /// Checks `bytes` the same way and lends the encrypted part, to be decrypted in place.
    pub fn encrypted_mut(bytes: &mut [u8]) -> Result<&mut [u8], FrameError> {
        check(bytes)?;
        Ok(&mut bytes[1..])
    }
    /// The MAC header.
    pub fn mhdr(&self) -> Mhdr {
        Mhdr::validated(self.buf[0])
    }
    /// The 16 or 32 encrypted bytes after MHDR (fields and MIC).
    pub fn encrypted(&self) -> &'a [u8] {
        &self.buf[1..]
    }
    /// Whether the plain form carries a CFList.
    pub fn has_cf_list(&self) -> bool {
        self.buf.len() == JOIN_ACCEPT_CF_LIST_LEN
    }
    /// The whole frame.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
}

/// A decrypted join-accept, validated (CFListType included) so no accessor fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinAccept<'a> {
    buf: &'a [u8],
    cf_list: Option<CfList>,
}

impl<'a> JoinAccept<'a> {
    /// Checks decrypted `bytes` as a join-accept.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FrameError> {
        check(bytes)?;
        let cf_list = match bytes.len() {
            JOIN_ACCEPT_CF_LIST_LEN => Some(CfList::parse(&array(bytes, 13))?),
            _ => None,
        };
        Ok(Self {
            buf: bytes,
            cf_list,
        })
    }
    /// The MAC header.
    pub fn mhdr(&self) -> Mhdr {
        Mhdr::validated(self.buf[0])
    }
    /// JoinNonce (AppNonce in 1.0.x), 24 bits.
    pub fn join_nonce(&self) -> u32 {
        let [a, b, c] = array::<3>(self.buf, 1);
        u32::from_le_bytes([a, b, c, 0])
    }
    /// Home_NetID.
    pub fn net_id(&self) -> NetId {
        NetId::from_wire_bytes(array(self.buf, 4))
    }
    /// The device address assigned.
    pub fn dev_addr(&self) -> DevAddr {
        DevAddr::from_wire_bytes(array(self.buf, 7))
    }
    /// DLSettings.
    pub fn dl_settings(&self) -> DlSettings {
        DlSettings::from_byte(self.buf[11])
    }
    /// The RxDelay octet as received: Del in bits 3–0 (0 and 1 mean 1 s), RFU in bits 7–4.
    pub fn rx_delay(&self) -> u8 {
        self.buf[12]
    }
    /// The RX1 delay in seconds that RxDelay.Del announces (1–15).
    pub fn rx1_delay_secs(&self) -> u8 {
        (self.buf[12] & 0x0F).max(1)
    }
    /// The CFList, when present.
    pub fn cf_list(&self) -> Option<CfList> {
        self.cf_list
    }
    /// The MIC.
    pub fn mic(&self) -> [u8; 4] {
        trailing_mic(self.buf)
    }
    /// MHDR through CFList: the bytes the MIC covers (prefixed in 1.1, see the module doc).
    pub fn mic_input(&self) -> &'a [u8] {
        &self.buf[..self.buf.len() - 4]
    }
    /// The whole frame.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
}

/// The fields of a decrypted join-accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JoinAcceptRepr {
    /// JoinNonce, 24 bits.
    pub join_nonce: u32,
    /// Home_NetID.
    pub net_id: NetId,
    /// The device address assigned.
    pub dev_addr: DevAddr,
    /// DLSettings.
    pub dl_settings: DlSettings,
    /// The RxDelay octet (Del in bits 3–0).
    pub rx_delay: u8,
    /// The optional channel list.
    pub cf_list: Option<CfList>,
    /// The MIC field.
    pub mic: [u8; 4],
}

impl JoinAcceptRepr {
    /// The fields of a parsed (decrypted) join-accept.
    pub fn parse(frame: &JoinAccept<'_>) -> Self {
        Self {
            join_nonce: frame.join_nonce(),
            net_id: frame.net_id(),
            dev_addr: frame.dev_addr(),
            dl_settings: frame.dl_settings(),
            rx_delay: frame.rx_delay(),
            cf_list: frame.cf_list(),
            mic: frame.mic(),
        }
    }
    /// Bytes `emit` writes (17 or 33).
    pub const fn buffer_len(&self) -> usize {
        if self.cf_list.is_some() {
            JOIN_ACCEPT_CF_LIST_LEN
        } else {
            JOIN_ACCEPT_LEN
        }
    }
    /// Writes the plain join-accept into the start of `buf`; the Join Server then encrypts
    /// `buf[1..n]` in place.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, FrameError> {
        if self.join_nonce > 0xFF_FFFF {
            return Err(FrameError::FieldOverflow {
                field: "JoinNonce",
                value: self.join_nonce,
            });
        }
        let dl_settings = self.dl_settings.to_byte()?;
        let cf_list = self.cf_list.map(|c| c.to_bytes()).transpose()?;
        let len = self.buffer_len();
        let out = out_buf(buf, len)?;
        out[0] = Mhdr::new(MType::JoinAccept, Major::LoRaWanR1).to_byte();
        out[1..4].copy_from_slice(&self.join_nonce.to_le_bytes()[..3]);
        out[4..7].copy_from_slice(&self.net_id.to_wire_bytes());
        out[7..11].copy_from_slice(&self.dev_addr.to_wire_bytes());
        out[11] = dl_settings;
        out[12] = self.rx_delay;
        if let Some(c) = cf_list {
            out[13..29].copy_from_slice(&c);
        }
        out[len - 4..].copy_from_slice(&self.mic);
        Ok(len)
    }
}

/// The on-air form of a join-accept, for relaying bytes already encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncryptedJoinAcceptRepr<'a> {
    /// The 16 or 32 bytes after MHDR.
    pub encrypted: &'a [u8],
}

impl<'a> EncryptedJoinAcceptRepr<'a> {
    /// The encrypted part of a parsed frame.
    pub fn parse(frame: &EncryptedJoinAccept<'a>) -> Self {
        Self {
            encrypted: frame.encrypted(),
        }
    }
    /// Bytes `emit` writes.
    pub const fn buffer_len(&self) -> usize {
        1 + self.encrypted.len()
    }
    /// Writes MHDR and the encrypted bytes into the start of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, FrameError> {
        let len = self.buffer_len();
        if len != JOIN_ACCEPT_LEN && len != JOIN_ACCEPT_CF_LIST_LEN {
            return Err(FrameError::JoinAcceptLength(len));
        }
        let out = out_buf(buf, len)?;
        out[0] = Mhdr::new(MType::JoinAccept, Major::LoRaWanR1).to_byte();
        out[1..].copy_from_slice(self.encrypted);
        Ok(len)
    }
}

#[cfg(test)]
#[path = "join_accept_tests.rs"]
pub(crate) mod tests;
