//! The store's one error type: what failed and on which key, in terms a caller can act on
//! (retry on `Conflict`, re-snapshot on `Compacted`, 404 on `NotFound`, 400 on `Invalid`).

use super::revision::Revision;

/// Every store operation fails with this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The input broke a rule of the model (bad id, missing keys, limit out of range).
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field or argument at fault.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// No record under this key.
    #[error("{kind} {key} not found")]
    NotFound {
        /// The record kind (`end_device`, `gateway`, ...).
        kind: &'static str,
        /// The key asked for, as `parent/id` or `id`.
        key: String,
    },
    /// A create (or an update changing a unique key) met a key already taken.
    #[error("{unique} {value} already exists")]
    AlreadyExists {
        /// Which unique key: `end_device`, `dev_eui`, `gateway_eui`, `email`, ...
        unique: &'static str,
        /// The taken value.
        value: String,
    },
    /// A compare-and-set found another version than the one expected.
    #[error("conflict on {key}: expected version {expected:?}, found {found:?}")]
    Conflict {
        /// The contended key.
        key: String,
        /// The version the caller expected (`None`: absent).
        expected: Option<u64>,
        /// The version found (`None`: absent).
        found: Option<u64>,
    },
    /// The change log no longer holds revisions after the one asked for: take a new snapshot.
    #[error("revision {requested} is compacted (floor {floor})")]
    Compacted {
        /// The revision asked for.
        requested: Revision,
        /// Changes after this revision are still held.
        floor: Revision,
    },
    /// A stored value could not be decoded (corruption or an incompatible format).
    #[error("corrupt record {key}: {reason}")]
    Corrupt {
        /// The key of the bad value.
        key: String,
        /// The decoder's message.
        reason: String,
    },
    /// The database failed (I/O, driver, timeout, lost connection).
    #[error("store backend: {0}")]
    Backend(String),
}

impl StoreError {
    /// Shorthand for [`StoreError::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`StoreError::Backend`] from anything printable.
    pub fn backend(e: impl std::fmt::Display) -> Self {
        Self::Backend(e.to_string())
    }
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;
