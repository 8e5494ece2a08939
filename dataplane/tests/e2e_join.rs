//! OTAA joins end to end: the real control plane (`controlplane::push::PlaneService` with its
//! Join Server over an embedded store in a temp dir) served in-process on loopback, a whole node
//! following it, `semtech-udp` gateways, and devices played by ChirpStack's `lrwn` 4.13, which
//! builds the join-request and its MIC, decrypts and checks the join-accept, derives the session
//! keys (LoRaWAN 1.0.3 and 1.1) and builds the data uplinks that follow.
//!
//! Timing facts (RP002-1.0.3): JOIN_ACCEPT_DELAY1 = 5 s, JOIN_ACCEPT_DELAY2 = 6 s; EU868 RX1 on
//! the uplink channel and DR (offset 0), RX2 869.525 MHz DR0 (§2.1.7–2.1.8); US915 RX1 on
//! 923.3 + 0.6 · (channel mod 8) MHz at DR 10 + uplink DR for DR0–3 with offset 0 (§2.4.7), RX2
//! 923.3 MHz DR8.
//!
//! - A 1.0.3 and a 1.1 device join; the PULL_RESP comes at uplink tmst + 5 s on the uplink's
//!   frequency and DR, the test TX_ACKs it, decrypts it and derives the keys; a data uplink
//!   under those keys reaches the application, a confirmed one gets its ACK in RX1.
//! - Once the watch has pushed the same session too (it lands around the join answer; a push
//!   landing after traffic is the `sync::control` unit test's case), the counters hold: frame 1
//!   sent again is a retransmission, not a new uplink.
//! - A replayed join-request (same DevNonce) and one from an unknown device get no join-accept
//!   and are counted by gRPC code.
//! - A US915 device's join-accept comes in RX1 on 923.3 MHz at DR10 (SF10BW500), and after a
//!   TOO_LATE in RX2 on 923.3 MHz DR8 (SF12BW500) at tmst + 6 s.

mod e2e_support;
mod events_support;
mod join_support;

use e2e_support::*;
use join_support::*;
use lrwn::AES128Key;
use semtech_udp::push_data::{CRC, RxPk, RxPkV1};
use semtech_udp::tx_ack::Error as TxAckError;
use semtech_udp::{Bandwidth, CodingRate, DataRate, Modulation, SpreadingFactor};
use std::time::Duration;

#[test]
fn otaa_devices_join_through_the_node_and_their_sessions_serve() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let devs = [
        Otaa::new("otaa-ten", 0x70B3_D500_0000_0A01, false, "EU_863_870"),
        Otaa::new("otaa-eleven", 0x70B3_D500_0000_0B02, true, "EU_863_870"),
    ];
    let cp = rt.block_on(async {
        let cp = ControlPlane::start().await;
        cp.add_gateway(GW, "EU_863_870").await;
        for d in &devs {
            cp.add_device(d).await;
        }
        cp
    });
    let node = start_node_with(&cp);
    rt.block_on(async {
        let mut g = connect_gateway(&node, GW).await;
        let mut sse = subscribe(&node, 1).await;
        for (i, otaa) in devs.iter().enumerate() {
            let n = i as u64 + 1;
            let dev_nonce = 0x0100 + i as u16;
            let jr = otaa.join_request(dev_nonce);
            g.send(&jr, 5.0).await;
            let req = g.downlink().await;
            assert_join_rx1_eu868(&req, GW);
            let dev = otaa.accept(req.txpk().data.data(), dev_nonce);
            req.ack().await.expect("TX_ACK");
            let text =
                wait_metric(&node, "join-accepts sent", n, |t| join_accepts(t, "sent")).await;
            assert_eq!(
                sample(&text, "dataplane_joins_accepted_total", ""),
                Some(n),
                "{text}"
            );

            // The derived session serves: an uplink reaches the application.
            deliver(&g, &mut sse, &dev, 0, b"joined").await;
            // A confirmed uplink gets its ACK in RX1 (RECEIVE_DELAY1 = 1 s), under the keys.
            g.send(&dev.frame(1, 7, b"conf", true, false), 5.0).await;
            let ack = g.downlink().await;
            let tx = ack.txpk();
            assert_eq!(tx.time.tmst(), Some(uplink_tmst(GW) + 1_000_000), "{tx:?}");
            let mut phy = lrwn::PhyPayload::from_slice(tx.data.data()).expect("lrwn parses");
            let (version, key, conf) = match dev.v11 {
                true => (lrwn::MACVersion::LoRaWAN1_1, dev.keys[1], 1),
                false => (lrwn::MACVersion::LoRaWAN1_0, dev.keys[0], 0),
            };
            assert!(
                phy.validate_downlink_data_mic(version, conf, &AES128Key::from_bytes(key))
                    .expect("MIC computable"),
                "ACK sealed with the derived keys"
            );
            let lrwn::Payload::MACPayload(p) = &mut phy.payload else {
                panic!("not a data frame")
            };
            assert!(p.fhdr.f_ctrl.ack, "{p:?}");
            assert_eq!(p.fhdr.f_cnt, 0, "first NFCntDown of the new session");
            ack.ack().await.expect("TX_ACK");
            let v = sse.next_within(WAIT).await.expect("confirmed uplink event");
            assert_eq!(
                (v["fcnt"].as_u64(), v["confirmed"].as_bool()),
                (Some(1), Some(true)),
                "{v}"
            );

            // The watch has pushed the same session too (sessions gauge); frame 1 again, past the
            // dedup cooldown, is a retransmission: the counters held.
            wait_metric(&node, "pushed sessions", n, |t| {
                sample(t, "dataplane_sync_sessions", "").unwrap_or(0)
            })
            .await;
            tokio::time::sleep(Duration::from_millis(400)).await;
            let before = drops(&metrics(&node).await, "retransmission");
            g.send(&dev.frame(1, 7, b"conf", false, false), 5.0).await;
            wait_drops(&node, "retransmission", before + 1).await;
            // No new event.
            assert_quiet(&mut sse, Duration::from_millis(200)).await;
        }

        // A replayed join-request (DevNonce already used) gets no join-accept.
        tokio::time::sleep(Duration::from_millis(400)).await;
        g.send(&devs[0].join_request(0x0100), 5.0).await;
        wait_metric(&node, "replayed join", 1, |t| {
            joins_refused(t, "already_exists")
        })
        .await;
        // An unknown device neither.
        let stranger = Otaa::new("stranger", 0x70B3_D500_0000_0C03, false, "EU_863_870");
        g.send(&stranger.join_request(7), 5.0).await;
        wait_metric(&node, "unknown device", 1, |t| {
            joins_refused(t, "not_found")
        })
        .await;
        assert!(
            g.downlink_within(Duration::from_millis(500))
                .await
                .is_none(),
            "no join-accept for a refused join"
        );
        let text = metrics(&node).await;
        assert_eq!(join_accepts(&text, "sent"), 2, "{text}");
        assert_eq!(
            sample(&text, "dataplane_joins_forwarded_total", ""),
            Some(4),
            "{text}"
        );
        g.close().await;
    });
    drop(node);
    drop(cp);
}

/// One `rxpk` on US915 channel `ch` (902.3 + 0.2 · ch MHz, 125 kHz) at SF10 (DR0).
fn us915_rxpk(eui: u64, ch: u32, phy: &[u8]) -> RxPk {
    RxPk::V1(RxPkV1 {
        chan: 0,
        codr: Some(CodingRate::_4_5),
        data: phy.to_vec(),
        datr: DataRate::new(SpreadingFactor::_10, Bandwidth::_125KHz),
        freq: (902_300_000 + 200_000 * u64::from(ch)) as f64 / 1e6,
        lsnr: 5.0,
        modu: Modulation::LORA,
        rfch: 0,
        rssi: -55,
        rssis: None,
        size: phy.len() as u64,
        stat: CRC::OK,
        tmst: uplink_tmst(eui),
        time: None,
    })
}

#[test]
fn us915_join_accept_windows_follow_rp002() {
    const US_GW: u64 = 0x00C0_0000_0000_0915;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let otaa = Otaa::new("otaa-us", 0x70B3_D500_0000_0D04, false, "US_902_928_FSB_2");
    let cp = rt.block_on(async {
        let cp = ControlPlane::start().await;
        cp.add_gateway(US_GW, "US_902_928_FSB_2").await;
        cp.add_device(&otaa).await;
        cp
    });
    let node = start_node_with(&cp);
    rt.block_on(async {
        let mut g = connect_gateway(&node, US_GW).await;
        // Channel 10 (904.3 MHz, sub-band 2), DR0: RX1 on 923.3 + 0.6 · (10 mod 8) = 924.5 MHz
        // at DR10 (SF10BW500); the gateway refuses it TOO_LATE, RX2 follows on 923.3 MHz DR8.
        g.send_rxpk(us915_rxpk(US_GW, 10, &otaa.join_request(1)))
            .await;
        let rx1 = g.downlink().await;
        let tx = rx1.txpk();
        assert_eq!(
            tx.time.tmst(),
            Some(uplink_tmst(US_GW) + 5_000_000),
            "{tx:?}"
        );
        assert!((tx.freq - 924.5).abs() < 1e-6, "{tx:?}");
        assert_eq!(tx.datr.to_string(), "SF10BW500", "US915 DR10: {tx:?}");
        let bytes = tx.data.data().to_vec();
        rx1.nack(TxAckError::TooLate).await.expect("TX_ACK");
        let rx2 = g.downlink().await;
        let tx = rx2.txpk();
        assert_eq!(
            tx.time.tmst(),
            Some(uplink_tmst(US_GW) + 6_000_000),
            "{tx:?}"
        );
        assert!((tx.freq - 923.3).abs() < 1e-6, "{tx:?}");
        assert_eq!(tx.datr.to_string(), "SF12BW500", "US915 DR8: {tx:?}");
        assert_eq!(tx.data.data(), &bytes[..], "the same join-accept");
        let dev = otaa.accept(&bytes, 1);
        assert_ne!(dev.addr, 0, "a DevAddr was assigned");
        rx2.ack().await.expect("TX_ACK");
        wait_metric(&node, "join-accepts sent", 1, |t| join_accepts(t, "sent")).await;
        g.close().await;
    });
    drop(node);
    drop(cp);
}
