//! OAuth client registrations (administrators).

use super::ApiState;
use super::error::{ApiResult, PageQuery, Paged, body, page, param};
use crate::identity::{CreatedOAuthClient, OAuthClientInput, OAuthClientView};
use crate::store::id::ClientId;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use std::collections::HashMap;

type Params = Path<HashMap<String, String>>;

pub async fn create_client(
    State(st): State<ApiState>,
    b: Result<Json<OAuthClientInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedOAuthClient>)> {
    let c = st.identity.create_oauth_client(body(b)?).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

pub async fn list_clients(
    State(st): State<ApiState>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<OAuthClientView>>> {
    let p = st.identity.list_oauth_clients(page(q)?).await?;
    Ok(Json(Paged {
        items: p.items,
        next_page_token: p.next_token,
    }))
}

pub async fn get_client(
    State(st): State<ApiState>,
    Path(p): Params,
) -> ApiResult<Json<OAuthClientView>> {
    let id = param(&p, "client_id", ClientId::new)?;
    Ok(Json(st.identity.get_oauth_client(&id).await?))
}

pub async fn delete_client(State(st): State<ApiState>, Path(p): Params) -> ApiResult<StatusCode> {
    let id = param(&p, "client_id", ClientId::new)?;
    st.identity.delete_oauth_client(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
