//! Dedup insert and close: `dataplane::network::dedup::Dedup` (keyed aHash digest, slab of inline
//! 255-byte slots, FIFO close/cooldown queues) beside the obvious baseline, a std
//! `HashMap<(Vec<u8>, RadioSettings key), Vec<RxMetadata>>` with SipHash and a FIFO of keys to
//! close, in the same run. One iteration: a batch of 256 distinct 23-byte uplinks, each offered
//! by k = 3 gateways, then every window closed and its uplink handed out. The baseline does less
//! (no cooldown, no late-copy accounting, no bound on entries), so it is a floor for a map.
#![allow(missing_docs)]

use bench::{criterion, print_ratios};
use criterion::{BatchSize, Criterion};
use dataplane::application::event::{RadioSettings, RxMetadata};
use dataplane::network::dedup::{Dedup, DedupConfig, MAX_PHY_LEN};
use dataplane::network::{Micros, Now};
use shared::types::Eui64;
use std::collections::{HashMap, VecDeque};
use std::hint::black_box;
use std::time::Duration;

const BATCH: usize = 256;
const K: u64 = 3;
const GROUP: &str = "dedup_256_uplinks_k3";

fn frames() -> Vec<[u8; 23]> {
    (0..BATCH as u32)
        .map(|i| {
            let mut f = [0x40u8; 23];
            f[1..5].copy_from_slice(&i.to_le_bytes());
            f[6..10].copy_from_slice(&(i.wrapping_mul(2_654_435_761)).to_le_bytes());
            f
        })
        .collect()
}

fn rx(gw: u64) -> RxMetadata {
    RxMetadata {
        gateway_eui: Eui64::from_u64(gw),
        timestamp_us: 1000,
        gps_time_ms: None,
        fine_timestamp_ns: None,
        rssi_dbm: Some(-80.0),
        snr_db: Some(7.0 - gw as f32),
        channel: Some(0),
        rf_chain: Some(0),
    }
}

const SETTINGS: RadioSettings = RadioSettings {
    frequency_hz: 868_100_000,
    spreading_factor: 7,
    bandwidth_hz: 125_000,
    bit_rate: 0,
};

type Key = (Vec<u8>, u64, u8, u32);

/// The baseline: a std map from the whole key to the receptions, and the keys in open order.
#[derive(Default)]
struct StdDedup {
    map: HashMap<Key, Vec<RxMetadata>>,
    order: VecDeque<Key>,
}

impl StdDedup {
    fn offer(&mut self, phy: &[u8], rx: RxMetadata, s: RadioSettings) -> bool {
        let key = (
            phy.to_vec(),
            s.frequency_hz,
            s.spreading_factor,
            s.bandwidth_hz,
        );
        match self.map.get_mut(&key) {
            Some(v) => {
                v.push(rx);
                false
            }
            None => {
                self.order.push_back(key.clone());
                self.map.insert(key, vec![rx]);
                true
            }
        }
    }

    fn close(&mut self) -> Option<(Key, Vec<RxMetadata>)> {
        let k = self.order.pop_front()?;
        self.map.remove_entry(&k)
    }
}

fn dedup(c: &mut Criterion) {
    let frames = frames();
    let config = DedupConfig {
        window: Duration::from_millis(200),
        cooldown: Duration::from_secs(2),
        ..DedupConfig::default()
    };
    // Each batch starts 3 s after the previous one: the previous windows closed and cooled down.
    let mut ours = Dedup::new(config);
    let mut t = 0u64;
    let mut buf = [0u8; MAX_PHY_LEN];
    let mut g = c.benchmark_group(GROUP);
    g.throughput(criterion::Throughput::Elements(BATCH as u64 * K));
    g.bench_function("ours", |b| {
        b.iter(|| {
            t += 3_000_000;
            for f in &frames {
                for gw in 0..K {
                    let now = Now {
                        at: Micros(t + gw * 10),
                        unix_ms: 0,
                    };
                    let _ = black_box(ours.offer(now, f, rx(gw), SETTINGS));
                }
            }
            let mut closed = 0;
            while let Some(c) = ours.poll(Micros(t + 300_000), &mut buf) {
                closed += c.rx.len();
                black_box(c);
            }
            assert_eq!(closed, BATCH * K as usize);
        })
    });
    let mut base = StdDedup::default();
    g.bench_function("std HashMap", |b| {
        b.iter(|| {
            for f in &frames {
                for gw in 0..K {
                    black_box(base.offer(f, rx(gw), SETTINGS));
                }
            }
            let mut closed = 0;
            while let Some(c) = base.close() {
                closed += c.1.len();
                black_box(c);
            }
            assert_eq!(closed, BATCH * K as usize);
        })
    });
    // The same work from a cold table each time (first batch after start).
    g.bench_function("ours, fresh table", |b| {
        b.iter_batched(
            || Dedup::new(config),
            |mut d| {
                for f in &frames {
                    for gw in 0..K {
                        let now = Now {
                            at: Micros(gw * 10),
                            unix_ms: 0,
                        };
                        let _ = black_box(d.offer(now, f, rx(gw), SETTINGS));
                    }
                }
                while let Some(c) = d.poll(Micros(300_000), &mut buf) {
                    black_box(c);
                }
                d
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn main() {
    let mut c = criterion();
    dedup(&mut c);
    c.final_summary();
    print_ratios(GROUP, "std HashMap", &["ours", "std HashMap"]);
}
