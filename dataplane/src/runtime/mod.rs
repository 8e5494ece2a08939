//! The data plane's runtime edge: io_uring sockets, kernel-provided buffers, thread placement.
//! No LoRaWAN here; protocol cores are driven through small sans-IO traits.
//!
//! Raw `io-uring` rather than `tokio-uring`: each core owns one ring and one socket and runs one
//! loop, so an async facade adds a task per operation and a waker round trip per packet without
//! buying anything; multishot receive with a provided buffer ring (one submission for many
//! datagrams) is not exposed by `tokio-uring` 0.5's `UdpSocket`, which offers one-shot
//! `recv_from`/`recvmsg` with an owned buffer per call. The ingress benchmark in `bench/`
//! measures this path against plain tokio and tokio-uring ingresses on the same pipeline.

pub mod buf_ring;
pub mod cores;
pub mod mesh;
pub mod udp;
