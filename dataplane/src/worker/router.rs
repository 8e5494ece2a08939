//! The hand-off between cores: each frame goes to the core that owns its device
//! (`hash(DevAddr) % cores`, design.md "Ownership"; join-requests by `hash(DevEUI)`) over the
//! SPSC mesh; each gateway's downlink
//! route goes to every core; each TX_ACK goes to the core named by its PULL_RESP token.

use crate::drop::DropReason;
use crate::gateway::basicstation::{StationDown, StationRoute};
use crate::gateway::udp::downlink::owner_core;
use crate::gateway::{CoreMsg, DownlinkRoute, GatewayUplink, TxAck, UplinkSink};
use crate::runtime::mesh::MeshEndpoint;
use crate::runtime::udp::Outbox;
use shared::lorawan::{MType, PhyPayload};
use shared::types::{DevAddr, DevEui};
use std::time::Instant;

/// The owner-side processing of frames (the network core).
pub trait OwnerCore {
    /// Takes a frame this core owns.
    fn handle(&mut self, now: Instant, up: GatewayUplink);
    /// Learns where a gateway takes downlinks.
    fn downlink_route(&mut self, _route: DownlinkRoute) {}
    /// Takes a TX_ACK for one of this core's PULL_RESPs.
    fn tx_ack(&mut self, _now: Instant, _ack: TxAck) {}
    /// Drives timers once per loop turn; downlinks due go into `out`.
    fn on_turn(&mut self, _now: Instant, _out: &mut Outbox) {}
    /// Learns which core holds a Basic Station gateway's connection.
    fn station_route(&mut self, _route: StationRoute) {}
    /// Moves downlinks due for Basic Station gateways into `out`, with the core of each one's
    /// connection.
    fn station_downlinks(&mut self, _out: &mut Vec<(u16, StationDown)>) {}
}

/// The core that owns `dev_addr` among `cores` cores (Fibonacci hashing spreads sequential
/// addresses evenly).
pub fn owner_of(dev_addr: DevAddr, cores: usize) -> usize {
    let h = dev_addr.to_u32().wrapping_mul(0x9E37_79B1);
    ((u64::from(h) * cores as u64) >> 32) as usize
}

/// The core that handles join-requests of `dev_eui` among `cores` cores (design.md
/// "Ownership": joins go by DevEUI, as the DevAddr is not known yet; Fibonacci hashing).
pub fn join_owner_of(dev_eui: DevEui, cores: usize) -> usize {
    let h = dev_eui.to_u64().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    ((h * cores as u64) >> 32) as usize
}

/// Counters of the hand-off.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RouterStats {
    /// Frames this core owned itself.
    pub local: u64,
    /// Frames handed to another core.
    pub forwarded: u64,
    /// Frames received from other cores.
    pub received: u64,
    /// Frames dropped because the ring to their owner was full.
    pub drop_ring_full: u64,
    /// Frames whose PHYPayload did not parse far enough to find an owner.
    pub drop_parse: u64,
    /// Frames of a kind this data plane does not handle yet (rejoin requests, proprietary).
    pub drop_unhandled_kind: u64,
    /// TX_ACKs handed to the core that sent the PULL_RESP.
    pub tx_acks_forwarded: u64,
    /// TX_ACKs lost to a full ring.
    pub drop_tx_ack_ring_full: u64,
}

/// The [`UplinkSink`] of one core: routes each frame to its owner core.
pub struct Router<O> {
    mesh: MeshEndpoint<CoreMsg>,
    owner: O,
    /// Routes not yet handed to a core whose ring was full (retried each turn).
    unsent_routes: Vec<(usize, DownlinkRoute)>,
    /// Station routes not yet handed to a core whose ring was full (retried each turn).
    unsent_station_routes: Vec<(usize, StationRoute)>,
    /// Downlinks for Basic Station connections on this core (see [`Router::take_station_downlinks`]).
    station_local: Vec<StationDown>,
    station_due: Vec<(u16, StationDown)>,
    /// Hand-off counters.
    pub stats: RouterStats,
}

impl<O: OwnerCore> Router<O> {
    /// A router for the core holding `mesh`, with `owner` processing what this core owns.
    pub fn new(mesh: MeshEndpoint<CoreMsg>, owner: O) -> Self {
        Self {
            mesh,
            owner,
            unsent_routes: Vec::new(),
            unsent_station_routes: Vec::new(),
            station_local: Vec::new(),
            station_due: Vec::new(),
            stats: RouterStats::default(),
        }
    }

    /// The owner-side core.
    pub fn owner(&self) -> &O {
        &self.owner
    }

    /// Mutable access to the owner-side core.
    pub fn owner_mut(&mut self) -> &mut O {
        &mut self.owner
    }

    /// Hand-off drops by reason.
    pub fn drops(&self) -> impl Iterator<Item = (DropReason, u64)> {
        let s = self.stats;
        [
            (
                DropReason::RingFull,
                s.drop_ring_full + s.drop_tx_ack_ring_full,
            ),
            (DropReason::Parse, s.drop_parse),
            (DropReason::UnhandledKind, s.drop_unhandled_kind),
        ]
        .into_iter()
    }
}

impl<O: OwnerCore> UplinkSink for Router<O> {
    fn uplink(&mut self, now: Instant, up: GatewayUplink) {
        let cores = self.mesh.cores();
        let dst = match PhyPayload::parse(up.phy_payload.as_slice()) {
            Ok(PhyPayload::Data(f)) => owner_of(f.dev_addr(), cores),
            Ok(PhyPayload::JoinRequest(j)) => join_owner_of(j.dev_eui(), cores),
            Ok(p) if matches!(p.mhdr().mtype(), MType::RejoinRequest | MType::Proprietary) => {
                self.stats.drop_unhandled_kind += 1;
                return;
            }
            _ => {
                self.stats.drop_parse += 1;
                return;
            }
        };
        if dst == self.mesh.core() {
            self.stats.local += 1;
            self.owner.handle(now, up);
        } else if self.mesh.try_send(dst, CoreMsg::Uplink(up)).is_ok() {
            self.stats.forwarded += 1;
        } else {
            self.stats.drop_ring_full += 1;
        }
    }

    fn downlink_route(&mut self, route: DownlinkRoute) {
        self.owner.downlink_route(route);
        let me = self.mesh.core();
        self.unsent_routes.extend(
            (0..self.mesh.cores())
                .filter(|c| *c != me)
                .map(|c| (c, route)),
        );
        self.send_routes();
    }

    fn tx_ack(&mut self, now: Instant, ack: TxAck) {
        let dst = owner_core(ack.token, self.mesh.cores());
        if dst == self.mesh.core() {
            self.owner.tx_ack(now, ack);
        } else if self.mesh.try_send(dst, CoreMsg::TxAck(ack)).is_ok() {
            self.stats.tx_acks_forwarded += 1;
        } else {
            self.stats.drop_tx_ack_ring_full += 1;
        }
    }

    fn station_route(&mut self, route: StationRoute) {
        self.owner.station_route(route);
        let me = self.mesh.core();
        self.unsent_station_routes.extend(
            (0..self.mesh.cores())
                .filter(|c| *c != me)
                .map(|c| (c, route)),
        );
        self.send_routes();
    }

    fn on_turn(&mut self, now: Instant, out: &mut Outbox) {
        if !self.unsent_routes.is_empty() || !self.unsent_station_routes.is_empty() {
            self.send_routes();
        }
        let Self {
            mesh,
            owner,
            stats,
            station_local,
            ..
        } = self;
        stats.received += mesh.drain(4096, |_, msg| match msg {
            CoreMsg::Uplink(up) => owner.handle(now, up),
            CoreMsg::Route(r) => owner.downlink_route(r),
            CoreMsg::TxAck(a) => owner.tx_ack(now, a),
            CoreMsg::StationRoute(r) => owner.station_route(r),
            CoreMsg::StationDown(d) => station_local.push(d),
        }) as u64;
        owner.on_turn(now, out);
        self.hand_station_downlinks();
    }
}

impl<O: OwnerCore> Router<O> {
    /// Downlinks this core's owner scheduled for Basic Station gateways: those whose
    /// connection is here stay for [`Router::take_station_downlinks`], the others go to their
    /// connection's core (a full ring loses the frame; its TX_ACK timeout then fails it).
    fn hand_station_downlinks(&mut self) {
        let mut due = std::mem::take(&mut self.station_due);
        self.owner.station_downlinks(&mut due);
        let me = self.mesh.core();
        for (core, d) in due.drain(..) {
            let core = usize::from(core);
            if core == me {
                self.station_local.push(d);
            } else if self.mesh.try_send(core, CoreMsg::StationDown(d)).is_err() {
                self.stats.drop_ring_full += 1;
            }
        }
        self.station_due = due;
    }

    /// Takes the downlinks for Basic Station connections held by this core.
    pub fn take_station_downlinks(&mut self) -> Vec<StationDown> {
        std::mem::take(&mut self.station_local)
    }
}

impl<O> Router<O> {
    /// Hands waiting routes to their cores; those whose ring is full wait for the next turn
    /// (a route is rare and must not be lost: without it that core cannot send downlinks).
    fn send_routes(&mut self) {
        let mesh = &mut self.mesh;
        self.unsent_routes
            .retain(|&(dst, r)| mesh.try_send(dst, CoreMsg::Route(r)).is_err());
        self.unsent_station_routes
            .retain(|&(dst, r)| mesh.try_send(dst, CoreMsg::StationRoute(r)).is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_spread_evenly_and_stay_in_range() {
        for cores in [1, 2, 3, 16] {
            let mut count = vec![0u32; cores];
            for a in 0..16_000u32 {
                let o = owner_of(DevAddr::from_u32(0x2601_0000 + a), cores);
                count[o] += 1;
            }
            let (min, max) = (count.iter().min().unwrap(), count.iter().max().unwrap());
            assert!(
                f64::from(*max) / f64::from(*min) < 1.1,
                "{cores} cores: {count:?}"
            );
        }
    }

    #[test]
    fn join_owners_spread_evenly_and_stay_in_range() {
        for cores in [1, 2, 3, 16] {
            let mut count = vec![0u32; cores];
            for e in 0..16_000u64 {
                count[join_owner_of(DevEui::from_u64(0x70B3_D57E_D000_0000 + e), cores)] += 1;
            }
            let (min, max) = (count.iter().min().unwrap(), count.iter().max().unwrap());
            assert!(
                f64::from(*max) / f64::from(*min) < 1.1,
                "{cores} cores: {count:?}"
            );
        }
    }
}
