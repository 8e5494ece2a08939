//! Gateway Server edge: which gateways may connect, and the protocol adapters that turn their
//! traffic into [`GatewayUplink`]s for the network core (Semtech UDP today; Basic Station next,
//! on the same path, [`basicstation`]), plus what the downlink path needs from them: where each gateway takes
//! downlinks ([`UplinkSink::downlink_route`]) and its verdict on each one ([`UplinkSink::tx_ack`]).

pub mod basicstation;
pub mod registry;
pub mod udp;

use crate::application::event::{RadioSettings, RxMetadata};
use crate::runtime::udp::Outbox;
use shared::semtech_udp::{Payload, ProtocolVersion, Token, TxError};
use shared::types::Eui64;
use std::net::SocketAddr;
use std::time::Instant;

/// One gateway's copy of a received frame, as every gateway protocol hands it to the core that
/// owns the device.
#[derive(Debug, Clone)]
pub struct GatewayUplink {
    /// The PHYPayload as received.
    pub phy_payload: Payload,
    /// This gateway's reception.
    pub rx: RxMetadata,
    /// Frequency and modulation.
    pub settings: RadioSettings,
}

/// Where a gateway adapter delivers received frames.
pub trait UplinkSink {
    /// Takes one gateway's copy of a frame, received in the loop turn that started at `now`.
    fn uplink(&mut self, now: Instant, up: GatewayUplink);
    /// A gateway's downlink route is new or changed (Semtech UDP: the source of its PULL_DATA).
    fn downlink_route(&mut self, _route: DownlinkRoute) {}
    /// A gateway's verdict on a downlink (`error` `None`: accepted).
    fn tx_ack(&mut self, _now: Instant, _ack: TxAck) {}
    /// A Basic Station gateway's traffic connection opened or closed on this core.
    fn station_route(&mut self, _route: basicstation::StationRoute) {}
    /// Called once per loop turn: drives timers and cross-core hand-offs; downlinks due go into
    /// `out` (sent from this core's socket, which shares the gateways' server port).
    fn on_turn(&mut self, _now: Instant, _out: &mut Outbox) {}
}

/// Where a gateway takes downlinks (broadcast to every core when it changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownlinkRoute {
    /// The gateway.
    pub eui: Eui64,
    /// The address of its last PULL_DATA.
    pub addr: SocketAddr,
    /// Its protocol version (v1 forwarders send no TX_ACK).
    pub version: ProtocolVersion,
}

/// A gateway's TX_ACK, on its way to the core that sent the PULL_RESP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxAck {
    /// The gateway.
    pub eui: Eui64,
    /// The PULL_RESP's token.
    pub token: Token,
    /// The refusal, if any.
    pub error: Option<TxError>,
}

/// What cores hand each other over the mesh. Uplink copies are by far the most frequent and
/// the largest; the other kinds fit inside their size, so the enum costs uplinks nothing.
// Boxing the uplink would cost an allocation per copy; the rare kinds riding in its slot cost
// nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum CoreMsg {
    /// A copy of a frame for the core that owns its device.
    Uplink(GatewayUplink),
    /// A gateway's downlink route, for every core (rare: new or changed).
    Route(DownlinkRoute),
    /// A TX_ACK for the core whose index the token carries.
    TxAck(TxAck),
    /// Where a Basic Station gateway's connection lives, for every core.
    StationRoute(basicstation::StationRoute),
    /// A downlink for the core holding the Basic Station gateway's connection.
    StationDown(basicstation::StationDown),
}
