//! The request rules both transports apply on top of the Identity Server, written once: the
//! authenticated caller handed to an operation ([`Authorized`]), the filtering of lists by
//! rights, the administrator-only user fields, the no-escalation check on granted rights, page
//! sizes, and collaborator references. The HTTP handlers (`http/`) and the gRPC services
//! (`grpc/`) decode their requests, call these (or `identity` directly where no rule applies)
//! and encode the answer.

use super::auth::check_grant;
use crate::identity::{
    ApiKeyInput, ApiKeyView, CollaboratorInput, CreatedApiKey, GatewayView, IdentityError,
    IdentityResult, IdentityServer, Principal, RightSet, Target, UserUpdate, UserView,
};
use crate::store::id::{ApiKeyId, OrganizationId, UserId};
use crate::store::model::{Application, EntityRef, Membership, Organization, Right};
use crate::store::traits::MAX_PAGE;
use crate::store::{Page, PageRequest};

/// Page size when the request gives none.
pub const DEFAULT_LIMIT: u32 = 100;

/// An authenticated caller and its rights on the operation's entity.
#[derive(Debug, Clone)]
pub struct Authorized {
    /// Who called.
    pub principal: Principal,
    /// The caller's effective rights on `target`.
    pub rights: RightSet,
    /// The entity the operation's rights were checked on.
    pub target: Target,
}

impl Authorized {
    /// The entity checked on; an internal error for network-scoped operations.
    pub fn entity(&self) -> IdentityResult<EntityRef> {
        match &self.target {
            Target::Entity(e) => Ok(e.clone()),
            Target::Network => Err(IdentityError::Internal("no entity in scope".into())),
        }
    }
}

/// The page asked for: `limit` absent (or 0 on gRPC, where 0 is the unset value) is the
/// default, else it must be in 1..=[`MAX_PAGE`]; the error names `field`.
pub fn page_request(
    field: &str,
    limit: Option<u32>,
    token: Option<String>,
) -> IdentityResult<PageRequest> {
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(l) if (1..=MAX_PAGE).contains(&l) => l,
        Some(_) => {
            return Err(IdentityError::invalid(
                field,
                format!("not in 1..={MAX_PAGE}"),
            ));
        }
    };
    Ok(PageRequest {
        token: token.filter(|t| !t.is_empty()),
        limit,
    })
}

/// Keeps the items of a page the caller holds `right` on (everything for administrators).
async fn visible<T>(
    is: &IdentityServer,
    a: &Authorized,
    page: Page<T>,
    right: Right,
    entity: impl Fn(&T) -> EntityRef,
) -> IdentityResult<Page<T>> {
    let mut items = Vec::with_capacity(page.items.len());
    for item in page.items {
        if a.rights.has(Right::RightAll)
            || is
                .rights_of(&a.principal, &Target::Entity(entity(&item)))
                .await?
                .has(right)
        {
            items.push(item);
        }
    }
    Ok(Page {
        items,
        next_token: page.next_token,
    })
}

/// The organizations of a page the caller may see.
pub async fn list_organizations(
    is: &IdentityServer,
    a: &Authorized,
    page: PageRequest,
) -> IdentityResult<Page<Organization>> {
    let p = is.list_organizations(page).await?;
    visible(is, a, p, Right::RightOrganizationInfo, |o| {
        EntityRef::Organization(o.organization_id.clone())
    })
    .await
}

/// The applications of a page the caller may see.
pub async fn list_applications(
    is: &IdentityServer,
    a: &Authorized,
    page: PageRequest,
) -> IdentityResult<Page<Application>> {
    let p = is.list_applications(page).await?;
    visible(is, a, p, Right::RightApplicationInfo, |x| {
        EntityRef::Application(x.application_id.clone())
    })
    .await
}

/// The gateways of a page the caller may see.
pub async fn list_gateways(
    is: &IdentityServer,
    a: &Authorized,
    page: PageRequest,
) -> IdentityResult<Page<GatewayView>> {
    let p = is.list_gateways(page).await?;
    visible(is, a, p, Right::RightGatewayInfo, |g| {
        EntityRef::Gateway(g.gateway_id.clone())
    })
    .await
}

/// Updates a user; only administrators change `admin` or `state`.
pub async fn update_user(
    is: &IdentityServer,
    a: &Authorized,
    id: &UserId,
    u: UserUpdate,
) -> IdentityResult<UserView> {
    if (u.admin.is_some() || u.state.is_some())
        && !is
            .rights_of(&a.principal, &Target::Network)
            .await?
            .has(Right::RightAll)
    {
        return Err(IdentityError::PermissionDenied(
            "only administrators change admin or state".into(),
        ));
    }
    is.update_user(id, u).await
}

/// Creates an API key on the operation's entity, with rights the caller holds.
pub async fn create_api_key(
    is: &IdentityServer,
    a: &Authorized,
    input: ApiKeyInput,
) -> IdentityResult<CreatedApiKey> {
    check_grant(&a.rights, input.rights.as_deref().unwrap_or_default())?;
    is.create_api_key(a.entity()?, input).await
}

/// Updates an API key of the operation's entity, with rights the caller holds.
pub async fn update_api_key(
    is: &IdentityServer,
    a: &Authorized,
    id: &ApiKeyId,
    input: ApiKeyInput,
) -> IdentityResult<ApiKeyView> {
    check_grant(&a.rights, input.rights.as_deref().unwrap_or_default())?;
    is.update_api_key(&a.entity()?, id, input).await
}

/// Sets a collaborator of the operation's entity, with rights the caller holds.
pub async fn set_collaborator(
    is: &IdentityServer,
    a: &Authorized,
    collaborator: EntityRef,
    input: CollaboratorInput,
) -> IdentityResult<Membership> {
    check_grant(&a.rights, &input.rights)?;
    is.set_collaborator(a.entity()?, collaborator, input).await
}

/// A collaborator named by kind (`user` or `organization`) and id; errors name the fields.
pub fn collaborator_ref(
    kind_field: &str,
    kind: &str,
    id_field: &str,
    id: &str,
) -> IdentityResult<EntityRef> {
    let bad = |e: crate::store::StoreError| IdentityError::invalid(id_field, e.to_string());
    match kind {
        "user" => Ok(EntityRef::User(UserId::new(id).map_err(bad)?)),
        "organization" => Ok(EntityRef::Organization(
            OrganizationId::new(id).map_err(bad)?,
        )),
        _ => Err(IdentityError::invalid(kind_field, "user or organization")),
    }
}

/// The key id of a path or request (case-insensitive hex); errors name `field`.
pub fn api_key_id(field: &str, id: &str) -> IdentityResult<ApiKeyId> {
    ApiKeyId::new(id.to_ascii_lowercase()).map_err(|e| IdentityError::invalid(field, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_by_table() {
        let cases: &[(&str, Option<u32>, Option<u32>)] = &[
            ("absent is the default", None, Some(DEFAULT_LIMIT)),
            ("one", Some(1), Some(1)),
            ("the maximum", Some(MAX_PAGE), Some(MAX_PAGE)),
            ("zero", Some(0), None),
            ("past the maximum", Some(MAX_PAGE + 1), None),
        ];
        for (name, limit, want) in cases {
            let got = page_request("limit", *limit, Some(String::new()));
            match want {
                Some(l) => {
                    let p = got.unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert_eq!(p.limit, *l, "{name}");
                    assert_eq!(p.token, None, "{name}: empty token is the first page");
                }
                None => assert!(
                    matches!(got, Err(IdentityError::Invalid(ref v)) if v[0].field == "limit"),
                    "{name}: {got:?}"
                ),
            }
        }
    }

    #[test]
    fn collaborator_refs_by_table() {
        assert_eq!(
            collaborator_ref("k", "user", "i", "alice").unwrap(),
            EntityRef::User(UserId::new("alice").unwrap())
        );
        assert!(matches!(
            collaborator_ref("k", "organization", "i", "acme"),
            Ok(EntityRef::Organization(_))
        ));
        for (name, kind, id, field) in [
            ("gateway kind", "gateway", "g1", "k"),
            ("bad id", "user", "Not An Id!", "i"),
        ] {
            match collaborator_ref("k", kind, "i", id) {
                Err(IdentityError::Invalid(v)) => assert_eq!(v[0].field, field, "{name}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
