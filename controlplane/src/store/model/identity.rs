//! Identity Server entities other than devices and gateways: users, organizations,
//! applications, API keys, memberships (collaborators) and OAuth clients, after The Things
//! Stack's `ttnpb` messages of the same names.

use super::{check_argon2, check_text};
use crate::store::error::StoreError;
use crate::store::id::{ApiKeyId, ApplicationId, ClientId, GatewayId, OrganizationId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user's id.
    pub user_id: UserId,
    /// Display name.
    pub name: String,
    /// Primary email address, unique across users.
    pub email: String,
    /// argon2 PHC string of the password.
    pub password_hash: String,
    /// Network administrator.
    pub admin: bool,
    /// Approval state.
    pub state: UserState,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

/// A user's approval state (TTS `State`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserState {
    /// Awaiting approval.
    Requested,
    /// May use the network.
    Approved,
    /// Refused.
    Rejected,
    /// Flagged for review.
    Flagged,
    /// Suspended.
    Suspended,
}

impl User {
    /// Checks fields the types do not.
    pub fn validate(&self) -> Result<(), StoreError> {
        check_text("name", &self.name)?;
        check_email(&self.email)?;
        check_argon2("password_hash", &self.password_hash)
    }
}

fn check_email(s: &str) -> Result<(), StoreError> {
    let ok = s.len() <= 254
        && s.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "email",
            format!("{s:?} is not an address"),
        ))
    }
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// The organization's id.
    pub organization_id: OrganizationId,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

impl Organization {
    /// Checks fields the types do not.
    pub fn validate(&self) -> Result<(), StoreError> {
        check_text("name", &self.name)?;
        check_text("description", &self.description)
    }
}

/// An application, owning end devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// The application's id.
    pub application_id: ApplicationId,
    /// Display name.
    pub name: String,
    /// The user or organization that owns it.
    pub owner: EntityRef,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

impl Application {
    /// Checks fields the types do not.
    pub fn validate(&self) -> Result<(), StoreError> {
        check_text("name", &self.name)?;
        match self.owner {
            EntityRef::User(_) | EntityRef::Organization(_) => Ok(()),
            _ => Err(StoreError::invalid(
                "owner",
                "must be a user or an organization",
            )),
        }
    }
}

/// A reference to any entity that can own keys or have collaborators.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityRef {
    /// A user.
    User(UserId),
    /// An organization.
    Organization(OrganizationId),
    /// An application.
    Application(ApplicationId),
    /// A gateway.
    Gateway(GatewayId),
    /// An OAuth client.
    Client(ClientId),
}

impl fmt::Display for EntityRef {
    /// `kind/id`, the form used as a parent key (ids hold no `/`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(id) => write!(f, "user/{id}"),
            Self::Organization(id) => write!(f, "organization/{id}"),
            Self::Application(id) => write!(f, "application/{id}"),
            Self::Gateway(id) => write!(f, "gateway/{id}"),
            Self::Client(id) => write!(f, "client/{id}"),
        }
    }
}

/// A right, as named by The Things Stack (`RIGHT_APPLICATION_INFO`, ...); a subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)] // the names are the TTS rights
pub enum Right {
    RightUserInfo,
    RightUserSettingsBasic,
    RightUserAll,
    RightOrganizationInfo,
    RightOrganizationSettingsMembers,
    RightOrganizationAll,
    RightApplicationInfo,
    RightApplicationSettingsBasic,
    RightApplicationDevicesRead,
    RightApplicationDevicesWrite,
    RightApplicationDevicesReadKeys,
    RightApplicationTrafficRead,
    RightApplicationTrafficDownWrite,
    RightApplicationAll,
    RightGatewayInfo,
    RightGatewaySettingsBasic,
    RightGatewayLink,
    RightGatewayStatusRead,
    RightGatewayAll,
    RightClientAll,
    RightAll,
}

/// An API key: the public id, a hash of the secret, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Public id, unique across the network (found again from a presented key).
    pub api_key_id: ApiKeyId,
    /// The entity the key acts for.
    pub owner: EntityRef,
    /// Display name.
    pub name: String,
    /// argon2 PHC string of the secret part.
    pub secret_hash: String,
    /// Rights granted.
    pub rights: Vec<Right>,
    /// Expiry, Unix ms; `None`: never.
    pub expires_at: Option<u64>,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

impl ApiKey {
    /// Checks fields the types do not.
    pub fn validate(&self) -> Result<(), StoreError> {
        check_text("name", &self.name)?;
        check_argon2("secret_hash", &self.secret_hash)?;
        if self.rights.is_empty() {
            return Err(StoreError::invalid(
                "rights",
                "an API key needs at least one right",
            ));
        }
        Ok(())
    }
}

/// A collaborator (user or organization) on an entity, with rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The entity collaborated on.
    pub entity: EntityRef,
    /// The user or organization collaborating.
    pub collaborator: EntityRef,
    /// Rights granted.
    pub rights: Vec<Right>,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

impl Membership {
    /// Checks fields the types do not.
    pub fn validate(&self) -> Result<(), StoreError> {
        match self.collaborator {
            EntityRef::User(_) | EntityRef::Organization(_) => {}
            _ => {
                return Err(StoreError::invalid(
                    "collaborator",
                    "must be a user or an organization",
                ));
            }
        }
        if self.entity == self.collaborator {
            return Err(StoreError::invalid(
                "collaborator",
                "an entity cannot collaborate on itself",
            ));
        }
        Ok(())
    }
}

/// OAuth grant types a client may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// Authorization code.
    AuthorizationCode,
    /// Password (first-party clients only).
    Password,
    /// Refresh token.
    RefreshToken,
}

/// An OAuth client (the Console is one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthClient {
    /// The client's id.
    pub client_id: ClientId,
    /// Display name.
    pub name: String,
    /// argon2 PHC string of the client secret.
    pub secret_hash: String,
    /// Allowed redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Allowed grants.
    pub grants: Vec<Grant>,
    /// Rights the client may ask for.
    pub rights: Vec<Right>,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

impl OAuthClient {
    /// Checks fields the types do not.
    pub fn validate(&self) -> Result<(), StoreError> {
        check_text("name", &self.name)?;
        check_argon2("secret_hash", &self.secret_hash)?;
        for uri in &self.redirect_uris {
            check_text("redirect_uris", uri)?;
            if !(uri.starts_with("https://") || uri.starts_with("http://")) {
                return Err(StoreError::invalid(
                    "redirect_uris",
                    format!("{uri:?} is not http(s)"),
                ));
            }
        }
        Ok(())
    }
}
