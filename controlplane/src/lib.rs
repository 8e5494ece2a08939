//! The control plane: registries (Identity Server), Join Server, APIs and the store with its
//! embedded and ScyllaDB backends, pushing sessions and gateways to the data plane.
//!
//! Built so far:
//! - [`store`]: the registry and Join Server state behind one trait, with an embedded (redb)
//!   and a ScyllaDB backend, one conformance suite, and the change log behind the watch.
//! - [`join`]: the Join Server core, sans-IO (join-request and rejoin-request in, join-accept,
//!   session keys and the device's next join state out; the caller persists that state).
//! - [`push`]: the plane-to-plane service data-plane nodes follow (watch) and call (join).
//! - [`identity`]: the Identity Server (users, organizations, applications, end devices,
//!   gateways, API keys, collaborators, OAuth clients, rights) over the store.
//! - [`api`]: authentication and rights shared by the APIs, and the HTTP/JSON API.
//! - [`config`]: the typed configuration the binary loads.
#![forbid(unsafe_code)]

pub mod api;
pub mod config;
pub mod identity;
pub mod join;
pub mod push;
pub mod store;
