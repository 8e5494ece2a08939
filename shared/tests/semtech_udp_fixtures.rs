//! Published Semtech UDP packets (see `fixtures/semtech-udp/README.md`) parsed and checked
//! against values read from their sources, then re-emitted and re-parsed.

use shared::semtech_udp::*;
use shared::types::Eui64;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/semtech-udp/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Wraps a body in a header: PUSH_DATA/TX_ACK get an EUI, PULL_RESP does not.
fn datagram(id: Identifier, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    Header {
        version: ProtocolVersion::V2,
        token: Token([0xAB, 0xCD]),
        identifier: id,
        gateway_eui: Some(Eui64::from_u64(0x0102_0304_0506_0708)),
    }
    .emit(&mut out);
    out.extend_from_slice(body);
    out
}

fn reparse(p: &Packet<'_>) {
    let mut out = Vec::new();
    p.emit(&mut out).unwrap();
    assert_eq!(&Packet::parse(&out).unwrap(), p);
}

fn push_data(name: &str) -> PushData {
    let bytes = datagram(Identifier::PushData, &fixture(name));
    let p = Packet::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    reparse(&p);
    match p {
        Packet::PushData {
            data,
            gateway_eui,
            token,
            ..
        } => {
            assert_eq!(gateway_eui.to_u64(), 0x0102_0304_0506_0708);
            assert_eq!(token.to_u16(), 0xABCD);
            data
        }
        other => panic!("{name}: {other:?}"),
    }
}

fn txpk(name: &str) -> TxPk {
    let bytes = datagram(Identifier::PullResp, &fixture(name));
    let p = Packet::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    reparse(&p);
    let Packet::PullResp { txpk, .. } = p else {
        panic!("{name}")
    };
    txpk
}

#[test]
fn protocol_rxpk_example_has_invalid_base64() {
    let bytes = datagram(Identifier::PushData, &fixture("protocol-rxpk.json"));
    assert_eq!(Packet::parse(&bytes), Err(UdpError::InvalidBase64("data")));
}

#[test]
fn protocol_rxpk_valid_elements() {
    let d = push_data("protocol-rxpk-valid.json");
    let [fsk, lora] = &d.rxpk[..] else {
        panic!("{d:?}")
    };
    assert_eq!(fsk.data_rate, DataRate::Fsk { bitrate: 50_000 });
    assert_eq!(fsk.freq_hz, 869_100_000);
    assert_eq!(
        (fsk.chan, fsk.rfch, fsk.rssi, fsk.lsnr, fsk.coding_rate),
        (Some(9), Some(1), Some(-75), None, None)
    );
    assert_eq!(fsk.payload.as_slice(), b"TEST_PACKET_1234");
    assert_eq!(fsk.time.unwrap().nanos, 530_974_000);
    assert_eq!(lora.freq_hz, 863_009_810);
    assert_eq!(lora.tmst, 3_316_387_610);
    assert_eq!(
        lora.data_rate,
        DataRate::Lora {
            spreading_factor: 10,
            bandwidth_khz: 125
        }
    );
    assert_eq!(lora.coding_rate, Some(CodingRate::Cr4_7));
    assert_eq!(
        (lora.crc, lora.rssi, lora.lsnr),
        (Some(CrcStatus::Ok), Some(-38), Some(5.5))
    );
    assert_eq!(lora.payload.as_slice().len(), 32);
}

#[test]
fn stat_examples() {
    for (name, temp) in [
        ("protocol-stat.json", None),
        ("sx1302-stat-temp.json", Some(23.2)),
    ] {
        let s = push_data(name).stat.unwrap();
        assert_eq!(
            s.time,
            UtcTime::parse_expanded("2014-01-12 08:59:28 GMT").unwrap(),
            "{name}"
        );
        assert_eq!(
            (s.lati, s.long, s.alti),
            (Some(46.24), Some(3.2523), Some(145)),
            "{name}"
        );
        assert_eq!(
            (s.rxnb, s.rxok, s.rxfw, s.ackr, s.dwnb, s.txnb),
            (2, 2, 2, Some(100.0), 2, 2),
            "{name}"
        );
        assert_eq!(s.temp, temp, "{name}");
    }
    let s = push_data("tts-status.json").stat.unwrap();
    assert_eq!(
        (s.alti, s.temp, s.rxnb, s.ackr),
        (Some(66), Some(-23.5), 0, Some(0.0))
    );
}

#[test]
fn tts_uplink() {
    let d = push_data("tts-uplink.json");
    let p = &d.rxpk[0];
    assert_eq!(
        (p.freq_hz, p.tmst, p.chan, p.rfch),
        (868_099_975, 445_526_776, Some(0), Some(0))
    );
    assert_eq!(
        (p.lsnr, p.rssi, p.coding_rate),
        (Some(-12.0), Some(-112), Some(CodingRate::Cr4_5))
    );
    assert_eq!(
        p.data_rate,
        DataRate::Lora {
            spreading_factor: 7,
            bandwidth_khz: 125
        }
    );
    assert_eq!(p.payload.as_slice().len(), 61);
    let bytes = datagram(Identifier::PushData, &fixture("tts-uplink-lrfhss.json"));
    assert_eq!(Packet::parse(&bytes), Err(UdpError::InvalidField("modu")));
}

#[test]
fn txpk_examples() {
    for name in ["protocol-txpk-lora.json", "tts-downlink.json"] {
        let t = txpk(name);
        assert_eq!(t.timing, TxTiming::Immediate, "{name}");
        assert_eq!(
            (t.freq_hz, t.rfch, t.powe, t.ipol),
            (864_123_456, 0, Some(14), Some(false)),
            "{name}"
        );
        assert_eq!(
            t.data_rate,
            DataRate::Lora {
                spreading_factor: 11,
                bandwidth_khz: 125
            },
            "{name}"
        );
        assert_eq!(t.coding_rate, Some(CodingRate::Cr4_6), "{name}");
        assert_eq!(t.payload.as_slice().len(), 32, "{name}");
    }
    let t = txpk("protocol-txpk-fsk.json");
    assert_eq!(
        (t.freq_hz, t.powe, t.fdev, t.data_rate),
        (
            861_300_000,
            Some(12),
            Some(3000),
            DataRate::Fsk { bitrate: 50_000 }
        )
    );
}

#[test]
fn txpk_ack_examples() {
    let cases = [
        (
            "sx1302-txpk-ack-error.json",
            TxPkAck {
                error: Some(TxError::CollisionPacket),
                warn: None,
                value: None,
            },
        ),
        (
            "sx1302-txpk-ack-warn.json",
            TxPkAck {
                error: None,
                warn: Some(TxWarning::TxPower),
                value: Some(AckValue::Number(20)),
            },
        ),
    ];
    for (name, want) in cases {
        let body = fixture(name);
        let bytes = datagram(Identifier::TxAck, &body);
        let p = Packet::parse(&bytes).unwrap();
        reparse(&p);
        let Packet::TxAck { ack, .. } = p else {
            panic!("{name}")
        };
        assert_eq!(ack, Some(want), "{name}");
    }
}

#[test]
fn jver2_and_multi_antenna() {
    let a = push_data("helium-jver2-a.json");
    let p = &a.rxpk[0];
    assert_eq!(
        (p.brd, p.chan, p.rssi, p.freq_hz, p.tmst),
        (Some(263), None, None, 868_500_000, 445_296_860)
    );
    assert_eq!(
        (
            p.rsig[0].ant,
            p.rsig[0].chan,
            p.rsig[0].lsnr,
            p.rsig[0].rssic
        ),
        (0, 7, Some(7.8), Some(-103))
    );
    assert_eq!(
        push_data("helium-jver2-b.json").rxpk[0].rsig[0].rssic,
        Some(-120)
    );

    let c = push_data("chirpstack-multi-antenna.json");
    let p = &c.rxpk[0];
    assert_eq!(p.payload.as_slice(), [1, 2, 3, 4, 5]);
    assert_eq!(
        p.data_rate,
        DataRate::Lora {
            spreading_factor: 12,
            bandwidth_khz: 500
        }
    );
    let [r0, r1] = &p.rsig[..] else { panic!() };
    assert_eq!(
        (r0.ant, r0.chan, r0.lsnr, r0.rssic),
        (8, 9, Some(6.6), Some(-70))
    );
    assert_eq!(r0.etime.unwrap().as_slice(), [2, 3, 4, 5]);
    assert_eq!(
        (r1.ant, r1.chan, r1.lsnr, r1.rssic, r1.etime),
        (9, 10, Some(7.7), Some(-80), None)
    );
}

#[test]
fn chirpstack_header_vectors() {
    // push_data_test.go TestPushDataTest: empty JSON object body, token 123 (little-endian in Go).
    let cases: [(&str, &[u8], [u8; 2], u64); 2] = [
        (
            "zero",
            &[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 123, 125],
            [0, 0],
            0,
        ),
        (
            "token and mac",
            &[2, 123, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 123, 125],
            [123, 0],
            0x0102_0304_0506_0708,
        ),
    ];
    for (name, bytes, token, eui) in cases {
        let p = Packet::parse(bytes).unwrap();
        assert_eq!(
            p,
            Packet::PushData {
                version: ProtocolVersion::V2,
                token: Token(token),
                gateway_eui: Eui64::from_u64(eui),
                data: PushData::default()
            },
            "{name}"
        );
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, bytes, "{name}");
    }
}
