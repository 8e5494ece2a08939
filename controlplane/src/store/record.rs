//! How each model type is stored: its kind, its key (`parent`, `id`: listing is by parent),
//! the unique keys it claims, and the change-log delta it produces. Backends are written once
//! against [`Record`]; adding an entity is one impl here and one table per backend.

use super::error::StoreError;
use super::model::{
    ApiKey, Application, EndDevice, Gateway, Membership, OAuthClient, Organization, User,
};
use super::revision::Delta;
use serde::{Serialize, de::DeserializeOwned};
use std::fmt;

/// The kinds of record, one table each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Kind {
    User,
    Organization,
    Application,
    EndDevice,
    Gateway,
    ApiKey,
    Membership,
    OAuthClient,
}

impl Kind {
    /// Every kind, in tag order.
    pub const ALL: [Kind; 8] = [
        Kind::User,
        Kind::Organization,
        Kind::Application,
        Kind::EndDevice,
        Kind::Gateway,
        Kind::ApiKey,
        Kind::Membership,
        Kind::OAuthClient,
    ];

    /// Name in errors and the CQL table name.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Organization => "organization",
            Kind::Application => "application",
            Kind::EndDevice => "end_device",
            Kind::Gateway => "gateway",
            Kind::ApiKey => "api_key",
            Kind::Membership => "membership",
            Kind::OAuthClient => "oauth_client",
        }
    }

    /// One-byte tag prefixing keys in the embedded backend.
    pub const fn tag(self) -> u8 {
        self as u8 + 1
    }

    /// Whether the kind has a parent (records listed per parent) or is a root.
    pub const fn has_parent(self) -> bool {
        matches!(self, Kind::EndDevice | Kind::ApiKey | Kind::Membership)
    }
}

/// A record's key: `parent` (empty for roots) and `id`, both free of NUL and `\u{1f}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey {
    /// Parent (application id for devices, `kind/id` of the owner for keys and memberships).
    pub parent: String,
    /// Id within the parent.
    pub id: String,
}

impl RecordKey {
    /// A root record's key.
    pub fn root(id: impl fmt::Display) -> Self {
        Self {
            parent: String::new(),
            id: id.to_string(),
        }
    }
    /// A child record's key.
    pub fn child(parent: impl fmt::Display, id: impl fmt::Display) -> Self {
        Self {
            parent: parent.to_string(),
            id: id.to_string(),
        }
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.parent.is_empty() {
            f.write_str(&self.id)
        } else {
            write!(f, "{}/{}", self.parent, self.id)
        }
    }
}

/// Namespaces of network-wide unique values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UniqueKind {
    /// The record key itself (what makes a create fail on an existing record).
    Primary(Kind),
    /// `JoinEUI:DevEUI` of an end device.
    DevEui,
    /// A gateway's EUI.
    GatewayEui,
    /// An API key's id.
    ApiKeyId,
    /// A user's email (case-folded).
    Email,
}

impl UniqueKind {
    /// The kind of record that holds keys of this namespace.
    pub const fn owner_kind(self) -> Kind {
        match self {
            UniqueKind::Primary(k) => k,
            UniqueKind::DevEui => Kind::EndDevice,
            UniqueKind::GatewayEui => Kind::Gateway,
            UniqueKind::ApiKeyId => Kind::ApiKey,
            UniqueKind::Email => Kind::User,
        }
    }

    /// Name in errors and in the CQL `unique_keys.kind` column.
    pub const fn name(self) -> &'static str {
        match self {
            UniqueKind::Primary(k) => k.name(),
            UniqueKind::DevEui => "dev_eui",
            UniqueKind::GatewayEui => "gateway_eui",
            UniqueKind::ApiKeyId => "api_key_id",
            UniqueKind::Email => "email",
        }
    }
}

/// A value that at most one record may hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UniqueKey {
    /// Namespace.
    pub kind: UniqueKind,
    /// The value, as text.
    pub value: String,
}

impl UniqueKey {
    /// The error a create gets when this key is taken.
    pub fn taken(&self) -> StoreError {
        StoreError::AlreadyExists {
            unique: self.kind.name(),
            value: self.value.clone(),
        }
    }
}

/// A type the store holds.
pub trait Record:
    Serialize + DeserializeOwned + Clone + fmt::Debug + PartialEq + Send + Sync + 'static
{
    /// Its kind.
    const KIND: Kind;
    /// Its key.
    fn key(&self) -> RecordKey;
    /// Unique values it claims besides its key.
    fn unique_keys(&self) -> Vec<UniqueKey> {
        Vec::new()
    }
    /// Checks the rules the types cannot express.
    fn validate(&self) -> Result<(), StoreError>;
    /// The change-log delta of a create or update; `None`: kind not in the change log.
    fn put_delta(&self) -> Option<Delta> {
        None
    }
    /// The change-log delta of a delete.
    fn delete_delta(&self) -> Option<Delta> {
        None
    }
    /// The primary unique key (the record key as a claim).
    fn primary_key(&self) -> UniqueKey {
        UniqueKey {
            kind: UniqueKind::Primary(Self::KIND),
            value: self.key().to_string(),
        }
    }
}

impl Record for User {
    const KIND: Kind = Kind::User;
    fn key(&self) -> RecordKey {
        RecordKey::root(&self.user_id)
    }
    fn unique_keys(&self) -> Vec<UniqueKey> {
        vec![UniqueKey {
            kind: UniqueKind::Email,
            value: self.email.to_lowercase(),
        }]
    }
    fn validate(&self) -> Result<(), StoreError> {
        User::validate(self)
    }
}

impl Record for Organization {
    const KIND: Kind = Kind::Organization;
    fn key(&self) -> RecordKey {
        RecordKey::root(&self.organization_id)
    }
    fn validate(&self) -> Result<(), StoreError> {
        Organization::validate(self)
    }
}

impl Record for Application {
    const KIND: Kind = Kind::Application;
    fn key(&self) -> RecordKey {
        RecordKey::root(&self.application_id)
    }
    fn validate(&self) -> Result<(), StoreError> {
        Application::validate(self)
    }
}

impl Record for EndDevice {
    const KIND: Kind = Kind::EndDevice;
    fn key(&self) -> RecordKey {
        RecordKey::child(&self.application_id, &self.device_id)
    }
    fn unique_keys(&self) -> Vec<UniqueKey> {
        vec![dev_eui_key(self.join_eui, self.dev_eui)]
    }
    fn validate(&self) -> Result<(), StoreError> {
        EndDevice::validate(self)
    }
    fn put_delta(&self) -> Option<Delta> {
        Some(Delta::EndDevicePut(Box::new(self.clone())))
    }
    fn delete_delta(&self) -> Option<Delta> {
        Some(Delta::EndDeviceDeleted {
            application_id: self.application_id.clone(),
            device_id: self.device_id.clone(),
        })
    }
}

/// The unique key of a (JoinEUI, DevEUI) pair.
pub fn dev_eui_key(join_eui: shared::types::JoinEui, dev_eui: shared::types::DevEui) -> UniqueKey {
    UniqueKey {
        kind: UniqueKind::DevEui,
        value: format!("{join_eui}:{dev_eui}"),
    }
}

impl Record for Gateway {
    const KIND: Kind = Kind::Gateway;
    fn key(&self) -> RecordKey {
        RecordKey::root(&self.gateway_id)
    }
    fn unique_keys(&self) -> Vec<UniqueKey> {
        self.eui
            .iter()
            .map(|e| UniqueKey {
                kind: UniqueKind::GatewayEui,
                value: e.to_string(),
            })
            .collect()
    }
    fn validate(&self) -> Result<(), StoreError> {
        Gateway::validate(self)
    }
    fn put_delta(&self) -> Option<Delta> {
        Some(Delta::GatewayPut(Box::new(self.clone())))
    }
    fn delete_delta(&self) -> Option<Delta> {
        Some(Delta::GatewayDeleted {
            gateway_id: self.gateway_id.clone(),
        })
    }
}

impl Record for ApiKey {
    const KIND: Kind = Kind::ApiKey;
    fn key(&self) -> RecordKey {
        RecordKey::child(&self.owner, &self.api_key_id)
    }
    fn unique_keys(&self) -> Vec<UniqueKey> {
        vec![UniqueKey {
            kind: UniqueKind::ApiKeyId,
            value: self.api_key_id.to_string(),
        }]
    }
    fn validate(&self) -> Result<(), StoreError> {
        ApiKey::validate(self)
    }
}

impl Record for Membership {
    const KIND: Kind = Kind::Membership;
    fn key(&self) -> RecordKey {
        RecordKey::child(&self.entity, &self.collaborator)
    }
    fn validate(&self) -> Result<(), StoreError> {
        Membership::validate(self)
    }
}

impl Record for OAuthClient {
    const KIND: Kind = Kind::OAuthClient;
    fn key(&self) -> RecordKey {
        RecordKey::root(&self.client_id)
    }
    fn validate(&self) -> Result<(), StoreError> {
        OAuthClient::validate(self)
    }
}

/// Decodes a stored value, naming the key on failure.
pub fn decode<T: DeserializeOwned>(key: &dyn fmt::Display, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        key: key.to_string(),
        reason: e.to_string(),
    })
}

/// Encodes a value for storage (JSON: self-describing, so a field added later with
/// `#[serde(default)]` still reads old records).
pub fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(v).map_err(StoreError::backend)
}
