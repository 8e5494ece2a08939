//! Core-to-core hand-off: the data plane's mesh ring (`runtime::mesh`, one `ringbuf` SPSC ring
//! per ordered pair of cores) beside `crossbeam_queue::ArrayQueue` (bounded MPMC) and
//! `std::sync::mpsc::sync_channel` (bounded MPSC), all holding 8192 64-byte messages, in the same
//! run. Two shapes:
//! - `same_thread`: push a burst of 256, drain 256 (the cost of the operations alone, no
//!   cache-line transfer);
//! - `cross_thread`: one producer thread, one consumer thread spinning, 64k messages end to end
//!   (the shape of the node's hand-off, with the line transfers it pays).
#![allow(missing_docs)]

use bench::{criterion, print_ratios};
use criterion::{Criterion, Throughput};
use crossbeam_queue::ArrayQueue;
use dataplane::runtime::mesh::{MeshEndpoint, mesh};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};

const CAP: usize = 8192;
const BURST: usize = 256;
const CROSS: u64 = 65_536;

/// A message of the size of a small hand-off (an uplink's reference and metadata).
type Msg = [u64; 8];

fn msg(i: u64) -> Msg {
    [i; 8]
}

/// One producer/consumer pair of a queue under test.
trait Pair: Send + 'static {
    /// Producer side (moved to the producer thread in `cross_thread`).
    type Tx: Send + 'static;
    /// Consumer side.
    type Rx: Send + 'static;
    fn make() -> (Self::Tx, Self::Rx);
    fn push(tx: &mut Self::Tx, m: Msg) -> Result<(), Msg>;
    fn pop(rx: &mut Self::Rx) -> Option<Msg>;
}

struct Mesh;
impl Pair for Mesh {
    type Tx = MeshEndpoint<Msg>;
    type Rx = MeshEndpoint<Msg>;
    fn make() -> (Self::Tx, Self::Rx) {
        let mut eps = mesh::<Msg>(2, CAP);
        let rx = eps.pop().expect("two endpoints");
        let tx = eps.pop().expect("two endpoints");
        (tx, rx)
    }
    fn push(tx: &mut Self::Tx, m: Msg) -> Result<(), Msg> {
        tx.try_send(1, m)
    }
    fn pop(rx: &mut Self::Rx) -> Option<Msg> {
        let mut got = None;
        rx.drain(1, |_, m| got = Some(m));
        got
    }
}

struct Crossbeam;
impl Pair for Crossbeam {
    type Tx = Arc<ArrayQueue<Msg>>;
    type Rx = Arc<ArrayQueue<Msg>>;
    fn make() -> (Self::Tx, Self::Rx) {
        let q = Arc::new(ArrayQueue::new(CAP));
        (q.clone(), q)
    }
    fn push(tx: &mut Self::Tx, m: Msg) -> Result<(), Msg> {
        tx.push(m)
    }
    fn pop(rx: &mut Self::Rx) -> Option<Msg> {
        rx.pop()
    }
}

struct StdMpsc;
impl Pair for StdMpsc {
    type Tx = SyncSender<Msg>;
    type Rx = Receiver<Msg>;
    fn make() -> (Self::Tx, Self::Rx) {
        sync_channel(CAP)
    }
    fn push(tx: &mut Self::Tx, m: Msg) -> Result<(), Msg> {
        tx.try_send(m).map_err(|e| match e {
            std::sync::mpsc::TrySendError::Full(m)
            | std::sync::mpsc::TrySendError::Disconnected(m) => m,
        })
    }
    fn pop(rx: &mut Self::Rx) -> Option<Msg> {
        rx.try_recv().ok()
    }
}

const NAMES: [&str; 3] = [
    "mesh SPSC (ours)",
    "crossbeam ArrayQueue",
    "std sync_channel",
];

fn same_thread<P: Pair>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
) {
    let (mut tx, mut rx) = P::make();
    c.bench_function(name, |b| {
        b.iter(|| {
            for i in 0..BURST as u64 {
                let _ = P::push(&mut tx, black_box(msg(i)));
            }
            let mut n = 0;
            while let Some(m) = P::pop(&mut rx) {
                black_box(m);
                n += 1;
            }
            assert_eq!(n, BURST);
        })
    });
}

/// `CROSS` messages from a producer thread to this one, spinning on full/empty.
fn cross_once<P: Pair>() -> Duration {
    let (mut tx, mut rx) = P::make();
    let start = Instant::now();
    let producer = std::thread::spawn(move || {
        for i in 0..CROSS {
            let mut m = msg(i);
            while let Err(back) = P::push(&mut tx, m) {
                m = back;
                std::hint::spin_loop();
            }
        }
        tx
    });
    let mut got = 0;
    while got < CROSS {
        match P::pop(&mut rx) {
            Some(m) => {
                black_box(m);
                got += 1;
            }
            None => std::hint::spin_loop(),
        }
    }
    let took = start.elapsed();
    let _ = producer.join();
    took
}

fn cross_thread<P: Pair>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
) {
    c.bench_function(name, |b| {
        b.iter_custom(|iters| (0..iters).map(|_| cross_once::<P>()).sum())
    });
}

fn ring(c: &mut Criterion) {
    let mut g = c.benchmark_group("ring_same_thread_burst256");
    g.throughput(Throughput::Elements(BURST as u64));
    same_thread::<Mesh>(&mut g, NAMES[0]);
    same_thread::<Crossbeam>(&mut g, NAMES[1]);
    same_thread::<StdMpsc>(&mut g, NAMES[2]);
    g.finish();
    let mut g = c.benchmark_group("ring_cross_thread_64k");
    g.throughput(Throughput::Elements(CROSS));
    g.sample_size(10);
    cross_thread::<Mesh>(&mut g, NAMES[0]);
    cross_thread::<Crossbeam>(&mut g, NAMES[1]);
    cross_thread::<StdMpsc>(&mut g, NAMES[2]);
    g.finish();
}

fn main() {
    let mut c = criterion();
    ring(&mut c);
    c.final_summary();
    for g in ["ring_same_thread_burst256", "ring_cross_thread_64k"] {
        print_ratios(g, NAMES[2], &NAMES);
    }
}
