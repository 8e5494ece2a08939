//! The data plane's HTTP edge (axum): live application events as Server-Sent Events and over
//! WebSocket, and the Prometheus `/metrics` scrape.
//!
//! | Route | What |
//! |---|---|
//! | `GET /api/v1/applications/{application_id}/events` | SSE, one JSON object per `data:` |
//! | `GET /api/v1/applications/{application_id}/events/ws` | WebSocket, one JSON text message each |
//! | `POST /api/v1/applications/{application_id}/devices/{device_id}/down/push` | queue a downlink ([`downlink`]) |
//! | `GET /metrics` | Prometheus text exposition 0.0.4 |
//! | gRPC `dataplane.events.v1.ApplicationEvents/Stream` | the same stream as protobuf ([`grpc`], own listener) |
//!
//! Every streamed object has a `type`: `"uplink"`, `"downlink_queued"`, `"downlink_sent"`,
//! `"downlink_failed"`, `"downlink_ack"`, `"downlink_nack"` (an
//! [`crate::events::ApplicationEvent`]) or `"lagged"` with `missed`, the number of events this
//! subscriber lost to a full queue.
//! Unknown routes answer 404, an application id that is not a valid identifier 400, a full
//! subscriber table 503; all errors are `{"error": "..."}`.

#![forbid(unsafe_code)]

pub mod downlink;
mod events;
pub mod grpc;
mod metrics;

use std::{future::Future, io, net::SocketAddr, sync::Arc};

use axum::{
    Router,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use tokio::net::TcpListener;

use crate::{application::queue::PushSender, events::HubHandle, metrics::Registry};

pub use events::valid_application_id;

/// Where the API listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct ApiConfig {
    /// Listen address (port 0 picks an ephemeral port).
    pub bind: SocketAddr,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8081)),
        }
    }
}

/// What the handlers reach: the events hub, the metrics registry and the downlink push rings.
#[derive(Clone)]
pub struct ApiState {
    /// Subscriptions to application events.
    pub hub: HubHandle,
    /// Counters rendered by `/metrics`.
    pub metrics: Arc<Registry>,
    /// Where downlink pushes go (the cores' rings); `None` answers 503.
    pub pushes: Option<Arc<PushSender>>,
}

/// The API's routes.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route(
            "/api/v1/applications/{application_id}/events",
            get(events::sse),
        )
        .route(
            "/api/v1/applications/{application_id}/events/ws",
            get(events::websocket),
        )
        .route(
            "/api/v1/applications/{application_id}/devices/{device_id}/down/push",
            post(downlink::push),
        )
        .route("/metrics", get(metrics::scrape))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not found") })
        .with_state(state)
}

/// Binds the configured address.
pub async fn bind(config: &ApiConfig) -> io::Result<TcpListener> {
    TcpListener::bind(config.bind).await
}

/// Serves the API on `listener` until `shutdown` resolves (open streams end when the hub's
/// drainer stops).
pub async fn serve(
    listener: TcpListener,
    state: ApiState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// An error response: `status` with `{"error": message}`.
fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}
