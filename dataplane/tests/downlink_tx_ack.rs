//! TX_ACK handling (Semtech PROTOCOL.TXT v2 §5.5 error codes) and confirmed-downlink tracking,
//! on a virtual clock; a property that a downlink frame counter is never used for two different
//! frames, whatever the gateways answer (`design.md`: spent on hand-off, never reused).

use dataplane::network::Micros;
use dataplane::network::downlink::*;
use dataplane::network::{LorawanVersion, SessionKeys};
use proptest::prelude::*;
use shared::region::RegionId;
use shared::semtech_udp::{TX_ERRORS, TxError};
use shared::types::{Aes128Key, DevAddr, Eui64};
use std::collections::HashMap;
use std::time::Duration;

const S: u64 = 1_000_000;

struct Device {
    keys: SessionKeys,
    counters: FrameCounters,
    queue: DownlinkQueue,
    duty: DutyCycle,
}

fn device(v11: bool) -> Device {
    let k = Aes128Key::from_bytes([5; 16]);
    Device {
        keys: match v11 {
            true => SessionKeys::v1_1(&k, &k, &k, Some(&k)),
            false => SessionKeys::v1_0(&k, Some(&k)),
        },
        counters: FrameCounters::default(),
        queue: DownlinkQueue::new(64),
        duty: DutyCycle::new(DutyCycleConfig::default()),
    }
}

fn rec() -> [Reception; 1] {
    [Reception {
        gateway: Eui64::from_u64(7),
        tmst: 123,
        snr_db: Some(2.0),
        can_transmit: true,
        round_trip: Some(Duration::from_millis(20)),
        antenna_gain_db: 0.0,
    }]
}

fn schedule(
    d: &mut Device,
    v11: bool,
    received_at: Micros,
    now: Micros,
    confirmed_up: Option<u32>,
) -> Result<ScheduledDownlink, NoDownlink> {
    let rs = rec();
    let input = DataDownlinkInput {
        facts: UplinkFacts {
            region: RegionId::Eu868,
            kind: UplinkKind::Data,
            data_rate: 5,
            frequency_hz: 868_100_000,
            received_at,
            receptions: &rs,
        },
        rx: RxSettings::region_defaults(RegionId::Eu868),
        session: SessionCrypto {
            dev_addr: DevAddr::from_u32(0xAABB_CCDD),
            version: if v11 {
                LorawanVersion::V1_1
            } else {
                LorawanVersion::V1_0
            },
            keys: &d.keys,
        },
        confirmed_uplink_fcnt: confirmed_up,
        mac: &[],
        adr: true,
        force: false,
    };
    let cfg = ScheduleConfig::default();
    schedule_data_downlink(
        &cfg,
        now,
        &input,
        &mut d.counters,
        &mut d.queue,
        &mut d.duty,
    )
}

#[test]
fn every_error_code_by_table() {
    // (code, retried in RX2 when RX1 is refused in time)
    let retry: HashMap<TxError, bool> = [
        (TxError::TooLate, true),
        (TxError::TooEarly, true),
        (TxError::CollisionPacket, true),
        (TxError::CollisionBeacon, true),
        (TxError::TxFreq, true),
        (TxError::TxPower, true),
        (TxError::GpsUnlocked, true),
        (TxError::Full, false),
        (TxError::Empty, false),
    ]
    .into_iter()
    .collect();
    for (code, text) in TX_ERRORS {
        let mut d = device(false);
        d.queue.enqueue(2, vec![1, 2], false).unwrap();
        let t0 = Micros(10 * S);
        let dl = schedule(&mut d, false, t0, Micros(t0.0 + 5_000), Some(1)).unwrap();
        assert_eq!(dl.slot.window, Window::Rx1, "{text}");
        let now = Micros(t0.0 + 200_000);
        let out = handle_tx_ack(now, RegionId::Eu868, dl.clone(), Some(code), &mut d.duty);
        match (code, retry.get(&code)) {
            (TxError::None, _) => assert_eq!(out, TxAckOutcome::Sent(dl.clone()), "{text}"),
            (_, Some(true)) => {
                let TxAckOutcome::RetryRx2(r) = out else {
                    panic!("{text}: want a retry, got {out:?}");
                };
                assert_eq!(r.slot, dl.rx2_fallback.unwrap(), "{text}");
                assert_eq!(
                    (r.fcnt, r.phy_payload),
                    (dl.fcnt, dl.phy_payload),
                    "{text}: same frame"
                );
                assert_eq!(r.item, dl.item, "{text}");
                // The RX2 attempt refused too: a failure, no third try.
                let again = handle_tx_ack(now, RegionId::Eu868, r.clone(), Some(code), &mut d.duty);
                let want = TxAckOutcome::Failed {
                    downlink: r,
                    reason: FailureReason::Gateway(code),
                };
                assert_eq!(again, want, "{text}");
            }
            (_, Some(false)) => {
                let want = TxAckOutcome::Failed {
                    downlink: dl,
                    reason: FailureReason::Gateway(code),
                };
                assert_eq!(out, want, "{text}");
            }
            (_, None) => panic!("{text}: code missing from the table"),
        }
        assert_eq!(
            d.counters.n_fcnt_down, 1,
            "{text}: one counter spent, never given back"
        );
    }
}

#[test]
fn rx1_refused_too_late_for_rx2() {
    let mut d = device(false);
    let t0 = Micros(10 * S);
    let dl = schedule(&mut d, false, t0, t0, Some(1)).unwrap();
    let rx2_deadline = dl.rx2_fallback.unwrap().deadline;
    let out = handle_tx_ack(
        Micros(rx2_deadline.0 + 1),
        RegionId::Eu868,
        dl.clone(),
        Some(TxError::TooLate),
        &mut d.duty,
    );
    let want = TxAckOutcome::Failed {
        downlink: dl,
        reason: FailureReason::TooLateForRx2(TxError::TooLate),
    };
    assert_eq!(out, want);
}

#[test]
fn rx1_refused_rx2_out_of_budget() {
    let mut d = device(false);
    let t0 = Micros(10 * S);
    d.duty
        .record(
            Eui64::from_u64(7),
            RegionId::Eu868.band(),
            869_525_000,
            t0,
            Duration::from_secs(360),
        )
        .unwrap();
    let dl = schedule(&mut d, false, t0, t0, Some(1)).unwrap();
    assert_eq!(dl.slot.window, Window::Rx1);
    let out = handle_tx_ack(
        t0,
        RegionId::Eu868,
        dl.clone(),
        Some(TxError::CollisionPacket),
        &mut d.duty,
    );
    let want = TxAckOutcome::Failed {
        downlink: dl,
        reason: FailureReason::DutyCycle(TxError::CollisionPacket),
    };
    assert_eq!(out, want);
}

#[test]
fn refused_airtime_is_refunded() {
    let mut d = device(false);
    let t0 = Micros(10 * S);
    let dl = schedule(&mut d, false, t0, t0, Some(1)).unwrap();
    let band = RegionId::Eu868.band();
    let gw = Eui64::from_u64(7);
    assert_eq!(
        d.duty.used(gw, band, 868_100_000, Micros(t0.0 + S)),
        dl.slot.airtime
    );
    let _ = handle_tx_ack(
        t0,
        RegionId::Eu868,
        dl.clone(),
        Some(TxError::Full),
        &mut d.duty,
    );
    assert_eq!(
        d.duty.used(gw, band, 868_100_000, Micros(t0.0 + S)),
        Duration::ZERO
    );
}

#[test]
fn confirmed_downlink_ack_and_nack() {
    let mut d = device(true);
    let a = d.queue.enqueue(9, vec![1], true).unwrap();
    let b = d.queue.enqueue(9, vec![2], true).unwrap();
    let mut tracker = ConfirmedTracker::default();
    // (name, next uplink ACK, want event)
    let cases = [("acked", true, a), ("nacked", false, b)];
    for (i, (name, ack, id)) in cases.into_iter().enumerate() {
        let t = Micros((10 + 10 * i as u64) * S);
        let dl = schedule(&mut d, true, t, t, None).unwrap();
        assert!(dl.confirmed, "{name}");
        assert_eq!(dl.counter, FCntKind::Application, "{name}: 1.1 app port");
        let TxAckOutcome::Sent(sent) = handle_tx_ack(t, RegionId::Eu868, dl, None, &mut d.duty)
        else {
            panic!("{name}");
        };
        assert_eq!(tracker.sent(&sent), None, "{name}");
        assert_eq!(tracker.pending(), Some((id, sent.fcnt)), "{name}");
        let want = match ack {
            true => AckEvent::Acked {
                id,
                fcnt: sent.fcnt,
            },
            false => AckEvent::Nacked {
                id,
                fcnt: sent.fcnt,
            },
        };
        assert_eq!(tracker.on_uplink(ack), Some(want), "{name}");
        assert_eq!(tracker.on_uplink(true), None, "{name}: answered once");
    }
}

fn error() -> impl Strategy<Value = Option<TxError>> {
    prop::option::of(prop::sample::select(
        TX_ERRORS.iter().map(|(e, _)| *e).collect::<Vec<_>>(),
    ))
}

proptest! {
    /// Uplinks at random times, random queue contents and random gateway answers (with RX2
    /// retries): no (counter kind, FCnt) is ever carried by two different PHYPayloads, and the
    /// counters only move forward.
    #[test]
    fn counter_never_reused(
        v11 in any::<bool>(),
        steps in prop::collection::vec(
            (0u64..1_500_000, any::<bool>(), any::<bool>(), 0usize..30, error(), error()),
            1..40,
        ),
    ) {
        let mut d = device(v11);
        let mut seen: HashMap<(FCntKind, u32), Vec<u8>> = HashMap::new();
        let mut last = d.counters;
        for (i, (lag, confirmed, enqueue, len, e1, e2)) in steps.into_iter().enumerate() {
            // One uplink an hour apart: duty cycle never decides here.
            let t = Micros((i as u64 + 1) * 3600 * S);
            if enqueue {
                let _ = d.queue.enqueue(1 + (len as u8 % 200), vec![len as u8; len], len % 3 == 0);
            }
            let now = Micros(t.0 + lag);
            let Ok(dl) = schedule(&mut d, v11, t, now, confirmed.then_some(i as u32)) else {
                continue;
            };
            prop_assert!(d.counters.n_fcnt_down >= last.n_fcnt_down);
            prop_assert!(d.counters.a_fcnt_down >= last.a_fcnt_down);
            prop_assert!(d.counters != last, "a sealed frame spends a counter");
            last = d.counters;
            let mut sent = vec![dl.clone()];
            if let TxAckOutcome::RetryRx2(r) = handle_tx_ack(now, RegionId::Eu868, dl, e1, &mut d.duty) {
                let _ = handle_tx_ack(now, RegionId::Eu868, r.clone(), e2, &mut d.duty);
                sent.push(r);
            }
            for s in sent {
                let bytes = s.phy_payload.as_slice().to_vec();
                let prev = seen.entry((s.counter, s.fcnt)).or_insert_with(|| bytes.clone());
                prop_assert_eq!(&*prev, &bytes, "counter reused for another frame");
            }
        }
    }
}
