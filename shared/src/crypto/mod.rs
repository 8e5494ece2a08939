//! LoRaWAN cryptography over byte slices: MICs, payload ciphers, key derivation and key wrap.
//!
//! - [`mic`]: join-request, rejoin-request, join-accept (1.0 and 1.1) and data MICs (1.0; 1.1
//!   in halves), over a prepared AES-CMAC [`MicKey`] (LoRaWAN 1.0.4 §4.4, 1.1 §4.4, §6.2).
//! - [`cipher`]: FRMPayload and 1.1 FOpts encryption in place, join-accept encryption, over a
//!   prepared [`CipherKey`] (1.0.4 §4.3.3, 1.1 §4.3.1.6 and errata, §4.3.3, §6.2.3).
//! - [`derive`](mod@derive): 1.0.x and 1.1 session keys, JSIntKey and JSEncKey (1.0.4 §6.2.5, 1.1 §6.1.1.3,
//!   §6.2.3).
//! - [`keywrap`]: RFC 3394 AES key wrap with a 128-bit KEK (Backend Interfaces TS002 §6.3).
//!
//! The functions know nothing of frame layout: callers hand in the exact bytes a MIC covers and
//! the fields (DevAddr, FCnt, Direction…) the blocks need, so frame views depend on this module
//! and not the other way round. The per-frame functions (`mic`, `cipher`) allocate nothing and
//! never panic on any input.
//!
//! # Why not the `lorawan` or `lrwn` crates
//! Both serve here as test oracles (dev-dependencies), not as the implementation. `lorawan` 0.9
//! has no LoRaWAN 1.1 (no split uplink MIC, no FOpts encryption, no 1.1 key derivation), its
//! MIC and cipher helpers are private (`securityhelpers`) and reachable only through its frame
//! parser, which reads DevAddr and direction from the PHYPayload itself and builds a fresh AES
//! key schedule and CMAC subkeys for every frame. None of its 1.0 functions fits a prepared,
//! slice-based API without paying that per-frame cost, so none is used. `lrwn` covers 1.1 but
//! works on owned frame structs, allocates a `Vec` per call and returns `anyhow` errors. What
//! is written here is checked against both, against RFC 4493 / RFC 3394 examples, The Things
//! Stack's published vectors and vectors generated with the npm package `lora-packet`
//! (`shared/tests/crypto_*.rs`, `shared/tests/fixtures/`).

mod aes_cmac;
pub mod cipher;
pub mod derive;
pub mod keywrap;
pub mod mic;

pub use cipher::{
    CipherError, CipherKey, FOptsVariant, fopts_crypt_v11, frm_payload_crypt, join_accept_decrypt,
    join_accept_encrypt,
};
pub use derive::{
    JsKeys, SessionKeysV10, SessionKeysV11, js_keys, session_keys_v10, session_keys_v11,
};
pub use keywrap::{KeyWrapError, unwrap_into, unwrap_key, wrap_into, wrap_key};
pub use mic::{
    Mic, MicKey, UplinkMicV11, data_downlink_mic, data_uplink_mic_v10, data_uplink_mic_v11,
    join_accept_mic_v10, join_accept_mic_v11, join_request_mic, mic_eq, rejoin_request_mic,
};
