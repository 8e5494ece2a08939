//! OAuth clients (TTS `Client`): registration records for the Console and other first-party
//! front ends. The client secret is shown once at creation and stored hashed. The OAuth
//! authorization server itself (code and token endpoints) is not built yet.

use super::error::{IdentityError, IdentityResult, Violations};
use super::secrets::{hash_token, random_token};
use super::{IdentityServer, map_page};
use crate::store::id::ClientId;
use crate::store::model::{Grant, OAuthClient, Right};
use crate::store::{Page, PageRequest};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A new OAuth client.
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthClientInput {
    /// Id (TTS id rule).
    pub client_id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Allowed redirect URIs (http or https).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Allowed grants.
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// Rights the client may ask for.
    #[serde(default)]
    pub rights: Vec<Right>,
}

/// An OAuth client as the API shows it: no secret hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthClientView {
    /// Id.
    pub client_id: ClientId,
    /// Display name.
    pub name: String,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Grants.
    pub grants: Vec<Grant>,
    /// Rights.
    pub rights: Vec<Right>,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

impl From<OAuthClient> for OAuthClientView {
    fn from(c: OAuthClient) -> Self {
        Self {
            client_id: c.client_id,
            name: c.name,
            redirect_uris: c.redirect_uris,
            grants: c.grants,
            rights: c.rights,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A client just created, with its secret shown this once.
#[derive(Clone, Serialize)]
pub struct CreatedOAuthClient {
    /// The stored client.
    #[serde(flatten)]
    pub view: OAuthClientView,
    /// The client secret.
    pub secret: String,
}

impl fmt::Debug for CreatedOAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CreatedOAuthClient({:?}, secret=<redacted>)",
            self.view.client_id
        )
    }
}

impl IdentityServer {
    /// Registers an OAuth client.
    pub async fn create_oauth_client(
        &self,
        input: OAuthClientInput,
    ) -> IdentityResult<CreatedOAuthClient> {
        let mut v = Violations::default();
        let id = v.check("client_id", ClientId::new(input.client_id));
        for (i, uri) in input.redirect_uris.iter().enumerate() {
            if !(uri.starts_with("https://") || uri.starts_with("http://")) || uri.len() > 2048 {
                v.add(format!("redirect_uris[{i}]"), "not an http(s) URI");
            }
        }
        v.finish()?;
        let Some(client_id) = id else {
            return Err(IdentityError::Internal("unreachable: checked".into()));
        };
        let secret = random_token(32);
        let now = self.now_ms();
        let c = OAuthClient {
            client_id,
            name: input.name,
            secret_hash: hash_token(&secret)?,
            redirect_uris: input.redirect_uris,
            grants: input.grants,
            rights: input.rights,
            created_at: now,
            updated_at: now,
        };
        self.store.create_oauth_client(c.clone()).await?;
        Ok(CreatedOAuthClient {
            view: c.into(),
            secret,
        })
    }

    /// Reads an OAuth client.
    pub async fn get_oauth_client(&self, id: &ClientId) -> IdentityResult<OAuthClientView> {
        Ok(self.store.get_oauth_client(id).await?.into())
    }

    /// Deletes an OAuth client.
    pub async fn delete_oauth_client(&self, id: &ClientId) -> IdentityResult<()> {
        self.store.delete_oauth_client(id).await?;
        Ok(())
    }

    /// Lists OAuth clients.
    pub async fn list_oauth_clients(
        &self,
        page: PageRequest,
    ) -> IdentityResult<Page<OAuthClientView>> {
        Ok(map_page(
            self.store.list_oauth_clients(page).await?,
            OAuthClientView::from,
        ))
    }
}
