//! The control plane: registries (Identity Server), Join Server, APIs and the store with its
//! embedded and ScyllaDB backends, pushing sessions and gateways to the data plane.
//!
//! Built so far:
//! - [`join`]: the Join Server core, sans-IO (join-request and rejoin-request in, join-accept,
//!   session keys and the device's next join state out; the caller persists that state).
//!
//! Until the store and the watch exist the data plane reads its records from
//! `deploy/config/{gateways,sessions}.toml`.
#![forbid(unsafe_code)]

pub mod join;
