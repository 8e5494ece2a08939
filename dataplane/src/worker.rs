//! One data-plane core assembled: its gateway ingress, the hand-off of each frame to the core that
//! owns its device (`hash(DevAddr) % cores`, design.md "Ownership") over the SPSC mesh, and the
//! owner-side processing of the frames it owns, all on this core's thread.

use crate::application::event::ApplicationEvent;
use crate::gateway::{GatewayUplink, UplinkSink};
use crate::network::{Micros, NetworkCore, Now, UplinkOutcome};
use crate::runtime::mesh::MeshEndpoint;
use shared::lorawan::{MType, PhyPayload};
use shared::types::DevAddr;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The owner-side processing of frames (the network core).
pub trait OwnerCore {
    /// Takes a frame this core owns.
    fn handle(&mut self, now: Instant, up: GatewayUplink);
    /// Drives timers once per loop turn.
    fn on_turn(&mut self, _now: Instant) {}
}

/// The core that owns `dev_addr` among `cores` cores (Fibonacci hashing spreads sequential
/// addresses evenly).
pub fn owner_of(dev_addr: DevAddr, cores: usize) -> usize {
    let h = dev_addr.to_u32().wrapping_mul(0x9E37_79B1);
    ((u64::from(h) * cores as u64) >> 32) as usize
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
    /// Frames of a kind this data plane does not handle yet (join and rejoin requests, proprietary).
    pub drop_unhandled_kind: u64,
}

/// The [`UplinkSink`] of one core: routes each frame to its owner core.
pub struct Router<O> {
    mesh: MeshEndpoint<GatewayUplink>,
    owner: O,
    /// Hand-off counters.
    pub stats: RouterStats,
}

impl<O: OwnerCore> Router<O> {
    /// A router for the core holding `mesh`, with `owner` processing what this core owns.
    pub fn new(mesh: MeshEndpoint<GatewayUplink>, owner: O) -> Self {
        Self {
            mesh,
            owner,
            stats: RouterStats::default(),
        }
    }

    /// The owner-side core.
    pub fn owner(&self) -> &O {
        &self.owner
    }
}

impl<O: OwnerCore> UplinkSink for Router<O> {
    fn uplink(&mut self, now: Instant, up: GatewayUplink) {
        let dev_addr = match PhyPayload::parse(up.phy_payload.as_slice()) {
            Ok(PhyPayload::Data(f)) => f.dev_addr(),
            Ok(p)
                if matches!(
                    p.mhdr().mtype(),
                    MType::JoinRequest | MType::RejoinRequest | MType::Proprietary
                ) =>
            {
                self.stats.drop_unhandled_kind += 1;
                return;
            }
            _ => {
                self.stats.drop_parse += 1;
                return;
            }
        };
        let dst = owner_of(dev_addr, self.mesh.cores());
        if dst == self.mesh.core() {
            self.stats.local += 1;
            self.owner.handle(now, up);
        } else if self.mesh.try_send(dst, up).is_ok() {
            self.stats.forwarded += 1;
        } else {
            self.stats.drop_ring_full += 1;
        }
    }

    fn on_turn(&mut self, now: Instant) {
        let Self { mesh, owner, stats } = self;
        stats.received += mesh.drain(4096, |_, up| owner.handle(now, up)) as u64;
        owner.on_turn(now);
    }
}

/// Where the owner core's application events go (the events hub's publisher).
pub trait EventSink {
    /// Takes one event; must not block.
    fn publish(&mut self, event: ApplicationEvent);
}

impl<F: FnMut(ApplicationEvent)> EventSink for F {
    fn publish(&mut self, event: ApplicationEvent) {
        self(event)
    }
}

/// The network core as the owner side of a worker: frames in, dedup windows closed on each turn,
/// application events out.
pub struct NetworkOwner<E> {
    core: NetworkCore,
    epoch: Instant,
    events: E,
}

impl<E: EventSink> NetworkOwner<E> {
    /// Wraps `core`, publishing its application events to `events`.
    pub fn new(core: NetworkCore, events: E) -> Self {
        Self {
            core,
            epoch: Instant::now(),
            events,
        }
    }

    /// The network core.
    pub fn core(&self) -> &NetworkCore {
        &self.core
    }

    fn micros(&self, now: Instant) -> Micros {
        Micros(
            u64::try_from(now.saturating_duration_since(self.epoch).as_micros())
                .unwrap_or(u64::MAX),
        )
    }
}

impl<E: EventSink> OwnerCore for NetworkOwner<E> {
    fn handle(&mut self, now: Instant, up: GatewayUplink) {
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let now = Now {
            at: self.micros(now),
            unix_ms,
        };
        // Refusals are counted by the core, by reason.
        let _ = self
            .core
            .handle_uplink(now, up.phy_payload.as_slice(), up.rx, up.settings);
    }

    fn on_turn(&mut self, now: Instant) {
        let at = self.micros(now);
        while let Some(outcome) = self.core.poll(at) {
            match outcome {
                UplinkOutcome::Delivered(u) | UplinkOutcome::DeliveredEncrypted(u) => {
                    self.events.publish(ApplicationEvent::Uplink(u))
                }
                UplinkOutcome::MacOnly(_) | UplinkOutcome::Dropped(_) => {}
            }
        }
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
}
