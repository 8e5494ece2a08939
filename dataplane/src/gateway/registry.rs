//! The gateways this data plane serves. Their records come from the control plane's watch; until
//! that lands, from a TOML file of the same shape (`[[gateways]]` tables).

use serde::Deserialize;
use shared::types::Eui64;
use std::collections::HashMap;

/// A registered gateway as the control plane describes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayRecord {
    /// The gateway's EUI.
    pub eui: Eui64,
    /// Gateway id in the registry.
    #[serde(default)]
    pub id: String,
    /// Regional parameters id of its frequency plan (`EU868`, `US915`, …).
    #[serde(default)]
    pub region: Option<String>,
    /// Argon2 PHC hash of the token Basic Station gateways present (`None`: no token set, the
    /// traffic endpoint accepts the gateway without `Authorization`).
    #[serde(default)]
    pub auth_token_hash: Option<String>,
}

/// Why a gateway file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The file is not valid TOML of the expected shape.
    #[error("gateway file: {0}")]
    Parse(#[from] toml::de::Error),
    /// Two records share an EUI.
    #[error("gateway {0} is listed twice")]
    Duplicate(Eui64),
}

/// Registered gateways by EUI (a read-only snapshot each core holds).
#[derive(Debug, Clone, Default)]
pub struct GatewayRegistry {
    by_eui: HashMap<Eui64, GatewayRecord>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    gateways: Vec<GatewayRecord>,
}

impl GatewayRegistry {
    /// Builds a registry from records; EUIs must be unique.
    pub fn new(records: impl IntoIterator<Item = GatewayRecord>) -> Result<Self, RegistryError> {
        let mut by_eui = HashMap::new();
        for r in records {
            if let Some(dup) = by_eui.insert(r.eui, r) {
                return Err(RegistryError::Duplicate(dup.eui));
            }
        }
        Ok(Self { by_eui })
    }

    /// Parses the TOML gateway file.
    pub fn from_toml(text: &str) -> Result<Self, RegistryError> {
        let f: File = toml::from_str(text)?;
        Self::new(f.gateways)
    }

    /// The record of a registered gateway.
    pub fn get(&self, eui: &Eui64) -> Option<&GatewayRecord> {
        self.by_eui.get(eui)
    }

    /// Number of registered gateways.
    pub fn len(&self) -> usize {
        self.by_eui.len()
    }

    /// Whether no gateway is registered.
    pub fn is_empty(&self) -> bool {
        self.by_eui.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_file_and_rejects_duplicates_and_unknown_fields() {
        let r = GatewayRegistry::from_toml(
            "[[gateways]]\neui = \"0102030405060708\"\nid = \"gw-1\"\nregion = \"EU868\"\n\n[[gateways]]\neui = \"00-00-00-00-00-00-00-09\"\n",
        )
        .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(
            r.get(&Eui64::from_u64(0x0102030405060708)).unwrap().id,
            "gw-1"
        );
        assert!(r.get(&Eui64::from_u64(9)).is_some());
        assert!(r.get(&Eui64::from_u64(10)).is_none());
        assert!(matches!(
            GatewayRegistry::from_toml(
                "[[gateways]]\neui = \"0000000000000001\"\n[[gateways]]\neui = \"0000000000000001\"\n"
            ),
            Err(RegistryError::Duplicate(_))
        ));
        assert!(GatewayRegistry::from_toml("[[gateways]]\neui = \"01\"\n").is_err());
        assert!(
            GatewayRegistry::from_toml("[[gateways]]\neui = \"0000000000000001\"\ncolour = 1\n")
                .is_err()
        );
        assert!(GatewayRegistry::from_toml("").unwrap().is_empty());
    }
}
