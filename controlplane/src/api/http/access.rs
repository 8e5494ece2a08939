//! API keys and collaborators of users, organizations, applications and gateways; the owner
//! entity is the one the guard checked rights on. Rights granted must be held by the caller.

use super::ApiState;
use super::error::{ApiResult, PageQuery, Paged, body, page, param};
use super::observe::Authorized;
use crate::api::rules;
use crate::identity::{ApiKeyInput, ApiKeyView, CollaboratorInput, CreatedApiKey};
use crate::store::id::ApiKeyId;
use crate::store::model::{EntityRef, Membership};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use std::collections::HashMap;

type Params = Path<HashMap<String, String>>;

fn key_id(p: &HashMap<String, String>) -> ApiResult<ApiKeyId> {
    let raw = param(p, "key_id", Ok::<_, std::convert::Infallible>)?;
    Ok(rules::api_key_id("key_id", &raw)?)
}

fn collaborator(p: &HashMap<String, String>) -> ApiResult<EntityRef> {
    let kind = param(p, "collaborator_kind", Ok::<_, std::convert::Infallible>)?;
    let id = param(p, "collaborator_id", Ok::<_, std::convert::Infallible>)?;
    Ok(rules::collaborator_ref(
        "collaborator_kind",
        &kind,
        "collaborator_id",
        &id,
    )?)
}

pub async fn create_api_key(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    b: Result<Json<ApiKeyInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedApiKey>)> {
    let k = rules::create_api_key(&st.identity, &a, body(b)?).await?;
    Ok((StatusCode::CREATED, Json(k)))
}

pub async fn list_api_keys(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<ApiKeyView>>> {
    let p = st.identity.list_api_keys(&a.entity()?, page(q)?).await?;
    Ok(Json(Paged {
        items: p.items,
        next_page_token: p.next_token,
    }))
}

pub async fn get_api_key(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    Path(p): Params,
) -> ApiResult<Json<ApiKeyView>> {
    Ok(Json(
        st.identity.get_api_key(&a.entity()?, &key_id(&p)?).await?,
    ))
}

pub async fn update_api_key(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    Path(p): Params,
    b: Result<Json<ApiKeyInput>, JsonRejection>,
) -> ApiResult<Json<ApiKeyView>> {
    let id = key_id(&p)?;
    Ok(Json(
        rules::update_api_key(&st.identity, &a, &id, body(b)?).await?,
    ))
}

pub async fn delete_api_key(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    Path(p): Params,
) -> ApiResult<StatusCode> {
    st.identity
        .delete_api_key(&a.entity()?, &key_id(&p)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_collaborators(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<Membership>>> {
    let p = st
        .identity
        .list_collaborators(&a.entity()?, page(q)?)
        .await?;
    Ok(Json(Paged {
        items: p.items,
        next_page_token: p.next_token,
    }))
}

pub async fn get_collaborator(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    Path(p): Params,
) -> ApiResult<Json<Membership>> {
    let c = collaborator(&p)?;
    Ok(Json(st.identity.get_collaborator(&a.entity()?, &c).await?))
}

pub async fn set_collaborator(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    Path(p): Params,
    b: Result<Json<CollaboratorInput>, JsonRejection>,
) -> ApiResult<Json<Membership>> {
    let c = collaborator(&p)?;
    Ok(Json(
        rules::set_collaborator(&st.identity, &a, c, body(b)?).await?,
    ))
}

pub async fn delete_collaborator(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    Path(p): Params,
) -> ApiResult<StatusCode> {
    let c = collaborator(&p)?;
    st.identity.delete_collaborator(&a.entity()?, &c).await?;
    Ok(StatusCode::NO_CONTENT)
}
