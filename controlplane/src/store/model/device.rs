//! End devices (TTS `EndDevice`): identifiers, LoRaWAN versions, class, attributes, and keys
//! at rest — OTAA root keys, or an ABP / joined session — always as wrapped bytes with the label
//! of the key-encryption key (RFC 3394 AES key wrap, `shared::crypto::keywrap`).

use super::{check_attributes, check_text};
use crate::store::error::StoreError;
use crate::store::id::{ApplicationId, DeviceId};
use serde::{Deserialize, Serialize};
use shared::types::{DevAddr, DevEui, JoinEui};
use std::collections::BTreeMap;

/// An end device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndDevice {
    /// The owning application.
    pub application_id: ApplicationId,
    /// Id within the application.
    pub device_id: DeviceId,
    /// Display name.
    pub name: String,
    /// DevEUI; unique per JoinEUI across the network.
    pub dev_eui: DevEui,
    /// JoinEUI (AppEUI in 1.0.x).
    pub join_eui: JoinEui,
    /// LoRaWAN MAC version.
    pub mac_version: MacVersion,
    /// Regional Parameters version.
    pub phy_version: PhyVersion,
    /// Frequency plan id (`EU_863_870_TTN`, ...).
    pub frequency_plan_id: String,
    /// Device class.
    pub class: DeviceClass,
    /// Free key-value attributes.
    pub attributes: BTreeMap<String, String>,
    /// OTAA root keys; `None` for ABP-only devices.
    pub root_keys: Option<RootKeys>,
    /// The current session (ABP, or the last join); `None` before an OTAA join.
    pub session: Option<Session>,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

/// LoRaWAN MAC (L2) version, named as in TTS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum MacVersion {
    #[serde(rename = "MAC_V1_0")]
    V1_0,
    #[serde(rename = "MAC_V1_0_1")]
    V1_0_1,
    #[serde(rename = "MAC_V1_0_2")]
    V1_0_2,
    #[serde(rename = "MAC_V1_0_3")]
    V1_0_3,
    #[serde(rename = "MAC_V1_0_4")]
    V1_0_4,
    #[serde(rename = "MAC_V1_1")]
    V1_1,
}

impl MacVersion {
    /// 1.1 devices have a separate NwkKey and three network session keys.
    pub fn is_1_1(self) -> bool {
        matches!(self, Self::V1_1)
    }
}

/// Regional Parameters version, named as in TTS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum PhyVersion {
    #[serde(rename = "TS001_V1_0_1")]
    Ts001V1_0_1,
    #[serde(rename = "RP001_V1_0_2_REV_B")]
    Rp001V1_0_2RevB,
    #[serde(rename = "RP001_V1_0_3_REV_A")]
    Rp001V1_0_3RevA,
    #[serde(rename = "RP001_V1_1_REV_B")]
    Rp001V1_1RevB,
    #[serde(rename = "RP002_V1_0_3")]
    Rp002V1_0_3,
    #[serde(rename = "RP002_V1_0_4")]
    Rp002V1_0_4,
}

/// LoRaWAN device class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum DeviceClass {
    A,
    B,
    C,
}

/// A key at rest: wrapped with the KEK named by `kek_label` (24 bytes for an AES-128 key), or
/// plain 16 bytes when `kek_label` is empty (development set-ups only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedKey {
    /// Label of the key-encryption key; empty: not wrapped.
    pub kek_label: String,
    /// Wrapped (24 B) or plain (16 B) key bytes.
    #[serde(with = "hex_bytes")]
    pub key: Vec<u8>,
}

impl WrappedKey {
    fn validate(&self, field: &'static str) -> Result<(), StoreError> {
        let want = if self.kek_label.is_empty() { 16 } else { 24 };
        if self.key.len() != want {
            return Err(StoreError::invalid(
                field,
                format!("{} key bytes, want {want}", self.key.len()),
            ));
        }
        check_text(field, &self.kek_label)
    }
}

/// OTAA root keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootKeys {
    /// AppKey.
    pub app_key: WrappedKey,
    /// NwkKey (LoRaWAN 1.1 only).
    pub nwk_key: Option<WrappedKey>,
}

/// A session: DevAddr, session keys (wrapped) and frame counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Device address.
    pub dev_addr: DevAddr,
    /// FNwkSIntKey (NwkSKey in 1.0.x).
    pub f_nwk_s_int_key: WrappedKey,
    /// SNwkSIntKey (1.1 only).
    pub s_nwk_s_int_key: Option<WrappedKey>,
    /// NwkSEncKey (1.1 only).
    pub nwk_s_enc_key: Option<WrappedKey>,
    /// AppSKey.
    pub app_s_key: WrappedKey,
    /// Last uplink frame counter (32-bit).
    pub f_cnt_up: u32,
    /// Next network downlink frame counter.
    pub n_f_cnt_down: u32,
    /// Next application downlink frame counter (1.1).
    pub a_f_cnt_down: u32,
}

impl EndDevice {
    /// Checks fields the types do not: texts, attributes, key sizes, 1.1 key presence.
    pub fn validate(&self) -> Result<(), StoreError> {
        check_text("name", &self.name)?;
        check_text("frequency_plan_id", &self.frequency_plan_id)?;
        if self.frequency_plan_id.is_empty() {
            return Err(StoreError::invalid("frequency_plan_id", "empty"));
        }
        check_attributes(&self.attributes)?;
        if self.root_keys.is_none() && self.session.is_none() {
            return Err(StoreError::invalid(
                "root_keys",
                "OTAA root keys or an ABP session needed",
            ));
        }
        if let Some(rk) = &self.root_keys {
            rk.app_key.validate("root_keys.app_key")?;
            match (&rk.nwk_key, self.mac_version.is_1_1()) {
                (Some(k), true) => k.validate("root_keys.nwk_key")?,
                (None, true) => {
                    return Err(StoreError::invalid("root_keys.nwk_key", "1.1 needs NwkKey"));
                }
                (Some(_), false) => {
                    return Err(StoreError::invalid(
                        "root_keys.nwk_key",
                        "1.0.x has no NwkKey",
                    ));
                }
                (None, false) => {}
            }
        }
        if let Some(s) = &self.session {
            s.f_nwk_s_int_key.validate("session.f_nwk_s_int_key")?;
            s.app_s_key.validate("session.app_s_key")?;
            for (k, f) in [
                (&s.s_nwk_s_int_key, "session.s_nwk_s_int_key"),
                (&s.nwk_s_enc_key, "session.nwk_s_enc_key"),
            ] {
                match (k, self.mac_version.is_1_1()) {
                    (Some(k), true) => k.validate(f)?,
                    (None, false) => {}
                    _ => return Err(StoreError::invalid(f, "present exactly for LoRaWAN 1.1")),
                }
            }
        }
        Ok(())
    }
}

/// Serde for byte strings as lowercase hex (readable in JSON, half the size of a number array).
pub(crate) mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        hex::decode(s.as_ref()).map_err(serde::de::Error::custom)
    }
}
