//! Gateway Server edge: which gateways may connect, and the protocol adapters that turn their
//! traffic into [`GatewayUplink`]s for the network core (Semtech UDP today; Basic Station next,
//! on the same path).

pub mod registry;
pub mod udp;

use crate::application::event::{RadioSettings, RxMetadata};
use shared::semtech_udp::Payload;
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
    /// Called once per loop turn: drives timers and cross-core hand-offs.
    fn on_turn(&mut self, _now: Instant) {}
}
