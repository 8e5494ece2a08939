//! The records the store holds: The Things Stack's Identity Server entities (users,
//! organizations, applications, end devices, gateways, API keys, memberships, OAuth clients) and
//! the Join Server's per-device nonce state. Plain serde structs; timestamps are Unix
//! milliseconds set by the caller (the store reads no clock for records).
//!
//! Each record's `validate` checks what the types cannot (lengths, hash formats, key sizes).

mod device;
mod gateway;
mod identity;
mod join;

pub use device::{DeviceClass, EndDevice, MacVersion, PhyVersion, RootKeys, Session, WrappedKey};
pub use gateway::{Gateway, Location};
pub use identity::{
    ApiKey, Application, EntityRef, Grant, Membership, OAuthClient, Organization, Right, User,
    UserState,
};
pub use join::JoinState;

use super::error::StoreError;

/// Longest free-text field (names, descriptions, attribute values) accepted.
pub const MAX_TEXT: usize = 2048;
/// Most attributes on one entity.
pub const MAX_ATTRIBUTES: usize = 64;

pub(crate) fn check_text(field: &'static str, s: &str) -> Result<(), StoreError> {
    if s.len() > MAX_TEXT {
        return Err(StoreError::invalid(
            field,
            format!("{} bytes > {MAX_TEXT}", s.len()),
        ));
    }
    Ok(())
}

pub(crate) fn check_attributes(
    attrs: &std::collections::BTreeMap<String, String>,
) -> Result<(), StoreError> {
    if attrs.len() > MAX_ATTRIBUTES {
        return Err(StoreError::invalid(
            "attributes",
            format!("{} > {MAX_ATTRIBUTES}", attrs.len()),
        ));
    }
    for (k, v) in attrs {
        super::id::validate_id("attributes key", k)?;
        check_text("attributes value", v)?;
    }
    Ok(())
}

/// Checks a stored secret hash is an argon2 PHC string (`$argon2id$v=19$...`), never a secret.
pub(crate) fn check_argon2(field: &'static str, s: &str) -> Result<(), StoreError> {
    if !(s.starts_with("$argon2id$") || s.starts_with("$argon2i$") || s.starts_with("$argon2d$")) {
        return Err(StoreError::invalid(field, "not an argon2 PHC hash string"));
    }
    check_text(field, s)
}
