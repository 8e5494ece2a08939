//! API keys (TTS `APIKey`): `NNSXS.<ID>.<SECRET>`, the id public and unique across the
//! network, the secret 256 random bits shown once at creation and stored hashed (see
//! `secrets.rs`). A key has rights and an optional expiry, and acts for its owner entity.

use super::access::{Principal, kind_rights};
use super::error::{IdentityError, IdentityResult, Violations};
use super::rights::RightSet;
use super::secrets::{hash_token, random_hex, random_token, verify_token};
use super::{IdentityServer, collect_all, map_page};
use crate::store::id::ApiKeyId;
use crate::store::model::{ApiKey, EntityRef, Right, UserState};
use crate::store::{Page, PageRequest, StoreError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The prefix of every API key, as in The Things Stack.
pub const API_KEY_PREFIX: &str = "NNSXS";

/// A new API key, or its changes (absent fields stay on update).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApiKeyInput {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Rights granted (at least one; within what the caller holds).
    #[serde(default)]
    pub rights: Option<Vec<Right>>,
    /// Expiry, Unix ms.
    #[serde(default)]
    pub expires_at: Option<u64>,
}

/// An API key as the API shows it: no secret, no hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKeyView {
    /// Public id.
    pub id: ApiKeyId,
    /// Owner entity.
    pub owner: EntityRef,
    /// Display name.
    pub name: String,
    /// Rights.
    pub rights: Vec<Right>,
    /// Expiry, Unix ms.
    pub expires_at: Option<u64>,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

impl From<ApiKey> for ApiKeyView {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.api_key_id,
            owner: k.owner,
            name: k.name,
            rights: k.rights,
            expires_at: k.expires_at,
            created_at: k.created_at,
            updated_at: k.updated_at,
        }
    }
}

/// A key just created: the one time its full text is shown.
#[derive(Clone, Serialize)]
pub struct CreatedApiKey {
    /// The stored key.
    #[serde(flatten)]
    pub view: ApiKeyView,
    /// `NNSXS.<id>.<secret>`: store it now, it cannot be read again.
    pub key: String,
}

impl fmt::Debug for CreatedApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreatedApiKey({:?}, key=<redacted>)", self.view.id)
    }
}

/// Splits `NNSXS.<id>.<secret>`; `None` if it is not that shape.
pub fn parse_api_key(text: &str) -> Option<(ApiKeyId, &str)> {
    let rest = text.strip_prefix(API_KEY_PREFIX)?.strip_prefix('.')?;
    let (id, secret) = rest.split_once('.')?;
    let id = ApiKeyId::new(id.to_ascii_lowercase()).ok()?;
    (!secret.is_empty()).then_some((id, secret))
}

fn check_rights(v: &mut Violations, owner: &EntityRef, rights: &[Right]) {
    if rights.is_empty() {
        v.add("rights", "at least one right");
    }
    // A user key may carry rights on the entities the user collaborates on; any other key acts
    // on its owner only, so only the owner kind's rights make sense (as TTS checks).
    if !matches!(owner, EntityRef::User(_)) {
        let allowed = kind_rights(owner);
        let bad: Vec<_> = rights.iter().filter(|r| !allowed.has(**r)).collect();
        if !bad.is_empty() {
            v.add("rights", format!("{bad:?} do not apply to {owner}"));
        }
    }
}

impl IdentityServer {
    /// Creates an API key for `owner`; the result holds the key text, shown this once.
    pub async fn create_api_key(
        &self,
        owner: EntityRef,
        input: ApiKeyInput,
    ) -> IdentityResult<CreatedApiKey> {
        let rights = input.rights.unwrap_or_default();
        let mut v = Violations::default();
        check_rights(&mut v, &owner, &rights);
        v.finish()?;
        let id = ApiKeyId::new(random_hex(12))?;
        let secret = random_token(32);
        let key = format!("{API_KEY_PREFIX}.{id}.{secret}");
        let now = self.now_ms();
        let k = ApiKey {
            api_key_id: id,
            owner,
            name: input.name.unwrap_or_default(),
            secret_hash: hash_token(&secret)?,
            rights,
            expires_at: input.expires_at,
            created_at: now,
            updated_at: now,
        };
        self.store.create_api_key(k.clone()).await?;
        Ok(CreatedApiKey {
            view: k.into(),
            key,
        })
    }

    /// Reads an API key of `owner`.
    pub async fn get_api_key(
        &self,
        owner: &EntityRef,
        id: &ApiKeyId,
    ) -> IdentityResult<ApiKeyView> {
        Ok(self.store.get_api_key(owner, id).await?.into())
    }

    /// Applies changes to an API key of `owner`.
    pub async fn update_api_key(
        &self,
        owner: &EntityRef,
        id: &ApiKeyId,
        input: ApiKeyInput,
    ) -> IdentityResult<ApiKeyView> {
        let mut k = self.store.get_api_key(owner, id).await?;
        if let Some(r) = input.rights {
            let mut v = Violations::default();
            check_rights(&mut v, owner, &r);
            v.finish()?;
            k.rights = r;
        }
        if let Some(n) = input.name {
            k.name = n;
        }
        if input.expires_at.is_some() {
            k.expires_at = input.expires_at;
        }
        k.updated_at = self.now_ms();
        self.store.update_api_key(k.clone()).await?;
        Ok(k.into())
    }

    /// Deletes an API key of `owner`.
    pub async fn delete_api_key(&self, owner: &EntityRef, id: &ApiKeyId) -> IdentityResult<()> {
        self.store.delete_api_key(owner, id).await?;
        Ok(())
    }

    /// Lists the API keys of `owner`.
    pub async fn list_api_keys(
        &self,
        owner: &EntityRef,
        page: PageRequest,
    ) -> IdentityResult<Page<ApiKeyView>> {
        Ok(map_page(
            self.store.list_api_keys(owner, page).await?,
            ApiKeyView::from,
        ))
    }

    /// Deletes every API key of `owner` (when the owner is deleted).
    pub(crate) async fn delete_api_keys_of(&self, owner: &EntityRef) -> IdentityResult<()> {
        let store = self.store.clone();
        let keys = collect_all(|p| {
            let store = store.clone();
            async move { store.list_api_keys(owner, p).await }
        })
        .await?;
        for k in keys {
            self.store.delete_api_key(owner, &k.api_key_id).await?;
        }
        Ok(())
    }

    /// The principal a presented API key authenticates: unknown, expired or wrong keys, and
    /// keys of users not approved, are `Unauthenticated` alike.
    pub async fn authenticate_api_key(&self, text: &str) -> IdentityResult<Principal> {
        const REFUSED: IdentityError = IdentityError::Unauthenticated("invalid API key");
        let (id, secret) = parse_api_key(text).ok_or(REFUSED)?;
        let k = match self.store.find_api_key(&id).await {
            Ok(k) => k,
            Err(StoreError::NotFound { .. }) => return Err(REFUSED),
            Err(e) => return Err(e.into()),
        };
        if k.expires_at.is_some_and(|t| t <= self.now_ms()) || !verify_token(secret, &k.secret_hash)
        {
            return Err(REFUSED);
        }
        let owner_admin = match &k.owner {
            EntityRef::User(u) => match self.store.get_user(u).await {
                Ok(u) if u.state == UserState::Approved => u.admin,
                Ok(_) | Err(StoreError::NotFound { .. }) => return Err(REFUSED),
                Err(e) => return Err(e.into()),
            },
            _ => false,
        };
        Ok(Principal::ApiKey {
            key_id: k.api_key_id,
            owner: k.owner,
            rights: RightSet::expand(&k.rights),
            owner_admin,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_by_table() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("good", "NNSXS.0123456789ab.secret", Some("0123456789ab")),
            ("uppercase id folds", "NNSXS.ABCDEF.s", Some("abcdef")),
            ("no prefix", "XXXXX.abcdef.s", None),
            ("no secret", "NNSXS.abcdef.", None),
            ("no dots", "NNSXS", None),
            ("bad id", "NNSXS.a_b.s", None),
            ("empty", "", None),
        ];
        for (name, text, want) in cases {
            let got = parse_api_key(text).map(|(id, _)| id.to_string());
            assert_eq!(got.as_deref(), *want, "{name}");
        }
    }
}
