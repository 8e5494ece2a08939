//! End to end, class A downlinks: `semtech-udp` gateways and `lrwn`-built frames against a whole
//! node over loopback, the downlinks checked with `lrwn` (MIC, FCnt, FCtrl, FPort, decrypted
//! FRMPayload) and the `semtech-udp` `txpk` (RX1/RX2 timing, frequency, data rate for EU868,
//! RP002-1.0.3 §2.1.7–2.1.8: RX1 on the uplink channel and DR with offset 0, RX2 869.525 MHz
//! DR0, RECEIVE_DELAY1 = 1 s, RECEIVE_DELAY2 = 2 s), answered with the client's TX_ACK API.
//!
//! - A confirmed uplink gets an ACK in RX1, sealed with the device's keys and NFCntDown 0,
//!   then 1 for the next; the TX_ACK counts as sent.
//! - An application downlink pushed over HTTP rides the next unconfirmed uplink with its FPort
//!   and payload; `downlink_queued` and `downlink_sent` follow on the events stream.
//! - TOO_LATE on RX1 brings an RX2 PULL_RESP with the same frame; TOO_LATE again is
//!   `downlink_failed`.
//! - Two gateways hear the uplink: exactly one (the better SNR) gets the downlink, on its own
//!   socket.

mod e2e_support;
mod events_support;

use base64::Engine;
use e2e_support::*;
use events_support::post;
use lrwn::{AES128Key, MACVersion};
use semtech_udp::client_runtime::DownlinkRequest;
use semtech_udp::tx_ack::Error as TxAckError;
use std::time::Duration;

const GW: [u64; 2] = [0x00B0_0000_0000_0001, 0x00B0_0000_0000_0002];

/// The uplink `tmst` gateway `eui` reports (see `e2e_support::rxpk`).
fn uplink_tmst(eui: u64) -> u32 {
    1_000_000 + eui as u32
}

/// Waits until the node has received `n` datagrams (the gateways' first PULL_DATAs), so every
/// core knows where the gateways take downlinks before the first uplink.
async fn wait_routes(node: &dataplane::node::Node, n: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let text = metrics(node).await;
        if sample(&text, "dataplane_packets_in_total", "").unwrap_or(0) >= n {
            // The route crosses the mesh on the next loop turn (≤ 1 ms tick).
            tokio::time::sleep(Duration::from_millis(20)).await;
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no PULL_DATA\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The downlink's PHYPayload parsed by `lrwn`, its MIC checked with `key`.
fn decode(req: &DownlinkRequest, dev: &Device, conf_fcnt: u32) -> lrwn::PhyPayload {
    let bytes = req.pull_resp.data.txpk.data.data().to_vec();
    let mut phy = lrwn::PhyPayload::from_slice(&bytes).expect("lrwn parses the downlink");
    let (version, key) = match dev.v11 {
        true => (MACVersion::LoRaWAN1_1, dev.keys[1]),
        false => (MACVersion::LoRaWAN1_0, dev.keys[0]),
    };
    assert!(
        phy.validate_downlink_data_mic(version, conf_fcnt, &AES128Key::from_bytes(key))
            .expect("MIC computable"),
        "MIC under the device's keys"
    );
    phy
}

fn mac_payload(phy: &lrwn::PhyPayload) -> &lrwn::MACPayload {
    match &phy.payload {
        lrwn::Payload::MACPayload(p) => p,
        other => panic!("not a data frame: {other:?}"),
    }
}

/// Checks the RX1 `txpk` of an uplink heard by `eui`: tmst + 1 s, 868.1 MHz, SF7BW125 (EU868
/// DR5, offset 0), IQ inverted.
fn assert_rx1(req: &DownlinkRequest, eui: u64) {
    let tx = req.txpk();
    assert_eq!(tx.time.tmst(), Some(uplink_tmst(eui) + 1_000_000), "{tx:?}");
    assert!((tx.freq - 868.1).abs() < 1e-6, "{tx:?}");
    assert_eq!(tx.datr.to_string(), "SF7BW125", "{tx:?}");
    assert!(tx.ipol, "{tx:?}");
}

#[test]
fn confirmed_uplinks_are_acked_in_rx1_with_fresh_counters() {
    let devs = [
        Device::new("dev-ack-ten", 0x2601_5005, false, 0x51),
        Device::new("dev-ack-eleven", 0x2601_5006, true, 0x52),
    ];
    let node = start_node(
        &GW[..1],
        devs.iter().map(|d| d.record(Some(9))).collect(),
        FAST,
    );
    block_on(async {
        let mut g = Gateway::connect(GW[0], node.udp_addr).await;
        wait_routes(&node, 1).await;
        let mut acks = 0;
        for dev in &devs {
            for (fcnt, want_fcnt_down) in [(10u32, 0u32), (11, 1)] {
                g.send(&dev.frame(fcnt, 2, b"c", true, false), 4.0).await;
                let req = g.downlink().await;
                assert_rx1(&req, GW[0]);
                // 1.1: the MIC's ConfFCnt is the acknowledged uplink's FCnt.
                let conf = if dev.v11 { fcnt } else { 0 };
                let phy = decode(&req, dev, conf);
                assert_eq!(phy.mhdr.f_type, lrwn::FType::UnconfirmedDataDown);
                let p = mac_payload(&phy);
                assert!(p.fhdr.f_ctrl.ack, "ACK bit: {p:?}");
                assert_eq!(p.fhdr.f_cnt, want_fcnt_down, "NFCntDown never reused");
                assert_eq!(p.fhdr.devaddr.to_be_bytes(), dev.addr.to_be_bytes());
                assert_eq!(p.f_port, None, "an empty ACK");
                req.ack().await.expect("TX_ACK sent");
                acks += 1;
                wait_metric(&node, "sent", acks, |t| {
                    sample(t, "dataplane_downlinks_sent_total", "").unwrap_or(0)
                })
                .await;
            }
        }
        let text = metrics(&node).await;
        assert_eq!(
            sample(&text, "dataplane_tx_ack_total", "code=\"NONE\""),
            Some(4),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                "dataplane_downlinks_scheduled_total",
                "window=\"rx1\""
            ),
            Some(4),
            "{text}"
        );
        g.close().await;
    });
    node.stop();
}

/// Pushes a downlink over HTTP and returns its id.
async fn push(node: &dataplane::node::Node, dev: &str, body: &str) -> (u16, serde_json::Value) {
    let path = format!("/api/v1/applications/{APP}/devices/{dev}/down/push");
    let (status, _, body) = post(node.http_addr, &path, body).await;
    let v = serde_json::from_str(&body).unwrap_or_else(|_| panic!("JSON answer: {body}"));
    (status, v)
}

#[test]
fn pushed_downlink_rides_the_next_uplink_and_is_reported_sent() {
    let dev = Device::new("dev-push", 0x2601_6006, false, 0x61);
    let node = start_node(&GW[..1], vec![dev.record(Some(1))], FAST);
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let mut g = Gateway::connect(GW[0], node.udp_addr).await;
        wait_routes(&node, 1).await;
        // Validation names the fields; unknown devices are 404.
        let (status, v) = push(&node, dev.id, r#"{"f_port":0,"frm_payload":"!"}"#).await;
        assert_eq!(status, 400, "{v}");
        assert!(v["fields"]["f_port"].is_string() && v["fields"]["frm_payload"].is_string());
        let (status, v) = push(&node, "nobody", r#"{"f_port":1,"frm_payload":""}"#).await;
        assert_eq!(status, 404, "{v}");

        let payload = b"\x01\x02hello";
        let b64 = base64::engine::general_purpose::STANDARD.encode(payload);
        let (status, v) = push(
            &node,
            dev.id,
            &format!(r#"{{"f_port":42,"frm_payload":"{b64}"}}"#),
        )
        .await;
        assert_eq!(status, 202, "{v}");
        let id = v["id"].as_str().expect("id").to_owned();
        let queued = sse.next().await;
        assert_eq!(queued["type"], "downlink_queued", "{queued}");
        assert_eq!(
            queued["id"].as_u64().map(|i| i.to_string()),
            Some(id.clone())
        );

        g.send(&dev.uplink(2, 1, b"up"), 3.0).await;
        let req = g.downlink().await;
        assert_rx1(&req, GW[0]);
        let mut phy = decode(&req, &dev, 0);
        phy.decrypt_frm_payload(&AES128Key::from_bytes(dev.keys[3]))
            .expect("lrwn decrypts");
        let p = mac_payload(&phy);
        assert_eq!(p.f_port, Some(42));
        assert_eq!(p.fhdr.f_cnt, 0);
        assert!(!p.fhdr.f_ctrl.ack, "the uplink was unconfirmed");
        match &p.frm_payload {
            Some(lrwn::FRMPayload::Raw(b)) => assert_eq!(b, payload),
            other => panic!("payload: {other:?}"),
        }
        let up = sse.next().await;
        assert_uplink(&up, &dev, 2, 1, b"up", &GW[..1]);
        // Nothing is sent before the gateway says so.
        assert!(sse.next_within(Duration::from_millis(100)).await.is_none());
        req.ack().await.expect("TX_ACK");
        let sent = sse.next().await;
        assert_eq!(sent["type"], "downlink_sent", "{sent}");
        assert_eq!(sent["id"].as_u64().map(|i| i.to_string()), Some(id));
        assert_eq!(sent["fport"], 42, "{sent}");
        assert_eq!(sent["fcnt"], 0, "{sent}");
        assert_eq!(sent["tx"]["window"], "rx1", "{sent}");
        assert_eq!(sent["tx"]["frequency_hz"], 868_100_000, "{sent}");
        g.close().await;
    });
    node.stop();
}

#[test]
fn too_late_in_rx1_retries_in_rx2_then_fails() {
    let dev = Device::new("dev-late", 0x2601_7007, false, 0x71);
    let node = start_node(&GW[..1], vec![dev.record(Some(1))], FAST);
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let mut g = Gateway::connect(GW[0], node.udp_addr).await;
        wait_routes(&node, 1).await;
        let (status, v) = push(&node, dev.id, r#"{"f_port":7,"frm_payload":"AAE="}"#).await;
        assert_eq!(status, 202, "{v}");
        assert_eq!(sse.next().await["type"], "downlink_queued");
        g.send(&dev.uplink(2, 1, b"x"), 3.0).await;
        let rx1 = g.downlink().await;
        assert_rx1(&rx1, GW[0]);
        let rx1_bytes = rx1.txpk().data.data().to_vec();
        rx1.nack(TxAckError::TooLate).await.expect("TX_ACK");
        let rx2 = g.downlink().await;
        let tx = rx2.txpk();
        assert_eq!(
            tx.time.tmst(),
            Some(uplink_tmst(GW[0]) + 2_000_000),
            "{tx:?}"
        );
        assert!((tx.freq - 869.525).abs() < 1e-6, "{tx:?}");
        assert_eq!(tx.datr.to_string(), "SF12BW125", "EU868 DR0: {tx:?}");
        assert_eq!(
            tx.data.data(),
            rx1_bytes,
            "the same frame, the same counter"
        );
        rx2.nack(TxAckError::TooLate).await.expect("TX_ACK");
        assert_uplink(&sse.next().await, &dev, 2, 1, b"x", &GW[..1]);
        let failed = sse.next().await;
        assert_eq!(failed["type"], "downlink_failed", "{failed}");
        assert_eq!(failed["reason"], "rejected", "{failed}");
        assert_eq!(failed["fport"], 7, "{failed}");
        let text = wait_metric(&node, "failed", 1, |t| {
            sample(t, "dataplane_downlinks_failed_total", "reason=\"rejected\"").unwrap_or(0)
        })
        .await;
        for (name, labels, want) in [
            ("dataplane_tx_ack_total", "code=\"TOO_LATE\"", 2),
            ("dataplane_downlinks_retried_total", "", 1),
            ("dataplane_downlinks_scheduled_total", "window=\"rx2\"", 1),
            ("dataplane_downlinks_sent_total", "", 0),
        ] {
            assert_eq!(sample(&text, name, labels), Some(want), "{name}\n{text}");
        }
        // A new frame takes a new counter: the next confirmed uplink's ACK has FCnt 1.
        g.send(&dev.frame(3, 1, b"y", true, false), 3.0).await;
        let next = g.downlink().await;
        assert_eq!(mac_payload(&decode(&next, &dev, 0)).fhdr.f_cnt, 1);
        next.ack().await.expect("TX_ACK");
        g.close().await;
    });
    node.stop();
}

#[test]
fn two_gateways_the_better_snr_transmits() {
    let dev = Device::new("dev-two-gw", 0x2601_8008, false, 0x81);
    let node = start_node(&GW, vec![dev.record(Some(1))], FAST);
    block_on(async {
        let mut a = Gateway::connect(GW[0], node.udp_addr).await;
        let mut b = Gateway::connect(GW[1], node.udp_addr).await;
        wait_routes(&node, 2).await;
        for (fcnt, (snr_a, snr_b)) in [(2u32, (-3.0, 7.5)), (3, (6.0, -1.0))] {
            let phy = dev.frame(fcnt, 1, b"z", true, false);
            a.send(&phy, snr_a).await;
            b.send(&phy, snr_b).await;
            let (winner, loser) = match snr_a > snr_b {
                true => (&mut a, &mut b),
                false => (&mut b, &mut a),
            };
            let req = winner.downlink().await;
            assert_rx1(&req, winner.eui);
            assert!(mac_payload(&decode(&req, &dev, 0)).fhdr.f_ctrl.ack);
            req.ack().await.expect("TX_ACK");
            assert!(
                loser
                    .downlink_within(Duration::from_millis(300))
                    .await
                    .is_none(),
                "only one gateway transmits"
            );
        }
        a.close().await;
        b.close().await;
    });
    node.stop();
}
