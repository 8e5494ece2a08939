//! The io_uring UDP loop over real loopback sockets, in both receive modes: every datagram reaches
//! the handler with its source address, replies come back, oversized datagrams are counted drops.

use dataplane::runtime::udp::{DatagramHandler, MAX_DATAGRAM, Outbox, RecvMode, UdpRing};
use std::{
    net::{SocketAddr, UdpSocket},
    sync::{Arc, atomic::AtomicBool},
    time::{Duration, Instant},
};

/// Echoes each datagram back prefixed with `>`.
struct Echo;

impl DatagramHandler for Echo {
    fn on_datagram(&mut self, _now: Instant, from: SocketAddr, data: &[u8], out: &mut Outbox) {
        out.send_with(from, |b| {
            b.push(b'>');
            b.extend_from_slice(data);
        });
    }
}

fn echo_round_trip(mode: RecvMode) {
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    // The ring is created on the thread that drives it (IORING_SETUP_SINGLE_ISSUER).
    let worker = std::thread::spawn(move || {
        let mut ring = UdpRing::bind("127.0.0.1:0".parse().unwrap(), mode).unwrap();
        tx.send((ring.local_addr().unwrap(), ring.mode())).unwrap();
        ring.run(&mut Echo, &stop2, Duration::from_millis(5))
            .unwrap();
        ring.stats
    });
    let (addr, effective) = rx.recv().unwrap();
    assert_eq!(effective, mode, "kernel 6.x supports both modes");

    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let n = 500;
    let mut got = std::collections::HashSet::new();
    for i in 0..n {
        client.send_to(format!("msg{i}").as_bytes(), addr).unwrap();
        if i % 50 == 49 {
            // Drain replies as we go so the client's socket buffer never overflows.
            let mut buf = [0u8; 64];
            while got.len() < i + 1 {
                let (len, _) = client.recv_from(&mut buf).expect("echo reply");
                got.insert(buf[..len].to_vec());
            }
        }
    }
    client
        .send_to(&vec![0u8; MAX_DATAGRAM + 100], addr)
        .unwrap();
    // One more small datagram after the oversized one proves the loop kept serving.
    client.send_to(b"after", addr).unwrap();
    let mut buf = [0u8; 64];
    let (len, _) = client.recv_from(&mut buf).expect("reply after oversized");
    assert_eq!(&buf[..len], b">after");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let stats = worker.join().unwrap();
    assert_eq!(got.len(), n);
    for i in 0..n {
        assert!(got.contains(format!(">msg{i}").as_bytes()));
    }
    assert_eq!(stats.datagrams_in, n as u64 + 1);
    assert_eq!(stats.datagrams_out, n as u64 + 1);
    assert_eq!(stats.oversized, 1);
    assert_eq!(stats.send_errors, 0);
}

#[test]
fn multishot_echo() {
    echo_round_trip(RecvMode::Multishot);
}

#[test]
fn single_shot_echo() {
    echo_round_trip(RecvMode::Single);
}
