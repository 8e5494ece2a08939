//! Config the control plane pushes down: gateways and device sessions. The plane-to-plane watch
//! (snapshot, deltas, revisions) lands with the control plane; until then the same records come
//! from TOML files.

pub mod session_file;
