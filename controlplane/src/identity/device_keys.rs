//! Device keys in clear, as they cross the API, and their wrapping at rest: OTAA root keys
//! (AppKey, NwkKey) and ABP session keys are wrapped with the configured KEK through
//! [`KeyVault`](crate::join::KeyVault) (RFC 3394) before they reach the store, and unwrapped
//! only for a caller holding `RIGHT_APPLICATION_DEVICES_READ_KEYS` (TTS semantics).
//!
//! The clear types print `<redacted>` in `Debug`, so a key never reaches a log line.

use super::IdentityServer;
use super::error::{IdentityError, IdentityResult, Violations};
use crate::store::model::{RootKeys, Session, WrappedKey};
use serde::{Deserialize, Serialize};
use shared::types::{Aes128Key, DevAddr};
use std::fmt;

/// OTAA root keys in clear (hex), as sent on create and returned by the keys read.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClearRootKeys {
    /// AppKey, 32 hex digits.
    pub app_key: String,
    /// NwkKey (LoRaWAN 1.1 only), 32 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nwk_key: Option<String>,
}

impl fmt::Debug for ClearRootKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClearRootKeys(<redacted>)")
    }
}

/// An ABP session in clear: DevAddr, session keys (hex) and frame counters.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClearSession {
    /// DevAddr, 8 hex digits.
    pub dev_addr: String,
    /// FNwkSIntKey (NwkSKey in 1.0.x).
    pub f_nwk_s_int_key: String,
    /// SNwkSIntKey (1.1 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s_nwk_s_int_key: Option<String>,
    /// NwkSEncKey (1.1 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nwk_s_enc_key: Option<String>,
    /// AppSKey.
    pub app_s_key: String,
    /// Last uplink frame counter.
    #[serde(default)]
    pub f_cnt_up: u32,
    /// Next network downlink frame counter.
    #[serde(default)]
    pub n_f_cnt_down: u32,
    /// Next application downlink frame counter (1.1).
    #[serde(default)]
    pub a_f_cnt_down: u32,
}

impl fmt::Debug for ClearSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ClearSession(dev_addr={}, keys=<redacted>)",
            self.dev_addr
        )
    }
}

/// A device's keys in clear, for callers with `RIGHT_APPLICATION_DEVICES_READ_KEYS`.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct DeviceKeysView {
    /// OTAA root keys.
    pub root_keys: Option<ClearRootKeys>,
    /// Current session with its keys.
    pub session: Option<ClearSession>,
}

impl fmt::Debug for DeviceKeysView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceKeysView(<redacted>)")
    }
}

fn parse_key(v: &mut Violations, field: &str, hex: &str) -> Option<Aes128Key> {
    v.check(
        field,
        hex.parse::<Aes128Key>().map_err(|_| "want 32 hex digits"),
    )
}

impl IdentityServer {
    fn wrap(&self, key: &Aes128Key) -> IdentityResult<WrappedKey> {
        if self.kek_label.is_empty() {
            return Ok(WrappedKey {
                kek_label: String::new(),
                key: key.to_bytes().to_vec(),
            });
        }
        let w = self
            .vault
            .wrap(&self.kek_label, key)
            .map_err(|e| IdentityError::Internal(e.to_string()))?;
        Ok(WrappedKey {
            kek_label: w.kek_label,
            key: w.wrapped.to_vec(),
        })
    }

    fn unwrap_hex(&self, w: &WrappedKey) -> IdentityResult<String> {
        let bad =
            || IdentityError::Internal(format!("stored key under {:?} is malformed", w.kek_label));
        let key = if w.kek_label.is_empty() {
            Aes128Key::from_bytes(w.key.as_slice().try_into().map_err(|_| bad())?)
        } else {
            let wrapped = crate::join::WrappedKey {
                kek_label: w.kek_label.clone(),
                wrapped: w.key.as_slice().try_into().map_err(|_| bad())?,
            };
            self.vault
                .unwrap(&wrapped)
                .map_err(|e| IdentityError::Internal(e.to_string()))?
        };
        Ok(key.expose_hex())
    }

    /// Parses and wraps root keys; `is_1_1` decides whether NwkKey must be present.
    pub(crate) fn wrap_root_keys(
        &self,
        v: &mut Violations,
        keys: &ClearRootKeys,
        is_1_1: bool,
    ) -> IdentityResult<Option<RootKeys>> {
        let app = parse_key(v, "root_keys.app_key", &keys.app_key);
        let nwk = match (&keys.nwk_key, is_1_1) {
            (Some(k), true) => parse_key(v, "root_keys.nwk_key", k),
            (None, true) => {
                v.add("root_keys.nwk_key", "LoRaWAN 1.1 needs NwkKey");
                None
            }
            (Some(_), false) => {
                v.add("root_keys.nwk_key", "LoRaWAN 1.0.x has no NwkKey");
                None
            }
            (None, false) => None,
        };
        let Some(app) = app else { return Ok(None) };
        Ok(Some(RootKeys {
            app_key: self.wrap(&app)?,
            nwk_key: nwk.map(|k| self.wrap(&k)).transpose()?,
        }))
    }

    /// Parses and wraps an ABP session.
    pub(crate) fn wrap_session(
        &self,
        v: &mut Violations,
        s: &ClearSession,
        is_1_1: bool,
    ) -> IdentityResult<Option<Session>> {
        let dev_addr = v.check(
            "session.dev_addr",
            s.dev_addr
                .parse::<DevAddr>()
                .map_err(|_| "want 8 hex digits"),
        );
        let f = parse_key(v, "session.f_nwk_s_int_key", &s.f_nwk_s_int_key);
        let a = parse_key(v, "session.app_s_key", &s.app_s_key);
        let mut extra = |field: &str, k: &Option<String>| match (k, is_1_1) {
            (Some(k), true) => parse_key(v, field, k),
            (None, false) => None,
            _ => {
                v.add(field, "present exactly for LoRaWAN 1.1");
                None
            }
        };
        let sn = extra("session.s_nwk_s_int_key", &s.s_nwk_s_int_key);
        let ne = extra("session.nwk_s_enc_key", &s.nwk_s_enc_key);
        let (Some(dev_addr), Some(f), Some(a)) = (dev_addr, f, a) else {
            return Ok(None);
        };
        Ok(Some(Session {
            dev_addr,
            f_nwk_s_int_key: self.wrap(&f)?,
            s_nwk_s_int_key: sn.map(|k| self.wrap(&k)).transpose()?,
            nwk_s_enc_key: ne.map(|k| self.wrap(&k)).transpose()?,
            app_s_key: self.wrap(&a)?,
            f_cnt_up: s.f_cnt_up,
            n_f_cnt_down: s.n_f_cnt_down,
            a_f_cnt_down: s.a_f_cnt_down,
        }))
    }

    /// Unwraps a device's stored keys for the keys read.
    pub(crate) fn clear_keys(
        &self,
        root: Option<&RootKeys>,
        session: Option<&Session>,
    ) -> IdentityResult<DeviceKeysView> {
        let root_keys = root
            .map(|r| -> IdentityResult<_> {
                Ok(ClearRootKeys {
                    app_key: self.unwrap_hex(&r.app_key)?,
                    nwk_key: r.nwk_key.as_ref().map(|k| self.unwrap_hex(k)).transpose()?,
                })
            })
            .transpose()?;
        let session = session
            .map(|s| -> IdentityResult<_> {
                Ok(ClearSession {
                    dev_addr: s.dev_addr.to_string(),
                    f_nwk_s_int_key: self.unwrap_hex(&s.f_nwk_s_int_key)?,
                    s_nwk_s_int_key: s
                        .s_nwk_s_int_key
                        .as_ref()
                        .map(|k| self.unwrap_hex(k))
                        .transpose()?,
                    nwk_s_enc_key: s
                        .nwk_s_enc_key
                        .as_ref()
                        .map(|k| self.unwrap_hex(k))
                        .transpose()?,
                    app_s_key: self.unwrap_hex(&s.app_s_key)?,
                    f_cnt_up: s.f_cnt_up,
                    n_f_cnt_down: s.n_f_cnt_down,
                    a_f_cnt_down: s.a_f_cnt_down,
                })
            })
            .transpose()?;
        Ok(DeviceKeysView { root_keys, session })
    }
}
