//! Payload encryption: FRMPayload (LoRaWAN 1.0.4 §4.3.3, 1.1 §4.3.3), FOpts (1.1 §4.3.1.6 and
//! its errata) and the join-accept (1.0.4 §6.2.5, 1.1 §6.2.3).
//!
//! FRMPayload and FOpts use AES in counter mode: keystream block `S_i = aes128_encrypt(K, A_i)`
//! XORed over the bytes, so encryption and decryption are the same call. The join-accept uses
//! AES-ECB, backwards: the network "encrypts" with AES-decrypt so the device needs only
//! AES-encrypt to "decrypt". Everything works in place on the caller's buffer, allocation-free,
//! over a [`CipherKey`] prepared once per session.

use super::aes_cmac::Block;
use crate::types::{Aes128Key, DevAddr, Direction};
use aes::Aes128;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use std::fmt;

/// Keystream blocks encrypted in one call (AES-NI pipelines several blocks at once); 16 blocks
/// cover the largest FRMPayload.
const BATCH: usize = 16;

/// Longest FOpts field (FOptsLen is 4 bits).
pub const FOPTS_MAX_LEN: usize = 15;

/// A prepared AES-128 key for payload encryption (both key schedules expanded once).
#[derive(Clone)]
pub struct CipherKey {
    cipher: Aes128,
}

impl CipherKey {
    /// Expands the AES-128 key schedules.
    pub fn new(key: &Aes128Key) -> Self {
        Self {
            cipher: Aes128::new(&key.to_bytes().into()),
        }
    }
}

impl From<&Aes128Key> for CipherKey {
    fn from(key: &Aes128Key) -> Self {
        Self::new(key)
    }
}

impl fmt::Debug for CipherKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CipherKey(<redacted>)")
    }
}

/// Why a buffer could not be encrypted or decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CipherError {
    /// FOpts longer than the 15 bytes FOptsLen can express.
    #[error("FOpts of {0} bytes exceeds 15")]
    FOptsTooLong(usize),
    /// A join-accept body (after MHDR, MIC included) must be 16 or 32 bytes.
    #[error("join-accept body of {0} bytes is not 16 or 32")]
    JoinAcceptLength(usize),
}

/// Which A block FOpts encryption uses (LoRaWAN 1.1 §4.3.1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FOptsVariant {
    /// The 1.1 errata, as devices implement it (Semtech LoRaMac-node `FOptsEncrypt`, lrwn,
    /// lora-packet): A block byte 4 is 0x01 for uplinks and NFCntDown, 0x02 for AFCntDown.
    #[default]
    Errata,
    /// The 1.1 text as first published (A block byte 4 is 0x00), followed by The Things Stack's
    /// `pkg/crypto` test vectors; kept only to check those.
    FirstPublished,
}

/// The A block (1.1 §4.3.3): `0x01 | 0x00×3 | b4 | Dir | DevAddr | FCnt | 0x00 | i`.
fn a_block(b4: u8, dir: Direction, dev_addr: DevAddr, fcnt: u32, i: u8) -> [u8; 16] {
    let a = dev_addr.to_wire_bytes();
    let f = fcnt.to_le_bytes();
    [
        0x01, 0, 0, 0, b4, dir as u8, a[0], a[1], a[2], a[3], f[0], f[1], f[2], f[3], 0, i,
    ]
}

/// Encrypts or decrypts an FRMPayload in place (1.0.4 §4.3.3, 1.1 §4.3.3). The key is AppSKey
/// for FPort > 0 and NwkSKey (1.0.x) or NwkSEncKey (1.1) for FPort 0; `fcnt` is the full 32-bit
/// counter (FCntUp, or NFCntDown/AFCntDown).
pub fn frm_payload_crypt(
    key: &CipherKey,
    dir: Direction,
    dev_addr: DevAddr,
    fcnt: u32,
    payload: &mut [u8],
) {
    let a = a_block(0, dir, dev_addr, fcnt, 0);
    let mut counter: u8 = 0;
    for chunk in payload.chunks_mut(16 * BATCH) {
        let mut blocks = [Block::default(); BATCH];
        let n = chunk.len().div_ceil(16);
        for b in blocks.iter_mut().take(n) {
            // Counter i starts at 1; it wraps only past 4080 bytes, far beyond any LoRaWAN frame.
            counter = counter.wrapping_add(1);
            let mut ai = a;
            ai[15] = counter;
            *b = Block::from(ai);
        }
        let blocks = blocks.get_mut(..n).unwrap_or_default();
        key.cipher.encrypt_blocks(blocks);
        for (bytes, s) in chunk.chunks_mut(16).zip(blocks.iter()) {
            for (p, k) in bytes.iter_mut().zip(s.iter()) {
                *p ^= k;
            }
        }
    }
}

/// Encrypts or decrypts LoRaWAN 1.1 FOpts in place with NwkSEncKey (1.1 §4.3.1.6). `fcnt` is
/// FCntUp, NFCntDown, or AFCntDown when `a_fcnt_down` (a downlink with FPort > 0); `a_fcnt_down`
/// is ignored for uplinks. LoRaWAN 1.0.x sends FOpts in clear: do not call this for 1.0 sessions.
pub fn fopts_crypt_v11(
    key: &CipherKey,
    dir: Direction,
    dev_addr: DevAddr,
    fcnt: u32,
    a_fcnt_down: bool,
    variant: FOptsVariant,
    fopts: &mut [u8],
) -> Result<(), CipherError> {
    if fopts.len() > FOPTS_MAX_LEN {
        return Err(CipherError::FOptsTooLong(fopts.len()));
    }
    let b4 = match (variant, dir, a_fcnt_down) {
        (FOptsVariant::FirstPublished, _, _) => 0x00,
        (FOptsVariant::Errata, Direction::Downlink, true) => 0x02,
        (FOptsVariant::Errata, _, _) => 0x01,
    };
    let mut s = Block::from(a_block(b4, dir, dev_addr, fcnt, 1));
    key.cipher.encrypt_block(&mut s);
    for (p, k) in fopts.iter_mut().zip(s.iter()) {
        *p ^= k;
    }
    Ok(())
}

fn check_join_accept(body: &[u8]) -> Result<(), CipherError> {
    match body.len() {
        16 | 32 => Ok(()),
        n => Err(CipherError::JoinAcceptLength(n)),
    }
}

/// Network side: encrypts a join-accept body in place (everything after MHDR, MIC included) by
/// applying AES-*decrypt* per block (1.0.4 §6.2.5, 1.1 §6.2.3). The key is NwkKey (AppKey in
/// 1.0.x) in answer to a join-request, JSEncKey in answer to a rejoin-request.
pub fn join_accept_encrypt(key: &CipherKey, body: &mut [u8]) -> Result<(), CipherError> {
    check_join_accept(body)?;
    for chunk in body.chunks_exact_mut(16) {
        key.cipher.decrypt_block(Block::from_mut_slice(chunk));
    }
    Ok(())
}

/// Device side: decrypts a join-accept body in place by applying AES-*encrypt* per block, the
/// inverse of [`join_accept_encrypt`].
pub fn join_accept_decrypt(key: &CipherKey, body: &mut [u8]) -> Result<(), CipherError> {
    check_join_accept(body)?;
    for chunk in body.chunks_exact_mut(16) {
        key.cipher.encrypt_block(Block::from_mut_slice(chunk));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> CipherKey {
        CipherKey::new(&Aes128Key::from_bytes([b; 16]))
    }

    #[test]
    fn frm_payload_tts_vectors() {
        // The Things Stack pkg/crypto/data_messages_test.go TestUplinkDownlinkEncryption.
        let addr = DevAddr::from_be_bytes([1, 2, 3, 4]);
        let cases = [
            ("uplink", Direction::Uplink, [0xCF, 0xF3, 0x0B, 0x4E]),
            ("downlink", Direction::Downlink, [0x4E, 0x75, 0xF4, 0x40]),
        ];
        for (name, dir, want) in cases {
            let mut p = [1u8, 2, 3, 4];
            frm_payload_crypt(&key(1), dir, addr, 1, &mut p);
            assert_eq!(p, want, "{name}");
            frm_payload_crypt(&key(1), dir, addr, 1, &mut p);
            assert_eq!(p, [1, 2, 3, 4], "{name} round trip");
        }
    }

    #[test]
    fn long_payload_uses_consecutive_counters() {
        // 300 bytes span two batches: the keystream must equal block-by-block encryption.
        let (k, addr) = (key(7), DevAddr::from_u32(0x2601_1BDA));
        let mut p = [0u8; 300];
        frm_payload_crypt(&k, Direction::Uplink, addr, 9, &mut p);
        for (i, chunk) in p.chunks(16).enumerate() {
            let mut s = Block::from(a_block(0, Direction::Uplink, addr, 9, (i + 1) as u8));
            k.cipher.encrypt_block(&mut s);
            assert_eq!(chunk, &s[..chunk.len()], "block {i}");
        }
    }

    #[test]
    fn fopts_variants_differ_only_in_byte4() {
        let (k, addr) = (key(3), DevAddr::from_u32(0x0102_0304));
        let ks = |b4, dir| {
            let mut s = Block::from(a_block(b4, dir, addr, 5, 1));
            k.cipher.encrypt_block(&mut s);
            s
        };
        let cases = [
            (
                "up errata",
                Direction::Uplink,
                false,
                FOptsVariant::Errata,
                1,
            ),
            (
                "up errata, flag ignored",
                Direction::Uplink,
                true,
                FOptsVariant::Errata,
                1,
            ),
            (
                "N down errata",
                Direction::Downlink,
                false,
                FOptsVariant::Errata,
                1,
            ),
            (
                "A down errata",
                Direction::Downlink,
                true,
                FOptsVariant::Errata,
                2,
            ),
            (
                "A down first",
                Direction::Downlink,
                true,
                FOptsVariant::FirstPublished,
                0,
            ),
            (
                "up first",
                Direction::Uplink,
                false,
                FOptsVariant::FirstPublished,
                0,
            ),
        ];
        for (name, dir, a, v, b4) in cases {
            let mut f = [0u8; 15];
            fopts_crypt_v11(&k, dir, addr, 5, a, v, &mut f).unwrap();
            assert_eq!(f[..], ks(b4, dir)[..15], "{name}");
        }
        let mut long = [0u8; 16];
        let r = fopts_crypt_v11(
            &k,
            Direction::Uplink,
            addr,
            5,
            false,
            Default::default(),
            &mut long,
        );
        assert_eq!(r, Err(CipherError::FOptsTooLong(16)));
    }

    #[test]
    fn join_accept_tts_vector_and_lengths() {
        // The Things Stack pkg/crypto/join_messages_test.go TestJoinAcceptEncryption.
        let plain = hex::decode("030201030201040302010001" /* body */).unwrap();
        let mut body = [plain.as_slice(), &[0x32, 0xf5, 0x4a, 0xb3]].concat();
        join_accept_encrypt(&key(1), &mut body).unwrap();
        assert_eq!(hex::encode(&body), "c9fbb259e11649096a568a9e3b7117c3");
        join_accept_decrypt(&key(1), &mut body).unwrap();
        assert_eq!(&body[..12], plain.as_slice());
        for n in [0usize, 15, 17, 31, 48] {
            let mut b = vec![0u8; n];
            assert_eq!(
                join_accept_encrypt(&key(1), &mut b),
                Err(CipherError::JoinAcceptLength(n))
            );
            assert_eq!(
                join_accept_decrypt(&key(1), &mut b),
                Err(CipherError::JoinAcceptLength(n))
            );
        }
    }
}
