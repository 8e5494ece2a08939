//! Gateways (TTS `Gateway`): EUI (unique across the network when set), frequency plan,
//! location, attributes, and the hash of the token a gateway authenticates with.

use super::{check_argon2, check_attributes, check_text};
use crate::store::error::StoreError;
use crate::store::id::GatewayId;
use serde::{Deserialize, Serialize};
use shared::types::Eui64;
use std::collections::BTreeMap;

/// A gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gateway {
    /// The gateway's id.
    pub gateway_id: GatewayId,
    /// Display name.
    pub name: String,
    /// Gateway EUI; unique across the network when set.
    pub eui: Option<Eui64>,
    /// Frequency plan id.
    pub frequency_plan_id: String,
    /// Antenna location.
    pub location: Option<Location>,
    /// Free key-value attributes.
    pub attributes: BTreeMap<String, String>,
    /// argon2 PHC string of the gateway's auth token (Basic Station, MQTT); `None`: UDP only.
    pub auth_token_hash: Option<String>,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

impl Eq for Gateway {}

/// WGS84 position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Latitude, degrees.
    pub latitude: f64,
    /// Longitude, degrees.
    pub longitude: f64,
    /// Altitude, metres.
    pub altitude: i32,
}

impl Gateway {
    /// Checks fields the types do not.
    pub fn validate(&self) -> Result<(), StoreError> {
        check_text("name", &self.name)?;
        check_text("frequency_plan_id", &self.frequency_plan_id)?;
        if self.frequency_plan_id.is_empty() {
            return Err(StoreError::invalid("frequency_plan_id", "empty"));
        }
        check_attributes(&self.attributes)?;
        if let Some(h) = &self.auth_token_hash {
            check_argon2("auth_token_hash", h)?;
        }
        if let Some(l) = self.location
            && (!(-90.0..=90.0).contains(&l.latitude) || !(-180.0..=180.0).contains(&l.longitude))
        {
            return Err(StoreError::invalid(
                "location",
                "latitude/longitude out of range",
            ));
        }
        Ok(())
    }
}
