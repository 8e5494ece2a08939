//! End to end, LoRa Basics Station gateways against a whole node over loopback WebSocket. The
//! station here is written from the Basic Station documentation ("The LNS Protocol",
//! doc.sm.tc/station/tcproto.html; glossary for `xtime`/`rctx`; "Time synchronization"), with
//! `tokio-tungstenite` as its WebSocket client: it discovers its traffic URI on `/router-info`,
//! connects with its token in `Authorization`, sends `version`, `updf`, `timesync`, `dntxed`
//! as JSON it writes itself, and reads `router_config`, `dnmsg` and `timesync` replies as plain
//! JSON. Frames are built by `lrwn`; results are read from the SSE events stream and `/metrics`.
//!
//! Oracles: EU868 channels and windows from RP002-1.0.3 §2.1 (default channels 868.1/868.3/
//! 868.5 MHz, DR0–5 SF12–SF7 at 125 kHz, DR6 SF7 at 250 kHz, RX2 869.525 MHz DR0,
//! RECEIVE_DELAY1 1 s); the class A `dnmsg` carries the uplink's `xtime` and `rctx` with
//! `RxDelay` (Basic Station docs, "Downlink Message").

mod e2e_support;
mod events_support;

use base64::Engine;
use dataplane::config::BasicStationSection;
use dataplane::gateway::registry::{GatewayRecord, GatewayRegistry};
use dataplane::node::{self, Node};
use dataplane::sync::session_file::SessionRecord;
use e2e_support::*;
use events_support::post;
use futures_util::{SinkExt, StreamExt};
use lrwn::AES128Key;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The Basic Station gateway (with a token) and a Semtech UDP gateway.
const BS: u64 = 0x00B5_0000_0000_0001;
const UDP: u64 = 0x00B5_0000_0000_0002;
const TOKEN: &str = "station-secret-token";
/// The station's concentrator clock at the uplink: radio unit 0, session 0x17, 5 000 s.
const XTIME: i64 = (0x17 << 48) | 5_000_000_000;

/// argon2id of `token` at the Identity Server's token cost, as the control plane pushes it.
fn token_hash(token: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let params = argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap();
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::from_b64("ZTJlc2FsdHNhbHQ").unwrap();
    a.hash_password(token.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

fn start(sessions: Vec<SessionRecord>) -> Node {
    let rec = |eui, hash| GatewayRecord {
        eui: shared::types::Eui64::from_u64(eui),
        id: format!("gw-{eui:016x}"),
        region: Some("EU868".into()),
        auth_token_hash: hash,
    };
    let registry =
        GatewayRegistry::new([rec(BS, Some(token_hash(TOKEN))), rec(UDP, None)]).unwrap();
    let mut config = node_config(FAST);
    config.basicstation = Some(BasicStationSection {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..Default::default()
    });
    node::start(&config, registry, sessions).expect("node starts")
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A station: its traffic connection.
struct Station {
    ws: Ws,
}

impl Station {
    /// Discovery on `/router-info`, then the traffic URI with `auth`.
    async fn connect(node: &Node, eui: u64, auth: Option<&str>) -> Result<Self, WsError> {
        let addr = node.bs_addr.expect("LNS enabled");
        let (mut d, _) =
            tokio_tungstenite::connect_async(format!("ws://{addr}/router-info")).await?;
        // The station sends its EUI in ID6 form ("::b5:0:0:1" style is also accepted).
        d.send(Message::text(
            json!({ "router": format!("{eui:016x}") }).to_string(),
        ))
        .await?;
        let answer = next_json(&mut d).await;
        let uri = answer["uri"]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}"))
            .to_owned();
        assert!(uri.starts_with("ws://"), "{answer}");
        Self::open(&uri, auth).await
    }

    async fn open(uri: &str, auth: Option<&str>) -> Result<Self, WsError> {
        let mut req = uri.into_client_request()?;
        if let Some(a) = auth {
            req.headers_mut()
                .insert("Authorization", a.parse().expect("header value"));
        }
        let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req))
            .await
            .expect("connect in time")?;
        Ok(Self { ws })
    }

    async fn send(&mut self, v: Value) {
        self.ws
            .send(Message::text(v.to_string()))
            .await
            .expect("send");
    }

    async fn recv(&mut self) -> Value {
        next_json(&mut self.ws).await
    }

    /// `updf` for the lrwn-built `phy` (LNS protocol "Uplink Data Frame": fields of the
    /// PHYPayload, FOpts/FRMPayload hex, DevAddr and MIC as signed 32-bit integers).
    async fn updf(&mut self, phy: &[u8], xtime: i64) {
        let n = phy.len();
        let fopts_len = usize::from(phy[5] & 0x0F);
        let port_at = 8 + fopts_len;
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
        let (fport, frm) = if n - 4 > port_at {
            (i64::from(phy[port_at]), hex(&phy[port_at + 1..n - 4]))
        } else {
            (-1, String::new())
        };
        self.send(json!({
            "msgtype": "updf",
            "MHdr": phy[0],
            "DevAddr": i32::from_le_bytes(phy[1..5].try_into().unwrap()),
            "FCtrl": phy[5],
            "FCnt": u16::from_le_bytes([phy[6], phy[7]]),
            "FOpts": hex(&phy[8..port_at]),
            "FPort": fport,
            "FRMPayload": frm,
            "MIC": i32::from_le_bytes(phy[n - 4..].try_into().unwrap()),
            "RefTime": 0.0,
            "DR": 5,
            "Freq": 868_100_000,
            "upinfo": {
                "rctx": 0, "xtime": xtime, "gpstime": 0, "fts": -1,
                "rssi": -42, "snr": 7.5, "rxtime": 1_700_000_000.0
            }
        }))
        .await;
    }
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a message in time")
            .expect("stream open")
            .expect("message");
        match m {
            Message::Text(t) => return serde_json::from_str(t.as_str()).expect("JSON"),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn hex_u64(v: &Value) -> u64 {
    u64::from_str_radix(&v.as_str().unwrap().replace(['-', ':'], ""), 16).unwrap()
}

async fn bs_metric(node: &Node, name: &str, labels: &str, want: u64) -> String {
    wait_metric(node, name, want, |t| sample(t, name, labels).unwrap_or(0)).await
}

#[test]
fn station_discovers_configures_uplinks_and_gets_class_a_downlinks() {
    let dev = Device::new("dev-bs", 0x2601_7007, false, 0x71);
    let node = start(vec![dev.record(Some(1))]);
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let mut st = Station::connect(&node, BS, Some(&format!("Bearer {TOKEN}")))
            .await
            .expect("traffic connection");
        st.send(json!({"msgtype":"version","station":"2.0.6(rpi/std)","firmware":null,"package":null,"model":"rpi","protocol":2,"features":"rmtsh"})).await;
        let rc = st.recv().await;
        assert_eq!(rc["msgtype"], "router_config");
        assert_eq!(rc["region"], "EU868");
        assert_eq!(rc["freq_range"], json!([863_000_000, 870_000_000]));
        let drs = rc["DRs"].as_array().expect("DRs");
        for (dr, sf) in [(0, 12), (1, 11), (2, 10), (3, 9), (4, 8), (5, 7)] {
            assert_eq!(drs[dr], json!([sf, 125, 0]), "DR{dr}");
        }
        assert_eq!(drs[6], json!([7, 250, 0]), "DR6");
        let conf = &rc["sx1301_conf"][0];
        let mut freqs: Vec<i64> = (0..8)
            .filter_map(|i| {
                let c = &conf[format!("chan_multiSF_{i}")];
                (c["enable"] == true).then(|| {
                    let radio = &conf[format!("radio_{}", c["radio"].as_i64().unwrap())];
                    radio["freq"].as_i64().unwrap() + c["if"].as_i64().unwrap()
                })
            })
            .collect();
        freqs.sort_unstable();
        assert_eq!(freqs, vec![868_100_000, 868_300_000, 868_500_000], "{conf}");

        // An uplink becomes an application event with this station's reception.
        st.updf(&dev.uplink(2, 1, b"hi"), XTIME).await;
        let up = sse.next().await;
        assert_eq!(
            (up["type"].as_str(), up["fcnt"].as_u64()),
            (Some("uplink"), Some(2)),
            "{up}"
        );
        assert_eq!(
            up["frm_payload"]
                .as_str()
                .map(str::to_ascii_uppercase)
                .as_deref(),
            Some("6869")
        );
        let rx = &up["rx_metadata"][0];
        assert_eq!(hex_u64(&rx["gateway_eui"]), BS, "{up}");
        assert_eq!(
            rx["timestamp_us"].as_u64(),
            Some(XTIME as u32 as u64),
            "{up}"
        );

        // A pushed downlink rides a confirmed uplink as a class A dnmsg in RX1.
        let b64 = base64::engine::general_purpose::STANDARD.encode(b"down");
        let path = format!("/api/v1/applications/{APP}/devices/{}/down/push", dev.id);
        let (status, _, body) = post(
            node.http_addr,
            &path,
            &format!(r#"{{"f_port":42,"frm_payload":"{b64}"}}"#),
        )
        .await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(sse.next().await["type"], "downlink_queued");
        let xtime2 = XTIME + 7_000_000;
        st.updf(&dev.frame(3, 1, b"c", true, false), xtime2).await;
        let dn = st.recv().await;
        assert_eq!(dn["msgtype"], "dnmsg", "{dn}");
        assert_eq!(
            dn["xtime"].as_i64(),
            Some(xtime2),
            "the uplink's xtime: {dn}"
        );
        assert_eq!(dn["RxDelay"], 1, "{dn}");
        assert_eq!(dn["rctx"], 0, "{dn}");
        assert_eq!(
            (dn["RX1DR"].as_i64(), dn["RX1Freq"].as_i64()),
            (Some(5), Some(868_100_000))
        );
        assert_eq!(
            (dn["RX2DR"].as_i64(), dn["RX2Freq"].as_i64()),
            (Some(0), Some(869_525_000))
        );
        assert_eq!(dn["dC"], 0);
        assert_eq!(hex_u64(&dn["DevEui"]), dev.dev_eui());
        let pdu: Vec<u8> = (0..dn["pdu"].as_str().unwrap().len() / 2)
            .map(|i| {
                u8::from_str_radix(&dn["pdu"].as_str().unwrap()[2 * i..2 * i + 2], 16).unwrap()
            })
            .collect();
        let mut phy = lrwn::PhyPayload::from_slice(&pdu).expect("lrwn parses the dnmsg pdu");
        assert!(
            phy.validate_downlink_data_mic(
                lrwn::MACVersion::LoRaWAN1_0,
                0,
                &AES128Key::from_bytes(dev.keys[0])
            )
            .unwrap()
        );
        phy.decrypt_frm_payload(&AES128Key::from_bytes(dev.keys[3]))
            .unwrap();
        let lrwn::Payload::MACPayload(p) = &phy.payload else {
            panic!("{phy:?}")
        };
        assert!(p.fhdr.f_ctrl.ack, "ACK for the confirmed uplink");
        assert_eq!(p.f_port, Some(42));
        // The uplink event, then nothing until the station confirms transmission.
        assert_eq!(sse.next().await["fcnt"], 3);
        assert!(sse.next_within(Duration::from_millis(100)).await.is_none());
        st.send(json!({"msgtype":"dntxed","diid":dn["diid"],"DevEui":dn["DevEui"],"rctx":0,"xtime":xtime2 + 1_000_000,"txtime":1_700_000_001.0,"gpstime":0})).await;
        let sent = sse.next().await;
        assert_eq!(sent["type"], "downlink_sent", "{sent}");
        bs_metric(&node, "dataplane_bs_dntxed_in_total", "", 1).await;
        bs_metric(&node, "dataplane_bs_dnmsg_out_total", "", 1).await;

        // timesync: the server's GPS time (GPS = Unix − 315 964 800 s + 18 leap seconds).
        st.send(json!({"msgtype":"timesync","txtime":123.25})).await;
        let ts = st.recv().await;
        assert_eq!(ts["txtime"], 123.25, "{ts}");
        let now_unix_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros() as i64;
        let want = now_unix_us - 315_964_800_000_000 + 18_000_000;
        let got = ts["gpstime"].as_i64().expect("gpstime");
        assert!((got - want).abs() < 5_000_000, "gpstime {got} vs {want}");

        let text = bs_metric(
            &node,
            "dataplane_bs_messages_in_total",
            "msgtype=\"timesync\"",
            1,
        )
        .await;
        assert_eq!(
            sample(&text, "dataplane_bs_connections", ""),
            Some(1),
            "{text}"
        );
        assert_eq!(
            sample(&text, "dataplane_bs_messages_in_total", "msgtype=\"updf\""),
            Some(2)
        );
        for m in ["version", "dntxed"] {
            assert_eq!(
                sample(
                    &text,
                    "dataplane_bs_messages_in_total",
                    &format!("msgtype=\"{m}\"")
                ),
                Some(1),
                "{m}"
            );
        }
    });
    node.stop();
}

#[test]
fn one_uplink_heard_over_udp_and_basic_station_is_one_event() {
    let dev = Device::new("dev-mixed", 0x2601_7008, false, 0x72);
    let node = start(vec![dev.record(Some(1))]);
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let g = Gateway::connect(UDP, node.udp_addr).await;
        let mut st = Station::connect(&node, BS, Some(TOKEN))
            .await
            .expect("traffic");
        st.send(json!({"msgtype":"version","station":"x"})).await;
        st.recv().await;
        let phy = dev.uplink(5, 3, b"both");
        g.send(&phy, 2.0).await;
        st.updf(&phy, XTIME).await;
        let up = sse.next().await;
        assert_eq!(up["fcnt"], 5, "{up}");
        let mut gws: Vec<u64> = up["rx_metadata"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| hex_u64(&r["gateway_eui"]))
            .collect();
        gws.sort_unstable();
        assert_eq!(gws, vec![BS, UDP], "both receptions in one event: {up}");
        assert!(
            sse.next_within(Duration::from_millis(300)).await.is_none(),
            "exactly one event"
        );
        g.close().await;
    });
    node.stop();
}

#[test]
fn bad_input_is_counted_and_the_node_keeps_serving() {
    let dev = Device::new("dev-bad", 0x2601_7009, false, 0x73);
    let node = start(vec![dev.record(Some(1))]);
    block_on(async {
        let addr = node.bs_addr.unwrap();
        let status = |r: Result<Station, WsError>| match r {
            Err(WsError::Http(resp)) => resp.status().as_u16(),
            Err(e) => panic!("{e}"),
            Ok(_) => 101,
        };
        let traffic = |eui: u64| format!("ws://{addr}/traffic/{eui:016x}");
        assert_eq!(
            status(Station::open(&traffic(0xDEAD), None).await),
            404,
            "unknown EUI"
        );
        assert_eq!(
            status(Station::open(&format!("ws://{addr}/traffic/nope"), None).await),
            400
        );
        assert_eq!(
            status(Station::open(&traffic(BS), None).await),
            401,
            "no token"
        );
        assert_eq!(
            status(Station::open(&traffic(BS), Some("Bearer wrong")).await),
            403
        );
        let text = bs_metric(&node, "dataplane_bs_drops_total", "reason=\"bad_auth\"", 1).await;
        for r in ["unknown_gateway", "bad_eui", "missing_auth"] {
            assert_eq!(
                sample(
                    &text,
                    "dataplane_bs_drops_total",
                    &format!("reason=\"{r}\"")
                ),
                Some(1),
                "{r}"
            );
        }

        let mut st = Station::open(&traffic(BS), Some(TOKEN))
            .await
            .expect("traffic");
        st.ws
            .send(Message::text("{\"msgtype\":\"updf\","))
            .await
            .unwrap();
        st.send(json!({"msgtype":"getxtime"})).await;
        // Still served: version is answered after the bad messages.
        st.send(json!({"msgtype":"version"})).await;
        assert_eq!(st.recv().await["msgtype"], "router_config");
        bs_metric(&node, "dataplane_bs_drops_total", "reason=\"malformed\"", 1).await;
        bs_metric(
            &node,
            "dataplane_bs_drops_total",
            "reason=\"unknown_msgtype\"",
            1,
        )
        .await;
        // An oversized message and a binary one each close their connection.
        st.ws
            .send(Message::text(" ".repeat(64 * 1024)))
            .await
            .unwrap();
        bs_metric(&node, "dataplane_bs_drops_total", "reason=\"oversize\"", 1).await;
        let mut st = Station::open(&traffic(BS), Some(TOKEN))
            .await
            .expect("traffic");
        st.ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
        bs_metric(&node, "dataplane_bs_drops_total", "reason=\"binary\"", 1).await;
        drop(st);

        // Other gateways are still served.
        let mut sse = subscribe(&node, 1).await;
        let g = Gateway::connect(UDP, node.udp_addr).await;
        g.send(&dev.uplink(2, 1, b"ok"), 1.0).await;
        assert_eq!(sse.next().await["fcnt"], 2);
        g.close().await;
    });
    node.stop();
}
