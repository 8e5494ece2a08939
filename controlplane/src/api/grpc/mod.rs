//! The canonical gRPC API (tonic), package `lorawan.v1` from `shared/proto/api/`: every
//! operation of the operation table ([`crate::api::operations::OPERATIONS`]) but the OpenAPI
//! document, over the same Identity Server calls and request rules ([`crate::api::rules`]) as
//! the HTTP/JSON API, behind the same guard ([`crate::api::auth::check_operation`]).
//!
//! Served on its own listener (`[api] grpc_listen`, default `127.0.0.1:8886`): the HTTP API is
//! HTTP/1 only, and a separate port keeps h2 settings and load balancing per protocol.
//!
//! | file | owns |
//! |---|---|
//! | `call.rs` | one RPC's life: request id, span, authentication and rights, metrics |
//! | `status.rs` | Identity Server errors as gRPC status codes with `BadRequest` details |
//! | `convert.rs` | messages to and from the models (their shared JSON form), field masks, pages |
//! | `users.rs` | `Auth`, `Users`, `Organizations` |
//! | `applications.rs` | `Applications`, `EndDevices` |
//! | `gateways.rs` | `Gateways`, `OAuthClients` |
//! | `access.rs` | `ApiKeys`, `Collaborators` |

mod access;
mod applications;
mod call;
pub mod convert;
mod gateways;
pub mod status;
mod users;

pub use call::{GrpcMetrics, REQUEST_ID};

use crate::api::auth::Sessions;
use crate::identity::IdentityServer;
use shared::api::v1::{
    api_keys_server::ApiKeysServer, applications_server::ApplicationsServer,
    auth_server::AuthServer, collaborators_server::CollaboratorsServer,
    end_devices_server::EndDevicesServer, gateways_server::GatewaysServer,
    o_auth_clients_server::OAuthClientsServer, organizations_server::OrganizationsServer,
    users_server::UsersServer,
};
use std::future::Future;
use std::sync::Arc;

/// The gRPC services' shared state: one value implements every service.
#[derive(Clone, Debug)]
pub struct GrpcApi {
    /// The Identity Server.
    pub identity: IdentityServer,
    /// Login sessions (shared with the HTTP API, so a token from either works on both).
    pub sessions: Arc<Sessions>,
    /// Request counters.
    pub metrics: Arc<GrpcMetrics>,
}

impl GrpcApi {
    /// Services over an Identity Server and the session table the HTTP API uses.
    pub fn new(identity: IdentityServer, sessions: Arc<Sessions>) -> Self {
        Self {
            identity,
            sessions,
            metrics: Arc::new(GrpcMetrics::default()),
        }
    }

    /// Every service of the API on a tonic server.
    pub fn router(&self) -> tonic::transport::server::Router {
        tonic::transport::Server::builder()
            .add_service(AuthServer::new(self.clone()))
            .add_service(UsersServer::new(self.clone()))
            .add_service(OrganizationsServer::new(self.clone()))
            .add_service(ApplicationsServer::new(self.clone()))
            .add_service(EndDevicesServer::new(self.clone()))
            .add_service(GatewaysServer::new(self.clone()))
            .add_service(ApiKeysServer::new(self.clone()))
            .add_service(CollaboratorsServer::new(self.clone()))
            .add_service(OAuthClientsServer::new(self.clone()))
    }

    /// Serves the API on `listener` until `shutdown` completes.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), tonic::transport::Error> {
        self.router()
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener),
                shutdown,
            )
            .await
    }
}
