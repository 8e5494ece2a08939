//! Records for the suite, valid unless a case spoils them on purpose.

use crate::store::id::*;
use crate::store::model::*;
use shared::types::{DevAddr, DevEui, Eui64, JoinEui};
use std::collections::BTreeMap;

/// An argon2 PHC string (format only; the store never checks a secret).
pub const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

fn wrapped(b: u8) -> WrappedKey {
    WrappedKey {
        kek_label: "kek-1".into(),
        key: vec![b; 24],
    }
}

/// A user.
pub fn user(id: &str) -> User {
    User {
        user_id: UserId::new(id).expect("fixture id"),
        name: format!("User {id}"),
        email: format!("{id}@example.com"),
        password_hash: HASH.into(),
        admin: false,
        state: UserState::Approved,
        created_at: 1,
        updated_at: 1,
    }
}

/// An organization.
pub fn organization(id: &str) -> Organization {
    Organization {
        organization_id: OrganizationId::new(id).expect("fixture id"),
        name: id.into(),
        description: String::new(),
        created_at: 1,
        updated_at: 1,
    }
}

/// An application owned by `owner` (a user id).
pub fn application(id: &str, owner: &str) -> Application {
    Application {
        application_id: ApplicationId::new(id).expect("fixture id"),
        name: id.into(),
        owner: EntityRef::User(UserId::new(owner).expect("fixture id")),
        created_at: 1,
        updated_at: 1,
    }
}

/// An OTAA 1.0.3 end device.
pub fn device(app: &str, id: &str, join_eui: u64, dev_eui: u64) -> EndDevice {
    EndDevice {
        application_id: ApplicationId::new(app).expect("fixture id"),
        device_id: DeviceId::new(id).expect("fixture id"),
        name: String::new(),
        dev_eui: DevEui::from_u64(dev_eui),
        join_eui: JoinEui::from_u64(join_eui),
        mac_version: MacVersion::V1_0_3,
        phy_version: PhyVersion::Rp001V1_0_3RevA,
        frequency_plan_id: "EU_863_870_TTN".into(),
        class: DeviceClass::A,
        attributes: BTreeMap::from([("vendor".into(), "acme".into())]),
        root_keys: Some(RootKeys {
            app_key: wrapped(0xAA),
            nwk_key: None,
        }),
        session: None,
        created_at: 1,
        updated_at: 1,
    }
}

/// A 1.0.x session to put on a device.
pub fn session(dev_addr: u32, f_cnt_up: u32) -> Session {
    Session {
        dev_addr: DevAddr::from_u32(dev_addr),
        f_nwk_s_int_key: wrapped(0x11),
        s_nwk_s_int_key: None,
        nwk_s_enc_key: None,
        app_s_key: wrapped(0x22),
        f_cnt_up,
        n_f_cnt_down: 0,
        a_f_cnt_down: 0,
    }
}

/// A gateway with an EUI.
pub fn gateway(id: &str, eui: u64) -> Gateway {
    Gateway {
        gateway_id: GatewayId::new(id).expect("fixture id"),
        name: id.into(),
        eui: Some(Eui64::from_u64(eui)),
        frequency_plan_id: "EU_863_870".into(),
        location: Some(Location {
            latitude: 52.37,
            longitude: 4.89,
            altitude: 3,
        }),
        attributes: BTreeMap::new(),
        auth_token_hash: Some(HASH.into()),
        created_at: 1,
        updated_at: 1,
    }
}

/// An API key of `owner`.
pub fn api_key(id: &str, owner: EntityRef) -> ApiKey {
    ApiKey {
        api_key_id: ApiKeyId::new(id).expect("fixture id"),
        owner,
        name: "ci".into(),
        secret_hash: HASH.into(),
        rights: vec![Right::RightApplicationDevicesRead],
        expires_at: None,
        created_at: 1,
        updated_at: 1,
    }
}

/// User `user` as collaborator on `entity`.
pub fn membership(entity: EntityRef, user: &str) -> Membership {
    Membership {
        entity,
        collaborator: EntityRef::User(UserId::new(user).expect("fixture id")),
        rights: vec![Right::RightApplicationAll],
        created_at: 1,
        updated_at: 1,
    }
}

/// An OAuth client.
pub fn oauth_client(id: &str) -> OAuthClient {
    OAuthClient {
        client_id: ClientId::new(id).expect("fixture id"),
        name: id.into(),
        secret_hash: HASH.into(),
        redirect_uris: vec!["https://console.example.com/oauth/callback".into()],
        grants: vec![Grant::AuthorizationCode, Grant::RefreshToken],
        rights: vec![Right::RightAll],
        created_at: 1,
        updated_at: 1,
    }
}
