//! The LoRaWAN model shared by both planes: identifiers and keys, frame codecs, MAC commands,
//! crypto, regional parameters and gateway wire protocols.
//!
//! Everything here is sans-IO: bytes and `now` in, values and bytes out. No sockets, threads or
//! clock reads, so the same code serves the data plane's hot path, the control plane and the
//! load generator, and every piece is testable on its own.
#![forbid(unsafe_code)]

#[cfg(feature = "api")]
pub mod api;
pub mod basicstation;
pub mod config;
pub mod crypto;
mod json_writer;
pub mod lorawan;
pub mod region;
pub mod semtech_udp;
pub mod types;
