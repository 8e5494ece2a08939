//! Organizations (TTS `Organization`): groups of users that own applications and gateways and
//! pass rights on to their members.

use super::error::{IdentityResult, Violations};
use super::{IdentityServer, map_page};
use crate::store::id::OrganizationId;
use crate::store::model::{EntityRef, Membership, Organization, Right};
use crate::store::{Page, PageRequest};
use serde::Deserialize;

/// A new organization.
#[derive(Debug, Clone, Deserialize)]
pub struct OrganizationInput {
    /// Id (TTS id rule).
    pub organization_id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
}

/// Changes to an organization; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrganizationUpdate {
    /// Display name.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
}

impl IdentityServer {
    /// Creates an organization; `creator` becomes a member with `RIGHT_ALL`, so
    /// their rights on the organization's applications and gateways are not bounded below
    /// the organization's.
    pub async fn create_organization(
        &self,
        input: OrganizationInput,
        creator: EntityRef,
    ) -> IdentityResult<Organization> {
        let mut v = Violations::default();
        let id = v.check(
            "organization_id",
            OrganizationId::new(input.organization_id),
        );
        v.finish()?;
        let Some(organization_id) = id else {
            return Err(super::IdentityError::Internal("unreachable".into()));
        };
        let now = self.now_ms();
        let org = Organization {
            organization_id,
            name: input.name,
            description: input.description,
            created_at: now,
            updated_at: now,
        };
        self.store.create_organization(org.clone()).await?;
        self.grant_owner(
            EntityRef::Organization(org.organization_id.clone()),
            creator,
            Right::RightAll,
        )
        .await?;
        Ok(org)
    }

    /// Reads an organization.
    pub async fn get_organization(&self, id: &OrganizationId) -> IdentityResult<Organization> {
        Ok(self.store.get_organization(id).await?)
    }

    /// Applies `update` to an organization.
    pub async fn update_organization(
        &self,
        id: &OrganizationId,
        update: OrganizationUpdate,
    ) -> IdentityResult<Organization> {
        let mut o = self.store.get_organization(id).await?;
        if let Some(n) = update.name {
            o.name = n;
        }
        if let Some(d) = update.description {
            o.description = d;
        }
        o.updated_at = self.now_ms();
        self.store.update_organization(o.clone()).await?;
        Ok(o)
    }

    /// Deletes an organization with its members and API keys.
    pub async fn delete_organization(&self, id: &OrganizationId) -> IdentityResult<()> {
        let e = EntityRef::Organization(id.clone());
        self.store.get_organization(id).await?;
        self.delete_memberships_of(&e).await?;
        self.delete_api_keys_of(&e).await?;
        self.store.delete_organization(id).await?;
        Ok(())
    }

    /// Lists organizations (all of them; the API filters by rights).
    pub async fn list_organizations(
        &self,
        page: PageRequest,
    ) -> IdentityResult<Page<Organization>> {
        Ok(map_page(self.store.list_organizations(page).await?, |o| o))
    }

    /// Makes `owner` a collaborator on a new `entity` with its `_ALL` right.
    pub(crate) async fn grant_owner(
        &self,
        entity: EntityRef,
        owner: EntityRef,
        all: Right,
    ) -> IdentityResult<()> {
        let now = self.now_ms();
        self.store
            .create_membership(Membership {
                entity,
                collaborator: owner,
                rights: vec![all],
                created_at: now,
                updated_at: now,
            })
            .await?;
        Ok(())
    }
}
