//! One measurement each: the pipeline in-process (datagrams straight into a [`Worker`], turns
//! every [`TURN`] datagrams on the real clock, then one final turn past the window so every
//! uplink is delivered inside the timed span), the Semtech UDP ingress alone (same datagrams,
//! frames counted instead of processed: what parsing and acknowledging costs), and a socket run
//! (a receive loop on one thread, the sender on another, bounded by count and time).

use super::Options;
use super::load::{self, Load};
use super::probe::{Probe, ProbeSink, Role, SendTable, pin, thread_cpu};
use super::receivers::{Ingress, Received, Setup, TURN, receive};
use super::sender::{SendPlan, Sent, send};
use dataplane::drop::DropReason;
use dataplane::gateway::udp::ingress::{JsonParser, SemtechUdpIngress};
use dataplane::gateway::{GatewayUplink, UplinkSink, registry::GatewayRegistry};
use dataplane::runtime::udp::{DatagramHandler, Outbox, UdpStats};
use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// An in-process run.
#[derive(Debug, Default, Clone)]
pub struct InProc {
    /// Datagrams fed.
    pub datagrams: u64,
    /// Wall time from the first datagram to the last event.
    pub elapsed: Duration,
    /// CPU time of the thread.
    pub cpu: Duration,
    /// Deduplicated uplinks delivered (frames handed on, for the ingress-only run).
    pub events: u64,
    /// Drops by reason.
    pub drops: Vec<(&'static str, u64)>,
}

const FROM: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    40_000,
));

/// Feeds `h` every datagram of `load`, a turn every [`TURN`], the last turn past `window`.
fn feed<H: DatagramHandler>(h: &mut H, load: &Load, window: Duration) -> (Duration, Duration) {
    let (mut out, mut stats) = (Outbox::default(), UdpStats::default());
    let cpu0 = thread_cpu();
    let start = Instant::now();
    let mut i = 0;
    while i < load.len() {
        let now = Instant::now();
        let end = (i + TURN).min(load.len());
        for j in i..end {
            h.on_datagram(now, FROM, load.datagram(j), &mut out);
        }
        stats.datagrams_in += (end - i) as u64;
        h.on_turn(now, &mut out, &stats);
        // The io_uring loop copies each reply out of the outbox the same way.
        out.drain().for_each(drop);
        i = end;
    }
    let past = Instant::now() + window + Duration::from_millis(1);
    h.on_turn(past, &mut out, &stats);
    (start.elapsed(), thread_cpu().saturating_sub(cpu0))
}

/// Spawns a scoped thread named `name` (so profiles can be read per role).
fn named<'s, 'e, T: Send + 's>(
    s: &'s std::thread::Scope<'s, 'e>,
    name: &str,
    f: impl FnOnce() -> T + Send + 's,
) -> std::thread::ScopedJoinHandle<'s, T> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn_scoped(s, f)
        .expect("spawn a thread")
}

/// The whole pipeline in-process, on a thread pinned like the receivers, PUSH_DATA read by
/// `parser`.
pub fn in_process(load: &Load, opts: &Options, parser: JsonParser) -> InProc {
    std::thread::scope(|s| {
        named(s, "pipeline", || {
            pin(Role::Receiver, opts.pin);
            let probe = Rc::new(RefCell::new(Probe::new(load.shape, None, opts.window)));
            let sink = ProbeSink(Rc::clone(&probe));
            let mut w = load::worker_with(load.shape, opts.dedup(), sink, parser, None);
            let (elapsed, cpu) = feed(&mut w, load, opts.window);
            let totals = w.totals(&UdpStats::default());
            let drops = DropReason::ALL
                .iter()
                .filter_map(|r| {
                    let n = totals.drops.get(r.index()).copied().unwrap_or(0);
                    (n > 0).then_some((r.as_str(), n))
                })
                .collect();
            let events = probe.borrow().events;
            InProc {
                datagrams: load.len() as u64,
                elapsed,
                cpu,
                events,
                drops,
            }
        })
        .join()
        .unwrap_or_default()
    })
}

/// Counts frames instead of processing them.
#[derive(Default)]
struct CountFrames(u64);

impl UplinkSink for CountFrames {
    fn uplink(&mut self, _now: Instant, up: GatewayUplink) {
        self.0 += u64::from(!up.phy_payload.as_slice().is_empty());
    }
}

/// The Semtech UDP ingress alone (parse, registry lookup, PUSH_ACK, one `GatewayUplink` per rxpk).
pub fn ingress_only(load: &Load, opts: &Options, parser: JsonParser) -> InProc {
    std::thread::scope(|s| {
        named(s, "ingress-only", || {
            pin(Role::Receiver, opts.pin);
            let reg: GatewayRegistry = load::registry(load.shape.k);
            let mut ing =
                SemtechUdpIngress::new(Arc::new(reg), CountFrames::default()).with_parser(parser);
            let (elapsed, cpu) = feed(&mut ing, load, opts.window);
            InProc {
                datagrams: load.len() as u64,
                elapsed,
                cpu,
                events: ing.sink().0,
                drops: ing
                    .drops()
                    .filter(|(_, n)| *n > 0)
                    .map(|(r, n)| (r.as_str(), n))
                    .collect(),
            }
        })
        .join()
        .unwrap_or_default()
    })
}

/// A socket run.
#[derive(Debug)]
pub struct SocketRun {
    /// The receive loop.
    pub ingress: Ingress,
    /// What the sender did.
    pub sent: Sent,
    /// What the receiver saw.
    pub rx: Received,
}

/// Runs `ingress` against the sender on `load`, at `rate` datagrams/s (0: unpaced) for at most
/// `secs`.
pub fn socket_run(
    ingress: Ingress,
    load: &Load,
    opts: &Options,
    rate: u64,
    secs: Duration,
) -> SocketRun {
    let setup = Setup {
        shape: load.shape,
        dedup: opts.dedup(),
        table: Arc::new(SendTable::new(load.shape.uplinks as usize)),
        stop: Arc::new(AtomicBool::new(false)),
        tick: Duration::from_millis(1),
        pin: opts.pin,
    };
    let plan = SendPlan {
        max_time: secs,
        rate,
        pin: opts.pin,
    };
    let setup = &setup;
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel();
        let receiver = named(s, "receiver", move || receive(ingress, setup, tx));
        let sent = match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(addr) => named(s, "sender", move || {
                send(load, addr, Some(&setup.table), plan)
            })
            .join()
            .unwrap_or_default(),
            Err(_) => Sent::default(),
        };
        // Let the socket drain and the last dedup windows close.
        std::thread::sleep(opts.window + Duration::from_millis(300));
        setup.stop.store(true, Ordering::Relaxed);
        let rx = receiver.join().unwrap_or_default();
        SocketRun { ingress, sent, rx }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingress::load::Shape;
    use dataplane::runtime::udp::RecvMode;

    fn small() -> (Load, Options) {
        let load = Load::build(Shape {
            sessions: 20,
            k: 3,
            uplinks: 200,
        });
        let opts = Options {
            window: Duration::from_millis(20),
            pin: false,
            ..Options::default()
        };
        (load, opts)
    }

    #[test]
    fn in_process_delivers_every_uplink_once() {
        let (load, opts) = small();
        for parser in [JsonParser::Serde, JsonParser::Scan] {
            let r = in_process(&load, &opts, parser);
            assert_eq!((r.events, r.drops.len()), (200, 0), "{parser:?}: {r:?}");
            let i = ingress_only(&load, &opts, parser);
            assert_eq!(i.events, 600, "{parser:?}: every copy becomes a frame");
        }
    }

    #[test]
    fn socket_loops_deliver_a_paced_load() {
        let (load, opts) = small();
        let loops = [
            Ingress::Tokio,
            Ingress::Uring(RecvMode::Multishot),
            Ingress::Recvmmsg,
        ];
        for ingress in loops {
            let r = socket_run(ingress, &load, &opts, 20_000, Duration::from_secs(2));
            if r.rx.note.starts_with("failed") {
                eprintln!("{ingress:?} unavailable here: {}", r.rx.note);
                continue;
            }
            assert_eq!(r.sent.datagrams, 600, "{ingress:?}");
            assert_eq!(r.rx.datagrams, 600, "{ingress:?}: {:?}", r.rx);
            if ingress != Ingress::Recvmmsg {
                assert_eq!(r.rx.events, 200, "{ingress:?}: {:?}", r.rx);
                let lat = r.rx.latency_us.as_ref().map_or(0, |h| h.len());
                assert_eq!(lat, 200, "{ingress:?}: every event has a latency");
            }
        }
    }
}
