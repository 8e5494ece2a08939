//! Differential tests of `shared::lorawan` against two independent parsers: ChirpStack's `lrwn`
//! 4.13 (`lrwn::PhyPayload::from_slice`) and lora-rs' `lorawan` 0.9 (`lorawan::parser::parse`).
//!
//! Random frames are built with our `*Repr::emit`, then every field the peers expose is
//! compared. Random and mutated bytes check that our parser never panics and accepts or rejects
//! as the peers do, except where we differ on purpose:
//!
//! 1. FPort 0 with FOptsLen > 0: we reject (LoRaWAN 1.1 §4.3.1.6 says such a frame is dropped);
//!    lrwn and lorawan accept it.
//! 2. Join-accept length: lrwn accepts any encrypted join-accept of 5 bytes or more (its payload
//!    is raw); we and lorawan require 17 or 33 bytes.
//! 3. CFListType other than 0 or 1 after decryption: we and lrwn reject the join-accept; lorawan
//!    accepts it and reports no CFList.
//! 4. lorawan 0.9 reports no FPort when FPort is present with an empty FRMPayload
//!    (`DataHeader::f_port` tests `fhdr_length + 1 >= len - 5`); we and lrwn report the FPort.
//! 5. lorawan reads only 9 bytes (72 channels) of a type-1 CFList; lrwn drops trailing
//!    all-zero ChMask blocks. Both agree with us on the bytes they read.
//! 6. lorawan 0.9 does not parse rejoin-requests or proprietary frames; those are compared
//!    with lrwn only.

use aes::Aes128;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit, generic_array::GenericArray};
use lorawan::parser::{self as lr, DataHeader, MICAble};
use proptest::prelude::*;
use shared::lorawan::*;
use shared::types::{DevAddr, DevEui, JoinEui, NetId};

fn mtype_of(t: lrwn::FType) -> MType {
    use lrwn::FType as F;
    match t {
        F::JoinRequest => MType::JoinRequest,
        F::JoinAccept => MType::JoinAccept,
        F::UnconfirmedDataUp => MType::UnconfirmedDataUp,
        F::UnconfirmedDataDown => MType::UnconfirmedDataDown,
        F::ConfirmedDataUp => MType::ConfirmedDataUp,
        F::ConfirmedDataDown => MType::ConfirmedDataDown,
        F::RejoinRequest => MType::RejoinRequest,
        F::Proprietary => MType::Proprietary,
    }
}

fn arb_data() -> impl Strategy<Value = (DataFrameRepr<'static>, Vec<u8>)> {
    (
        prop::sample::select(vec![
            MType::UnconfirmedDataUp,
            MType::UnconfirmedDataDown,
            MType::ConfirmedDataUp,
            MType::ConfirmedDataDown,
        ]),
        any::<u32>(),
        any::<u8>(),
        any::<u16>(),
        prop::collection::vec(any::<u8>(), 0..=15),
        any::<Option<u8>>(),
        any::<[u8; 4]>(),
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(mtype, addr, fctrl, fcnt, fopts, fport, mic, payload)| {
            let fport = if fport == Some(0) && !fopts.is_empty() {
                Some(1)
            } else {
                fport
            };
            let repr = DataFrameRepr {
                mtype,
                dev_addr: DevAddr::from_u32(addr),
                fctrl: FCtrl::from_byte(fctrl).flags(),
                fcnt,
                fopts: FOpts::new(&fopts).unwrap(),
                fport,
                frm_payload: &[],
                mic,
            };
            (repr, payload)
        })
}

fn emit(repr: &PhyPayloadRepr<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; repr.buffer_len()];
    assert_eq!(repr.emit(&mut buf), Ok(buf.len()));
    buf
}

fn check_data(b: &[u8]) {
    let ours = DataFrame::parse(b).unwrap();
    // lrwn
    let theirs = lrwn::PhyPayload::from_slice(b).unwrap();
    assert_eq!(mtype_of(theirs.mhdr.f_type), ours.mtype());
    assert_eq!(theirs.mic, Some(ours.mic()));
    let lrwn::Payload::MACPayload(pl) = &theirs.payload else {
        panic!("lrwn: not a MACPayload")
    };
    assert_eq!(pl.fhdr.devaddr.to_be_bytes(), ours.dev_addr().to_be_bytes());
    let (c, fc) = (&pl.fhdr.f_ctrl, ours.fctrl());
    assert_eq!(
        (c.adr, c.adr_ack_req, c.ack, c.f_opts_len),
        (fc.adr(), fc.adr_ack_req(), fc.ack(), fc.f_opts_len())
    );
    assert_eq!(
        if ours.is_uplink() {
            c.class_b
        } else {
            c.f_pending
        },
        fc.class_b()
    );
    assert_eq!(pl.fhdr.f_cnt, u32::from(ours.fcnt()));
    assert_eq!(pl.fhdr.f_opts.to_vec().unwrap(), ours.fopts());
    assert_eq!(pl.f_port, ours.fport());
    let payload = match &pl.frm_payload {
        Some(lrwn::FRMPayload::Raw(v)) => v.clone(),
        None => Vec::new(),
        Some(other) => panic!("lrwn decoded FRMPayload: {other:?}"),
    };
    assert_eq!(payload, ours.frm_payload());
    // lorawan
    let Ok(lr::PhyPayload::Data(d)) = lr::parse(b.to_vec()) else {
        panic!("lorawan rejected data frame")
    };
    assert_eq!(
        (d.is_uplink(), d.is_confirmed()),
        (ours.is_uplink(), ours.is_confirmed())
    );
    let fhdr = d.fhdr();
    assert_eq!(fhdr.dev_addr().as_ref(), ours.dev_addr().to_wire_bytes());
    assert_eq!(fhdr.fcnt(), ours.fcnt());
    assert_eq!(fhdr.fctrl().raw_value(), fc.to_byte());
    assert_eq!(fhdr.data(), ours.fopts());
    let want_port = if ours.frm_payload().is_empty() {
        None
    } else {
        ours.fport()
    }; // difference 4
    assert_eq!(d.f_port(), want_port);
    assert_eq!(d.mic().0, ours.mic());
}

fn check_join_request(b: &[u8]) {
    let ours = JoinRequest::parse(b).unwrap();
    let theirs = lrwn::PhyPayload::from_slice(b).unwrap();
    let lrwn::Payload::JoinRequest(jr) = theirs.payload else {
        panic!("lrwn: not a join-request")
    };
    assert_eq!(jr.join_eui.to_be_bytes(), ours.join_eui().to_be_bytes());
    assert_eq!(jr.dev_eui.to_be_bytes(), ours.dev_eui().to_be_bytes());
    assert_eq!(jr.dev_nonce, ours.dev_nonce());
    assert_eq!(theirs.mic, Some(ours.mic()));
    let Ok(lr::PhyPayload::JoinRequest(j)) = lr::parse(b.to_vec()) else {
        panic!("lorawan rejected join-request")
    };
    assert_eq!(j.app_eui().as_ref(), ours.join_eui().to_wire_bytes());
    assert_eq!(j.dev_eui().as_ref(), ours.dev_eui().to_wire_bytes());
    assert_eq!(j.dev_nonce().as_ref(), ours.dev_nonce().to_le_bytes());
    assert_eq!(j.mic().0, ours.mic());
}

fn check_rejoin(b: &[u8]) {
    let ours = RejoinRequest::parse(b).unwrap();
    let theirs = lrwn::PhyPayload::from_slice(b).unwrap();
    assert_eq!(theirs.mic, Some(ours.mic()));
    match theirs.payload {
        lrwn::Payload::RejoinRequestType02(r) => {
            let t = if r.rejoin_type == lrwn::JoinType::RejoinType0 {
                RejoinType::Type0
            } else {
                RejoinType::Type2
            };
            assert_eq!(t, ours.rejoin_type());
            assert_eq!(
                Some(r.netid.to_le_bytes()),
                ours.net_id().map(NetId::to_wire_bytes)
            );
            assert_eq!(r.dev_eui.to_be_bytes(), ours.dev_eui().to_be_bytes());
            assert_eq!(r.rj_count_0, ours.rj_count());
        }
        lrwn::Payload::RejoinRequestType1(r) => {
            assert_eq!(ours.rejoin_type(), RejoinType::Type1);
            assert_eq!(
                Some(r.join_eui.to_be_bytes()),
                ours.join_eui().map(JoinEui::to_be_bytes)
            );
            assert_eq!(r.dev_eui.to_be_bytes(), ours.dev_eui().to_be_bytes());
            assert_eq!(r.rj_count_1, ours.rj_count());
        }
        other => panic!("lrwn: not a rejoin-request: {other:?}"),
    }
}

/// Compares a decrypted join-accept with lrwn's payload decoder, then encrypts it as a Join
/// Server would and has lorawan decrypt and decode it.
fn check_join_accept(plain: &[u8], key: [u8; 16]) {
    let ours = JoinAccept::parse(plain).unwrap();
    let n = plain.len();
    let ja = lrwn::JoinAcceptPayload::from_slice(&plain[1..n - 4]).unwrap();
    assert_eq!(ja.join_nonce, ours.join_nonce());
    assert_eq!(ja.home_netid.to_le_bytes(), ours.net_id().to_wire_bytes());
    assert_eq!(ja.devaddr.to_be_bytes(), ours.dev_addr().to_be_bytes());
    let dl = ours.dl_settings();
    assert_eq!(
        (
            ja.dl_settings.opt_neg,
            ja.dl_settings.rx1_dr_offset,
            ja.dl_settings.rx2_dr
        ),
        (dl.opt_neg, dl.rx1_dr_offset, dl.rx2_data_rate)
    );
    assert_eq!(ja.rx_delay, ours.rx_delay());
    match (ja.cflist, ours.cf_list()) {
        (None, None) => {}
        (Some(lrwn::CFList::Channels(c)), Some(CfList::Frequencies(f))) => {
            assert!(c.iter().eq(f.iter()))
        }
        (Some(lrwn::CFList::ChannelMask(m)), Some(CfList::ChannelMasks(ours))) => {
            let theirs: Vec<u16> = m.iter().map(|c| u16::from_le_bytes(c.to_bytes())).collect();
            assert_eq!(theirs[..], ours[..theirs.len()]);
            assert!(ours[theirs.len()..].iter().all(|&x| x == 0)); // difference 5
        }
        (a, b) => panic!("CFList differs: lrwn {a:?}, ours {b:?}"),
    }
    // Encrypt as the Join Server does (AES decrypt over everything after MHDR), in place.
    let mut air = plain.to_vec();
    let cipher = Aes128::new(&key.into());
    for block in EncryptedJoinAccept::encrypted_mut(&mut air)
        .unwrap()
        .chunks_exact_mut(16)
    {
        cipher.decrypt_block(GenericArray::from_mut_slice(block));
    }
    assert!(EncryptedJoinAccept::parse(&air).is_ok());
    let theirs = lrwn::PhyPayload::from_slice(&air).unwrap();
    assert_eq!(theirs.payload, lrwn::Payload::Raw(air[1..n - 4].to_vec()));
    let Ok(lr::PhyPayload::JoinAccept(lr::JoinAcceptPayload::Encrypted(e))) =
        lr::parse(air.clone())
    else {
        panic!("lorawan rejected join-accept")
    };
    let d = e.decrypt(&lorawan::keys::AppKey::from(key));
    assert_eq!(d.app_nonce().as_ref(), &plain[1..4]);
    assert_eq!(d.net_id().as_ref(), ours.net_id().to_wire_bytes());
    assert_eq!(d.dev_addr().as_ref(), ours.dev_addr().to_wire_bytes());
    assert_eq!(
        (
            d.dl_settings().rx1_dr_offset(),
            d.dl_settings().rx2_data_rate()
        ),
        (dl.rx1_dr_offset, dl.rx2_data_rate)
    );
    assert_eq!(d.rx_delay(), ours.rx_delay() & 0x0F);
    assert_eq!(d.mic().0, ours.mic());
    match (d.c_f_list(), ours.cf_list()) {
        (None, None) => {}
        (Some(lr::CfList::DynamicChannel(fs)), Some(CfList::Frequencies(f))) => {
            assert!(fs.iter().map(|x| x.value()).eq(f.iter().copied()))
        }
        (Some(lr::CfList::FixedChannel(m)), Some(CfList::ChannelMasks(_))) => {
            assert_eq!(m.as_ref(), &plain[13..22]) // difference 5
        }
        (a, b) => panic!("CFList differs: lorawan {a:?}, ours {b:?}"),
    }
    // And back: our encrypted bytes decrypt (AES encrypt) to the plain frame.
    let mut back = air;
    for block in EncryptedJoinAccept::encrypted_mut(&mut back)
        .unwrap()
        .chunks_exact_mut(16)
    {
        cipher.encrypt_block(GenericArray::from_mut_slice(block));
    }
    assert_eq!(back, plain);
}

/// Accept/reject agreement on arbitrary bytes, with the documented differences.
fn check_agreement(b: &[u8]) {
    let ours = PhyPayload::parse(b);
    let Some(&first) = b.first() else {
        return assert!(ours.is_err());
    };
    let mtype = MType::from_bits(first >> 5);
    let ours_ok = match ours {
        Err(FrameError::FPortZeroWithFOpts) => true, // difference 1: peers accept
        r => r.is_ok(),
    };
    let lrwn_ok = lrwn::PhyPayload::from_slice(b).is_ok();
    if mtype == MType::JoinAccept {
        assert!(!ours_ok || lrwn_ok, "lrwn rejects a join-accept we accept"); // difference 2
    } else {
        assert_eq!(ours_ok, lrwn_ok, "lrwn disagrees on {}", hex::encode(b));
    }
    if !matches!(mtype, MType::RejoinRequest | MType::Proprietary) {
        let lorawan_ok = lr::parse(b.to_vec()).is_ok();
        assert_eq!(
            ours_ok,
            lorawan_ok,
            "lorawan disagrees on {}",
            hex::encode(b)
        ); // difference 6
    }
    // Whatever all accept must also agree field by field.
    match ours {
        Ok(PhyPayload::Data(_)) => check_data(b),
        Ok(PhyPayload::JoinRequest(_)) => check_join_request(b),
        Ok(PhyPayload::RejoinRequest(_)) => check_rejoin(b),
        _ => {}
    }
}

fn arb_plain_join_accept() -> impl Strategy<Value = Vec<u8>> {
    (
        0u32..0x100_0000,
        0u32..0x100_0000,
        any::<u32>(),
        any::<u8>(),
        any::<u8>(),
        prop::option::of(prop_oneof![
            any::<[u32; 5]>().prop_map(|f| CfList::Frequencies(f.map(|x| (x & 0xFF_FFFF) * 100))),
            any::<[u16; 7]>().prop_map(CfList::ChannelMasks),
        ]),
        any::<[u8; 4]>(),
    )
        .prop_map(|(join_nonce, net, addr, dl, rx_delay, cf_list, mic)| {
            let repr = JoinAcceptRepr {
                join_nonce,
                net_id: NetId::from_u32(net),
                dev_addr: DevAddr::from_u32(addr),
                dl_settings: DlSettings::from_byte(dl),
                rx_delay,
                cf_list,
                mic,
            };
            let mut buf = vec![0u8; repr.buffer_len()];
            repr.emit(&mut buf).unwrap();
            buf
        })
}

/// Valid frames of every kind, then truncated, extended or with one byte changed.
fn arb_mutated() -> impl Strategy<Value = Vec<u8>> {
    let frame = prop_oneof![
        arb_data().prop_map(|(r, p)| {
            let frm_payload = if r.fport.is_some() { &p[..] } else { &[] };
            emit(&PhyPayloadRepr::Data(DataFrameRepr { frm_payload, ..r }))
        }),
        (any::<u64>(), any::<u64>(), any::<u16>()).prop_map(|(j, d, n)| {
            let r = JoinRequestRepr {
                join_eui: JoinEui::from_u64(j),
                dev_eui: DevEui::from_u64(d),
                dev_nonce: n,
                mic: [1; 4],
            };
            emit(&PhyPayloadRepr::JoinRequest(r))
        }),
        arb_plain_join_accept(),
        (0u8..4, any::<[u8; 22]>()).prop_map(|(t, rest)| {
            let mut b = vec![0xC0, t];
            b.extend_from_slice(&rest[..if t == 1 { 22 } else { 17 }]);
            b
        }),
    ];
    (
        frame,
        any::<u8>(),
        any::<prop::sample::Index>(),
        any::<u8>(),
    )
        .prop_map(|(mut b, op, at, v)| {
            match op % 4 {
                0 => {}
                1 => b.truncate(at.index(b.len() + 1)),
                2 => b.push(v),
                _ => {
                    let i = at.index(b.len());
                    b[i] = v;
                }
            }
            b
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn data_frames_agree((repr, payload) in arb_data()) {
        let frm_payload = if repr.fport.is_some() { &payload[..] } else { &[] };
        check_data(&emit(&PhyPayloadRepr::Data(DataFrameRepr { frm_payload, ..repr })));
    }

    #[test]
    fn join_requests_agree(j: u64, d: u64, nonce: u16, mic: [u8; 4]) {
        let r = JoinRequestRepr { join_eui: JoinEui::from_u64(j), dev_eui: DevEui::from_u64(d), dev_nonce: nonce, mic };
        check_join_request(&emit(&PhyPayloadRepr::JoinRequest(r)));
    }

    #[test]
    fn rejoin_requests_agree(t in 0u8..3, net in 0u32..0x100_0000, j: u64, d: u64, count: u16, mic: [u8; 4]) {
        let r = match t {
            1 => RejoinRequestRepr::Type1 { join_eui: JoinEui::from_u64(j), dev_eui: DevEui::from_u64(d), rj_count1: count, mic },
            _ => RejoinRequestRepr::Type02 {
                rejoin_type: if t == 0 { RejoinType::Type0 } else { RejoinType::Type2 },
                net_id: NetId::from_u32(net),
                dev_eui: DevEui::from_u64(d),
                rj_count0: count,
                mic,
            },
        };
        check_rejoin(&emit(&PhyPayloadRepr::RejoinRequest(r)));
    }

    #[test]
    fn join_accepts_agree(plain in arb_plain_join_accept(), key: [u8; 16]) {
        check_join_accept(&plain, key);
    }

    #[test]
    fn proprietary_agrees(payload in prop::collection::vec(any::<u8>(), 0..40)) {
        let b = emit(&PhyPayloadRepr::Proprietary(ProprietaryRepr { payload: &payload }));
        let theirs = lrwn::PhyPayload::from_slice(&b).unwrap();
        prop_assert_eq!(theirs.payload, lrwn::Payload::Raw(payload.clone()));
        prop_assert_eq!(theirs.mic, None);
    }

    #[test]
    fn random_bytes_agree(b in prop::collection::vec(any::<u8>(), 0..48)) {
        check_agreement(&b);
    }

    #[test]
    fn mutated_frames_agree(b in arb_mutated()) {
        check_agreement(&b);
    }
}

#[test]
fn documented_differences() {
    // 1: FPort 0 with FOpts.
    let b = hex::decode("40292e0126010300aa00d03678bd").unwrap();
    assert_eq!(PhyPayload::parse(&b), Err(FrameError::FPortZeroWithFOpts));
    assert!(lrwn::PhyPayload::from_slice(&b).is_ok() && lr::parse(b.clone()).is_ok());
    // 2: a 5-byte join-accept.
    let b = hex::decode("2001020304").unwrap();
    assert_eq!(PhyPayload::parse(&b), Err(FrameError::JoinAcceptLength(5)));
    assert!(lrwn::PhyPayload::from_slice(&b).is_ok() && lr::parse(b.clone()).is_err());
    // 4: FPort with empty FRMPayload (TTS-style 13-byte frame).
    let b = hex::decode("40292e01260003000ad03678bd").unwrap();
    assert_eq!(DataFrame::parse(&b).unwrap().fport(), Some(10));
    let Ok(lr::PhyPayload::Data(d)) = lr::parse(b.clone()) else {
        panic!()
    };
    assert_eq!(d.f_port(), None);
}
