//! `ApiKeys` and `Collaborators` of users, organizations, applications and gateways: the
//! operation (and so the rights) follows the kind of entity the request names.

use super::GrpcApi;
use super::convert::{entity, input, list, message, page, update};
use crate::api::operations::{EntityKind, Op};
use crate::api::rules;
use crate::identity::IdentityResult;
use crate::store::model::EntityRef;
use shared::api::v1::{self, api_keys_server::ApiKeys, collaborators_server::Collaborators};
use tonic::{Request, Response, Status};

type Res<T> = Result<Response<T>, Status>;

const KEY_OWNERS: [EntityKind; 4] = [
    EntityKind::User,
    EntityKind::Organization,
    EntityKind::Application,
    EntityKind::Gateway,
];
const SHARED: [EntityKind; 3] = [
    EntityKind::Organization,
    EntityKind::Application,
    EntityKind::Gateway,
];

/// `op` of the kind of the entity `r` names, with its id.
fn on(
    r: Option<&v1::EntityRef>,
    field: &str,
    kinds: &[EntityKind],
    op: fn(EntityKind) -> Op,
) -> IdentityResult<(Op, Option<String>)> {
    let (kind, id) = entity(field, r, kinds)?;
    Ok((op(kind), Some(id)))
}

fn collaborator(r: Option<&v1::EntityRef>) -> IdentityResult<EntityRef> {
    let (kind, id) = entity(
        "collaborator",
        r,
        &[EntityKind::User, EntityKind::Organization],
    )?;
    let kind = if kind == EntityKind::User {
        "user"
    } else {
        "organization"
    };
    rules::collaborator_ref("collaborator", kind, "collaborator", &id)
}

#[tonic::async_trait]
impl ApiKeys for GrpcApi {
    async fn create(&self, req: Request<v1::CreateApiKeyRequest>) -> Res<v1::CreatedApiKey> {
        let route = |m: &v1::CreateApiKeyRequest| {
            on(m.owner.as_ref(), "owner", &KEY_OWNERS, Op::CreateApiKey)
        };
        self.unary("/lorawan.v1.ApiKeys/Create", req, route, |c, m| async move {
            message(&rules::create_api_key(&c.is, c.who()?, input(&m)?).await?)
        })
        .await
    }

    async fn list(&self, req: Request<v1::ListApiKeysRequest>) -> Res<v1::ListApiKeysResponse> {
        let route = |m: &v1::ListApiKeysRequest| {
            on(m.owner.as_ref(), "owner", &KEY_OWNERS, Op::ListApiKeys)
        };
        self.unary("/lorawan.v1.ApiKeys/List", req, route, |c, m| async move {
            let owner = c.who()?.entity()?;
            list(c.is.list_api_keys(&owner, page(m.page.as_ref())?).await?)
        })
        .await
    }

    async fn get(&self, req: Request<v1::ApiKeyId>) -> Res<v1::ApiKey> {
        let route = |m: &v1::ApiKeyId| on(m.owner.as_ref(), "owner", &KEY_OWNERS, Op::GetApiKey);
        self.unary("/lorawan.v1.ApiKeys/Get", req, route, |c, m| async move {
            let id = rules::api_key_id("key_id", &m.key_id)?;
            message(&c.is.get_api_key(&c.who()?.entity()?, &id).await?)
        })
        .await
    }

    async fn update(&self, req: Request<v1::UpdateApiKeyRequest>) -> Res<v1::ApiKey> {
        let route = |m: &v1::UpdateApiKeyRequest| {
            on(m.owner.as_ref(), "owner", &KEY_OWNERS, Op::UpdateApiKey)
        };
        self.unary(
            "/lorawan.v1.ApiKeys/Update",
            req,
            route,
            |c, m| async move {
                let id = rules::api_key_id("key_id", &m.key_id)?;
                let u = update(&m, m.field_mask.as_ref(), &["owner", "key_id"])?;
                message(&rules::update_api_key(&c.is, c.who()?, &id, u).await?)
            },
        )
        .await
    }

    async fn delete(&self, req: Request<v1::ApiKeyId>) -> Res<v1::Empty> {
        let route = |m: &v1::ApiKeyId| on(m.owner.as_ref(), "owner", &KEY_OWNERS, Op::DeleteApiKey);
        self.unary(
            "/lorawan.v1.ApiKeys/Delete",
            req,
            route,
            |c, m| async move {
                let id = rules::api_key_id("key_id", &m.key_id)?;
                c.is.delete_api_key(&c.who()?.entity()?, &id).await?;
                Ok(v1::Empty {})
            },
        )
        .await
    }
}

#[tonic::async_trait]
impl Collaborators for GrpcApi {
    async fn list(
        &self,
        req: Request<v1::ListCollaboratorsRequest>,
    ) -> Res<v1::ListCollaboratorsResponse> {
        let route = |m: &v1::ListCollaboratorsRequest| {
            on(m.entity.as_ref(), "entity", &SHARED, Op::ListCollaborators)
        };
        self.unary(
            "/lorawan.v1.Collaborators/List",
            req,
            route,
            |c, m| async move {
                let e = c.who()?.entity()?;
                list(c.is.list_collaborators(&e, page(m.page.as_ref())?).await?)
            },
        )
        .await
    }

    async fn get(&self, req: Request<v1::CollaboratorId>) -> Res<v1::Collaborator> {
        let route =
            |m: &v1::CollaboratorId| on(m.entity.as_ref(), "entity", &SHARED, Op::GetCollaborator);
        self.unary(
            "/lorawan.v1.Collaborators/Get",
            req,
            route,
            |c, m| async move {
                let who = collaborator(m.collaborator.as_ref())?;
                message(&c.is.get_collaborator(&c.who()?.entity()?, &who).await?)
            },
        )
        .await
    }

    async fn set(&self, req: Request<v1::SetCollaboratorRequest>) -> Res<v1::Collaborator> {
        let route = |m: &v1::SetCollaboratorRequest| {
            on(m.entity.as_ref(), "entity", &SHARED, Op::SetCollaborator)
        };
        self.unary(
            "/lorawan.v1.Collaborators/Set",
            req,
            route,
            |c, m| async move {
                let who = collaborator(m.collaborator.as_ref())?;
                message(&rules::set_collaborator(&c.is, c.who()?, who, input(&m)?).await?)
            },
        )
        .await
    }

    async fn delete(&self, req: Request<v1::CollaboratorId>) -> Res<v1::Empty> {
        let route = |m: &v1::CollaboratorId| {
            on(m.entity.as_ref(), "entity", &SHARED, Op::DeleteCollaborator)
        };
        self.unary(
            "/lorawan.v1.Collaborators/Delete",
            req,
            route,
            |c, m| async move {
                let who = collaborator(m.collaborator.as_ref())?;
                c.is.delete_collaborator(&c.who()?.entity()?, &who).await?;
                Ok(v1::Empty {})
            },
        )
        .await
    }
}
