//! AES key wrap (RFC 3394 §2.2) with a 128-bit KEK, as LoRaWAN Backend Interfaces (TS002 §6.3)
//! use it to carry session and root keys between Join, Network and Application Servers.
//!
//! Implements the index-based form of RFC 3394 §2.2.1/§2.2.2 in the caller's output buffer, with
//! the default IV `A6A6A6A6A6A6A6A6` checked in constant time on unwrap. Only AES-128 KEKs: the
//! LoRaWAN key types are AES-128 and so are the KEKs this stack issues.

use crate::types::Aes128Key;
use aes::Aes128;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};

/// The default initial value of RFC 3394 §2.2.3.1.
const IV: [u8; 8] = [0xA6; 8];

/// Why a key could not be wrapped or unwrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyWrapError {
    /// Key data must be at least two 64-bit blocks and a whole number of them.
    #[error("key data of {0} bytes is not a multiple of 8 of at least 16")]
    InvalidLength(usize),
    /// The output buffer has the wrong size (wrap: input + 8, unwrap: input − 8).
    #[error("output buffer of {got} bytes, expected {expected}")]
    OutputLength {
        /// Bytes the output needs.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
    /// The unwrapped IV is not `A6A6A6A6A6A6A6A6`: wrong KEK or altered ciphertext.
    #[error("integrity check failed")]
    IntegrityCheck,
}

fn check(plain_len: usize, out_len: usize, expected: usize) -> Result<(), KeyWrapError> {
    if plain_len < 16 || !plain_len.is_multiple_of(8) {
        return Err(KeyWrapError::InvalidLength(plain_len));
    }
    if out_len != expected {
        return Err(KeyWrapError::OutputLength {
            expected,
            got: out_len,
        });
    }
    Ok(())
}

/// Wraps `plaintext` (n ≥ 2 64-bit blocks) under `kek` into `out`, which must be 8 bytes longer.
pub fn wrap_into(kek: &Aes128Key, plaintext: &[u8], out: &mut [u8]) -> Result<(), KeyWrapError> {
    check(plaintext.len(), out.len(), plaintext.len() + 8)?;
    let cipher = Aes128::new(&kek.to_bytes().into());
    let (a_out, r) = out.split_at_mut(8);
    r.copy_from_slice(plaintext);
    let n = r.len() / 8;
    let mut a = IV;
    let mut b = aes::Block::default();
    for j in 0..6u64 {
        for (i, ri) in r.chunks_exact_mut(8).enumerate() {
            b[..8].copy_from_slice(&a);
            b[8..].copy_from_slice(ri);
            cipher.encrypt_block(&mut b);
            let t = (n as u64) * j + i as u64 + 1;
            let msb = u64::from_be_bytes(b[..8].try_into().unwrap_or_default());
            a = (msb ^ t).to_be_bytes();
            ri.copy_from_slice(&b[8..]);
        }
    }
    a_out.copy_from_slice(&a);
    Ok(())
}

/// Unwraps `ciphertext` (n + 1 ≥ 3 64-bit blocks) under `kek` into `out`, which must be 8 bytes
/// shorter. On an integrity-check failure `out` is zeroed.
pub fn unwrap_into(kek: &Aes128Key, ciphertext: &[u8], out: &mut [u8]) -> Result<(), KeyWrapError> {
    let plain_len = ciphertext.len().saturating_sub(8);
    if ciphertext.len() < 24 || !ciphertext.len().is_multiple_of(8) {
        return Err(KeyWrapError::InvalidLength(ciphertext.len()));
    }
    check(plain_len, out.len(), plain_len)?;
    let cipher = Aes128::new(&kek.to_bytes().into());
    let (c0, rest) = ciphertext.split_at(8);
    out.copy_from_slice(rest);
    let n = out.len() / 8;
    let mut a = u64::from_be_bytes(c0.try_into().unwrap_or_default());
    let mut b = aes::Block::default();
    for j in (0..6u64).rev() {
        for (i, ri) in out.chunks_exact_mut(8).enumerate().rev() {
            let t = (n as u64) * j + i as u64 + 1;
            b[..8].copy_from_slice(&(a ^ t).to_be_bytes());
            b[8..].copy_from_slice(ri);
            cipher.decrypt_block(&mut b);
            a = u64::from_be_bytes(b[..8].try_into().unwrap_or_default());
            ri.copy_from_slice(&b[8..]);
        }
    }
    let diff = a ^ u64::from_be_bytes(IV);
    if std::hint::black_box(diff) != 0 {
        out.fill(0);
        return Err(KeyWrapError::IntegrityCheck);
    }
    Ok(())
}

/// Wraps an AES-128 key: 24 bytes out.
pub fn wrap_key(kek: &Aes128Key, key: &Aes128Key) -> [u8; 24] {
    let mut out = [0u8; 24];
    // 16 bytes in, 24 out: the lengths always fit, so this cannot fail.
    let _ = wrap_into(kek, &key.to_bytes(), &mut out);
    out
}

/// Unwraps a 24-byte wrapped AES-128 key.
pub fn unwrap_key(kek: &Aes128Key, wrapped: &[u8; 24]) -> Result<Aes128Key, KeyWrapError> {
    let mut out = [0u8; 16];
    unwrap_into(kek, wrapped, &mut out)?;
    Ok(Aes128Key::from_bytes(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc3394_4_1() {
        // RFC 3394 §4.1: wrap 128 bits of key data with a 128-bit KEK.
        let kek: Aes128Key = "000102030405060708090A0B0C0D0E0F".parse().unwrap();
        let key: Aes128Key = "00112233445566778899AABBCCDDEEFF".parse().unwrap();
        let wrapped = wrap_key(&kek, &key);
        assert_eq!(
            hex::encode_upper(wrapped),
            "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"
        );
        assert_eq!(unwrap_key(&kek, &wrapped), Ok(key));
    }

    #[test]
    fn errors_by_table() {
        let kek = Aes128Key::from_bytes([1; 16]);
        let mut out = [0u8; 64];
        let cases: [(&str, Result<(), KeyWrapError>, KeyWrapError); 6] = [
            (
                "wrap 8",
                wrap_into(&kek, &[0; 8], &mut out[..16]),
                KeyWrapError::InvalidLength(8),
            ),
            (
                "wrap 17",
                wrap_into(&kek, &[0; 17], &mut out[..25]),
                KeyWrapError::InvalidLength(17),
            ),
            (
                "wrap short out",
                wrap_into(&kek, &[0; 16], &mut out[..16]),
                KeyWrapError::OutputLength {
                    expected: 24,
                    got: 16,
                },
            ),
            (
                "unwrap 16",
                unwrap_into(&kek, &[0; 16], &mut out[..8]),
                KeyWrapError::InvalidLength(16),
            ),
            (
                "unwrap 25",
                unwrap_into(&kek, &[0; 25], &mut out[..17]),
                KeyWrapError::InvalidLength(25),
            ),
            (
                "unwrap long out",
                unwrap_into(&kek, &[0; 24], &mut out[..24]),
                KeyWrapError::OutputLength {
                    expected: 16,
                    got: 24,
                },
            ),
        ];
        for (name, got, want) in cases {
            assert_eq!(got, Err(want), "{name}");
        }
    }

    proptest! {
        #[test]
        fn round_trip_and_tamper(kek in any::<[u8; 16]>(), blocks in 2usize..8,
                                 seed in any::<[u8; 64]>(), flip in any::<(usize, u8)>()) {
            let kek = Aes128Key::from_bytes(kek);
            let plain = &seed[..blocks * 8];
            let mut wrapped = [0u8; 72];
            let wrapped = &mut wrapped[..plain.len() + 8];
            wrap_into(&kek, plain, wrapped).unwrap();
            let mut back = [0u8; 64];
            unwrap_into(&kek, wrapped, &mut back[..plain.len()]).unwrap();
            prop_assert_eq!(&back[..plain.len()], plain);
            let i = flip.0 % wrapped.len();
            wrapped[i] ^= flip.1 | 1;
            let r = unwrap_into(&kek, wrapped, &mut back[..plain.len()]);
            prop_assert_eq!(r, Err(KeyWrapError::IntegrityCheck));
            prop_assert!(back[..plain.len()].iter().all(|&b| b == 0));
        }
    }
}
