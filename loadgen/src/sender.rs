//! One sender thread: its share of the devices (index ≡ thread mod threads) and of the
//! gateways' keepalives, over a few non-blocking UDP sockets connected to the data plane.
//!
//! Each loop turn: read replies (PUSH_ACK, PULL_ACK, PULL_RESP → TX_ACK), send the copies whose
//! time has come from a delay queue, generate new uplinks (token bucket, or `max`), send due
//! PULL_DATA keepalives and `stat` reports, hand sent records to the event consumer, and sleep
//! briefly when there was nothing to do (the stack shares the cores).
//!
//! Backpressure under `rate = max`: a socket sends at most `window` PUSH_DATA awaiting their
//! PUSH_ACK (the data plane acknowledges on receipt, so this follows its ingress), and
//! generation pauses while `max_pending` uplinks await their application event or while the
//! delay queue holds more than one window per socket.

use crate::counters::{LiveCounters, add, get};
use crate::device::{Device, MAX_FRAME, MAX_PAYLOAD, UplinkSpec, build_uplink};
use crate::fleet::FleetSpec;
use crate::gateway::GatewayCounters;
use crate::gateway::udp::{self, AckTracker, Reception, Reply};
use crate::radio::{ChannelPlan, RadioChoice, Signal, signal};
use crate::rng::{Rng, hash3};
use crate::scenario::{Rate, Scenario};
use crate::tracker::SentRecord;
use shared::semtech_udp::{Stat, UtcTime};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::ErrorKind;
use std::net::UdpSocket;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant, SystemTime};

/// Copies sent, and uplinks generated, per loop turn at most.
const BATCH: usize = 64;

/// Receive and send buffer size asked for (Linux caps it at `net.core.rmem_max`/`wmem_max`).
const SOCKET_BUFFER: usize = 4 << 20;

/// A non-blocking UDP socket connected to `target`, with large buffers.
fn open_socket(target: std::net::SocketAddr) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let domain = Domain::for_address(target);
    let socket = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    // Best effort: a smaller buffer only makes ack losses under burst more likely, and counted.
    let _ = socket.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = socket.set_send_buffer_size(SOCKET_BUFFER);
    let any: std::net::SocketAddr = match target {
        std::net::SocketAddr::V4(_) => ([0, 0, 0, 0], 0).into(),
        std::net::SocketAddr::V6(_) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    socket.bind(&any.into())?;
    socket.connect(&target.into())?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// What a sender thread works with.
pub struct SenderCtx<'a> {
    /// This thread's index.
    pub index: usize,
    /// The run's settings.
    pub scenario: &'a Scenario,
    /// The fleet.
    pub fleet: &'a FleetSpec,
    /// The region's channels.
    pub plan: &'a ChannelPlan,
    /// Per-gateway counters for `stat`.
    pub gateways: &'a GatewayCounters,
    /// Live totals.
    pub live: &'a LiveCounters,
    /// The run's time origin.
    pub start: Instant,
    /// Where sent records go (the event consumer).
    pub records: Sender<Vec<SentRecord>>,
    /// Next FCntUp of every device of the fleet (this thread reads its own).
    pub fcnt_start: &'a [u32],
}

/// What a sender thread leaves behind.
#[derive(Debug, Default)]
pub struct SenderResult {
    /// (device index, next FCntUp) of this thread's devices.
    pub fcnt_next: Vec<(u32, u32)>,
    /// Uplinks the token bucket wanted but backpressure held back.
    pub throttled: u64,
}

/// One copy waiting for its send time.
#[derive(Debug, Clone, Copy)]
struct Copy {
    due_ns: u64,
    seq: u64,
    gateway: u32,
    dev_addr: u32,
    fcnt: u32,
    copies: u8,
    first: bool,
    radio: RadioChoice,
    signal: Signal,
    len: u8,
    frame: [u8; MAX_FRAME],
}

impl PartialEq for Copy {
    fn eq(&self, o: &Self) -> bool {
        (self.due_ns, self.seq) == (o.due_ns, o.seq)
    }
}
impl Eq for Copy {}
impl PartialOrd for Copy {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Copy {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.due_ns, self.seq).cmp(&(o.due_ns, o.seq))
    }
}

struct Sock {
    socket: UdpSocket,
    push: AckTracker,
    pull: AckTracker,
    /// Gateways whose PULL_DATA leave from this socket (downlinks come back here).
    pullers: Vec<u32>,
}

/// Runs one sender thread to the end of the scenario.
pub fn run(ctx: SenderCtx<'_>) -> std::io::Result<SenderResult> {
    let s = ctx.scenario;
    let threads = s.threads;
    let timeout = s.ack_timeout.0.as_nanos() as u64;
    let mut socks = Vec::with_capacity(s.sockets);
    for _ in 0..s.sockets {
        let socket = open_socket(s.target)?;
        socks.push(Sock {
            socket,
            push: AckTracker::new(s.window, timeout),
            pull: AckTracker::new(u32::from(u16::MAX), timeout),
            pullers: Vec::new(),
        });
    }
    let my_gws: Vec<u32> = (ctx.index as u32..ctx.fleet.gateways)
        .step_by(threads)
        .collect();
    for (i, g) in my_gws.iter().enumerate() {
        socks[i % s.sockets].pullers.push(*g);
    }
    let sock_of = |g: u32| (g as usize / threads) % s.sockets;
    let devices: Vec<u32> = (ctx.index as u32..ctx.fleet.devices)
        .step_by(threads)
        .collect();
    let mut fcnt: Vec<u32> = devices
        .iter()
        .map(|d| ctx.fcnt_start.get(*d as usize).copied().unwrap_or(0))
        .collect();
    let mut rng = Rng::new(hash3(s.seed, ctx.index as u64, 0x5E4D));
    let mut heap: BinaryHeap<Reverse<Copy>> = BinaryHeap::new();
    let mut out = Vec::with_capacity(512);
    let mut rbuf = [0u8; 2048];
    let mut batch: Vec<SentRecord> = Vec::with_capacity(1024);
    let (mut cursor, mut seq, mut throttled) = (0usize, 0u64, 0u64);
    let (mut pulls_sent, mut stats_sent) = (0u64, 0u64);
    let jitter_ns = s.jitter.0.as_nanos() as u64;
    let end_ns = s.duration.0.as_nanos() as u64;
    let keepalive_ns = s.keepalive.0.as_nanos().max(1) as u64;
    let stat_ns = s.stat_interval.0.as_nanos().max(1) as u64;
    let per_thread = match s.rate {
        Rate::PerSecond(r) => r / threads as f64,
        Rate::Max => 0.0,
    };
    let burst = (per_thread / 100.0).max(1.0);
    let (mut tokens, mut last_refill) = (0.0f64, 0u64);
    let mut last_expire = 0u64;
    let gw_clock =
        |g: u32, now_ns: u64| (now_ns / 1000).wrapping_add(hash3(0, u64::from(g), 7)) as u32;
    let queue_cap = s.window as usize * s.sockets;
    let mut payload = [0u8; MAX_PAYLOAD];
    let mut ack_deadline: Option<u64> = None;

    loop {
        let now = ctx.start.elapsed().as_nanos() as u64;
        let mut busy = false;

        // 1. Replies.
        for sock in socks.iter_mut() {
            loop {
                let n = match sock.socket.recv(&mut rbuf) {
                    Ok(n) => n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        add(&ctx.live.bad_replies, 1);
                        break;
                    }
                };
                busy = true;
                match rbuf.get(..n).map(udp::parse_reply) {
                    Some(Ok(Reply::PushAck(t))) => {
                        if sock.push.ack(t, now).is_some() {
                            add(&ctx.live.push_acked, 1);
                        }
                    }
                    Some(Ok(Reply::PullAck(t))) => {
                        sock.pull.ack(t, now);
                    }
                    Some(Ok(Reply::PullResp { token, frame })) => {
                        add(&ctx.live.downlinks, 1);
                        let g = downlink_gateway(ctx.fleet, frame.as_slice(), &sock.pullers);
                        out.clear();
                        udp::tx_ack(&mut out, token, ctx.fleet.gateway_eui(g));
                        send(&sock.socket, &out, ctx.live);
                    }
                    _ => add(&ctx.live.bad_replies, 1),
                }
            }
        }

        // 2. Due copies, a batch per turn so replies are read between batches.
        let mut sent_now = 0;
        while let Some(Reverse(c)) = heap.peek() {
            if c.due_ns > now || sent_now == BATCH {
                break;
            }
            sent_now += 1;
            let sock = &mut socks[sock_of(c.gateway)];
            if !sock.push.has_room() {
                break;
            }
            let Some(Reverse(c)) = heap.pop() else { break };
            let token = sock.push.open(now);
            out.clear();
            let rx = Reception {
                tmst: gw_clock(c.gateway, now),
                radio: c.radio,
                signal: c.signal,
                frame: c.frame.get(..usize::from(c.len)).unwrap_or_default(),
            };
            if udp::push_data(&mut out, token, ctx.fleet.gateway_eui(c.gateway), &rx).is_ok() {
                send(&sock.socket, &out, ctx.live);
                add(&ctx.live.copies, 1);
                ctx.gateways.forwarded(c.gateway);
            }
            if c.first {
                add(&ctx.live.uplinks, 1);
                batch.push(SentRecord {
                    dev_addr: c.dev_addr,
                    fcnt: c.fcnt,
                    copies: c.copies,
                    sent_ns: now,
                });
            }
            busy = true;
        }

        // 3. New uplinks.
        let generating = now < end_ns && !devices.is_empty();
        if generating {
            let want = match s.rate {
                Rate::PerSecond(_) => {
                    tokens = (tokens + (now - last_refill) as f64 * 1e-9 * per_thread).min(burst);
                    last_refill = now;
                    tokens.floor() as usize
                }
                Rate::Max => BATCH,
            };
            let mut made = 0;
            while made < want {
                if heap.len() >= queue_cap || get(&ctx.live.pending) >= s.max_pending {
                    if matches!(s.rate, Rate::PerSecond(_)) {
                        throttled += (want - made) as u64;
                        tokens -= (want - made) as f64;
                    }
                    break;
                }
                let local = cursor;
                cursor = (cursor + 1) % devices.len();
                let dev = devices[local];
                let f = fcnt[local];
                fcnt[local] = f.wrapping_add(1);
                for b in payload.iter_mut().take(s.payload_bytes) {
                    *b = rng.next_u64() as u8;
                }
                let k = s.k.min + rng.below(u64::from(s.k.max - s.k.min) + 1) as u8;
                let Some(radio) = ctx.plan.draw(&mut rng) else {
                    break;
                };
                let d = Device::derive(ctx.fleet, dev);
                let up = UplinkSpec {
                    fcnt: f,
                    confirmed: rng.chance(s.confirmed),
                    fport: s.fport,
                    payload: payload.get(..s.payload_bytes).unwrap_or_default(),
                };
                let mut frame = [0u8; MAX_FRAME];
                let Ok(len) = build_uplink(&d.session_keys(), d.dev_addr, &up, &mut frame) else {
                    break;
                };
                for j in 0..k {
                    let g = ctx.fleet.gateway_of(dev, j);
                    seq += 1;
                    heap.push(Reverse(Copy {
                        due_ns: if j == 0 {
                            now
                        } else {
                            now + rng.below(jitter_ns + 1)
                        },
                        seq,
                        gateway: g,
                        dev_addr: d.dev_addr.to_u32(),
                        fcnt: f,
                        copies: k,
                        first: j == 0,
                        radio,
                        signal: signal(ctx.fleet.distance_km(dev, g), &mut rng),
                        len: len as u8,
                        frame,
                    }));
                }
                add(&ctx.live.pending, 1);
                made += 1;
                if matches!(s.rate, Rate::PerSecond(_)) {
                    tokens -= 1.0;
                }
            }
            busy |= made > 0;
        }

        // 4. Keepalives (one round at start, then spread over each period) and stat reports.
        let n_gw = my_gws.len() as u64;
        let pulls_due =
            n_gw + (u128::from(now) * u128::from(n_gw) / u128::from(keepalive_ns)) as u64;
        let stats_due = (u128::from(now) * u128::from(n_gw) / u128::from(stat_ns)) as u64;
        while generating && pulls_sent < pulls_due {
            let g = my_gws[(pulls_sent % n_gw) as usize];
            let sock = &mut socks[sock_of(g)];
            let token = sock.pull.open(now);
            out.clear();
            udp::pull_data(&mut out, token, ctx.fleet.gateway_eui(g));
            send(&sock.socket, &out, ctx.live);
            pulls_sent += 1;
            busy = true;
        }
        while generating && stats_sent < stats_due {
            let g = my_gws[(stats_sent % n_gw) as usize];
            let sock = &mut socks[sock_of(g)];
            if !sock.push.has_room() {
                break;
            }
            let fw = ctx.gateways.take(g);
            let st = sock.push.stats;
            let stat = Stat {
                time: utc_now(),
                lati: None,
                long: None,
                alti: None,
                rxnb: fw,
                rxok: fw,
                rxfw: fw,
                ackr: (st.sent > 0).then(|| (100.0 * st.acked as f64 / st.sent as f64).round()),
                dwnb: 0,
                txnb: 0,
                temp: None,
            };
            let token = sock.push.open(now);
            out.clear();
            if udp::push_stat(&mut out, token, ctx.fleet.gateway_eui(g), stat).is_ok() {
                send(&sock.socket, &out, ctx.live);
            }
            stats_sent += 1;
            busy = true;
        }

        // 5. Hand records over, expire acks.
        if !batch.is_empty() && (batch.len() >= 256 || !busy) {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(1024));
            let _ = ctx.records.send(full);
        }
        if now - last_expire > 100_000_000 {
            last_expire = now;
            expire_all(&mut socks, now, ctx.live);
        }

        // 6. End: the queue is empty after the duration; wait for the last acks.
        if !generating && heap.is_empty() {
            let deadline = *ack_deadline.get_or_insert(now + timeout);
            let open: u32 = socks
                .iter()
                .map(|k| k.push.in_flight() + k.pull.in_flight())
                .sum();
            if open == 0 || now >= deadline {
                break;
            }
        }
        if !busy {
            // Sleep until the next copy or token is due (at most 1 ms, so replies are read).
            let next_copy = heap.peek().map_or(u64::MAX, |Reverse(c)| c.due_ns);
            let next_token = match s.rate {
                Rate::PerSecond(_) if generating => {
                    now + ((1.0 - tokens).max(0.0) / per_thread * 1e9) as u64
                }
                _ => u64::MAX,
            };
            let wake = next_copy.min(next_token).min(now + 1_000_000);
            std::thread::sleep(Duration::from_nanos(wake.saturating_sub(now).max(20_000)));
        }
    }
    if !batch.is_empty() {
        let _ = ctx.records.send(batch);
    }
    for sock in socks.iter_mut() {
        sock.push.close_all();
        sock.pull.close_all();
    }
    expire_all(&mut socks, 0, ctx.live);
    Ok(SenderResult {
        fcnt_next: devices.into_iter().zip(fcnt).collect(),
        throttled,
    })
}

/// Publishes newly lost acks (`expire` then the delta of the loss counters).
fn expire_all(socks: &mut [Sock], now: u64, live: &LiveCounters) {
    for sock in socks.iter_mut() {
        let (p0, l0, s0) = (
            sock.push.stats.lost,
            sock.pull.stats.lost,
            sock.push.stats.stray + sock.pull.stats.stray,
        );
        if now > 0 {
            sock.push.expire(now);
            sock.pull.expire(now);
        }
        add(&live.push_ack_missing, sock.push.stats.lost - p0);
        add(&live.pull_ack_missing, sock.pull.stats.lost - l0);
        add(
            &live.stray_acks,
            sock.push.stats.stray + sock.pull.stats.stray - s0,
        );
    }
}

fn send(socket: &UdpSocket, buf: &[u8], live: &LiveCounters) {
    // A full socket buffer is retried a few times; loopback drains it within microseconds.
    for _ in 0..100 {
        match socket.send(buf) {
            Ok(_) => {
                add(&live.datagrams, 1);
                return;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(_) => break,
        }
    }
    add(&live.send_errors, 1);
}

/// The gateway a PULL_RESP on this socket was meant for: the first gateway in range of the
/// downlink's device that keeps its PULL_DATA on this socket, else the socket's first gateway
/// (PULL_RESP names no gateway; a real forwarder has one socket each).
fn downlink_gateway(fleet: &FleetSpec, frame: &[u8], pullers: &[u32]) -> u32 {
    let dev = shared::lorawan::DataFrame::parse(frame)
        .ok()
        .and_then(|f| fleet.device_index(f.dev_addr()));
    dev.and_then(|d| {
        (0..fleet.max_k)
            .map(|j| fleet.gateway_of(d, j))
            .find(|g| pullers.contains(g))
    })
    .or_else(|| pullers.first().copied())
    .unwrap_or(0)
}

fn utc_now() -> UtcTime {
    let d = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    UtcTime {
        secs: d.as_secs() as i64,
        nanos: 0,
    }
}
