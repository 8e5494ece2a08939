//! Device sessions from a TOML file of `[[sessions]]` records, in the shape the control plane's
//! watch will push: ABP sessions with their keys, for running the stack before the control plane
//! exists. Each core keeps only the sessions it owns.

use crate::network::{LorawanVersion, Session, SessionKeys};
use serde::Deserialize;
use shared::region::RegionId;
use shared::types::{Aes128Key, DevAddr, DevEui};

/// One device session record.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRecord {
    /// Application id.
    pub application_id: String,
    /// Device id within the application.
    pub device_id: String,
    /// DevEUI, when known.
    #[serde(default)]
    pub dev_eui: Option<DevEui>,
    /// Session device address.
    pub dev_addr: DevAddr,
    /// `"1.0"` (1.0.0–1.0.4) or `"1.1"`.
    pub lorawan_version: String,
    /// Region id (`EU868`, `US915`, …).
    pub region: String,
    /// 1.0: NwkSKey.
    #[serde(default)]
    pub nwk_s_key: Option<Aes128Key>,
    /// 1.1: FNwkSIntKey.
    #[serde(default)]
    pub f_nwk_s_int_key: Option<Aes128Key>,
    /// 1.1: SNwkSIntKey.
    #[serde(default)]
    pub s_nwk_s_int_key: Option<Aes128Key>,
    /// 1.1: NwkSEncKey.
    #[serde(default)]
    pub nwk_s_enc_key: Option<Aes128Key>,
    /// AppSKey, when this deployment decrypts payloads.
    #[serde(default)]
    pub app_s_key: Option<Aes128Key>,
    /// Last accepted FCntUp.
    #[serde(default)]
    pub fcnt_up: Option<u32>,
    /// Device class, `"A"` (default), `"B"` or `"C"`.
    #[serde(default)]
    pub device_class: Option<String>,
}

/// Why a session file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionFileError {
    /// Not valid TOML of the expected shape.
    #[error("session file: {0}")]
    Parse(#[from] toml::de::Error),
    /// Two records name the same device (DevEUI, or application and device id).
    #[error("device {0} is listed twice")]
    Duplicate(String),
    /// A record is inconsistent.
    #[error("session {device_id}: {reason}")]
    Invalid {
        /// The record's device id.
        device_id: String,
        /// What is wrong.
        reason: &'static str,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    sessions: Vec<SessionRecord>,
}

impl SessionRecord {
    /// The network core's session for this record.
    pub fn to_session(&self) -> Result<Session, SessionFileError> {
        let invalid = |reason| SessionFileError::Invalid {
            device_id: self.device_id.clone(),
            reason,
        };
        let region: RegionId = self.region.parse().map_err(|_| invalid("unknown region"))?;
        let (version, keys) = match self.lorawan_version.as_str() {
            "1.0" | "1.0.0" | "1.0.1" | "1.0.2" | "1.0.3" | "1.0.4" => {
                let k = self
                    .nwk_s_key
                    .as_ref()
                    .ok_or_else(|| invalid("1.0 needs nwk_s_key"))?;
                (
                    LorawanVersion::V1_0,
                    SessionKeys::v1_0(k, self.app_s_key.as_ref()),
                )
            }
            "1.1" | "1.1.0" => {
                let (Some(f), Some(s), Some(e)) = (
                    &self.f_nwk_s_int_key,
                    &self.s_nwk_s_int_key,
                    &self.nwk_s_enc_key,
                ) else {
                    return Err(invalid(
                        "1.1 needs f_nwk_s_int_key, s_nwk_s_int_key and nwk_s_enc_key",
                    ));
                };
                (
                    LorawanVersion::V1_1,
                    SessionKeys::v1_1(f, s, e, self.app_s_key.as_ref()),
                )
            }
            _ => return Err(invalid("lorawan_version must be 1.0.x or 1.1")),
        };
        let mut s = Session::new(
            self.dev_addr,
            &self.application_id,
            &self.device_id,
            version,
            keys,
            region,
        )
        .with_fcnt_up(self.fcnt_up);
        s.class = crate::sync::convert::device_class(self.device_class.as_deref().unwrap_or(""))
            .map_err(|_| invalid("device_class must be A, B or C"))?;
        if let Some(eui) = self.dev_eui {
            s = s.with_dev_eui(eui);
        }
        Ok(s)
    }
}

/// Parses the session file's records.
pub fn parse(text: &str) -> Result<Vec<SessionRecord>, SessionFileError> {
    let f: File = toml::from_str(text)?;
    validate(&f.sessions)?;
    Ok(f.sessions)
}

/// Checks every record and that no device appears twice: sessions of one device on two cores
/// would both stay active, so a duplicate is refused before anything starts.
pub fn validate(records: &[SessionRecord]) -> Result<(), SessionFileError> {
    let mut euis = std::collections::HashSet::new();
    let mut ids = std::collections::HashSet::new();
    for r in records {
        r.to_session()?;
        if r.dev_eui.is_some_and(|e| !euis.insert(e))
            || !ids.insert((&r.application_id, &r.device_id))
        {
            return Err(SessionFileError::Duplicate(format!(
                "{}/{}",
                r.application_id, r.device_id
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_and_bad_records() {
        let recs = parse(include_str!("../../../deploy/config/sessions.toml")).unwrap();
        assert!(!recs.is_empty());
        let s = recs[0].to_session().unwrap();
        assert_eq!(s.region, RegionId::Eu868);
        let bad = [
            ("no key", "lorawan_version = \"1.0.3\""),
            (
                "1.1 without keys",
                "lorawan_version = \"1.1\"\nnwk_s_key = \"00000000000000000000000000000001\"",
            ),
            (
                "bad version",
                "lorawan_version = \"2.0\"\nnwk_s_key = \"00000000000000000000000000000001\"",
            ),
        ];
        for (name, extra) in bad {
            let t = format!(
                "[[sessions]]\napplication_id = \"a\"\ndevice_id = \"d\"\ndev_addr = \"26011BDA\"\nregion = \"EU868\"\n{extra}\n"
            );
            assert!(
                matches!(parse(&t), Err(SessionFileError::Invalid { .. })),
                "{name}"
            );
        }
        assert!(parse("[[sessions]]\napplication_id = 1\n").is_err());
        let rec = "[[sessions]]\napplication_id = \"a\"\ndevice_id = \"DEV\"\ndev_eui = \"EUI\"\ndev_addr = \"26011BDA\"\nregion = \"EU868\"\nlorawan_version = \"1.0.3\"\nnwk_s_key = \"00000000000000000000000000000001\"\n";
        let two = |d1: &str, e1: &str, d2: &str, e2: &str| {
            rec.replace("DEV", d1).replace("EUI", e1) + &rec.replace("DEV", d2).replace("EUI", e2)
        };
        assert!(parse(&two("d1", "0000000000000001", "d2", "0000000000000002")).is_ok());
        assert!(matches!(
            parse(&two("d1", "0000000000000001", "d2", "0000000000000001")),
            Err(SessionFileError::Duplicate(_))
        ));
        assert!(matches!(
            parse(&two("d1", "0000000000000001", "d1", "0000000000000002")),
            Err(SessionFileError::Duplicate(_))
        ));
    }
}
