//! The Join Server value: configuration (NetID, DevAddr space, DevNonce history, frequency
//! plans), built once and shared; its request handlers are in `join_request.rs` and
//! `rejoin.rs`. It holds no per-device state and no store: the caller reads the device and its
//! [`JoinState`](super::JoinState), calls a handler, and writes the returned state back.
//!
//! [`identify`] reads the identifiers out of a request before any key is known, so the caller
//! can look the device up.

use super::dev_addr::{DevAddrAllocator, DevAddrConfig, DevAddrError};
use super::dev_nonce::DEFAULT_DEV_NONCE_HISTORY;
use super::error::JoinError;
use super::frequency_plan::{FrequencyPlan, FrequencyPlanError, builtin_plans};
use super::join_accept::JoinReqType;
use super::kek::KeyVaultConfig;
use serde::{Deserialize, Deserializer};
use shared::lorawan::{JoinRequest, MType, Mhdr, RejoinRequest};
use shared::types::{DevEui, JoinEui, NetId};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Join Server settings (`[join]` in the control plane's configuration).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct JoinServerConfig {
    /// This network's NetID, sent as Home_NetID and bounding the DevAddr space.
    #[serde(deserialize_with = "net_id_from_str")]
    pub net_id: NetId,
    /// DevAddr allocation.
    pub dev_addr: DevAddrConfig,
    /// Past DevNonces kept per 1.0.0–1.0.3 device (see `dev_nonce.rs` for the choice of 256).
    pub dev_nonce_history: usize,
    /// Frequency plans by id, added to (and overriding) the built-in ones.
    pub frequency_plans: BTreeMap<String, FrequencyPlan>,
    /// KEKs for root keys at rest; used by the caller's [`KeyVault`](super::KeyVault).
    pub key_vault: KeyVaultConfig,
}

impl Default for JoinServerConfig {
    fn default() -> Self {
        Self {
            net_id: NetId::default(),
            dev_addr: DevAddrConfig::default(),
            dev_nonce_history: DEFAULT_DEV_NONCE_HISTORY,
            frequency_plans: BTreeMap::new(),
            key_vault: KeyVaultConfig::default(),
        }
    }
}

fn net_id_from_str<'de, D: Deserializer<'de>>(d: D) -> Result<NetId, D::Error> {
    let s = <Cow<'de, str>>::deserialize(d)?;
    s.parse().map_err(serde::de::Error::custom)
}

/// A configuration the Join Server cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinConfigError {
    /// The DevAddr space is invalid.
    #[error("dev_addr: {0}")]
    DevAddr(#[from] DevAddrError),
    /// A configured frequency plan is invalid.
    #[error("frequency plan {id:?}: {error}")]
    FrequencyPlan {
        /// The plan id.
        id: String,
        /// What is wrong with it.
        error: FrequencyPlanError,
    },
}

/// The Join Server core.
#[derive(Debug)]
pub struct JoinServer {
    pub(super) net_id: NetId,
    pub(super) dev_addrs: DevAddrAllocator,
    pub(super) dev_nonce_history: usize,
    plans: BTreeMap<String, FrequencyPlan>,
}

impl JoinServer {
    /// Checks the configuration and builds the server.
    pub fn new(config: &JoinServerConfig) -> Result<Self, JoinConfigError> {
        let mut plans = builtin_plans();
        plans.extend(config.frequency_plans.clone());
        for (id, plan) in &plans {
            plan.cf_list()
                .map_err(|error| JoinConfigError::FrequencyPlan {
                    id: id.clone(),
                    error,
                })?;
        }
        Ok(Self {
            net_id: config.net_id,
            dev_addrs: DevAddrAllocator::new(config.net_id, &config.dev_addr)?,
            dev_nonce_history: config.dev_nonce_history.max(1),
            plans,
        })
    }

    /// This network's NetID.
    pub fn net_id(&self) -> NetId {
        self.net_id
    }

    /// The DevAddr allocator (for its sequential cursor).
    pub fn dev_addrs(&self) -> &DevAddrAllocator {
        &self.dev_addrs
    }

    /// The plan named `id`: a configured or built-in plan, else a bare region id.
    pub fn frequency_plan(&self, id: &str) -> Result<Cow<'_, FrequencyPlan>, JoinError> {
        if let Some(p) = self.plans.get(id) {
            return Ok(Cow::Borrowed(p));
        }
        id.parse()
            .map(|r| Cow::Owned(FrequencyPlan::region_only(r)))
            .map_err(|_| FrequencyPlanError::UnknownPlan(id.to_owned()).into())
    }
}

/// The identifiers in a join-request or rejoin-request, read before authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestIds {
    /// Join-request or rejoin type.
    pub kind: JoinReqType,
    /// JoinEUI (join-request, rejoin type 1).
    pub join_eui: Option<JoinEui>,
    /// NetID (rejoin types 0 and 2).
    pub net_id: Option<NetId>,
    /// DevEUI.
    pub dev_eui: DevEui,
}

/// Reads the identifiers from a join-request or rejoin-request (unauthenticated: use them only
/// to find the device, then call the handler, which checks the MIC).
pub fn identify(bytes: &[u8]) -> Result<RequestIds, JoinError> {
    match Mhdr::parse_first(bytes)?.mtype() {
        MType::RejoinRequest => {
            let r = RejoinRequest::parse(bytes)?;
            Ok(RequestIds {
                kind: JoinReqType::Rejoin(r.rejoin_type()),
                join_eui: r.join_eui(),
                net_id: r.net_id(),
                dev_eui: r.dev_eui(),
            })
        }
        _ => {
            let r = JoinRequest::parse(bytes)?;
            Ok(RequestIds {
                kind: JoinReqType::Join,
                join_eui: Some(r.join_eui()),
                net_id: None,
                dev_eui: r.dev_eui(),
            })
        }
    }
}
