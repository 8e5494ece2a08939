//! The device side of an over-the-air join, LoRaWAN 1.0.x (1.0.4 §6.2): the root key derived
//! from the fleet seed, DevNonce per version, the join-request (§6.2.4: MHDR | JoinEUI | DevEUI |
//! DevNonce | MIC under AppKey), and opening the join-accept (§6.2.5: AES-*encrypt* of the body
//! under AppKey undoes the network's decrypt, MIC under AppKey over MHDR..CFList) into the new
//! session (DevAddr, NetID, JoinNonce, RX settings) with NwkSKey and AppSKey derived from
//! AppKey, JoinNonce, NetID and DevNonce.
//!
//! Every primitive is `shared`'s (`JoinRequestRepr`, `join_request_mic`, `join_accept_decrypt`,
//! `join_accept_mic_v10`, `session_keys_v10`); the tests check the frames and keys against lrwn.
//!
//! DevNonce rules: before 1.0.4 a random value the Join Server must not have seen from the device
//! (it keeps a list); from 1.0.4 (and 1.1) a counter starting at 0, incremented per join-request
//! and never reused (§6.2.4). [`DevNonces`] follows either.

use crate::device::Device;
use crate::fleet::FleetSpec;
use crate::rng::hash3;
use shared::crypto::{
    CipherKey, MicKey, SessionKeysV10, join_accept_decrypt, join_accept_mic_v10, join_request_mic,
    mic_eq, session_keys_v10,
};
use shared::lorawan::{
    EncryptedJoinAccept, FrameError, JOIN_REQUEST_LEN, JoinAccept, JoinRequestRepr,
};
use shared::types::{Aes128Key, DevAddr, DevEui, JoinEui, NetId};

const TAG_ROOT: u64 = 0x726F_6F74;

/// Why a join-accept was refused by the device.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OtaaError {
    /// Not a join-accept of a valid length.
    #[error("join-accept: {0}")]
    Frame(#[from] FrameError),
    /// The MIC does not match under AppKey (not ours, or corrupted).
    #[error("join-accept MIC mismatch")]
    Mic,
}

/// The JoinEUI of every loadgen device (`fleet.toml` has none; one Join Server serves all).
pub const JOIN_EUI: JoinEui = JoinEui::from_u64(0x70B3_D57E_D000_0000);

/// A device's OTAA identity: DevEUI, JoinEUI and its 1.0.x root key AppKey.
#[derive(Clone, PartialEq, Eq)]
pub struct OtaaIdentity {
    /// DevEUI.
    pub dev_eui: DevEui,
    /// JoinEUI (AppEUI in 1.0.x).
    pub join_eui: JoinEui,
    /// AppKey, derived from the fleet seed and the device index.
    pub app_key: Aes128Key,
}

impl std::fmt::Debug for OtaaIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtaaIdentity")
            .field("dev_eui", &self.dev_eui)
            .finish_non_exhaustive()
    }
}

impl OtaaIdentity {
    /// Device `index`'s identity in `spec` (the same DevEUI as its ABP form).
    pub fn derive(spec: &FleetSpec, index: u32) -> Self {
        let a = hash3(spec.seed, u64::from(index), TAG_ROOT).to_be_bytes();
        let b = hash3(spec.seed, u64::from(index), TAG_ROOT + 1).to_be_bytes();
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&a);
        k[8..].copy_from_slice(&b);
        Self {
            dev_eui: Device::derive(spec, index).dev_eui,
            join_eui: JOIN_EUI,
            app_key: Aes128Key::from_bytes(k),
        }
    }

    /// Writes the join-request with `dev_nonce` into `out`.
    pub fn join_request(&self, dev_nonce: u16, out: &mut [u8; JOIN_REQUEST_LEN]) {
        let mut repr = JoinRequestRepr {
            join_eui: self.join_eui,
            dev_eui: self.dev_eui,
            dev_nonce,
            mic: [0; 4],
        };
        // 23 bytes always fit the 23-byte buffer.
        let _ = repr.emit(out);
        repr.mic = join_request_mic(&MicKey::new(&self.app_key), &out[..19]);
        let _ = repr.emit(out);
    }

    /// Opens the on-air join-accept `frame` answering the join-request with `dev_nonce`.
    pub fn accept(&self, dev_nonce: u16, frame: &[u8]) -> Result<Joined, OtaaError> {
        let mut buf = [0u8; 33];
        let plain = buf
            .get_mut(..frame.len())
            .ok_or(FrameError::JoinAcceptLength(frame.len()))?;
        plain.copy_from_slice(frame);
        let body = EncryptedJoinAccept::encrypted_mut(plain)?;
        join_accept_decrypt(&CipherKey::new(&self.app_key), body)
            .map_err(|_| FrameError::JoinAcceptLength(frame.len()))?;
        let ja = JoinAccept::parse(plain)?;
        let want = join_accept_mic_v10(&MicKey::new(&self.app_key), ja.mic_input());
        if !mic_eq(&want, &ja.mic()) {
            return Err(OtaaError::Mic);
        }
        let keys = session_keys_v10(&self.app_key, ja.join_nonce(), ja.net_id(), dev_nonce);
        Ok(Joined {
            dev_addr: ja.dev_addr(),
            net_id: ja.net_id(),
            join_nonce: ja.join_nonce(),
            rx1_dr_offset: ja.dl_settings().rx1_dr_offset,
            rx2_data_rate: ja.dl_settings().rx2_data_rate,
            rx1_delay_s: ja.rx1_delay_secs(),
            keys,
        })
    }
}

/// The session a join-accept gave.
#[derive(Clone, PartialEq, Eq)]
pub struct Joined {
    /// The new DevAddr.
    pub dev_addr: DevAddr,
    /// Home NetID.
    pub net_id: NetId,
    /// JoinNonce (24 bits).
    pub join_nonce: u32,
    /// RX1 data-rate offset.
    pub rx1_dr_offset: u8,
    /// RX2 data rate.
    pub rx2_data_rate: u8,
    /// RX1 delay in seconds.
    pub rx1_delay_s: u8,
    /// NwkSKey and AppSKey.
    pub keys: SessionKeysV10,
}

impl std::fmt::Debug for Joined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Joined")
            .field("dev_addr", &self.dev_addr)
            .field("join_nonce", &self.join_nonce)
            .finish_non_exhaustive()
    }
}

/// Which DevNonce rule a device follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceRule {
    /// 1.0.0–1.0.3: random, not repeated.
    Random,
    /// 1.0.4 and 1.1: a counter from 0.
    Counter,
}

/// A device's DevNonces.
#[derive(Debug, Clone)]
pub struct DevNonces {
    rule: NonceRule,
    next: u32,
    seed: u64,
}

impl DevNonces {
    /// Nonces for `rule`, a random sequence drawn from `seed`; a counter starts at `start`.
    pub fn new(rule: NonceRule, seed: u64, start: u16) -> Self {
        Self {
            rule,
            next: u32::from(start),
            seed,
        }
    }

    /// The next DevNonce; `None` once a counter has used all 65 536 values (the device must
    /// not join again with this JoinEUI).
    pub fn next_nonce(&mut self) -> Option<u16> {
        if self.next > u32::from(u16::MAX) {
            return None;
        }
        let i = self.next;
        self.next += 1;
        Some(match self.rule {
            NonceRule::Counter => i as u16,
            // A bijection of the 16-bit index (odd multiplier, xor with a per-device key): random
            // looking and never repeated.
            NonceRule::Random => ((i.wrapping_mul(40_503) ^ self.seed as u32) & 0xFFFF) as u16,
        })
    }
}

#[cfg(test)]
mod tests;
