//! The Join Server against independent device-side implementations: the device builds a
//! join-request (or rejoin-request), our Join Server answers, the device decrypts and
//! validates the join-accept and derives its session keys, which must equal ours.
//!
//! Oracles:
//! - ChirpStack `lrwn` 4.13: LoRaWAN 1.0.x and 1.1 join-request, rejoin-request types 0/1/2,
//!   join-accept decryption (NwkKey/AppKey or JSEncKey), join-accept MIC (1.0 form and 1.1 form
//!   with JoinReqType, JoinEUI, DevNonce/RJcount under JSIntKey), JSIntKey/JSEncKey and all
//!   session keys (`lrwn::keys`), CFList decoding.
//! - `lorawan` 0.9 (lorawan-encoding, the frame and crypto layer of the `lorawan-device` 0.12
//!   stack): LoRaWAN 1.0.x only (it has no 1.1 join), join-request creation, join-accept
//!   decryption, MIC check, NwkSKey/AppSKey derivation and CFList decoding. `lorawan-device`
//!   itself drives a radio through async traits; its join logic is this crate's calls, so the
//!   encoding crate is the part worth checking against.

use controlplane::join::{
    JoinAccepted, JoinDevice, JoinServer, JoinServerConfig, JoinState, NwkSessionKeys, RejoinMic,
    RootKeys, RxSettings,
};
use lrwn::keys as lk;
use proptest::prelude::*;
use shared::types::{Aes128Key, DevEui, JoinEui, MacVersion};

fn server() -> JoinServer {
    let cfg: JoinServerConfig = toml::from_str("net_id = \"000013\"\n").unwrap();
    JoinServer::new(&cfg).unwrap()
}

fn lk_key(k: &Aes128Key) -> lrwn::AES128Key {
    lrwn::AES128Key::from_bytes(k.to_bytes())
}

fn l_eui<T: Into<u64>>(v: T) -> lrwn::EUI64 {
    lrwn::EUI64::from_be_bytes(v.into().to_be_bytes())
}

/// The session keys as (FNwkSIntKey, SNwkSIntKey, NwkSEncKey, AppSKey); 1.0: NwkSKey thrice.
fn our_keys(a: &JoinAccepted) -> [[u8; 16]; 4] {
    let app = a.session.app_s_key.to_bytes();
    match a.session.nwk_keys {
        NwkSessionKeys::V1_0 { nwk_s_key } => {
            let n = nwk_s_key.to_bytes();
            [n, n, n, app]
        }
        NwkSessionKeys::V1_1 {
            f_nwk_s_int_key,
            s_nwk_s_int_key,
            nwk_s_enc_key,
        } => [
            f_nwk_s_int_key.to_bytes(),
            s_nwk_s_int_key.to_bytes(),
            nwk_s_enc_key.to_bytes(),
            app,
        ],
    }
}

/// lrwn as the device: decrypts and checks the accept, returns the keys it derives.
fn lrwn_device_side(
    d: &JoinDevice,
    a: &JoinAccepted,
    join_type: lrwn::JoinType,
    nonce: u16,
) -> [[u8; 16]; 4] {
    let v11 = d.mac_version.is_1_1();
    let app_key = lk_key(&d.root_keys.app_key);
    let nwk_key = d.root_keys.nwk_key.map(|k| lk_key(&k)).unwrap_or(app_key);
    let dev_eui = l_eui(d.dev_eui.to_u64());
    let join_eui = l_eui(d.join_eui.to_u64());
    let (enc_key, mic_key) = match (v11, &join_type) {
        (false, _) => (app_key, app_key),
        (true, lrwn::JoinType::Join) => (nwk_key, lk::get_js_int_key(&dev_eui, &nwk_key).unwrap()),
        (true, _) => (
            lk::get_js_enc_key(&dev_eui, &nwk_key).unwrap(),
            lk::get_js_int_key(&dev_eui, &nwk_key).unwrap(),
        ),
    };
    let mut phy = lrwn::PhyPayload::from_slice(a.phy_payload.as_bytes()).unwrap();
    phy.decrypt_join_accept_payload(&enc_key).unwrap();
    assert!(
        phy.validate_join_accept_mic(join_type, &join_eui, nonce, &mic_key)
            .unwrap(),
        "lrwn rejects the join-accept MIC"
    );
    let lrwn::Payload::JoinAccept(pl) = &phy.payload else {
        panic!("not a join-accept")
    };
    let s = &a.session;
    assert_eq!(pl.join_nonce, s.join_nonce);
    assert_eq!(pl.home_netid.to_le_bytes(), s.net_id.to_wire_bytes());
    assert_eq!(pl.devaddr.to_be_bytes(), s.dev_addr.to_be_bytes());
    assert_eq!(pl.dl_settings.opt_neg, v11);
    assert_eq!(pl.dl_settings.rx1_dr_offset, s.rx1_dr_offset);
    assert_eq!(pl.dl_settings.rx2_dr, s.rx2_data_rate);
    assert_eq!(pl.rx_delay, s.rx1_delay_secs);
    assert_eq!(
        pl.cflist.as_ref().map(|c| c.to_bytes().unwrap()),
        s.cf_list.map(|c| c.to_bytes().unwrap())
    );
    let net_id = pl.home_netid;
    let (jn, nonce) = (pl.join_nonce, nonce);
    let root = if v11 { &nwk_key } else { &app_key };
    let f = lk::get_f_nwk_s_int_key(v11, root, &net_id, &join_eui, jn, nonce).unwrap();
    let sn = lk::get_s_nwk_s_int_key(v11, root, &net_id, &join_eui, jn, nonce).unwrap();
    let e = lk::get_nwk_s_enc_key(v11, root, &net_id, &join_eui, jn, nonce).unwrap();
    let app = lk::get_app_s_key(v11, &app_key, &net_id, &join_eui, jn, nonce).unwrap();
    if v11 {
        [f.to_bytes(), sn.to_bytes(), e.to_bytes(), app.to_bytes()]
    } else {
        // 1.0.x has one NwkSKey (type 0x01); ChirpStack uses its FNwkSIntKey for all three.
        [f.to_bytes(), f.to_bytes(), f.to_bytes(), app.to_bytes()]
    }
}

/// lrwn builds a join-request signed as the device's version requires.
fn lrwn_join_request(d: &JoinDevice, dev_nonce: u16) -> Vec<u8> {
    let key = d.root_keys.nwk_key.unwrap_or(d.root_keys.app_key);
    let mut phy = lrwn::PhyPayload {
        mhdr: lrwn::MHDR {
            f_type: lrwn::FType::JoinRequest,
            major: lrwn::Major::LoRaWANR1,
        },
        payload: lrwn::Payload::JoinRequest(lrwn::JoinRequestPayload {
            join_eui: l_eui(d.join_eui.to_u64()),
            dev_eui: l_eui(d.dev_eui.to_u64()),
            dev_nonce,
        }),
        mic: None,
    };
    phy.set_join_request_mic(&lk_key(&key)).unwrap();
    phy.to_vec().unwrap()
}

const VERSIONS: [MacVersion; 6] = MacVersion::ALL;
const PLANS: [&str; 5] = [
    "EU_863_870",
    "US_902_928_FSB_2",
    "AU_915_928_FSB_2",
    "EU868",
    "AS923-2",
];

fn device(
    keys: ([u8; 16], [u8; 16]),
    euis: (u64, u64),
    version: MacVersion,
    plan: &str,
    rx: RxSettings,
) -> JoinDevice {
    JoinDevice {
        dev_eui: DevEui::from_u64(euis.0),
        join_eui: JoinEui::from_u64(euis.1),
        mac_version: version,
        root_keys: RootKeys {
            app_key: Aes128Key::from_bytes(keys.0),
            nwk_key: version.is_1_1().then_some(Aes128Key::from_bytes(keys.1)),
        },
        frequency_plan_id: plan.into(),
        rx,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// lrwn as the device, every version, several plans and RX settings.
    #[test]
    fn lrwn_join(keys in any::<([u8; 16], [u8; 16])>(), euis in any::<(u64, u64)>(),
                 v in 0..VERSIONS.len(), p in 0..PLANS.len(), dev_nonce in any::<u16>(),
                 offset in 0u8..4, delay in 1u8..16, last_jn in proptest::option::of(0u32..0xFF_FFFF)) {
        let rx = RxSettings { rx1_dr_offset: offset, rx2_data_rate: None, rx1_delay_secs: delay };
        let d = device(keys, euis, VERSIONS[v], PLANS[p], rx);
        let state = JoinState { last_join_nonce: last_jn, ..JoinState::default() };
        let a = server().handle_join_request(0, &lrwn_join_request(&d, dev_nonce), &d, &state).unwrap();
        prop_assert_eq!(a.session.join_nonce, last_jn.map_or(1, |n| n + 1));
        let theirs = lrwn_device_side(&d, &a, lrwn::JoinType::Join, dev_nonce);
        prop_assert_eq!(theirs, our_keys(&a));
    }

    /// `lorawan` 0.9 (lorawan-device's encoding layer) as a 1.0.x device.
    #[test]
    fn lorawan_encoding_join(keys in any::<([u8; 16], [u8; 16])>(), euis in any::<(u64, u64)>(),
                             v in 0..5usize, p in 0..PLANS.len(), dev_nonce in any::<u16>()) {
        use lorawan::default_crypto::DefaultFactory;
        use lorawan::parser::{DevNonce, EUI64, JoinAcceptPayload, PhyPayload};
        let d = device(keys, euis, VERSIONS[v], PLANS[p], RxSettings::default());
        let key = lorawan::keys::AppKey::from(keys.0);
        let mut creator = lorawan::creator::JoinRequestCreator::with_options([0u8; 23], DefaultFactory).unwrap();
        creator
            .set_app_eui(EUI64::new(d.join_eui.to_wire_bytes()).unwrap())
            .set_dev_eui(EUI64::new(d.dev_eui.to_wire_bytes()).unwrap())
            .set_dev_nonce(DevNonce::new(dev_nonce.to_le_bytes()).unwrap());
        let request = creator.build(&key).to_vec();
        let a = server().handle_join_request(0, &request, &d, &JoinState::default()).unwrap();
        let Ok(PhyPayload::JoinAccept(JoinAcceptPayload::Encrypted(enc))) =
            lorawan::parser::parse(a.phy_payload.as_bytes().to_vec()) else {
            panic!("lorawan does not parse the join-accept")
        };
        let dec = enc.decrypt(&key);
        prop_assert!(dec.validate_mic(&key), "lorawan rejects the MIC");
        let (addr, nonce) = (dec.dev_addr(), dec.app_nonce());
        prop_assert_eq!(addr.as_ref(), &a.session.dev_addr.to_wire_bytes()[..]);
        prop_assert_eq!(nonce.as_ref(), &a.session.join_nonce.to_le_bytes()[..3]);
        prop_assert_eq!(dec.rx_delay(), a.session.rx1_delay_secs);
        prop_assert_eq!(dec.c_f_list().is_some(), a.session.cf_list.is_some());
        let n = DevNonce::new(dev_nonce.to_le_bytes()).unwrap();
        let nwk = dec.derive_newskey(&n, &key);
        let app = dec.derive_appskey(&n, &key);
        let ours = our_keys(&a);
        prop_assert_eq!(nwk.inner().0, ours[0]);
        prop_assert_eq!(app.inner().0, ours[3]);
    }

    /// Rejoin-requests of types 0, 1 and 2 built by lrwn; the accept must be decryptable with
    /// JSEncKey and carry the 1.1 MIC with JoinReqType and RJcount.
    #[test]
    fn lrwn_rejoin(keys in any::<([u8; 16], [u8; 16])>(), euis in any::<(u64, u64)>(),
                   t in 0u8..3, count in 1u16.., s_key in any::<[u8; 16]>()) {
        let d = device(keys, euis, MacVersion::V1_1, "EU_863_870", RxSettings::default());
        let js = server();
        let nwk_key = lk_key(&d.root_keys.nwk_key.unwrap());
        let dev_eui = l_eui(d.dev_eui.to_u64());
        let (payload, join_type, sign_key) = match t {
            1 => (
                lrwn::Payload::RejoinRequestType1(lrwn::RejoinRequestType1Payload {
                    rejoin_type: lrwn::JoinType::RejoinType1,
                    join_eui: l_eui(d.join_eui.to_u64()),
                    dev_eui,
                    rj_count_1: count,
                }),
                lrwn::JoinType::RejoinType1,
                lk::get_js_int_key(&dev_eui, &nwk_key).unwrap(),
            ),
            _ => {
                let jt = if t == 0 { lrwn::JoinType::RejoinType0 } else { lrwn::JoinType::RejoinType2 };
                (
                    lrwn::Payload::RejoinRequestType02(lrwn::RejoinRequestType02Payload {
                        rejoin_type: jt.clone(),
                        netid: lrwn::NetID::from_be_bytes(js.net_id().to_be_bytes()),
                        dev_eui,
                        rj_count_0: count,
                    }),
                    jt,
                    lrwn::AES128Key::from_bytes(s_key),
                )
            }
        };
        let mut phy = lrwn::PhyPayload {
            mhdr: lrwn::MHDR { f_type: lrwn::FType::RejoinRequest, major: lrwn::Major::LoRaWANR1 },
            payload,
            mic: None,
        };
        phy.set_join_request_mic(&sign_key).unwrap();
        let bytes = phy.to_vec().unwrap();
        let s_nwk = Aes128Key::from_bytes(s_key);
        let state = JoinState { last_rj_count1: Some(count - 1), ..JoinState::default() };
        let a = js
            .handle_rejoin_request(0, &bytes, &d, &state, RejoinMic::Check { s_nwk_s_int_key: &s_nwk })
            .unwrap();
        prop_assert_eq!(a.session.dev_nonce, count);
        let theirs = lrwn_device_side(&d, &a, join_type, count);
        prop_assert_eq!(theirs, our_keys(&a));
    }
}
