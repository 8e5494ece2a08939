//! The control plane's store: The Things Stack's Identity Server entities, the Join Server's
//! nonce state and the change log behind the plane-to-plane watch, behind one [`Store`] trait
//! with two backends and one conformance suite.
//!
//! - [`model`]: the records (plain serde structs, ids validated like TTS ids in [`id`]).
//! - [`traits`]: one trait per entity family composed into [`Store`]; use as `Arc<dyn Store>`.
//! - [`record`]: keys and unique keys of each record, what backends are written against.
//! - [`revision`]: revisions, deltas, compaction.
//! - [`embedded`]: the default backend, one redb file, zero set-up.
//! - [`scylla`]: ScyllaDB, schema in `deploy/scylla/`.
//! - [`conformance`]: the suite every backend passes.
//!
//! Uniqueness of DevEUI (per JoinEUI), gateway EUI, API key id and user email is enforced
//! atomically by each backend: in the write transaction (embedded), by a lightweight
//! transaction on a uniqueness table (Scylla). Values are stored as JSON.

pub mod conformance;
pub mod embedded;
mod error;
pub mod id;
pub mod model;
pub mod record;
pub mod revision;
pub mod scylla;
pub mod traits;

pub use error::{StoreError, StoreResult};
pub use revision::{Change, Delta, Revision};
pub use traits::{
    ApiKeyStore, ApplicationStore, Backend, ChangeLog, EndDeviceStore, GatewayStore,
    JoinStateStore, MembershipStore, OAuthClientStore, OrganizationStore, Page, PageRequest, Store,
    UniqueLookup, UserStore,
};
