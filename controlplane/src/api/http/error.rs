//! How Identity Server errors look on HTTP (`{"code", "message", "details": [{"field",
//! "reason"}]}`, codes named as gRPC's, as TTS's HTTP gateway names them), and the request
//! pieces every handler parses the same way: path ids, pagination, JSON bodies.

use crate::api::rules;
use crate::identity::{FieldViolation, IdentityError};
use crate::store::PageRequest;
use crate::store::traits::MAX_PAGE;
use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub use crate::api::rules::DEFAULT_LIMIT;

/// An error response.
#[derive(Debug)]
pub struct ApiError(pub IdentityError);

impl From<IdentityError> for ApiError {
    fn from(e: IdentityError) -> Self {
        Self(e)
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        Self(e.into())
    }
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    details: &'a [FieldViolation],
}

impl ApiError {
    /// Status and code of the error.
    pub fn status(&self) -> (StatusCode, &'static str) {
        match &self.0 {
            IdentityError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid_argument"),
            IdentityError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            IdentityError::PermissionDenied(_) => (StatusCode::FORBIDDEN, "permission_denied"),
            IdentityError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            IdentityError::AlreadyExists { .. } => (StatusCode::CONFLICT, "already_exists"),
            IdentityError::FailedPrecondition(_) => (StatusCode::CONFLICT, "failed_precondition"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status();
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self.0, "internal error");
            "internal error".to_owned()
        } else {
            self.0.to_string()
        };
        let details = match &self.0 {
            IdentityError::Invalid(v) => v.as_slice(),
            _ => &[],
        };
        let mut resp = (
            status,
            Json(Body {
                code,
                message,
                details,
            }),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON body, or a field-level error naming `body`.
pub fn body<T>(r: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    r.map(|Json(v)| v)
        .map_err(|e| ApiError(IdentityError::invalid("body", e.body_text())))
}

/// `?limit=&page_token=`.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// Page size, 1..=1000.
    pub limit: Option<String>,
    /// `next_page_token` of the previous page.
    pub page_token: Option<String>,
}

/// The page asked for; `limit` is checked by the shared rule so its error names the field.
pub fn page(q: Result<Query<PageQuery>, QueryRejection>) -> ApiResult<PageRequest> {
    let Query(q) = q.map_err(|e| ApiError(IdentityError::invalid("query", e.body_text())))?;
    let limit = match q.limit.as_deref() {
        None | Some("") => None,
        Some(s) => Some(s.parse::<u32>().map_err(|_| {
            ApiError(IdentityError::invalid(
                "limit",
                format!("not in 1..={MAX_PAGE}"),
            ))
        })?),
    };
    Ok(rules::page_request("limit", limit, q.page_token)?)
}

/// One page of a list.
#[derive(Debug, Serialize)]
pub struct Paged<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `page_token` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// A path parameter parsed into an id type; a bad id is an error on that parameter.
pub fn param<T, E>(
    params: &HashMap<String, String>,
    name: &'static str,
    parse: impl FnOnce(String) -> Result<T, E>,
) -> ApiResult<T>
where
    E: std::fmt::Display,
{
    let raw = params
        .get(name)
        .cloned()
        .ok_or_else(|| ApiError(IdentityError::Internal(format!("route lacks {{{name}}}"))))?;
    parse(raw).map_err(|e| ApiError(IdentityError::invalid(name, e.to_string())))
}
