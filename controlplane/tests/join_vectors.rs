//! The Join Server against published vectors (sources in `tests/fixtures/README.md`):
//! The Things Stack's `TestHandleJoin` and ChirpStack lrwn's doc examples.

use controlplane::join::{
    AcceptMic, JoinDevice, JoinReqType, JoinServer, JoinServerConfig, JoinState, RootKeys,
    RxSettings, encode_join_accept,
};
use serde_json::Value;
use shared::crypto::{CipherKey, join_accept_decrypt, js_keys};
use shared::lorawan::{DlSettings, JoinAcceptRepr, JoinRequest};
use shared::types::{Aes128Key, MacVersion};

fn load(path: &str) -> Value {
    let p = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k}"))
}

fn nonces(v: &Value) -> Vec<u16> {
    let mut n: Vec<u16> = v
        .as_array()
        .map(|a| a.iter().map(|x| x.as_u64().unwrap() as u16).collect())
        .unwrap_or_default();
    n.sort_unstable();
    n
}

#[test]
fn tts_handle_join() {
    let f = load("tts/joinserver.json");
    let cfg: JoinServerConfig =
        toml::from_str(&format!("net_id = \"{}\"", s(&f, "net_id"))).unwrap();
    let js = JoinServer::new(&cfg).unwrap();
    let app_key: Aes128Key = s(&f, "app_key").parse().unwrap();
    let nwk_key: Aes128Key = s(&f, "nwk_key").parse().unwrap();
    let join_eui = s(&f, "join_eui").parse().unwrap();
    let dev_eui = s(&f, "dev_eui").parse().unwrap();
    for c in f["cases"].as_array().unwrap() {
        let name = s(c, "name");
        let version: MacVersion = s(c, "mac_version").parse().unwrap();
        let device = JoinDevice {
            dev_eui,
            join_eui,
            mac_version: version,
            root_keys: RootKeys {
                app_key,
                nwk_key: version.is_1_1().then_some(nwk_key),
            },
            frequency_plan_id: "EU868".into(),
            rx: RxSettings::default(),
        };
        let st = &c["state"];
        let state = JoinState {
            last_dev_nonce: st["last_dev_nonce"].as_u64().map(|n| n as u16),
            used_dev_nonces: nonces(&st["used_dev_nonces"]),
            last_join_nonce: st["last_join_nonce"].as_u64().map(|n| n as u32),
            ..JoinState::default()
        };
        let request = hex::decode(s(c, "request")).unwrap();
        let got = js.handle_join_request(1_700_000_000, &request, &device, &state);
        let want = &c["expect"];
        if let Some(reason) = want["error"].as_str() {
            assert_eq!(got.err().map(|e| e.reason()), Some(reason), "{name}");
            continue;
        }
        let a = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            u64::from(a.session.join_nonce),
            want["join_nonce"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            a.state.last_join_nonce,
            Some(a.session.join_nonce),
            "{name}"
        );
        if let Some(n) = want["last_dev_nonce"].as_u64() {
            assert_eq!(a.state.last_dev_nonce, Some(n as u16), "{name}");
        }
        if want["used_dev_nonces"].is_array() {
            let mut used = a.state.used_dev_nonces.clone();
            used.sort_unstable();
            assert_eq!(used, nonces(&want["used_dev_nonces"]), "{name}");
        }

        // The accept with TTS's NS-supplied fields must carry TTS's MIC and decrypt under
        // the key TTS encrypts with.
        let frame = JoinRequest::parse(&request).unwrap();
        let plain = hex::decode(s(want, "accept_plain")).unwrap();
        let repr = JoinAcceptRepr {
            join_nonce: a.session.join_nonce,
            net_id: s(&f, "net_id").parse().unwrap(),
            dev_addr: s(&f, "dev_addr").parse().unwrap(),
            dl_settings: DlSettings::from_byte(f["dl_settings"].as_u64().unwrap() as u8),
            rx_delay: f["rx_delay"].as_u64().unwrap() as u8,
            cf_list: None,
            mic: [0; 4],
        };
        let js_int = js_keys(&nwk_key, dev_eui).js_int_key;
        let (mic, enc) = if version.is_1_1() {
            let mic = AcceptMic::V1_1 {
                js_int_key: &js_int,
                join_req_type: JoinReqType::Join,
                join_eui,
                dev_nonce: frame.dev_nonce(),
            };
            (mic, nwk_key)
        } else {
            (AcceptMic::V1_0 { app_key: &app_key }, app_key)
        };
        assert_eq!(
            s(want, "encryption_key") == "nwk_key",
            version.is_1_1(),
            "{name}"
        );
        let out = encode_join_accept(&repr, &mic, &enc).unwrap();
        let mut bytes = out.as_bytes().to_vec();
        assert_eq!(bytes[0], 0x20, "{name}");
        join_accept_decrypt(&CipherKey::new(&enc), &mut bytes[1..]).unwrap();
        assert_eq!(hex::encode(&bytes[1..]), hex::encode(&plain), "{name}");
    }
}

#[test]
fn lrwn_join_request_and_accept() {
    let f = load("lrwn/vectors.json");
    let r = &f["join_request"];
    let cfg: JoinServerConfig = toml::from_str("net_id = \"020202\"").unwrap();
    let js = JoinServer::new(&cfg).unwrap();
    let app_key: Aes128Key = s(r, "app_key").parse().unwrap();
    let device = JoinDevice {
        dev_eui: s(r, "dev_eui").parse().unwrap(),
        join_eui: s(r, "join_eui").parse().unwrap(),
        mac_version: MacVersion::V1_0_3,
        root_keys: RootKeys {
            app_key,
            nwk_key: None,
        },
        frequency_plan_id: "EU868".into(),
        rx: RxSettings::default(),
    };
    let bytes = hex::decode(s(r, "bytes")).unwrap();
    let a = js
        .handle_join_request(0, &bytes, &device, &JoinState::default())
        .unwrap();
    assert_eq!(
        u64::from(a.session.dev_nonce),
        r["dev_nonce"].as_u64().unwrap()
    );
    let mut forged = bytes.clone();
    forged[20] ^= 0x80;
    let err = js.handle_join_request(0, &forged, &device, &JoinState::default());
    assert_eq!(err.err().map(|e| e.reason()), Some("mic_mismatch"));

    let v = &f["join_accept_v10"];
    let key: Aes128Key = s(v, "app_key").parse().unwrap();
    let repr = JoinAcceptRepr {
        join_nonce: v["join_nonce"].as_u64().unwrap() as u32,
        net_id: s(v, "net_id").parse().unwrap(),
        dev_addr: s(v, "dev_addr").parse().unwrap(),
        dl_settings: DlSettings::from_byte(v["dl_settings"].as_u64().unwrap() as u8),
        rx_delay: v["rx_delay"].as_u64().unwrap() as u8,
        cf_list: None,
        mic: [0; 4],
    };
    let out = encode_join_accept(&repr, &AcceptMic::V1_0 { app_key: &key }, &key).unwrap();
    assert_eq!(hex::encode(out.as_bytes()), s(v, "bytes"));
}
