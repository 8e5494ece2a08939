use super::*;
use serde_json::Value;

const GW: u64 = 0x0102_0304_0506_0708;
/// xtime with radio unit 1, session 0x2A and a µs counter whose low 32 bits are near wrapping.
const XTIME: i64 = (1 << 56) | (0x2A << 48) | 0x0000_FFFF_FFF0_0000;
const NOW_US: i64 = 1_700_000_000_000_000;

fn session() -> TrafficSession {
    TrafficSession::new(Eui64::from_u64(GW), Some("EU868"))
}

fn updf(xtime: i64) -> String {
    format!(
        r#"{{"msgtype":"updf","MHdr":64,"DevAddr":287454020,"FCtrl":0,"FCnt":25,"FOpts":"","FPort":1,"FRMPayload":"0102","MIC":12345678,"RefTime":0,"DR":5,"Freq":868100000,"upinfo":{{"rctx":1,"xtime":{xtime},"gpstime":1400000000123456,"fts":-1,"rssi":-50,"snr":9.25,"rxtime":1700000000.5}}}}"#
    )
}

fn json(b: &[u8]) -> Value {
    serde_json::from_slice(b).expect("JSON")
}

#[test]
fn updf_becomes_the_same_gateway_uplink_as_an_rxpk() {
    let mut s = session();
    let mut reply = Vec::new();
    let (kind, r) = s.on_text(updf(XTIME).as_bytes(), NOW_US, &mut reply);
    assert_eq!(kind, Some("updf"));
    let Ok(Inbound::Uplink(up)) = r else {
        panic!("{r:?}")
    };
    assert!(reply.is_empty());
    // MHDR | DevAddr LE | FCtrl | FCnt LE | FPort | FRMPayload | MIC LE (12345678 = 0x00BC614E).
    assert_eq!(
        up.phy_payload.as_slice(),
        &[
            0x40, 0x44, 0x33, 0x22, 0x11, 0x00, 0x19, 0x00, 0x01, 0x01, 0x02, 0x4E, 0x61, 0xBC,
            0x00
        ]
    );
    assert_eq!(up.rx.gateway_eui, Eui64::from_u64(GW));
    assert_eq!(
        up.rx.timestamp_us, XTIME as u32,
        "tmst = low 32 bits of xtime"
    );
    assert_eq!(up.rx.gps_time_ms, Some(1_400_000_000_123));
    assert_eq!((up.rx.rssi_dbm, up.rx.snr_db), (Some(-50.0), Some(9.25)));
    assert_eq!(up.rx.fine_timestamp_ns, None, "fts -1 means none");
    assert_eq!(
        (
            up.settings.frequency_hz,
            up.settings.spreading_factor,
            up.settings.bandwidth_hz
        ),
        (868_100_000, 7, 125_000),
        "EU868 DR5"
    );
}

#[test]
fn messages_and_drops_by_case() {
    type Check = fn(&Result<Inbound, TrafficDrop>, &[u8]);
    let cases: &[(&str, &str, Option<&str>, Check)] = &[
        (
            "version → router_config",
            r#"{"msgtype":"version","station":"2.0.6","protocol":2,"features":"prod"}"#,
            Some("version"),
            |r, reply| {
                assert!(matches!(r, Ok(Inbound::Reply)));
                let v = json(reply);
                assert_eq!(v["msgtype"], "router_config");
                assert_eq!(v["region"], "EU868");
                assert_eq!(v["freq_range"], serde_json::json!([863000000, 870000000]));
            },
        ),
        (
            "timesync",
            r#"{"msgtype":"timesync","txtime":123.456}"#,
            Some("timesync"),
            |r, reply| {
                assert!(matches!(r, Ok(Inbound::Reply)));
                let v = json(reply);
                assert_eq!(v["txtime"], 123.456);
                assert!(v["gpstime"].as_i64().unwrap() > 1_000_000_000_000_000);
            },
        ),
        (
            "dntxed",
            r#"{"msgtype":"dntxed","diid":35,"DevEui":"00-00-00-00-00-00-00-01","rctx":0,"xtime":1,"txtime":1.0,"gpstime":0}"#,
            Some("dntxed"),
            |r, _| match r {
                Ok(Inbound::TxAck(a)) => {
                    assert_eq!((a.token.to_u16(), a.error), (35, None));
                    assert_eq!(a.eui, Eui64::from_u64(GW));
                }
                other => panic!("{other:?}"),
            },
        ),
        (
            "dntxed with a diid no token has",
            r#"{"msgtype":"dntxed","diid":70000,"rctx":0,"xtime":1,"txtime":1.0,"gpstime":0}"#,
            Some("dntxed"),
            |r, _| assert_eq!(r.as_ref().err(), Some(&TrafficDrop::UnknownDiid)),
        ),
        (
            "propdf",
            r#"{"msgtype":"propdf","FRMPayload":"E0AA","DR":5,"Freq":868100000,"upinfo":{"rctx":0,"xtime":5,"gpstime":0,"rssi":-50,"snr":1,"rxtime":1.0}}"#,
            Some("propdf"),
            |r, _| assert!(matches!(r, Ok(Inbound::Proprietary))),
        ),
        ("broken JSON", r#"{"msgtype":"updf","#, None, |r, _| {
            assert!(matches!(r, Err(TrafficDrop::Malformed(_))))
        }),
        ("unknown msgtype", r#"{"msgtype":"hello"}"#, None, |r, _| {
            assert_eq!(r.as_ref().err(), Some(&TrafficDrop::UnknownMsgType))
        }),
        ("no msgtype", r#"{"x":1}"#, None, |r, _| {
            assert_eq!(r.as_ref().err(), Some(&TrafficDrop::UnknownMsgType))
        }),
    ];
    for (name, text, kind, check) in cases {
        let mut s = session();
        let mut reply = Vec::new();
        let (k, r) = s.on_text(text.as_bytes(), NOW_US, &mut reply);
        assert_eq!(k, *kind, "{name}");
        check(&r, &reply);
    }
    let mut no_region = TrafficSession::new(Eui64::from_u64(GW), None);
    let (_, r) = no_region.on_text(br#"{"msgtype":"version"}"#, NOW_US, &mut Vec::new());
    assert_eq!(r.err(), Some(TrafficDrop::NoRegion));
    let bad_dr = updf(XTIME).replace(r#""DR":5"#, r#""DR":15"#);
    let (_, r) = session().on_text(bad_dr.as_bytes(), NOW_US, &mut Vec::new());
    assert!(matches!(r, Err(TrafficDrop::BadFrame(_))), "{r:?}");
}

fn down(window: Window, tmst: u32) -> StationDown {
    StationDown {
        eui: Eui64::from_u64(GW),
        token: 7,
        dev_eui: Some(shared::types::DevEui::from_u64(0x70B3_D57E_D000_0001)),
        window,
        tmst,
        tx: shared::basicstation::TxWindow {
            dr: 5,
            freq_hz: 868_100_000,
        },
        rx2: Some(shared::basicstation::TxWindow {
            dr: 0,
            freq_hz: 869_525_000,
        }),
        pdu: Payload::new(&[0x60, 1, 2, 3]).unwrap(),
    }
}

#[test]
fn dnmsg_echoes_the_uplink_xtime_and_rctx_with_rx_delay() {
    let mut s = session();
    assert!(
        s.on_text(updf(XTIME).as_bytes(), NOW_US, &mut Vec::new())
            .1
            .is_ok()
    );
    // Another uplink later, to be skipped by the lookup.
    assert!(
        s.on_text(updf(XTIME + 3_333).as_bytes(), NOW_US, &mut Vec::new())
            .1
            .is_ok()
    );
    let up = XTIME as u32;
    let mut out = Vec::new();
    s.dnmsg(
        &down(Window::Rx1, up.wrapping_add(1_000_000)),
        NOW_US,
        &mut out,
    )
    .unwrap();
    let v = json(&out);
    assert_eq!(v["msgtype"], "dnmsg");
    assert_eq!(v["xtime"].as_i64(), Some(XTIME), "the uplink's full xtime");
    assert_eq!(v["rctx"], 1);
    assert_eq!(v["RxDelay"], 1);
    assert_eq!(
        (v["RX1DR"].as_i64(), v["RX1Freq"].as_i64()),
        (Some(5), Some(868_100_000))
    );
    assert_eq!(
        (v["RX2DR"].as_i64(), v["RX2Freq"].as_i64()),
        (Some(0), Some(869_525_000))
    );
    assert_eq!((v["diid"].as_i64(), v["dC"].as_i64()), (Some(7), Some(0)));
    assert_eq!(v["DevEui"], "70-B3-D5-7E-D0-00-00-01");
    assert_eq!(
        v["pdu"].as_str().map(str::to_ascii_uppercase).as_deref(),
        Some("60010203")
    );

    out.clear();
    // A join-accept in RX2: 6 s after the uplink, JOIN_ACCEPT_DELAY1 = 5.
    s.dnmsg(
        &down(Window::Rx2, up.wrapping_add(6_000_000)),
        NOW_US,
        &mut out,
    )
    .unwrap();
    let v = json(&out);
    assert_eq!(
        (v["RxDelay"].as_i64(), v["RX1DR"].as_i64()),
        (Some(5), None)
    );
    assert_eq!(v["RX2Freq"], 868_100_000);

    for (name, d) in [
        (
            "not whole seconds",
            down(Window::Rx1, up.wrapping_add(1_000_001)),
        ),
        ("too far", down(Window::Rx1, up.wrapping_add(16_000_000))),
        (
            "RX2 one second after",
            down(Window::Rx2, up.wrapping_add(1_000_000)),
        ),
    ] {
        assert_eq!(
            s.dnmsg(&d, NOW_US, &mut Vec::new()),
            Err(DownDrop::NoUplink),
            "{name}"
        );
    }
}

#[test]
fn memory_keeps_the_newest_uplinks() {
    let mut m = UplinkMemory::default();
    for i in 0..(MEMORY as i64 + 10) {
        m.remember(i * 10, i);
    }
    assert_eq!(m.find(10 + 1_000_000, Window::Rx1), None, "forgotten");
    let last = (MEMORY as i64 + 9) * 10;
    assert_eq!(
        m.find(last as u32 + 2_000_000, Window::Rx1),
        Some((last, MEMORY as i64 + 9, 2))
    );
}
