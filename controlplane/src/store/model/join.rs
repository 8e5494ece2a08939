//! The Join Server's per-device replay state (LoRaWAN 1.0.4 §6.2.5, 1.1 §6.2.5, 1.0.x earlier):
//! DevNonce is a counter that must increase in 1.0.4 and 1.1, a random value that must not repeat
//! in 1.0.0–1.0.3; JoinNonce increases per device on the Join Server side.
//!
//! Written only by compare-and-set on `version`, so two Join Server instances racing on one
//! join-request cannot both accept it.

use serde::{Deserialize, Serialize};
use shared::types::{DevEui, JoinEui};

/// Nonce state of one device, keyed by (JoinEUI, DevEUI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinState {
    /// JoinEUI.
    pub join_eui: JoinEui,
    /// DevEUI.
    pub dev_eui: DevEui,
    /// What the Join Server keeps across joins (DevNonces, JoinNonce, RJcount1, DevAddr).
    pub nonces: crate::join::JoinState,
    /// Store version: 1 on first write, +1 on every compare-and-set.
    pub version: u64,
}

impl JoinState {
    /// A fresh state (no nonce seen) for a device, version 0 (not stored).
    pub fn new(join_eui: JoinEui, dev_eui: DevEui) -> Self {
        Self {
            join_eui,
            dev_eui,
            nonces: crate::join::JoinState::default(),
            version: 0,
        }
    }
}
