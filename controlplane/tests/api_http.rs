//! The HTTP API end to end: a real server on 127.0.0.1:0 over the embedded store, a real HTTP
//! client; CRUD per resource, pagination, field-level validation errors, uniqueness, and that
//! secrets never appear in responses or logs except the once-shown key, token or secret.

mod api_support;

use api_support::{KEK_LABEL, Server, logs, start};
use controlplane::api::http::render_metrics;
use controlplane::api::operations::OPERATIONS;
use controlplane::store::id::{ApplicationId, DeviceId};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const APP_KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3C";
const NWK_S_KEY: &str = "0A0B0C0D0E0F10111213141516171819";
const APP_S_KEY: &str = "A1A2A3A4A5A6A7A8A9AAABACADAEAFB0";

fn device(id: &str, dev_eui: &str) -> Value {
    json!({
        "device_id": id, "dev_eui": dev_eui, "join_eui": "70B3D57ED0000000",
        "mac_version": "MAC_V1_0_3", "phy_version": "RP001_V1_0_3_REV_A",
        "frequency_plan_id": "EU_863_870_TTN", "attributes": {"vendor": "acme"},
        "root_keys": {"app_key": APP_KEY}
    })
}

fn fields(r: &api_support::Resp) -> BTreeSet<String> {
    r.body["details"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["field"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn user_session(s: &Server, id: &str) -> String {
    let r = s
        .call(
            "POST",
            "/api/v1/users",
            Some(&s.admin_key),
            Some(json!({
            "user_id": id, "name": id, "email": format!("{id}@example.com"),
            "password": format!("{id}-password-1")})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({
            "user_id": id, "password": format!("{id}-password-1")})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_sessions_and_organizations() {
    let s = start().await;
    let admin = s.admin_key.clone();
    let alice = user_session(&s, "alice").await;

    let r = s
        .call("GET", "/api/v1/users/alice", Some(&alice), None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["email"], "alice@example.com");
    assert!(
        !r.text.contains("argon2") && !r.text.contains("password"),
        "{}",
        r.text
    );

    let r = s
        .call(
            "PUT",
            "/api/v1/users/alice",
            Some(&alice),
            Some(json!({"name": "Alice"})),
        )
        .await;
    assert_eq!((r.status, r.body["name"].clone()), (200, json!("Alice")));
    let r = s
        .call(
            "PUT",
            "/api/v1/users/alice",
            Some(&alice),
            Some(json!({"admin": true})),
        )
        .await;
    assert_eq!(r.status, 403, "a user cannot make themselves admin");
    let r = s.call("GET", "/api/v1/users", Some(&alice), None).await;
    assert_eq!(r.status, 403, "listing users is for administrators");
    let r = s.call("GET", "/api/v1/users", Some(&admin), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);

    // Validation and uniqueness.
    let r = s
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({
            "user_id": "Bad_Id", "email": "x@example.com", "password": "short"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["code"], "invalid_argument");
    assert_eq!(
        fields(&r),
        BTreeSet::from(["user_id".into(), "password".into()])
    );
    let r = s
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({
            "user_id": "alice", "email": "other@example.com", "password": "long-enough-1"})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].clone()),
        (409, json!("already_exists"))
    );
    let r = s
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"user_id": "alice", "password": "wrong-password"})),
        )
        .await;
    assert_eq!(r.status, 401);

    // Organizations: bob gets application rights through membership.
    let bob = user_session(&s, "bob").await;
    let r = s
        .call(
            "POST",
            "/api/v1/users/alice/organizations",
            Some(&alice),
            Some(json!({"organization_id": "acme"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s
        .call(
            "POST",
            "/api/v1/organizations/acme/applications",
            Some(&alice),
            Some(json!({"application_id": "acme-app"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        s.call("GET", "/api/v1/applications/acme-app", Some(&bob), None)
            .await
            .status,
        403
    );
    let r = s
        .call(
            "PUT",
            "/api/v1/organizations/acme/collaborators/user/bob",
            Some(&alice),
            Some(json!({"rights": ["RIGHT_ORGANIZATION_INFO"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Member of the org with INFO only: the org's APPLICATION_ALL is bounded by it → nothing.
    assert_eq!(
        s.call("GET", "/api/v1/applications/acme-app", Some(&bob), None)
            .await
            .status,
        403
    );
    let r = s
        .call(
            "PUT",
            "/api/v1/applications/acme-app/collaborators/user/bob",
            Some(&alice),
            Some(json!({"rights": ["RIGHT_APPLICATION_INFO"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        s.call("GET", "/api/v1/applications/acme-app", Some(&bob), None)
            .await
            .status,
        200
    );
    let r = s
        .call("GET", "/api/v1/applications", Some(&bob), None)
        .await;
    assert_eq!(
        r.body["items"].as_array().unwrap().len(),
        1,
        "bob sees only what he may"
    );
    let r = s
        .call("GET", "/api/v1/organizations", Some(&bob), None)
        .await;
    assert_eq!(r.body["items"][0]["organization_id"], "acme");
    let r = s
        .call(
            "GET",
            "/api/v1/organizations/acme/collaborators",
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    // Escalation: alice cannot grant a right she lacks (admin can).
    let r = s
        .call(
            "PUT",
            "/api/v1/applications/acme-app/collaborators/user/bob",
            Some(&bob),
            Some(json!({"rights": ["RIGHT_APPLICATION_ALL"]})),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = s
        .call(
            "PUT",
            "/api/v1/organizations/acme",
            Some(&alice),
            Some(json!({"description": "d"})),
        )
        .await;
    assert_eq!((r.status, r.body["description"].clone()), (200, json!("d")));
    assert_eq!(
        s.call(
            "DELETE",
            "/api/v1/applications/acme-app",
            Some(&alice),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        s.call("DELETE", "/api/v1/organizations/acme", Some(&alice), None)
            .await
            .status,
        204
    );
    assert_eq!(
        s.call("GET", "/api/v1/organizations/acme", Some(&admin), None)
            .await
            .status,
        404
    );

    // Logout ends the session.
    assert_eq!(
        s.call("POST", "/api/v1/auth/logout", Some(&bob), None)
            .await
            .status,
        204
    );
    assert_eq!(
        s.call("GET", "/api/v1/auth/info", Some(&bob), None)
            .await
            .status,
        401
    );
    assert_eq!(
        s.call("DELETE", "/api/v1/users/bob", Some(&admin), None)
            .await
            .status,
        204
    );
    assert_eq!(
        s.call("GET", "/api/v1/users/bob", Some(&admin), None)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_keys_pagination_and_uniqueness() {
    let s = start().await;
    let alice = user_session(&s, "alice").await;
    for app in ["app-1", "app-2"] {
        let r = s
            .call(
                "POST",
                "/api/v1/users/alice/applications",
                Some(&alice),
                Some(json!({"application_id": app})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = s
        .call(
            "PUT",
            "/api/v1/applications/app-1",
            Some(&alice),
            Some(json!({"name": "One"})),
        )
        .await;
    assert_eq!(r.body["name"], "One");

    // OTAA device: keys never in the device view, wrapped at rest, clear only on /keys.
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-1/devices",
            Some(&alice),
            Some(device("dev-1", "0004A30B001C0530")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["has_root_keys"], true);
    assert!(!r.text.contains(APP_KEY) && !r.text.to_lowercase().contains(&APP_KEY.to_lowercase()));
    let stored = s
        .state
        .identity
        .store()
        .get_end_device(
            &ApplicationId::new("app-1").unwrap(),
            &DeviceId::new("dev-1").unwrap(),
        )
        .await
        .unwrap();
    let wrapped = &stored.root_keys.as_ref().unwrap().app_key;
    assert_eq!(
        (wrapped.kek_label.as_str(), wrapped.key.len()),
        (KEK_LABEL, 24)
    );
    assert_ne!(hex::encode_upper(&wrapped.key[..16]), APP_KEY);
    let r = s
        .call(
            "GET",
            "/api/v1/applications/app-1/devices/dev-1/keys",
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["root_keys"]["app_key"], APP_KEY);

    // Same DevEUI/JoinEUI in another application: 409.
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-2/devices",
            Some(&alice),
            Some(device("dev-9", "0004A30B001C0530")),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].clone()),
        (409, json!("already_exists")),
        "{}",
        r.text
    );

    // Field-level validation: every bad field reported at once.
    let bad = json!({
        "device_id": "Dev 1", "dev_eui": "xyz", "join_eui": "70B3D57ED000000",
        "mac_version": "MAC_V9", "phy_version": "RP001_V1_0_3_REV_A", "frequency_plan_id": "",
        "class": "D"
    });
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-1/devices",
            Some(&alice),
            Some(bad),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let want: BTreeSet<String> = [
        "device_id",
        "dev_eui",
        "join_eui",
        "mac_version",
        "frequency_plan_id",
        "class",
        "root_keys",
    ]
    .map(String::from)
    .into();
    assert_eq!(fields(&r), want, "{}", r.text);
    let mut v11 = device("dev-11", "0004A30B001C0531");
    v11["mac_version"] = json!("MAC_V1_1");
    v11["root_keys"]["app_key"] = json!("00");
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-1/devices",
            Some(&alice),
            Some(v11),
        )
        .await;
    assert_eq!(
        fields(&r),
        BTreeSet::from(["root_keys.app_key".into(), "root_keys.nwk_key".into()]),
        "{}",
        r.text
    );
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-1/devices",
            Some(&alice),
            Some(json!("not an object")),
        )
        .await;
    assert_eq!(
        (r.status, fields(&r)),
        (400, BTreeSet::from(["body".into()]))
    );

    // ABP device: session keys wrapped, counters shown, keys only on /keys.
    let mut abp = device("abp-1", "0004A30B001C0599");
    abp.as_object_mut().unwrap().remove("root_keys");
    abp["session"] = json!({"dev_addr": "26011BDA", "f_nwk_s_int_key": NWK_S_KEY, "app_s_key": APP_S_KEY, "f_cnt_up": 7});
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-1/devices",
            Some(&alice),
            Some(abp),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["session"]["dev_addr"], "26011BDA");
    assert_eq!(r.body["session"]["f_cnt_up"], 7);
    assert!(!r.text.contains(NWK_S_KEY) && !r.text.contains(APP_S_KEY));
    let r = s
        .call(
            "GET",
            "/api/v1/applications/app-1/devices/abp-1/keys",
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(r.body["session"]["app_s_key"], APP_S_KEY);

    let r = s
        .call(
            "PUT",
            "/api/v1/applications/app-1/devices/dev-1",
            Some(&alice),
            Some(json!({"name": "renamed", "class": "C", "attributes": {"floor": "3"}})),
        )
        .await;
    assert_eq!(
        (
            r.status,
            r.body["class"].clone(),
            r.body["attributes"]["floor"].clone()
        ),
        (200, json!("C"), json!("3"))
    );
    let r = s
        .call(
            "PUT",
            "/api/v1/applications/app-1/devices/dev-1",
            Some(&alice),
            Some(json!({"class": "Z"})),
        )
        .await;
    assert_eq!(fields(&r), BTreeSet::from(["class".into()]));

    // Pagination, exhaustively: 23 more devices, pages of 7.
    for i in 0..23u32 {
        let r = s
            .call(
                "POST",
                "/api/v1/applications/app-2/devices",
                Some(&alice),
                Some(device(
                    &format!("d-{i:02}"),
                    &format!("00000000000010{i:02X}"),
                )),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let path = match &token {
            Some(t) => format!("/api/v1/applications/app-2/devices?limit=7&page_token={t}"),
            None => "/api/v1/applications/app-2/devices?limit=7".into(),
        };
        let r = s.call("GET", &path, Some(&alice), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= 7);
        assert!(!r.text.contains(APP_KEY));
        seen.extend(
            items
                .iter()
                .map(|d| d["device_id"].as_str().unwrap().to_owned()),
        );
        token = r.body["next_page_token"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert!(token.is_none(), "pagination ended");
    let want: Vec<String> = (0..23).map(|i| format!("d-{i:02}")).collect();
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, want, "every device exactly once");
    for bad in ["0", "1001", "x"] {
        let r = s
            .call(
                "GET",
                &format!("/api/v1/applications/app-2/devices?limit={bad}"),
                Some(&alice),
                None,
            )
            .await;
        assert_eq!(
            (r.status, fields(&r)),
            (400, BTreeSet::from(["limit".into()])),
            "limit={bad}"
        );
    }

    // An application with devices is not deleted; without, it is.
    let r = s
        .call("DELETE", "/api/v1/applications/app-1", Some(&alice), None)
        .await;
    assert_eq!(
        (r.status, r.body["code"].clone()),
        (409, json!("failed_precondition"))
    );
    for d in ["dev-1", "abp-1"] {
        assert_eq!(
            s.call(
                "DELETE",
                &format!("/api/v1/applications/app-1/devices/{d}"),
                Some(&alice),
                None
            )
            .await
            .status,
            204
        );
    }
    assert_eq!(
        s.call(
            "GET",
            "/api/v1/applications/app-1/devices/dev-1",
            Some(&alice),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        s.call("DELETE", "/api/v1/applications/app-1", Some(&alice), None)
            .await
            .status,
        204
    );
    // The freed DevEUI can be registered again.
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-2/devices",
            Some(&alice),
            Some(device("dev-1", "0004A30B001C0530")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_no_secret_logged(&[APP_KEY, NWK_S_KEY, APP_S_KEY, &alice, "alice-password-1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateways_api_keys_clients_and_plumbing() {
    let s = start().await;
    let admin = s.admin_key.clone();
    let alice = user_session(&s, "alice").await;
    let gw = json!({"gateway_id": "gw-1", "eui": "B827EBFFFE000001", "frequency_plan_id": "EU_863_870",
        "location": {"latitude": 52.37, "longitude": 4.89, "altitude": 3}});
    let r = s
        .call(
            "POST",
            "/api/v1/users/alice/gateways",
            Some(&alice),
            Some(gw),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        (r.body["eui"].clone(), r.body["has_auth_token"].clone()),
        (json!("B827EBFFFE000001"), json!(false))
    );
    let dup =
        json!({"gateway_id": "gw-2", "eui": "B827EBFFFE000001", "frequency_plan_id": "EU_863_870"});
    let r = s
        .call(
            "POST",
            "/api/v1/users/alice/gateways",
            Some(&alice),
            Some(dup),
        )
        .await;
    assert_eq!(r.status, 409, "duplicate gateway EUI: {}", r.text);
    let bad = json!({"gateway_id": "gw-3", "eui": "zz", "frequency_plan_id": "",
        "location": {"latitude": 91.0, "longitude": 0.0, "altitude": 0}});
    let r = s
        .call(
            "POST",
            "/api/v1/users/alice/gateways",
            Some(&alice),
            Some(bad),
        )
        .await;
    assert_eq!(
        fields(&r),
        BTreeSet::from([
            "eui".into(),
            "frequency_plan_id".into(),
            "location.latitude".into()
        ])
    );
    let r = s
        .call("POST", "/api/v1/gateways/gw-1/token", Some(&alice), None)
        .await;
    assert_eq!(r.status, 201);
    let gw_token = r.body["auth_token"].as_str().unwrap().to_owned();
    let eui = "B827EBFFFE000001".parse().unwrap();
    assert!(
        s.state
            .identity
            .verify_gateway_token(eui, &gw_token)
            .await
            .is_ok()
    );
    assert!(
        s.state
            .identity
            .verify_gateway_token(eui, "NNSGT.gw-1.wrong")
            .await
            .is_err()
    );
    let r = s
        .call("GET", "/api/v1/gateways/gw-1", Some(&alice), None)
        .await;
    assert_eq!(r.body["has_auth_token"], true);
    assert!(!r.text.contains(&gw_token) && !r.text.contains("argon2"));
    let r = s
        .call(
            "PUT",
            "/api/v1/gateways/gw-1",
            Some(&alice),
            Some(json!({"name": "roof"})),
        )
        .await;
    assert_eq!(r.body["name"], "roof");
    assert_eq!(
        s.call("GET", "/api/v1/gateways", Some(&alice), None)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // API keys: shown once, never listed with a secret, rights enforced.
    s.call(
        "POST",
        "/api/v1/users/alice/applications",
        Some(&alice),
        Some(json!({"application_id": "app-1"})),
    )
    .await;
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-1/api-keys",
            Some(&alice),
            Some(json!({"name": "reader", "rights": ["RIGHT_APPLICATION_DEVICES_READ"]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let key = r.body["key"].as_str().unwrap().to_owned();
    let key_id = r.body["id"].as_str().unwrap().to_owned();
    assert!(key.starts_with(&format!("NNSXS.{key_id}.")));
    let secret = key.rsplit('.').next().unwrap().to_owned();
    for path in [
        "/api/v1/applications/app-1/api-keys".to_owned(),
        format!("/api/v1/applications/app-1/api-keys/{key_id}"),
    ] {
        let r = s.call("GET", &path, Some(&alice), None).await;
        assert_eq!(r.status, 200);
        assert!(
            !r.text.contains(&secret) && !r.text.contains("argon2") && !r.text.contains("\"key\""),
            "{}",
            r.text
        );
    }
    assert_eq!(
        s.call(
            "GET",
            "/api/v1/applications/app-1/devices",
            Some(&key),
            None
        )
        .await
        .status,
        200
    );
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-1/devices",
            Some(&key),
            Some(device("dev-d", "0000000000000001")),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].clone()),
        (403, json!("permission_denied"))
    );
    assert_eq!(
        s.call("GET", "/api/v1/applications/app-1/devices", None, None)
            .await
            .status,
        401
    );
    let forged = format!("NNSXS.{key_id}.{}", "A".repeat(43));
    assert_eq!(
        s.call(
            "GET",
            "/api/v1/applications/app-1/devices",
            Some(&forged),
            None
        )
        .await
        .status,
        401
    );
    let r = s
        .call("PUT", &format!("/api/v1/applications/app-1/api-keys/{key_id}"), Some(&alice),
            Some(json!({"rights": ["RIGHT_APPLICATION_DEVICES_READ", "RIGHT_APPLICATION_DEVICES_WRITE"]})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-1/devices",
            Some(&key),
            Some(device("dev-d", "0000000000000001")),
        )
        .await;
    assert_eq!(r.status, 201, "updated rights apply: {}", r.text);
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-1/api-keys",
            Some(&alice),
            Some(json!({"rights": ["RIGHT_GATEWAY_INFO"]})),
        )
        .await;
    assert_eq!(
        r.status, 403,
        "alice lacks gateway rights on the application"
    );
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-1/api-keys",
            Some(&alice),
            Some(json!({"rights": []})),
        )
        .await;
    assert_eq!(fields(&r), BTreeSet::from(["rights".into()]));
    // Expired keys do not authenticate.
    let r = s
        .call(
            "POST",
            "/api/v1/applications/app-1/api-keys",
            Some(&alice),
            Some(json!({"rights": ["RIGHT_APPLICATION_INFO"], "expires_at": 1})),
        )
        .await;
    let expired = r.body["key"].as_str().unwrap().to_owned();
    assert_eq!(
        s.call("GET", "/api/v1/applications/app-1", Some(&expired), None)
            .await
            .status,
        401
    );
    assert_eq!(
        s.call(
            "DELETE",
            &format!("/api/v1/applications/app-1/api-keys/{key_id}"),
            Some(&alice),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        s.call(
            "GET",
            "/api/v1/applications/app-1/devices",
            Some(&key),
            None
        )
        .await
        .status,
        401
    );

    // OAuth clients: secret once.
    let r = s
        .call("POST", "/api/v1/clients", Some(&admin), Some(json!({"client_id": "console",
            "redirect_uris": ["https://console.example.com/cb", "ftp://x"], "grants": ["authorization_code"]})))
        .await;
    assert_eq!(fields(&r), BTreeSet::from(["redirect_uris[1]".into()]));
    let r = s
        .call("POST", "/api/v1/clients", Some(&admin), Some(json!({"client_id": "console",
            "redirect_uris": ["https://console.example.com/cb"], "grants": ["authorization_code"]})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let client_secret = r.body["secret"].as_str().unwrap().to_owned();
    let r = s
        .call("GET", "/api/v1/clients/console", Some(&admin), None)
        .await;
    assert!(r.status == 200 && !r.text.contains(&client_secret));
    assert_eq!(
        s.call("GET", "/api/v1/clients", Some(&alice), None)
            .await
            .status,
        403
    );
    assert_eq!(
        s.call("DELETE", "/api/v1/clients/console", Some(&admin), None)
            .await
            .status,
        204
    );
    assert_eq!(
        s.call("DELETE", "/api/v1/gateways/gw-1", Some(&alice), None)
            .await
            .status,
        204
    );

    // Request ids: echoed when sent, generated when not.
    let r = s
        .call_with(
            "GET",
            "/api/v1/auth/info",
            Some(&alice),
            None,
            &[("x-request-id", "req-123")],
        )
        .await;
    assert_eq!(r.headers["x-request-id"], "req-123");
    let r = s.call("GET", "/api/v1/auth/info", Some(&alice), None).await;
    assert_eq!(r.headers["x-request-id"].len(), 16);
    assert_eq!(r.body["user_id"], "alice");
    let r = s.call("GET", "/api/v1/nowhere", Some(&alice), None).await;
    assert_eq!(r.status, 404);

    // OpenAPI lists every route of the table; metrics count by route and status.
    let r = s.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.body["openapi"], "3.0.3");
    for row in OPERATIONS {
        assert!(
            r.body["paths"][row.path][row.method.lower()].is_object(),
            "{} {}",
            row.method.lower(),
            row.path
        );
    }
    let m = render_metrics(&s.state);
    assert!(m.contains(r#"controlplane_http_requests_total{method="GET",route="/api/v1/applications/{application_id}/devices",status="401"} 3"#), "{m}");
    assert!(m.contains(r#"route="unmatched",status="404"} 1"#), "{m}");
    assert!(
        logs().lock().unwrap().windows(7).any(|w| w == b"req-123"),
        "request id in the logs"
    );
    assert_no_secret_logged(&[
        &key,
        &secret,
        &gw_token,
        &client_secret,
        &expired,
        &s.admin_key,
        &alice,
    ]);
}

fn assert_no_secret_logged(secrets: &[&str]) {
    let logs = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    assert!(!logs.is_empty());
    for s in secrets {
        assert!(!logs.contains(s), "secret {s} in the logs");
    }
}
