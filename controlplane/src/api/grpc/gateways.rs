//! `Gateways` (and their Basic Station tokens) and `OAuthClients`.

use super::GrpcApi;
use super::convert::{entity, id, input, list, message, page, update};
use crate::api::operations::{EntityKind, Op};
use crate::api::rules;
use crate::identity::IdentityResult;
use crate::store::id::{ClientId, GatewayId};
use shared::api::v1::{self, gateways_server::Gateways, o_auth_clients_server::OAuthClients};
use tonic::{Request, Response, Status};

type Res<T> = Result<Response<T>, Status>;

fn gw(raw: &str) -> IdentityResult<GatewayId> {
    id("gateway_id", raw, GatewayId::new)
}

fn client(raw: &str) -> IdentityResult<ClientId> {
    id("client_id", raw, ClientId::new)
}

/// The create operation for an owner kind (users and organizations own gateways).
fn create_route(m: &v1::CreateGatewayRequest) -> IdentityResult<(Op, Option<String>)> {
    let owners = [EntityKind::User, EntityKind::Organization];
    let (kind, owner) = entity("owner", m.owner.as_ref(), &owners)?;
    let op = match kind {
        EntityKind::User => Op::CreateUserGateway,
        _ => Op::CreateOrganizationGateway,
    };
    Ok((op, Some(owner)))
}

#[tonic::async_trait]
impl Gateways for GrpcApi {
    async fn create(&self, req: Request<v1::CreateGatewayRequest>) -> Res<v1::Gateway> {
        self.unary("/lorawan.v1.Gateways/Create", req, create_route, |c, m| async move {
            message(&c.is.create_gateway(input(&m)?, c.who()?.entity()?).await?)
        })
        .await
    }

    async fn list(&self, req: Request<v1::ListGatewaysRequest>) -> Res<v1::ListGatewaysResponse> {
        let route = |_: &_| Ok((Op::ListGateways, None));
        self.unary("/lorawan.v1.Gateways/List", req, route, |c, m| async move {
            list(rules::list_gateways(&c.is, c.who()?, page(m.page.as_ref())?).await?)
        })
        .await
    }

    async fn get(&self, req: Request<v1::GatewayId>) -> Res<v1::Gateway> {
        let route = |m: &v1::GatewayId| Ok((Op::GetGateway, Some(m.gateway_id.clone())));
        self.unary("/lorawan.v1.Gateways/Get", req, route, |c, m| async move {
            message(&c.is.get_gateway(&gw(&m.gateway_id)?).await?)
        })
        .await
    }

    async fn update(&self, req: Request<v1::UpdateGatewayRequest>) -> Res<v1::Gateway> {
        let route =
            |m: &v1::UpdateGatewayRequest| Ok((Op::UpdateGateway, Some(m.gateway_id.clone())));
        self.unary(
            "/lorawan.v1.Gateways/Update",
            req,
            route,
            |c, m| async move {
                let u = update(&m, m.field_mask.as_ref(), &["gateway_id"])?;
                message(&c.is.update_gateway(&gw(&m.gateway_id)?, u).await?)
            },
        )
        .await
    }

    async fn delete(&self, req: Request<v1::GatewayId>) -> Res<v1::Empty> {
        let route = |m: &v1::GatewayId| Ok((Op::DeleteGateway, Some(m.gateway_id.clone())));
        self.unary(
            "/lorawan.v1.Gateways/Delete",
            req,
            route,
            |c, m| async move {
                c.is.delete_gateway(&gw(&m.gateway_id)?).await?;
                Ok(v1::Empty {})
            },
        )
        .await
    }

    async fn rotate_token(&self, req: Request<v1::GatewayId>) -> Res<v1::GatewayToken> {
        let route = |m: &v1::GatewayId| Ok((Op::RotateGatewayToken, Some(m.gateway_id.clone())));
        self.unary(
            "/lorawan.v1.Gateways/RotateToken",
            req,
            route,
            |c, m| async move {
                let token = c.is.rotate_gateway_token(&gw(&m.gateway_id)?).await?;
                Ok(v1::GatewayToken { token })
            },
        )
        .await
    }
}

#[tonic::async_trait]
impl OAuthClients for GrpcApi {
    async fn create(
        &self,
        req: Request<v1::CreateOAuthClientRequest>,
    ) -> Res<v1::CreatedOAuthClient> {
        let route = |_: &_| Ok((Op::CreateClient, None));
        self.unary(
            "/lorawan.v1.OAuthClients/Create",
            req,
            route,
            |c, m| async move { message(&c.is.create_oauth_client(input(&m)?).await?) },
        )
        .await
    }

    async fn list(
        &self,
        req: Request<v1::ListOAuthClientsRequest>,
    ) -> Res<v1::ListOAuthClientsResponse> {
        let route = |_: &_| Ok((Op::ListClients, None));
        self.unary(
            "/lorawan.v1.OAuthClients/List",
            req,
            route,
            |c, m| async move { list(c.is.list_oauth_clients(page(m.page.as_ref())?).await?) },
        )
        .await
    }

    async fn get(&self, req: Request<v1::OAuthClientId>) -> Res<v1::OAuthClient> {
        let route = |_: &_| Ok((Op::GetClient, None));
        self.unary(
            "/lorawan.v1.OAuthClients/Get",
            req,
            route,
            |c, m| async move { message(&c.is.get_oauth_client(&client(&m.client_id)?).await?) },
        )
        .await
    }

    async fn delete(&self, req: Request<v1::OAuthClientId>) -> Res<v1::Empty> {
        let route = |_: &_| Ok((Op::DeleteClient, None));
        self.unary(
            "/lorawan.v1.OAuthClients/Delete",
            req,
            route,
            |c, m| async move {
                c.is.delete_oauth_client(&client(&m.client_id)?).await?;
                Ok(v1::Empty {})
            },
        )
        .await
    }
}
