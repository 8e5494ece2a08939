//! The store's surface: one trait per entity family, composed into [`Store`], and the generic
//! [`Backend`] each backend implements once for every [`Record`] kind.
//!
//! The entity traits use boxed futures (`async_trait`) so components hold `Arc<dyn Store>` and
//! the backend is picked at run time from config, in `main.rs` alone, instead of every
//! component being generic over it. The box costs one allocation per call, noise next to an
//! fsync (ms) or a CQL round trip (≥ 100 µs). [`Backend`] uses `async fn` in traits (generic,
//! not object-safe) and a blanket impl lifts it into the entity traits. Records are validated and
//! pages checked here, before any backend sees them.

use super::error::{StoreError, StoreResult};
use super::id::{ApiKeyId, ApplicationId, ClientId, DeviceId, GatewayId, OrganizationId, UserId};
use super::model::{
    ApiKey, Application, EndDevice, EntityRef, Gateway, JoinState, Membership, OAuthClient,
    Organization, User,
};
use super::record::{Record, RecordKey, UniqueKey, UniqueKind, dev_eui_key};
use super::revision::{Change, Revision};
use async_trait::async_trait;
use shared::types::{DevEui, Eui64, JoinEui};
use std::future::Future;

/// Largest page a list returns.
pub const MAX_PAGE: u32 = 1000;

/// Which page of a list to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// `None` for the first page, else the `next_token` of the previous page (opaque).
    pub token: Option<String>,
    /// Most items to return, 1..=[`MAX_PAGE`].
    pub limit: u32,
}

impl PageRequest {
    /// The first page of `limit` items.
    pub fn first(limit: u32) -> Self {
        Self { token: None, limit }
    }

    fn check(&self) -> StoreResult<()> {
        if !(1..=MAX_PAGE).contains(&self.limit) {
            return Err(StoreError::invalid(
                "limit",
                format!("{} not in 1..={MAX_PAGE}", self.limit),
            ));
        }
        Ok(())
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// Items in key order (Scylla root tables: token order).
    pub items: Vec<T>,
    /// Token for the next page; `None`: this was the last.
    pub next_token: Option<String>,
}

/// What every backend implements; the entity traits come from it by blanket impl.
pub trait Backend: Send + Sync + 'static {
    /// Inserts a new record, claiming its key and unique keys atomically; returns the change-log
    /// revision for logged kinds.
    fn create<R: Record>(
        &self,
        record: R,
    ) -> impl Future<Output = StoreResult<Option<Revision>>> + Send;
    /// Reads one record.
    fn get<R: Record>(&self, key: RecordKey) -> impl Future<Output = StoreResult<R>> + Send;
    /// Replaces an existing record, moving unique keys that changed.
    fn update<R: Record>(
        &self,
        record: R,
    ) -> impl Future<Output = StoreResult<Option<Revision>>> + Send;
    /// Deletes a record and releases its unique keys.
    fn delete<R: Record>(
        &self,
        key: RecordKey,
    ) -> impl Future<Output = StoreResult<Option<Revision>>> + Send;
    /// Lists the records under `parent` (empty for root kinds).
    fn list<R: Record>(
        &self,
        parent: String,
        page: PageRequest,
    ) -> impl Future<Output = StoreResult<Page<R>>> + Send;
    /// Finds the record holding a unique key.
    fn lookup<R: Record>(&self, unique: UniqueKey) -> impl Future<Output = StoreResult<R>> + Send;
}

macro_rules! root_family {
    ($(#[$doc:meta])* $trait:ident, $ty:ty, $id:ty, $create:ident, $get:ident, $update:ident, $delete:ident, $list:ident) => {
        $(#[$doc])*
        #[async_trait]
        pub trait $trait: Send + Sync {
            #[doc = concat!("Creates a ", stringify!($ty), "; `AlreadyExists` if its id or a unique field is taken.")]
            async fn $create(&self, v: $ty) -> StoreResult<Option<Revision>>;
            #[doc = concat!("Reads a ", stringify!($ty), " by id.")]
            async fn $get(&self, id: &$id) -> StoreResult<$ty>;
            #[doc = concat!("Replaces an existing ", stringify!($ty), ".")]
            async fn $update(&self, v: $ty) -> StoreResult<Option<Revision>>;
            #[doc = concat!("Deletes a ", stringify!($ty), ".")]
            async fn $delete(&self, id: &$id) -> StoreResult<Option<Revision>>;
            #[doc = concat!("Lists ", stringify!($ty), "s, a page at a time.")]
            async fn $list(&self, page: PageRequest) -> StoreResult<Page<$ty>>;
        }

        #[async_trait]
        impl<B: Backend> $trait for B {
            async fn $create(&self, v: $ty) -> StoreResult<Option<Revision>> {
                v.validate()?;
                self.create(v).await
            }
            async fn $get(&self, id: &$id) -> StoreResult<$ty> {
                self.get::<$ty>(RecordKey::root(id)).await
            }
            async fn $update(&self, v: $ty) -> StoreResult<Option<Revision>> {
                v.validate()?;
                self.update(v).await
            }
            async fn $delete(&self, id: &$id) -> StoreResult<Option<Revision>> {
                self.delete::<$ty>(RecordKey::root(id)).await
            }
            async fn $list(&self, page: PageRequest) -> StoreResult<Page<$ty>> {
                page.check()?;
                self.list::<$ty>(String::new(), page).await
            }
        }
    };
}

macro_rules! child_family {
    ($(#[$doc:meta])* $trait:ident, $ty:ty, $parent:ty, $id:ty, $create:ident, $get:ident, $update:ident, $delete:ident, $list:ident) => {
        $(#[$doc])*
        #[async_trait]
        pub trait $trait: Send + Sync {
            #[doc = concat!("Creates a ", stringify!($ty), "; `AlreadyExists` if its key or a unique field is taken.")]
            async fn $create(&self, v: $ty) -> StoreResult<Option<Revision>>;
            #[doc = concat!("Reads a ", stringify!($ty), " by parent and id.")]
            async fn $get(&self, parent: &$parent, id: &$id) -> StoreResult<$ty>;
            #[doc = concat!("Replaces an existing ", stringify!($ty), ".")]
            async fn $update(&self, v: $ty) -> StoreResult<Option<Revision>>;
            #[doc = concat!("Deletes a ", stringify!($ty), ".")]
            async fn $delete(&self, parent: &$parent, id: &$id) -> StoreResult<Option<Revision>>;
            #[doc = concat!("Lists the ", stringify!($ty), "s of one parent, a page at a time.")]
            async fn $list(&self, parent: &$parent, page: PageRequest) -> StoreResult<Page<$ty>>;
        }

        #[async_trait]
        impl<B: Backend> $trait for B {
            async fn $create(&self, v: $ty) -> StoreResult<Option<Revision>> {
                v.validate()?;
                self.create(v).await
            }
            async fn $get(&self, parent: &$parent, id: &$id) -> StoreResult<$ty> {
                self.get::<$ty>(RecordKey::child(parent, id)).await
            }
            async fn $update(&self, v: $ty) -> StoreResult<Option<Revision>> {
                v.validate()?;
                self.update(v).await
            }
            async fn $delete(&self, parent: &$parent, id: &$id) -> StoreResult<Option<Revision>> {
                self.delete::<$ty>(RecordKey::child(parent, id)).await
            }
            async fn $list(&self, parent: &$parent, page: PageRequest) -> StoreResult<Page<$ty>> {
                page.check()?;
                self.list::<$ty>(parent.to_string(), page).await
            }
        }
    };
}

root_family!(/// Users.
    UserStore, User, UserId, create_user, get_user, update_user, delete_user, list_users);
root_family!(/// Organizations.
    OrganizationStore, Organization, OrganizationId, create_organization, get_organization,
    update_organization, delete_organization, list_organizations);
root_family!(/// Applications.
    ApplicationStore, Application, ApplicationId, create_application, get_application,
    update_application, delete_application, list_applications);
root_family!(/// Gateways (in the change log: writes return their revision).
    GatewayStore, Gateway, GatewayId, create_gateway, get_gateway, update_gateway, delete_gateway,
    list_gateways);
root_family!(/// OAuth clients.
    OAuthClientStore, OAuthClient, ClientId, create_oauth_client, get_oauth_client,
    update_oauth_client, delete_oauth_client, list_oauth_clients);
child_family!(/// End devices of an application (in the change log: writes return their revision).
    EndDeviceStore, EndDevice, ApplicationId, DeviceId, create_end_device, get_end_device,
    update_end_device, delete_end_device, list_end_devices);
child_family!(/// API keys of an entity.
    ApiKeyStore, ApiKey, EntityRef, ApiKeyId, create_api_key, get_api_key, update_api_key,
    delete_api_key, list_api_keys);
child_family!(/// Collaborators on an entity.
    MembershipStore, Membership, EntityRef, EntityRef, create_membership, get_membership,
    update_membership, delete_membership, list_memberships);

/// Look-ups by network-wide unique values.
#[async_trait]
pub trait UniqueLookup: Send + Sync {
    /// The end device holding (JoinEUI, DevEUI).
    async fn find_end_device(&self, join_eui: JoinEui, dev_eui: DevEui) -> StoreResult<EndDevice>;
    /// The gateway holding an EUI.
    async fn find_gateway(&self, eui: Eui64) -> StoreResult<Gateway>;
    /// The API key with this id, whatever its owner.
    async fn find_api_key(&self, id: &ApiKeyId) -> StoreResult<ApiKey>;
}

#[async_trait]
impl<B: Backend> UniqueLookup for B {
    async fn find_end_device(&self, join_eui: JoinEui, dev_eui: DevEui) -> StoreResult<EndDevice> {
        self.lookup(dev_eui_key(join_eui, dev_eui)).await
    }
    async fn find_gateway(&self, eui: Eui64) -> StoreResult<Gateway> {
        self.lookup(UniqueKey {
            kind: UniqueKind::GatewayEui,
            value: eui.to_string(),
        })
        .await
    }
    async fn find_api_key(&self, id: &ApiKeyId) -> StoreResult<ApiKey> {
        self.lookup(UniqueKey {
            kind: UniqueKind::ApiKeyId,
            value: id.to_string(),
        })
        .await
    }
}

/// The Join Server's nonce state, written by compare-and-set only.
#[async_trait]
pub trait JoinStateStore: Send + Sync {
    /// The stored state, `None` if the device never joined.
    async fn get_join_state(
        &self,
        join_eui: JoinEui,
        dev_eui: DevEui,
    ) -> StoreResult<Option<JoinState>>;
    /// Stores `state` if the stored version is `expected` (`None`: nothing stored yet); the
    /// stored copy gets version `expected + 1` (1 for a first write) and is returned. Another
    /// version found: [`StoreError::Conflict`], nothing written.
    async fn cas_join_state(
        &self,
        state: JoinState,
        expected: Option<u64>,
    ) -> StoreResult<JoinState>;
}

/// The change log of gateways and end devices (see [`super::revision`]).
#[async_trait]
pub trait ChangeLog: Send + Sync {
    /// The latest revision a watcher can rely on having seen all changes up to.
    async fn current_revision(&self) -> StoreResult<Revision>;
    /// Up to `limit` changes with revision greater than `after`, in revision order;
    /// [`StoreError::Compacted`] if `after` is below the floor.
    async fn changes_since(&self, after: Revision, limit: u32) -> StoreResult<Vec<Change>>;
    /// Drops changes up to and including `through`, which becomes the floor.
    async fn compact(&self, through: Revision) -> StoreResult<()>;
}

/// The whole store: what components hold as `Arc<dyn Store>`.
pub trait Store:
    UserStore
    + OrganizationStore
    + ApplicationStore
    + GatewayStore
    + OAuthClientStore
    + EndDeviceStore
    + ApiKeyStore
    + MembershipStore
    + UniqueLookup
    + JoinStateStore
    + ChangeLog
{
}

impl<T> Store for T where
    T: UserStore
        + OrganizationStore
        + ApplicationStore
        + GatewayStore
        + OAuthClientStore
        + EndDeviceStore
        + ApiKeyStore
        + MembershipStore
        + UniqueLookup
        + JoinStateStore
        + ChangeLog
{
}

/// Checks the `limit` of `changes_since`.
pub(crate) fn check_change_limit(limit: u32) -> StoreResult<()> {
    PageRequest::first(limit).check()
}
