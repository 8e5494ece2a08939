//! The data plane: thread-per-core, io_uring-driven packet path.
//!
//! `runtime/` holds the I/O edge (rings, sockets, buffers); protocol cores stay sans-IO.

pub mod application;
pub mod config;
pub mod gateway;
pub mod network;
pub mod runtime;
pub mod sync;
pub mod worker;
