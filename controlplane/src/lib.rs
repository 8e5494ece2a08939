//! The control plane: registries (Identity Server), Join Server, APIs and the store with its
//! embedded and ScyllaDB backends, pushing sessions and gateways to the data plane.
//!
//! Nothing is built here yet (issue 6); until then the data plane reads the same records from
//! `deploy/config/{gateways,sessions}.toml`.
#![forbid(unsafe_code)]
