//! LoRaWAN frames (LoRaWAN 1.0.4 §4 and §6.2, 1.1 §4–6): zero-copy views for parsing and
//! builders that write into caller-provided buffers.
//!
//! Shaped after smoltcp's `wire` module: a view (`DataFrame`, `JoinRequest`, …) wraps a byte
//! slice and is checked once in `parse`, after which no accessor can fail or panic; a `*Repr` is
//! the owned, `Copy` form with `parse`, `buffer_len` and `emit`. Nothing here allocates or
//! computes crypto: views expose `mic_input()` and mutable FOpts/FRMPayload slices, and the
//! crypto module works on those.
//!
//! Differences from peer parsers are listed in `shared/tests/frames_differential.rs`.
//!
//! Test vectors in the unit tests, each cited where used:
//! - The Things Stack `pkg/encoding/lorawan/lorawan_test.go` (commit 01fac1c2):
//!   `TestLoRaWANEncodingRaw`, `TestLoRaWANEncodingRawJoinAcceptPayload`,
//!   `TestUnmarshalResilience`;
//! - ChirpStack `lrwn` 4.13 `src/phy_payload.rs` doc examples and `test_proprietary`;
//! - npm `lora-packet` README (`lora-packet-decode --hex 40F17DBE…`).

mod cflist;
mod data;
mod data_repr;
mod dl_settings;
mod error;
mod fctrl;
mod fhdr;
mod join_accept;
mod join_request;
mod mhdr;
mod phy;
mod proprietary;
mod rejoin_request;

pub mod mac;

pub use cflist::{CF_LIST_LEN, CF_LIST_MAX_FREQUENCY, CfList};
pub use data::{DATA_MIN_LEN, DataFrame, DataFrameMut};
pub use data_repr::DataFrameRepr;
pub use dl_settings::DlSettings;
pub use error::FrameError;
pub use fctrl::FCtrl;
pub use fhdr::{F_OPTS_MAX_LEN, FHDR_MIN_LEN, FOpts, Fhdr};
pub use join_accept::{
    EncryptedJoinAccept, EncryptedJoinAcceptRepr, JOIN_ACCEPT_CF_LIST_LEN, JOIN_ACCEPT_LEN,
    JoinAccept, JoinAcceptRepr,
};
pub use join_request::{JOIN_REQUEST_LEN, JoinRequest, JoinRequestRepr};
pub use mhdr::{MType, Major, Mhdr};
pub use phy::{PhyPayload, PhyPayloadRepr};
pub use proprietary::{Proprietary, ProprietaryRepr};
pub use rejoin_request::{
    REJOIN_1_LEN, REJOIN_02_LEN, RejoinRequest, RejoinRequestRepr, RejoinType,
};
