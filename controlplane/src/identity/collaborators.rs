//! Collaborators (TTS memberships): a user or an organization with rights on an organization,
//! application or gateway. Setting one creates or replaces it.

use super::access::kind_rights;
use super::error::{IdentityResult, Violations};
use super::{IdentityServer, collect_all};
use crate::store::model::{EntityRef, Membership, Right};
use crate::store::{Page, PageRequest, StoreError};
use serde::Deserialize;

/// The rights to give a collaborator.
#[derive(Debug, Clone, Deserialize)]
pub struct CollaboratorInput {
    /// Rights on the entity (at least one, of the entity's kind).
    #[serde(default)]
    pub rights: Vec<Right>,
}

impl IdentityServer {
    /// Creates or replaces the membership of `collaborator` on `entity`.
    pub async fn set_collaborator(
        &self,
        entity: EntityRef,
        collaborator: EntityRef,
        input: CollaboratorInput,
    ) -> IdentityResult<Membership> {
        let mut v = Violations::default();
        if input.rights.is_empty() {
            v.add("rights", "at least one right");
        }
        let allowed = kind_rights(&entity);
        let bad: Vec<_> = input.rights.iter().filter(|r| !allowed.has(**r)).collect();
        if !bad.is_empty() {
            v.add("rights", format!("{bad:?} do not apply to {entity}"));
        }
        match (&entity, &collaborator) {
            (EntityRef::Organization(_), EntityRef::Organization(_)) => v.add(
                "collaborator",
                "organizations cannot be members of organizations",
            ),
            (_, EntityRef::User(_) | EntityRef::Organization(_)) => {}
            _ => v.add("collaborator", "must be a user or an organization"),
        }
        v.finish()?;
        match &collaborator {
            EntityRef::User(u) => drop(self.store.get_user(u).await?),
            EntityRef::Organization(o) => drop(self.store.get_organization(o).await?),
            _ => {}
        }
        let now = self.now_ms();
        let mut m = Membership {
            entity: entity.clone(),
            collaborator: collaborator.clone(),
            rights: input.rights,
            created_at: now,
            updated_at: now,
        };
        match self.store.get_membership(&entity, &collaborator).await {
            Ok(old) => {
                m.created_at = old.created_at;
                self.store.update_membership(m.clone()).await?;
            }
            Err(StoreError::NotFound { .. }) => {
                self.store.create_membership(m.clone()).await?;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(m)
    }

    /// Reads a membership.
    pub async fn get_collaborator(
        &self,
        entity: &EntityRef,
        collaborator: &EntityRef,
    ) -> IdentityResult<Membership> {
        Ok(self.store.get_membership(entity, collaborator).await?)
    }

    /// Removes a membership.
    pub async fn delete_collaborator(
        &self,
        entity: &EntityRef,
        collaborator: &EntityRef,
    ) -> IdentityResult<()> {
        self.store.delete_membership(entity, collaborator).await?;
        Ok(())
    }

    /// Lists the collaborators on `entity`.
    pub async fn list_collaborators(
        &self,
        entity: &EntityRef,
        page: PageRequest,
    ) -> IdentityResult<Page<Membership>> {
        Ok(self.store.list_memberships(entity, page).await?)
    }

    /// Deletes every membership on `entity` (when the entity is deleted).
    pub(crate) async fn delete_memberships_of(&self, entity: &EntityRef) -> IdentityResult<()> {
        let store = self.store.clone();
        let all = collect_all(|p| {
            let store = store.clone();
            async move { store.list_memberships(entity, p).await }
        })
        .await?;
        for m in all {
            self.store
                .delete_membership(entity, &m.collaborator)
                .await?;
        }
        Ok(())
    }
}
