//! Applications and their end devices.

use super::ApiState;
use super::error::{ApiResult, PageQuery, Paged, body, page, param};
use super::observe::Authorized;
use crate::api::rules;
use crate::identity::{
    ApplicationInput, ApplicationUpdate, DeviceKeysView, EndDeviceInput, EndDeviceUpdate,
    EndDeviceView,
};
use crate::store::id::{ApplicationId, DeviceId};
use crate::store::model::Application;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use std::collections::HashMap;

type Params = Path<HashMap<String, String>>;

fn app_id(p: &HashMap<String, String>) -> ApiResult<ApplicationId> {
    param(p, "application_id", ApplicationId::new)
}

fn dev_id(p: &HashMap<String, String>) -> ApiResult<DeviceId> {
    param(p, "device_id", DeviceId::new)
}

/// Creates an application owned by the user or organization of the path.
pub async fn create_application(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    b: Result<Json<ApplicationInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    let app = st
        .identity
        .create_application(body(b)?, a.entity()?)
        .await?;
    Ok((StatusCode::CREATED, Json(app)))
}

pub async fn list_applications(
    State(st): State<ApiState>,
    Extension(a): Extension<Authorized>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<Application>>> {
    let p = rules::list_applications(&st.identity, &a, page(q)?).await?;
    Ok(Json(Paged {
        items: p.items,
        next_page_token: p.next_token,
    }))
}

pub async fn get_application(
    State(st): State<ApiState>,
    Path(p): Params,
) -> ApiResult<Json<Application>> {
    Ok(Json(st.identity.get_application(&app_id(&p)?).await?))
}

pub async fn update_application(
    State(st): State<ApiState>,
    Path(p): Params,
    b: Result<Json<ApplicationUpdate>, JsonRejection>,
) -> ApiResult<Json<Application>> {
    let id = app_id(&p)?;
    Ok(Json(st.identity.update_application(&id, body(b)?).await?))
}

pub async fn delete_application(
    State(st): State<ApiState>,
    Path(p): Params,
) -> ApiResult<StatusCode> {
    st.identity.delete_application(&app_id(&p)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn create_device(
    State(st): State<ApiState>,
    Path(p): Params,
    b: Result<Json<EndDeviceInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<EndDeviceView>)> {
    let app = app_id(&p)?;
    let d = st.identity.create_end_device(&app, body(b)?).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

pub async fn list_devices(
    State(st): State<ApiState>,
    Path(p): Params,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<EndDeviceView>>> {
    let page = st.identity.list_end_devices(&app_id(&p)?, page(q)?).await?;
    Ok(Json(Paged {
        items: page.items,
        next_page_token: page.next_token,
    }))
}

pub async fn get_device(
    State(st): State<ApiState>,
    Path(p): Params,
) -> ApiResult<Json<EndDeviceView>> {
    Ok(Json(
        st.identity
            .get_end_device(&app_id(&p)?, &dev_id(&p)?)
            .await?,
    ))
}

/// The keys in clear: the guard has checked `RIGHT_APPLICATION_DEVICES_READ_KEYS`.
pub async fn get_device_keys(
    State(st): State<ApiState>,
    Path(p): Params,
) -> ApiResult<Json<DeviceKeysView>> {
    Ok(Json(
        st.identity
            .get_end_device_keys(&app_id(&p)?, &dev_id(&p)?)
            .await?,
    ))
}

pub async fn update_device(
    State(st): State<ApiState>,
    Path(p): Params,
    b: Result<Json<EndDeviceUpdate>, JsonRejection>,
) -> ApiResult<Json<EndDeviceView>> {
    let (app, dev) = (app_id(&p)?, dev_id(&p)?);
    Ok(Json(
        st.identity.update_end_device(&app, &dev, body(b)?).await?,
    ))
}

pub async fn delete_device(State(st): State<ApiState>, Path(p): Params) -> ApiResult<StatusCode> {
    st.identity
        .delete_end_device(&app_id(&p)?, &dev_id(&p)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
