//! `Auth` (login sessions, who am I), `Users` and `Organizations`.

use super::GrpcApi;
use super::convert::{id, input, list, message, page, update};
use crate::api::auth::{self, SESSION_PREFIX};
use crate::api::operations::Op;
use crate::api::rules;
use crate::identity::Principal;
use crate::store::id::{OrganizationId, UserId};
use shared::api::v1::{
    self, auth_server::Auth, organizations_server::Organizations, users_server::Users,
};
use tonic::{Request, Response, Status};

type Res<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl Auth for GrpcApi {
    async fn login(&self, req: Request<v1::LoginRequest>) -> Res<v1::LoginResponse> {
        self.unary(
            "/lorawan.v1.Auth/Login",
            req,
            |_| Ok((Op::Login, None)),
            |c, m| async move {
                let (token, expires_at) =
                    auth::login(&c.is, &c.sessions, &m.user_id, &m.password).await?;
                Ok(v1::LoginResponse { token, expires_at })
            },
        )
        .await
    }

    async fn logout(&self, req: Request<v1::Empty>) -> Res<v1::Empty> {
        self.unary(
            "/lorawan.v1.Auth/Logout",
            req,
            |_| Ok((Op::Logout, None)),
            |c, _| async move {
                if let Some(t) = c.token.as_deref().filter(|t| t.starts_with(SESSION_PREFIX)) {
                    c.sessions.revoke(t);
                }
                Ok(v1::Empty {})
            },
        )
        .await
    }

    async fn who_am_i(&self, req: Request<v1::Empty>) -> Res<v1::WhoAmIResponse> {
        self.unary(
            "/lorawan.v1.Auth/WhoAmI",
            req,
            |_| Ok((Op::WhoAmI, None)),
            |c, _| async move {
                Ok(match &c.who()?.principal {
                    Principal::User { user_id, admin } => v1::WhoAmIResponse {
                        user_id: user_id.to_string(),
                        admin: *admin,
                        ..Default::default()
                    },
                    Principal::ApiKey {
                        key_id,
                        owner,
                        rights,
                        owner_admin,
                    } => v1::WhoAmIResponse {
                        api_key_id: key_id.to_string(),
                        owner: Some(message(owner)?),
                        rights: message(&rights.to_vec())?,
                        admin: *owner_admin,
                        ..Default::default()
                    },
                })
            },
        )
        .await
    }
}

fn user(field: &str, raw: &str) -> crate::identity::IdentityResult<UserId> {
    id(field, raw, UserId::new)
}

fn org(raw: &str) -> crate::identity::IdentityResult<OrganizationId> {
    id("organization_id", raw, OrganizationId::new)
}

#[tonic::async_trait]
impl Users for GrpcApi {
    async fn create(&self, req: Request<v1::CreateUserRequest>) -> Res<v1::User> {
        self.unary(
            "/lorawan.v1.Users/Create",
            req,
            |_| Ok((Op::CreateUser, None)),
            |c, m| async move { message(&c.is.create_user(input(&m)?).await?) },
        )
        .await
    }

    async fn list(&self, req: Request<v1::ListUsersRequest>) -> Res<v1::ListUsersResponse> {
        self.unary(
            "/lorawan.v1.Users/List",
            req,
            |_| Ok((Op::ListUsers, None)),
            |c, m| async move { list(c.is.list_users(page(m.page.as_ref())?).await?) },
        )
        .await
    }

    async fn get(&self, req: Request<v1::UserId>) -> Res<v1::User> {
        let route = |m: &v1::UserId| Ok((Op::GetUser, Some(m.user_id.clone())));
        self.unary("/lorawan.v1.Users/Get", req, route, |c, m| async move {
            message(&c.is.get_user(&user("user_id", &m.user_id)?).await?)
        })
        .await
    }

    async fn update(&self, req: Request<v1::UpdateUserRequest>) -> Res<v1::User> {
        let route = |m: &v1::UpdateUserRequest| Ok((Op::UpdateUser, Some(m.user_id.clone())));
        self.unary("/lorawan.v1.Users/Update", req, route, |c, m| async move {
            let u = update(&m, m.field_mask.as_ref(), &["user_id"])?;
            let id = user("user_id", &m.user_id)?;
            message(&rules::update_user(&c.is, c.who()?, &id, u).await?)
        })
        .await
    }

    async fn delete(&self, req: Request<v1::UserId>) -> Res<v1::Empty> {
        let route = |m: &v1::UserId| Ok((Op::DeleteUser, Some(m.user_id.clone())));
        self.unary("/lorawan.v1.Users/Delete", req, route, |c, m| async move {
            c.is.delete_user(&user("user_id", &m.user_id)?).await?;
            Ok(v1::Empty {})
        })
        .await
    }
}

#[tonic::async_trait]
impl Organizations for GrpcApi {
    async fn create(&self, req: Request<v1::CreateOrganizationRequest>) -> Res<v1::Organization> {
        let route = |m: &v1::CreateOrganizationRequest| {
            Ok((Op::CreateOrganization, Some(m.user_id.clone())))
        };
        self.unary(
            "/lorawan.v1.Organizations/Create",
            req,
            route,
            |c, m| async move {
                message(
                    &c.is
                        .create_organization(input(&m)?, c.who()?.entity()?)
                        .await?,
                )
            },
        )
        .await
    }

    async fn list(
        &self,
        req: Request<v1::ListOrganizationsRequest>,
    ) -> Res<v1::ListOrganizationsResponse> {
        let route = |_: &_| Ok((Op::ListOrganizations, None));
        self.unary(
            "/lorawan.v1.Organizations/List",
            req,
            route,
            |c, m| async move {
                list(rules::list_organizations(&c.is, c.who()?, page(m.page.as_ref())?).await?)
            },
        )
        .await
    }

    async fn get(&self, req: Request<v1::OrganizationId>) -> Res<v1::Organization> {
        let route =
            |m: &v1::OrganizationId| Ok((Op::GetOrganization, Some(m.organization_id.clone())));
        self.unary(
            "/lorawan.v1.Organizations/Get",
            req,
            route,
            |c, m| async move { message(&c.is.get_organization(&org(&m.organization_id)?).await?) },
        )
        .await
    }

    async fn update(&self, req: Request<v1::UpdateOrganizationRequest>) -> Res<v1::Organization> {
        let route = |m: &v1::UpdateOrganizationRequest| {
            Ok((Op::UpdateOrganization, Some(m.organization_id.clone())))
        };
        self.unary(
            "/lorawan.v1.Organizations/Update",
            req,
            route,
            |c, m| async move {
                let u = update(&m, m.field_mask.as_ref(), &["organization_id"])?;
                message(
                    &c.is
                        .update_organization(&org(&m.organization_id)?, u)
                        .await?,
                )
            },
        )
        .await
    }

    async fn delete(&self, req: Request<v1::OrganizationId>) -> Res<v1::Empty> {
        let route =
            |m: &v1::OrganizationId| Ok((Op::DeleteOrganization, Some(m.organization_id.clone())));
        self.unary(
            "/lorawan.v1.Organizations/Delete",
            req,
            route,
            |c, m| async move {
                c.is.delete_organization(&org(&m.organization_id)?).await?;
                Ok(v1::Empty {})
            },
        )
        .await
    }
}
