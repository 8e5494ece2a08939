//! One core's TCP listener and its accepted connections (the Basic Station LNS endpoint):
//! `SO_REUSEPORT` so every core binds the same port and the kernel spreads stations across
//! cores; an accepted connection lives on the core that accepted it for its whole life.
//!
//! # Readiness, not completions
//! Sockets here are non-blocking and watched by one `epoll` instance per core; the core's
//! io_uring watches that epoll descriptor ([`crate::runtime::udp::UdpRing::watch`], a multishot
//! `POLL_ADD`), so a station's bytes wake the core's loop like a datagram does and the turn then
//! drains every ready socket with plain `accept4`/`read`/`write` ([`TcpPoller::poll`]). Nothing
//! is polled while nothing is ready: one `epoll_wait(0)` per woken turn, no syscall per idle
//! connection. A full io_uring TCP path (multishot accept, provided-buffer multishot recv, send
//! slots per connection) would save the read/write syscalls, but a station sends a few hundred
//! bytes per uplink over a long-lived connection, so the syscall per message is small beside the
//! JSON and WebSocket work (not measured yet: the `bench` comparison of LNS against UDP ingress
//! in one run is still to be written). Replacing the readiness loop with completions
//! later changes this file only: the protocol above it sees `Accepted`/`Readable` and byte
//! slices either way.

use socket2::{Domain, Protocol, Socket, Type};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// The epoll key of the listener (connections use their id, which starts at 1).
const LISTENER: u64 = 0;
/// Connections accepted per turn at most (the rest wait in the backlog for the next turn).
const ACCEPT_PER_TURN: usize = 256;

/// What became ready on this core's TCP sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpEvent {
    /// A new connection, with its id and peer.
    Accepted(u64, SocketAddr),
    /// Connection `id` has bytes to read (or was closed by the peer: the read returns 0).
    Readable(u64),
    /// Connection `id` can take more bytes (asked for with [`TcpPoller::want_write`]).
    Writable(u64),
}

/// Counters of one core's TCP side.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TcpStats {
    /// Connections accepted.
    pub accepted: u64,
    /// Connections closed (either side).
    pub closed: u64,
    /// Accepts that failed (other than "nothing waiting").
    pub accept_errors: u64,
}

/// A listener plus its accepted connections, watched by one epoll instance.
pub struct TcpPoller {
    epoll: OwnedFd,
    listener: Socket,
    conns: HashMap<u64, TcpStream>,
    next_id: u64,
    events: Vec<libc::epoll_event>,
    /// This core's TCP counters.
    pub stats: TcpStats,
}

impl TcpPoller {
    /// Binds `addr` with `SO_REUSEPORT` (non-blocking, backlog 1024) and sets up the epoll.
    pub fn bind(addr: SocketAddr) -> io::Result<Self> {
        let listener = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        listener.set_reuse_port(true)?;
        listener.set_reuse_address(true)?;
        listener.set_nonblocking(true)?;
        listener.bind(&addr.into())?;
        listener.listen(1024)?;
        // SAFETY: epoll_create1 has no pointer arguments; a non-negative result is a new fd we own.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and is owned by nothing else.
        let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
        let p = Self {
            epoll,
            listener,
            conns: HashMap::new(),
            next_id: 1,
            events: Vec::with_capacity(256),
            stats: TcpStats::default(),
        };
        p.ctl(libc::EPOLL_CTL_ADD, p.listener.as_raw_fd(), LISTENER, false)?;
        Ok(p)
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not an inet socket"))
    }

    /// The epoll descriptor: readable whenever a socket here is ready (for the core's ring).
    pub fn wake_fd(&self) -> RawFd {
        self.epoll.as_raw_fd()
    }

    /// Number of open connections.
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    fn ctl(&self, op: i32, fd: RawFd, key: u64, write: bool) -> io::Result<()> {
        let mut ev = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLRDHUP) as u32
                | if write { libc::EPOLLOUT as u32 } else { 0 },
            u64: key,
        };
        // SAFETY: `ev` is a valid epoll_event for the duration of the call; fds are open.
        let r = unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), op, fd, &raw mut ev) };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// Collects what is ready now (never waits): new connections first, then readable and
    /// writable ones.
    pub fn poll(&mut self, out: &mut Vec<TcpEvent>) {
        self.events.clear();
        let cap = self.events.capacity().min(i32::MAX as usize);
        // SAFETY: the buffer has room for `cap` events; the kernel writes at most that many and
        // returns how many; the length is set to that count only.
        let n = unsafe {
            libc::epoll_wait(
                self.epoll.as_raw_fd(),
                self.events.as_mut_ptr(),
                cap as i32,
                0,
            )
        };
        if n <= 0 {
            return;
        }
        // SAFETY: the kernel initialised the first `n` (≤ capacity) entries.
        unsafe { self.events.set_len(n as usize) };
        for i in 0..self.events.len() {
            let ev = self.events[i];
            let (key, bits) = (ev.u64, ev.events);
            if key == LISTENER {
                self.accept_all(out);
                continue;
            }
            if bits & (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32
                != 0
            {
                out.push(TcpEvent::Readable(key));
            }
            if bits & libc::EPOLLOUT as u32 != 0 {
                out.push(TcpEvent::Writable(key));
            }
        }
    }

    fn accept_all(&mut self, out: &mut Vec<TcpEvent>) {
        for _ in 0..ACCEPT_PER_TURN {
            match self.listener.accept() {
                Ok((s, peer)) => {
                    let Some(peer) = peer.as_socket() else {
                        continue;
                    };
                    let stream: TcpStream = s.into();
                    if stream.set_nonblocking(true).is_err() {
                        self.stats.accept_errors += 1;
                        continue;
                    }
                    let _ = stream.set_nodelay(true);
                    let id = self.next_id;
                    self.next_id += 1;
                    if self
                        .ctl(libc::EPOLL_CTL_ADD, stream.as_raw_fd(), id, false)
                        .is_err()
                    {
                        self.stats.accept_errors += 1;
                        continue;
                    }
                    self.conns.insert(id, stream);
                    self.stats.accepted += 1;
                    out.push(TcpEvent::Accepted(id, peer));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.stats.accept_errors += 1;
                    return;
                }
            }
        }
    }

    /// Reads what connection `id` has into `buf`: `Ok(0)` when the peer closed, `WouldBlock`
    /// when nothing is waiting.
    pub fn read(&mut self, id: u64, buf: &mut [u8]) -> io::Result<usize> {
        match self.conns.get_mut(&id) {
            Some(s) => s.read(buf),
            None => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    /// Writes as much of `data` as the socket takes now; returns how much.
    pub fn write(&mut self, id: u64, data: &[u8]) -> io::Result<usize> {
        match self.conns.get_mut(&id) {
            Some(s) => match s.write(data) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                r => r,
            },
            None => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    /// Asks (or stops asking) for [`TcpEvent::Writable`] on `id` (output left unsent).
    pub fn want_write(&mut self, id: u64, on: bool) {
        if let Some(s) = self.conns.get(&id) {
            let _ = self.ctl(libc::EPOLL_CTL_MOD, s.as_raw_fd(), id, on);
        }
    }

    /// Closes connection `id` (its epoll registration goes with the descriptor).
    pub fn close(&mut self, id: u64) {
        if let Some(s) = self.conns.remove(&id) {
            let _ = s.shutdown(std::net::Shutdown::Both);
            self.stats.closed += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Polls until `f` says done, at most 2 s.
    fn until(p: &mut TcpPoller, mut f: impl FnMut(&mut TcpPoller, &[TcpEvent]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut ev = Vec::new();
        while Instant::now() < deadline {
            ev.clear();
            p.poll(&mut ev);
            if f(p, &ev) {
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        panic!("timed out");
    }

    #[test]
    fn accepts_reads_writes_and_sees_close() {
        let mut p = TcpPoller::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = p.local_addr().unwrap();
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        let mut id = 0;
        until(&mut p, |_, ev| {
            ev.iter().any(|e| match e {
                TcpEvent::Accepted(i, _) => {
                    id = *i;
                    true
                }
                _ => false,
            })
        });
        assert_eq!(p.connections(), 1);
        c.write_all(b"hello").unwrap();
        let mut got = Vec::new();
        until(&mut p, |p, ev| {
            if ev.contains(&TcpEvent::Readable(id)) {
                let mut b = [0u8; 16];
                if let Ok(n) = p.read(id, &mut b) {
                    got.extend_from_slice(&b[..n]);
                }
            }
            got == b"hello"
        });
        assert_eq!(p.write(id, b"back").unwrap(), 4);
        let mut b = [0u8; 4];
        c.read_exact(&mut b).unwrap();
        assert_eq!(&b, b"back");
        drop(c);
        until(&mut p, |p, ev| {
            ev.contains(&TcpEvent::Readable(id)) && matches!(p.read(id, &mut [0u8; 4]), Ok(0))
        });
        p.close(id);
        assert_eq!(
            (p.connections(), p.stats.accepted, p.stats.closed),
            (0, 1, 1)
        );
        assert!(p.read(id, &mut [0u8; 4]).is_err(), "closed id");
    }
}
