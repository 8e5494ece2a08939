//! The Join Server's per-device replay state (LoRaWAN 1.0.4 §6.2.5, 1.1 §6.2.5, 1.0.x earlier):
//! DevNonce is a counter that must increase in 1.0.4 and 1.1, a random value that must not repeat
//! in 1.0.0–1.0.3; JoinNonce increases per device on the Join Server side.
//!
//! Written only by compare-and-set on `version`, so two Join Server instances racing on one
//! join-request cannot both accept it.

use serde::{Deserialize, Serialize};
use shared::types::{DevEui, JoinEui};
use std::collections::BTreeSet;

/// Nonce state of one device, keyed by (JoinEUI, DevEUI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinState {
    /// JoinEUI.
    pub join_eui: JoinEui,
    /// DevEUI.
    pub dev_eui: DevEui,
    /// Highest DevNonce accepted (1.0.4 / 1.1 counter).
    pub last_dev_nonce: Option<u16>,
    /// Every DevNonce accepted (1.0.0–1.0.3 random nonces); at most 65,536 values.
    pub used_dev_nonces: BTreeSet<u16>,
    /// Last JoinNonce issued (24-bit on air).
    pub join_nonce: u32,
    /// Store version: 1 on first write, +1 on every compare-and-set.
    pub version: u64,
}

impl JoinState {
    /// A fresh state (no nonce seen) for a device, version 0 (not stored).
    pub fn new(join_eui: JoinEui, dev_eui: DevEui) -> Self {
        Self {
            join_eui,
            dev_eui,
            last_dev_nonce: None,
            used_dev_nonces: BTreeSet::new(),
            join_nonce: 0,
            version: 0,
        }
    }
}
