//! End to end, refusals: `lrwn`-built frames forwarded by a `semtech-udp` gateway to a whole
//! node; what must not reach the application does not, and `/metrics` says why.
//!
//! - Replay: frames already accepted, sent again after the dedup cooldown, make no event. The
//!   last accepted frame is a `retransmission` (its MIC matches the last FCntUp); an older one is
//!   a `replay`. Within the cooldown the same bytes are a `dedup_late` copy instead.
//! - Forged MIC: a flipped MIC byte, a flipped payload byte, a frame MIC'd under another key:
//!   no event, `mic_mismatch` counts each, and the session's FCnt does not move (the genuine
//!   frame with the same FCnt is accepted afterwards). A 1.1 frame whose F half matches but whose
//!   S half does not is `mic_s_mismatch`.

mod e2e_support;
mod events_support;

use e2e_support::*;
use std::time::Duration;

const GW: [u64; 1] = [0x00B0_0000_0000_0001];

#[test]
fn replayed_frames_after_the_cooldown_make_no_event() {
    let dev = Device::new("dev-replay", 0x2601_4004, false, 0x55);
    let node = start_node(&GW, vec![dev.record(None)], FAST);
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let g = Gateway::connect(GW[0], node.udp_addr).await;
        let frames: Vec<Vec<u8>> = (1..=3).map(|n| dev.uplink(n, 1, &[n as u8])).collect();
        for (n, phy) in (1..).zip(&frames) {
            g.send(phy, 6.0).await;
            assert_uplink(&sse.next().await, &dev, n, 1, &[n as u8], &GW);
        }
        // Within the cooldown of frame 3's window: a late copy.
        g.send(&frames[2], 6.0).await;
        wait_drops(&node, "dedup_late", 1).await;
        // After it: frame 3 (the last accepted) and frame 1 (older) again.
        tokio::time::sleep(Duration::from_millis(FAST.cooldown_ms + FAST.window_ms)).await;
        g.send(&frames[2], 6.0).await;
        wait_drops(&node, "retransmission", 1).await;
        g.send(&frames[0], 6.0).await;
        wait_drops(&node, "replay", 1).await;
        // None of them made an event: the next one is frame 4.
        g.send(&dev.uplink(4, 1, b"four"), 6.0).await;
        assert_uplink(&sse.next().await, &dev, 4, 1, b"four", &GW);
        let text = wait_metric(&node, "delivered", 4, |t| {
            sample(t, "dataplane_uplinks_delivered_total", "").unwrap_or(0)
        })
        .await;
        assert_eq!(drops(&text, "mic_mismatch"), 0, "{text}");
        assert_eq!(
            (
                drops(&text, "dedup_late"),
                drops(&text, "retransmission"),
                drops(&text, "replay")
            ),
            (1, 1, 1),
            "{text}"
        );
        g.close().await;
    });
    node.stop();
}

#[test]
fn forged_mics_make_no_event_and_move_no_counter() {
    let dev = Device::new("dev-forged", 0x2601_5005, false, 0x66);
    let dev11 = Device::new("dev-forged-11", 0x2601_5006, true, 0x77);
    let node = start_node(&GW, vec![dev.record(Some(9)), dev11.record(Some(9))], FAST);
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let g = Gateway::connect(GW[0], node.udp_addr).await;
        let flip = |mut phy: Vec<u8>, at: usize| {
            let i = if at == usize::MAX { phy.len() - 1 } else { at };
            phy[i] ^= 0x01;
            phy
        };
        let mut forged = Vec::new();
        for d in [&dev, &dev11] {
            let genuine = d.uplink(10, 1, b"genuine");
            // MIC byte flipped; payload byte flipped under the original MIC.
            forged.push(flip(genuine.clone(), usize::MAX));
            forged.push(flip(genuine.clone(), 9));
            // The right DevAddr and FCnt, MIC'd (and encrypted) under another device's keys.
            let mut other = d.clone();
            other.keys = Device::new("attacker", d.addr, d.v11, 0x99).keys;
            forged.push(other.uplink(10, 1, b"genuine"));
        }
        for phy in &forged {
            g.send(phy, 6.0).await;
        }
        wait_drops(&node, "mic_mismatch", forged.len() as u64).await;
        // 1.1: the F half (last two bytes) matches, the S half (first two) does not.
        let genuine = dev11.uplink(10, 1, b"genuine");
        g.send(&flip(genuine.clone(), genuine.len() - 4), 6.0).await;
        wait_drops(&node, "mic_s_mismatch", 1).await;
        // The session counters did not move: the genuine frames 10 are the next events.
        for d in [&dev, &dev11] {
            g.send(&d.uplink(10, 1, b"genuine"), 6.0).await;
            assert_uplink(&sse.next().await, d, 10, 1, b"genuine", &GW);
        }
        let text = metrics(&node).await;
        for r in ["replay", "retransmission", "dedup_late"] {
            assert_eq!(drops(&text, r), 0, "{r}\n{text}");
        }
        g.close().await;
    });
    node.stop();
}
