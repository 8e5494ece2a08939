//! Rows of the operation table for sessions and the registries: users, organizations,
//! applications, end devices and gateways.

use super::EntityKind as K;
use super::Method::{Delete as D, Get as G, Post as P, Put as U};
use super::Op::*;
use super::Scope::{Authenticated as Authn, Entity as E, Network as Net, Public as Pub};
use super::{Operation, row};
use crate::store::model::Right::*;

/// Sessions and the OpenAPI document.
pub const AUTH: &[Operation] = &[
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
];

/// Users.
pub const USERS: &[Operation] = &[
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
];

/// Organizations.
pub const ORGANIZATIONS: &[Operation] = &[
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
];

/// Applications.
pub const APPLICATIONS: &[Operation] = &[
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
];

/// End devices.
pub const END_DEVICES: &[Operation] = &[
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
];

/// Gateways.
pub const GATEWAYS: &[Operation] = &[
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
];
