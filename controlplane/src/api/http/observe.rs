//! Per-request plumbing: the `x-request-id` (echoed, or generated) in a tracing span and on the
//! response, Prometheus counters by route and status, and the guard every operation's route
//! runs first: authenticate, find the entity the operation's scope names, check the rights the
//! operation table asks for, and hand the result to the handler as [`Authorized`].

use super::ApiState;
use super::error::ApiError;
use crate::api::auth::{bearer, check_operation};
use crate::api::operations::{Operation, Scope, id_param};
use crate::identity::IdentityError;
use crate::identity::secrets::random_hex;
use axum::RequestPartsExt;
use axum::extract::{RawPathParams, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::Mutex;
use tracing::Instrument;

/// The request id header.
pub const REQUEST_ID: &str = "x-request-id";

/// The operation a route serves (set on each route by the router).
#[derive(Debug, Clone, Copy)]
pub struct OpRow(pub &'static Operation);

/// The route template a response came from, for the metrics label.
#[derive(Debug, Clone, Copy)]
struct RouteLabel(&'static str);

pub use crate::api::rules::Authorized;

/// Request counters by method, route template and status.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    counts: Mutex<BTreeMap<(String, &'static str, u16), u64>>,
}

impl HttpMetrics {
    fn record(&self, method: &str, route: &'static str, status: u16) {
        let mut m = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *m.entry((method.to_owned(), route, status)).or_insert(0) += 1;
    }

    /// Prometheus text exposition of the counters.
    pub fn render(&self) -> String {
        let m = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::from(
            "# HELP controlplane_http_requests_total HTTP API requests by method, route and status.\n\
             # TYPE controlplane_http_requests_total counter\n",
        );
        for ((method, route, status), n) in m.iter() {
            out.push_str(&format!(
                "controlplane_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}\n"
            ));
        }
        out
    }
}

fn request_id(req: &Request) -> HeaderValue {
    req.headers()
        .get(REQUEST_ID)
        .filter(|v| {
            let b = v.as_bytes();
            !b.is_empty() && b.len() <= 128 && b.iter().all(|c| c.is_ascii_graphic())
        })
        .cloned()
        .or_else(|| HeaderValue::from_str(&random_hex(8)).ok())
        .unwrap_or_else(|| HeaderValue::from_static("none"))
}

/// Outermost layer: request id, span, access log, metrics.
pub async fn observe(State(st): State<ApiState>, req: Request, next: Next) -> Response {
    let rid = request_id(&req);
    let method = req.method().as_str().to_owned();
    let span = tracing::info_span!(
        "http",
        request_id = %rid.to_str().unwrap_or("-"),
        method = %method,
        path = %req.uri().path(),
    );
    let started = std::time::Instant::now();
    let mut resp = next.run(req).instrument(span.clone()).await;
    let route = resp
        .extensions()
        .get::<RouteLabel>()
        .map_or("unmatched", |r| r.0);
    let status = resp.status().as_u16();
    st.metrics.record(&method, route, status);
    span.in_scope(|| {
        tracing::info!(
            status,
            route,
            micros = started.elapsed().as_micros() as u64,
            "request"
        )
    });
    resp.headers_mut().insert(REQUEST_ID, rid);
    resp
}

/// Route layer of every operation: authenticate and check rights before the handler.
pub async fn guard(State(st): State<ApiState>, req: Request, next: Next) -> Response {
    let Some(OpRow(row)) = req.extensions().get::<OpRow>().copied() else {
        return ApiError(IdentityError::Internal("route without operation".into())).into_response();
    };
    let mut resp = match check(&st, row, req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    };
    resp.extensions_mut().insert(RouteLabel(row.path));
    resp
}

async fn check(st: &ApiState, row: &'static Operation, req: Request) -> Result<Request, ApiError> {
    if row.scope == Scope::Public {
        return Ok(req);
    }
    let (mut parts, body) = req.into_parts();
    let token = bearer(
        parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    )
    .map(str::to_owned);
    let entity_id = match row.scope {
        Scope::Entity(kind) => {
            let name = id_param(kind);
            let params = parts
                .extract::<RawPathParams>()
                .await
                .map_err(|_| ApiError(IdentityError::invalid(name, "unreadable path")))?;
            params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_owned())
        }
        _ => None,
    };
    let authorized = check_operation(
        &st.identity,
        &st.sessions,
        row.op,
        token.as_deref(),
        entity_id.as_deref(),
    )
    .await?;
    if let Some(a) = authorized {
        parts.extensions.insert(a);
    }
    Ok(Request::from_parts(parts, body))
}
