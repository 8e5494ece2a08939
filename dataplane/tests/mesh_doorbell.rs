//! Cross-core wake-up: a core parked in its io_uring loop (tick far longer than the test) is
//! woken by its doorbell when a peer hands it a mesh message, and not left to its tick.

use dataplane::runtime::mesh::{MeshEndpoint, attach_doorbells, mesh};
use dataplane::runtime::udp::{DatagramHandler, Outbox, RecvMode, UdpRing, UdpStats};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// The receiving core: drains its rings each turn and reports what it got.
struct Receiver {
    mesh: MeshEndpoint<u64>,
    got: mpsc::Sender<u64>,
}

impl DatagramHandler for Receiver {
    fn on_datagram(&mut self, _: Instant, _: SocketAddr, _: &[u8], _: &mut Outbox) {}

    fn on_turn(&mut self, _: Instant, _: &mut Outbox, _: &UdpStats) {
        let got = &self.got;
        self.mesh.drain(64, |_, m| {
            let _ = got.send(m);
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

#[test]
fn a_parked_core_wakes_on_hand_off_not_on_its_tick() {
    let mut eps = mesh::<u64>(2, 16);
    attach_doorbells(&mut eps).unwrap();
    let b = eps.pop().unwrap();
    let mut a = eps.pop().unwrap();
    let bell = Arc::clone(b.doorbell().unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let stop2 = Arc::clone(&stop);
    // A one-minute tick: only the doorbell can end a wait within the test's bounds.
    let core = std::thread::spawn(move || {
        let mut ring = UdpRing::bind("127.0.0.1:0".parse().unwrap(), RecvMode::Single).unwrap();
        let mut h = Receiver { mesh: b, got: tx };
        ring.run(&mut h, &stop2, Duration::from_secs(60)).unwrap();
        ring.stats
    });
    for i in 0..20u64 {
        // Wait (bounded) until the core is asleep, so each message has to wake it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !bell.is_parked() && Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert!(a.try_send(1, i).is_ok());
        a.ring_doorbells();
        let got = rx.recv_timeout(Duration::from_secs(20));
        assert_eq!(got, Ok(i), "message {i} handed over before the tick");
    }
    stop.store(true, Ordering::Relaxed);
    // Wake it once more to see the stop flag (a message waiting also keeps it from sleeping).
    assert!(a.try_send(1, 99).is_ok());
    a.ring_doorbells();
    let stats = core.join().unwrap();
    assert!(stats.doorbell_wakes >= 20, "{stats:?}");
    assert!(bell.rings() >= 20 && bell.rings() <= 21, "{}", bell.rings());
}

#[test]
fn busy_core_is_not_rung_and_park_refuses_with_mail_waiting() {
    let mut eps = mesh::<u64>(2, 16);
    attach_doorbells(&mut eps).unwrap();
    let (a, b) = eps.split_at_mut(1);
    let (a, b) = (&mut a[0], &mut b[0]);
    for i in 0..5 {
        assert!(a.try_send(1, i).is_ok());
    }
    assert_eq!(a.ring_doorbells(), 0, "core 1 is not parked: no syscall");
    assert!(!b.park(), "messages waiting: do not sleep");
    assert!(!b.doorbell().unwrap().is_parked(), "and stay unparked");
    assert_eq!(b.drain(16, |_, _| {}), 5);
    assert!(b.park(), "nothing waiting: may sleep");
    assert!(a.try_send(1, 5).is_ok());
    assert_eq!(a.ring_doorbells(), 1, "parked: rung once");
    assert_eq!(a.ring_doorbells(), 0, "nothing new sent");
    assert_eq!(b.doorbell().unwrap().drain(), 1);
    let mut plain = mesh::<u64>(2, 4);
    assert!(
        plain[1].park(),
        "without doorbells: always sleep until the tick"
    );
    assert!(plain[0].try_send(1, 0).is_ok());
    assert_eq!(plain[0].ring_doorbells(), 0);
}
