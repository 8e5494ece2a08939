//! End to end, class B and class C downlinks against a whole node over loopback; frames built
//! and checked by ChirpStack's `lrwn`, ping slots recomputed here from the LoRaWAN 1.0.4 §13.3
//! formula with the `aes` crate (not the node's code).
//!
//! - Class C (`semtech-udp` gateway): a downlink pushed right after an uplink goes out once
//!   the uplink's RX2 has passed, as `imme` on the EU868 RX2 channel (869.525 MHz, SF12BW125,
//!   RP002-1.0.3 §2.1.7), MIC'd and encrypted for the device; the TX_ACK makes it sent.
//! - Class B (raw Semtech UDP gateways, because `semtech-udp` 0.12 refuses a `tmms` above
//!   2^32 ms): the downlink goes through the gateway whose uplinks carry `tmms` even though
//!   the other heard the device better, with `tmms` the device's next ping slot (periodicity
//!   7) on 869.525 MHz SF9BW125 (DR3, RP002-1.0.3 §2.1.8); a class B device heard only by a
//!   gateway without GPS gets `downlink_failed` with reason `no_gps_gateway` and no PULL_RESP.

mod e2e_support;
mod events_support;

use aes::Aes128;
use aes::cipher::{BlockEncrypt, KeyInit};
use base64::Engine;
use e2e_support::*;
use events_support::post;
use lrwn::{AES128Key, MACVersion};
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::UdpSocket;

const GW: [u64; 2] = [0x00C0_0000_0000_0001, 0x00C0_0000_0000_0002];
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

async fn push(node: &dataplane::node::Node, dev: &str, fport: u8, payload: &[u8]) {
    let path = format!("/api/v1/applications/{APP}/devices/{dev}/down/push");
    let body = format!(
        r#"{{"f_port":{fport},"frm_payload":"{}"}}"#,
        B64.encode(payload)
    );
    let (status, _, body) = post(node.http_addr, &path, &body).await;
    assert_eq!(status, 202, "{body}");
}

/// Waits for the next event of `kind` on the stream, skipping others.
async fn next_of(sse: &mut SseClient, kind: &str) -> serde_json::Value {
    for _ in 0..20 {
        let e = sse.next().await;
        if e["type"] == kind {
            return e;
        }
    }
    panic!("no {kind} event");
}

/// The FRMPayload of a downlink to `dev`, its MIC checked and payload decrypted by `lrwn`.
fn open(bytes: &[u8], dev: &Device) -> (u32, Option<u8>, Vec<u8>) {
    let mut phy = lrwn::PhyPayload::from_slice(bytes).expect("lrwn parses the downlink");
    assert!(
        phy.validate_downlink_data_mic(
            MACVersion::LoRaWAN1_0,
            0,
            &AES128Key::from_bytes(dev.keys[0])
        )
        .expect("MIC computable"),
        "MIC under the device's key"
    );
    phy.decrypt_frm_payload(&AES128Key::from_bytes(dev.keys[3]))
        .expect("lrwn decrypts");
    match &phy.payload {
        lrwn::Payload::MACPayload(p) => {
            assert_eq!(p.fhdr.devaddr.to_be_bytes(), dev.addr.to_be_bytes());
            let data = match &p.frm_payload {
                Some(lrwn::FRMPayload::Raw(b)) => b.clone(),
                other => panic!("payload: {other:?}"),
            };
            (p.fhdr.f_cnt, p.f_port, data)
        }
        other => panic!("not a data frame: {other:?}"),
    }
}

async fn wait_routes(node: &dataplane::node::Node, n: u64) {
    wait_metric(node, "PULL_DATA", n, |t| {
        sample(t, "dataplane_packets_in_total", "").unwrap_or(0)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
}

#[test]
fn class_c_downlink_goes_out_on_rx2_after_the_class_a_windows() {
    let dev = Device::new("dev-class-c", 0x2601_7007, false, 0x71);
    let mut record = dev.record(Some(1));
    record.device_class = Some("C".into());
    let node = start_node(&GW[..1], vec![record], FAST);
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let mut g = Gateway::connect(GW[0], node.udp_addr).await;
        wait_routes(&node, 1).await;
        let sent_at = tokio::time::Instant::now();
        g.send(&dev.uplink(2, 1, b"up"), 4.0).await;
        next_of(&mut sse, "uplink").await;
        push(&node, dev.id, 7, b"class-c").await;
        let req = g.downlink().await;
        let waited = sent_at.elapsed();
        let tx = req.txpk();
        assert!(tx.time.is_immediate(), "imme: {tx:?}");
        assert_eq!(tx.time.tmst(), None, "{tx:?}");
        assert!((tx.freq - 869.525).abs() < 1e-6, "RX2 frequency: {tx:?}");
        assert_eq!(tx.datr.to_string(), "SF12BW125", "RX2 DR0: {tx:?}");
        assert!(tx.ipol, "{tx:?}");
        // RECEIVE_DELAY2 is 2 s after the uplink: no class C frame before it.
        assert!(waited >= Duration::from_secs(2), "sent after {waited:?}");
        let (fcnt, fport, data) = open(req.pull_resp.data.txpk.data.data(), &dev);
        assert_eq!(
            (fcnt, fport, data.as_slice()),
            (0, Some(7), &b"class-c"[..])
        );
        req.ack().await.expect("TX_ACK sent");
        let sent = next_of(&mut sse, "downlink_sent").await;
        assert_eq!(sent["tx"]["window"], "class_c", "{sent}");
        // A second push goes out at once now that no class A window is open.
        push(&node, dev.id, 8, b"again").await;
        let req = g
            .downlink_within(Duration::from_secs(3))
            .await
            .expect("second class C");
        assert!(req.txpk().time.is_immediate());
        let (fcnt, fport, _) = open(req.pull_resp.data.txpk.data.data(), &dev);
        assert_eq!((fcnt, fport), (1, Some(8)), "a fresh counter");
        req.ack().await.expect("TX_ACK sent");
        g.close().await;
    });
    node.stop();
}

/// A gateway speaking Semtech UDP by hand (PROTOCOL.TXT v2), to report `tmms`.
struct RawGateway {
    eui: u64,
    sock: UdpSocket,
    server: SocketAddr,
}

impl RawGateway {
    async fn connect(eui: u64, server: SocketAddr) -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
        let g = Self { eui, sock, server };
        let mut pull = vec![2, 0, 1, 0x02];
        pull.extend_from_slice(&eui.to_be_bytes());
        g.sock.send_to(&pull, server).await.expect("PULL_DATA");
        g
    }

    async fn uplink(&self, phy: &[u8], snr: f32, gps_ms: Option<u64>) {
        let tmms = gps_ms.map_or(String::new(), |t| format!(r#""tmms":{t},"#));
        let json = format!(
            r#"{{"rxpk":[{{"tmst":1000000,{tmms}"chan":0,"rfch":0,"freq":868.1,"stat":1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","rssi":-50,"lsnr":{snr},"size":{},"data":"{}"}}]}}"#,
            phy.len(),
            B64.encode(phy)
        );
        let mut p = vec![2, 0, 2, 0x00];
        p.extend_from_slice(&self.eui.to_be_bytes());
        p.extend_from_slice(json.as_bytes());
        self.sock.send_to(&p, self.server).await.expect("PUSH_DATA");
    }

    /// The next PULL_RESP's token and `txpk`, if one comes within `wait`.
    async fn pull_resp(&self, wait: Duration) -> Option<([u8; 2], serde_json::Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut buf = [0u8; 2048];
        loop {
            let (n, _) = tokio::time::timeout_at(deadline, self.sock.recv_from(&mut buf))
                .await
                .ok()?
                .expect("recv");
            let d = &buf[..n];
            if d.len() > 4 && d[3] == 0x03 {
                let v: serde_json::Value = serde_json::from_slice(&d[4..]).expect("PULL_RESP JSON");
                return Some(([d[1], d[2]], v["txpk"].clone()));
            }
        }
    }

    async fn tx_ack(&self, token: [u8; 2]) {
        let mut p = vec![2, token[0], token[1], 0x05];
        p.extend_from_slice(&self.eui.to_be_bytes());
        p.extend_from_slice(br#"{"txpk_ack":{"error":"NONE"}}"#);
        self.sock.send_to(&p, self.server).await.expect("TX_ACK");
    }
}

/// GPS time now in ms: Unix − 315 964 800 s + 18 leap seconds.
fn gps_now_ms() -> u64 {
    let unix = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    unix.as_millis() as u64 - 315_964_800_000 + 18_000
}

/// LoRaWAN 1.0.4 §13.3, written out for the test: the first ping slot of `dev_addr` strictly
/// after `after_ms` (GPS), periodicity 7 (one slot per 128 s beacon period).
fn ping_slot_after(after_ms: u64, dev_addr: u32) -> u64 {
    let period_slots: u64 = 4096; // 2^(5 + 7)
    let mut beacon = after_ms / 128_000 * 128;
    loop {
        let mut block = [0u8; 16];
        block[..4].copy_from_slice(&(beacon as u32).to_le_bytes());
        block[4..8].copy_from_slice(&dev_addr.to_le_bytes());
        let mut b = block.into();
        Aes128::new(&[0u8; 16].into()).encrypt_block(&mut b);
        let offset = (u64::from(b[0]) + 256 * u64::from(b[1])) % period_slots;
        let slot = beacon * 1000 + 2_120 + offset * 30;
        if slot > after_ms {
            return slot;
        }
        beacon += 128;
    }
}

#[test]
fn class_b_downlink_goes_out_in_a_ping_slot_through_a_gps_gateway() {
    let dev = Device::new("dev-class-b", 0x2601_8008, false, 0x81);
    let lonely = Device::new("dev-class-b-no-gps", 0x2601_8009, false, 0x82);
    let mut records = vec![dev.record(Some(1)), lonely.record(Some(1))];
    for r in &mut records {
        r.device_class = Some("B".into());
    }
    let node = start_node(&GW, records, FAST);
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let no_gps = RawGateway::connect(GW[0], node.udp_addr).await;
        let gps = RawGateway::connect(GW[1], node.udp_addr).await;
        wait_routes(&node, 2).await;
        // The better gateway has no GPS time; the worse one reports tmms.
        let up = dev.uplink(2, 1, b"b");
        no_gps.uplink(&up, 9.0, None).await;
        gps.uplink(&up, -3.0, Some(gps_now_ms())).await;
        next_of(&mut sse, "uplink").await;
        let before = gps_now_ms();
        push(&node, dev.id, 9, b"ping").await;
        let (token, txpk) = gps
            .pull_resp(Duration::from_secs(3))
            .await
            .expect("PULL_RESP to the GPS gateway");
        let after = gps_now_ms();
        let tmms = txpk["tmms"]
            .as_u64()
            .unwrap_or_else(|| panic!("tmms: {txpk}"));
        // The node looks from "now + lead" (≤ 1 s here); either bound's next slot.
        let candidates: Vec<u64> = [before, before + 1_000, after, after + 1_000]
            .iter()
            .map(|t| ping_slot_after(*t, dev.addr))
            .collect();
        assert!(
            candidates.contains(&tmms),
            "tmms {tmms} not among {candidates:?}"
        );
        assert_ne!(txpk["imme"], true, "{txpk}");
        assert!(txpk.get("tmst").is_none(), "{txpk}");
        assert!(
            (txpk["freq"].as_f64().unwrap() - 869.525).abs() < 1e-6,
            "{txpk}"
        );
        assert_eq!(txpk["datr"], "SF9BW125", "DR3: {txpk}");
        let phy = B64.decode(txpk["data"].as_str().unwrap()).unwrap();
        let (fcnt, fport, data) = open(&phy, &dev);
        assert_eq!((fcnt, fport, data.as_slice()), (0, Some(9), &b"ping"[..]));
        assert!(
            no_gps.pull_resp(Duration::from_millis(200)).await.is_none(),
            "never through the gateway without GPS"
        );
        gps.tx_ack(token).await;
        let sent = next_of(&mut sse, "downlink_sent").await;
        assert_eq!(sent["tx"]["window"], "ping_slot", "{sent}");

        // Heard only by the gateway without GPS: the push fails, nothing is sent.
        no_gps.uplink(&lonely.uplink(2, 1, b"b"), 9.0, None).await;
        next_of(&mut sse, "uplink").await;
        push(&node, lonely.id, 9, b"none").await;
        let failed = next_of(&mut sse, "downlink_failed").await;
        assert_eq!(failed["reason"], "no_gps_gateway", "{failed}");
        assert_eq!(failed["device_id"], lonely.id, "{failed}");
        assert!(no_gps.pull_resp(Duration::from_millis(200)).await.is_none());
    });
    node.stop();
}
