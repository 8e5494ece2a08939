//! Effective rights, table-driven, over the embedded store: direct memberships, rights through
//! an organization (bounded by the member's rights in it), API keys bounded by their owner,
//! entity keys confined to their entity, administrators.

use controlplane::identity::{
    ApiKeyInput, ApplicationInput, CollaboratorInput, GatewayInput, IdentityServer,
    OrganizationInput, Principal, RightSet, Target, UserInput,
};
use controlplane::join::KeyVault;
use controlplane::store::embedded::EmbeddedStore;
use controlplane::store::id::{ApplicationId, GatewayId, OrganizationId, UserId};
use controlplane::store::model::{EntityRef, Right, Right::*};
use std::sync::Arc;

fn uid(s: &str) -> UserId {
    UserId::new(s).unwrap()
}
fn app(s: &str) -> Target {
    Target::Entity(EntityRef::Application(ApplicationId::new(s).unwrap()))
}

async fn user(is: &IdentityServer, id: &str, admin: bool) -> Principal {
    is.create_user(UserInput {
        user_id: id.into(),
        name: String::new(),
        email: format!("{id}@example.com"),
        password: "password-123".into(),
        admin,
    })
    .await
    .unwrap();
    Principal::User {
        user_id: uid(id),
        admin,
    }
}

async fn key(is: &IdentityServer, owner: EntityRef, rights: &[Right]) -> Principal {
    let k = is
        .create_api_key(
            owner,
            ApiKeyInput {
                name: None,
                rights: Some(rights.to_vec()),
                expires_at: None,
            },
        )
        .await
        .unwrap();
    is.authenticate_api_key(&k.key).await.unwrap()
}

#[tokio::test]
async fn effective_rights_by_table() {
    let dir = tempfile::tempdir().unwrap();
    let is = IdentityServer::new(
        Arc::new(EmbeddedStore::open(dir.path().join("s.redb")).unwrap()),
        KeyVault::default(),
        "",
    );
    let admin = user(&is, "admin", true).await;
    let alice = user(&is, "alice", false).await;
    let bob = user(&is, "bob", false).await;
    let carol = user(&is, "carol", false).await;
    let eve = user(&is, "eve", false).await;
    let alice_ref = EntityRef::User(uid("alice"));
    // alice owns app-a and gateway gw-a; org acme owns app-o; bob is a member of acme with
    // APPLICATION_DEVICES_READ only; carol collaborates on app-a with INFO directly.
    is.create_application(
        ApplicationInput {
            application_id: "app-a".into(),
            name: String::new(),
        },
        alice_ref.clone(),
    )
    .await
    .unwrap();
    is.create_gateway(
        GatewayInput {
            gateway_id: "gw-a".into(),
            name: String::new(),
            eui: None,
            frequency_plan_id: "EU_863_870".into(),
            location: None,
            attributes: Default::default(),
        },
        alice_ref.clone(),
    )
    .await
    .unwrap();
    is.create_organization(
        OrganizationInput {
            organization_id: "acme".into(),
            name: String::new(),
            description: String::new(),
        },
        alice_ref.clone(),
    )
    .await
    .unwrap();
    let acme = EntityRef::Organization(OrganizationId::new("acme").unwrap());
    is.create_application(
        ApplicationInput {
            application_id: "app-o".into(),
            name: String::new(),
        },
        acme.clone(),
    )
    .await
    .unwrap();
    is.set_collaborator(
        acme.clone(),
        EntityRef::User(uid("bob")),
        CollaboratorInput {
            rights: vec![RightOrganizationInfo, RightApplicationDevicesRead],
        },
    )
    .await
    .unwrap();
    is.set_collaborator(
        EntityRef::Application(ApplicationId::new("app-a").unwrap()),
        EntityRef::User(uid("carol")),
        CollaboratorInput {
            rights: vec![RightApplicationInfo],
        },
    )
    .await
    .unwrap();

    let alice_reader = key(
        &is,
        alice_ref.clone(),
        &[RightApplicationDevicesRead, RightGatewayInfo],
    )
    .await;
    let alice_all = key(&is, alice_ref.clone(), &[RightAll]).await;
    let app_key = key(
        &is,
        EntityRef::Application(ApplicationId::new("app-a").unwrap()),
        &[RightApplicationInfo],
    )
    .await;
    let org_key = key(
        &is,
        acme.clone(),
        &[RightApplicationDevicesWrite, RightOrganizationInfo],
    )
    .await;
    let carol_key = key(&is, EntityRef::User(uid("carol")), &[RightApplicationAll]).await;
    let gw = Target::Entity(EntityRef::Gateway(GatewayId::new("gw-a").unwrap()));
    let org = Target::Entity(acme.clone());
    let app_rights = RightSet::expand(&[RightApplicationAll]);

    let cases: Vec<(&str, &Principal, Target, RightSet)> = vec![
        (
            "owner has ALL on own app",
            &alice,
            app("app-a"),
            app_rights.clone(),
        ),
        (
            "owner has ALL on own gateway",
            &alice,
            gw.clone(),
            RightSet::expand(&[RightGatewayAll]),
        ),
        (
            "org creator reaches org's app",
            &alice,
            app("app-o"),
            app_rights.clone(),
        ),
        ("stranger has nothing", &eve, app("app-a"), RightSet::none()),
        (
            "direct collaborator",
            &carol,
            app("app-a"),
            RightSet::expand(&[RightApplicationInfo]),
        ),
        (
            "via org, bounded by membership",
            &bob,
            app("app-o"),
            RightSet::expand(&[RightApplicationDevicesRead]),
        ),
        (
            "org member rights on org",
            &bob,
            org.clone(),
            RightSet::expand(&[RightOrganizationInfo, RightApplicationDevicesRead]),
        ),
        (
            "org member has nothing on others' app",
            &bob,
            app("app-a"),
            RightSet::none(),
        ),
        (
            "non-admin has nothing on the network",
            &alice,
            Target::Network,
            RightSet::none(),
        ),
        (
            "admin has all on the network",
            &admin,
            Target::Network,
            RightSet::all(),
        ),
        (
            "admin has all on any app",
            &admin,
            app("app-o"),
            RightSet::all(),
        ),
        (
            "user key ∩ owner",
            &alice_reader,
            app("app-a"),
            RightSet::expand(&[RightApplicationDevicesRead]),
        ),
        (
            "user key ∩ owner (gateway)",
            &alice_reader,
            gw.clone(),
            RightSet::expand(&[RightGatewayInfo]),
        ),
        (
            "user RIGHT_ALL key = owner",
            &alice_all,
            app("app-a"),
            app_rights.clone(),
        ),
        (
            "user RIGHT_ALL key, non-admin owner, network",
            &alice_all,
            Target::Network,
            RightSet::none(),
        ),
        (
            "collaborator's ALL key bounded by INFO",
            &carol_key,
            app("app-a"),
            RightSet::expand(&[RightApplicationInfo]),
        ),
        (
            "app key on its app",
            &app_key,
            app("app-a"),
            RightSet::expand(&[RightApplicationInfo]),
        ),
        (
            "app key elsewhere",
            &app_key,
            app("app-o"),
            RightSet::none(),
        ),
        (
            "org key on org's app",
            &org_key,
            app("app-o"),
            RightSet::expand(&[RightApplicationDevicesWrite]),
        ),
        (
            "org key on org",
            &org_key,
            org.clone(),
            RightSet::expand(&[RightApplicationDevicesWrite, RightOrganizationInfo]),
        ),
        (
            "org key on unrelated app",
            &org_key,
            app("app-a"),
            RightSet::none(),
        ),
    ];
    for (name, who, target, want) in cases {
        let got = is.rights_of(who, &target).await.unwrap();
        assert_eq!(got, want, "{name}");
    }
}
