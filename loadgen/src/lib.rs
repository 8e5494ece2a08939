//! The load generator operators benchmark the stack with: a fleet of simulated ABP devices and
//! Semtech UDP gateways driving a running data plane over real sockets, with end-to-end latency
//! measured from the first gateway send to the application event (gRPC stream).
//!
//! | Module | Owns |
//! |---|---|
//! | [`fleet`] | devices and gateways derived from a seed; writes the data plane's `gateways.toml` and `sessions.toml` |
//! | [`device`] | device identity, ABP session keys, data uplink frames (LoRaWAN 1.0.4 §4) |
//! | [`radio`] | region channels and data rates, RSSI/SNR per device–gateway pair |
//! | [`gateway`] | per-gateway counters; [`gateway::udp`]: PUSH_DATA/PULL_DATA/TX_ACK and ack tracking |
//! | [`scenario`] | the run's typed settings (`deploy/config/loadgen.toml`) |
//! | [`sender`] | a sender thread: pacing, copies with jitter, keepalives, replies |
//! | [`events`] | the gRPC event stream consumer |
//! | [`tracker`] | matching events to uplinks by (DevAddr, FCnt): latency, losses by kind |
//! | [`report`], [`svg`] | the report as JSON, Markdown and two SVG plots |
//! | [`run`] | one whole run; [`cpu`]: loadgen's own CPU time and RSS |
//!
//! Devices are ABP only: OTAA needs the data plane's join path (issue 5), see [`device`].
//! The control plane's API does not exist yet, so a fleet is provisioned by handing the data
//! plane the files `loadgen fleet` writes.
#![deny(unsafe_code)]

pub mod counters;
pub mod cpu;
pub mod device;
pub mod events;
pub mod fleet;
pub mod gateway;
pub mod radio;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sender;
pub mod svg;
pub mod tracker;
