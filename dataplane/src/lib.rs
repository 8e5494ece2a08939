//! The data plane: thread-per-core, io_uring-driven packet path.
//!
//! `runtime/` holds the I/O edge (rings, sockets, buffers); protocol cores stay sans-IO.
//! `events/` carries application events off the cores to streaming consumers served by
//! `http/`; `metrics` sums the cores' counters for `/metrics`.

pub mod application;
pub mod config;
pub mod drop;
pub mod events;
pub mod gateway;
pub mod http;
pub mod metrics;
pub mod network;
pub mod node;
pub mod persist;
pub mod runtime;
pub mod sync;
pub mod worker;
