//! Differential test against the `semtech-udp` crate (helium, 0.12, `client` feature): packets
//! emitted here and the published fixtures are parsed by both codecs and compared field by
//! field; packets re-serialized by semtech-udp are parsed here and must equal the original.
//!
//! Known differences, kept out of the generated shapes: semtech-udp reads only LoRa `datr`
//! strings up to BW500 (no FSK), needs `chan`/`rfch`/`rssi`/`lsnr`/`stat` in a v1 rxpk, `imme`,
//! `powe` and `ipol` in a txpk, keeps `tmms` as u32, and knows `SEND_LBT`/`SEND_FAIL` but not
//! `FULL`/`EMPTY` as TX_ACK errors, and rejects unpadded base64 that PROTOCOL.TXT allows in txpk.

use ::semtech_udp as su;
use proptest::prelude::*;
use shared::semtech_udp as ours;
use shared::types::Eui64;
use su::SerializablePacket as _;

fn theirs(bytes: &[u8]) -> su::Packet {
    su::Packet::parse(bytes).unwrap_or_else(|e| {
        panic!(
            "semtech-udp rejects {}: {e:?}",
            String::from_utf8_lossy(bytes)
        )
    })
}

fn reserialize(p: &su::Packet) -> Vec<u8> {
    let mut buf = vec![0u8; 65_536];
    let n = p.serialize(&mut buf).expect("semtech-udp serialize") as usize;
    buf.truncate(n);
    buf
}

fn hz(mhz: f64) -> u64 {
    (mhz * 1e6).round() as u64
}

fn same_radio(
    dr: ours::DataRate,
    cr: Option<ours::CodingRate>,
    their_dr: su::DataRate,
    their_cr: Option<su::CodingRate>,
) {
    let ours::DataRate::Lora {
        spreading_factor,
        bandwidth_khz,
    } = dr
    else {
        panic!("FSK is outside semtech-udp")
    };
    assert_eq!(
        their_dr.spreading_factor().factor(),
        u32::from(spreading_factor)
    );
    assert_eq!(their_dr.bandwidth().hz(), u32::from(bandwidth_khz) * 1000);
    let map = |c: su::CodingRate| match c {
        su::CodingRate::_4_5 => ours::CodingRate::Cr4_5,
        su::CodingRate::_4_6 => ours::CodingRate::Cr4_6,
        su::CodingRate::_4_7 => ours::CodingRate::Cr4_7,
        su::CodingRate::_4_8 => ours::CodingRate::Cr4_8,
    };
    assert_eq!(their_cr.map(map), cr);
}

fn compare_rxpk(o: &ours::RxPk, t: &su::push_data::RxPk) {
    assert_eq!(hz(t.frequency()), o.freq_hz);
    assert_eq!(t.timestamp(), o.tmst);
    assert_eq!(t.data().as_slice(), o.payload.as_slice());
    same_radio(o.data_rate, o.coding_rate, t.datarate(), t.coding_rate());
    let crc = match t.crc_status() {
        su::push_data::CRC::OK => ours::CrcStatus::Ok,
        su::push_data::CRC::Fail => ours::CrcStatus::Fail,
        su::push_data::CRC::Disabled => ours::CrcStatus::NoCrc,
    };
    assert_eq!(Some(crc), o.crc);
    assert_eq!(
        t.time().as_deref().and_then(ours::UtcTime::parse_compact),
        o.time
    );
    match t {
        su::push_data::RxPk::V1(v1) => {
            assert_eq!(Some(v1.lsnr), o.lsnr);
            assert_eq!(Some(v1.rssi), o.rssi.map(i32::from));
            assert_eq!(v1.rssis, o.rssis.map(i32::from));
            assert_eq!(Some(v1.chan), o.chan.map(u64::from));
            assert_eq!(Some(v1.rfch), o.rfch.map(u64::from));
        }
        su::push_data::RxPk::V2(v2) => {
            assert_eq!(v2.rsig.len(), o.rsig.len());
            for (tr, or) in v2.rsig.iter().zip(&o.rsig) {
                assert_eq!((tr.ant, tr.chan), (usize::from(or.ant), u64::from(or.chan)));
                assert_eq!(Some(tr.rssic), or.rssic.map(i32::from));
                assert_eq!(Some(tr.lsnr), or.lsnr);
            }
            assert_eq!(Some(v2.brd as u32), o.brd);
        }
    }
}

fn compare_stat(o: &ours::Stat, t: &su::push_data::Stat) {
    assert_eq!(ours::UtcTime::parse_expanded(&t.time), Some(o.time));
    assert_eq!(
        (t.lati, t.long, t.alti),
        (o.lati, o.long, o.alti.map(i64::from))
    );
    assert_eq!(
        (t.rxnb, t.rxok, t.rxfw, t.dwnb, t.txnb),
        (
            o.rxnb.into(),
            o.rxok.into(),
            o.rxfw.into(),
            o.dwnb.into(),
            o.txnb.into()
        )
    );
    assert_eq!((t.ackr, t.temp), (o.ackr, o.temp));
}

fn compare_txpk(o: &ours::TxPk, t: &su::pull_resp::TxPk) {
    assert_eq!(hz(t.freq), o.freq_hz);
    assert_eq!(Some(t.rfch), Some(u64::from(o.rfch)));
    assert_eq!(Some(t.powe as i64), o.powe.map(i64::from));
    same_radio(o.data_rate, o.coding_rate, t.datr, t.codr);
    assert_eq!(Some(t.ipol), o.ipol);
    assert_eq!(t.prea, o.prea.map(u64::from));
    assert_eq!(t.ncrc, o.ncrc);
    assert_eq!(t.data.data(), o.payload.as_slice());
    match o.timing {
        ours::TxTiming::Immediate => assert!(t.is_immediate()),
        ours::TxTiming::Tmst(v) => assert_eq!((t.is_immediate(), t.get_tmst()), (false, Some(v))),
        ours::TxTiming::Tmms(v) => assert_eq!(t.time.tmms().map(u64::from), Some(v)),
    }
}

/// Parses `bytes` with both codecs and compares every field both know.
fn compare(bytes: &[u8]) {
    let o = ours::Packet::parse(bytes).unwrap();
    let t = theirs(bytes);
    let (token, eui) = (
        o.header().token.to_u16(),
        o.header().gateway_eui.map(Eui64::to_be_bytes),
    );
    match (&o, &t) {
        (ours::Packet::PushData { data, .. }, su::Packet::Up(su::Up::PushData(p))) => {
            assert_eq!(
                (p.random_token, Some(p.gateway_mac.into_array())),
                (token, eui)
            );
            let their_rx = p.data.rxpk.as_deref().unwrap_or_default();
            assert_eq!(their_rx.len(), data.rxpk.len());
            data.rxpk
                .iter()
                .zip(their_rx)
                .for_each(|(o, t)| compare_rxpk(o, t));
            assert_eq!(p.data.stat.is_some(), data.stat.is_some());
            if let (Some(o), Some(t)) = (&data.stat, &p.data.stat) {
                compare_stat(o, t);
            }
        }
        (ours::Packet::PullResp { txpk, .. }, su::Packet::Down(su::Down::PullResp(p))) => {
            assert_eq!(p.random_token, token);
            compare_txpk(txpk, &p.data.txpk);
        }
        (ours::Packet::TxAck { ack, .. }, su::Packet::Up(su::Up::TxAck(p))) => {
            assert_eq!(
                (p.random_token, Some(p.gateway_mac.into_array())),
                (token, eui)
            );
            let want = match ack {
                None => Ok(None),
                Some(a) => match (a.error, a.warn, &a.value) {
                    (None | Some(ours::TxError::None), None, _) => Ok(None),
                    (_, Some(ours::TxWarning::TxPower), Some(ours::AckValue::Number(n))) => Err(
                        su::tx_ack::Error::AdjustedTransmitPower(Some(*n as i32), None),
                    ),
                    (Some(e), None, _) => Err(match e {
                        ours::TxError::TooLate => su::tx_ack::Error::TooLate,
                        ours::TxError::TooEarly => su::tx_ack::Error::TooEarly,
                        ours::TxError::CollisionPacket => su::tx_ack::Error::CollisionPacket,
                        ours::TxError::CollisionBeacon => su::tx_ack::Error::CollisionBeacon,
                        ours::TxError::TxFreq => su::tx_ack::Error::InvalidTransmitFrequency,
                        ours::TxError::TxPower => su::tx_ack::Error::InvalidTransmitPower(None),
                        ours::TxError::GpsUnlocked => su::tx_ack::Error::GpsUnlocked,
                        other => panic!("{other:?} unknown to semtech-udp"),
                    }),
                    other => panic!("unsupported shape {other:?}"),
                },
            };
            assert_eq!(p.get_result(), want);
        }
        (ours::Packet::PushAck { .. }, su::Packet::Down(su::Down::PushAck(p))) => {
            assert_eq!(p.random_token, token)
        }
        (ours::Packet::PullAck { .. }, su::Packet::Down(su::Down::PullAck(p))) => {
            assert_eq!(p.random_token, token)
        }
        (ours::Packet::PullData { .. }, su::Packet::Up(su::Up::PullData(p))) => {
            assert_eq!(
                (p.random_token, Some(p.gateway_mac.into_array())),
                (token, eui)
            );
        }
        (o, t) => panic!("kinds differ: {o:?} vs {t:?}"),
    }
}

fn emit(p: &ours::Packet<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    p.emit(&mut out).unwrap();
    out
}

// ---- fixtures ----

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/semtech-udp/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn with_header(id: ours::Identifier, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    ours::Header {
        version: ours::ProtocolVersion::V2,
        token: ours::Token([7, 9]),
        identifier: id,
        gateway_eui: Some(Eui64::from_u64(0xAA55_0001_0203_0405)),
    }
    .emit(&mut out);
    out.extend_from_slice(body);
    out
}

#[test]
fn fixtures_agree() {
    use ours::Identifier::{PushData, TxAck};
    let cases = [
        (PushData, "tts-uplink.json"),
        (PushData, "helium-jver2-a.json"),
        (PushData, "helium-jver2-b.json"),
        (PushData, "chirpstack-multi-antenna.json"),
        (PushData, "protocol-stat.json"),
        (PushData, "sx1302-stat-temp.json"),
        (PushData, "tts-status.json"),
        (TxAck, "sx1302-txpk-ack-error.json"),
        (TxAck, "sx1302-txpk-ack-warn.json"),
    ];
    for (id, name) in cases {
        eprintln!("{name}");
        compare(&with_header(id, &fixture(name)));
    }
}

#[test]
fn unpadded_txpk_example_splits_the_oracles() {
    // PROTOCOL.TXT §6 says txpk `data` padding is optional and its example has none: accepted
    // here, rejected by semtech-udp ("Invalid padding"). The same txpk with padding agrees.
    let body = fixture("tts-downlink.json");
    let bytes = with_header(ours::Identifier::PullResp, &body);
    assert!(ours::Packet::parse(&bytes).is_ok());
    assert!(su::Packet::parse(&bytes).is_err());
    let Ok(ours::Packet::PullResp { txpk, .. }) = ours::Packet::parse(&bytes) else {
        unreachable!()
    };
    let padded = emit(&ours::Packet::PullResp {
        version: ours::ProtocolVersion::V2,
        token: ours::Token([1, 2]),
        txpk,
    });
    compare(&padded);
}

#[test]
fn header_only_messages_agree() {
    for id in [
        ours::Identifier::PushAck,
        ours::Identifier::PullAck,
        ours::Identifier::PullData,
        ours::Identifier::TxAck,
    ] {
        compare(&with_header(id, b""));
    }
}

#[test]
fn every_shared_tx_error_agrees() {
    for (e, text) in ours::TX_ERRORS {
        if matches!(e, ours::TxError::Full | ours::TxError::Empty) {
            continue;
        }
        compare(&with_header(
            ours::Identifier::TxAck,
            format!(r#"{{"txpk_ack":{{"error":"{text}"}}}}"#).as_bytes(),
        ));
    }
}

// ---- generated packets ----

fn arb_lora() -> impl Strategy<Value = (ours::DataRate, Option<ours::CodingRate>)> {
    let cr = prop_oneof![
        Just(ours::CodingRate::Cr4_5),
        Just(ours::CodingRate::Cr4_6),
        Just(ours::CodingRate::Cr4_7),
        Just(ours::CodingRate::Cr4_8)
    ];
    (
        7u8..=12,
        prop_oneof![Just(125u16), Just(250), Just(500)],
        cr,
    )
        .prop_map(|(sf, bw, cr)| {
            (
                ours::DataRate::Lora {
                    spreading_factor: sf,
                    bandwidth_khz: bw,
                },
                Some(cr),
            )
        })
}

fn arb_payload() -> impl Strategy<Value = ours::Payload> {
    proptest::collection::vec(any::<u8>(), 0..=255).prop_map(|v| ours::Payload::new(&v).unwrap())
}

/// A v1 rxpk with every field semtech-udp requires.
fn arb_rxpk() -> impl Strategy<Value = ours::RxPk> {
    (
        (
            any::<u32>(),
            100_000_000u64..=3_000_000_000,
            any::<u8>(),
            any::<u8>(),
            arb_lora(),
        ),
        (
            -140i16..0,
            -200i16..=150,
            arb_payload(),
            prop_oneof![
                Just(ours::CrcStatus::Ok),
                Just(ours::CrcStatus::Fail),
                Just(ours::CrcStatus::NoCrc)
            ],
        ),
        (
            proptest::option::of((0i64..4_000_000_000, 0u32..1_000_000).prop_map(|(s, us)| {
                ours::UtcTime {
                    secs: s,
                    nanos: us * 1000,
                }
            })),
            proptest::option::of(-140i16..0),
        ),
    )
        .prop_map(
            |(
                (tmst, freq_hz, chan, rfch, (data_rate, coding_rate)),
                (rssi, snr10, payload, crc),
                (time, rssis),
            )| ours::RxPk {
                time,
                tmms: None,
                tmst,
                ftime: None,
                freq_hz,
                chan: Some(chan),
                rfch: Some(rfch),
                brd: None,
                crc: Some(crc),
                data_rate,
                coding_rate,
                rssi: Some(rssi),
                rssis,
                lsnr: Some(f32::from(snr10) / 10.0),
                foff: None,
                payload,
                rsig: vec![],
            },
        )
}

fn arb_stat() -> impl Strategy<Value = ours::Stat> {
    (
        0i64..4_000_000_000,
        proptest::option::of(-90_000_000i32..=90_000_000),
        any::<[u32; 5]>(),
        proptest::option::of(0u16..=1000),
        proptest::option::of(-100i32..=9000),
    )
        .prop_map(
            |(secs, lat, [rxnb, rxok, rxfw, dwnb, txnb], ackr, alti)| ours::Stat {
                time: ours::UtcTime { secs, nanos: 0 },
                lati: lat.map(|v| f64::from(v) / 1e6),
                long: lat.map(|v| f64::from(v) / 5e5),
                alti,
                rxnb,
                rxok,
                rxfw,
                ackr: ackr.map(|v| f64::from(v) / 10.0),
                dwnb,
                txnb,
                temp: None,
            },
        )
}

fn arb_txpk() -> impl Strategy<Value = ours::TxPk> {
    let timing = prop_oneof![
        Just(ours::TxTiming::Immediate),
        any::<u32>().prop_map(ours::TxTiming::Tmst),
        any::<u32>().prop_map(|v| ours::TxTiming::Tmms(v.into()))
    ];
    (
        timing,
        100_000_000u64..=3_000_000_000,
        any::<u8>(),
        0i8..=36,
        arb_lora(),
        any::<bool>(),
        proptest::option::of(any::<u16>()),
        proptest::option::of(any::<bool>()),
        arb_payload(),
    )
        .prop_map(
            |(timing, freq_hz, rfch, powe, (data_rate, coding_rate), ipol, prea, ncrc, payload)| {
                ours::TxPk {
                    timing,
                    freq_hz,
                    rfch,
                    powe: Some(powe),
                    brd: None,
                    ant: None,
                    data_rate,
                    coding_rate,
                    fdev: None,
                    ipol: Some(ipol),
                    prea,
                    ncrc,
                    payload,
                }
            },
        )
}

proptest! {
    #[test]
    fn push_data_agrees(token in any::<[u8; 2]>(), eui in any::<u64>(), rxpk in proptest::collection::vec(arb_rxpk(), 0..8), stat in proptest::option::of(arb_stat())) {
        let p = ours::Packet::PushData { version: ours::ProtocolVersion::V2, token: ours::Token(token), gateway_eui: Eui64::from_u64(eui), data: ours::PushData { rxpk, stat } };
        let bytes = emit(&p);
        compare(&bytes);
        // semtech-udp's own serialization parses here to the same packet.
        let again = reserialize(&theirs(&bytes));
        prop_assert_eq!(ours::Packet::parse(&again), Ok(p));
    }

    #[test]
    fn pull_resp_agrees(token in any::<[u8; 2]>(), txpk in arb_txpk()) {
        let p = ours::Packet::PullResp { version: ours::ProtocolVersion::V2, token: ours::Token(token), txpk };
        let bytes = emit(&p);
        compare(&bytes);
        let again = reserialize(&theirs(&bytes));
        prop_assert_eq!(ours::Packet::parse(&again), Ok(p));
    }

    #[test]
    fn tx_ack_agrees(token in any::<[u8; 2]>(), eui in any::<u64>(), which in 0usize..10, power in 0i64..30) {
        let ack = match which {
            0 => None,
            1 => Some(ours::TxPkAck { error: None, warn: Some(ours::TxWarning::TxPower), value: Some(ours::AckValue::Number(power)) }),
            n => Some(ours::TxPkAck { error: Some([ours::TxError::None, ours::TxError::TooLate, ours::TxError::TooEarly, ours::TxError::CollisionPacket, ours::TxError::CollisionBeacon, ours::TxError::TxFreq, ours::TxError::TxPower, ours::TxError::GpsUnlocked][n - 2]), warn: None, value: None }),
        };
        let p = ours::Packet::TxAck { version: ours::ProtocolVersion::V2, token: ours::Token(token), gateway_eui: Eui64::from_u64(eui), ack };
        compare(&emit(&p));
    }
}
