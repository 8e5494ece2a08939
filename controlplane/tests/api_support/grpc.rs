//! The gRPC side of the API tests: a real tonic server over the same Identity Server and
//! sessions as the HTTP one (127.0.0.1:0), real tonic clients generated from the same proto,
//! and the rights-matrix transport.

use super::Server;
use super::matrix::{Outcome, Transport, World, info_right, user};
use controlplane::api::grpc::GrpcApi;
use controlplane::api::operations::{EntityKind, Op, Operation};
use controlplane::store::model::Right;
use shared::api::v1::{self, *};
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Status};

/// Starts the gRPC API beside the HTTP one of `s`; returns a connected channel.
pub async fn start_grpc(s: &Server) -> (GrpcApi, Channel) {
    let api = GrpcApi::new(s.state.identity.clone(), s.state.sessions.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(api.clone().serve(listener, std::future::pending()));
    let ch = Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .unwrap();
    (api, ch)
}

/// A request carrying `Bearer <token>` when given.
pub fn req<T>(msg: T, token: Option<&str>) -> Request<T> {
    let mut r = Request::new(msg);
    if let Some(t) = token {
        r.metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    r
}

/// An entity reference of `kind`.
pub fn eref(kind: EntityKind, id: &str) -> Option<v1::EntityRef> {
    let mut r = v1::EntityRef::default();
    match kind {
        EntityKind::User => r.user = id.into(),
        EntityKind::Organization => r.organization = id.into(),
        EntityKind::Application => r.application = id.into(),
        EntityKind::Gateway => r.gateway = id.into(),
    }
    Some(r)
}

/// A field mask of `paths`.
pub fn mask(paths: &[&str]) -> Option<v1::FieldMask> {
    Some(v1::FieldMask {
        paths: paths.iter().map(|p| p.to_string()).collect(),
    })
}

fn rights(r: &[Right]) -> Vec<String> {
    r.iter()
        .map(|r| {
            serde_json::to_value(r)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// The gRPC API as a matrix transport.
pub struct Grpc(pub Channel);

fn outcome<T>(r: Result<tonic::Response<T>, Status>) -> Outcome {
    match r {
        Ok(_) => Outcome::Ok,
        Err(s) if s.code() == Code::Unauthenticated => Outcome::Unauthenticated,
        Err(s) if s.code() == Code::PermissionDenied => Outcome::PermissionDenied,
        Err(s) => Outcome::Other(format!("{:?} {}", s.code(), s.message())),
    }
}

impl Transport for Grpc {
    async fn send(&self, row: &Operation, w: &World, token: Option<&str>) -> Option<Outcome> {
        use Op::*;
        let n = w.n;
        let t = token;
        let ch = self.0.clone();
        let (u, o, a, d, g) = (
            user(n),
            format!("o{n:03}"),
            format!("a{n:03}"),
            format!("d{n:03}"),
            format!("g{n:03}"),
        );
        let id_of = |k: EntityKind| match k {
            EntityKind::User => u.clone(),
            EntityKind::Organization => o.clone(),
            EntityKind::Application => a.clone(),
            EntityKind::Gateway => g.clone(),
        };
        let collab = eref(EntityKind::User, &format!("c{n:03}"));
        let dev = v1::EndDeviceId {
            application_id: a.clone(),
            device_id: d.clone(),
        };
        let mut auth = auth_client::AuthClient::new(ch.clone());
        let mut users = users_client::UsersClient::new(ch.clone());
        let mut orgs = organizations_client::OrganizationsClient::new(ch.clone());
        let mut apps = applications_client::ApplicationsClient::new(ch.clone());
        let mut devs = end_devices_client::EndDevicesClient::new(ch.clone());
        let mut gws = gateways_client::GatewaysClient::new(ch.clone());
        let mut keys = api_keys_client::ApiKeysClient::new(ch.clone());
        let mut cols = collaborators_client::CollaboratorsClient::new(ch.clone());
        let mut cls = o_auth_clients_client::OAuthClientsClient::new(ch);
        let renamed = || "renamed".to_owned();
        Some(match row.op {
            OpenApi => return None,
            Login => outcome(
                auth.login(req(
                    v1::LoginRequest {
                        user_id: u.clone(),
                        password: format!("{u}-password"),
                    },
                    t,
                ))
                .await,
            ),
            Logout => outcome(auth.logout(req(v1::Empty {}, t)).await),
            WhoAmI => outcome(auth.who_am_i(req(v1::Empty {}, t)).await),
            CreateUser => outcome(
                users
                    .create(req(
                        v1::CreateUserRequest {
                            user_id: format!("new{n:03}"),
                            email: format!("new{n}@example.com"),
                            password: "long-password".into(),
                            ..Default::default()
                        },
                        t,
                    ))
                    .await,
            ),
            ListUsers => outcome(users.list(req(v1::ListUsersRequest::default(), t)).await),
            GetUser => outcome(users.get(req(v1::UserId { user_id: u.clone() }, t)).await),
            UpdateUser => outcome(
                users
                    .update(req(
                        v1::UpdateUserRequest {
                            user_id: u.clone(),
                            name: renamed(),
                            field_mask: mask(&["name"]),
                            ..Default::default()
                        },
                        t,
                    ))
                    .await,
            ),
            DeleteUser => outcome(
                users
                    .delete(req(v1::UserId { user_id: u.clone() }, t))
                    .await,
            ),
            CreateOrganization => outcome(
                orgs.create(req(
                    v1::CreateOrganizationRequest {
                        user_id: u.clone(),
                        organization_id: format!("new-o{n:03}"),
                        ..Default::default()
                    },
                    t,
                ))
                .await,
            ),
            ListOrganizations => outcome(
                orgs.list(req(v1::ListOrganizationsRequest::default(), t))
                    .await,
            ),
            GetOrganization => outcome(
                orgs.get(req(
                    v1::OrganizationId {
                        organization_id: o.clone(),
                    },
                    t,
                ))
                .await,
            ),
            UpdateOrganization => outcome(
                orgs.update(req(
                    v1::UpdateOrganizationRequest {
                        organization_id: o.clone(),
                        name: renamed(),
                        field_mask: mask(&["name"]),
                        ..Default::default()
                    },
                    t,
                ))
                .await,
            ),
            DeleteOrganization => outcome(
                orgs.delete(req(
                    v1::OrganizationId {
                        organization_id: o.clone(),
                    },
                    t,
                ))
                .await,
            ),
            CreateUserApplication | CreateOrganizationApplication => {
                let owner = if row.op == CreateUserApplication {
                    eref(EntityKind::User, &u)
                } else {
                    eref(EntityKind::Organization, &o)
                };
                outcome(
                    apps.create(req(
                        v1::CreateApplicationRequest {
                            owner,
                            application_id: format!("new-a{n:03}"),
                            ..Default::default()
                        },
                        t,
                    ))
                    .await,
                )
            }
            ListApplications => outcome(
                apps.list(req(v1::ListApplicationsRequest::default(), t))
                    .await,
            ),
            GetApplication => outcome(
                apps.get(req(
                    v1::ApplicationId {
                        application_id: a.clone(),
                    },
                    t,
                ))
                .await,
            ),
            UpdateApplication => outcome(
                apps.update(req(
                    v1::UpdateApplicationRequest {
                        application_id: a.clone(),
                        name: renamed(),
                        field_mask: mask(&["name"]),
                    },
                    t,
                ))
                .await,
            ),
            DeleteApplication => outcome(
                apps.delete(req(
                    v1::ApplicationId {
                        application_id: a.clone(),
                    },
                    t,
                ))
                .await,
            ),
            CreateDevice => outcome(
                devs.create(req(
                    v1::CreateEndDeviceRequest {
                        application_id: a.clone(),
                        device_id: format!("new-d{n:03}"),
                        dev_eui: format!("{:016X}", 0x3000 + n),
                        join_eui: "0000000000000000".into(),
                        mac_version: "MAC_V1_0_3".into(),
                        phy_version: "RP001_V1_0_3_REV_A".into(),
                        frequency_plan_id: "EU_863_870".into(),
                        root_keys: Some(v1::RootKeys {
                            app_key: "00112233445566778899AABBCCDDEEFF".into(),
                            nwk_key: None,
                        }),
                        ..Default::default()
                    },
                    t,
                ))
                .await,
            ),
            ListDevices => outcome(
                devs.list(req(
                    v1::ListEndDevicesRequest {
                        application_id: a.clone(),
                        page: None,
                    },
                    t,
                ))
                .await,
            ),
            GetDevice => outcome(devs.get(req(dev.clone(), t)).await),
            GetDeviceKeys => outcome(devs.get_keys(req(dev.clone(), t)).await),
            UpdateDevice => outcome(
                devs.update(req(
                    v1::UpdateEndDeviceRequest {
                        application_id: a.clone(),
                        device_id: d.clone(),
                        name: renamed(),
                        field_mask: mask(&["name"]),
                        ..Default::default()
                    },
                    t,
                ))
                .await,
            ),
            DeleteDevice => outcome(devs.delete(req(dev.clone(), t)).await),
            CreateUserGateway | CreateOrganizationGateway => {
                let owner = if row.op == CreateUserGateway {
                    eref(EntityKind::User, &u)
                } else {
                    eref(EntityKind::Organization, &o)
                };
                outcome(
                    gws.create(req(
                        v1::CreateGatewayRequest {
                            owner,
                            gateway_id: format!("new-g{n:03}"),
                            frequency_plan_id: "EU_863_870".into(),
                            ..Default::default()
                        },
                        t,
                    ))
                    .await,
                )
            }
            ListGateways => outcome(gws.list(req(v1::ListGatewaysRequest::default(), t)).await),
            GetGateway => outcome(
                gws.get(req(
                    v1::GatewayId {
                        gateway_id: g.clone(),
                    },
                    t,
                ))
                .await,
            ),
            UpdateGateway => outcome(
                gws.update(req(
                    v1::UpdateGatewayRequest {
                        gateway_id: g.clone(),
                        name: renamed(),
                        field_mask: mask(&["name"]),
                        ..Default::default()
                    },
                    t,
                ))
                .await,
            ),
            DeleteGateway => outcome(
                gws.delete(req(
                    v1::GatewayId {
                        gateway_id: g.clone(),
                    },
                    t,
                ))
                .await,
            ),
            RotateGatewayToken => outcome(
                gws.rotate_token(req(
                    v1::GatewayId {
                        gateway_id: g.clone(),
                    },
                    t,
                ))
                .await,
            ),
            CreateApiKey(k) => outcome(
                keys.create(req(
                    v1::CreateApiKeyRequest {
                        owner: eref(k, &id_of(k)),
                        rights: rights(&[info_right(k)]),
                        ..Default::default()
                    },
                    t,
                ))
                .await,
            ),
            ListApiKeys(k) => outcome(
                keys.list(req(
                    v1::ListApiKeysRequest {
                        owner: eref(k, &id_of(k)),
                        page: None,
                    },
                    t,
                ))
                .await,
            ),
            GetApiKey(k) => outcome(
                keys.get(req(
                    v1::ApiKeyId {
                        owner: eref(k, &id_of(k)),
                        key_id: w.key_id(k),
                    },
                    t,
                ))
                .await,
            ),
            UpdateApiKey(k) => outcome(
                keys.update(req(
                    v1::UpdateApiKeyRequest {
                        owner: eref(k, &id_of(k)),
                        key_id: w.key_id(k),
                        rights: rights(&[info_right(k)]),
                        field_mask: mask(&["rights"]),
                        ..Default::default()
                    },
                    t,
                ))
                .await,
            ),
            DeleteApiKey(k) => outcome(
                keys.delete(req(
                    v1::ApiKeyId {
                        owner: eref(k, &id_of(k)),
                        key_id: w.key_id(k),
                    },
                    t,
                ))
                .await,
            ),
            ListCollaborators(k) => outcome(
                cols.list(req(
                    v1::ListCollaboratorsRequest {
                        entity: eref(k, &id_of(k)),
                        page: None,
                    },
                    t,
                ))
                .await,
            ),
            GetCollaborator(k) => outcome(
                cols.get(req(
                    v1::CollaboratorId {
                        entity: eref(k, &id_of(k)),
                        collaborator: collab.clone(),
                    },
                    t,
                ))
                .await,
            ),
            SetCollaborator(k) => {
                let r = match k {
                    EntityKind::Organization => Right::RightOrganizationSettingsMembers,
                    other => info_right(other),
                };
                outcome(
                    cols.set(req(
                        v1::SetCollaboratorRequest {
                            entity: eref(k, &id_of(k)),
                            collaborator: collab.clone(),
                            rights: rights(&[r]),
                        },
                        t,
                    ))
                    .await,
                )
            }
            DeleteCollaborator(k) => outcome(
                cols.delete(req(
                    v1::CollaboratorId {
                        entity: eref(k, &id_of(k)),
                        collaborator: collab.clone(),
                    },
                    t,
                ))
                .await,
            ),
            CreateClient => outcome(
                cls.create(req(
                    v1::CreateOAuthClientRequest {
                        client_id: format!("new-cl{n:03}"),
                        ..Default::default()
                    },
                    t,
                ))
                .await,
            ),
            ListClients => outcome(
                cls.list(req(v1::ListOAuthClientsRequest::default(), t))
                    .await,
            ),
            GetClient => outcome(
                cls.get(req(
                    v1::OAuthClientId {
                        client_id: format!("cl{n:03}"),
                    },
                    t,
                ))
                .await,
            ),
            DeleteClient => outcome(
                cls.delete(req(
                    v1::OAuthClientId {
                        client_id: format!("cl{n:03}"),
                    },
                    t,
                ))
                .await,
            ),
        })
    }
}
