//! Effective rights, as The Things Stack computes them (`pkg/identityserver/entity_access.go`):
//!
//! - A user's rights on an entity are the rights of their direct membership, plus, for each
//!   organization collaborating on the entity, the organization's rights there intersected with
//!   the user's rights in the organization. On their own user account a user has
//!   every right, so their user API keys may carry any right (each use stays bounded). A network administrator has every right everywhere.
//! - An API key's rights are its granted rights intersected with what its owner has on the
//!   entity: a user key is bounded by the user's rights, an organization key by the
//!   organization's memberships, an application or gateway key acts on that entity only.
//! - Creating an application or gateway makes its creator (user or organization) a
//!   collaborator with the entity's `_ALL` right; creating an organization makes its creator a
//!   member with `RIGHT_ALL` (as TTS does), so what members may do on the organization's
//!   applications and gateways is bounded by their rights in the organization.

use super::error::IdentityResult;
use super::rights::{APPLICATION_RIGHTS, GATEWAY_RIGHTS, RightSet};
use super::{IdentityServer, collect_all};
use crate::store::StoreError;
use crate::store::id::{ApiKeyId, UserId};
use crate::store::model::{EntityRef, Right};

/// Who is calling, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A user with a login session.
    User {
        /// The user.
        user_id: UserId,
        /// Network administrator.
        admin: bool,
    },
    /// An API key.
    ApiKey {
        /// The key's public id.
        key_id: ApiKeyId,
        /// The entity the key belongs to.
        owner: EntityRef,
        /// The key's rights, expanded.
        rights: RightSet,
        /// The owner is a user with the admin flag.
        owner_admin: bool,
    },
}

impl Principal {
    /// The user behind the caller (session user, or the owner of a user API key).
    pub fn user_id(&self) -> Option<&UserId> {
        match self {
            Self::User { user_id, .. } => Some(user_id),
            Self::ApiKey {
                owner: EntityRef::User(u),
                ..
            } => Some(u),
            Self::ApiKey { .. } => None,
        }
    }
}

/// What rights are asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The network itself: administration (users, OAuth clients).
    Network,
    /// One entity.
    Entity(EntityRef),
}

/// Atomic rights an entity kind can hold (`_ALL` rights included).
pub(crate) fn kind_rights(e: &EntityRef) -> RightSet {
    match e {
        EntityRef::User(_) => RightSet::expand(&[Right::RightUserAll]),
        // An organization passes application and gateway rights on to its members and keys
        // for the entities it collaborates on, so those are organization rights too.
        EntityRef::Organization(_) => RightSet::expand(&[
            Right::RightOrganizationAll,
            Right::RightApplicationAll,
            Right::RightGatewayAll,
        ]),
        EntityRef::Application(_) => {
            let mut s = RightSet::expand(APPLICATION_RIGHTS);
            s.union_with(&RightSet::expand(&[Right::RightApplicationAll]));
            s
        }
        EntityRef::Gateway(_) => {
            let mut s = RightSet::expand(GATEWAY_RIGHTS);
            s.union_with(&RightSet::expand(&[Right::RightGatewayAll]));
            s
        }
        EntityRef::Client(_) => RightSet::expand(&[Right::RightClientAll]),
    }
}

impl IdentityServer {
    /// The effective rights of `who` on `target`.
    pub async fn rights_of(&self, who: &Principal, target: &Target) -> IdentityResult<RightSet> {
        match who {
            Principal::User { user_id, admin } => self.user_rights(user_id, *admin, target).await,
            Principal::ApiKey {
                owner,
                rights,
                owner_admin,
                ..
            } => {
                let bound = match (owner, target) {
                    (EntityRef::User(u), t) => self.user_rights(u, *owner_admin, t).await?,
                    (_, Target::Network) => RightSet::none(),
                    (EntityRef::Organization(o), Target::Entity(e)) => {
                        if e == owner {
                            kind_rights(e)
                        } else {
                            self.membership_rights(e, &EntityRef::Organization(o.clone()))
                                .await?
                                .intersect(&kind_rights(e))
                        }
                    }
                    (_, Target::Entity(e)) if e == owner => kind_rights(e),
                    _ => RightSet::none(),
                };
                Ok(rights.intersect(&bound))
            }
        }
    }

    async fn user_rights(
        &self,
        user: &UserId,
        admin: bool,
        target: &Target,
    ) -> IdentityResult<RightSet> {
        if admin {
            return Ok(RightSet::all());
        }
        let entity = match target {
            Target::Network => return Ok(RightSet::none()),
            // On their own account a user holds every right, so their user API keys may carry
            // application or gateway rights; each use is still bounded by their memberships.
            Target::Entity(EntityRef::User(u)) if u == user => return Ok(RightSet::all()),
            Target::Entity(EntityRef::User(_) | EntityRef::Client(_)) => {
                return Ok(RightSet::none());
            }
            Target::Entity(e) => e,
        };
        let me = EntityRef::User(user.clone());
        let mut rights = self.membership_rights(entity, &me).await?;
        if !matches!(entity, EntityRef::Organization(_)) {
            let store = self.store.clone();
            let members = collect_all(|p| {
                let store = store.clone();
                async move { store.list_memberships(entity, p).await }
            })
            .await?;
            for m in members {
                if let EntityRef::Organization(_) = &m.collaborator {
                    let in_org = self.membership_rights(&m.collaborator, &me).await?;
                    rights.union_with(&RightSet::expand(&m.rights).intersect(&in_org));
                }
            }
        }
        Ok(rights.intersect(&kind_rights(entity)))
    }

    /// The expanded rights of `collaborator`'s direct membership on `entity` (none if absent).
    async fn membership_rights(
        &self,
        entity: &EntityRef,
        collaborator: &EntityRef,
    ) -> IdentityResult<RightSet> {
        match self.store.get_membership(entity, collaborator).await {
            Ok(m) => Ok(RightSet::expand(&m.rights)),
            Err(StoreError::NotFound { .. }) => Ok(RightSet::none()),
            Err(e) => Err(e.into()),
        }
    }
}
