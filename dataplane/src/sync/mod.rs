//! Config the control plane pushes down: gateways and device sessions.
//!
//! - [`watch_client`]: the plane-to-plane watch (`shared::api::PlaneSync`), snapshot then deltas
//!   by revision, resumed after a reconnect, with the last state cached on disk so the node
//!   serves through a control-plane outage and restarts without it.
//! - [`apply`]: the watch applied, sans-IO: events in, per-core changes out.
//! - [`convert`]: pushed records checked and turned into core sessions and gateway records.
//! - [`control`]: the rings that carry changes to the cores.
//! - [`join_client`]: join-requests to the Join Server (`PlaneSync.Join`) and the answers back
//!   to the cores, through a bounded queue and a ring per core.
//! - [`session_file`]: the same records from TOML files, for running without a control plane.

pub mod apply;
pub mod control;
pub mod convert;
pub mod join_client;
pub mod session_file;
pub mod watch_client;
