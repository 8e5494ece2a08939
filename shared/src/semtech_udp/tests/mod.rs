//! Byte-level cases per message, named; round trips in `round_trip.rs`.

use super::*;

const EUI: [u8; 8] = [0xAA, 0x55, 0x5A, 0x00, 0x00, 0x00, 0x01, 0x01];

fn datagram(id: u8, eui: bool, body: &str) -> Vec<u8> {
    let mut b = vec![2, 0x12, 0x34, id];
    if eui {
        b.extend_from_slice(&EUI);
    }
    b.extend_from_slice(body.as_bytes());
    b
}

fn lora_rxpk() -> RxPk {
    RxPk {
        time: UtcTime::parse_compact("2013-03-31T16:21:17.528002Z"),
        tmms: None,
        tmst: 3_512_348_611,
        ftime: None,
        freq_hz: 868_100_000,
        chan: Some(2),
        rfch: Some(0),
        brd: None,
        crc: Some(CrcStatus::Ok),
        data_rate: DataRate::Lora {
            spreading_factor: 7,
            bandwidth_khz: 125,
        },
        coding_rate: Some(CodingRate::Cr4_5),
        rssi: Some(-35),
        rssis: None,
        lsnr: Some(5.1),
        foff: None,
        payload: Payload::new(&[0x40, 1, 2, 3, 4, 0, 1, 0, 1, 0xA, 0xB, 0xC, 0xD]).unwrap(),
        rsig: vec![],
    }
}

#[test]
fn emit_bytes_per_message() {
    let (version, token, gateway_eui) = (
        ProtocolVersion::V2,
        Token([0x12, 0x34]),
        Eui64::from_be_bytes(EUI),
    );
    let txpk = TxPk {
        timing: TxTiming::Tmst(1_000_000),
        freq_hz: 869_525_000,
        rfch: 0,
        powe: Some(14),
        brd: None,
        ant: None,
        data_rate: DataRate::Lora {
            spreading_factor: 9,
            bandwidth_khz: 125,
        },
        coding_rate: Some(CodingRate::Cr4_5),
        fdev: None,
        ipol: Some(true),
        prea: None,
        ncrc: None,
        payload: Payload::new(&[0x60, 1, 2]).unwrap(),
    };
    let push = PushData {
        rxpk: vec![lora_rxpk()],
        stat: None,
    };
    let cases: Vec<(&str, Packet<'_>, Vec<u8>)> = vec![
        (
            "push_ack",
            Packet::PushAck { version, token },
            vec![2, 0x12, 0x34, 1],
        ),
        (
            "pull_ack",
            Packet::PullAck { version, token },
            vec![2, 0x12, 0x34, 4],
        ),
        (
            "pull_data",
            Packet::PullData {
                version,
                token,
                gateway_eui,
            },
            datagram(2, true, ""),
        ),
        (
            "tx_ack empty",
            Packet::TxAck {
                version,
                token,
                gateway_eui,
                ack: None,
            },
            datagram(5, true, ""),
        ),
        (
            "tx_ack too_late",
            Packet::TxAck {
                version,
                token,
                gateway_eui,
                ack: Some(TxPkAck {
                    error: Some(TxError::TooLate),
                    ..Default::default()
                }),
            },
            datagram(5, true, r#"{"txpk_ack":{"error":"TOO_LATE"}}"#),
        ),
        (
            "tx_ack warn",
            Packet::TxAck {
                version,
                token,
                gateway_eui,
                ack: Some(TxPkAck {
                    error: None,
                    warn: Some(TxWarning::TxPower),
                    value: Some(AckValue::Number(20)),
                }),
            },
            datagram(5, true, r#"{"txpk_ack":{"warn":"TX_POWER","value":20}}"#),
        ),
        (
            "pull_resp",
            Packet::PullResp {
                version,
                token,
                txpk,
            },
            datagram(
                3,
                false,
                r#"{"txpk":{"imme":false,"tmst":1000000,"freq":869.525,"rfch":0,"powe":14,"modu":"LORA","datr":"SF9BW125","codr":"4/5","ipol":true,"size":3,"data":"YAEC"}}"#,
            ),
        ),
        (
            "push_data",
            Packet::PushData {
                version,
                token,
                gateway_eui,
                data: push,
            },
            datagram(
                0,
                true,
                r#"{"rxpk":[{"time":"2013-03-31T16:21:17.528002Z","tmst":3512348611,"freq":868.1,"chan":2,"rfch":0,"stat":1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","rssi":-35,"lsnr":5.1,"size":13,"data":"QAECAwQAAQABCgsMDQ=="}]}"#,
            ),
        ),
    ];
    for (name, packet, bytes) in cases {
        let mut out = vec![];
        packet.emit(&mut out).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&bytes),
            "{name}"
        );
        assert_eq!(Packet::parse(&bytes).as_ref(), Ok(&packet), "{name}");
    }
}

#[test]
fn parse_errors() {
    let rx = |members: &str| datagram(0, true, &format!(r#"{{"rxpk":[{{{members}}}]}}"#));
    let base =
        r#""tmst":1,"freq":868.1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","data":"AQID""#;
    let without = |field: &str| {
        let kept: Vec<&str> = base
            .split(',')
            .filter(|m| !m.starts_with(&format!("\"{field}\"")))
            .collect();
        rx(&kept.join(","))
    };
    let cases: Vec<(&str, Vec<u8>, UdpError)> = vec![
        ("no freq", without("freq"), UdpError::MissingField("freq")),
        ("no datr", without("datr"), UdpError::MissingField("datr")),
        ("no data", without("data"), UdpError::MissingField("data")),
        ("no modu", without("modu"), UdpError::MissingField("modu")),
        ("no tmst", without("tmst"), UdpError::MissingField("tmst")),
        (
            "no codr for lora",
            without("codr"),
            UdpError::MissingField("codr"),
        ),
        (
            "size mismatch",
            rx(&format!("{base},\"size\":4")),
            UdpError::SizeMismatch {
                size: 4,
                decoded: 3,
            },
        ),
        (
            "bad base64",
            rx(
                r#""tmst":1,"freq":868.1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","data":"A-ID""#,
            ),
            UdpError::InvalidBase64("data"),
        ),
        (
            "bad stat",
            rx(&format!("{base},\"stat\":2")),
            UdpError::InvalidField("stat"),
        ),
        (
            "bad time",
            rx(&format!("{base},\"time\":\"yesterday\"")),
            UdpError::InvalidField("time"),
        ),
        (
            "negative freq",
            rx(r#""tmst":1,"freq":-1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","data":"AQID""#),
            UdpError::InvalidField("freq"),
        ),
        (
            "oversized payload",
            rx(&format!(
                r#""tmst":1,"freq":868.1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","data":"{}""#,
                "A".repeat(344)
            )),
            UdpError::TooLong {
                field: "data",
                len: 258,
            },
        ),
        (
            "rsig without ant",
            rx(&format!(r#"{base},"rsig":[{{"chan":1}}]"#)),
            UdpError::MissingField("ant"),
        ),
        (
            "stat without rxnb",
            datagram(0, true, r#"{"stat":{"time":"2014-01-12 08:59:28 GMT"}}"#),
            UdpError::MissingField("rxnb"),
        ),
        (
            "txpk missing",
            datagram(3, false, "{}"),
            UdpError::MissingField("txpk"),
        ),
        (
            "txpk no timing",
            datagram(
                3,
                false,
                r#"{"txpk":{"freq":869.525,"rfch":0,"modu":"FSK","datr":50000,"data":""}}"#,
            ),
            UdpError::MissingField("tmst"),
        ),
        (
            "unknown tx error",
            datagram(5, true, r#"{"txpk_ack":{"error":"ON_FIRE"}}"#),
            UdpError::InvalidField("error"),
        ),
        (
            "pull_ack trailing",
            vec![2, 0, 0, 4, 0],
            UdpError::TrailingData(1),
        ),
        (
            "push_data empty body",
            datagram(0, true, ""),
            UdpError::Json {
                kind: JsonErrorKind::Eof,
                line: 1,
                column: 0,
            },
        ),
        (
            "push_data syntax",
            datagram(0, true, "{rxpk"),
            UdpError::Json {
                kind: JsonErrorKind::Syntax,
                line: 1,
                column: 2,
            },
        ),
        (
            "rxpk wrong type",
            datagram(0, true, r#"{"rxpk":{}}"#),
            UdpError::Json {
                kind: JsonErrorKind::Data,
                line: 1,
                column: 8,
            },
        ),
        (
            "chan out of range",
            rx(&format!("{base},\"chan\":300")),
            UdpError::Json {
                kind: JsonErrorKind::Data,
                line: 1,
                column: 101,
            },
        ),
    ];
    for (name, bytes, want) in cases {
        assert_eq!(Packet::parse(&bytes), Err(want), "{name}");
    }
}

#[test]
fn tolerant_cases() {
    // Unknown members, trailing NUL, escaped strings, FSK without codr, stat only, empty body.
    let cases = [
        (
            "unknown members",
            r#"{"rxpk":[{"jver":2,"aesk":0,"delayed":false,"tmst":1,"freq":868.1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","data":"AQID","hpw":"x"}],"meta":{"a":1}}"#,
        ),
        (
            "escaped strings",
            r#"{"rxpk":[{"tmst":1,"freq":868.1,"modu":"LO\u0052A","datr":"SF7BW125","codr":"4\/5","data":"AQID"}]}"#,
        ),
        (
            "fsk",
            r#"{"rxpk":[{"tmst":1,"freq":869.1,"modu":"FSK","datr":50000,"data":"AQID"}]}"#,
        ),
        ("rxpk null", r#"{"rxpk":null}"#),
        ("empty", "{}\0"),
    ];
    for (name, body) in cases {
        let bytes = datagram(0, true, body);
        assert!(
            Packet::parse(&bytes).is_ok(),
            "{name}: {:?}",
            Packet::parse(&bytes)
        );
    }
    let Ok(Packet::PushData { data, .. }) = Packet::parse(&datagram(0, true, cases[1].1)) else {
        panic!()
    };
    assert_eq!(data.rxpk[0].coding_rate, Some(CodingRate::Cr4_5));
}

#[test]
fn every_tx_error_round_trips() {
    for (e, text) in TX_ERRORS {
        let bytes = datagram(5, true, &format!(r#"{{"txpk_ack":{{"error":"{text}"}}}}"#));
        let Ok(Packet::TxAck { ack: Some(ack), .. }) = Packet::parse(&bytes) else {
            panic!("{text}")
        };
        assert_eq!(ack.error, Some(e), "{text}");
        assert_eq!(ack.is_accepted(), e == TxError::None, "{text}");
    }
}

#[test]
fn nan_is_unencodable_and_leaves_buffer() {
    let mut rx = lora_rxpk();
    rx.lsnr = Some(f32::NAN);
    let p = Packet::PushData {
        version: ProtocolVersion::V2,
        token: Token([0, 0]),
        gateway_eui: Eui64::default(),
        data: PushData {
            rxpk: vec![rx],
            stat: None,
        },
    };
    let mut out = vec![9];
    assert_eq!(p.emit(&mut out), Err(UdpError::InvalidField("lsnr")));
    assert_eq!(out, [9]);
}

mod round_trip;
