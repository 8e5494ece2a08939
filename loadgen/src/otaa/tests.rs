//! The join frames and keys against lrwn 4.13 (ChirpStack's codec crate, an independent
//! implementation): lrwn validates our join-request's MIC, lrwn builds, signs and encrypts the
//! join-accept we open, and lrwn's key derivation gives the session keys we derive.

use super::*;
use lrwn::{
    AES128Key, DLSettings, DevAddr as LDevAddr, EUI64, FType, JoinAcceptPayload, JoinType, MHDR,
    Major, NetID, Payload, PhyPayload,
};

fn spec() -> FleetSpec {
    FleetSpec {
        devices: 10,
        ..FleetSpec::default()
    }
}

fn l_key(k: &Aes128Key) -> AES128Key {
    AES128Key::from_bytes(k.to_bytes())
}

/// A join-accept as a Join Server answers `dev_nonce`, built and encrypted by lrwn.
fn lrwn_accept(
    id: &OtaaIdentity,
    dev_nonce: u16,
    join_nonce: u32,
    net_id: u32,
    addr: u32,
) -> Vec<u8> {
    let mut p = PhyPayload {
        mhdr: MHDR {
            f_type: FType::JoinAccept,
            major: Major::LoRaWANR1,
        },
        payload: Payload::JoinAccept(JoinAcceptPayload {
            join_nonce,
            home_netid: NetID::from_be_bytes(NetId::from_u32(net_id).to_be_bytes()),
            devaddr: LDevAddr::from_be_bytes(addr.to_be_bytes()),
            dl_settings: DLSettings {
                opt_neg: false,
                rx2_dr: 3,
                rx1_dr_offset: 1,
            },
            rx_delay: 1,
            cflist: None,
        }),
        mic: None,
    };
    let join_eui = EUI64::from_be_bytes(id.join_eui.to_u64().to_be_bytes());
    p.set_join_accept_mic(JoinType::Join, &join_eui, dev_nonce, &l_key(&id.app_key))
        .unwrap();
    p.encrypt_join_accept_payload(&l_key(&id.app_key)).unwrap();
    p.to_vec().unwrap()
}

#[test]
fn join_request_mic_validates_in_lrwn() {
    for (name, index, nonce) in [
        ("device 0, nonce 0", 0, 0u16),
        ("device 7, nonce 0xBEEF", 7, 0xBEEF),
    ] {
        let id = OtaaIdentity::derive(&spec(), index);
        let mut frame = [0u8; JOIN_REQUEST_LEN];
        id.join_request(nonce, &mut frame);
        let p = PhyPayload::from_slice(&frame).unwrap();
        assert!(
            p.validate_join_request_mic(&l_key(&id.app_key)).unwrap(),
            "{name}"
        );
        let Payload::JoinRequest(jr) = &p.payload else {
            panic!("{name}: not a join-request")
        };
        assert_eq!(jr.dev_nonce, nonce, "{name}");
        assert_eq!(
            jr.dev_eui.to_be_bytes(),
            id.dev_eui.to_u64().to_be_bytes(),
            "{name}"
        );
        assert_eq!(
            jr.join_eui.to_be_bytes(),
            JOIN_EUI.to_u64().to_be_bytes(),
            "{name}"
        );
    }
}

#[test]
fn join_accept_from_lrwn_opens_with_lrwn_session_keys() {
    let id = OtaaIdentity::derive(&spec(), 3);
    let (dev_nonce, join_nonce, net_id, addr) = (5u16, 0x00AB_CDEF, 0x00_0013, 0x2600_0042);
    let frame = lrwn_accept(&id, dev_nonce, join_nonce, net_id, addr);
    let j = id.accept(dev_nonce, &frame).unwrap();
    assert_eq!(j.dev_addr, DevAddr::from_u32(addr));
    assert_eq!(j.net_id, NetId::from_u32(net_id));
    assert_eq!(j.join_nonce, join_nonce);
    assert_eq!((j.rx1_dr_offset, j.rx2_data_rate, j.rx1_delay_s), (1, 3, 1));
    let l_net = NetID::from_be_bytes(NetId::from_u32(net_id).to_be_bytes());
    let l_join = EUI64::from_be_bytes(JOIN_EUI.to_u64().to_be_bytes());
    let nwk = lrwn::keys::get_f_nwk_s_int_key(
        false,
        &l_key(&id.app_key),
        &l_net,
        &l_join,
        join_nonce,
        dev_nonce,
    )
    .unwrap();
    let app = lrwn::keys::get_app_s_key(
        false,
        &l_key(&id.app_key),
        &l_net,
        &l_join,
        join_nonce,
        dev_nonce,
    )
    .unwrap();
    assert_eq!(j.keys.nwk_s_key.to_bytes(), nwk.to_bytes());
    assert_eq!(j.keys.app_s_key.to_bytes(), app.to_bytes());
}

#[test]
fn join_accept_refused_cases() {
    let id = OtaaIdentity::derive(&spec(), 1);
    let other = OtaaIdentity::derive(&spec(), 2);
    let good = lrwn_accept(&id, 9, 1, 0, 0x0100_0001);
    let mut flipped = good.clone();
    flipped[5] ^= 1;
    let cases: [(&str, &[u8], &OtaaIdentity); 4] = [
        ("another device's key", &good, &other),
        ("corrupted byte", &flipped, &id),
        ("truncated", &good[..16], &id),
        ("empty", &[], &id),
    ];
    for (name, frame, who) in cases {
        assert!(who.accept(9, frame).is_err(), "{name}");
    }
    assert!(id.accept(9, &good).is_ok());
}

#[test]
fn dev_nonces_follow_the_version_rule() {
    let mut c = DevNonces::new(NonceRule::Counter, 0, 0);
    assert_eq!(
        (0..3).map(|_| c.next_nonce().unwrap()).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    let mut last = DevNonces::new(NonceRule::Counter, 0, u16::MAX);
    assert_eq!(last.next_nonce(), Some(u16::MAX));
    assert_eq!(last.next_nonce(), None, "a counter never wraps");
    let mut r = DevNonces::new(NonceRule::Random, 0x5EED, 0);
    let mut seen = std::collections::HashSet::new();
    while let Some(n) = r.next_nonce() {
        assert!(seen.insert(n), "random DevNonce {n} repeated");
    }
    assert_eq!(seen.len(), 65_536);
}
