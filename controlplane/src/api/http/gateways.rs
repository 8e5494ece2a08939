//! Gateways and their Basic Station auth tokens.

use super::ApiState;
use super::error::{ApiResult, PageQuery, Paged, body, page, param};
use super::observe::Authorized;
use crate::api::rules;
use crate::identity::{GatewayInput, GatewayUpdate, GatewayView};
use crate::store::id::GatewayId;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{Value, json};
use std::collections::HashMap;

type Params = Path<HashMap<String, String>>;

fn gw_id(p: &HashMap<String, String>) -> ApiResult<GatewayId> {
    param(p, "gateway_id", GatewayId::new)
}

/// Creates a gateway owned by the user or organization of the path.
pub async fn create_gateway(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    b: Result<Json<GatewayInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<GatewayView>)> {
    let g = st.identity.create_gateway(body(b)?, a.entity()?).await?;
    Ok((StatusCode::CREATED, Json(g)))
}

pub async fn list_gateways(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<GatewayView>>> {
    let p = rules::list_gateways(&st.identity, &a, page(q)?).await?;
    Ok(Json(Paged {
        items: p.items,
        next_page_token: p.next_token,
    }))
}

pub async fn get_gateway(
    State(st): State<ApiState>,
    Path(p): Params,
) -> ApiResult<Json<GatewayView>> {
    Ok(Json(st.identity.get_gateway(&gw_id(&p)?).await?))
}

pub async fn update_gateway(
    State(st): State<ApiState>,
    Path(p): Params,
    b: Result<Json<GatewayUpdate>, JsonRejection>,
) -> ApiResult<Json<GatewayView>> {
    let id = gw_id(&p)?;
    Ok(Json(st.identity.update_gateway(&id, body(b)?).await?))
}

pub async fn delete_gateway(State(st): State<ApiState>, Path(p): Params) -> ApiResult<StatusCode> {
    st.identity.delete_gateway(&gw_id(&p)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issues a new token; the response is the only time it is shown.
pub async fn rotate_token(
    State(st): State<ApiState>,
    Path(p): Params,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let token = st.identity.rotate_gateway_token(&gw_id(&p)?).await?;
    Ok((StatusCode::CREATED, Json(json!({ "auth_token": token }))))
}
