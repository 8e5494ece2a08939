//! Store records as the plane-to-plane API carries them (`shared::api`): a gateway with the
//! region of its frequency plan, a device's session with its keys unwrapped from the KEK they
//! are stored under. Keys leave in clear on this link (TTS does the same towards its NS when no
//! KEK is shared): operators run it over TLS or a private network.

use crate::join::{JoinServer, KeyVault, WrappedKey as KekWrappedKey};
use crate::store::model::{self, EndDevice, Gateway};
use shared::api;
use shared::types::Aes128Key;

/// Why a record could not be pushed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// A stored key could not be unwrapped (unknown KEK label, altered bytes, bad length).
    #[error("{field}: {reason}")]
    Key {
        /// Which key.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// Unwraps a stored key: plain when it has no KEK label, else through the vault.
pub fn unwrap_key(
    vault: &KeyVault,
    k: &model::WrappedKey,
    field: &'static str,
) -> Result<Aes128Key, RecordError> {
    let err = |reason: String| RecordError::Key { field, reason };
    if k.kek_label.is_empty() {
        let b: [u8; 16] = k
            .key
            .as_slice()
            .try_into()
            .map_err(|_| err("not 16 bytes".into()))?;
        return Ok(Aes128Key::from_bytes(b));
    }
    let wrapped: [u8; 24] = k
        .key
        .as_slice()
        .try_into()
        .map_err(|_| err("not 24 bytes".into()))?;
    vault
        .unwrap(&KekWrappedKey {
            kek_label: k.kek_label.clone(),
            wrapped,
        })
        .map_err(|e| err(e.to_string()))
}

/// Wraps a key for storage under `label` (plain when `label` is empty).
pub fn wrap_key(
    vault: &KeyVault,
    key: &Aes128Key,
    label: &str,
) -> Result<model::WrappedKey, RecordError> {
    if label.is_empty() {
        return Ok(model::WrappedKey {
            kek_label: String::new(),
            key: key.to_bytes().to_vec(),
        });
    }
    let w = vault.wrap(label, key).map_err(|e| RecordError::Key {
        field: "kek",
        reason: e.to_string(),
    })?;
    Ok(model::WrappedKey {
        kek_label: w.kek_label,
        key: w.wrapped.to_vec(),
    })
}

fn envelope(key: Aes128Key) -> Option<api::KeyEnvelope> {
    Some(api::KeyEnvelope {
        key: key.to_bytes().to_vec(),
        kek_label: String::new(),
    })
}

/// The API's version enum for a stored one.
pub fn mac_version(v: model::MacVersion) -> api::MacVersion {
    use model::MacVersion as M;
    match v {
        M::V1_0 => api::MacVersion::MacVersion10,
        M::V1_0_1 => api::MacVersion::MacVersion101,
        M::V1_0_2 => api::MacVersion::MacVersion102,
        M::V1_0_3 => api::MacVersion::MacVersion103,
        M::V1_0_4 => api::MacVersion::MacVersion104,
        M::V1_1 => api::MacVersion::MacVersion11,
    }
}

/// The region id (`EU868`) of a frequency plan id, if the Join Server knows the plan.
pub fn region_of(js: &JoinServer, frequency_plan_id: &str) -> Option<String> {
    js.frequency_plan(frequency_plan_id)
        .ok()
        .map(|p| p.region.to_string())
}

/// The pushed form of a gateway; `None` when it has no EUI (nothing to serve yet).
pub fn gateway(js: &JoinServer, g: &Gateway) -> Option<api::Gateway> {
    let eui = g.eui?;
    Some(api::Gateway {
        eui: eui.to_be_bytes().to_vec(),
        gateway_id: g.gateway_id.as_str().to_owned(),
        region: region_of(js, &g.frequency_plan_id).unwrap_or_default(),
        frequency_plan_id: g.frequency_plan_id.clone(),
        downlink_enabled: true,
        auth_token_hash: g.auth_token_hash.clone().unwrap_or_default(),
    })
}

/// The pushed session of a device; `Ok(None)` when it has none (an OTAA device before its
/// first join).
pub fn session(
    js: &JoinServer,
    vault: &KeyVault,
    d: &EndDevice,
) -> Result<Option<api::Session>, RecordError> {
    let Some(s) = &d.session else { return Ok(None) };
    let opt =
        |k: &Option<model::WrappedKey>, f| k.as_ref().map(|k| unwrap_key(vault, k, f)).transpose();
    Ok(Some(api::Session {
        device: Some(api::DeviceRef {
            application_id: d.application_id.as_str().to_owned(),
            device_id: d.device_id.as_str().to_owned(),
        }),
        dev_eui: d.dev_eui.to_be_bytes().to_vec(),
        dev_addr: s.dev_addr.to_be_bytes().to_vec(),
        mac_version: mac_version(d.mac_version) as i32,
        region: region_of(js, &d.frequency_plan_id).unwrap_or_default(),
        f_nwk_s_int_key: envelope(unwrap_key(vault, &s.f_nwk_s_int_key, "f_nwk_s_int_key")?),
        s_nwk_s_int_key: opt(&s.s_nwk_s_int_key, "s_nwk_s_int_key")?.and_then(envelope),
        nwk_s_enc_key: opt(&s.nwk_s_enc_key, "nwk_s_enc_key")?.and_then(envelope),
        app_s_key: envelope(unwrap_key(vault, &s.app_s_key, "app_s_key")?),
        last_fcnt_up: (s.f_cnt_up > 0).then_some(s.f_cnt_up),
        n_fcnt_down: s.n_f_cnt_down,
        a_fcnt_down: s.a_f_cnt_down,
        rx1_delay_s: 1,
        device_class: format!("{:?}", d.class),
        ..Default::default()
    }))
}
