//! The data plane's runtime edge: io_uring sockets, kernel-provided buffers, thread placement.
//! No LoRaWAN here; protocol cores are driven through small sans-IO traits.
//!
//! Raw `io-uring` rather than `tokio-uring`: each core owns one ring and one socket and runs one
//! loop, so an async facade adds a task per operation and a waker round trip per packet without
//! buying anything; multishot receive with a provided buffer ring (one submission for many
//! datagrams) is not exposed by `tokio-uring` 0.5's `UdpSocket`, which offers one-shot
//! `recv_from`/`recvmsg` with an owned buffer per call. Measured with
//! `cargo run --release -p bench --bin ingress` (same pipeline, same loopback load, one run, 2-vCPU
//! VM, sender on the other core): at saturation this multishot loop received 78.3k datagrams/s,
//! a plain tokio `UdpSocket` loop 45.7k (×1.71 for io_uring) and a tokio-uring `UdpSocket` loop
//! 25.8k (×3.0 for this loop, ×0.57 tokio-uring vs plain tokio); tokio-uring also spent the most
//! CPU per datagram (21.0 µs vs 8.3 µs here).

pub mod buf_ring;
pub mod cores;
pub mod file_log;
pub mod mesh;
pub mod tcp;
pub mod timer_wheel;
pub mod tokio_udp;
pub mod udp;
