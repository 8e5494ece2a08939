//! The HTTP/JSON API (axum), thin over the Identity Server: every route comes from the
//! operation table ([`crate::api::operations::OPERATIONS`]), runs the rights guard of
//! [`observe`] first, and its handler decodes, calls `identity`, encodes.
//!
//! | file | owns |
//! |---|---|
//! | `observe.rs` | request ids, metrics, the authentication and rights guard |
//! | `error.rs` | error bodies, status codes, pagination, path ids |
//! | `users.rs` | login sessions, users, organizations |
//! | `applications.rs` | applications, end devices |
//! | `gateways.rs` | gateways, their tokens |
//! | `access.rs` | API keys, collaborators |
//! | `clients.rs` | OAuth clients |
//! | `openapi.rs` | the OpenAPI 3 document, generated from the table |

mod access;
mod applications;
mod clients;
pub mod error;
mod gateways;
pub mod observe;
mod openapi;
mod users;

pub use observe::{Authorized, HttpMetrics, REQUEST_ID};
pub use openapi::openapi_document;

use crate::api::auth::Sessions;
use crate::api::operations::{Method, OPERATIONS, Op};
use crate::identity::IdentityServer;
use axum::routing::{MethodFilter, MethodRouter, on};
use axum::{Extension, Router, middleware};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the HTTP handlers share.
#[derive(Clone, Debug)]
pub struct ApiState {
    /// The Identity Server.
    pub identity: IdentityServer,
    /// Login sessions (in memory).
    pub sessions: Arc<Sessions>,
    /// Request counters.
    pub metrics: Arc<HttpMetrics>,
}

impl ApiState {
    /// State over an Identity Server, with default one-hour sessions.
    pub fn new(identity: IdentityServer) -> Self {
        Self {
            identity,
            sessions: Arc::new(Sessions::default()),
            metrics: Arc::new(HttpMetrics::default()),
        }
    }
}

/// The request counters in Prometheus text format (the caller mounts it at `/metrics`).
pub fn render_metrics(state: &ApiState) -> String {
    state.metrics.render()
}

fn filter(m: Method) -> MethodFilter {
    match m {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Delete => MethodFilter::DELETE,
    }
}

/// The handler of each operation (the method comes from the table).
fn endpoint(op: Op, f: MethodFilter) -> MethodRouter<ApiState> {
    use Op::*;
    match op {
        OpenApi => on(f, openapi::serve),
        Login => on(f, users::login),
        Logout => on(f, users::logout),
        WhoAmI => on(f, users::who_am_i),
        CreateUser => on(f, users::create_user),
        ListUsers => on(f, users::list_users),
        GetUser => on(f, users::get_user),
        UpdateUser => on(f, users::update_user),
        DeleteUser => on(f, users::delete_user),
        CreateOrganization => on(f, users::create_organization),
        ListOrganizations => on(f, users::list_organizations),
        GetOrganization => on(f, users::get_organization),
        UpdateOrganization => on(f, users::update_organization),
        DeleteOrganization => on(f, users::delete_organization),
        CreateUserApplication | CreateOrganizationApplication => {
            on(f, applications::create_application)
        }
        ListApplications => on(f, applications::list_applications),
        GetApplication => on(f, applications::get_application),
        UpdateApplication => on(f, applications::update_application),
        DeleteApplication => on(f, applications::delete_application),
        CreateDevice => on(f, applications::create_device),
        ListDevices => on(f, applications::list_devices),
        GetDevice => on(f, applications::get_device),
        GetDeviceKeys => on(f, applications::get_device_keys),
        UpdateDevice => on(f, applications::update_device),
        DeleteDevice => on(f, applications::delete_device),
        CreateUserGateway | CreateOrganizationGateway => on(f, gateways::create_gateway),
        ListGateways => on(f, gateways::list_gateways),
        GetGateway => on(f, gateways::get_gateway),
        UpdateGateway => on(f, gateways::update_gateway),
        DeleteGateway => on(f, gateways::delete_gateway),
        RotateGatewayToken => on(f, gateways::rotate_token),
        CreateApiKey(_) => on(f, access::create_api_key),
        ListApiKeys(_) => on(f, access::list_api_keys),
        GetApiKey(_) => on(f, access::get_api_key),
        UpdateApiKey(_) => on(f, access::update_api_key),
        DeleteApiKey(_) => on(f, access::delete_api_key),
        ListCollaborators(_) => on(f, access::list_collaborators),
        GetCollaborator(_) => on(f, access::get_collaborator),
        SetCollaborator(_) => on(f, access::set_collaborator),
        DeleteCollaborator(_) => on(f, access::delete_collaborator),
        CreateClient => on(f, clients::create_client),
        ListClients => on(f, clients::list_clients),
        GetClient => on(f, clients::get_client),
        DeleteClient => on(f, clients::delete_client),
    }
}

/// The API router, every route of [`OPERATIONS`] behind its rights guard; mount it at `/`.
pub fn router(state: ApiState) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<ApiState>> = BTreeMap::new();
    for row in OPERATIONS {
        let mr = endpoint(row.op, filter(row.method))
            .route_layer(middleware::from_fn_with_state(
                state.clone(),
                observe::guard,
            ))
            .route_layer(Extension(observe::OpRow(row)));
        let merged = match by_path.remove(row.path) {
            Some(prev) => prev.merge(mr),
            None => mr,
        };
        by_path.insert(row.path, merged);
    }
    let mut r = Router::new();
    for (path, mr) in by_path {
        r = r.route(path, mr);
    }
    r.layer(middleware::from_fn_with_state(
        state.clone(),
        observe::observe,
    ))
    .with_state(state)
}
