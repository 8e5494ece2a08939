//! The load generator operators benchmark with: simulated gateways and devices (issue 7, not
//! built yet). Until it lands, `bench/src/ingress/` drives the data plane with pre-built Semtech
//! UDP traffic over loopback.
#![forbid(unsafe_code)]
