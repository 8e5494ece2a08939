//! Why the Join Server refused a request. Each variant has a stable [`JoinError::reason`] for
//! a metric label (`join_rejected_total{reason="mic_mismatch"}`).

use super::dev_nonce::NonceError;
use super::frequency_plan::FrequencyPlanError;
use shared::lorawan::FrameError;
use shared::types::{DevEui, JoinEui, MacVersion, NetId};

/// A refused join-request or rejoin-request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinError {
    /// The bytes are not a well-formed join-request or rejoin-request.
    #[error("malformed request: {0}")]
    Frame(#[from] FrameError),
    /// The request's JoinEUI is not the device's.
    #[error("JoinEUI {got} does not match the device's {expected}")]
    JoinEuiMismatch {
        /// The device's JoinEUI.
        expected: JoinEui,
        /// JoinEUI in the request.
        got: JoinEui,
    },
    /// The request's DevEUI is not the device's.
    #[error("DevEUI {got} does not match the device's {expected}")]
    DevEuiMismatch {
        /// The device's DevEUI.
        expected: DevEui,
        /// DevEUI in the request.
        got: DevEui,
    },
    /// A type 0/2 rejoin names another network.
    #[error("rejoin NetID {got} is not this network's {expected}")]
    NetIdMismatch {
        /// This Join Server's NetID.
        expected: NetId,
        /// NetID in the rejoin-request.
        got: NetId,
    },
    /// The MIC does not verify under the device's key: forged, corrupted or wrong key.
    #[error("MIC mismatch")]
    MicMismatch,
    /// DevNonce, RJcount1 or JoinNonce rule violated.
    #[error(transparent)]
    Nonce(#[from] NonceError),
    /// A LoRaWAN 1.1 device without NwkKey.
    #[error("LoRaWAN 1.1 device has no NwkKey")]
    MissingNwkKey,
    /// Rejoin-requests exist only in LoRaWAN 1.1.
    #[error("rejoin-request from a LoRaWAN {0} device")]
    RejoinNotSupported(MacVersion),
    /// The device's frequency plan or RX settings cannot be announced.
    #[error(transparent)]
    FrequencyPlan(#[from] FrequencyPlanError),
}

impl JoinError {
    /// A short, stable name for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Frame(_) => "malformed",
            Self::JoinEuiMismatch { .. } => "join_eui_mismatch",
            Self::DevEuiMismatch { .. } => "dev_eui_mismatch",
            Self::NetIdMismatch { .. } => "net_id_mismatch",
            Self::MicMismatch => "mic_mismatch",
            Self::Nonce(NonceError::Replay(_)) => "dev_nonce_replay",
            Self::Nonce(NonceError::TooLow { .. }) => "dev_nonce_too_low",
            Self::Nonce(NonceError::RjCountTooLow { .. }) => "rj_count_too_low",
            Self::Nonce(NonceError::JoinNonceExhausted) => "join_nonce_exhausted",
            Self::MissingNwkKey => "missing_nwk_key",
            Self::RejoinNotSupported(_) => "rejoin_not_supported",
            Self::FrequencyPlan(_) => "frequency_plan",
        }
    }
}
