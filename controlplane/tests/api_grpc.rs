//! The gRPC API over a real tonic server and real tonic clients generated from
//! `shared/proto/api/`: CRUD of every entity, pagination, error codes with field violations,
//! secrets only with the rights to read them, the rights matrix of the operation table (the
//! walk shared with HTTP, `api_support/matrix.rs`), and parity: the same operations through
//! HTTP and gRPC leave the same stored state.

mod api_support;

use api_support::grpc::{Grpc, eref, mask, req, start_grpc};
use api_support::{Server, matrix, start};
use controlplane::api::operations::{EntityKind, Op};
use controlplane::store::PageRequest;
use serde_json::{Value, json};
use shared::api::v1::{self, *};
use tonic::Code;
use tonic_types::StatusExt;

fn device(app: &str, id: &str, eui: u64) -> v1::CreateEndDeviceRequest {
    v1::CreateEndDeviceRequest {
        application_id: app.into(),
        device_id: id.into(),
        dev_eui: format!("{eui:016X}"),
        join_eui: "70B3D57ED0000000".into(),
        mac_version: "MAC_V1_0_3".into(),
        phy_version: "RP001_V1_0_3_REV_A".into(),
        frequency_plan_id: "EU_863_870".into(),
        root_keys: Some(v1::RootKeys {
            app_key: "00112233445566778899AABBCCDDEEFF".into(),
            nwk_key: None,
        }),
        ..Default::default()
    }
}

async fn user_app(s: &Server, ch: &tonic::transport::Channel, admin: &str) {
    let mut users = users_client::UsersClient::new(ch.clone());
    users
        .create(req(
            v1::CreateUserRequest {
                user_id: "alice".into(),
                email: "alice@example.com".into(),
                password: "alice-password".into(),
                ..Default::default()
            },
            Some(admin),
        ))
        .await
        .unwrap();
    let mut apps = applications_client::ApplicationsClient::new(ch.clone());
    apps.create(req(
        v1::CreateApplicationRequest {
            owner: eref(EntityKind::User, "alice"),
            application_id: "app1".into(),
            name: "App".into(),
        },
        Some(admin),
    ))
    .await
    .unwrap();
    let _ = s;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crud_pagination_errors_and_secrets() {
    let s = start().await;
    let (api, ch) = start_grpc(&s).await;
    let admin = s.admin_key.clone();
    let k = Some(admin.as_str());
    user_app(&s, &ch, &admin).await;
    let mut devs = end_devices_client::EndDevicesClient::new(ch.clone());

    // Create 5 devices, list them 2 by 2.
    for i in 0..5u64 {
        let d = devs
            .create(req(device("app1", &format!("dev{i}"), 0x100 + i), k))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(d.dev_eui, format!("{:016X}", 0x100 + i));
        assert!(d.has_root_keys);
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    for _ in 0..10 {
        let p = devs
            .list(req(
                v1::ListEndDevicesRequest {
                    application_id: "app1".into(),
                    page: Some(v1::PageRequest {
                        page_size: 2,
                        page_token: token.clone(),
                    }),
                },
                k,
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(p.items.len() <= 2);
        seen.extend(p.items.into_iter().map(|d| d.device_id));
        if p.next_page_token.is_empty() {
            break;
        }
        token = p.next_page_token;
    }
    assert_eq!(seen, ["dev0", "dev1", "dev2", "dev3", "dev4"]);

    // A page size past the bound is a violation on the field.
    let e = devs
        .list(req(
            v1::ListEndDevicesRequest {
                application_id: "app1".into(),
                page: Some(v1::PageRequest {
                    page_size: 5000,
                    page_token: String::new(),
                }),
            },
            k,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let br = e.get_details_bad_request().unwrap();
    assert_eq!(br.field_violations[0].field, "page.page_size");

    // Duplicate DevEUI (same JoinEUI) in another device id.
    let e = devs
        .create(req(device("app1", "other", 0x100), k))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists, "{e:?}");

    // Every bad field at once, in the BadRequest detail.
    let mut bad = device("app1", "Bad Id", 0);
    bad.dev_eui = "xyz".into();
    bad.mac_version = "MAC_V9".into();
    bad.root_keys = None;
    let e = devs.create(req(bad, k)).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let mut fields: Vec<_> = e
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    fields.sort();
    assert_eq!(fields, ["dev_eui", "device_id", "mac_version", "root_keys"]);

    // Update through a field mask: only the named fields change.
    let id = v1::EndDeviceId {
        application_id: "app1".into(),
        device_id: "dev1".into(),
    };
    let up = devs
        .update(req(
            v1::UpdateEndDeviceRequest {
                application_id: "app1".into(),
                device_id: "dev1".into(),
                name: "renamed".into(),
                frequency_plan_id: "NOT_APPLIED".into(),
                attributes: [("floor".to_owned(), "3".to_owned())].into(),
                field_mask: mask(&["name", "attributes"]),
                ..Default::default()
            },
            k,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(up.name, "renamed");
    assert_eq!(up.frequency_plan_id, "EU_863_870");
    assert_eq!(up.attributes.get("floor").map(String::as_str), Some("3"));
    let e = devs
        .update(req(
            v1::UpdateEndDeviceRequest {
                application_id: "app1".into(),
                device_id: "dev1".into(),
                field_mask: mask(&["dev_eui"]),
                ..Default::default()
            },
            k,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);

    // Keys: not in Get; GetKeys needs READ_KEYS (the admin has it, a reader does not).
    let got = devs.get(req(id.clone(), k)).await.unwrap().into_inner();
    let text = format!("{got:?}");
    assert!(!text.contains("00112233445566778899"), "{text}");
    let keys = devs
        .get_keys(req(id.clone(), k))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        keys.root_keys.unwrap().app_key.to_ascii_uppercase(),
        "00112233445566778899AABBCCDDEEFF"
    );
    let mut ak = api_keys_client::ApiKeysClient::new(ch.clone());
    let reader = ak
        .create(req(
            v1::CreateApiKeyRequest {
                owner: eref(EntityKind::Application, "app1"),
                rights: vec!["RIGHT_APPLICATION_DEVICES_READ".into()],
                ..Default::default()
            },
            k,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(reader.key.starts_with("NNSXS."));
    let listed = ak
        .list(req(
            v1::ListApiKeysRequest {
                owner: eref(EntityKind::Application, "app1"),
                page: None,
            },
            k,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.items.len(), 1);
    assert!(
        !format!("{listed:?}").contains(&reader.key),
        "key text listed"
    );
    let e = devs
        .get_keys(req(id.clone(), Some(&reader.key)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
    assert!(devs.get(req(id.clone(), Some(&reader.key))).await.is_ok());
    // An unknown right name is a field violation.
    let e = ak
        .create(req(
            v1::CreateApiKeyRequest {
                owner: eref(EntityKind::Application, "app1"),
                rights: vec!["RIGHT_NOPE".into()],
                ..Default::default()
            },
            k,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(
        e.get_details_bad_request().unwrap().field_violations[0]
            .field
            .starts_with("rights")
    );

    // Delete, then NOT_FOUND.
    devs.delete(req(id.clone(), k)).await.unwrap();
    assert_eq!(
        devs.get(req(id, k)).await.unwrap_err().code(),
        Code::NotFound
    );

    // Gateways, organizations, collaborators, clients: create, read, update, delete.
    let mut gws = gateways_client::GatewaysClient::new(ch.clone());
    let g = gws
        .create(req(
            v1::CreateGatewayRequest {
                owner: eref(EntityKind::User, "alice"),
                gateway_id: "gw1".into(),
                eui: Some("0102030405060708".into()),
                frequency_plan_id: "EU_863_870".into(),
                location: Some(v1::Location {
                    latitude: 52.5,
                    longitude: 13.4,
                    altitude: 30,
                }),
                ..Default::default()
            },
            k,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(g.eui.as_deref(), Some("0102030405060708"));
    assert!(!g.has_auth_token);
    let t = gws
        .rotate_token(req(
            v1::GatewayId {
                gateway_id: "gw1".into(),
            },
            k,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!t.token.is_empty());
    let g = gws
        .get(req(
            v1::GatewayId {
                gateway_id: "gw1".into(),
            },
            k,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(g.has_auth_token && !format!("{g:?}").contains(&t.token));
    let e = gws
        .create(req(
            v1::CreateGatewayRequest {
                owner: eref(EntityKind::User, "alice"),
                gateway_id: "gw2".into(),
                eui: Some("0102030405060708".into()),
                frequency_plan_id: "EU_863_870".into(),
                ..Default::default()
            },
            k,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists, "duplicate gateway EUI");

    let mut orgs = organizations_client::OrganizationsClient::new(ch.clone());
    orgs.create(req(
        v1::CreateOrganizationRequest {
            user_id: "alice".into(),
            organization_id: "acme".into(),
            name: "Acme".into(),
            ..Default::default()
        },
        k,
    ))
    .await
    .unwrap();
    let o = orgs
        .update(req(
            v1::UpdateOrganizationRequest {
                organization_id: "acme".into(),
                description: "d".into(),
                field_mask: mask(&["description"]),
                ..Default::default()
            },
            k,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((o.name.as_str(), o.description.as_str()), ("Acme", "d"));
    let mut cols = collaborators_client::CollaboratorsClient::new(ch.clone());
    let c = cols
        .set(req(
            v1::SetCollaboratorRequest {
                entity: eref(EntityKind::Gateway, "gw1"),
                collaborator: eref(EntityKind::Organization, "acme"),
                rights: vec!["RIGHT_GATEWAY_INFO".into()],
            },
            k,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c.collaborator.unwrap().organization, "acme");
    let l = cols
        .list(req(
            v1::ListCollaboratorsRequest {
                entity: eref(EntityKind::Gateway, "gw1"),
                page: None,
            },
            k,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        l.items
            .iter()
            .any(|m| m.collaborator.as_ref().unwrap().organization == "acme")
    );
    let mut cls = o_auth_clients_client::OAuthClientsClient::new(ch.clone());
    let cl = cls
        .create(req(
            v1::CreateOAuthClientRequest {
                client_id: "console".into(),
                redirect_uris: vec!["https://console.example.com/cb".into()],
                grants: vec!["authorization_code".into()],
                ..Default::default()
            },
            k,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!cl.secret.is_empty());
    let got = cls
        .get(req(
            v1::OAuthClientId {
                client_id: "console".into(),
            },
            k,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!format!("{got:?}").contains(&cl.secret));

    // A session from the password login works on gRPC; request ids come back; counters count.
    let mut auth = auth_client::AuthClient::new(ch.clone());
    let login = auth
        .login(req(
            v1::LoginRequest {
                user_id: "alice".into(),
                password: "alice-password".into(),
            },
            None,
        ))
        .await
        .unwrap()
        .into_inner();
    let mut r = req(v1::Empty {}, Some(&login.token));
    r.metadata_mut()
        .insert("x-request-id", "req-123".parse().unwrap());
    let who = auth.who_am_i(r).await.unwrap();
    assert_eq!(who.metadata().get("x-request-id").unwrap(), "req-123");
    assert_eq!(who.into_inner().user_id, "alice");
    assert_eq!(api.metrics.count("/lorawan.v1.Auth/WhoAmI", Code::Ok), 1);
    assert!(
        api.metrics
            .count("/lorawan.v1.EndDevices/Create", Code::AlreadyExists)
            >= 1
    );
    assert!(
        api.metrics
            .render()
            .contains("controlplane_grpc_requests_total")
    );
    // No secret reached the logs.
    let logs = String::from_utf8_lossy(&api_support::logs().lock().unwrap()).into_owned();
    for secret in [&reader.key, &t.token, &cl.secret, &login.token] {
        assert!(!logs.contains(secret.as_str()), "a secret was logged");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_needs_exactly_its_rights() {
    let s = start().await;
    let (_, ch) = start_grpc(&s).await;
    let unserved = matrix::run(&s, &Grpc(ch)).await;
    assert_eq!(
        unserved,
        [Op::OpenApi],
        "gRPC serves every operation but the OpenAPI document"
    );
}

/// The stored state an API user can see, without timestamps (which differ run to run).
async fn state(s: &Server) -> Value {
    let is = &s.state.identity;
    let app = "app1".to_owned().try_into().unwrap();
    let page = PageRequest::first(100);
    let mut devices = Vec::new();
    for d in is.list_end_devices(&app, page.clone()).await.unwrap().items {
        let keys = is.get_end_device_keys(&app, &d.device_id).await.unwrap();
        devices.push(json!([d, keys]));
    }
    let mut v = json!({
        "application": is.get_application(&app).await.unwrap(),
        "devices": devices,
        "gateways": is.list_gateways(page.clone()).await.unwrap().items,
        "organizations": is.list_organizations(page).await.unwrap().items,
    });
    strip_times(&mut v);
    v
}

fn strip_times(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("created_at");
            m.remove("updated_at");
            m.values_mut().for_each(strip_times);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_times),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_and_grpc_leave_the_same_state() {
    // Over HTTP.
    let h = start().await;
    let k = Some(h.admin_key.as_str());
    let calls: Vec<(&str, &str, Value)> = vec![
        (
            "POST",
            "/api/v1/users",
            json!({"user_id": "alice", "email": "alice@example.com", "password": "alice-password"}),
        ),
        (
            "POST",
            "/api/v1/users/alice/organizations",
            json!({"organization_id": "acme", "name": "Acme"}),
        ),
        (
            "POST",
            "/api/v1/organizations/acme/applications",
            json!({"application_id": "app1", "name": "App"}),
        ),
        (
            "PUT",
            "/api/v1/applications/app1",
            json!({"name": "App one"}),
        ),
        (
            "POST",
            "/api/v1/applications/app1/devices",
            json!({"device_id": "otaa", "dev_eui": "0000000000000101", "join_eui": "70B3D57ED0000000", "mac_version": "MAC_V1_0_3", "phy_version": "RP001_V1_0_3_REV_A", "frequency_plan_id": "EU_863_870", "root_keys": {"app_key": "00112233445566778899AABBCCDDEEFF"}}),
        ),
        (
            "POST",
            "/api/v1/applications/app1/devices",
            json!({"device_id": "abp", "dev_eui": "0000000000000102", "join_eui": "70B3D57ED0000000", "mac_version": "MAC_V1_0_3", "phy_version": "RP001_V1_0_3_REV_A", "frequency_plan_id": "EU_863_870", "class": "C", "session": {"dev_addr": "26011234", "f_nwk_s_int_key": "0102030405060708090A0B0C0D0E0F10", "app_s_key": "1112131415161718191A1B1C1D1E1F20", "f_cnt_up": 7}}),
        ),
        (
            "POST",
            "/api/v1/applications/app1/devices",
            json!({"device_id": "gone", "dev_eui": "0000000000000103", "join_eui": "70B3D57ED0000000", "mac_version": "MAC_V1_0_3", "phy_version": "RP001_V1_0_3_REV_A", "frequency_plan_id": "EU_863_870", "root_keys": {"app_key": "00112233445566778899AABBCCDDEEFF"}}),
        ),
        (
            "PUT",
            "/api/v1/applications/app1/devices/otaa",
            json!({"name": "renamed", "attributes": {"site": "b"}}),
        ),
        (
            "DELETE",
            "/api/v1/applications/app1/devices/gone",
            Value::Null,
        ),
        (
            "POST",
            "/api/v1/organizations/acme/gateways",
            json!({"gateway_id": "gw1", "eui": "0102030405060708", "frequency_plan_id": "EU_863_870", "location": {"latitude": 52.5, "longitude": 13.4, "altitude": 30}}),
        ),
        ("PUT", "/api/v1/gateways/gw1", json!({"name": "Roof"})),
    ];
    for (m, path, body) in calls {
        let body = (!body.is_null()).then_some(body);
        let r = h.call(m, path, k, body).await;
        assert!(
            (200..300).contains(&r.status),
            "{m} {path}: {} {}",
            r.status,
            r.text
        );
    }

    // The same over gRPC, on a second server.
    let g = start().await;
    let (_, ch) = start_grpc(&g).await;
    let k = Some(g.admin_key.as_str());
    let mut users = users_client::UsersClient::new(ch.clone());
    let mut orgs = organizations_client::OrganizationsClient::new(ch.clone());
    let mut apps = applications_client::ApplicationsClient::new(ch.clone());
    let mut devs = end_devices_client::EndDevicesClient::new(ch.clone());
    let mut gws = gateways_client::GatewaysClient::new(ch.clone());
    users
        .create(req(
            v1::CreateUserRequest {
                user_id: "alice".into(),
                email: "alice@example.com".into(),
                password: "alice-password".into(),
                ..Default::default()
            },
            k,
        ))
        .await
        .unwrap();
    orgs.create(req(
        v1::CreateOrganizationRequest {
            user_id: "alice".into(),
            organization_id: "acme".into(),
            name: "Acme".into(),
            ..Default::default()
        },
        k,
    ))
    .await
    .unwrap();
    apps.create(req(
        v1::CreateApplicationRequest {
            owner: eref(EntityKind::Organization, "acme"),
            application_id: "app1".into(),
            name: "App".into(),
        },
        k,
    ))
    .await
    .unwrap();
    apps.update(req(
        v1::UpdateApplicationRequest {
            application_id: "app1".into(),
            name: "App one".into(),
            field_mask: mask(&["name"]),
        },
        k,
    ))
    .await
    .unwrap();
    let mut otaa = device("app1", "otaa", 0x101);
    otaa.join_eui = "70B3D57ED0000000".into();
    devs.create(req(otaa, k)).await.unwrap();
    let mut abp = device("app1", "abp", 0x102);
    abp.root_keys = None;
    abp.class = Some("C".into());
    abp.session = Some(v1::SessionKeys {
        dev_addr: "26011234".into(),
        f_nwk_s_int_key: "0102030405060708090A0B0C0D0E0F10".into(),
        app_s_key: "1112131415161718191A1B1C1D1E1F20".into(),
        f_cnt_up: 7,
        ..Default::default()
    });
    devs.create(req(abp, k)).await.unwrap();
    devs.create(req(device("app1", "gone", 0x103), k))
        .await
        .unwrap();
    devs.update(req(
        v1::UpdateEndDeviceRequest {
            application_id: "app1".into(),
            device_id: "otaa".into(),
            name: "renamed".into(),
            attributes: [("site".to_owned(), "b".to_owned())].into(),
            field_mask: mask(&["name", "attributes"]),
            ..Default::default()
        },
        k,
    ))
    .await
    .unwrap();
    devs.delete(req(
        v1::EndDeviceId {
            application_id: "app1".into(),
            device_id: "gone".into(),
        },
        k,
    ))
    .await
    .unwrap();
    gws.create(req(
        v1::CreateGatewayRequest {
            owner: eref(EntityKind::Organization, "acme"),
            gateway_id: "gw1".into(),
            eui: Some("0102030405060708".into()),
            frequency_plan_id: "EU_863_870".into(),
            location: Some(v1::Location {
                latitude: 52.5,
                longitude: 13.4,
                altitude: 30,
            }),
            ..Default::default()
        },
        k,
    ))
    .await
    .unwrap();
    gws.update(req(
        v1::UpdateGatewayRequest {
            gateway_id: "gw1".into(),
            name: "Roof".into(),
            field_mask: mask(&["name"]),
            ..Default::default()
        },
        k,
    ))
    .await
    .unwrap();

    let (a, b) = (state(&h).await, state(&g).await);
    assert_eq!(a["devices"].as_array().unwrap().len(), 2);
    assert_eq!(a, b);
}
