//! Cross-core hand-off latency: one core hands a message to a peer that is idle in its io_uring
//! loop (the data plane's `UdpRing::run` with the production 1 ms tick); the peer's `on_turn`
//! drains its mesh ring. Measured in ONE run, two ways: the peer woken only by its tick (the
//! old behaviour), and woken by its eventfd doorbell (`mesh::attach_doorbells`). Prints
//! percentiles of send → drained, and how many doorbell writes the sender made.
//!
//! ```text
//! cargo run --release -p bench --bin handoff [-- --messages 2000 --tick-us 1000]
//! ```

use dataplane::runtime::mesh::{MeshEndpoint, attach_doorbells, mesh};
use dataplane::runtime::udp::{DatagramHandler, Outbox, RecvMode, UdpRing, UdpStats};
use hdrhistogram::Histogram;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The idle core: records how long each message waited.
struct Peer {
    mesh: MeshEndpoint<Instant>,
    lat: Histogram<u64>,
    /// Messages to record (the last one only stops the loop).
    limit: u64,
}

impl DatagramHandler for Peer {
    fn on_datagram(&mut self, _: Instant, _: SocketAddr, _: &[u8], _: &mut Outbox) {}

    fn on_turn(&mut self, _: Instant, _: &mut Outbox, _: &UdpStats) {
        let (lat, limit) = (&mut self.lat, self.limit);
        self.mesh.drain(1024, |_, sent| {
            if lat.len() >= limit {
                return;
            }
            let ns = u64::try_from(sent.elapsed().as_nanos()).unwrap_or(u64::MAX);
            let _ = lat.record(ns.max(1));
        });
    }

    fn doorbell_fd(&self) -> Option<std::os::fd::RawFd> {
        self.mesh.doorbell().map(|b| b.fd())
    }

    fn park(&mut self) -> bool {
        self.mesh.park()
    }

    fn unpark(&mut self) {
        self.mesh.unpark();
    }
}

struct Run {
    lat: Histogram<u64>,
    rings: usize,
    wakes: u64,
}

fn run(doorbells: bool, messages: u64, tick: Duration) -> Res<Run> {
    let mut eps = mesh::<Instant>(2, 1024);
    if doorbells {
        attach_doorbells(&mut eps)?;
    }
    let peer_ep = eps.pop().ok_or("endpoint")?;
    let mut me = eps.pop().ok_or("endpoint")?;
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = Arc::clone(&stop);
    let peer = std::thread::spawn(move || -> Res<(Histogram<u64>, u64)> {
        let mut ring = UdpRing::bind("127.0.0.1:0".parse()?, RecvMode::Single)?;
        let mut p = Peer {
            mesh: peer_ep,
            lat: Histogram::new(3)?,
            limit: messages,
        };
        ring.run(&mut p, &stop2, tick)?;
        Ok((p.lat, ring.stats.doorbell_wakes))
    });
    std::thread::sleep(Duration::from_millis(20));
    let mut rings = 0;
    for i in 0..messages {
        // Gaps of 0.3–1.5 ms: the peer is idle at each send, at every phase of its tick.
        std::thread::sleep(Duration::from_micros(300 + (i * 137) % 1200));
        if me.try_send(1, Instant::now()).is_ok() {
            rings += me.ring_doorbells();
        }
    }
    std::thread::sleep(tick * 3);
    stop.store(true, Ordering::Relaxed);
    let _ = me.try_send(1, Instant::now());
    me.ring_doorbells();
    let (lat, wakes) = peer.join().map_err(|_| "peer panicked")??;
    Ok(Run { lat, rings, wakes })
}

fn main() -> Res<()> {
    let mut messages = 2000u64;
    let mut tick_us = 1000u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next().ok_or_else(|| format!("{a} needs a value"))?;
        match a.as_str() {
            "--messages" => messages = v.parse()?,
            "--tick-us" => tick_us = v.parse()?,
            _ => return Err(format!("unknown option {a}").into()),
        }
    }
    let tick = Duration::from_micros(tick_us);
    println!(
        "hand-off to an idle core, {messages} messages, tick {tick_us} µs (latency send → drained, µs)"
    );
    println!(
        "{:<10} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8}",
        "wake-up", "p50", "p90", "p99", "max", "messages", "rings", "wakes"
    );
    for (name, bells) in [("tick", false), ("doorbell", true)] {
        let r = run(bells, messages, tick)?;
        let us = |q: f64| r.lat.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "{:<10} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>9} {:>8} {:>8}",
            name,
            us(0.5),
            us(0.9),
            us(0.99),
            r.lat.max() as f64 / 1000.0,
            r.lat.len(),
            r.rings,
            r.wakes
        );
    }
    Ok(())
}
