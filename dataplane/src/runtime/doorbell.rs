//! A core's doorbell: an `eventfd` its io_uring loop keeps a read armed on while it waits, rung
//! by a peer core that handed it mesh messages, so a hand-off to an idle core is processed at
//! once instead of at the waiting core's next tick.
//!
//! No syscall per message: the waiting core raises `parked` before it sleeps, and a sender rings
//! (one `write` to the eventfd) only when it finds `parked` raised, once per loop turn for all
//! the messages of that turn, clearing it as it rings so the next sender does not ring again.
//! Lost wake-ups are excluded as in Dekker's protocol: the sleeper stores `parked` then, after a
//! `SeqCst` fence, looks at its rings ([`MeshEndpoint::park`](super::mesh::MeshEndpoint::park));
//! the sender pushes its message then, after a `SeqCst` fence, looks at `parked`. At least one
//! of the two sees the other's write, so either the sleeper does not sleep or the sender rings.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};

/// One core's eventfd and whether that core is about to sleep or sleeping.
#[derive(Debug)]
pub struct Doorbell {
    fd: OwnedFd,
    parked: AtomicBool,
    rings: AtomicU64,
}

impl Doorbell {
    /// A new doorbell (a close-on-exec eventfd), not parked. Blocking on purpose: io_uring
    /// completes a read of an `O_NONBLOCK` file at once with `EAGAIN` instead of waiting.
    pub fn new() -> io::Result<Self> {
        // SAFETY: eventfd takes no pointers; a negative return is an error, checked below.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by eventfd and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Self {
            fd,
            parked: AtomicBool::new(false),
            rings: AtomicU64::new(0),
        })
    }

    /// The eventfd, for the owner's loop to read while it waits.
    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Owner side: about to sleep. The caller must then look for waiting messages (after the
    /// fence this issues) and [`Doorbell::unpark`] instead of sleeping if there are any.
    pub fn park(&self) {
        self.parked.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    /// Owner side: awake (again).
    pub fn unpark(&self) {
        self.parked.store(false, Ordering::Relaxed);
    }

    /// Whether the owner is parked.
    pub fn is_parked(&self) -> bool {
        self.parked.load(Ordering::SeqCst)
    }

    /// Sender side, after pushing messages: wakes the owner if it is parked (one eventfd write,
    /// and only the first sender to find it parked writes). Returns whether it rang.
    pub fn ring(&self) -> bool {
        fence(Ordering::SeqCst);
        if !self.parked.load(Ordering::Relaxed) || !self.parked.swap(false, Ordering::SeqCst) {
            return false;
        }
        let one = 1u64.to_ne_bytes();
        // SAFETY: writes 8 bytes from a live local buffer to an eventfd this struct owns.
        let _ = unsafe { libc::write(self.fd(), one.as_ptr().cast(), one.len()) };
        self.rings.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Times this doorbell was rung.
    pub fn rings(&self) -> u64 {
        self.rings.load(Ordering::Relaxed)
    }

    /// Owner side: reads and clears the eventfd's counter without blocking (0 when not rung).
    pub fn drain(&self) -> u64 {
        let mut p = libc::pollfd {
            fd: self.fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: polls one live pollfd, without waiting.
        if unsafe { libc::poll(&raw mut p, 1, 0) } != 1 {
            return 0;
        }
        let mut buf = [0u8; 8];
        // SAFETY: reads at most 8 bytes into a live local buffer from an eventfd this struct owns.
        let n = unsafe { libc::read(self.fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n == 8 { u64::from_ne_bytes(buf) } else { 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_only_a_parked_owner_and_only_once() {
        let d = Doorbell::new().unwrap();
        assert!(!d.ring(), "not parked: no write");
        assert_eq!(d.drain(), 0);
        d.park();
        assert!(d.ring(), "parked: rings");
        assert!(
            !d.ring(),
            "the first ring unparks: the second sender does not write"
        );
        assert_eq!(d.drain(), 1, "one eventfd write");
        assert_eq!(d.rings(), 1);
        d.park();
        d.unpark();
        assert!(!d.ring(), "unparked before anyone rang");
    }
}
