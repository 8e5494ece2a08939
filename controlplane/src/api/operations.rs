//! Every API operation with its method, path, the entity its rights are checked on and the
//! rights it needs: the single source the HTTP router is built from, the rights check reads,
//! the OpenAPI document lists and the rights-matrix test walks (gRPC will map onto the same
//! [`Op`]s).
//!
//! Rights follow The Things Stack's (`pkg/identityserver/*_registry.go`), with the subset the
//! store has (see `identity::rights`): where TTS asks for a right missing here, the entity's
//! `_ALL` right is asked for instead.

use crate::store::model::Right;
use crate::store::model::Right::*;

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

use EntityKind as K;
use Method::{Delete as D, Get as G, Post as P, Put as U};
use Op::*;
use Scope::{Authenticated as Authn, Entity as E, Network as Net, Public as Pub};

/// Every operation of the API.
pub const OPERATIONS: &[Operation] = &[
    row(
        OpenApi,
        G,
        "/api/v1/openapi.json",
        Pub,
        &[],
        "This OpenAPI 3 document",
    ),
    row(
        Login,
        P,
        "/api/v1/auth/login",
        Pub,
        &[],
        "Log in with user id and password; returns a session token",
    ),
    row(
        Logout,
        P,
        "/api/v1/auth/logout",
        Authn,
        &[],
        "End the calling session",
    ),
    row(
        WhoAmI,
        G,
        "/api/v1/auth/info",
        Authn,
        &[],
        "Who the caller is",
    ),
    // Users.
    row(
        CreateUser,
        P,
        "/api/v1/users",
        Net,
        &[RightAll],
        "Create a user (administrators)",
    ),
    row(
        ListUsers,
        G,
        "/api/v1/users",
        Net,
        &[RightAll],
        "List users (administrators)",
    ),
    row(
        GetUser,
        G,
        "/api/v1/users/{user_id}",
        E(K::User),
        &[RightUserInfo],
        "Get a user",
    ),
    row(
        UpdateUser,
        U,
        "/api/v1/users/{user_id}",
        E(K::User),
        &[RightUserSettingsBasic],
        "Update a user",
    ),
    row(
        DeleteUser,
        D,
        "/api/v1/users/{user_id}",
        E(K::User),
        &[RightUserAll],
        "Delete a user",
    ),
    // Organizations.
    row(
        CreateOrganization,
        P,
        "/api/v1/users/{user_id}/organizations",
        E(K::User),
        &[RightUserAll],
        "Create an organization",
    ),
    row(
        ListOrganizations,
        G,
        "/api/v1/organizations",
        Authn,
        &[],
        "List the organizations the caller may see",
    ),
    row(
        GetOrganization,
        G,
        "/api/v1/organizations/{organization_id}",
        E(K::Organization),
        &[RightOrganizationInfo],
        "Get an organization",
    ),
    row(
        UpdateOrganization,
        U,
        "/api/v1/organizations/{organization_id}",
        E(K::Organization),
        &[RightOrganizationAll],
        "Update an organization",
    ),
    row(
        DeleteOrganization,
        D,
        "/api/v1/organizations/{organization_id}",
        E(K::Organization),
        &[RightOrganizationAll],
        "Delete an organization",
    ),
    // Applications.
    row(
        CreateUserApplication,
        P,
        "/api/v1/users/{user_id}/applications",
        E(K::User),
        &[RightUserAll],
        "Create an application owned by a user",
    ),
    row(
        CreateOrganizationApplication,
        P,
        "/api/v1/organizations/{organization_id}/applications",
        E(K::Organization),
        &[RightOrganizationAll],
        "Create an application owned by an organization",
    ),
    row(
        ListApplications,
        G,
        "/api/v1/applications",
        Authn,
        &[],
        "List the applications the caller may see",
    ),
    row(
        GetApplication,
        G,
        "/api/v1/applications/{application_id}",
        E(K::Application),
        &[RightApplicationInfo],
        "Get an application",
    ),
    row(
        UpdateApplication,
        U,
        "/api/v1/applications/{application_id}",
        E(K::Application),
        &[RightApplicationSettingsBasic],
        "Update an application",
    ),
    row(
        DeleteApplication,
        D,
        "/api/v1/applications/{application_id}",
        E(K::Application),
        &[RightApplicationAll],
        "Delete an application without devices",
    ),
    // End devices.
    row(
        CreateDevice,
        P,
        "/api/v1/applications/{application_id}/devices",
        E(K::Application),
        &[RightApplicationDevicesWrite],
        "Create an end device",
    ),
    row(
        ListDevices,
        G,
        "/api/v1/applications/{application_id}/devices",
        E(K::Application),
        &[RightApplicationDevicesRead],
        "List end devices",
    ),
    row(
        GetDevice,
        G,
        "/api/v1/applications/{application_id}/devices/{device_id}",
        E(K::Application),
        &[RightApplicationDevicesRead],
        "Get an end device (no keys)",
    ),
    row(
        GetDeviceKeys,
        G,
        "/api/v1/applications/{application_id}/devices/{device_id}/keys",
        E(K::Application),
        &[RightApplicationDevicesRead, RightApplicationDevicesReadKeys],
        "Get an end device's keys in clear",
    ),
    row(
        UpdateDevice,
        U,
        "/api/v1/applications/{application_id}/devices/{device_id}",
        E(K::Application),
        &[RightApplicationDevicesWrite],
        "Update an end device",
    ),
    row(
        DeleteDevice,
        D,
        "/api/v1/applications/{application_id}/devices/{device_id}",
        E(K::Application),
        &[RightApplicationDevicesWrite],
        "Delete an end device",
    ),
    // Gateways.
    row(
        CreateUserGateway,
        P,
        "/api/v1/users/{user_id}/gateways",
        E(K::User),
        &[RightUserAll],
        "Create a gateway owned by a user",
    ),
    row(
        CreateOrganizationGateway,
        P,
        "/api/v1/organizations/{organization_id}/gateways",
        E(K::Organization),
        &[RightOrganizationAll],
        "Create a gateway owned by an organization",
    ),
    row(
        ListGateways,
        G,
        "/api/v1/gateways",
        Authn,
        &[],
        "List the gateways the caller may see",
    ),
    row(
        GetGateway,
        G,
        "/api/v1/gateways/{gateway_id}",
        E(K::Gateway),
        &[RightGatewayInfo],
        "Get a gateway",
    ),
    row(
        UpdateGateway,
        U,
        "/api/v1/gateways/{gateway_id}",
        E(K::Gateway),
        &[RightGatewaySettingsBasic],
        "Update a gateway",
    ),
    row(
        DeleteGateway,
        D,
        "/api/v1/gateways/{gateway_id}",
        E(K::Gateway),
        &[RightGatewayAll],
        "Delete a gateway",
    ),
    row(
        RotateGatewayToken,
        P,
        "/api/v1/gateways/{gateway_id}/token",
        E(K::Gateway),
        &[RightGatewayAll],
        "Issue a new Basic Station auth token (shown once)",
    ),
    // API keys.
    row(
        CreateApiKey(K::User),
        P,
        "/api/v1/users/{user_id}/api-keys",
        E(K::User),
        &[RightUserAll],
        "Create a user API key (shown once)",
    ),
    row(
        ListApiKeys(K::User),
        G,
        "/api/v1/users/{user_id}/api-keys",
        E(K::User),
        &[RightUserAll],
        "List a user's API keys",
    ),
    row(
        GetApiKey(K::User),
        G,
        "/api/v1/users/{user_id}/api-keys/{key_id}",
        E(K::User),
        &[RightUserAll],
        "Get a user API key",
    ),
    row(
        UpdateApiKey(K::User),
        U,
        "/api/v1/users/{user_id}/api-keys/{key_id}",
        E(K::User),
        &[RightUserAll],
        "Update a user API key",
    ),
    row(
        DeleteApiKey(K::User),
        D,
        "/api/v1/users/{user_id}/api-keys/{key_id}",
        E(K::User),
        &[RightUserAll],
        "Delete a user API key",
    ),
    row(
        CreateApiKey(K::Organization),
        P,
        "/api/v1/organizations/{organization_id}/api-keys",
        E(K::Organization),
        &[RightOrganizationAll],
        "Create an organization API key (shown once)",
    ),
    row(
        ListApiKeys(K::Organization),
        G,
        "/api/v1/organizations/{organization_id}/api-keys",
        E(K::Organization),
        &[RightOrganizationAll],
        "List an organization's API keys",
    ),
    row(
        GetApiKey(K::Organization),
        G,
        "/api/v1/organizations/{organization_id}/api-keys/{key_id}",
        E(K::Organization),
        &[RightOrganizationAll],
        "Get an organization API key",
    ),
    row(
        UpdateApiKey(K::Organization),
        U,
        "/api/v1/organizations/{organization_id}/api-keys/{key_id}",
        E(K::Organization),
        &[RightOrganizationAll],
        "Update an organization API key",
    ),
    row(
        DeleteApiKey(K::Organization),
        D,
        "/api/v1/organizations/{organization_id}/api-keys/{key_id}",
        E(K::Organization),
        &[RightOrganizationAll],
        "Delete an organization API key",
    ),
    row(
        CreateApiKey(K::Application),
        P,
        "/api/v1/applications/{application_id}/api-keys",
        E(K::Application),
        &[RightApplicationAll],
        "Create an application API key (shown once)",
    ),
    row(
        ListApiKeys(K::Application),
        G,
        "/api/v1/applications/{application_id}/api-keys",
        E(K::Application),
        &[RightApplicationAll],
        "List an application's API keys",
    ),
    row(
        GetApiKey(K::Application),
        G,
        "/api/v1/applications/{application_id}/api-keys/{key_id}",
        E(K::Application),
        &[RightApplicationAll],
        "Get an application API key",
    ),
    row(
        UpdateApiKey(K::Application),
        U,
        "/api/v1/applications/{application_id}/api-keys/{key_id}",
        E(K::Application),
        &[RightApplicationAll],
        "Update an application API key",
    ),
    row(
        DeleteApiKey(K::Application),
        D,
        "/api/v1/applications/{application_id}/api-keys/{key_id}",
        E(K::Application),
        &[RightApplicationAll],
        "Delete an application API key",
    ),
    row(
        CreateApiKey(K::Gateway),
        P,
        "/api/v1/gateways/{gateway_id}/api-keys",
        E(K::Gateway),
        &[RightGatewayAll],
        "Create a gateway API key (shown once)",
    ),
    row(
        ListApiKeys(K::Gateway),
        G,
        "/api/v1/gateways/{gateway_id}/api-keys",
        E(K::Gateway),
        &[RightGatewayAll],
        "List a gateway's API keys",
    ),
    row(
        GetApiKey(K::Gateway),
        G,
        "/api/v1/gateways/{gateway_id}/api-keys/{key_id}",
        E(K::Gateway),
        &[RightGatewayAll],
        "Get a gateway API key",
    ),
    row(
        UpdateApiKey(K::Gateway),
        U,
        "/api/v1/gateways/{gateway_id}/api-keys/{key_id}",
        E(K::Gateway),
        &[RightGatewayAll],
        "Update a gateway API key",
    ),
    row(
        DeleteApiKey(K::Gateway),
        D,
        "/api/v1/gateways/{gateway_id}/api-keys/{key_id}",
        E(K::Gateway),
        &[RightGatewayAll],
        "Delete a gateway API key",
    ),
    // Collaborators.
    row(
        ListCollaborators(K::Organization),
        G,
        "/api/v1/organizations/{organization_id}/collaborators",
        E(K::Organization),
        &[RightOrganizationSettingsMembers],
        "List an organization's members",
    ),
    row(
        GetCollaborator(K::Organization),
        G,
        "/api/v1/organizations/{organization_id}/collaborators/{collaborator_kind}/{collaborator_id}",
        E(K::Organization),
        &[RightOrganizationSettingsMembers],
        "Get a member",
    ),
    row(
        SetCollaborator(K::Organization),
        U,
        "/api/v1/organizations/{organization_id}/collaborators/{collaborator_kind}/{collaborator_id}",
        E(K::Organization),
        &[RightOrganizationSettingsMembers],
        "Set a member's rights",
    ),
    row(
        DeleteCollaborator(K::Organization),
        D,
        "/api/v1/organizations/{organization_id}/collaborators/{collaborator_kind}/{collaborator_id}",
        E(K::Organization),
        &[RightOrganizationSettingsMembers],
        "Remove a member",
    ),
    row(
        ListCollaborators(K::Application),
        G,
        "/api/v1/applications/{application_id}/collaborators",
        E(K::Application),
        &[RightApplicationAll],
        "List an application's collaborators",
    ),
    row(
        GetCollaborator(K::Application),
        G,
        "/api/v1/applications/{application_id}/collaborators/{collaborator_kind}/{collaborator_id}",
        E(K::Application),
        &[RightApplicationAll],
        "Get a collaborator",
    ),
    row(
        SetCollaborator(K::Application),
        U,
        "/api/v1/applications/{application_id}/collaborators/{collaborator_kind}/{collaborator_id}",
        E(K::Application),
        &[RightApplicationAll],
        "Set a collaborator's rights",
    ),
    row(
        DeleteCollaborator(K::Application),
        D,
        "/api/v1/applications/{application_id}/collaborators/{collaborator_kind}/{collaborator_id}",
        E(K::Application),
        &[RightApplicationAll],
        "Remove a collaborator",
    ),
    row(
        ListCollaborators(K::Gateway),
        G,
        "/api/v1/gateways/{gateway_id}/collaborators",
        E(K::Gateway),
        &[RightGatewayAll],
        "List a gateway's collaborators",
    ),
    row(
        GetCollaborator(K::Gateway),
        G,
        "/api/v1/gateways/{gateway_id}/collaborators/{collaborator_kind}/{collaborator_id}",
        E(K::Gateway),
        &[RightGatewayAll],
        "Get a collaborator",
    ),
    row(
        SetCollaborator(K::Gateway),
        U,
        "/api/v1/gateways/{gateway_id}/collaborators/{collaborator_kind}/{collaborator_id}",
        E(K::Gateway),
        &[RightGatewayAll],
        "Set a collaborator's rights",
    ),
    row(
        DeleteCollaborator(K::Gateway),
        D,
        "/api/v1/gateways/{gateway_id}/collaborators/{collaborator_kind}/{collaborator_id}",
        E(K::Gateway),
        &[RightGatewayAll],
        "Remove a collaborator",
    ),
    // OAuth clients.
    row(
        CreateClient,
        P,
        "/api/v1/clients",
        Net,
        &[RightAll],
        "Register an OAuth client (secret shown once)",
    ),
    row(
        ListClients,
        G,
        "/api/v1/clients",
        Net,
        &[RightAll],
        "List OAuth clients",
    ),
    row(
        GetClient,
        G,
        "/api/v1/clients/{client_id}",
        Net,
        &[RightAll],
        "Get an OAuth client",
    ),
    row(
        DeleteClient,
        D,
        "/api/v1/clients/{client_id}",
        Net,
        &[RightAll],
        "Delete an OAuth client",
    ),
];

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
