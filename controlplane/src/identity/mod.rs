//! Identity Server (IS), after The Things Stack's `pkg/identityserver`: users, organizations,
//! applications, end devices, gateways, API keys, collaborators (memberships) with rights, OAuth
//! clients, and the effective rights of a caller on an entity.
//!
//! The operations here do not check rights: the API layer (`api::auth`) authenticates the
//! caller, asks [`IdentityServer::rights_of`] and checks the operation table before calling
//! them. Secrets arrive in clear and leave this module only hashed (passwords, API keys,
//! gateway tokens, client secrets) or wrapped with a KEK (device root and session keys).
//!
//! | file | owns |
//! |---|---|
//! | `rights.rs` | rights, `_ALL` expansion, [`RightSet`] |
//! | `access.rs` | principals and effective rights through memberships and keys |
//! | `secrets.rs` | argon2id hashes, random secrets |
//! | `users.rs`, `organizations.rs`, `applications.rs`, `gateways.rs`, `oauth_clients.rs` | entity CRUD |
//! | `end_devices.rs`, `device_keys.rs` | devices, their keys wrapped at rest |
//! | `api_keys.rs`, `collaborators.rs` | API keys, memberships |
//! | `bootstrap.rs` | the first administrator |

mod access;
mod api_keys;
mod applications;
mod bootstrap;
mod collaborators;
mod device_keys;
mod end_devices;
mod error;
mod gateways;
mod oauth_clients;
mod organizations;
pub mod rights;
pub mod secrets;
mod users;

pub use access::{Principal, Target};
pub use api_keys::{API_KEY_PREFIX, ApiKeyInput, ApiKeyView, CreatedApiKey, parse_api_key};
pub use applications::{ApplicationInput, ApplicationUpdate};
pub use bootstrap::{Bootstrapped, bootstrap};
pub use collaborators::CollaboratorInput;
pub use device_keys::{ClearRootKeys, ClearSession, DeviceKeysView};
pub use end_devices::{EndDeviceInput, EndDeviceUpdate, EndDeviceView, SessionView};
pub use error::{FieldViolation, IdentityError, IdentityResult, Violations};
pub use gateways::{GatewayInput, GatewayUpdate, GatewayView};
pub use oauth_clients::{CreatedOAuthClient, OAuthClientInput, OAuthClientView};
pub use organizations::{OrganizationInput, OrganizationUpdate};
pub use rights::RightSet;
pub use users::{UserInput, UserUpdate, UserView};

use crate::join::KeyVault;
use crate::store::{Page, PageRequest, Store};
use std::sync::Arc;

/// The Identity Server: the store, the KEK vault that wraps device keys, and a clock.
#[derive(Clone)]
pub struct IdentityServer {
    store: Arc<dyn Store>,
    vault: KeyVault,
    kek_label: String,
    clock: fn() -> u64,
}

impl std::fmt::Debug for IdentityServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityServer")
            .field("vault", &self.vault)
            .field("kek_label", &self.kek_label)
            .finish_non_exhaustive()
    }
}

/// Unix milliseconds from the system clock.
pub fn system_now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl IdentityServer {
    /// An Identity Server over `store`, wrapping device keys with the KEK `kek_label` of
    /// `vault` (an empty label stores keys unwrapped: development set-ups only).
    pub fn new(store: Arc<dyn Store>, vault: KeyVault, kek_label: impl Into<String>) -> Self {
        Self {
            store,
            vault,
            kek_label: kek_label.into(),
            clock: system_now_ms,
        }
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: fn() -> u64) -> Self {
        self.clock = clock;
        self
    }

    /// The store underneath.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Now, Unix ms.
    pub fn now_ms(&self) -> u64 {
        (self.clock)()
    }
}

/// Maps the items of a store page, keeping its token.
pub(crate) fn map_page<T, U>(p: Page<T>, f: impl FnMut(T) -> U) -> Page<U> {
    Page {
        items: p.items.into_iter().map(f).collect(),
        next_token: p.next_token,
    }
}

/// Every item of a paged list, a bounded number of pages (memberships of one entity).
pub(crate) async fn collect_all<T, F, Fut>(mut list: F) -> IdentityResult<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = crate::store::StoreResult<Page<T>>>,
{
    const MAX_PAGES: usize = 100;
    let mut out = Vec::new();
    let mut req = PageRequest::first(crate::store::traits::MAX_PAGE);
    for _ in 0..MAX_PAGES {
        let page = list(req.clone()).await?;
        out.extend(page.items);
        match page.next_token {
            Some(t) => req.token = Some(t),
            None => return Ok(out),
        }
    }
    Err(IdentityError::Internal(
        "list longer than the page bound".into(),
    ))
}
