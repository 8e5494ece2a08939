//! The rights matrix: for every row of the operation table (the same table the router is built
//! from), a call without credentials is 401, a call with a key lacking any one needed right is
//! 403, and a call with a key holding exactly the needed rights succeeds. A new operation
//! without a fixture here fails to compile (the match on `Op` is exhaustive).

mod api_support;

use api_support::{Server, start};
use controlplane::api::operations::{EntityKind, OPERATIONS, Op, Operation, Scope};
use controlplane::identity::ClearRootKeys;
use controlplane::identity::{
    ApiKeyInput, ApplicationInput, CollaboratorInput, EndDeviceInput, GatewayInput,
    OAuthClientInput, OrganizationInput, UserInput,
};
use controlplane::store::id::UserId;
use controlplane::store::model::{EntityRef, Right};
use serde_json::{Value, json};

/// Entities made fresh for one operation, all owned by user `u{n}`.
struct World {
    n: usize,
    keys: [(EntityKind, String); 4],
}

fn user(n: usize) -> String {
    format!("u{n:03}")
}

async fn world(s: &Server, n: usize, with_device: bool) -> World {
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
    fn path(&self, row: &Operation) -> String {
        let n = self.n;
        let key_id = match row.op {
            Op::GetApiKey(k) | Op::UpdateApiKey(k) | Op::DeleteApiKey(k) => self
                .keys
                .iter()
                .find(|(kind, _)| *kind == k)
                .map(|(_, id)| id.clone())
                .unwrap(),
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

    fn body(&self, op: Op) -> Option<Value> {
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

fn info_right(k: EntityKind) -> Right {
    match k {
        EntityKind::User => Right::RightUserInfo,
        EntityKind::Organization => Right::RightOrganizationInfo,
        EntityKind::Application => Right::RightApplicationInfo,
        EntityKind::Gateway => Right::RightGatewayInfo,
    }
}

/// A right no operation needs and no `_ALL` covers but its own: fills a key that must lack all.
const FILLER: Right = Right::RightClientAll;

async fn key(s: &Server, owner: &str, rights: Vec<Right>) -> String {
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

fn method(row: &Operation) -> &'static str {
    match row.method.lower() {
        "get" => "GET",
        "post" => "POST",
        "put" => "PUT",
        _ => "DELETE",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_needs_exactly_its_rights() {
    let s = start().await;
    assert!(!OPERATIONS.iter().any(|r| r.needs.contains(&FILLER)));
    let mut checked = 0;
    for (n, row) in OPERATIONS.iter().enumerate() {
        let w = world(&s, n, row.op != Op::DeleteApplication).await;
        let path = w.path(row);
        let body = w.body(row.op);
        let m = method(row);
        let owner = if row.scope == Scope::Network {
            "admin".to_owned()
        } else {
            user(n)
        };
        if row.scope != Scope::Public {
            let r = s.call(m, &path, None, body.clone()).await;
            assert_eq!(r.status, 401, "{m} {path} without a key: {}", r.text);
        }
        for lacking in row.needs {
            let rights: Vec<Right> = row.needs.iter().copied().filter(|r| r != lacking).collect();
            let k = key(&s, &owner, rights).await;
            let r = s.call(m, &path, Some(&k), body.clone()).await;
            assert_eq!(r.status, 403, "{m} {path} lacking {lacking:?}: {}", r.text);
        }
        let k = key(&s, &owner, row.needs.to_vec()).await;
        let r = s.call(m, &path, Some(&k), body.clone()).await;
        assert!(
            (200..300).contains(&r.status),
            "{m} {path} with {:?}: {} {}",
            row.needs,
            r.status,
            r.text
        );
        checked += 1;
    }
    assert_eq!(checked, OPERATIONS.len());

    // Keys are bounded by their owner: a non-admin's RIGHT_ALL key is no admin key.
    let k = key(&s, &user(0), vec![Right::RightAll]).await;
    assert_eq!(
        s.call("GET", "/api/v1/users", Some(&k), None).await.status,
        403
    );
    // ... and by the owner's memberships: user 1's key does not reach user 0's application.
    let k = key(&s, &user(1), vec![Right::RightAll]).await;
    assert_eq!(
        s.call("GET", "/api/v1/applications/a000", Some(&k), None)
            .await
            .status,
        403
    );
    // An application key acts on its application only.
    let app_key = s
        .state
        .identity
        .create_api_key(
            EntityRef::Application("a001".to_owned().try_into().unwrap()),
            ApiKeyInput {
                name: None,
                rights: Some(vec![Right::RightApplicationAll]),
                expires_at: None,
            },
        )
        .await
        .unwrap()
        .key;
    assert_eq!(
        s.call("GET", "/api/v1/applications/a001", Some(&app_key), None)
            .await
            .status,
        200
    );
    assert_eq!(
        s.call("GET", "/api/v1/applications/a002", Some(&app_key), None)
            .await
            .status,
        403
    );

    // The OpenAPI document and the router come from the same table.
    let doc = s.call("GET", "/api/v1/openapi.json", None, None).await.body;
    let listed: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(listed, OPERATIONS.len());
}
