//! End to end, gateway side: `semtech-udp` client runtimes forward `lrwn`-built frames to a
//! whole node over loopback; the application's SSE and WebSocket streams show the result.
//!
//! - Multi-gateway dedup: one frame from three registered gateways within the window is exactly
//!   one event with three `rx_metadata` entries (best SNR first); an unregistered gateway's copy
//!   and keepalive are `unknown_gateway` drops and add nothing.
//! - Semtech UDP handshake: PUSH_ACK and PULL_ACK echo the token (decoded by `semtech-udp`), and
//!   only registered gateways get them.
//! - Bad datagrams (garbage, broken JSON, a PHYPayload that is no frame) are `parse` drops; the
//!   node keeps serving.

mod e2e_support;
mod events_support;

use e2e_support::*;
use futures_util::StreamExt;
use semtech_udp::{Down, MacAddress, Packet, SerializablePacket, pull_data, push_data};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio_tungstenite::tungstenite::Message;

const GW: [u64; 3] = [
    0xAA55_5A00_0000_0001,
    0xAA55_5A00_0000_0002,
    0xAA55_5A00_0000_0003,
];
const GW_UNKNOWN: u64 = 0xAA55_5A00_0000_00FF;

#[test]
fn three_gateways_one_event_with_three_receptions() {
    let dev = Device::new("dev-dedup", 0x2601_1001, false, 1);
    // The production default window: three copies over loopback need far less, even on a
    // loaded machine.
    let timing = Timing {
        window_ms: 200,
        ..FAST
    };
    let node = start_node(&GW, vec![dev.record(None)], timing);
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let url = format!("ws://{}{EVENTS}/ws", node.http_addr);
        let (mut ws, resp) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
            .await
            .expect("ws handshake in time")
            .expect("ws handshake");
        assert_eq!(resp.status(), 101);
        wait_subscribers(&node, 2).await;

        let mut gws = Vec::new();
        for eui in GW {
            gws.push(Gateway::connect(eui, node.udp_addr).await);
        }
        let stranger = Gateway::connect(GW_UNKNOWN, node.udp_addr).await;

        // Same bytes from every gateway at once; SNRs pick the order of `rx_metadata`.
        let phy = dev.uplink(1, 10, b"dedup");
        tokio::join!(
            gws[0].send(&phy, 2.0),
            gws[1].send(&phy, 9.5),
            gws[2].send(&phy, -4.0),
            stranger.send(&phy, 12.0),
        );
        let v = sse.next().await;
        assert_uplink(&v, &dev, 1, 10, b"dedup", &GW);
        let order: Vec<f64> = v["rx_metadata"]
            .as_array()
            .expect("rx_metadata")
            .iter()
            .map(|r| r["snr_db"].as_f64().expect("snr_db"))
            .collect();
        assert_eq!(order, [9.5, 2.0, -4.0], "best reception first: {v}");

        let ws_v = loop {
            let msg = tokio::time::timeout(WAIT, ws.next())
                .await
                .expect("ws message in time")
                .expect("ws open")
                .expect("ws message");
            match msg {
                Message::Text(t) => {
                    break serde_json::from_str::<serde_json::Value>(&t).expect("JSON");
                }
                Message::Ping(_) | Message::Pong(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        };
        assert_eq!(ws_v, v, "WebSocket and SSE carry the same event");

        // The stranger's PULL_DATA keepalive and PUSH_DATA are refused.
        wait_drops(&node, "unknown_gateway", 2).await;
        // Exactly one event: the next one is the device's next frame, from one gateway.
        gws[0].send(&dev.uplink(2, 10, b"next"), 1.0).await;
        assert_uplink(&sse.next().await, &dev, 2, 10, b"next", &GW[..1]);
        let text = wait_metric(&node, "delivered", 2, |t| {
            sample(t, "dataplane_uplinks_delivered_total", "").unwrap_or(0)
        })
        .await;
        for r in ["dedup_late", "retransmission", "parse", "mic_mismatch"] {
            assert_eq!(drops(&text, r), 0, "{r}\n{text}");
        }
        for g in gws {
            g.close().await;
        }
        stranger.close().await;
    });
    node.stop();
}

/// A raw socket speaking Semtech UDP through `semtech-udp`'s codec.
struct RawGateway {
    socket: UdpSocket,
}

impl RawGateway {
    async fn connect(node: &dataplane::node::Node) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
        socket.connect(node.udp_addr).await.expect("connect");
        Self { socket }
    }

    async fn send(&self, p: impl Into<Packet>) {
        let mut buf = [0u8; 2048];
        let n = p.into().serialize(&mut buf).expect("serialise") as usize;
        self.send_raw(&buf[..n]).await;
    }

    async fn send_raw(&self, bytes: &[u8]) {
        self.socket.send(bytes).await.expect("send");
    }

    /// The next datagram from the node, decoded by `semtech-udp`; `None` after `wait`.
    async fn reply(&self, wait: Duration) -> Option<Down> {
        let mut buf = [0u8; 2048];
        let n = tokio::time::timeout(wait, self.socket.recv(&mut buf))
            .await
            .ok()?
            .expect("recv");
        Some(Packet::parse_downlink(&buf[..n]).expect("a downlink packet"))
    }
}

fn push(eui: u64, token: u16, phy: &[u8]) -> push_data::Packet {
    let mac = MacAddress::from(eui.to_be_bytes());
    let mut p = push_data::Packet::from_rxpk(mac, rxpk(eui, phy, 7.0));
    p.random_token = token;
    p
}

fn pull(eui: u64, token: u16) -> pull_data::Packet {
    let mut p = pull_data::Packet::new(token);
    p.gateway_mac = MacAddress::from(eui.to_be_bytes());
    p
}

#[test]
fn acks_echo_tokens_and_bad_datagrams_are_parse_drops() {
    let dev = Device::new("dev-raw", 0x2601_1002, false, 2);
    let node = start_node(&GW, vec![dev.record(None)], FAST);
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let gw = RawGateway::connect(&node).await;
        let short = Duration::from_millis(200);

        gw.send(pull(GW[0], 0x1234)).await;
        match gw.reply(WAIT).await {
            Some(Down::PullAck(a)) => assert_eq!(a.random_token, 0x1234),
            other => panic!("expected PULL_ACK, got {other:?}"),
        }
        gw.send(push(GW[0], 0xBEEF, &dev.uplink(7, 3, b"raw")))
            .await;
        match gw.reply(WAIT).await {
            Some(Down::PushAck(a)) => assert_eq!(a.random_token, 0xBEEF),
            other => panic!("expected PUSH_ACK, got {other:?}"),
        }
        assert_uplink(&sse.next().await, &dev, 7, 3, b"raw", &GW[..1]);

        // An unregistered gateway gets no acknowledgement.
        gw.send(pull(GW_UNKNOWN, 1)).await;
        gw.send(push(GW_UNKNOWN, 2, &dev.uplink(8, 3, b"no"))).await;
        wait_drops(&node, "unknown_gateway", 2).await;
        assert!(gw.reply(short).await.is_none(), "no ACK for a stranger");

        // Bad datagrams: none is answered, each is one `parse` drop.
        let mut broken_json = vec![2, 0x12, 0x34, 0];
        broken_json.extend_from_slice(&GW[1].to_be_bytes());
        broken_json.extend_from_slice(br#"{"rxpk":[{"tmst":1,"freq":868.1,"#);
        let bad: [&[u8]; 3] = [
            b"\xde\xad\xbe\xef garbage, not Semtech UDP",
            &broken_json,
            &[2],
        ];
        for d in bad {
            gw.send_raw(d).await;
        }
        wait_drops(&node, "parse", 3).await;
        // Valid Semtech UDP whose PHYPayload is no LoRaWAN frame: acknowledged, then dropped.
        gw.send(push(GW[1], 0x0101, &[0x40, 1, 2])).await;
        match gw.reply(WAIT).await {
            Some(Down::PushAck(a)) => assert_eq!(a.random_token, 0x0101),
            other => panic!("expected PUSH_ACK, got {other:?}"),
        }
        wait_drops(&node, "parse", 4).await;
        assert!(
            gw.reply(short).await.is_none(),
            "bad datagrams get no reply"
        );

        // Still serving: the next frame of the device is its next event.
        let g = Gateway::connect(GW[2], node.udp_addr).await;
        g.send(&dev.uplink(9, 3, b"alive"), 3.0).await;
        assert_uplink(&sse.next().await, &dev, 9, 3, b"alive", &GW[2..]);
        let text = metrics(&node).await;
        assert_eq!(drops(&text, "unknown_gateway"), 2, "{text}");
        assert_eq!(drops(&text, "parse"), 4, "{text}");
        g.close().await;
    });
    node.stop();
}
