//! One core's UDP socket on its own io_uring: `SO_REUSEPORT` so each core binds the same port and
//! the kernel spreads gateways across cores; multishot `recvmsg` over a provided buffer ring where
//! the kernel has it, one-shot `recvmsg` slots where it does not; replies queued by the handler go
//! out as one batch of `sendmsg` submissions per loop turn.

use super::buf_ring::BufRing;
use io_uring::{IoUring, cqueue, opcode, squeue, types};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::{
    io,
    mem::MaybeUninit,
    net::SocketAddr,
    os::fd::AsRawFd,
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

/// Largest datagram accepted; longer ones are truncated by the kernel and counted as oversized.
pub const MAX_DATAGRAM: usize = 8192;
const TAG_MULTI: u64 = 1 << 62;
const TAG_SINGLE: u64 = 2 << 62;
const TAG_SEND: u64 = 3 << 62;
const TAG_MASK: u64 = 3 << 62;
/// A watched descriptor's readiness (tag bits 0, value 1: no other operation uses tag 0).
const TAG_WATCH: u64 = 1;
const NAME_LEN: u32 = size_of::<libc::sockaddr_storage>() as u32;

/// How datagrams are received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvMode {
    /// Multishot `recvmsg` over a provided buffer ring (Linux 6.0+).
    Multishot,
    /// One-shot `recvmsg` operations, each re-armed after its completion.
    Single,
}

/// What a handler is given for each datagram and where it queues replies.
pub trait DatagramHandler {
    /// Handles one datagram from `from` received in the loop turn that started at `now`;
    /// replies go into `out`.
    fn on_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8], out: &mut Outbox);
    /// Called once per loop turn after a batch of completions, with the socket's counters; a
    /// place for timers.
    fn on_turn(&mut self, _now: Instant, _out: &mut Outbox, _stats: &UdpStats) {}
}

/// Replies queued during a loop turn, sent as one batch of submissions.
#[derive(Default)]
pub struct Outbox {
    bytes: Vec<u8>,
    items: Vec<(SocketAddr, usize, usize)>,
}

impl Outbox {
    /// Queues `data` for `to`.
    pub fn send(&mut self, to: SocketAddr, data: &[u8]) {
        self.items.push((to, self.bytes.len(), data.len()));
        self.bytes.extend_from_slice(data);
    }
    /// Forgets the `n` oldest replies (sent); the byte buffer is reset once none is left.
    fn consume(&mut self, n: usize) {
        self.items.drain(..n.min(self.items.len()));
        if self.items.is_empty() {
            self.bytes.clear();
        }
    }

    /// Takes every queued reply, oldest first.
    pub fn drain(&mut self) -> impl Iterator<Item = (SocketAddr, Vec<u8>)> + '_ {
        let bytes = std::mem::take(&mut self.bytes);
        self.items
            .drain(..)
            .map(move |(to, start, len)| (to, bytes[start..start + len].to_vec()))
    }

    /// Queues a reply written by `write` into a fresh buffer.
    pub fn send_with(&mut self, to: SocketAddr, write: impl FnOnce(&mut Vec<u8>)) {
        let start = self.bytes.len();
        write(&mut self.bytes);
        self.items.push((to, start, self.bytes.len() - start));
    }
}

/// Counters of one socket loop, owned by its core.
#[derive(Debug, Default, Clone, Copy)]
pub struct UdpStats {
    /// Datagrams received.
    pub datagrams_in: u64,
    /// Datagrams longer than [`MAX_DATAGRAM`], dropped.
    pub oversized: u64,
    /// Receive completions that failed.
    pub recv_errors: u64,
    /// Times the multishot receive ran out of buffers and was re-armed.
    pub rearms: u64,
    /// Datagrams sent.
    pub datagrams_out: u64,
    /// Sends that failed.
    pub send_errors: u64,
    /// Time spent handling completions, timers and sends, in ns.
    pub busy_ns: u64,
    /// Time spent waiting in the kernel for completions, in ns.
    pub idle_ns: u64,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// State kept alive for one in-flight `sendmsg`/`recvmsg`: the kernel reads it until completion.
struct MsgSlot {
    hdr: libc::msghdr,
    iov: libc::iovec,
    name: libc::sockaddr_storage,
    buf: Vec<u8>,
}

impl MsgSlot {
    fn new(cap: usize) -> Box<Self> {
        // SAFETY: msghdr, iovec and sockaddr_storage are plain C structs for which all-zero is valid.
        let (hdr, iov, name) = unsafe {
            (
                MaybeUninit::zeroed().assume_init(),
                MaybeUninit::zeroed().assume_init(),
                MaybeUninit::zeroed().assume_init(),
            )
        };
        Box::new(Self {
            hdr,
            iov,
            name,
            buf: Vec::with_capacity(cap),
        })
    }
    /// Points the header at this slot's own name and buffer (the box never moves).
    fn prepare(&mut self, name_len: u32, data_len: usize) {
        self.iov.iov_base = self.buf.as_mut_ptr().cast();
        self.iov.iov_len = data_len;
        self.hdr.msg_name = (&raw mut self.name).cast();
        self.hdr.msg_namelen = name_len;
        self.hdr.msg_iov = &raw mut self.iov;
        self.hdr.msg_iovlen = 1;
    }
}

/// A UDP socket driven by its own io_uring.
// Slots are boxed so their addresses, handed to the kernel, never move.
#[allow(clippy::vec_box)]
pub struct UdpRing {
    // Field order is drop order: the ring goes before the buffers it may still reference.
    ring: IoUring,
    socket: Socket,
    bufs: Option<BufRing>,
    multi_hdr: Box<libc::msghdr>,
    recv_slots: Vec<Box<MsgSlot>>,
    send_slots: Vec<Box<MsgSlot>>,
    free_sends: Vec<usize>,
    out: Outbox,
    multishot_armed: bool,
    mode: RecvMode,
    /// Descriptors whose readiness wakes the loop (see [`UdpRing::watch`]), and whether armed.
    watched: Option<(std::os::fd::RawFd, bool)>,
    /// This loop's counters.
    pub stats: UdpStats,
}

impl UdpRing {
    /// Binds `addr` with `SO_REUSEPORT` and sets up the ring; `Multishot` falls back to `Single`
    /// where the kernel cannot register a buffer ring.
    pub fn bind(addr: SocketAddr, mode: RecvMode) -> io::Result<Self> {
        let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
        socket.set_reuse_port(true)?;
        socket.set_reuse_address(true)?;
        let _ = socket.set_recv_buffer_size(8 << 20);
        socket.bind(&addr.into())?;
        let ring = IoUring::builder()
            .setup_single_issuer()
            .build(1024)
            .or_else(|_| IoUring::new(1024))?;
        let mut mode = mode;
        let mut bufs = None;
        if mode == RecvMode::Multishot {
            let br = BufRing::new(1024, MAX_DATAGRAM + 256, 0)?;
            match br.register(&ring.submitter()) {
                Ok(()) => bufs = Some(br),
                Err(e) => {
                    tracing::warn!(error = %e, "no provided buffer rings: one-shot receive");
                    mode = RecvMode::Single;
                }
            }
        }
        // SAFETY: all-zero msghdr is valid; only the name length is set for multishot recvmsg.
        let mut multi_hdr: Box<libc::msghdr> =
            Box::new(unsafe { MaybeUninit::zeroed().assume_init() });
        multi_hdr.msg_namelen = NAME_LEN;
        let recv_slots = if mode == RecvMode::Single {
            (0..64).map(|_| MsgSlot::new(MAX_DATAGRAM + 1)).collect()
        } else {
            Vec::new()
        };
        let send_slots: Vec<_> = (0..256).map(|_| MsgSlot::new(1024)).collect();
        Ok(Self {
            ring,
            socket,
            bufs,
            multi_hdr,
            recv_slots,
            free_sends: (0..send_slots.len()).rev().collect(),
            send_slots,
            out: Outbox::default(),
            multishot_armed: false,
            mode,
            watched: None,
            stats: UdpStats::default(),
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not an inet socket"))
    }

    /// The receive mode in effect after fallback.
    pub fn mode(&self) -> RecvMode {
        self.mode
    }

    /// Wakes the loop whenever `fd` is readable (a multishot `POLL_ADD` on this ring): the
    /// handler's `on_turn` then runs at once instead of at the next tick. Used for the epoll
    /// descriptor of the core's TCP connections (`runtime::tcp`).
    pub fn watch(&mut self, fd: std::os::fd::RawFd) {
        self.watched = Some((fd, false));
    }

    fn arm_watch(&mut self) -> io::Result<()> {
        if let Some((fd, armed @ false)) = &mut self.watched {
            let sqe = opcode::PollAdd::new(types::Fd(*fd), libc::POLLIN as u32)
                .multi(true)
                .build()
                .user_data(TAG_WATCH);
            *armed = true;
            push_sqe(&mut self.ring, &sqe)?;
        }
        Ok(())
    }

    /// Runs the loop until `stop` is set, checking it at least every `tick`.
    pub fn run<H: DatagramHandler>(
        &mut self,
        handler: &mut H,
        stop: &AtomicBool,
        tick: Duration,
    ) -> io::Result<()> {
        self.arm_receives()?;
        self.arm_watch()?;
        let ts = types::Timespec::from(tick);
        let mut cqes: Vec<(u64, i32, u32)> = Vec::with_capacity(1024);
        let mut busy_since = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            let args = types::SubmitArgs::new().timespec(&ts);
            let waiting = Instant::now();
            self.stats.busy_ns += nanos(waiting.saturating_duration_since(busy_since));
            let waited = self.ring.submitter().submit_with_args(1, &args);
            busy_since = Instant::now();
            self.stats.idle_ns += nanos(busy_since.saturating_duration_since(waiting));
            match waited {
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::ETIME | libc::EINTR | libc::EBUSY)
                    ) => {}
                Err(e) => return Err(e),
            }
            cqes.clear();
            cqes.extend(
                self.ring
                    .completion()
                    .map(|c| (c.user_data(), c.result(), c.flags())),
            );
            let now = Instant::now();
            for &(ud, res, flags) in &cqes {
                match ud & TAG_MASK {
                    TAG_MULTI => self.on_multishot(handler, now, res, flags),
                    TAG_SINGLE => self.on_single(handler, now, (ud & !TAG_MASK) as usize, res)?,
                    TAG_SEND => self.on_sent((ud & !TAG_MASK) as usize, res),
                    _ if ud == TAG_WATCH && !cqueue::more(flags) => {
                        if let Some((_, armed)) = &mut self.watched {
                            *armed = false;
                        }
                    }
                    _ => {}
                }
            }
            handler.on_turn(now, &mut self.out, &self.stats);
            if !self.multishot_armed && self.mode == RecvMode::Multishot {
                self.stats.rearms += 1;
                self.arm_receives()?;
            }
            self.flush_outbox()?;
            self.arm_watch()?;
        }
        Ok(())
    }

    fn arm_receives(&mut self) -> io::Result<()> {
        let fd = types::Fd(self.socket.as_raw_fd());
        match self.mode {
            RecvMode::Multishot => {
                let bgid = self.bufs.as_ref().map_or(0, BufRing::bgid);
                let sqe = opcode::RecvMsgMulti::new(fd, &raw const *self.multi_hdr, bgid)
                    .build()
                    .user_data(TAG_MULTI);
                push_sqe(&mut self.ring, &sqe)?;
                self.multishot_armed = true;
            }
            RecvMode::Single => {
                for i in 0..self.recv_slots.len() {
                    self.arm_single(i)?;
                }
            }
        }
        Ok(())
    }

    fn arm_single(&mut self, i: usize) -> io::Result<()> {
        let fd = types::Fd(self.socket.as_raw_fd());
        let slot = &mut self.recv_slots[i];
        slot.prepare(NAME_LEN, slot.buf.capacity());
        let sqe = opcode::RecvMsg::new(fd, &raw mut slot.hdr)
            .build()
            .user_data(TAG_SINGLE | i as u64);
        push_sqe(&mut self.ring, &sqe)
    }

    fn on_multishot<H: DatagramHandler>(
        &mut self,
        handler: &mut H,
        now: Instant,
        res: i32,
        flags: u32,
    ) {
        if !cqueue::more(flags) {
            self.multishot_armed = false;
        }
        let Some(bid) = cqueue::buffer_select(flags) else {
            if res < 0 && res != -libc::ENOBUFS {
                self.stats.recv_errors += 1;
            }
            return;
        };
        let Some(bufs) = self.bufs.as_mut() else {
            return;
        };
        if res >= 0 {
            let buf = bufs.buffer(bid, res as usize);
            match types::RecvMsgOut::parse(buf, &self.multi_hdr) {
                Ok(msg)
                    if msg.is_payload_truncated() || msg.payload_data().len() > MAX_DATAGRAM =>
                {
                    self.stats.oversized += 1
                }
                Ok(msg) => match sockaddr_from(msg.name_data()) {
                    Some(from) => {
                        self.stats.datagrams_in += 1;
                        handler.on_datagram(now, from, msg.payload_data(), &mut self.out);
                    }
                    None => self.stats.recv_errors += 1,
                },
                Err(()) => self.stats.recv_errors += 1,
            }
        } else {
            self.stats.recv_errors += 1;
        }
        bufs.recycle(bid);
    }

    fn on_single<H: DatagramHandler>(
        &mut self,
        handler: &mut H,
        now: Instant,
        i: usize,
        res: i32,
    ) -> io::Result<()> {
        let Some(slot) = self.recv_slots.get(i) else {
            return Ok(());
        };
        if res < 0 {
            self.stats.recv_errors += 1;
        } else if slot.hdr.msg_flags & libc::MSG_TRUNC != 0 || res as usize > MAX_DATAGRAM {
            self.stats.oversized += 1;
        } else {
            // SAFETY: the kernel wrote `res` bytes into the buffer, within its capacity.
            let data = unsafe { std::slice::from_raw_parts(slot.buf.as_ptr(), res as usize) };
            let name_len = (slot.hdr.msg_namelen as usize).min(size_of::<libc::sockaddr_storage>());
            // SAFETY: `name` is a plain struct of at least `name_len` bytes.
            let name = unsafe {
                std::slice::from_raw_parts((&raw const slot.name).cast::<u8>(), name_len)
            };
            match sockaddr_from(name) {
                Some(from) => {
                    self.stats.datagrams_in += 1;
                    handler.on_datagram(now, from, data, &mut self.out);
                }
                None => self.stats.recv_errors += 1,
            }
        }
        self.arm_single(i)
    }

    fn on_sent(&mut self, i: usize, res: i32) {
        if res < 0 {
            self.stats.send_errors += 1;
        } else {
            self.stats.datagrams_out += 1;
        }
        self.free_sends.push(i);
    }

    /// Moves queued replies into free send slots, oldest first; replies without a free slot stay
    /// in the outbox for the next turn (no copy but the one into the slot).
    fn flush_outbox(&mut self) -> io::Result<()> {
        let fd = types::Fd(self.socket.as_raw_fd());
        let mut sent = 0;
        for &(to, start, len) in &self.out.items {
            let Some(i) = self.free_sends.pop() else {
                break;
            };
            let slot = &mut self.send_slots[i];
            let sa = SockAddr::from(to);
            // SAFETY: `sa` holds a valid sockaddr of `sa.len()` bytes, no larger than storage.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    sa.as_ptr().cast::<u8>(),
                    (&raw mut slot.name).cast::<u8>(),
                    sa.len() as usize,
                )
            };
            slot.buf.clear();
            slot.buf
                .extend_from_slice(&self.out.bytes[start..start + len]);
            slot.prepare(sa.len(), len);
            let sqe = opcode::SendMsg::new(fd, &raw const slot.hdr)
                .build()
                .user_data(TAG_SEND | i as u64);
            push_sqe(&mut self.ring, &sqe)?;
            sent += 1;
        }
        self.out.consume(sent);
        Ok(())
    }
}

/// Queues `sqe`, submitting first when the submission queue is full.
fn push_sqe(ring: &mut IoUring, sqe: &squeue::Entry) -> io::Result<()> {
    loop {
        // SAFETY: every pointer in the entries built here (msghdr, iovec, name, buffer) points
        // into a boxed slot or the boxed multishot header, which live until the ring is dropped
        // and are not reused before their completion arrives.
        if unsafe { ring.submission().push(sqe) }.is_ok() {
            return Ok(());
        }
        ring.submit()?;
    }
}

/// Reads a `sockaddr_in`/`sockaddr_in6` the kernel wrote (native-endian family, network-order
/// port and address).
fn sockaddr_from(name: &[u8]) -> Option<SocketAddr> {
    let family = u16::from_ne_bytes([*name.first()?, *name.get(1)?]);
    let port = u16::from_be_bytes([*name.get(2)?, *name.get(3)?]);
    match i32::from(family) {
        libc::AF_INET => {
            let ip: [u8; 4] = name.get(4..8)?.try_into().ok()?;
            Some(SocketAddr::from((ip, port)))
        }
        libc::AF_INET6 => {
            let ip: [u8; 16] = name.get(8..24)?.try_into().ok()?;
            let scope = u32::from_ne_bytes(name.get(24..28)?.try_into().ok()?);
            let flow = u32::from_be_bytes(name.get(4..8)?.try_into().ok()?);
            Some(SocketAddr::V6(std::net::SocketAddrV6::new(
                ip.into(),
                port,
                flow,
                scope,
            )))
        }
        _ => None,
    }
}
