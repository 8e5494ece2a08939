//! The rights matrix, shared by both transports: for every row of the operation table, a call
//! without credentials is refused as unauthenticated, a call with a key lacking any one needed
//! right as permission denied, and a call with a key holding exactly the needed rights
//! succeeds. The fixtures (one fresh set of entities per row) are here once; each transport
//! says how it sends an operation ([`Transport`]). A new operation without a fixture fails to
//! compile (the matches on `Op` are exhaustive).

use super::Server;
use controlplane::api::operations::{EntityKind, OPERATIONS, Op, Operation, Scope};
use controlplane::identity::ClearRootKeys;
use controlplane::identity::{
    ApiKeyInput, ApplicationInput, CollaboratorInput, EndDeviceInput, GatewayInput,
    OAuthClientInput, OrganizationInput, UserInput,
};
use controlplane::store::id::UserId;
use controlplane::store::model::{EntityRef, Right};
use serde_json::{Value, json};

/// How a call came out, in transport-neutral terms.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Succeeded.
    Ok,
    /// 401 / UNAUTHENTICATED.
    Unauthenticated,
    /// 403 / PERMISSION_DENIED.
    PermissionDenied,
    /// Anything else, with the transport's description.
    Other(String),
}

/// A transport the matrix drives.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Sends `row`'s operation on the fixtures of `w` with `token`; `None` when the transport
    /// does not serve the operation.
    async fn send(&self, row: &Operation, w: &World, token: Option<&str>) -> Option<Outcome>;
}

/// Walks every row of the table through `t`; returns the operations `t` does not serve.
pub async fn run(s: &Server, t: &impl Transport) -> Vec<Op> {
    assert!(!OPERATIONS.iter().any(|r| r.needs.contains(&FILLER)));
    let mut unserved = Vec::new();
    for (n, row) in OPERATIONS.iter().enumerate() {
        let w = world(s, n, row.op != Op::DeleteApplication).await;
        let owner = if row.scope == Scope::Network {
            "admin".to_owned()
        } else {
            user(n)
        };
        if row.scope != Scope::Public {
            let Some(r) = t.send(row, &w, None).await else {
                unserved.push(row.op);
                continue;
            };
            assert_eq!(r, Outcome::Unauthenticated, "{:?} without a key", row.op);
        }
        for lacking in row.needs {
            let rights: Vec<Right> = row.needs.iter().copied().filter(|r| r != lacking).collect();
            let k = key(s, &owner, rights).await;
            let r = t.send(row, &w, Some(&k)).await;
            assert_eq!(
                r,
                Some(Outcome::PermissionDenied),
                "{:?} lacking {lacking:?}",
                row.op
            );
        }
        let k = key(s, &owner, row.needs.to_vec()).await;
        match t.send(row, &w, Some(&k)).await {
            None => unserved.push(row.op),
            Some(r) => assert_eq!(r, Outcome::Ok, "{:?} with {:?}", row.op, row.needs),
        }
    }
    unserved
}

/// Entities made fresh for one operation, all owned by user `u{n}`.
pub struct World {
    pub n: usize,
    keys: [(EntityKind, String); 4],
}

pub fn user(n: usize) -> String {
    format!("u{n:03}")
}

pub async fn world(s: &Server, n: usize, with_device: bool) -> World {
    let is = &s.state.identity;
    let u = user(n);
    let owner = EntityRef::User(UserId::new(&u).unwrap());
    is.create_user(UserInput {
        user_id: u.clone(),
        name: String::new(),
        email: format!("{u}@example.com"),
        password: format!("{u}-password"),
        admin: false,
    })
    .await
    .unwrap();
    let c = format!("c{n:03}");
    is.create_user(UserInput {
        user_id: c.clone(),
        name: String::new(),
        email: format!("{c}@example.com"),
        password: format!("{c}-password"),
        admin: false,
    })
    .await
    .unwrap();
    let org = is
        .create_organization(
            OrganizationInput {
                organization_id: format!("o{n:03}"),
                name: String::new(),
                description: String::new(),
            },
            owner.clone(),
        )
        .await
        .unwrap();
    let app = is
        .create_application(
            ApplicationInput {
                application_id: format!("a{n:03}"),
                name: String::new(),
            },
            owner.clone(),
        )
        .await
        .unwrap();
    if with_device {
        is.create_end_device(
            &app.application_id,
            EndDeviceInput {
                device_id: format!("d{n:03}"),
                name: String::new(),
                dev_eui: format!("{:016X}", 0x1000 + n),
                join_eui: "0000000000000000".into(),
                mac_version: "MAC_V1_0_3".into(),
                phy_version: "RP001_V1_0_3_REV_A".into(),
                frequency_plan_id: "EU_863_870".into(),
                class: None,
                attributes: Default::default(),
                root_keys: Some(ClearRootKeys {
                    app_key: "00112233445566778899AABBCCDDEEFF".into(),
                    nwk_key: None,
                }),
                session: None,
            },
        )
        .await
        .unwrap();
    }
    let gw = is
        .create_gateway(
            GatewayInput {
                gateway_id: format!("g{n:03}"),
                name: String::new(),
                eui: Some(format!("{:016X}", 0x2000 + n)),
                frequency_plan_id: "EU_863_870".into(),
                location: None,
                attributes: Default::default(),
            },
            owner.clone(),
        )
        .await
        .unwrap();
    let collab = EntityRef::User(UserId::new(&c).unwrap());
    let entities = [
        (
            EntityKind::Organization,
            EntityRef::Organization(org.organization_id.clone()),
            Right::RightOrganizationInfo,
        ),
        (
            EntityKind::Application,
            EntityRef::Application(app.application_id.clone()),
            Right::RightApplicationInfo,
        ),
        (
            EntityKind::Gateway,
            EntityRef::Gateway(gw.gateway_id.clone()),
            Right::RightGatewayInfo,
        ),
    ];
    for (_, e, r) in &entities {
        is.set_collaborator(
            e.clone(),
            collab.clone(),
            CollaboratorInput { rights: vec![*r] },
        )
        .await
        .unwrap();
    }
    let mut keys = Vec::new();
    for (kind, e, r) in [(EntityKind::User, owner.clone(), Right::RightUserInfo)]
        .into_iter()
        .chain(entities)
    {
        let k = is
            .create_api_key(
                e,
                ApiKeyInput {
                    name: None,
                    rights: Some(vec![r]),
                    expires_at: None,
                },
            )
            .await
            .unwrap();
        keys.push((kind, k.view.id.to_string()));
    }
    is.create_oauth_client(OAuthClientInput {
        client_id: format!("cl{n:03}"),
        name: String::new(),
        redirect_uris: vec![],
        grants: vec![],
        rights: vec![],
    })
    .await
    .unwrap();
    World {
        n,
        keys: keys.try_into().unwrap(),
    }
}

impl World {
    /// The id of the key made for the entity of `kind`.
    pub fn key_id(&self, kind: EntityKind) -> String {
        self.keys
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, id)| id.clone())
            .unwrap()
    }

    pub fn path(&self, row: &Operation) -> String {
        let n = self.n;
        let key_id = match row.op {
            Op::GetApiKey(k) | Op::UpdateApiKey(k) | Op::DeleteApiKey(k) => self.key_id(k),
            _ => String::new(),
        };
        row.path
            .replace("{user_id}", &user(n))
            .replace("{organization_id}", &format!("o{n:03}"))
            .replace("{application_id}", &format!("a{n:03}"))
            .replace("{device_id}", &format!("d{n:03}"))
            .replace("{gateway_id}", &format!("g{n:03}"))
            .replace("{client_id}", &format!("cl{n:03}"))
            .replace("{key_id}", &key_id)
            .replace("{collaborator_kind}", "user")
            .replace("{collaborator_id}", &format!("c{n:03}"))
    }

    pub fn body(&self, op: Op) -> Option<Value> {
        use Op::*;
        let n = self.n;
        match op {
            OpenApi
            | Logout
            | WhoAmI
            | ListUsers
            | GetUser
            | DeleteUser
            | ListOrganizations
            | GetOrganization
            | DeleteOrganization
            | ListApplications
            | GetApplication
            | DeleteApplication
            | ListDevices
            | GetDevice
            | GetDeviceKeys
            | DeleteDevice
            | ListGateways
            | GetGateway
            | DeleteGateway
            | RotateGatewayToken
            | ListApiKeys(_)
            | GetApiKey(_)
            | DeleteApiKey(_)
            | ListCollaborators(_)
            | GetCollaborator(_)
            | DeleteCollaborator(_)
            | ListClients
            | GetClient
            | DeleteClient => None,
            Login => Some(json!({"user_id": user(n), "password": format!("{}-password", user(n))})),
            CreateUser => Some(
                json!({"user_id": format!("new{n:03}"), "email": format!("new{n}@example.com"), "password": "long-password"}),
            ),
            UpdateUser | UpdateOrganization | UpdateApplication | UpdateGateway => {
                Some(json!({"name": "renamed"}))
            }
            CreateOrganization => Some(json!({"organization_id": format!("new-o{n:03}")})),
            CreateUserApplication | CreateOrganizationApplication => {
                Some(json!({"application_id": format!("new-a{n:03}")}))
            }
            CreateDevice => Some(json!({
                "device_id": format!("new-d{n:03}"), "dev_eui": format!("{:016X}", 0x3000 + n),
                "join_eui": "0000000000000000", "mac_version": "MAC_V1_0_3",
                "phy_version": "RP001_V1_0_3_REV_A", "frequency_plan_id": "EU_863_870",
                "root_keys": {"app_key": "00112233445566778899AABBCCDDEEFF"}})),
            UpdateDevice => Some(json!({"name": "renamed"})),
            CreateUserGateway | CreateOrganizationGateway => Some(
                json!({"gateway_id": format!("new-g{n:03}"), "frequency_plan_id": "EU_863_870"}),
            ),
            CreateApiKey(k) | UpdateApiKey(k) => Some(json!({"rights": [info_right(k)]})),
            SetCollaborator(k) => Some(json!({"rights": [match k {
                EntityKind::Organization => Right::RightOrganizationSettingsMembers,
                other => info_right(other),
            }]})),
            CreateClient => Some(json!({"client_id": format!("new-cl{n:03}")})),
        }
    }
}

pub fn info_right(k: EntityKind) -> Right {
    match k {
        EntityKind::User => Right::RightUserInfo,
        EntityKind::Organization => Right::RightOrganizationInfo,
        EntityKind::Application => Right::RightApplicationInfo,
        EntityKind::Gateway => Right::RightGatewayInfo,
    }
}

/// A right no operation needs and no `_ALL` covers but its own: fills a key that must lack all.
pub const FILLER: Right = Right::RightClientAll;

pub async fn key(s: &Server, owner: &str, rights: Vec<Right>) -> String {
    let rights = if rights.is_empty() {
        vec![FILLER]
    } else {
        rights
    };
    let owner = EntityRef::User(UserId::new(owner).unwrap());
    s.state
        .identity
        .create_api_key(
            owner,
            ApiKeyInput {
                name: None,
                rights: Some(rights),
                expires_at: None,
            },
        )
        .await
        .unwrap()
        .key
}

pub fn method(row: &Operation) -> &'static str {
    match row.method.lower() {
        "get" => "GET",
        "post" => "POST",
        "put" => "PUT",
        _ => "DELETE",
    }
}
