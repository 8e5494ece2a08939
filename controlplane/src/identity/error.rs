//! The Identity Server's error: what a caller did wrong (field by field for bad input), what is
//! missing or taken, or what failed underneath. The API layers map it to HTTP or gRPC status.

use crate::store::StoreError;

/// One rejected field of a request (TTS `errors.Details` with a field path).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldViolation {
    /// The field path, as in the request (`dev_eui`, `root_keys.app_key`).
    pub field: String,
    /// Why it was refused.
    pub reason: String,
}

/// Every Identity Server operation fails with this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The request broke a rule; every violation found is listed.
    #[error("invalid argument: {}", summary(.0))]
    Invalid(Vec<FieldViolation>),
    /// No credentials, or credentials that do not authenticate.
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    /// Authenticated, but without the rights the operation needs.
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// The entity does not exist.
    #[error("{kind} {key} not found")]
    NotFound {
        /// Record kind.
        kind: &'static str,
        /// Its key.
        key: String,
    },
    /// An id or a unique value (DevEUI, gateway EUI, email) is taken.
    #[error("{unique} {value} already exists")]
    AlreadyExists {
        /// Which unique value.
        unique: &'static str,
        /// The taken value.
        value: String,
    },
    /// The operation is refused in the entity's current state (an application with devices).
    #[error("failed precondition: {0}")]
    FailedPrecondition(String),
    /// The store or the key vault failed.
    #[error("internal: {0}")]
    Internal(String),
}

fn summary(v: &[FieldViolation]) -> String {
    v.iter()
        .map(|f| format!("{}: {}", f.field, f.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

impl IdentityError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldViolation {
            field: field.into(),
            reason: reason.into(),
        }])
    }
}

impl From<StoreError> for IdentityError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid { field, reason } => Self::invalid(field, reason),
            StoreError::NotFound { kind, key } => Self::NotFound { kind, key },
            StoreError::AlreadyExists { unique, value } => Self::AlreadyExists { unique, value },
            other => Self::Internal(other.to_string()),
        }
    }
}

/// Result of an Identity Server operation.
pub type IdentityResult<T> = Result<T, IdentityError>;

/// Collects field violations while a request is checked, then fails with all of them at once.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    /// Records one violation.
    pub fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            reason: reason.into(),
        });
    }

    /// Runs a parse and records its error under `field`; `None` when it failed.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    /// `Ok` when nothing was recorded, else [`IdentityError::Invalid`] with every violation.
    pub fn finish(self) -> IdentityResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(IdentityError::Invalid(self.0))
        }
    }
}
