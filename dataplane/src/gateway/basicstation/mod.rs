//! LoRa Basics Station LNS adapter (Basic Station docs "The LNS Protocol", doc.sm.tc/station/
//! tcproto.html): the second gateway protocol of the Gateway Server, an ingress/egress adapter
//! onto the very same per-core path as Semtech UDP, never a second pipeline.
//!
//! - Ingress: `updf`/`jreq` become [`GatewayUplink`](crate::gateway::GatewayUplink)s handed to
//!   the core's [`UplinkSink`](crate::gateway::UplinkSink) (the router → owner core → dedup, MIC,
//!   FCnt, decrypt, events; joins to the join path), exactly as a Semtech `rxpk` is; `dntxed`
//!   becomes the same [`TxAck`](crate::gateway::TxAck) a Semtech TX_ACK does (`diid` is the
//!   downlink token, which names the owner core).
//! - Egress: a connection lives on the core that accepted it; on `version` that core tells every
//!   core where the gateway's downlinks go ([`StationRoute`]). The owner core schedules a class A
//!   answer as for UDP and, for a station, hands a [`StationDown`] to the connection's core over
//!   the mesh; that core turns it into a `dnmsg` ([`traffic`]).
//! - xtime: the uplink's 64-bit `xtime` travels through dedup as its low 32 bits (the
//!   `timestamp_us` every reception already carries, which the SX1301 `tmst` is too); the
//!   connection's core keeps each recent uplink's full `xtime` and `rctx`
//!   ([`traffic::UplinkMemory`]) and restores them for the `dnmsg` from the scheduled slot's
//!   concentrator time (uplink + whole seconds of RxDelay). That keeps the shared reception and
//!   slot types, and the mesh messages, the size they are.
//!
//! Files: [`stream`] (in-memory byte pipes under tungstenite), [`auth`] (the traffic endpoint's
//! path and `Authorization` checks), [`traffic`] (one station's messages, sans-IO),
//! [`connection`] (HTTP upgrade + WebSocket of one TCP connection), [`server`] (one core's
//! connections over `runtime::tcp`), [`metrics`].
//!
//! Not done yet: TLS (`wss://`; plain WebSocket only), CUPS.

pub mod auth;
pub mod connection;
pub mod metrics;
pub mod server;
pub mod stream;
pub mod traffic;

use crate::network::downlink::{ScheduledDownlink, Window};
use shared::basicstation::TxWindow;
use shared::semtech_udp::Payload;
use shared::types::{DevEui, Eui64};

/// Where a Basic Station gateway takes downlinks: the core holding its traffic connection
/// (broadcast to every core; `core` `None`: it disconnected).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StationRoute {
    /// The gateway.
    pub eui: Eui64,
    /// The core that owns its connection, or `None` once it is gone.
    pub core: Option<u16>,
}

/// A scheduled downlink for a Basic Station gateway, on its way from the device's owner core
/// to the core that holds the gateway's connection.
#[derive(Debug, Clone, Copy)]
pub struct StationDown {
    /// The gateway.
    pub eui: Eui64,
    /// The downlink's token (`diid`; `dntxed` brings it back to the owner core).
    pub token: u16,
    /// The device (`DevEui`, zero when unknown).
    pub dev_eui: Option<DevEui>,
    /// The window scheduled.
    pub window: Window,
    /// Concentrator time of transmission, low 32 bits (uplink `xtime` + window delay).
    pub tmst: u32,
    /// Data rate and frequency of the scheduled window.
    pub tx: TxWindow,
    /// RX2 to fall back on when `window` is RX1 (the station tries it if RX1 fails).
    pub rx2: Option<TxWindow>,
    /// The PHYPayload.
    pub pdu: Payload,
}

impl StationDown {
    /// The hand-over of `d` with `token` to a station.
    pub fn from_scheduled(d: &ScheduledDownlink, token: u16, dev_eui: Option<DevEui>) -> Self {
        let window = |s: &crate::network::downlink::Slot| TxWindow {
            dr: s.data_rate,
            freq_hz: s.frequency_hz,
        };
        Self {
            eui: d.slot.gateway,
            token,
            dev_eui,
            window: d.slot.window,
            tmst: d.slot.tmst,
            tx: window(&d.slot),
            rx2: d.rx2_fallback.as_ref().map(window),
            pdu: d.phy_payload,
        }
    }
}

/// Settings of the LNS endpoint (`[basicstation]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationConfig {
    /// Largest WebSocket message or frame accepted; a larger one closes the connection.
    pub max_message: usize,
    /// Bytes of unsent output per connection before it is closed as stuck.
    pub max_pending_out: usize,
    /// Host (and port) written into discovery's `uri`; the request's `Host` header when empty.
    pub public_host: String,
}

impl Default for StationConfig {
    fn default() -> Self {
        Self {
            max_message: 16 * 1024,
            max_pending_out: 256 * 1024,
            public_host: String::new(),
        }
    }
}
