//! Create, read, update, delete and list of every entity, and bad input.

use super::Ctx;
use super::fixtures::*;
use crate::store::id::*;
use crate::store::model::{EntityRef, MacVersion, WrappedKey};
use crate::store::{PageRequest, StoreError};

fn is_not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::NotFound { .. }))
}

fn is_exists<T: std::fmt::Debug>(r: Result<T, StoreError>, unique: &str) -> bool {
    matches!(r, Err(StoreError::AlreadyExists { unique: u, .. }) if u == unique)
}

fn is_invalid<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Invalid { .. }))
}

/// Root kinds: users, organizations, applications, gateways, OAuth clients.
pub async fn root_entities_crud(c: Ctx) {
    let s = &c.store;

    let mut u = user(&c.id("crud-user"));
    assert_eq!(
        s.create_user(u.clone()).await.unwrap(),
        None,
        "users are not in the change log"
    );
    assert_eq!(s.get_user(&u.user_id).await.unwrap(), u);
    assert!(is_exists(s.create_user(u.clone()).await, "user"));
    u.name = "renamed".into();
    u.admin = true;
    s.update_user(u.clone()).await.unwrap();
    assert_eq!(s.get_user(&u.user_id).await.unwrap(), u);

    let mut o = organization(&c.id("crud-org"));
    s.create_organization(o.clone()).await.unwrap();
    assert!(is_exists(
        s.create_organization(o.clone()).await,
        "organization"
    ));
    o.description = "operators".into();
    s.update_organization(o.clone()).await.unwrap();
    assert_eq!(s.get_organization(&o.organization_id).await.unwrap(), o);

    let mut a = application(&c.id("crud-app"), u.user_id.as_str());
    s.create_application(a.clone()).await.unwrap();
    a.owner = EntityRef::Organization(o.organization_id.clone());
    s.update_application(a.clone()).await.unwrap();
    assert_eq!(s.get_application(&a.application_id).await.unwrap(), a);

    let mut g = gateway(&c.id("crud-gw"), c.eui(0x100));
    assert!(
        s.create_gateway(g.clone()).await.unwrap().is_some(),
        "gateways are logged"
    );
    assert_eq!(s.get_gateway(&g.gateway_id).await.unwrap(), g);
    g.frequency_plan_id = "US_902_928_FSB_2".into();
    s.update_gateway(g.clone()).await.unwrap();
    assert_eq!(s.get_gateway(&g.gateway_id).await.unwrap(), g);
    assert_eq!(s.find_gateway(g.eui.unwrap()).await.unwrap(), g);

    let mut cl = oauth_client(&c.id("crud-client"));
    s.create_oauth_client(cl.clone()).await.unwrap();
    cl.redirect_uris
        .push("http://localhost:1885/callback".into());
    s.update_oauth_client(cl.clone()).await.unwrap();
    assert_eq!(s.get_oauth_client(&cl.client_id).await.unwrap(), cl);

    // Deletes: gone afterwards, a second delete and an update are NotFound.
    s.delete_user(&u.user_id).await.unwrap();
    assert!(is_not_found(s.get_user(&u.user_id).await));
    assert!(is_not_found(s.delete_user(&u.user_id).await));
    assert!(is_not_found(s.update_user(u.clone()).await));
    s.delete_organization(&o.organization_id).await.unwrap();
    assert!(is_not_found(s.get_organization(&o.organization_id).await));
    s.delete_application(&a.application_id).await.unwrap();
    assert!(is_not_found(s.get_application(&a.application_id).await));
    s.delete_gateway(&g.gateway_id).await.unwrap();
    assert!(is_not_found(s.get_gateway(&g.gateway_id).await));
    assert!(is_not_found(s.find_gateway(g.eui.unwrap()).await));
    s.delete_oauth_client(&cl.client_id).await.unwrap();
    assert!(is_not_found(s.get_oauth_client(&cl.client_id).await));
    // Recreating after a delete works (the key was released).
    s.create_user(u.clone()).await.unwrap();
    s.delete_user(&u.user_id).await.unwrap();
}

/// Child kinds: end devices (with a session), API keys, memberships, and look-ups by unique key.
pub async fn child_entities_crud(c: Ctx) {
    let s = &c.store;
    let app = ApplicationId::new(c.id("child-app")).unwrap();
    let mut d = device(app.as_str(), "dev-1", c.eui(1), c.eui(2));
    assert!(s.create_end_device(d.clone()).await.unwrap().is_some());
    assert_eq!(s.get_end_device(&app, &d.device_id).await.unwrap(), d);
    assert!(is_exists(
        s.create_end_device(d.clone()).await,
        "end_device"
    ));
    assert_eq!(s.find_end_device(d.join_eui, d.dev_eui).await.unwrap(), d);
    d.session = Some(session(0x2601_1BDA, 41));
    s.update_end_device(d.clone()).await.unwrap();
    assert_eq!(s.get_end_device(&app, &d.device_id).await.unwrap(), d);
    let other_app = ApplicationId::new(c.id("child-app2")).unwrap();
    assert!(
        is_not_found(s.get_end_device(&other_app, &d.device_id).await),
        "id is per application"
    );

    let owner = EntityRef::Application(app.clone());
    let mut k = api_key(&c.id("key"), owner.clone());
    s.create_api_key(k.clone()).await.unwrap();
    assert_eq!(s.get_api_key(&owner, &k.api_key_id).await.unwrap(), k);
    assert_eq!(s.find_api_key(&k.api_key_id).await.unwrap(), k);
    k.expires_at = Some(2_000_000_000_000);
    s.update_api_key(k.clone()).await.unwrap();
    assert_eq!(s.find_api_key(&k.api_key_id).await.unwrap(), k);
    // The same key id under another owner is taken network-wide.
    let mut k2 = k.clone();
    k2.owner = EntityRef::Application(other_app.clone());
    assert!(is_exists(s.create_api_key(k2).await, "api_key_id"));

    let m = membership(owner.clone(), &c.id("collab"));
    s.create_membership(m.clone()).await.unwrap();
    assert_eq!(s.get_membership(&owner, &m.collaborator).await.unwrap(), m);
    let listed = s
        .list_memberships(&owner, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(listed.items, vec![m.clone()]);
    let keys = s
        .list_api_keys(&owner, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(keys.items, vec![k.clone()]);

    s.delete_end_device(&app, &d.device_id).await.unwrap();
    assert!(is_not_found(s.get_end_device(&app, &d.device_id).await));
    assert!(is_not_found(s.find_end_device(d.join_eui, d.dev_eui).await));
    s.delete_api_key(&owner, &k.api_key_id).await.unwrap();
    assert!(is_not_found(s.find_api_key(&k.api_key_id).await));
    s.delete_membership(&owner, &m.collaborator).await.unwrap();
    assert!(
        s.list_memberships(&owner, PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

/// Invalid input is a validation error, never a panic or a write.
pub async fn bad_input(c: Ctx) {
    let s = &c.store;
    for bad in [
        "",
        "ab",
        "Upper",
        "-lead",
        "trail-",
        "a--b",
        "a/b",
        "x\0y",
        &"a".repeat(37),
    ] {
        assert!(
            matches!(DeviceId::new(bad), Err(StoreError::Invalid { .. })),
            "{bad:?}"
        );
    }
    let json = r#"{"user_id":"NOT VALID","name":"","email":"a@b.c","password_hash":"x","admin":false,"state":"approved","created_at":0,"updated_at":0}"#;
    assert!(serde_json::from_str::<crate::store::model::User>(json).is_err());

    let app = c.id("bad-app");
    let mut d = device(&app, "dev-bad", c.eui(0x200), c.eui(0x201));
    d.root_keys = None;
    assert!(
        is_invalid(s.create_end_device(d.clone()).await),
        "neither OTAA keys nor session"
    );
    let mut d2 = device(&app, "dev-bad", c.eui(0x200), c.eui(0x201));
    d2.root_keys.as_mut().unwrap().app_key = WrappedKey {
        kek_label: "kek".into(),
        key: vec![1; 5],
    };
    assert!(
        is_invalid(s.create_end_device(d2).await),
        "short wrapped key"
    );
    let mut d3 = device(&app, "dev-bad", c.eui(0x200), c.eui(0x201));
    d3.mac_version = MacVersion::V1_1;
    assert!(
        is_invalid(s.create_end_device(d3).await),
        "1.1 without NwkKey"
    );
    let mut d4 = device(&app, "dev-bad", c.eui(0x200), c.eui(0x201));
    d4.attributes.insert("Bad Key".into(), "v".into());
    assert!(is_invalid(s.create_end_device(d4).await), "attribute key");
    assert!(is_not_found(
        s.get_end_device(&ApplicationId::new(app).unwrap(), &d.device_id)
            .await
    ));

    let mut u = user(&c.id("bad-user"));
    u.password_hash = "plaintext".into();
    assert!(
        is_invalid(s.create_user(u.clone()).await),
        "password must be an argon2 hash"
    );
    u.password_hash = HASH.into();
    u.email = "no-at-sign".into();
    assert!(is_invalid(s.create_user(u).await), "email");
    let mut g = gateway(&c.id("bad-gw"), c.eui(0x202));
    g.location.as_mut().unwrap().latitude = 91.0;
    assert!(is_invalid(s.create_gateway(g).await), "latitude");

    assert!(
        is_invalid(s.list_users(PageRequest::first(0)).await),
        "limit 0"
    );
    assert!(
        is_invalid(s.list_users(PageRequest::first(1001)).await),
        "limit over max"
    );
    let bad_token = PageRequest {
        token: Some("not a token!".into()),
        limit: 10,
    };
    assert!(
        is_invalid(s.list_users(bad_token).await),
        "garbage page token"
    );
    assert!(
        is_invalid(s.changes_since(crate::store::Revision(0), 0).await),
        "changes limit 0"
    );
}
