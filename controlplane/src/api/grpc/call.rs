//! One RPC's life, the gRPC side of `api::http::observe`: the `x-request-id` metadata (echoed,
//! or generated) in a tracing span and on the response, the `authorization` metadata
//! (`Bearer <API key or session>`) through the shared guard for the operation the request maps
//! to, the body, the error as a status, and a Prometheus counter by method and code.

use super::GrpcApi;
use super::status::status;
use crate::api::auth::{Sessions, bearer, check_operation};
use crate::api::operations::Op;
use crate::api::rules::Authorized;
use crate::identity::secrets::random_hex;
use crate::identity::{IdentityError, IdentityResult, IdentityServer};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::{Code, Request, Response, Status};
use tracing::Instrument;

/// The request id metadata key.
pub const REQUEST_ID: &str = "x-request-id";

/// What an RPC body gets: the Identity Server, the sessions, the caller (`None` on public
/// operations) and its bearer token.
#[derive(Debug)]
pub struct Call {
    /// The Identity Server.
    pub is: IdentityServer,
    /// Login sessions.
    pub sessions: Arc<Sessions>,
    /// The authorized caller.
    pub caller: Option<Authorized>,
    /// The bearer token presented.
    pub token: Option<String>,
}

impl Call {
    /// The authorized caller; an internal error on a public operation.
    pub fn who(&self) -> IdentityResult<&Authorized> {
        self.caller
            .as_ref()
            .ok_or_else(|| IdentityError::Internal("no caller on a public operation".into()))
    }
}

/// Request counters by RPC method and status code.
#[derive(Debug, Default)]
pub struct GrpcMetrics {
    counts: Mutex<BTreeMap<(&'static str, i32), u64>>,
}

impl GrpcMetrics {
    fn record(&self, method: &'static str, code: Code) {
        let mut m = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *m.entry((method, code as i32)).or_insert(0) += 1;
    }

    /// Requests answered so far for `method` with `code` (tests, dashboards).
    pub fn count(&self, method: &str, code: Code) -> u64 {
        let m = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        m.iter()
            .filter(|((me, c), _)| *me == method && *c == code as i32)
            .map(|(_, n)| *n)
            .sum()
    }

    /// Prometheus text exposition of the counters (appended to `/metrics` of the HTTP API).
    pub fn render(&self) -> String {
        let m = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::from(
            "# HELP controlplane_grpc_requests_total gRPC API requests by method and code.\n\
             # TYPE controlplane_grpc_requests_total counter\n",
        );
        for ((method, code), n) in m.iter() {
            out.push_str(&format!(
                "controlplane_grpc_requests_total{{method=\"{method}\",code=\"{:?}\"}} {n}\n",
                Code::from(*code)
            ));
        }
        out
    }
}

fn request_id(meta: &MetadataMap) -> String {
    meta.get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|c| c.is_ascii_graphic()))
        .map_or_else(|| random_hex(8), str::to_owned)
}

impl GrpcApi {
    /// Runs one RPC: `route` names the operation the request maps to and the id of the entity
    /// its rights are checked on; `body` runs once the guard has passed.
    pub(super) async fn unary<Q, R, Fut>(
        &self,
        method: &'static str,
        req: Request<Q>,
        route: impl FnOnce(&Q) -> IdentityResult<(Op, Option<String>)>,
        body: impl FnOnce(Call, Q) -> Fut,
    ) -> Result<Response<R>, Status>
    where
        Fut: Future<Output = IdentityResult<R>>,
    {
        let rid = request_id(req.metadata());
        let span = tracing::info_span!("grpc", request_id = %rid, method);
        let started = std::time::Instant::now();
        let token = bearer(
            req.metadata()
                .get("authorization")
                .and_then(|v| v.to_str().ok()),
        )
        .map(str::to_owned);
        let msg = req.into_inner();
        let result = async {
            let (op, entity_id) = route(&msg)?;
            let caller = check_operation(
                &self.identity,
                &self.sessions,
                op,
                token.as_deref(),
                entity_id.as_deref(),
            )
            .await?;
            let call = Call {
                is: self.identity.clone(),
                sessions: self.sessions.clone(),
                caller,
                token,
            };
            body(call, msg).await
        }
        .instrument(span.clone())
        .await;
        let mut out = match result {
            Ok(r) => Response::new(r),
            Err(e) => {
                let s = span.in_scope(|| status(e));
                self.finish(&span, method, s.code(), started);
                let mut s = s;
                if let Ok(v) = MetadataValue::try_from(rid.as_str()) {
                    s.metadata_mut().insert(REQUEST_ID, v);
                }
                return Err(s);
            }
        };
        self.finish(&span, method, Code::Ok, started);
        if let Ok(v) = MetadataValue::try_from(rid.as_str()) {
            out.metadata_mut().insert(REQUEST_ID, v);
        }
        Ok(out)
    }

    fn finish(
        &self,
        span: &tracing::Span,
        method: &'static str,
        code: Code,
        started: std::time::Instant,
    ) {
        self.metrics.record(method, code);
        span.in_scope(|| {
            tracing::info!(
                code = ?code,
                micros = started.elapsed().as_micros() as u64,
                "request"
            )
        });
    }
}
