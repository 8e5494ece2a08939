//! `GET /metrics`: the registry rendered as Prometheus text.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};

use super::ApiState;

/// Content type of the text exposition format 0.0.4.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub(super) async fn scrape(State(state): State<ApiState>) -> Response {
    (
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        state.metrics.render(),
    )
        .into_response()
}
