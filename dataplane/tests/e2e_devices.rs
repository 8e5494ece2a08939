//! End to end, device side: `lrwn`-built frames forwarded by `semtech-udp` gateways to a whole
//! node, checked on the application's SSE (and gRPC) streams.
//!
//! - DevAddr collision: three sessions share one DevAddr (two LoRaWAN 1.0, one 1.1); each
//!   device's frame, with the same FCnt, is delivered as its own device with its own decrypted
//!   payload: the MIC picks the session.
//! - FCnt rollover past 65535: from FCntUp 65533, frames 65534..=65537 carry 16-bit values on air
//!   (0xFFFE, 0xFFFF, 0x0000, 0x0001) and arrive with their 32-bit FCnt; after the rollover the
//!   old 0xFFFE frame is a `replay`, not a new frame 0x1_FFFE.

mod e2e_support;
mod events_support;

use dataplane::http::grpc::proto::{
    StreamRequest, application_events_client::ApplicationEventsClient, stream_item::Item,
};
use e2e_support::*;
use std::collections::BTreeMap;
use std::time::Duration;

const GW: [u64; 2] = [0x00A0_0000_0000_0001, 0x00A0_0000_0000_0002];

#[test]
fn devaddr_collision_each_device_is_its_own_event() {
    const ADDR: u32 = 0x2601_2002;
    let devs = [
        Device::new("dev-one", ADDR, false, 0x11),
        Device::new("dev-two", ADDR, false, 0x22),
        Device::new("dev-eleven", ADDR, true, 0x33),
    ];
    let node = start_node(&GW, devs.iter().map(|d| d.record(Some(4))).collect(), FAST);
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let g = Gateway::connect(GW[0], node.udp_addr).await;
        // Same DevAddr, same FCnt, different keys and payloads, all in flight at once.
        for d in &devs {
            g.send(&d.uplink(5, 7, d.id.as_bytes()), 5.0).await;
        }
        let mut got = BTreeMap::new();
        for _ in &devs {
            let v = sse.next().await;
            let id = v["device_id"].as_str().expect("device_id").to_owned();
            assert!(got.insert(id, v).is_none(), "one event per device");
        }
        for d in &devs {
            let v = got
                .get(d.id)
                .unwrap_or_else(|| panic!("no event for {}", d.id));
            assert_uplink(v, d, 5, 7, d.id.as_bytes(), &GW[..1]);
        }
        // Nothing else came: the next event is dev-two's next frame.
        g.send(&devs[1].uplink(6, 7, b"six"), 5.0).await;
        assert_uplink(&sse.next().await, &devs[1], 6, 7, b"six", &GW[..1]);
        let text = metrics(&node).await;
        for r in [
            "mic_mismatch",
            "mic_s_mismatch",
            "unknown_channel",
            "unknown_data_rate",
        ] {
            assert_eq!(drops(&text, r), 0, "{r}\n{text}");
        }
        g.close().await;
    });
    node.stop();
}

#[test]
fn fcnt_rolls_over_past_65535() {
    let dev = Device::new("dev-roll", 0x2601_3003, false, 0x44);
    let node = start_node(&GW, vec![dev.record(Some(65_533))], FAST);
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let channel = tokio::time::timeout(
            WAIT,
            tonic::transport::Endpoint::from_shared(format!("http://{}", node.grpc_addr))
                .expect("uri")
                .connect(),
        )
        .await
        .expect("gRPC connect in time")
        .expect("gRPC connect");
        let mut grpc = ApplicationEventsClient::new(channel)
            .stream(StreamRequest {
                application_id: APP.into(),
            })
            .await
            .expect("gRPC stream")
            .into_inner();
        wait_subscribers(&node, 2).await;

        let g = Gateway::connect(GW[1], node.udp_addr).await;
        let fcnts = [65_534u32, 65_535, 65_536, 65_537];
        let mut frames = Vec::new();
        for fcnt in fcnts {
            let payload = fcnt.to_be_bytes();
            let phy = dev.uplink(fcnt, 2, &payload);
            g.send(&phy, 4.0).await;
            assert_uplink(&sse.next().await, &dev, fcnt, 2, &payload, &GW[1..]);
            frames.push(phy);
        }
        for fcnt in fcnts {
            let item = tokio::time::timeout(WAIT, grpc.message())
                .await
                .expect("gRPC item in time")
                .expect("gRPC ok")
                .expect("gRPC item");
            match item.item {
                Some(Item::Uplink(u)) => {
                    assert_eq!((u.device_id.as_str(), u.fcnt), ("dev-roll", fcnt));
                    assert_eq!(u.frm_payload, fcnt.to_be_bytes());
                    assert_eq!(u.dev_addr, 0x2601_3003u32.to_be_bytes());
                    let euis: Vec<Vec<u8>> = u
                        .rx_metadata
                        .iter()
                        .map(|r| r.gateway_eui.clone())
                        .collect();
                    assert_eq!(euis, [GW[1].to_be_bytes().to_vec()]);
                }
                other => panic!("expected an uplink, got {other:?}"),
            }
        }

        // After the cooldown, 65534 (0xFFFE on air) again: a replay from before the rollover.
        tokio::time::sleep(Duration::from_millis(FAST.cooldown_ms + FAST.window_ms)).await;
        g.send(&frames[0], 4.0).await;
        wait_drops(&node, "replay", 1).await;
        let next = dev.uplink(65_538, 2, b"after");
        g.send(&next, 4.0).await;
        assert_uplink(&sse.next().await, &dev, 65_538, 2, b"after", &GW[1..]);
        let text = metrics(&node).await;
        for r in ["mic_mismatch", "retransmission", "dedup_late"] {
            assert_eq!(drops(&text, r), 0, "{r}\n{text}");
        }
        g.close().await;
    });
    node.stop();
}
