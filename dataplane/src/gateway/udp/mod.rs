//! Semtech UDP packet forwarder adapter: the codec is `shared::semtech_udp`, the socket is
//! `runtime::udp`; this folder holds what the Gateway Server does with each datagram.

pub mod downlink;
pub mod ingress;
