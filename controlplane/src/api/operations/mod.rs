//! Every API operation with its method, path, the entity its rights are checked on and the
//! rights it needs: the single source the HTTP router is built from, the rights check reads,
//! the OpenAPI document lists and the rights-matrix test walks (gRPC will map onto the same
//! [`Op`]s). The rows live by entity in `registries.rs` and `access.rs`.
//!
//! Rights follow The Things Stack's (`pkg/identityserver/*_registry.go`), with the subset the
//! store has (see `identity::rights`): where TTS asks for a right missing here, the entity's
//! `_ALL` right is asked for instead.

mod access;
mod registries;

use crate::store::model::Right;

/// The entity kinds that own API keys and collaborators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// Users.
    User,
    /// Organizations.
    Organization,
    /// Applications.
    Application,
    /// Gateways.
    Gateway,
}

/// An API operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // named after what they do
pub enum Op {
    OpenApi,
    Login,
    Logout,
    WhoAmI,
    CreateUser,
    ListUsers,
    GetUser,
    UpdateUser,
    DeleteUser,
    CreateOrganization,
    ListOrganizations,
    GetOrganization,
    UpdateOrganization,
    DeleteOrganization,
    CreateUserApplication,
    CreateOrganizationApplication,
    ListApplications,
    GetApplication,
    UpdateApplication,
    DeleteApplication,
    CreateDevice,
    ListDevices,
    GetDevice,
    GetDeviceKeys,
    UpdateDevice,
    DeleteDevice,
    CreateUserGateway,
    CreateOrganizationGateway,
    ListGateways,
    GetGateway,
    UpdateGateway,
    DeleteGateway,
    RotateGatewayToken,
    CreateApiKey(EntityKind),
    ListApiKeys(EntityKind),
    GetApiKey(EntityKind),
    UpdateApiKey(EntityKind),
    DeleteApiKey(EntityKind),
    ListCollaborators(EntityKind),
    GetCollaborator(EntityKind),
    SetCollaborator(EntityKind),
    DeleteCollaborator(EntityKind),
    CreateClient,
    ListClients,
    GetClient,
    DeleteClient,
}

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    /// Lowercase name, as OpenAPI keys it.
    pub const fn lower(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Delete => "delete",
        }
    }
}

/// What an operation's rights are checked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// No authentication (login, the OpenAPI document).
    Public,
    /// Any authenticated caller; lists filter their items by rights.
    Authenticated,
    /// The network: administrators.
    Network,
    /// The entity named by a path parameter (`user_id`, `organization_id`, ...).
    Entity(EntityKind),
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// The operation.
    pub op: Op,
    /// HTTP method.
    pub method: Method,
    /// Path template (axum syntax, `{param}`).
    pub path: &'static str,
    /// What rights are checked on.
    pub scope: Scope,
    /// Rights needed there (all of them).
    pub needs: &'static [Right],
    /// One-line summary.
    pub summary: &'static str,
}

const fn row(
    op: Op,
    method: Method,
    path: &'static str,
    scope: Scope,
    needs: &'static [Right],
    summary: &'static str,
) -> Operation {
    Operation {
        op,
        method,
        path,
        scope,
        needs,
        summary,
    }
}

/// The parts of the table, in order.
const PARTS: &[&[Operation]] = &[
    registries::AUTH,
    registries::USERS,
    registries::ORGANIZATIONS,
    registries::APPLICATIONS,
    registries::END_DEVICES,
    registries::GATEWAYS,
    access::API_KEYS,
    access::COLLABORATORS,
    access::CLIENTS,
];

const fn total(parts: &[&[Operation]]) -> usize {
    let (mut n, mut i) = (0, 0);
    while i < parts.len() {
        n += parts[i].len();
        i += 1;
    }
    n
}

const fn concat<const N: usize>(parts: &[&[Operation]]) -> [Operation; N] {
    let mut out = [row(Op::OpenApi, Method::Get, "", Scope::Public, &[], ""); N];
    let (mut i, mut k) = (0, 0);
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            out[k] = parts[i][j];
            j += 1;
            k += 1;
        }
        i += 1;
    }
    out
}

const TABLE: [Operation; total(PARTS)] = concat(PARTS);

/// Every operation of the API (the parts above, in order).
pub const OPERATIONS: &[Operation] = &TABLE;

/// The table row of `op`, `None` for an operation the table lacks (a test fails on it).
pub fn operation(op: Op) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.op == op)
}

/// The path parameter naming an entity of `kind`.
pub const fn id_param(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "user_id",
        EntityKind::Organization => "organization_id",
        EntityKind::Application => "application_id",
        EntityKind::Gateway => "gateway_id",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_is_consistent() {
        let mut ops = HashSet::new();
        let mut routes = HashSet::new();
        for o in OPERATIONS {
            assert!(ops.insert(o.op), "{:?} listed twice", o.op);
            assert!(
                routes.insert((o.method, o.path)),
                "{:?} {} twice",
                o.method,
                o.path
            );
            match o.scope {
                Scope::Entity(k) => assert!(
                    o.path.contains(&format!("{{{}}}", id_param(k))),
                    "{:?}: path lacks its entity parameter",
                    o.op
                ),
                Scope::Public | Scope::Authenticated => {
                    assert!(o.needs.is_empty(), "{:?}: rights on no entity", o.op)
                }
                Scope::Network => assert!(!o.needs.is_empty(), "{:?}", o.op),
            }
            if matches!(o.scope, Scope::Entity(_)) {
                assert!(
                    !o.needs.is_empty(),
                    "{:?}: an entity operation needs a right",
                    o.op
                );
            }
        }
    }
}
