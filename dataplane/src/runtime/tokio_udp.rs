//! The plain tokio alternative to [`UdpRing`]: one `SO_REUSEPORT` socket per core driven by a
//! current-thread tokio runtime, feeding the same [`DatagramHandler`] (the same per-core
//! pipeline), chosen with `[runtime] ingress = "tokio"`. It exists so the end-to-end benchmark
//! (`bench --bin e2e`) can put a straightforward tokio ingress beside the io_uring one on the
//! whole node, and as a fallback where io_uring is unavailable (some container runtimes block it).
//!
//! Shape (moved from the in-process comparison in `bench/src/ingress/receivers.rs`): per loop
//! turn `try_recv_from` until the socket is empty or [`TURN`] datagrams were read, then the
//! handler's turn (timers, hand-offs), then each queued reply with `send_to(..).await`;
//! `readable().await`, bounded by the tick, when idle.

use super::udp::{DatagramHandler, MAX_DATAGRAM, Outbox, RecvMode, UdpRing, UdpStats};
use socket2::{Domain, Protocol, Socket, Type};
use std::os::fd::{AsRawFd, RawFd};
use std::{
    io,
    net::SocketAddr,
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};
use tokio::io::unix::AsyncFd;

/// Most datagrams handled per loop turn before the handler's turn runs.
pub const TURN: usize = 64;

/// A UDP socket driven by a current-thread tokio runtime.
pub struct TokioUdp {
    socket: std::net::UdpSocket,
    watched: Option<RawFd>,
    /// This loop's counters.
    pub stats: UdpStats,
}

impl TokioUdp {
    /// Binds `addr` with `SO_REUSEPORT` (every core binds the same port, like [`UdpRing`]).
    pub fn bind(addr: SocketAddr) -> io::Result<Self> {
        let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
        socket.set_reuse_port(true)?;
        socket.set_reuse_address(true)?;
        let _ = socket.set_recv_buffer_size(8 << 20);
        socket.bind(&addr.into())?;
        socket.set_nonblocking(true)?;
        Ok(Self {
            socket: socket.into(),
            watched: None,
            stats: UdpStats::default(),
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Wakes the loop whenever `fd` is readable, like [`UdpRing::watch`] (the epoll descriptor
    /// of the core's TCP connections). The descriptor stays owned by the caller.
    pub fn watch(&mut self, fd: RawFd) {
        self.watched = Some(fd);
    }

    /// Runs the loop until `stop` is set, checking it at least every `tick`.
    pub fn run<H: DatagramHandler>(
        &mut self,
        handler: &mut H,
        stop: &AtomicBool,
        tick: Duration,
    ) -> io::Result<()> {
        let watched = self.watched;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let std_sock = self.socket.try_clone()?;
        let stats = &mut self.stats;
        rt.block_on(async move {
            let sock = tokio::net::UdpSocket::from_std(std_sock)?;
            // SAFETY: the watched descriptor (the station server's epoll fd) is owned by the
            // handler, which outlives this `run` call; the `AsyncFd` is dropped when it returns.
            let watched = match watched {
                Some(fd) => {
                    Some(unsafe { AsyncFd::register(Watched(fd)) }.map_err(io::Error::from)?)
                }
                None => None,
            };
            let mut buf = vec![0u8; MAX_DATAGRAM + 1];
            let mut out = Outbox::default();
            let mut busy_since = Instant::now();
            loop {
                let now = Instant::now();
                let mut got = 0;
                while got < TURN {
                    match sock.try_recv_from(&mut buf) {
                        Ok((n, _)) if n > MAX_DATAGRAM => stats.oversized += 1,
                        Ok((n, from)) => {
                            stats.datagrams_in += 1;
                            if let Some(data) = buf.get(..n) {
                                handler.on_datagram(now, from, data, &mut out);
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(_) => {
                            stats.recv_errors += 1;
                            break;
                        }
                    }
                    got += 1;
                }
                handler.on_turn(now, &mut out, stats);
                for (to, bytes) in out.drain() {
                    match sock.send_to(&bytes, to).await {
                        Ok(_) => stats.datagrams_out += 1,
                        Err(_) => stats.send_errors += 1,
                    }
                }
                if got == 0 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let waiting = Instant::now();
                    stats.busy_ns += nanos(waiting.saturating_duration_since(busy_since));
                    let wake = async {
                        match &watched {
                            Some(w) => {
                                tokio::select! {
                                    _ = sock.readable() => {}
                                    r = w.readable() => {
                                        // Level-triggered: the handler's turn drains it.
                                        if let Ok(mut g) = r { g.clear_ready(); }
                                    }
                                }
                            }
                            None => {
                                let _ = sock.readable().await;
                            }
                        }
                    };
                    let _ = tokio::time::timeout(tick, wake).await;
                    busy_since = Instant::now();
                    stats.idle_ns += nanos(busy_since.saturating_duration_since(waiting));
                }
            }
            Ok(())
        })
    }
}

/// A descriptor the loop watches without owning it.
struct Watched(RawFd);

impl AsRawFd for Watched {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Which socket loop a core runs (`[runtime] ingress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngressKind {
    /// [`UdpRing`] in the given receive mode.
    IoUring(RecvMode),
    /// [`TokioUdp`].
    Tokio,
}

/// One core's socket loop, either kind.
// One per core, built once at start: the size difference costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum SocketLoop {
    /// The io_uring loop.
    IoUring(UdpRing),
    /// The tokio loop.
    Tokio(TokioUdp),
}

impl SocketLoop {
    /// Binds `addr` for `kind`.
    pub fn bind(addr: SocketAddr, kind: IngressKind) -> io::Result<Self> {
        Ok(match kind {
            IngressKind::IoUring(mode) => Self::IoUring(UdpRing::bind(addr, mode)?),
            IngressKind::Tokio => Self::Tokio(TokioUdp::bind(addr)?),
        })
    }

    /// Runs the loop until `stop` is set.
    pub fn run<H: DatagramHandler>(
        &mut self,
        handler: &mut H,
        stop: &AtomicBool,
        tick: Duration,
    ) -> io::Result<()> {
        match self {
            Self::IoUring(r) => r.run(handler, stop, tick),
            Self::Tokio(t) => t.run(handler, stop, tick),
        }
    }

    /// Wakes the loop whenever `fd` is readable (see [`UdpRing::watch`]).
    pub fn watch(&mut self, fd: RawFd) {
        match self {
            Self::IoUring(r) => r.watch(fd),
            Self::Tokio(t) => t.watch(fd),
        }
    }

    /// The loop's counters.
    pub fn stats(&self) -> &UdpStats {
        match self {
            Self::IoUring(r) => &r.stats,
            Self::Tokio(t) => &t.stats,
        }
    }

    /// What runs, for the log (`io_uring Multishot`, `tokio`).
    pub fn describe(&self) -> String {
        match self {
            Self::IoUring(r) => format!("io_uring {:?}", r.mode()),
            Self::Tokio(_) => "tokio".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Answers every datagram with its reversed bytes and counts turns.
    #[derive(Default)]
    struct Echo {
        seen: usize,
        turns: usize,
    }

    impl DatagramHandler for Echo {
        fn on_datagram(&mut self, _: Instant, from: SocketAddr, data: &[u8], out: &mut Outbox) {
            self.seen += 1;
            let mut r = data.to_vec();
            r.reverse();
            out.send(from, &r);
        }
        fn on_turn(&mut self, _: Instant, _: &mut Outbox, _: &UdpStats) {
            self.turns += 1;
        }
    }

    #[test]
    fn tokio_loop_answers_each_datagram_and_stops() {
        let stop = Arc::new(AtomicBool::new(false));
        let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let stop2 = stop.clone();
        // A loop lives on the thread that built it (the io_uring variant is not `Send`).
        let looping = std::thread::spawn(move || {
            let mut l = SocketLoop::bind(([127, 0, 0, 1], 0).into(), IngressKind::Tokio).unwrap();
            let SocketLoop::Tokio(t) = &l else {
                panic!("tokio loop expected")
            };
            addr_tx.send(t.local_addr().unwrap()).unwrap();
            let mut h = Echo::default();
            l.run(&mut h, &stop2, Duration::from_millis(5)).unwrap();
            (h, *l.stats(), l.describe())
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(5)).unwrap();
        let mut buf = [0u8; 16];
        for msg in [&b"abc"[..], b"hello", b"x"] {
            client.send_to(msg, addr).unwrap();
            let (n, _) = client.recv_from(&mut buf).unwrap();
            let mut want = msg.to_vec();
            want.reverse();
            assert_eq!(&buf[..n], &want[..]);
        }
        stop.store(true, Ordering::Relaxed);
        let (h, stats, what) = looping.join().unwrap();
        assert_eq!(what, "tokio");
        assert_eq!(h.seen, 3);
        assert!(h.turns >= 1);
        assert_eq!((stats.datagrams_in, stats.datagrams_out), (3, 3));
    }
}
