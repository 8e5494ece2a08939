//! What the caller hands the Join Server for one request: the device ([`JoinDevice`]: identity,
//! version, unwrapped root keys, frequency plan, RX settings) and its persisted [`JoinState`]
//! (nonces, last DevAddr). The server never mutates either; an accepted join returns the next
//! state, which the caller writes back with compare-and-set on the value it read, so two
//! concurrent joins of one device cannot both win.

use super::kek::RootKeys;
use serde::{Deserialize, Serialize};
use shared::types::{DevAddr, DevEui, JoinEui, MacVersion};

/// Per-device state the Join Server needs across joins (LoRaWAN 1.1 §6.2, 1.0.4 §6.2).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct JoinState {
    /// Last DevNonce accepted; the floor for counter DevNonces (1.0.4, 1.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_dev_nonce: Option<u16>,
    /// Random DevNonces used by a 1.0.0–1.0.3 device, oldest first, bounded by the server's
    /// `dev_nonce_history`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub used_dev_nonces: Vec<u16>,
    /// Last JoinNonce sent (24 bits); `None` before the first join-accept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_join_nonce: Option<u32>,
    /// Last RJcount1 of a type-1 rejoin processed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_rj_count1: Option<u16>,
    /// DevAddr of the last join-accept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dev_addr: Option<DevAddr>,
    /// When the last join-accept was built (Unix seconds, the caller's clock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_join_unix: Option<i64>,
}

/// RX parameters announced in the join-accept (DLSettings, RxDelay; LoRaWAN 1.1 §6.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RxSettings {
    /// RX1DROffset (0–7; the region bounds it further).
    pub rx1_dr_offset: u8,
    /// RX2 data rate; `None` uses the region's default RX2 data rate.
    pub rx2_data_rate: Option<u8>,
    /// RX1 delay in seconds (1–15), RxDelay.Del.
    pub rx1_delay_secs: u8,
}

impl Default for RxSettings {
    /// RX1DROffset 0, the region's RX2 data rate, RECEIVE_DELAY1 = 1 s (RP002-1.0.3 defaults).
    fn default() -> Self {
        Self {
            rx1_dr_offset: 0,
            rx2_data_rate: None,
            rx1_delay_secs: 1,
        }
    }
}

/// A device as the Join Server needs it for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinDevice {
    /// DevEUI; must match the request.
    pub dev_eui: DevEui,
    /// JoinEUI (AppEUI in 1.0.x); must match a join-request or type-1 rejoin.
    pub join_eui: JoinEui,
    /// The LoRaWAN version the device implements.
    pub mac_version: MacVersion,
    /// Root keys, unwrapped by the caller through the [`KeyVault`](super::KeyVault).
    pub root_keys: RootKeys,
    /// Frequency plan id: a plan of the server's configuration or a bare region id ("EU868").
    pub frequency_plan_id: String,
    /// RX parameters to announce.
    pub rx: RxSettings,
}
