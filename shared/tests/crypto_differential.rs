//! Differential property tests: `shared::crypto` against two independent Rust implementations,
//! `lrwn` 4.13 (ChirpStack's codec, feature `crypto`) and `lorawan` 0.9 (lora-rs), over random
//! keys, DevAddrs, 32-bit counters, FCtrl bits, FOpts and payloads.

use lrwn::{AES128Key as LKey, JoinType, MACVersion, Payload, PhyPayload};
use proptest::prelude::*;
use shared::crypto::*;
use shared::types::{Aes128Key, DevAddr, DevEui, Direction, JoinEui, NetId};

/// A data frame's fields, random within what the wire allows.
#[derive(Debug, Clone)]
struct Frame {
    confirmed: bool,
    dir: Direction,
    dev_addr: u32,
    fctrl_bits: u8,
    ack: bool,
    fcnt: u32,
    fopts: Vec<u8>,
    fport: u8,
    payload: Vec<u8>,
}

fn frame() -> impl Strategy<Value = Frame> {
    (
        any::<bool>(),
        prop_oneof![Just(Direction::Uplink), Just(Direction::Downlink)],
        any::<u32>(),
        any::<u8>(),
        any::<bool>(),
        any::<u32>(),
        proptest::collection::vec(any::<u8>(), 0..=15),
        // FPort 226 is lrwn's relay port, which it decodes specially; keep clear of it.
        (0u8..=225),
        proptest::collection::vec(any::<u8>(), 0..=64),
    )
        .prop_map(
            |(confirmed, dir, dev_addr, fctrl_bits, ack, fcnt, fopts, fport, payload)| Frame {
                confirmed,
                dir,
                dev_addr,
                fctrl_bits,
                ack,
                fcnt,
                fopts,
                fport,
                payload,
            },
        )
}

impl Frame {
    /// PHYPayload without MIC: MHDR | DevAddr | FCtrl | FCnt(16) | FOpts | FPort | FRMPayload.
    fn bytes(&self) -> Vec<u8> {
        let mtype = match (self.dir, self.confirmed) {
            (Direction::Uplink, false) => 2,
            (Direction::Downlink, false) => 3,
            (Direction::Uplink, true) => 4,
            (Direction::Downlink, true) => 5,
        };
        // ADR, ADRACKReq/RFU and FPending/ClassB bits random; ACK as chosen; FOptsLen real.
        let fctrl = (self.fctrl_bits & 0xD0) | (u8::from(self.ack) << 5) | self.fopts.len() as u8;
        let mut b = vec![mtype << 5];
        b.extend(DevAddr::from_u32(self.dev_addr).to_wire_bytes());
        b.push(fctrl);
        b.extend(&(self.fcnt as u16).to_le_bytes());
        b.extend(&self.fopts);
        b.push(self.fport);
        b.extend(&self.payload);
        b
    }
    fn addr(&self) -> DevAddr {
        DevAddr::from_u32(self.dev_addr)
    }
}

/// lrwn computes the MIC over its own re-encoding of the frame; returns (msg, mic) from it.
fn lrwn_data_mic(f: &Frame, set: impl FnOnce(&mut PhyPayload)) -> (Vec<u8>, Mic) {
    let mut wire = f.bytes();
    wire.extend([0; 4]);
    let mut phy = PhyPayload::from_slice(&wire).unwrap();
    if let Payload::MACPayload(pl) = &mut phy.payload {
        pl.fhdr.f_cnt = f.fcnt; // lrwn takes the full 32-bit counter this way
    }
    set(&mut phy);
    let out = phy.to_vec().unwrap();
    let (msg, mic) = out.split_at(out.len() - 4);
    (msg.to_vec(), mic.try_into().unwrap())
}

fn keys(k: [u8; 16]) -> (MicKey, CipherKey, LKey) {
    let a = Aes128Key::from_bytes(k);
    (MicKey::new(&a), CipherKey::new(&a), LKey::from_bytes(k))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// 1.0 data MICs against lrwn and lorawan.
    #[test]
    fn data_mic_v10(f in frame(), k in any::<[u8; 16]>()) {
        let (mk, _, lk) = keys(k);
        let (msg, theirs) = lrwn_data_mic(&f, |p| match f.dir {
            Direction::Uplink => p.set_uplink_data_mic(MACVersion::LoRaWAN1_0, 0, 0, 0, &lk, &lk).unwrap(),
            Direction::Downlink => p.set_downlink_data_mic(MACVersion::LoRaWAN1_0, 0, &lk).unwrap(),
        });
        prop_assert_eq!(&msg, &f.bytes());
        let ours = match f.dir {
            Direction::Uplink => data_uplink_mic_v10(&mk, f.addr(), f.fcnt, &msg),
            Direction::Downlink => data_downlink_mic(&mk, 0, f.addr(), f.fcnt, &msg),
        };
        prop_assert_eq!(ours, theirs, "lrwn");
        let mut phy = [msg.as_slice(), &ours].concat();
        let Ok(lorawan::parser::PhyPayload::Data(lorawan::parser::DataPayload::Encrypted(e))) =
            lorawan::parser::parse(&mut phy[..]) else { panic!("lorawan parse") };
        prop_assert!(e.validate_mic(&lorawan::keys::AES128(k), f.fcnt), "lorawan");
    }

    /// 1.1 uplink (two halves) and downlink MICs against lrwn, which takes ConfFCnt only with ACK.
    #[test]
    fn data_mic_v11(f in frame(), kf in any::<[u8; 16]>(), ks in any::<[u8; 16]>(),
                    conf in any::<u16>(), dr in 0u8..16, ch in any::<u8>()) {
        let ((mf, _, lf), (ms, _, ls)) = (keys(kf), keys(ks));
        let spec_conf = if f.ack { conf } else { 0 };
        let (msg, theirs) = lrwn_data_mic(&f, |p| match f.dir {
            Direction::Uplink =>
                p.set_uplink_data_mic(MACVersion::LoRaWAN1_1, conf.into(), dr, ch, &lf, &ls).unwrap(),
            Direction::Downlink => p.set_downlink_data_mic(MACVersion::LoRaWAN1_1, conf.into(), &ls).unwrap(),
        });
        let ours = match f.dir {
            Direction::Uplink => {
                let m = data_uplink_mic_v11(&mf, &ms, spec_conf, dr, ch, f.addr(), f.fcnt, &msg);
                // cmacF alone equals the 1.0 MIC's first half under FNwkSIntKey.
                let v10 = data_uplink_mic_v10(&mf, f.addr(), f.fcnt, &msg);
                prop_assert_eq!(m.f, [v10[0], v10[1]]);
                m.mic()
            }
            Direction::Downlink => data_downlink_mic(&ms, spec_conf, f.addr(), f.fcnt, &msg),
        };
        prop_assert_eq!(ours, theirs);
        prop_assert!(mic_eq(&ours, &theirs));
    }

    /// FRMPayload encryption against lrwn and lorawan; encrypting twice is the identity.
    #[test]
    fn frm_payload(f in frame(), k in any::<[u8; 16]>()) {
        let (mk, ck, lk) = keys(k);
        let mut ours = f.payload.clone();
        frm_payload_crypt(&ck, f.dir, f.addr(), f.fcnt, &mut ours);
        let lrwn_addr = lrwn::DevAddr::from_be_bytes(f.addr().to_be_bytes());
        let theirs = lrwn::encrypt_frm_payload(&lk, f.dir == Direction::Uplink, &lrwn_addr, f.fcnt, &f.payload).unwrap();
        prop_assert_eq!(&ours, &theirs, "lrwn");

        // lorawan decrypts a whole frame: encrypt ours into it, MIC it, let lorawan decrypt.
        let enc_frame = Frame { payload: ours.clone(), fport: f.fport.max(1), ..f.clone() };
        let msg = enc_frame.bytes();
        let mic = match f.dir {
            Direction::Uplink => data_uplink_mic_v10(&mk, f.addr(), f.fcnt, &msg),
            Direction::Downlink => data_downlink_mic(&mk, 0, f.addr(), f.fcnt, &msg),
        };
        let mut phy = [msg.as_slice(), &mic].concat();
        let Ok(lorawan::parser::PhyPayload::Data(lorawan::parser::DataPayload::Encrypted(e))) =
            lorawan::parser::parse(&mut phy[..]) else { panic!("lorawan parse") };
        let key = lorawan::keys::AES128(k);
        let d = e.decrypt_if_mic_ok(&key, &key, f.fcnt).map_err(|_| "mic").unwrap();
        let plain = match d.frm_payload() {
            lorawan::parser::FRMPayload::Data(p) => p.to_vec(),
            _ => Vec::new(),
        };
        prop_assert_eq!(plain, f.payload.clone(), "lorawan");

        frm_payload_crypt(&ck, f.dir, f.addr(), f.fcnt, &mut ours);
        prop_assert_eq!(ours, f.payload);
    }

    /// 1.1 FOpts (errata form) against lrwn's `encrypt_f_opts`.
    #[test]
    fn fopts_errata(f in frame(), k in any::<[u8; 16]>(), a_fcnt_down in any::<bool>()) {
        let (_, ck, lk) = keys(k);
        let a = a_fcnt_down && f.dir == Direction::Downlink;
        let mut ours = f.fopts.clone();
        fopts_crypt_v11(&ck, f.dir, f.addr(), f.fcnt, a, FOptsVariant::Errata, &mut ours).unwrap();
        let lrwn_addr = lrwn::DevAddr::from_be_bytes(f.addr().to_be_bytes());
        let theirs = lrwn::encrypt_f_opts(&lk, a, f.dir == Direction::Uplink, &lrwn_addr, f.fcnt, &f.fopts).unwrap();
        prop_assert_eq!(ours, theirs);
    }

    /// Join-request MIC against lrwn and lorawan.
    #[test]
    fn join_request(k in any::<[u8; 16]>(), body in any::<[u8; 18]>()) {
        let (mk, _, lk) = keys(k);
        let msg = [[0x00].as_slice(), &body].concat();
        let mic = join_request_mic(&mk, &msg);
        let mut phy = [msg.as_slice(), &mic].concat();
        prop_assert!(PhyPayload::from_slice(&phy).unwrap().validate_join_request_mic(&lk).unwrap(), "lrwn");
        let Ok(lorawan::parser::PhyPayload::JoinRequest(jr)) = lorawan::parser::parse(&mut phy[..]) else {
            panic!("lorawan parse")
        };
        prop_assert!(jr.validate_mic(&lorawan::keys::AES128(k)), "lorawan");
    }

    /// 1.0 join-accept: our MIC and encryption are accepted by lrwn and lorawan, and lorawan's
    /// session keys equal ours.
    #[test]
    fn join_accept_v10(k in any::<[u8; 16]>(), join_nonce in 0u32..1 << 24, net_id in 0u32..1 << 24,
                       dev_addr in any::<u32>(), dl in 0u8..0x80, rx_delay in 0u8..16, dev_nonce in any::<u16>()) {
        let (mk, ck, lk) = keys(k);
        let mut msg = vec![0x20];
        msg.extend(&join_nonce.to_le_bytes()[..3]);
        msg.extend(NetId::from_u32(net_id).to_wire_bytes());
        msg.extend(DevAddr::from_u32(dev_addr).to_wire_bytes());
        msg.extend([dl, rx_delay]);
        let mic = join_accept_mic_v10(&mk, &msg);
        let mut phy = [msg.as_slice(), &mic].concat();
        join_accept_encrypt(&ck, &mut phy[1..]).unwrap();

        let mut l = PhyPayload::from_slice(&phy).unwrap();
        l.decrypt_join_accept_payload(&lk).unwrap();
        let eui = lrwn::EUI64::from_be_bytes([0; 8]);
        prop_assert!(l.validate_join_accept_mic(JoinType::Join, &eui, 0, &lk).unwrap(), "lrwn");

        let app_key = lorawan::keys::AppKey::from(k);
        let ja = lorawan::parser::DecryptedJoinAcceptPayload::new(phy.clone(), &app_key).unwrap();
        prop_assert!(ja.validate_mic(&app_key), "lorawan");
        let dn = dev_nonce.to_le_bytes();
        let dn = lorawan::parser::DevNonce::new(&dn[..]).unwrap();
        let ours = session_keys_v10(&Aes128Key::from_bytes(k), join_nonce, NetId::from_u32(net_id), dev_nonce);
        let (nwk_s_key, app_s_key) = (ja.derive_newskey(&dn, &app_key), ja.derive_appskey(&dn, &app_key));
        prop_assert_eq!(nwk_s_key.as_ref(), &ours.nwk_s_key.to_bytes()[..]);
        prop_assert_eq!(app_s_key.as_ref(), &ours.app_s_key.to_bytes()[..]);

        join_accept_decrypt(&ck, &mut phy[1..]).unwrap();
        prop_assert_eq!(&phy[..msg.len()], msg.as_slice());
    }

    /// 1.1 join-accept MIC (OptNeg) against lrwn, for each JoinReqType.
    #[test]
    fn join_accept_v11(k in any::<[u8; 16]>(), body in any::<[u8; 10]>(), rx_delay in 0u8..16,
                       t in 0usize..4, join_eui in any::<u64>(), dev_nonce in any::<u16>()) {
        let (mk, ck, lk) = keys(k);
        let (jt, byte) = [(JoinType::Join, 0xFF), (JoinType::RejoinType0, 0), (JoinType::RejoinType1, 1),
                          (JoinType::RejoinType2, 2)][t].clone();
        let mut msg = vec![0x20];
        msg.extend(&body);
        msg.extend([0x80 | (body[0] & 0x7F), rx_delay]); // DLSettings with OptNeg
        let eui = JoinEui::from_u64(join_eui);
        let mic = join_accept_mic_v11(&mk, byte, eui, dev_nonce, &msg);
        let mut phy = [msg.as_slice(), &mic].concat();
        join_accept_encrypt(&ck, &mut phy[1..]).unwrap();
        let mut l = PhyPayload::from_slice(&phy).unwrap();
        l.decrypt_join_accept_payload(&lk).unwrap();
        let leui = lrwn::EUI64::from_be_bytes(eui.to_be_bytes());
        prop_assert!(l.validate_join_accept_mic(jt, &leui, dev_nonce, &lk).unwrap());
    }

    /// 1.0, 1.1 and Join Server key derivation against lrwn's `keys` module.
    #[test]
    fn key_derivation(nwk in any::<[u8; 16]>(), app in any::<[u8; 16]>(), join_nonce in 0u32..1 << 24,
                      net_id in 0u32..1 << 24, eui in any::<u64>(), dev_nonce in any::<u16>()) {
        use lrwn::keys::*;
        let (n, a) = (Aes128Key::from_bytes(nwk), Aes128Key::from_bytes(app));
        let (ln, la) = (LKey::from_bytes(nwk), LKey::from_bytes(app));
        let lnet = lrwn::NetID::from_be_bytes(NetId::from_u32(net_id).to_be_bytes());
        let leui = lrwn::EUI64::from_be_bytes(eui.to_be_bytes());
        let b = |k: LKey| Aes128Key::from_bytes(k.to_bytes());

        let v10 = session_keys_v10(&n, join_nonce, NetId::from_u32(net_id), dev_nonce);
        prop_assert_eq!(v10.nwk_s_key, b(get_f_nwk_s_int_key(false, &ln, &lnet, &leui, join_nonce, dev_nonce).unwrap()));
        prop_assert_eq!(v10.app_s_key, b(get_app_s_key(false, &ln, &lnet, &leui, join_nonce, dev_nonce).unwrap()));

        let v11 = session_keys_v11(&n, &a, join_nonce, JoinEui::from_u64(eui), dev_nonce);
        prop_assert_eq!(v11.f_nwk_s_int_key, b(get_f_nwk_s_int_key(true, &ln, &lnet, &leui, join_nonce, dev_nonce).unwrap()));
        prop_assert_eq!(v11.s_nwk_s_int_key, b(get_s_nwk_s_int_key(true, &ln, &lnet, &leui, join_nonce, dev_nonce).unwrap()));
        prop_assert_eq!(v11.nwk_s_enc_key, b(get_nwk_s_enc_key(true, &ln, &lnet, &leui, join_nonce, dev_nonce).unwrap()));
        prop_assert_eq!(v11.app_s_key, b(get_app_s_key(true, &la, &lnet, &leui, join_nonce, dev_nonce).unwrap()));

        let js = js_keys(&n, DevEui::from_u64(eui));
        prop_assert_eq!(js.js_int_key, b(get_js_int_key(&leui, &ln).unwrap()));
        prop_assert_eq!(js.js_enc_key, b(get_js_enc_key(&leui, &ln).unwrap()));
    }
}
