//! The load generator: one thread, one connected UDP socket, the pool's datagrams in order
//! through `sendmmsg` in batches of [`BATCH`], bounded by count and time, optionally paced.
//! Before each batch it marks the send time of every uplink whose first copy the batch carries.
//! PUSH_ACKs coming back are left unread (its receive buffer overflows harmlessly).

use super::load::Load;
use super::probe::{Role, SendTable, pin};
use socket2::{Domain, Protocol, Socket, Type};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Datagrams per `sendmmsg`.
pub const BATCH: usize = 64;

/// What the sender did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sent {
    /// Datagrams the kernel accepted.
    pub datagrams: u64,
    /// `sendmmsg` calls that failed.
    pub errors: u64,
    /// From the first send to the last.
    pub elapsed: Duration,
}

/// How the sender runs.
#[derive(Debug, Clone, Copy)]
pub struct SendPlan {
    /// Stop after this long even if the pool is not exhausted.
    pub max_time: Duration,
    /// Datagrams per second; 0 sends as fast as the kernel takes them.
    pub rate: u64,
    /// Pin to the first core.
    pub pin: bool,
}

/// Sends `load` to `to` from this thread.
pub fn send(load: &Load, to: SocketAddr, table: Option<&SendTable>, plan: SendPlan) -> Sent {
    pin(Role::Sender, plan.pin);
    let socket = match open(to) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sender socket: {e}");
            return Sent::default();
        }
    };
    let k = load.shape.k.max(1) as usize;
    let mut iov: Vec<libc::iovec> = Vec::with_capacity(BATCH);
    // SAFETY: an all-zero mmsghdr is valid (no name, no control, no iovecs yet).
    let mut msgs: Vec<libc::mmsghdr> = (0..BATCH).map(|_| unsafe { std::mem::zeroed() }).collect();
    let mut out = Sent::default();
    // Paced: small batches (one every ~100 µs) so the offered load stays smooth.
    let batch = if plan.rate == 0 {
        BATCH
    } else {
        (plan.rate / 10_000).clamp(1, BATCH as u64) as usize
    };
    let start = Instant::now();
    let mut i = 0;
    while i < load.len() {
        let now = Instant::now();
        let elapsed = now.duration_since(start);
        if elapsed >= plan.max_time {
            break;
        }
        if plan.rate > 0 && out.datagrams as f64 > plan.rate as f64 * elapsed.as_secs_f64() {
            std::hint::spin_loop();
            continue;
        }
        let n = batch.min(load.len() - i);
        iov.clear();
        for j in i..i + n {
            let d = load.datagram(j);
            iov.push(libc::iovec {
                iov_base: d.as_ptr() as *mut libc::c_void,
                iov_len: d.len(),
            });
            if let Some(t) = table.filter(|_| j % k == 0) {
                t.mark(j / k, now);
            }
        }
        for (m, v) in msgs.iter_mut().zip(iov.iter_mut()) {
            m.msg_hdr.msg_iov = v;
            m.msg_hdr.msg_iovlen = 1;
            m.msg_len = 0;
        }
        // SAFETY: `msgs[..n]` point at `iov[..n]`, which point into `load`'s bytes; all outlive
        // the call, and the kernel only reads them.
        let r = unsafe { libc::sendmmsg(socket.as_raw_fd(), msgs.as_mut_ptr(), n as u32, 0) };
        if r > 0 {
            out.datagrams += r as u64;
            i += r as usize;
        } else {
            out.errors += 1;
            i += n;
        }
    }
    out.elapsed = start.elapsed();
    out
}

fn open(to: SocketAddr) -> std::io::Result<Socket> {
    let s = Socket::new(Domain::for_address(to), Type::DGRAM, Some(Protocol::UDP))?;
    let _ = s.set_send_buffer_size(4 << 20);
    s.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    s.connect(&to.into())?;
    Ok(s)
}
