//! The control plane: registries (Identity Server), Join Server, APIs and the store with its
//! embedded and ScyllaDB backends, pushing sessions and gateways to the data plane.
//!
//! Built so far: [`store`] (issue 6), the registry and Join Server state behind one trait with an
//! embedded (redb) and a ScyllaDB backend. Until the watch service exists the data plane reads the
//! same records from `deploy/config/{gateways,sessions}.toml`.
#![forbid(unsafe_code)]

pub mod store;
