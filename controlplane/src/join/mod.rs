//! Join Server (JS) core, sans-IO: LoRaWAN 1.0.x and 1.1 over-the-air activation
//! (LoRaWAN 1.0.4 §6.2, 1.1 §6.1–6.2; Backend Interfaces TS002-1.1 §6.3 for keys at rest).
//!
//! No store, no sockets, no clock: the caller finds the device by the request's identifiers
//! ([`identify`]), unwraps its root keys ([`KeyVault`]), and calls
//! [`JoinServer::handle_join_request`] or [`JoinServer::handle_rejoin_request`] with `now`, the
//! request bytes, the [`JoinDevice`] and its persisted [`JoinState`]. On success it gets a
//! [`JoinAccepted`]: the encrypted join-accept, the next state (persist it with compare-and-set
//! against the state it read, then transmit), and the [`JoinSession`] whose network keys go to
//! the Network Server and AppSKey to the Application Server.
//!
//! | file | owns |
//! |---|---|
//! | `join_request.rs` | join-request steps, shared accept/keys/state step |
//! | `rejoin.rs` | rejoin-request types 0/1/2 |
//! | `join_accept.rs` | join-accept MIC and encryption into a fixed buffer |
//! | `dev_nonce.rs` | DevNonce (random/counter), JoinNonce, RJcount1 rules |
//! | `dev_addr.rs` | DevAddr allocation per NetID type or prefix set |
//! | `frequency_plan.rs` | CFList per region, DLSettings, RxDelay |
//! | `kek.rs` | root keys wrapped at rest, the KEK vault |
//! | `state.rs`, `session.rs`, `error.rs`, `server.rs` | inputs, outputs, errors, configuration |
//!
//! Frames, MICs, ciphers and key derivation come from `shared` (`lorawan`, `crypto`); nothing
//! here re-implements them.

mod dev_addr;
mod dev_nonce;
mod error;
mod frequency_plan;
mod join_accept;
mod join_request;
mod kek;
mod rejoin;
mod server;
mod session;
mod state;

pub use dev_addr::{AllocationMode, DevAddrAllocator, DevAddrConfig, DevAddrError, parse_prefix};
pub use dev_nonce::{
    DEFAULT_DEV_NONCE_HISTORY, DevNonceRule, MAX_JOIN_NONCE, NonceError, accept_dev_nonce,
    accept_rj_count1, take_join_nonce,
};
pub use error::JoinError;
pub use frequency_plan::{
    FrequencyPlan, FrequencyPlanError, MAX_EXTRA_CHANNELS, builtin_plans, downlink_settings,
};
pub use join_accept::{AcceptMic, JoinAcceptFrame, JoinReqType, encode_join_accept};
pub use kek::{KekError, KeyVault, KeyVaultConfig, RootKeys, WrappedKey, WrappedRootKeys};
pub use rejoin::RejoinMic;
pub use server::{JoinConfigError, JoinServer, JoinServerConfig, RequestIds, identify};
pub use session::{JoinAccepted, JoinSession, NwkSessionKeys};
pub use state::{JoinDevice, JoinState, RxSettings};
