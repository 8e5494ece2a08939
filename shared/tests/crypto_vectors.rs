//! Published vectors: RFC 4493 §4 (AES-CMAC), RFC 3394 §4.1 and OpenSSL-generated key wraps,
//! and The Things Stack's `pkg/crypto` tests. Origins in each fixture folder's README.md.

use serde_json::Value;
use shared::crypto::*;
use shared::types::{Aes128Key, DevAddr, DevEui, Direction, JoinEui, NetId};

fn load(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}
fn b(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).unwrap()
}
fn key(v: &Value) -> Aes128Key {
    Aes128Key::from_bytes(b(v).try_into().unwrap())
}
fn be16(v: &Value) -> u16 {
    u16::from_be_bytes(b(v).try_into().unwrap())
}

#[test]
fn rfc4493_cmac_examples() {
    let v = load(include_str!("fixtures/rfc4493/vectors.json"));
    let k = MicKey::new(&key(&v["key"]));
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for c in cases {
        let tag = b(&c["tag"]);
        assert_eq!(k.cmac(&b(&c["msg"]))[..], tag[..], "{}", c["name"]);
        // The LoRaWAN MIC is the tag's first four bytes.
        assert_eq!(
            join_request_mic(&k, &b(&c["msg"]))[..],
            tag[..4],
            "{}",
            c["name"]
        );
    }
}

fn check_wrap(c: &Value) {
    let (kek, plain, wrapped) = (key(&c["kek"]), b(&c["plaintext"]), b(&c["wrapped"]));
    let mut out = vec![0u8; plain.len() + 8];
    wrap_into(&kek, &plain, &mut out).unwrap();
    assert_eq!(out, wrapped, "wrap {c}");
    let mut back = vec![0u8; plain.len()];
    unwrap_into(&kek, &wrapped, &mut back).unwrap();
    assert_eq!(back, plain, "unwrap {c}");
    let mut wrong = kek.to_bytes();
    wrong[0] ^= 1;
    let r = unwrap_into(&Aes128Key::from_bytes(wrong), &wrapped, &mut back);
    assert_eq!(r, Err(KeyWrapError::IntegrityCheck), "wrong KEK {c}");
}

#[test]
fn rfc3394_and_openssl_key_wrap() {
    let rfc = load(include_str!("fixtures/rfc3394/rfc3394.json"));
    let ossl = load(include_str!("fixtures/rfc3394/openssl.json"));
    let all: Vec<&Value> = rfc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .chain(ossl["cases"].as_array().unwrap())
        .collect();
    assert!(all.len() >= 8);
    for c in all {
        check_wrap(c);
    }
    let tts = load(include_str!("fixtures/tts/vectors.json"));
    check_wrap(&tts["keywrap_test.go"]);
}

#[test]
fn tts_data_messages() {
    let v = &load(include_str!("fixtures/tts/vectors.json"))["data_messages_test.go"];
    let k = key(&v["key"]);
    let (mk, ck) = (MicKey::new(&k), CipherKey::new(&k));
    let addr = DevAddr::from_be_bytes(b(&v["dev_addr"]).try_into().unwrap());
    let fcnt = v["fcnt"].as_u64().unwrap() as u32;
    let dirs = [
        ("uplink", Direction::Uplink),
        ("downlink", Direction::Downlink),
    ];
    for (name, dir) in dirs {
        let frm = &v["frm_payload"];
        let mut p = b(&frm["plain"]);
        frm_payload_crypt(&ck, dir, addr, fcnt, &mut p);
        assert_eq!(p, b(&frm[name]), "FRMPayload {name}");
        // FirstPublished FOpts: A block constant 0, block 1, the same keystream.
        let mut f = b(&frm["plain"]);
        fopts_crypt_v11(
            &ck,
            dir,
            addr,
            fcnt,
            false,
            FOptsVariant::FirstPublished,
            &mut f,
        )
        .unwrap();
        assert_eq!(f, b(&frm[name]), "first-published FOpts {name}");
        // Errata FOpts with constant 00000001: uplink and NFCntDown.
        let fo = &v["fopts_frame_type_constant_00000001"];
        let mut f = b(&fo["plain"]);
        fopts_crypt_v11(&ck, dir, addr, fcnt, false, FOptsVariant::Errata, &mut f).unwrap();
        assert_eq!(f, b(&fo[name]), "errata FOpts {name}");
    }
    let m = &v["mic"];
    let msg = b(&m["msg"]);
    let cases = [
        ("legacy_uplink", data_uplink_mic_v10(&mk, addr, fcnt, &msg)),
        (
            "uplink_v11_same_keys_conf0_dr0_ch0",
            data_uplink_mic_v11(&mk, &mk, 0, 0, 0, addr, fcnt, &msg).mic(),
        ),
        (
            "legacy_downlink",
            data_downlink_mic(&mk, 0, addr, fcnt, &msg),
        ),
        (
            "downlink_v11_conf0",
            data_downlink_mic(&mk, 0, addr, fcnt, &msg),
        ),
    ];
    for (name, got) in cases {
        assert_eq!(got[..], b(&m[name])[..], "{name}");
    }
}

#[test]
fn tts_join_messages() {
    let v = &load(include_str!("fixtures/tts/vectors.json"))["join_messages_test.go"];
    let k = key(&v["key"]);
    let (mk, ck) = (MicKey::new(&k), CipherKey::new(&k));
    let ja = &v["join_accept_encryption"];
    let mut body = b(&ja["plain"]);
    join_accept_encrypt(&ck, &mut body).unwrap();
    assert_eq!(body, b(&ja["encrypted"]), "join-accept encryption");
    join_accept_decrypt(&ck, &mut body).unwrap();
    assert_eq!(body, b(&ja["plain"]), "join-accept decryption");

    let jr = &v["join_request"];
    assert_eq!(
        join_request_mic(&mk, &b(&jr["msg"]))[..],
        b(&jr["mic"])[..],
        "join-request"
    );
    for c in v["rejoin_requests"].as_array().unwrap() {
        assert_eq!(
            rejoin_request_mic(&mk, &b(&c["msg"]))[..],
            b(&c["mic"])[..],
            "{}",
            c["name"]
        );
    }
    let l = &v["join_accept_mic_legacy"];
    assert_eq!(
        join_accept_mic_v10(&mk, &b(&l["msg"]))[..],
        b(&l["mic"])[..],
        "legacy join-accept"
    );
    let n = &v["join_accept_mic_v11"];
    let eui = JoinEui::from_be_bytes(b(&n["join_eui"]).try_into().unwrap());
    let t = n["join_req_type"].as_u64().unwrap() as u8;
    let mic = join_accept_mic_v11(&mk, t, eui, be16(&n["dev_nonce"]), &b(&n["msg"]));
    assert_eq!(mic[..], b(&n["mic"])[..], "1.1 join-accept");
}

#[test]
fn tts_key_derivation() {
    let v = &load(include_str!("fixtures/tts/vectors.json"))["key_derivation_test.go"];
    let root = key(&v["key"]);
    let jn = u32::from_be_bytes(
        [[0].as_slice(), &b(&v["join_nonce"])]
            .concat()
            .try_into()
            .unwrap(),
    );
    let dn = be16(&v["dev_nonce"]);
    let join_eui = JoinEui::from_be_bytes(b(&v["join_eui"]).try_into().unwrap());
    let dev_eui = DevEui::from_be_bytes(b(&v["dev_eui"]).try_into().unwrap());
    let net_id = NetId::from_be_bytes(b(&v["net_id"]).try_into().unwrap());
    let v11 = session_keys_v11(&root, &root, jn, join_eui, dn);
    let v10 = session_keys_v10(&root, jn, net_id, dn);
    let js = js_keys(&root, dev_eui);
    let cases = [
        ("app_s_key", v11.app_s_key),
        ("f_nwk_s_int_key", v11.f_nwk_s_int_key),
        ("s_nwk_s_int_key", v11.s_nwk_s_int_key),
        ("nwk_s_enc_key", v11.nwk_s_enc_key),
        ("legacy_app_s_key", v10.app_s_key),
        ("legacy_nwk_s_key", v10.nwk_s_key),
        ("js_int_key", js.js_int_key),
        ("js_enc_key", js.js_enc_key),
    ];
    for (name, got) in cases {
        assert_eq!(got, key(&v[name]), "{name}");
    }
}
