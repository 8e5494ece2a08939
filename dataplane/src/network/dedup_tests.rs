//! Named cases and a model-based property test for the dedup table.

use super::*;
use crate::network::{DropReason, Micros, Now};
use proptest::prelude::*;
use shared::types::Eui64;
use std::collections::BTreeSet;
use std::hash::BuildHasherDefault;

/// A hasher that sends every key to the same bucket: forces full comparison and chains.
#[derive(Default)]
struct Collide;
impl Hasher for Collide {
    fn finish(&self) -> u64 {
        7
    }
    fn write(&mut self, _: &[u8]) {}
}

fn ms(v: u64) -> Micros {
    Micros(v * 1000)
}

fn at(v: u64) -> Now {
    Now {
        at: ms(v),
        unix_ms: 1_700_000_000_000 + v,
    }
}

fn rx(gw: u64, snr: Option<f32>, rssi: Option<f32>) -> RxMetadata {
    RxMetadata {
        gateway_eui: Eui64::from_u64(gw),
        timestamp_us: 0,
        gps_time_ms: None,
        fine_timestamp_ns: None,
        rssi_dbm: rssi,
        snr_db: snr,
        channel: None,
        rf_chain: None,
    }
}

fn radio(f: u64, sf: u8) -> RadioSettings {
    RadioSettings {
        frequency_hz: f,
        spreading_factor: sf,
        bandwidth_hz: 125_000,
        bit_rate: 0,
    }
}

const F1: u64 = 868_100_000;
const F2: u64 = 868_300_000;

fn drain<S: BuildHasher>(d: &mut Dedup<S>, now: Micros) -> Vec<(Vec<u8>, Closed)> {
    let mut buf = [0; MAX_PHY_LEN];
    let mut out = Vec::new();
    while let Some(c) = d.poll(now, &mut buf) {
        out.push((buf[..c.len].to_vec(), c));
    }
    out
}

fn gateways(c: &Closed) -> Vec<u64> {
    c.rx.iter().map(|r| r.gateway_eui.to_u64()).collect()
}

#[test]
fn three_gateways_merge_best_first_one_per_gateway() {
    let mut d = Dedup::new(DedupConfig::default());
    let phy = [0x40, 1, 2, 3, 4, 0, 1, 0, 9, 9, 9, 9];
    let s = radio(F1, 7);
    assert_eq!(
        d.offer(at(0), &phy, rx(1, Some(-5.0), Some(-110.0)), s),
        Ok(Admission::Opened)
    );
    assert_eq!(
        d.offer(at(10), &phy, rx(2, Some(7.5), Some(-90.0)), s),
        Ok(Admission::Merged)
    );
    assert_eq!(
        d.offer(at(20), &phy, rx(3, Some(7.5), Some(-80.0)), s),
        Ok(Admission::Merged)
    );
    // Gateway 1 again through a second path, better: replaces its own entry.
    assert_eq!(
        d.offer(at(30), &phy, rx(1, Some(0.0), None), s),
        Ok(Admission::Merged)
    );
    // Gateway 2 again, worse: ignored.
    assert_eq!(
        d.offer(at(40), &phy, rx(2, Some(-20.0), None), s),
        Ok(Admission::Merged)
    );
    assert!(
        drain(&mut d, ms(199)).is_empty(),
        "window still open at 199 ms"
    );
    let out = drain(&mut d, ms(200));
    assert_eq!(out.len(), 1, "one uplink");
    let (bytes, c) = &out[0];
    assert_eq!(bytes.as_slice(), phy.as_slice());
    assert_eq!(gateways(c), [3, 2, 1], "SNR then RSSI, best first");
    assert_eq!(
        c.rx[2].snr_db,
        Some(0.0),
        "the better copy of gateway 1 kept"
    );
    assert_eq!(
        (c.opened_at, c.received_at_ms, c.settings),
        (ms(0), 1_700_000_000_000, s)
    );
    assert_eq!(d.open_len(), 0);
}

#[test]
fn key_is_bytes_frequency_and_data_rate() {
    let mut d = Dedup::new(DedupConfig::default());
    let phy = [0x40, 1, 2, 3, 4, 0, 1, 0, 9, 9, 9, 9];
    let mut other = phy;
    other[11] = 8;
    let cases = [
        ("first", phy, radio(F1, 7), Ok(Admission::Opened)),
        (
            "same bytes other frequency",
            phy,
            radio(F2, 7),
            Ok(Admission::Opened),
        ),
        (
            "same bytes other data rate",
            phy,
            radio(F1, 8),
            Ok(Admission::Opened),
        ),
        ("other bytes", other, radio(F1, 7), Ok(Admission::Opened)),
        (
            "copy of the first",
            phy,
            radio(F1, 7),
            Ok(Admission::Merged),
        ),
    ];
    for (name, p, s, want) in cases {
        assert_eq!(d.offer(at(1), &p, rx(1, None, None), s), want, "{name}");
    }
    assert_eq!(drain(&mut d, ms(500)).len(), 4);
}

#[test]
fn late_copies_within_cooldown_then_new() {
    let cfg = DedupConfig {
        window: Duration::from_millis(200),
        cooldown: Duration::from_secs(2),
        ..Default::default()
    };
    let mut d = Dedup::new(cfg);
    let phy = [0x40; 20];
    let s = radio(F1, 9);
    d.offer(at(0), &phy, rx(1, None, None), s).unwrap();
    let cases = [
        (
            "at the window's end, before poll: late",
            200,
            Err(DropReason::DedupLate),
        ),
        ("after close", 300, Err(DropReason::DedupLate)),
        ("just inside cooldown", 2_199, Err(DropReason::DedupLate)),
        ("cooldown over: a new uplink", 2_200, Ok(Admission::Opened)),
    ];
    for (name, t, want) in cases {
        if t == 300 {
            assert_eq!(drain(&mut d, ms(250)).len(), 1, "closed once");
        }
        assert_eq!(d.offer(at(t), &phy, rx(2, None, None), s), want, "{name}");
    }
    let out = drain(&mut d, ms(2_400));
    assert_eq!(out.len(), 1);
    assert_eq!(gateways(&out[0].1), [2]);
}

#[test]
fn bounded_entries_evict_cooling_then_refuse() {
    let cfg = DedupConfig {
        max_entries: 2,
        ..Default::default()
    };
    let mut d = Dedup::new(cfg);
    let s = radio(F1, 7);
    assert_eq!(
        d.offer(at(0), &[1; 12], rx(1, None, None), s),
        Ok(Admission::Opened)
    );
    assert_eq!(
        d.offer(at(0), &[2; 12], rx(1, None, None), s),
        Ok(Admission::Opened)
    );
    assert_eq!(
        d.offer(at(1), &[3; 12], rx(1, None, None), s),
        Err(DropReason::DedupFull),
        "both open"
    );
    assert_eq!(drain(&mut d, ms(200)).len(), 2);
    assert_eq!(d.len(), 2, "two cooling");
    assert_eq!(
        d.offer(at(300), &[3; 12], rx(1, None, None), s),
        Ok(Admission::Opened),
        "evicts the oldest cooling"
    );
    assert_eq!(
        d.offer(at(300), &[2; 12], rx(1, None, None), s),
        Err(DropReason::DedupLate),
        "the younger still cools"
    );
    assert_eq!(
        d.offer(at(301), &[1; 12], rx(1, None, None), s),
        Ok(Admission::Opened),
        "evicted key is new again"
    );
    assert_eq!(d.len(), 2);
}

#[test]
fn hash_collisions_never_merge() {
    let mut d = Dedup::with_hasher(
        DedupConfig::default(),
        BuildHasherDefault::<Collide>::default(),
    );
    let s = radio(F1, 7);
    for k in 0..5u8 {
        assert_eq!(
            d.offer(at(0), &[k; 12], rx(1, None, None), s),
            Ok(Admission::Opened),
            "key {k}"
        );
    }
    assert_eq!(
        d.offer(at(1), &[3; 12], rx(2, None, None), s),
        Ok(Admission::Merged)
    );
    let out = drain(&mut d, ms(200));
    let got: Vec<(u8, usize)> = out.iter().map(|(b, c)| (b[0], c.rx.len())).collect();
    assert_eq!(got, [(0, 1), (1, 1), (2, 1), (3, 2), (4, 1)]);
    // Expire the middle of the chain first, then the rest, through the late path.
    assert_eq!(
        d.offer(at(2_199), &[2; 12], rx(1, None, None), s),
        Err(DropReason::DedupLate)
    );
    assert_eq!(
        d.offer(at(2_200), &[4; 12], rx(1, None, None), s),
        Ok(Admission::Opened)
    );
    assert_eq!(d.len(), 1);
}

#[test]
fn too_long_and_deadline() {
    let mut d = Dedup::new(DedupConfig::default());
    assert_eq!(d.next_deadline(), None);
    assert_eq!(
        d.offer(at(0), &[0; 256], rx(1, None, None), radio(F1, 7)),
        Err(DropReason::Parse)
    );
    d.offer(at(5), &[0; 255], rx(1, None, None), radio(F1, 7))
        .unwrap();
    d.offer(at(7), &[1; 255], rx(1, None, None), radio(F1, 7))
        .unwrap();
    assert_eq!(d.next_deadline(), Some(ms(205)));
    assert_eq!(drain(&mut d, ms(205)).len(), 1);
    assert_eq!(d.next_deadline(), Some(ms(207)));
    // A clock going backwards is clamped: nothing reopens or closes early.
    assert!(drain(&mut d, ms(1)).is_empty());
}

#[derive(Debug, Clone)]
enum Op {
    Offer {
        dt: u64,
        frame: u8,
        freq: u8,
        gw: u8,
    },
    Poll {
        dt: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u64..400, 0u8..3, 0u8..2, 0u8..4).prop_map(|(dt, frame, freq, gw)| Op::Offer { dt, frame, freq, gw }),
        1 => (0u64..3_000).prop_map(|dt| Op::Poll { dt }),
    ]
}

#[derive(Debug, PartialEq)]
enum MState {
    Open { closes: u64 },
    Cooling { until: u64 },
}

struct MEntry {
    key: (u8, u8),
    state: MState,
    gws: BTreeSet<u8>,
}

/// The reference: a list scanned linearly, with the semantics the module doc states.
#[derive(Default)]
struct Model {
    entries: Vec<MEntry>,
}

impl Model {
    fn expire(&mut self, now: u64) {
        self.entries
            .retain(|e| !matches!(e.state, MState::Cooling { until } if until <= now));
    }
    fn offer(&mut self, now: u64, key: (u8, u8), gw: u8) -> Result<Admission, DropReason> {
        self.expire(now);
        match self.entries.iter_mut().find(|e| e.key == key) {
            Some(e) => match e.state {
                MState::Open { closes } if now < closes => {
                    e.gws.insert(gw);
                    Ok(Admission::Merged)
                }
                _ => Err(DropReason::DedupLate),
            },
            None => {
                self.entries.push(MEntry {
                    key,
                    state: MState::Open {
                        closes: now + 200_000,
                    },
                    gws: [gw].into(),
                });
                Ok(Admission::Opened)
            }
        }
    }
    fn poll(&mut self, now: u64) -> Vec<((u8, u8), Vec<u8>)> {
        self.expire(now);
        let mut out = Vec::new();
        for e in &mut self.entries {
            if let MState::Open { closes } = e.state
                && closes <= now
            {
                e.state = MState::Cooling {
                    until: closes + 2_000_000,
                };
                out.push((e.key, e.gws.iter().copied().collect()));
            }
        }
        out
    }
}

fn check_against_model<S: BuildHasher>(mut d: Dedup<S>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut model = Model::default();
    let mut now = 0u64;
    for op in ops {
        match op {
            Op::Offer {
                dt,
                frame,
                freq,
                gw,
            } => {
                now += dt * 1000;
                let phy = [0x40, frame, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
                let s = radio(if freq == 0 { F1 } else { F2 }, 7);
                let got = d.offer(
                    Now {
                        at: Micros(now),
                        unix_ms: 0,
                    },
                    &phy,
                    rx(u64::from(gw), Some(f32::from(gw)), None),
                    s,
                );
                prop_assert_eq!(got, model.offer(now, (frame, freq), gw));
            }
            Op::Poll { dt } => {
                now += dt * 1000;
                let got: Vec<((u8, u8), Vec<u8>)> = drain(&mut d, Micros(now))
                    .into_iter()
                    .map(|(b, c)| {
                        let freq = u8::from(c.settings.frequency_hz == F2);
                        let mut g: Vec<u8> =
                            c.rx.iter().map(|r| r.gateway_eui.to_u64() as u8).collect();
                        g.sort();
                        ((b[1], freq), g)
                    })
                    .collect();
                prop_assert_eq!(got, model.poll(now));
            }
        }
        prop_assert_eq!(
            d.open_len(),
            model
                .entries
                .iter()
                .filter(|e| matches!(e.state, MState::Open { .. }))
                .count()
        );
    }
    Ok(())
}

proptest! {
    #[test]
    fn dedup_matches_model(ops in proptest::collection::vec(op(), 1..80)) {
        check_against_model(Dedup::new(DedupConfig::default()), ops)?;
    }

    #[test]
    fn dedup_matches_model_when_every_hash_collides(ops in proptest::collection::vec(op(), 1..80)) {
        check_against_model(Dedup::with_hasher(DedupConfig::default(), BuildHasherDefault::<Collide>::default()), ops)?;
    }

    /// Whatever the traffic, memory stays within the cap, and every window opened is handed out
    /// exactly once, with no more receptions than copies accepted into it.
    #[test]
    fn bounded_and_each_window_closed_once(ops in proptest::collection::vec(op(), 1..120), cap in 1usize..4) {
        let mut d = Dedup::new(DedupConfig { max_entries: cap, ..Default::default() });
        let (mut opened, mut accepted, mut closed, mut receptions, mut now) = (0, 0, 0, 0, 0u64);
        for op in ops {
            match op {
                Op::Offer { dt, frame, freq, gw } => {
                    now += dt * 1000;
                    let phy = [0x40, frame, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
                    let s = radio(if freq == 0 { F1 } else { F2 }, 7);
                    match d.offer(Now { at: Micros(now), unix_ms: 0 }, &phy, rx(u64::from(gw), None, None), s) {
                        Ok(Admission::Opened) => { opened += 1; accepted += 1; }
                        Ok(Admission::Merged) => accepted += 1,
                        Err(r) => prop_assert!(matches!(r, DropReason::DedupLate | DropReason::DedupFull)),
                    }
                }
                Op::Poll { dt } => {
                    now += dt * 1000;
                    for (_, c) in drain(&mut d, Micros(now)) { closed += 1; receptions += c.rx.len(); }
                }
            }
            prop_assert!(d.len() <= cap);
            prop_assert!(d.open_len() <= d.len());
        }
        for (_, c) in drain(&mut d, Micros(now + 1_000_000)) { closed += 1; receptions += c.rx.len(); }
        prop_assert_eq!(opened, closed);
        prop_assert!(receptions <= accepted);
        prop_assert_eq!(d.open_len(), 0);
    }
}
