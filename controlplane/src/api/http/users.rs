//! Login sessions, users and organizations.

use super::ApiState;
use super::error::{ApiResult, PageQuery, Paged, body, page, param};
use super::observe::Authorized;
use crate::api::auth::{self, SESSION_PREFIX, bearer};
use crate::api::rules;
use crate::identity::{
    OrganizationInput, OrganizationUpdate, Principal, UserInput, UserUpdate, UserView,
};
use crate::store::id::{OrganizationId, UserId};
use crate::store::model::Organization;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;

type Params = Path<HashMap<String, String>>;

/// `POST /api/v1/auth/login` body.
#[derive(Deserialize)]
pub struct LoginInput {
    user_id: String,
    password: String,
}

#[derive(Serialize)]
pub struct LoginOutput {
    token: String,
    expires_at: u64,
}

pub async fn login(
    State(st): State<ApiState>,
    b: Result<Json<LoginInput>, JsonRejection>,
) -> ApiResult<Json<LoginOutput>> {
    let b = body(b)?;
    let (token, expires_at) =
        auth::login(&st.identity, &st.sessions, &b.user_id, &b.password).await?;
    Ok(Json(LoginOutput { token, expires_at }))
}

pub async fn logout(State(st): State<ApiState>, headers: HeaderMap) -> StatusCode {
    if let Some(t) = bearer(
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    ) && t.starts_with(SESSION_PREFIX)
    {
        st.sessions.revoke(t);
    }
    StatusCode::NO_CONTENT
}

pub async fn who_am_i(Extension(a): Extension<Authorized>) -> Json<Value> {
    Json(match a.principal {
        Principal::User { user_id, admin } => json!({"user_id": user_id, "admin": admin}),
        Principal::ApiKey {
            key_id,
            owner,
            rights,
            owner_admin,
        } => {
            json!({"api_key_id": key_id, "owner": owner, "rights": rights.to_vec(), "admin": owner_admin})
        }
    })
}

fn user_id(p: &HashMap<String, String>) -> ApiResult<UserId> {
    param(p, "user_id", UserId::new)
}

pub async fn create_user(
    State(st): State<ApiState>,
    b: Result<Json<UserInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    Ok((
        StatusCode::CREATED,
        Json(st.identity.create_user(body(b)?).await?),
    ))
}

pub async fn list_users(
    State(st): State<ApiState>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<UserView>>> {
    let p = st.identity.list_users(page(q)?).await?;
    Ok(Json(Paged {
        items: p.items,
        next_page_token: p.next_token,
    }))
}

pub async fn get_user(State(st): State<ApiState>, Path(p): Params) -> ApiResult<Json<UserView>> {
    Ok(Json(st.identity.get_user(&user_id(&p)?).await?))
}

pub async fn update_user(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    Path(p): Params,
    b: Result<Json<UserUpdate>, JsonRejection>,
) -> ApiResult<Json<UserView>> {
    let id = user_id(&p)?;
    Ok(Json(
        rules::update_user(&st.identity, &a, &id, body(b)?).await?,
    ))
}

pub async fn delete_user(State(st): State<ApiState>, Path(p): Params) -> ApiResult<StatusCode> {
    st.identity.delete_user(&user_id(&p)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn org_id(p: &HashMap<String, String>) -> ApiResult<OrganizationId> {
    param(p, "organization_id", OrganizationId::new)
}

pub async fn create_organization(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    b: Result<Json<OrganizationInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Organization>)> {
    let o = st
        .identity
        .create_organization(body(b)?, a.entity()?)
        .await?;
    Ok((StatusCode::CREATED, Json(o)))
}

pub async fn list_organizations(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<Organization>>> {
    let p = rules::list_organizations(&st.identity, &a, page(q)?).await?;
    Ok(Json(Paged {
        items: p.items,
        next_page_token: p.next_token,
    }))
}

pub async fn get_organization(
    State(st): State<ApiState>,
    Path(p): Params,
) -> ApiResult<Json<Organization>> {
    Ok(Json(st.identity.get_organization(&org_id(&p)?).await?))
}

pub async fn update_organization(
    State(st): State<ApiState>,
    Path(p): Params,
    b: Result<Json<OrganizationUpdate>, JsonRejection>,
) -> ApiResult<Json<Organization>> {
    let id = org_id(&p)?;
    Ok(Json(st.identity.update_organization(&id, body(b)?).await?))
}

pub async fn delete_organization(
    State(st): State<ApiState>,
    Path(p): Params,
) -> ApiResult<StatusCode> {
    st.identity.delete_organization(&org_id(&p)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
