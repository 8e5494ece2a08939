use super::super::*;
use proptest::prelude::*;
use shared::crypto::{CipherKey, MicKey, join_accept_decrypt, join_request_mic};
use shared::lorawan::{
    FrameError, JoinAccept, JoinRequestRepr, MType, RejoinRequestRepr, RejoinType,
};
use shared::types::{Aes128Key, DevEui, JoinEui, MacVersion};

const APP_KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3C";
const NWK_KEY: &str = "000102030405060708090A0B0C0D0E0F";

fn server() -> JoinServer {
    let cfg: JoinServerConfig = toml::from_str("net_id = \"000013\"\n").unwrap();
    JoinServer::new(&cfg).unwrap()
}

fn device(version: MacVersion) -> JoinDevice {
    JoinDevice {
        dev_eui: "70B3D57ED0000001".parse().unwrap(),
        join_eui: "70B3D57ED0000000".parse().unwrap(),
        mac_version: version,
        root_keys: RootKeys {
            app_key: APP_KEY.parse().unwrap(),
            nwk_key: version.is_1_1().then(|| NWK_KEY.parse().unwrap()),
        },
        frequency_plan_id: "EU_863_870".into(),
        rx: RxSettings::default(),
    }
}

/// A join-request signed with `key`.
fn request(join_eui: JoinEui, dev_eui: DevEui, dev_nonce: u16, key: &Aes128Key) -> Vec<u8> {
    let mut b = [0u8; 23];
    let repr = JoinRequestRepr {
        join_eui,
        dev_eui,
        dev_nonce,
        mic: [0; 4],
    };
    repr.emit(&mut b).unwrap();
    let mic = join_request_mic(&MicKey::new(key), &b[..19]);
    b[19..].copy_from_slice(&mic);
    b.to_vec()
}

fn request_for(d: &JoinDevice, dev_nonce: u16) -> Vec<u8> {
    let key = d.root_keys.nwk_key.unwrap_or(d.root_keys.app_key);
    request(d.join_eui, d.dev_eui, dev_nonce, &key)
}

#[test]
fn rejections_by_table() {
    let js = server();
    let d10 = device(MacVersion::V1_0_3);
    let d11 = device(MacVersion::V1_1);
    let mut forged = request_for(&d10, 5);
    forged[22] ^= 1;
    let other_key = request(
        d10.join_eui,
        d10.dev_eui,
        5,
        &Aes128Key::from_bytes([9; 16]),
    );
    // A 1.1 device's request signed with AppKey (the 1.0 rule) must fail.
    let v11_under_app_key = request(d11.join_eui, d11.dev_eui, 5, &d11.root_keys.app_key);
    let wrong_join_eui = request(JoinEui::from_u64(1), d10.dev_eui, 5, &d10.root_keys.app_key);
    let wrong_dev_eui = request(d10.join_eui, DevEui::from_u64(2), 5, &d10.root_keys.app_key);
    let used = JoinState {
        used_dev_nonces: vec![1, 5, 9],
        ..JoinState::default()
    };
    let counted = JoinState {
        last_dev_nonce: Some(5),
        ..JoinState::default()
    };
    let no_nwk_key = JoinDevice {
        root_keys: RootKeys {
            nwk_key: None,
            ..d11.root_keys
        },
        ..d11.clone()
    };
    let unknown_plan = JoinDevice {
        frequency_plan_id: "MARS_1".into(),
        ..d10.clone()
    };
    let bad_rx = JoinDevice {
        rx: RxSettings {
            rx1_dr_offset: 7,
            ..RxSettings::default()
        },
        ..d10.clone()
    };
    let mut data_frame = request_for(&d10, 5);
    data_frame[0] = 0x40;
    let exhausted = JoinState {
        last_join_nonce: Some(MAX_JOIN_NONCE),
        ..JoinState::default()
    };
    let st = JoinState::default();
    let cases: [(&str, &JoinDevice, Vec<u8>, &JoinState, JoinError); 13] = [
        ("forged MIC", &d10, forged, &st, JoinError::MicMismatch),
        ("other key", &d10, other_key, &st, JoinError::MicMismatch),
        (
            "1.1 signed with AppKey",
            &d11,
            v11_under_app_key,
            &st,
            JoinError::MicMismatch,
        ),
        (
            "wrong JoinEUI",
            &d10,
            wrong_join_eui,
            &st,
            JoinError::JoinEuiMismatch {
                expected: d10.join_eui,
                got: JoinEui::from_u64(1),
            },
        ),
        (
            "wrong DevEUI",
            &d10,
            wrong_dev_eui,
            &st,
            JoinError::DevEuiMismatch {
                expected: d10.dev_eui,
                got: DevEui::from_u64(2),
            },
        ),
        (
            "1.0.3 replayed nonce",
            &d10,
            request_for(&d10, 5),
            &used,
            NonceError::Replay(5).into(),
        ),
        (
            "1.1 nonce not increasing",
            &d11,
            request_for(&d11, 5),
            &counted,
            NonceError::TooLow { got: 5, last: 5 }.into(),
        ),
        (
            "1.1 without NwkKey",
            &no_nwk_key,
            request_for(&d10, 5),
            &st,
            JoinError::MissingNwkKey,
        ),
        (
            "unknown plan",
            &unknown_plan,
            request_for(&d10, 5),
            &st,
            FrequencyPlanError::UnknownPlan("MARS_1".into()).into(),
        ),
        (
            "RX1DROffset 7 in EU868",
            &bad_rx,
            request_for(&d10, 5),
            &st,
            FrequencyPlanError::InvalidRx1DrOffset(7).into(),
        ),
        (
            "JoinNonce exhausted",
            &d10,
            request_for(&d10, 5),
            &exhausted,
            NonceError::JoinNonceExhausted.into(),
        ),
        (
            "22 bytes",
            &d10,
            request_for(&d10, 5)[..22].to_vec(),
            &st,
            FrameError::WrongLength {
                expected: 23,
                got: 22,
            }
            .into(),
        ),
        (
            "data MType",
            &d10,
            data_frame,
            &st,
            FrameError::WrongMType(MType::UnconfirmedDataUp).into(),
        ),
    ];
    for (name, dev, bytes, state, want) in cases {
        let got = js.handle_join_request(0, &bytes, dev, state);
        assert_eq!(got.err(), Some(want), "{name}");
    }
}

#[test]
fn accepts_then_rejects_replay_and_advances_state() {
    let js = server();
    for version in [MacVersion::V1_0_2, MacVersion::V1_0_4, MacVersion::V1_1] {
        let d = device(version);
        let st0 = JoinState::default();
        let a = js
            .handle_join_request(100, &request_for(&d, 7), &d, &st0)
            .unwrap();
        assert_eq!(a.state.last_join_nonce, Some(1), "{version}");
        assert_eq!(a.state.last_dev_nonce, Some(7), "{version}");
        assert_eq!(a.state.dev_addr, Some(a.session.dev_addr), "{version}");
        assert_eq!(a.state.last_join_unix, Some(100), "{version}");
        assert!(a.session.dev_addr.is_net_id(js.net_id()), "{version}");
        assert_eq!(
            a.session.cf_list,
            js.frequency_plan("EU_863_870").unwrap().cf_list().unwrap()
        );
        // The same request again, against the state the caller persisted: a replay.
        let again = js.handle_join_request(101, &request_for(&d, 7), &d, &a.state);
        let want = if version == MacVersion::V1_0_2 {
            NonceError::Replay(7)
        } else {
            NonceError::TooLow { got: 7, last: 7 }
        };
        assert_eq!(again.err(), Some(want.into()), "{version}");
        // A fresh nonce joins again with the next JoinNonce and another DevAddr.
        let b = js
            .handle_join_request(102, &request_for(&d, 8), &d, &a.state)
            .unwrap();
        assert_eq!(b.session.join_nonce, 2, "{version}");
        assert_ne!(b.session.dev_addr, a.session.dev_addr, "{version}");
        // Self-check of the accept (the independent check is tests/join_differential.rs).
        let enc = match (version.is_1_1(), d.root_keys.nwk_key) {
            (true, Some(k)) => k,
            _ => d.root_keys.app_key,
        };
        let mut bytes = b.phy_payload.as_bytes().to_vec();
        join_accept_decrypt(&CipherKey::new(&enc), &mut bytes[1..]).unwrap();
        let ja = JoinAccept::parse(&bytes).unwrap();
        assert_eq!(ja.join_nonce(), 2);
        assert_eq!(ja.dev_addr(), b.session.dev_addr);
        assert_eq!(ja.dl_settings().opt_neg, version.is_1_1());
        assert_eq!(ja.cf_list(), b.session.cf_list);
    }
}

#[test]
fn rejoin_by_table() {
    let js = server();
    let d = device(MacVersion::V1_1);
    let nwk_key = d.root_keys.nwk_key.unwrap();
    let keys = shared::crypto::js_keys(&nwk_key, d.dev_eui);
    let s_nwk = Aes128Key::from_bytes([0x5A; 16]);
    let rejoin = |t: RejoinType, count: u16, key: &Aes128Key, net: &str| {
        let repr = match t {
            RejoinType::Type1 => RejoinRequestRepr::Type1 {
                join_eui: d.join_eui,
                dev_eui: d.dev_eui,
                rj_count1: count,
                mic: [0; 4],
            },
            _ => RejoinRequestRepr::Type02 {
                rejoin_type: t,
                net_id: net.parse().unwrap(),
                dev_eui: d.dev_eui,
                rj_count0: count,
                mic: [0; 4],
            },
        };
        let mut b = [0u8; 24];
        let n = repr.emit(&mut b).unwrap();
        let mic = shared::crypto::rejoin_request_mic(&MicKey::new(key), &b[..n - 4]);
        b[n - 4..n].copy_from_slice(&mic);
        b[..n].to_vec()
    };
    let check = RejoinMic::Check {
        s_nwk_s_int_key: &s_nwk,
    };
    let trusted = RejoinMic::CheckedByNetworkServer;
    let seen1 = JoinState {
        last_rj_count1: Some(3),
        ..JoinState::default()
    };
    let st = JoinState::default();
    let d10 = device(MacVersion::V1_0_4);
    type Case<'a> = (
        &'a str,
        &'a JoinDevice,
        Vec<u8>,
        &'a JoinState,
        RejoinMic<'a>,
        Result<u16, JoinError>,
    );
    let cases: Vec<Case> = vec![
        (
            "type 1 ok",
            &d,
            rejoin(RejoinType::Type1, 4, &keys.js_int_key, ""),
            &seen1,
            trusted,
            Ok(4),
        ),
        (
            "type 1 replayed count",
            &d,
            rejoin(RejoinType::Type1, 3, &keys.js_int_key, ""),
            &seen1,
            trusted,
            Err(NonceError::RjCountTooLow { got: 3, last: 3 }.into()),
        ),
        (
            "type 1 under NwkKey",
            &d,
            rejoin(RejoinType::Type1, 4, &nwk_key, ""),
            &st,
            trusted,
            Err(JoinError::MicMismatch),
        ),
        (
            "type 0 checked here",
            &d,
            rejoin(RejoinType::Type0, 9, &s_nwk, "000013"),
            &st,
            check,
            Ok(9),
        ),
        (
            "type 2 checked by NS",
            &d,
            rejoin(RejoinType::Type2, 1, &Aes128Key::default(), "000013"),
            &st,
            trusted,
            Ok(1),
        ),
        (
            "type 2 forged",
            &d,
            rejoin(RejoinType::Type2, 1, &Aes128Key::default(), "000013"),
            &st,
            check,
            Err(JoinError::MicMismatch),
        ),
        (
            "type 0 other NetID",
            &d,
            rejoin(RejoinType::Type0, 1, &s_nwk, "000014"),
            &st,
            check,
            Err(JoinError::NetIdMismatch {
                expected: js.net_id(),
                got: "000014".parse().unwrap(),
            }),
        ),
        (
            "1.0.4 device",
            &d10,
            rejoin(RejoinType::Type0, 1, &s_nwk, "000013"),
            &st,
            check,
            Err(JoinError::RejoinNotSupported(MacVersion::V1_0_4)),
        ),
    ];
    for (name, dev, bytes, state, mic, want) in cases {
        let got = js.handle_rejoin_request(5, &bytes, dev, state, mic);
        match (got, want) {
            (Ok(a), Ok(count)) => {
                assert_eq!(a.session.dev_nonce, count, "{name}");
                assert!(
                    matches!(a.session.join_req_type, JoinReqType::Rejoin(_)),
                    "{name}"
                );
                // The accept is encrypted with JSEncKey.
                let mut b = a.phy_payload.as_bytes().to_vec();
                join_accept_decrypt(&CipherKey::new(&keys.js_enc_key), &mut b[1..]).unwrap();
                assert_eq!(JoinAccept::parse(&b).unwrap().join_nonce(), 1, "{name}");
                assert_eq!(a.state.last_dev_nonce, state.last_dev_nonce, "{name}");
            }
            (got, want) => assert_eq!(got.map(|a| a.session.dev_nonce), want, "{name}"),
        }
    }
}

#[test]
fn identify_reads_ids() {
    let d = device(MacVersion::V1_0_3);
    let ids = identify(&request_for(&d, 1)).unwrap();
    assert_eq!(
        (ids.kind, ids.join_eui, ids.dev_eui),
        (JoinReqType::Join, Some(d.join_eui), d.dev_eui)
    );
    // TTS TestLoRaWANEncodingRaw rejoin type 0 bytes.
    let ids = identify(&hex::decode("c000ffff42ffffffffffffff4242ff42ffffff").unwrap()).unwrap();
    assert_eq!(ids.kind, JoinReqType::Rejoin(RejoinType::Type0));
    assert_eq!(ids.net_id, Some("42FFFF".parse().unwrap()));
    assert!(identify(&[]).is_err());
}

/// Logs at every level carry identifiers, never key material.
#[test]
fn logs_never_carry_keys() {
    use std::io::Write;
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let w = buf.clone();
    let sub = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || w.clone())
        .finish();
    let js = server();
    let d = device(MacVersion::V1_1);
    let a = tracing::subscriber::with_default(sub, || {
        let a = js.handle_join_request(0, &request_for(&d, 1), &d, &JoinState::default());
        let _ = js.handle_join_request(0, &request_for(&d, 1), &d, &a.clone().unwrap().state);
        tracing::info!(session = ?a, "whole result logged");
        a.unwrap()
    });
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("join-request accepted") && text.contains("dev_nonce_too_low"),
        "{text}"
    );
    let NwkSessionKeys::V1_1 {
        f_nwk_s_int_key,
        s_nwk_s_int_key,
        nwk_s_enc_key,
    } = a.session.nwk_keys
    else {
        panic!("1.1 keys")
    };
    for k in [
        APP_KEY.parse().unwrap(),
        NWK_KEY.parse().unwrap(),
        a.session.app_s_key,
        f_nwk_s_int_key,
        s_nwk_s_int_key,
        nwk_s_enc_key,
    ] {
        let k: Aes128Key = k;
        assert!(
            !text.to_uppercase().contains(&k.expose_hex()),
            "key leaked: {text}"
        );
    }
}

proptest! {
    /// Arbitrary bytes never panic any entry point.
    #[test]
    fn arbitrary_bytes_never_panic(
        mhdr in prop_oneof![Just(0x00u8), Just(0xC0), any::<u8>()],
        kind in prop_oneof![Just(0u8), Just(1), Just(2), any::<u8>()],
        rest in proptest::collection::vec(any::<u8>(), 0..30),
    ) {
        let mut bytes = vec![mhdr, kind];
        bytes.extend_from_slice(&rest);
        let js = server();
        let d = device(MacVersion::V1_1);
        let _ = identify(&bytes);
        let _ = js.handle_join_request(0, &bytes, &d, &JoinState::default());
        let _ = js.handle_rejoin_request(0, &bytes, &d, &JoinState::default(), RejoinMic::CheckedByNetworkServer);
    }
}
