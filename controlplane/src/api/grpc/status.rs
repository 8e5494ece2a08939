//! Identity Server errors as gRPC statuses, mirroring the HTTP mapping
//! (`api::http::error::ApiError::status`, whose codes are named after gRPC's): bad input is
//! `INVALID_ARGUMENT` with every field violation in a `google.rpc.BadRequest` detail; internal
//! failures are logged and answered without their cause.

use crate::identity::IdentityError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The gRPC code of an error.
pub fn code(e: &IdentityError) -> Code {
    match e {
        IdentityError::Invalid(_) => Code::InvalidArgument,
        IdentityError::Unauthenticated(_) => Code::Unauthenticated,
        IdentityError::PermissionDenied(_) => Code::PermissionDenied,
        IdentityError::NotFound { .. } => Code::NotFound,
        IdentityError::AlreadyExists { .. } => Code::AlreadyExists,
        IdentityError::FailedPrecondition(_) => Code::FailedPrecondition,
        _ => Code::Internal,
    }
}

/// The status answering an error.
pub fn status(e: IdentityError) -> Status {
    let c = code(&e);
    match e {
        IdentityError::Invalid(violations) => {
            let message = IdentityError::Invalid(violations.clone()).to_string();
            let mut details = ErrorDetails::new();
            for v in violations {
                details.add_bad_request_violation(v.field, v.reason);
            }
            Status::with_error_details(c, message, details)
        }
        e if c == Code::Internal => {
            tracing::error!(error = %e, "internal error");
            Status::internal("internal error")
        }
        e => Status::new(c, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::http::error::ApiError;

    /// The HTTP error codes are gRPC's names in snake case: both transports agree per error.
    #[test]
    fn mirrors_the_http_mapping() {
        let cases = [
            IdentityError::invalid("dev_eui", "want 16 hex digits"),
            IdentityError::Unauthenticated("no bearer token"),
            IdentityError::PermissionDenied("missing".into()),
            IdentityError::NotFound {
                kind: "user",
                key: "x".into(),
            },
            IdentityError::AlreadyExists {
                unique: "dev_eui",
                value: "x".into(),
            },
            IdentityError::FailedPrecondition("devices".into()),
            IdentityError::Internal("disk".into()),
        ];
        for e in cases {
            let (_, http) = ApiError(e.clone()).status();
            let grpc = format!("{:?}", code(&e));
            let snake: String = grpc
                .chars()
                .enumerate()
                .flat_map(|(i, c)| {
                    let sep = (i > 0 && c.is_ascii_uppercase()).then_some('_');
                    sep.into_iter()
                        .chain(std::iter::once(c.to_ascii_lowercase()))
                })
                .collect();
            assert_eq!(snake, http, "{e:?}");
        }
    }

    #[test]
    fn invalid_carries_every_field_violation() {
        let e = IdentityError::Invalid(vec![
            crate::identity::FieldViolation {
                field: "dev_eui".into(),
                reason: "want 16 hex digits".into(),
            },
            crate::identity::FieldViolation {
                field: "join_eui".into(),
                reason: "want 16 hex digits".into(),
            },
        ]);
        let s = status(e);
        assert_eq!(s.code(), Code::InvalidArgument);
        let br = s.get_details_bad_request().expect("BadRequest detail");
        let fields: Vec<_> = br
            .field_violations
            .iter()
            .map(|v| v.field.as_str())
            .collect();
        assert_eq!(fields, ["dev_eui", "join_eui"]);
    }

    #[test]
    fn internal_hides_its_cause() {
        let s = status(IdentityError::Internal("secret path /var/x".into()));
        assert_eq!(s.code(), Code::Internal);
        assert!(!s.message().contains("/var/x"));
    }
}
