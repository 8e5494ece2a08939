//! Root keys at rest: AppKey and NwkKey are stored wrapped with a key-encryption key (KEK) named
//! by a label, with AES key wrap (RFC 3394, as LoRaWAN Backend Interfaces TS002-1.1 §6.3 uses it
//! for its `KeyEnvelope`: a `KEKLabel` and an `AESKey` wrapped under that KEK).
//!
//! [`KeyVault`] maps labels to KEKs, is loaded from configuration ([`KeyVaultConfig`]) and wraps
//! and unwraps. The store only ever sees [`WrappedKey`]s; unwrapped [`RootKeys`] live in memory
//! for the length of one join. No type here prints key material: [`shared::types::Aes128Key`]
//! redacts itself, and the vault's `Debug` lists labels only. The wrap itself is
//! `shared::crypto::keywrap` (checked against RFC 3394 §4.1 and OpenSSL there).

use serde::{Deserialize, Serialize};
use shared::crypto::{KeyWrapError, unwrap_key, wrap_key};
use shared::types::{Aes128Key, AppKey, NwkKey};
use std::collections::BTreeMap;
use std::fmt;

/// Why a key could not be wrapped or unwrapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KekError {
    /// No KEK is configured under this label.
    #[error("no KEK with label {0:?}")]
    UnknownLabel(String),
    /// The wrapped key failed RFC 3394's integrity check: wrong KEK or altered bytes.
    #[error("key unwrap failed under KEK {0:?}")]
    Unwrap(String),
}

/// An AES-128 key wrapped under the KEK named `kek_label` (RFC 3394: 24 bytes).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedKey {
    /// The label of the KEK that wraps this key.
    pub kek_label: String,
    /// The RFC 3394 ciphertext, hex in serialized form.
    #[serde(with = "hex_24")]
    pub wrapped: [u8; 24],
}

impl fmt::Debug for WrappedKey {
    // The ciphertext is not secret, but it is noise in a log line: show the label only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WrappedKey(kek={:?})", self.kek_label)
    }
}

/// A device's root keys, unwrapped, for one join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootKeys {
    /// AppKey: the only root key of a 1.0.x device; derives AppSKey in 1.1.
    pub app_key: AppKey,
    /// NwkKey (1.1 only): join MICs, JSIntKey/JSEncKey and the network session keys.
    pub nwk_key: Option<NwkKey>,
}

/// A device's root keys as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedRootKeys {
    /// AppKey, wrapped.
    pub app_key: WrappedKey,
    /// NwkKey, wrapped (1.1 devices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nwk_key: Option<WrappedKey>,
}

/// KEKs by label, as read from configuration (`[join.key_vault.keks] label = "hex"`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct KeyVaultConfig {
    /// Label → 128-bit KEK in hex.
    pub keks: BTreeMap<String, Aes128Key>,
}

/// Key-encryption keys by label.
#[derive(Clone, Default)]
pub struct KeyVault {
    keks: BTreeMap<String, Aes128Key>,
}

impl fmt::Debug for KeyVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyVault")
            .field("labels", &self.keks.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl KeyVault {
    /// A vault holding the configured KEKs.
    pub fn from_config(config: &KeyVaultConfig) -> Self {
        Self {
            keks: config.keks.clone(),
        }
    }

    /// Adds or replaces the KEK under `label`.
    pub fn insert(&mut self, label: impl Into<String>, kek: Aes128Key) {
        self.keks.insert(label.into(), kek);
    }

    /// The configured labels, sorted.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.keks.keys().map(String::as_str)
    }

    fn kek(&self, label: &str) -> Result<&Aes128Key, KekError> {
        self.keks
            .get(label)
            .ok_or_else(|| KekError::UnknownLabel(label.to_owned()))
    }

    /// Wraps `key` under the KEK named `label`.
    pub fn wrap(&self, label: &str, key: &Aes128Key) -> Result<WrappedKey, KekError> {
        Ok(WrappedKey {
            kek_label: label.to_owned(),
            wrapped: wrap_key(self.kek(label)?, key),
        })
    }

    /// Unwraps a stored key with the KEK its label names.
    pub fn unwrap(&self, key: &WrappedKey) -> Result<Aes128Key, KekError> {
        unwrap_key(self.kek(&key.kek_label)?, &key.wrapped).map_err(|e| match e {
            KeyWrapError::IntegrityCheck => KekError::Unwrap(key.kek_label.clone()),
            // 24 bytes in, 16 out: the lengths are fixed by the types.
            _ => KekError::Unwrap(key.kek_label.clone()),
        })
    }

    /// Wraps both root keys under the KEK named `label`.
    pub fn wrap_root_keys(
        &self,
        label: &str,
        keys: &RootKeys,
    ) -> Result<WrappedRootKeys, KekError> {
        Ok(WrappedRootKeys {
            app_key: self.wrap(label, &keys.app_key)?,
            nwk_key: keys.nwk_key.map(|k| self.wrap(label, &k)).transpose()?,
        })
    }

    /// Unwraps stored root keys.
    pub fn unwrap_root_keys(&self, keys: &WrappedRootKeys) -> Result<RootKeys, KekError> {
        Ok(RootKeys {
            app_key: self.unwrap(&keys.app_key)?,
            nwk_key: keys.nwk_key.as_ref().map(|k| self.unwrap(k)).transpose()?,
        })
    }
}

/// Hex text for the 24 wrapped bytes.
mod hex_24 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(b: &[u8; 24], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode_upper(b))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 24], D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let mut out = [0u8; 24];
        hex::decode_to_slice(s.as_ref(), &mut out).map_err(D::Error::custom)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEK_HEX: &str = "000102030405060708090A0B0C0D0E0F";
    const KEY_HEX: &str = "00112233445566778899AABBCCDDEEFF";

    fn vault() -> KeyVault {
        let cfg: KeyVaultConfig =
            toml::from_str(&format!("[keks]\n\"js:root\" = \"{KEK_HEX}\"\n")).unwrap();
        KeyVault::from_config(&cfg)
    }

    #[test]
    fn wraps_with_rfc3394_and_round_trips() {
        let v = vault();
        let key: Aes128Key = KEY_HEX.parse().unwrap();
        let w = v.wrap("js:root", &key).unwrap();
        // RFC 3394 §4.1: the same KEK and key data.
        assert_eq!(
            hex::encode_upper(w.wrapped),
            "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"
        );
        assert_eq!(v.unwrap(&w), Ok(key));
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<WrappedKey>(&json).unwrap(), w);
    }

    #[test]
    fn errors_by_table() {
        let v = vault();
        let key = Aes128Key::from_bytes([7; 16]);
        let good = v.wrap("js:root", &key).unwrap();
        let mut tampered = good.clone();
        tampered.wrapped[5] ^= 1;
        let mut relabeled = good.clone();
        relabeled.kek_label = "other".into();
        let cases = [
            (
                "unknown label on wrap",
                v.wrap("nope", &key).map(|_| key),
                KekError::UnknownLabel("nope".into()),
            ),
            (
                "unknown label on unwrap",
                v.unwrap(&relabeled),
                KekError::UnknownLabel("other".into()),
            ),
            (
                "tampered",
                v.unwrap(&tampered),
                KekError::Unwrap("js:root".into()),
            ),
        ];
        for (name, got, want) in cases {
            assert_eq!(got, Err(want), "{name}");
        }
    }

    #[test]
    fn root_keys_round_trip() {
        let v = vault();
        let keys = RootKeys {
            app_key: Aes128Key::from_bytes([1; 16]),
            nwk_key: Some(Aes128Key::from_bytes([2; 16])),
        };
        let w = v.wrap_root_keys("js:root", &keys).unwrap();
        assert_eq!(v.unwrap_root_keys(&w), Ok(keys));
        let one = RootKeys {
            nwk_key: None,
            ..keys
        };
        let w = v.wrap_root_keys("js:root", &one).unwrap();
        assert_eq!(w.nwk_key, None);
        assert_eq!(v.unwrap_root_keys(&w), Ok(one));
    }

    /// Nothing that holds a key or a KEK prints its bytes.
    #[test]
    fn debug_never_shows_key_material() {
        let v = vault();
        let key: Aes128Key = KEY_HEX.parse().unwrap();
        let keys = RootKeys {
            app_key: key,
            nwk_key: Some(key),
        };
        let wrapped = v.wrap_root_keys("js:root", &keys).unwrap();
        let cfg: KeyVaultConfig =
            toml::from_str(&format!("[keks]\nlabel = \"{KEK_HEX}\"\n")).unwrap();
        let text = format!("{v:?} {keys:?} {wrapped:?} {cfg:?} {key} {key:?}");
        for secret in [KEK_HEX, KEY_HEX, "1FA68B0A"] {
            assert!(
                !text.to_uppercase().contains(secret),
                "{secret} leaked in {text}"
            );
        }
        assert!(text.contains("js:root"), "labels stay visible: {text}");
    }
}
