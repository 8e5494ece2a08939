//! Records of the plane-to-plane watch (`shared::api`) turned into what the cores hold: a
//! [`Session`] with its keys prepared, a [`GatewayRecord`]. Every field is checked; a record that
//! does not convert is refused with the reason and counted by the caller, never half-applied.

use crate::gateway::registry::GatewayRecord;
use crate::network::{LorawanVersion, Session, SessionKeys};
use shared::api;
use shared::region::RegionId;
use shared::types::{Aes128Key, DevAddr, DevEui, Eui64};

/// Why a pushed record could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// A required field is absent.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A field has the wrong length or an unknown value.
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// A key arrived wrapped with a KEK this node does not hold.
    #[error("key {0} is wrapped with a KEK this node does not hold")]
    Wrapped(&'static str),
}

fn array<const N: usize>(bytes: &[u8], field: &'static str) -> Result<[u8; N], ConvertError> {
    bytes.try_into().map_err(|_| ConvertError::Invalid(field))
}

fn key(
    env: Option<&api::KeyEnvelope>,
    field: &'static str,
) -> Result<Option<Aes128Key>, ConvertError> {
    let Some(env) = env else { return Ok(None) };
    if !env.kek_label.is_empty() {
        return Err(ConvertError::Wrapped(field));
    }
    Ok(Some(Aes128Key::from_bytes(array(&env.key, field)?)))
}

fn required(
    env: Option<&api::KeyEnvelope>,
    field: &'static str,
) -> Result<Aes128Key, ConvertError> {
    key(env, field)?.ok_or(ConvertError::Missing(field))
}

/// The device a watch record names, as `(application id, device id)`.
pub fn device_ref(d: Option<&api::DeviceRef>) -> Result<(String, String), ConvertError> {
    let d = d.ok_or(ConvertError::Missing("device"))?;
    if d.application_id.is_empty() || d.device_id.is_empty() {
        return Err(ConvertError::Missing("device id"));
    }
    Ok((d.application_id.clone(), d.device_id.clone()))
}

/// The DevAddr of a pushed session.
pub fn dev_addr(s: &api::Session) -> Result<DevAddr, ConvertError> {
    Ok(DevAddr::from_be_bytes(array(&s.dev_addr, "dev_addr")?))
}

/// The core-side session for a pushed one.
pub fn session(s: &api::Session) -> Result<Session, ConvertError> {
    let (application_id, device_id) = device_ref(s.device.as_ref())?;
    let region: RegionId = s
        .region
        .parse()
        .map_err(|_| ConvertError::Invalid("region"))?;
    let app_s = key(s.app_s_key.as_ref(), "app_s_key")?;
    let version = api::MacVersion::try_from(s.mac_version)
        .map_err(|_| ConvertError::Invalid("mac_version"))?;
    let (version, keys) = match version {
        api::MacVersion::Unspecified => return Err(ConvertError::Missing("mac_version")),
        api::MacVersion::MacVersion11 => (
            LorawanVersion::V1_1,
            SessionKeys::v1_1(
                &required(s.f_nwk_s_int_key.as_ref(), "f_nwk_s_int_key")?,
                &required(s.s_nwk_s_int_key.as_ref(), "s_nwk_s_int_key")?,
                &required(s.nwk_s_enc_key.as_ref(), "nwk_s_enc_key")?,
                app_s.as_ref(),
            ),
        ),
        _ => (
            LorawanVersion::V1_0,
            SessionKeys::v1_0(
                &required(s.f_nwk_s_int_key.as_ref(), "f_nwk_s_int_key")?,
                app_s.as_ref(),
            ),
        ),
    };
    let mut out = Session::new(
        dev_addr(s)?,
        application_id,
        device_id,
        version,
        keys,
        region,
    )
    .with_fcnt_up(s.last_fcnt_up);
    out.n_fcnt_down = s.n_fcnt_down;
    out.a_fcnt_down = s.a_fcnt_down;
    if !s.dev_eui.is_empty() {
        out = out.with_dev_eui(DevEui::from_be_bytes(array(&s.dev_eui, "dev_eui")?));
    }
    Ok(out)
}

/// The gateway EUI of a pushed gateway or gateway deletion.
pub fn gateway_eui(bytes: &[u8]) -> Result<Eui64, ConvertError> {
    Ok(Eui64::from_be_bytes(array(bytes, "gateway eui")?))
}

/// The registry record for a pushed gateway.
pub fn gateway(g: &api::Gateway) -> Result<GatewayRecord, ConvertError> {
    let region = if g.region.is_empty() {
        None
    } else {
        g.region
            .parse::<RegionId>()
            .map_err(|_| ConvertError::Invalid("gateway region"))?;
        Some(g.region.clone())
    };
    Ok(GatewayRecord {
        eui: gateway_eui(&g.eui)?,
        id: g.gateway_id.clone(),
        region,
        auth_token_hash: (!g.auth_token_hash.is_empty()).then(|| g.auth_token_hash.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(b: u8) -> Option<api::KeyEnvelope> {
        Some(api::KeyEnvelope {
            key: vec![b; 16],
            kek_label: String::new(),
        })
    }

    pub(crate) fn session_1_0(app: &str, dev: &str, addr: u32) -> api::Session {
        api::Session {
            device: Some(api::DeviceRef {
                application_id: app.into(),
                device_id: dev.into(),
            }),
            dev_addr: addr.to_be_bytes().to_vec(),
            mac_version: api::MacVersion::MacVersion104 as i32,
            region: "EU868".into(),
            f_nwk_s_int_key: env(1),
            app_s_key: env(2),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_session_converts() {
        let mut p = session_1_0("app", "dev", 0x2601_0001);
        p.last_fcnt_up = Some(7);
        p.n_fcnt_down = 3;
        p.dev_eui = vec![0x70, 0xb3, 0xd5, 0x7e, 0xd0, 0, 0, 1];
        let s = session(&p).unwrap();
        assert_eq!(s.dev_addr, DevAddr::from_u32(0x2601_0001));
        assert_eq!((s.fcnt_up, s.n_fcnt_down), (Some(7), 3));
        assert_eq!(s.version, LorawanVersion::V1_0);
        assert!(s.keys.app_s.is_some());
        assert_eq!(
            s.dev_eui.map(|e| e.to_string()),
            Some("70B3D57ED0000001".into())
        );
    }

    #[test]
    fn bad_sessions_are_refused_by_table() {
        type Edit = fn(&mut api::Session);
        let cases: [(&str, Edit, ConvertError); 7] = [
            (
                "no device",
                |s| s.device = None,
                ConvertError::Missing("device"),
            ),
            (
                "short DevAddr",
                |s| s.dev_addr.pop().map(drop).unwrap_or(()),
                ConvertError::Invalid("dev_addr"),
            ),
            (
                "unknown region",
                |s| s.region = "XX123".into(),
                ConvertError::Invalid("region"),
            ),
            (
                "no version",
                |s| s.mac_version = 0,
                ConvertError::Missing("mac_version"),
            ),
            (
                "bad version",
                |s| s.mac_version = 99,
                ConvertError::Invalid("mac_version"),
            ),
            (
                "no NwkSKey",
                |s| s.f_nwk_s_int_key = None,
                ConvertError::Missing("f_nwk_s_int_key"),
            ),
            (
                "wrapped key",
                |s| {
                    s.f_nwk_s_int_key = Some(api::KeyEnvelope {
                        key: vec![0; 24],
                        kek_label: "k1".into(),
                    })
                },
                ConvertError::Wrapped("f_nwk_s_int_key"),
            ),
        ];
        for (name, edit, want) in cases {
            let mut p = session_1_0("app", "dev", 1);
            edit(&mut p);
            assert_eq!(session(&p).err(), Some(want), "{name}");
        }
        let mut p = session_1_0("app", "dev", 1);
        p.mac_version = api::MacVersion::MacVersion11 as i32;
        assert_eq!(
            session(&p).err(),
            Some(ConvertError::Missing("s_nwk_s_int_key")),
            "1.1 needs three keys"
        );
    }

    #[test]
    fn gateways_convert_and_bad_ones_are_refused() {
        let g = api::Gateway {
            eui: vec![0xb8, 0x27, 0xeb, 0xff, 0xfe, 0x61, 0x51, 0xab],
            gateway_id: "gw-1".into(),
            region: "US915".into(),
            ..Default::default()
        };
        let r = gateway(&g).unwrap();
        assert_eq!(
            (r.id.as_str(), r.region.as_deref()),
            ("gw-1", Some("US915"))
        );
        let bad_eui = api::Gateway {
            eui: vec![1, 2, 3],
            ..g.clone()
        };
        assert_eq!(
            gateway(&bad_eui).err(),
            Some(ConvertError::Invalid("gateway eui"))
        );
        let bad_region = api::Gateway {
            region: "nowhere".into(),
            ..g
        };
        assert_eq!(
            gateway(&bad_region).err(),
            Some(ConvertError::Invalid("gateway region"))
        );
    }
}
