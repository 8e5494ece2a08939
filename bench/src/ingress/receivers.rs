//! The three receive loops measured against each other on the same loopback load, each on its own
//! thread: the data plane's [`UdpRing`] (multishot or one-shot `recvmsg`), a plain tokio
//! `UdpSocket` loop on a current-thread runtime driving the same [`Worker`], and a bare
//! `recvmmsg` loop that only counts (the kernel's ceiling).
//!
//! The tokio adapter is the data plane's own `[runtime] ingress = "tokio"` loop
//! ([`TokioUdp`]): `try_recv_from` until the socket is empty or [`TURN`] datagrams were read,
//! then the worker's turn (dedup windows close, events go out), each queued PUSH_ACK sent with
//! `send_to(..).await`, and `readable().await` (bounded by the tick) when idle. It gets the same
//! per-turn batching the io_uring loop gets from its completion queue.

use super::load::{self, Shape};
use super::probe::{Probe, ProbeSink, Role, SendTable, Timed, pin, thread_cpu};
use dataplane::drop::DropReason;
use dataplane::network::DedupConfig;
use dataplane::runtime::tokio_udp::TokioUdp;
use dataplane::runtime::udp::{DatagramHandler, MAX_DATAGRAM, Outbox, RecvMode, UdpRing, UdpStats};
use dataplane::worker::{EventSink, Worker};
use hdrhistogram::Histogram;
use socket2::{Domain, Protocol, Socket, Type};
use std::cell::RefCell;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

pub use dataplane::runtime::tokio_udp::TURN;
/// Datagrams per bare `recvmmsg`.
const MMSG_BATCH: usize = 64;

/// Which receive loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingress {
    /// Bare `recvmmsg`, no processing.
    Recvmmsg,
    /// Bare `recvmmsg`, and a PUSH_ACK for each datagram through one `sendmmsg` per batch (what
    /// any Semtech UDP server must at least do).
    RecvmmsgAck,
    /// The data plane's io_uring loop.
    Uring(RecvMode),
    /// A tokio `UdpSocket` loop.
    Tokio,
    /// A tokio-uring `UdpSocket` loop (one owned-buffer `recv_from` at a time).
    TokioUring,
}

impl Ingress {
    /// A short label for the table.
    pub fn label(self) -> &'static str {
        match self {
            Self::Recvmmsg => "bare recvmmsg (ceiling)",
            Self::RecvmmsgAck => "bare recvmmsg + ACKs",
            Self::Uring(RecvMode::Multishot) => "io_uring multishot",
            Self::Uring(RecvMode::Single) => "io_uring one-shot",
            Self::Tokio => "tokio UdpSocket",
            Self::TokioUring => "tokio-uring UdpSocket",
        }
    }
}

/// What a receive loop saw.
#[derive(Debug, Default)]
pub struct Received {
    /// Datagrams read from the socket.
    pub datagrams: u64,
    /// From the first datagram to the last.
    pub span: Duration,
    /// CPU time of the receiving thread.
    pub cpu: Duration,
    /// Deduplicated uplinks delivered as events.
    pub events: u64,
    /// Send→event latency beyond the dedup window, µs (pipeline loops only).
    pub latency_us: Option<Histogram<u64>>,
    /// Pipeline drops by reason.
    pub drops: Vec<(&'static str, u64)>,
    /// Anything worth saying (fallbacks, errors).
    pub note: String,
}

/// Everything a receive loop needs.
pub struct Setup {
    /// The load's shape (sessions and gateways to provision).
    pub shape: Shape,
    /// The dedup settings.
    pub dedup: DedupConfig,
    /// The sender's side table.
    pub table: Arc<SendTable>,
    /// Set when the loop should end.
    pub stop: Arc<AtomicBool>,
    /// How often an idle loop wakes.
    pub tick: Duration,
    /// Pin to the second core.
    pub pin: bool,
}

/// Runs `ingress` on this thread until `setup.stop`; its bound address goes to `ready` first.
pub fn receive(ingress: Ingress, setup: &Setup, ready: mpsc::Sender<SocketAddr>) -> Received {
    pin(Role::Receiver, setup.pin);
    let any: SocketAddr = ([127, 0, 0, 1], 0).into();
    let r = match ingress {
        Ingress::Recvmmsg => bare(any, setup, ready, false),
        Ingress::RecvmmsgAck => bare(any, setup, ready, true),
        Ingress::Uring(mode) => with_worker(setup, |h| uring(any, mode, setup, ready, h)),
        Ingress::Tokio => with_worker(setup, |h| tokio_loop(any, setup, ready, h)),
        Ingress::TokioUring => with_worker(setup, |h| tokio_uring_loop(any, setup, ready, h)),
    };
    r.unwrap_or_else(|e| Received {
        note: format!("failed: {e}"),
        ..Received::default()
    })
}

type Handler<E> = Timed<Worker<E>>;

/// Builds the pipeline with a probe, runs `f` over it, collects its figures.
fn with_worker(
    setup: &Setup,
    f: impl FnOnce(&mut Handler<ProbeSink>) -> std::io::Result<(UdpStats, String)>,
) -> std::io::Result<Received> {
    let probe = Rc::new(RefCell::new(Probe::new(
        setup.shape,
        Some(Arc::clone(&setup.table)),
        setup.dedup.window,
    )));
    let sink = ProbeSink(Rc::clone(&probe));
    let mut h = Timed::new(load::worker(setup.shape, setup.dedup, sink));
    let cpu0 = thread_cpu();
    let (stats, note) = f(&mut h)?;
    let cpu = thread_cpu().saturating_sub(cpu0);
    let totals = h.inner.totals(&stats);
    let drops = DropReason::ALL
        .iter()
        .filter_map(|r| {
            let n = totals.drops.get(r.index()).copied().unwrap_or(0);
            (n > 0).then_some((r.as_str(), n))
        })
        .collect();
    let p = probe.borrow();
    Ok(Received {
        datagrams: h.datagrams,
        span: h.span(),
        cpu,
        events: p.events,
        latency_us: Some(p.latency_us.clone()),
        drops,
        note,
    })
}

fn uring<H: DatagramHandler>(
    any: SocketAddr,
    mode: RecvMode,
    setup: &Setup,
    ready: mpsc::Sender<SocketAddr>,
    h: &mut H,
) -> std::io::Result<(UdpStats, String)> {
    let mut ring = UdpRing::bind(any, mode)?;
    let _ = ready.send(ring.local_addr()?);
    let note = if ring.mode() != mode {
        format!("fell back to {:?}", ring.mode())
    } else {
        String::new()
    };
    ring.run(h, &setup.stop, setup.tick)?;
    Ok((ring.stats, note))
}

fn socket(any: SocketAddr) -> std::io::Result<Socket> {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    let _ = s.set_recv_buffer_size(8 << 20);
    s.bind(&any.into())?;
    Ok(s)
}

fn tokio_loop<E: EventSink>(
    any: SocketAddr,
    setup: &Setup,
    ready: mpsc::Sender<SocketAddr>,
    h: &mut Handler<E>,
) -> std::io::Result<(UdpStats, String)> {
    let mut l = TokioUdp::bind(any)?;
    let _ = ready.send(l.local_addr()?);
    l.run(h, &setup.stop, setup.tick)?;
    Ok((l.stats, String::new()))
}

/// What an ingress on `tokio-uring` 0.5 looks like: its `UdpSocket` has no multishot receive,
/// so each datagram is one `recv_from` submission with an owned buffer; the worker's turn runs
/// every [`TURN`] datagrams or when a receive times out after `tick`; PUSH_ACKs go out with
/// `send_to(..).await`.
fn tokio_uring_loop<E: EventSink>(
    any: SocketAddr,
    setup: &Setup,
    ready: mpsc::Sender<SocketAddr>,
    h: &mut Handler<E>,
) -> std::io::Result<(UdpStats, String)> {
    let s = socket(any)?;
    tokio_uring::start(async {
        let sock = tokio_uring::net::UdpSocket::from_std(s.into());
        let _ = ready.send(sock.local_addr()?);
        let mut out = Outbox::default();
        let mut stats = UdpStats::default();
        let mut buf = vec![0u8; MAX_DATAGRAM + 1];
        let mut since_turn = 0;
        while !setup.stop.load(Ordering::Relaxed) {
            let now = Instant::now();
            match tokio::time::timeout(setup.tick, sock.recv_from(buf)).await {
                Ok((Ok((n, from)), b)) => {
                    buf = b;
                    if n > MAX_DATAGRAM {
                        stats.oversized += 1;
                    } else {
                        stats.datagrams_in += 1;
                        h.on_datagram(now, from, &buf[..n], &mut out);
                        since_turn += 1;
                    }
                    if since_turn < TURN {
                        continue;
                    }
                }
                Ok((Err(_), b)) => {
                    buf = b;
                    stats.recv_errors += 1;
                }
                // The cancelled receive keeps its buffer; take a fresh one.
                Err(_) => buf = vec![0u8; MAX_DATAGRAM + 1],
            }
            since_turn = 0;
            h.on_turn(Instant::now(), &mut out, &stats);
            for (to, bytes) in out.drain() {
                match sock.send_to(bytes, to).await.0 {
                    Ok(_) => stats.datagrams_out += 1,
                    Err(_) => stats.send_errors += 1,
                }
            }
        }
        Ok((stats, String::new()))
    })
}

/// The ceiling: `recvmmsg` in batches, counting only; with `ack`, each batch answered with one
/// `sendmmsg` of 4-byte PUSH_ACKs to the senders' addresses.
fn bare(
    any: SocketAddr,
    setup: &Setup,
    ready: mpsc::Sender<SocketAddr>,
    ack: bool,
) -> std::io::Result<Received> {
    let s = socket(any)?;
    s.set_read_timeout(Some(setup.tick.max(Duration::from_millis(1))))?;
    let addr = s
        .local_addr()?
        .as_socket()
        .ok_or_else(|| std::io::Error::other("not inet"))?;
    let _ = ready.send(addr);
    let mut bufs = vec![[0u8; 2048]; MMSG_BATCH];
    // SAFETY: all-zero sockaddr_storage, iovec and mmsghdr are valid values.
    let mut names: Vec<libc::sockaddr_storage> = (0..MMSG_BATCH)
        .map(|_| unsafe { std::mem::zeroed() })
        .collect();
    let mut iov: Vec<libc::iovec> = bufs
        .iter_mut()
        .map(|b| libc::iovec {
            iov_base: b.as_mut_ptr().cast(),
            iov_len: b.len(),
        })
        .collect();
    let mut msgs: Vec<libc::mmsghdr> = (0..MMSG_BATCH)
        .map(|_| unsafe { std::mem::zeroed() })
        .collect();
    let mut acks = [[0u8; 4]; MMSG_BATCH];
    let mut ack_iov: Vec<libc::iovec> = acks
        .iter_mut()
        .map(|b| libc::iovec {
            iov_base: b.as_mut_ptr().cast(),
            iov_len: b.len(),
        })
        .collect();
    let mut ack_msgs: Vec<libc::mmsghdr> = (0..MMSG_BATCH)
        .map(|_| unsafe { std::mem::zeroed() })
        .collect();
    let mut timed = Timed::new(());
    let cpu0 = thread_cpu();
    while !setup.stop.load(Ordering::Relaxed) {
        for ((m, v), n) in msgs.iter_mut().zip(iov.iter_mut()).zip(names.iter_mut()) {
            m.msg_hdr.msg_iov = v;
            m.msg_hdr.msg_iovlen = 1;
            m.msg_hdr.msg_name = (n as *mut libc::sockaddr_storage).cast();
            m.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as u32;
        }
        // SAFETY: each header points at its own iovec, buffer and name, all alive and unmoved
        // for the call; the kernel writes within their stated lengths.
        let r = unsafe {
            libc::recvmmsg(
                s.as_raw_fd(),
                msgs.as_mut_ptr(),
                MMSG_BATCH as u32,
                libc::MSG_WAITFORONE,
                std::ptr::null_mut(),
            )
        };
        if r > 0 {
            timed.count(Instant::now(), r as u64);
        }
        if ack && r > 0 {
            let n = r as usize;
            for i in 0..n {
                let [v, t0, t1, ..] = bufs[i];
                acks[i] = [v, t0, t1, 1];
                let m = &mut ack_msgs[i];
                m.msg_hdr.msg_iov = &mut ack_iov[i];
                m.msg_hdr.msg_iovlen = 1;
                m.msg_hdr.msg_name = (&mut names[i] as *mut libc::sockaddr_storage).cast();
                m.msg_hdr.msg_namelen = msgs[i].msg_hdr.msg_namelen;
            }
            // SAFETY: the first `n` headers point at their own ack buffer and at the name the
            // kernel just wrote, all alive for the call; the kernel only reads them.
            unsafe { libc::sendmmsg(s.as_raw_fd(), ack_msgs.as_mut_ptr(), n as u32, 0) };
        }
    }
    Ok(Received {
        datagrams: timed.datagrams,
        span: timed.span(),
        cpu: thread_cpu().saturating_sub(cpu0),
        ..Received::default()
    })
}
