//! The change log behind the plane-to-plane watch (like etcd's revisions): every create,
//! update or delete of a gateway or an end device (its session included) gets a store-wide,
//! monotonically increasing [`Revision`]; `changes_since(r)` returns the deltas after `r` in
//! revision order; compaction drops old deltas and leaves a floor below which a watcher gets
//! [`StoreError::Compacted`](super::StoreError::Compacted) and must take a new snapshot.
//!
//! Resuming: a watcher reads `current_revision()`, lists gateways and devices, then follows
//! `changes_since` from that revision. Deltas carry whole records, so replaying one already in the
//! snapshot is harmless.

use super::id::{ApplicationId, DeviceId, GatewayId};
use super::model::{EndDevice, Gateway};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A position in the change log; 0 is "before any change".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct Revision(pub u64);

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delta {
    /// A gateway was created or updated; its new value.
    GatewayPut(Box<Gateway>),
    /// A gateway was deleted.
    GatewayDeleted {
        /// Its id.
        gateway_id: GatewayId,
    },
    /// An end device (or its session) was created or updated; its new value.
    EndDevicePut(Box<EndDevice>),
    /// An end device was deleted.
    EndDeviceDeleted {
        /// Its application.
        application_id: ApplicationId,
        /// Its id.
        device_id: DeviceId,
    },
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Its revision.
    pub revision: Revision,
    /// What changed.
    pub delta: Delta,
}
