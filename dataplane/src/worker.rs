//! One data-plane core assembled: its gateway ingress, the hand-off of each frame to the core that
//! owns its device (`hash(DevAddr) % cores`, design.md "Ownership") over the SPSC mesh, and the
//! owner-side processing of the frames it owns, all on this core's thread.
//!
//! The mesh carries [`CoreMsg`]s: uplink copies to their owner, each gateway's downlink route
//! to every core (the core that receives a PULL_DATA may be neither the one that receives that
//! gateway's PUSH_DATA nor the device's owner), and TX_ACKs to the core whose index the
//! PULL_RESP token carries. The owner schedules and sends its devices' downlinks itself
//! ([`downlink`]).

pub mod downlink;
mod downlink_events;
pub mod join;
mod router;

pub use router::{OwnerCore, Router, RouterStats, join_owner_of, owner_of};

use crate::application::event::ApplicationEvent;
use crate::application::queue::PushReceiver;
use crate::drop::DropReason;
use crate::events::Publisher;
use crate::gateway::{DownlinkRoute, GatewayUplink, TxAck, udp::ingress::SemtechUdpIngress};
use crate::metrics::{CoreCounters, CoreTotals, DownlinkMetrics, LatencyRecorder};
use crate::network::{Micros, NetworkCore, Now, UplinkOutcome};
use crate::runtime::udp::{DatagramHandler, Outbox, UdpStats};
use crate::sync::control::{ControlMsg, ControlReceiver, apply_session};
use downlink::{DownlinkConfig, DownlinkDriver};
use join::JoinDriver;
use shared::lorawan::MType;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Where the owner core's application events go (the events hub's publisher).
pub trait EventSink {
    /// Takes one event; must not block.
    fn publish(&mut self, event: ApplicationEvent);
}

impl EventSink for Publisher {
    fn publish(&mut self, event: ApplicationEvent) {
        // A full ring hands the event back; the publisher has counted it (`hub_full`).
        let _ = Publisher::publish(self, event);
    }
}

/// The network core as the owner side of a worker: frames in, dedup windows closed on each turn,
/// application events out.
pub struct NetworkOwner<E> {
    core: NetworkCore,
    epoch: Instant,
    events: E,
    latency: Option<LatencyRecorder>,
    downlink: DownlinkDriver,
    pushes: Option<PushReceiver>,
    joins: JoinDriver,
}

impl<E: EventSink> NetworkOwner<E> {
    /// Wraps `core`, publishing its application events to `events` (downlinks with default
    /// settings, as the only core).
    pub fn new(core: NetworkCore, events: E) -> Self {
        let joins = JoinDriver::new(0, core.config().dedup, None);
        Self {
            core,
            epoch: Instant::now(),
            events,
            latency: None,
            downlink: DownlinkDriver::new(DownlinkConfig::default(), 0, 1, Micros(0)),
            pushes: None,
            joins,
        }
    }

    /// Sets the join path (join-requests to the Join Server, join-accepts back).
    pub fn with_joins(mut self, joins: JoinDriver) -> Self {
        self.joins = joins;
        self
    }

    /// The join path.
    pub fn joins(&self) -> &JoinDriver {
        &self.joins
    }

    /// The join path, for config changes.
    pub fn joins_mut(&mut self) -> &mut JoinDriver {
        &mut self.joins
    }

    /// Sets the downlink path of core `index` among `cores`.
    pub fn with_downlink(mut self, config: DownlinkConfig, index: usize, cores: usize) -> Self {
        self.downlink = DownlinkDriver::new(config, index, cores, Micros(0));
        self
    }

    /// Takes application downlink pushes from `pushes`.
    pub fn with_pushes(mut self, pushes: PushReceiver) -> Self {
        self.pushes = Some(pushes);
        self
    }

    /// The downlink path.
    pub fn downlink(&self) -> &DownlinkDriver {
        &self.downlink
    }

    /// The class A answer to the uplink the last `poll` accepted, if one is owed.
    fn answer(&mut self, at: Micros, outcome: &UplinkOutcome) {
        let (dev_addr, dev_eui, fcnt, device_id) = match outcome {
            UplinkOutcome::Delivered(u) | UplinkOutcome::DeliveredEncrypted(u) => {
                (u.dev_addr, u.dev_eui, u.fcnt, Some(u.device_id.as_str()))
            }
            UplinkOutcome::MacOnly(m) => (m.dev_addr, m.dev_eui, m.fcnt, None),
            UplinkOutcome::Dropped(_) => return,
        };
        let (receptions, settings) = self.core.last_receptions();
        self.downlink.take_receptions(receptions);
        let session = self
            .core
            .sessions_mut()
            .candidates_mut(dev_addr)
            .iter_mut()
            .find(|s| {
                s.fcnt_up == Some(fcnt)
                    && s.dev_eui == dev_eui
                    && device_id.is_none_or(|d| d == s.device_id)
            });
        if let Some(s) = session {
            self.downlink
                .after_uplink(at, s, settings, &mut self.events);
        }
    }

    /// Records, for each delivered uplink, the time from its first copy's arrival to delivery
    /// (wall clock: the event carries its arrival in Unix ms).
    pub fn with_latency(mut self, recorder: LatencyRecorder) -> Self {
        self.latency = Some(recorder);
        self
    }

    /// Makes recorded latencies visible to the scrape.
    pub fn flush_latency(&mut self) {
        if let Some(r) = &mut self.latency {
            r.flush();
        }
    }

    /// The network core.
    pub fn core(&self) -> &NetworkCore {
        &self.core
    }

    /// The network core, for config changes.
    pub fn core_mut(&mut self) -> &mut NetworkCore {
        &mut self.core
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
        let mtype = up
            .phy_payload
            .as_slice()
            .first()
            .map(|b| MType::from_bits(b >> 5));
        if mtype == Some(MType::JoinRequest) {
            self.joins.offer(now, up);
            return;
        }
        // Refusals are counted by the core, by reason.
        let _ = self
            .core
            .handle_uplink(now, up.phy_payload.as_slice(), up.rx, up.settings);
    }

    fn downlink_route(&mut self, route: DownlinkRoute) {
        self.downlink.set_route(route);
    }

    fn tx_ack(&mut self, now: Instant, ack: TxAck) {
        let at = self.micros(now);
        let sessions = self.core.sessions_mut();
        self.downlink.on_tx_ack(at, ack, sessions, &mut self.events);
    }

    fn on_turn(&mut self, now: Instant, out: &mut Outbox) {
        let at = self.micros(now);
        if let Some(p) = &mut self.pushes {
            for msg in p.drain(256) {
                self.downlink
                    .push(msg, self.core.sessions_mut(), &mut self.events);
            }
        }
        self.joins
            .on_turn(at, now, &mut self.downlink, &mut self.core);
        while let Some(outcome) = self.core.poll(at) {
            self.answer(at, &outcome);
            match outcome {
                UplinkOutcome::Delivered(u) | UplinkOutcome::DeliveredEncrypted(u) => {
                    if let Some(r) = &mut self.latency {
                        let now_us = SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .map_or(0, |d| d.as_micros() as u64);
                        r.record(Duration::from_micros(
                            now_us.saturating_sub(u.received_at_ms * 1000),
                        ));
                    }
                    self.events.publish(ApplicationEvent::Uplink(u))
                }
                UplinkOutcome::MacOnly(_) | UplinkOutcome::Dropped(_) => {}
            }
        }
        self.downlink
            .poll(at, out, self.core.sessions_mut(), &mut self.events);
    }
}

/// How often a worker publishes its totals for `/metrics`.
const PUBLISH_EVERY: Duration = Duration::from_millis(50);

/// One core's whole packet path as the socket loop drives it: ingress, hand-off, network core,
/// events, and the publication of its counters.
pub struct Worker<E> {
    ingress: SemtechUdpIngress<Router<NetworkOwner<E>>>,
    counters: Arc<CoreCounters>,
    published_at: Option<Instant>,
    control: Option<ControlReceiver>,
    downlink_metrics: Option<(Arc<DownlinkMetrics>, usize)>,
    /// Pushed sessions this core could not install (their DevAddr was full).
    pub sessions_refused: u64,
}

impl<E: EventSink> Worker<E> {
    /// Assembles a worker publishing its totals to `counters`.
    pub fn new(
        ingress: SemtechUdpIngress<Router<NetworkOwner<E>>>,
        counters: Arc<CoreCounters>,
    ) -> Self {
        Self {
            ingress,
            counters,
            published_at: None,
            control: None,
            downlink_metrics: None,
            sessions_refused: 0,
        }
    }

    /// Publishes this core's downlink counters as core `core` of `metrics`.
    pub fn with_downlink_metrics(mut self, metrics: Arc<DownlinkMetrics>, core: usize) -> Self {
        self.downlink_metrics = Some((metrics, core));
        self
    }

    /// Takes config changes (gateways, sessions) from the control plane's watch on each turn.
    pub fn with_control(mut self, control: ControlReceiver) -> Self {
        self.control = Some(control);
        self
    }

    /// Applies waiting config changes, a bounded number per turn so traffic keeps flowing
    /// during a large snapshot.
    fn apply_control(&mut self) {
        const PER_TURN: usize = 4096;
        let Some(control) = &mut self.control else {
            return;
        };
        for msg in control.drain(PER_TURN) {
            match msg {
                ControlMsg::Registry(r) => {
                    let owner = self.ingress.sink_mut().owner_mut();
                    owner.joins_mut().set_registry(Arc::clone(&r));
                    self.ingress.set_registry(r)
                }
                other => {
                    let core = self.ingress.sink_mut().owner_mut().core_mut();
                    if let Err(e) = apply_session(core, other) {
                        self.sessions_refused += 1;
                        tracing::warn!(error = %e, "pushed session refused");
                    }
                }
            }
        }
    }

    /// The running totals of every component of this core.
    pub fn totals(&self, udp: &UdpStats) -> CoreTotals {
        let router = self.ingress.sink();
        let net = router.owner().core().counters();
        let mut t = CoreTotals {
            packets_in: udp.datagrams_in,
            packets_out: udp.datagrams_out,
            uplinks_delivered: net.delivered + net.delivered_encrypted,
            drops: net.drops,
            busy_ns: udp.busy_ns,
            idle_ns: udp.idle_ns,
        };
        let joins = router.owner().joins().drops();
        for (r, n) in self.ingress.drops().chain(router.drops()).chain(joins) {
            if let Some(slot) = t.drops.get_mut(r.index()) {
                *slot += n;
            }
        }
        t
    }

    /// A one-line account of this core's counters (logged at shutdown).
    pub fn summary(&self, core: usize, udp: &UdpStats) -> String {
        let t = self.totals(udp);
        let drops: Vec<String> = DropReason::ALL
            .iter()
            .filter(|r| t.drops[r.index()] > 0)
            .map(|r| format!("{}={}", r.as_str(), t.drops[r.index()]))
            .collect();
        format!(
            "core {core}: in={} out={} delivered={} forwarded={} received={} drops[{}]",
            t.packets_in,
            t.packets_out,
            t.uplinks_delivered,
            self.ingress.sink().stats.forwarded,
            self.ingress.sink().stats.received,
            drops.join(" ")
        )
    }
}

impl<E: EventSink> DatagramHandler for Worker<E> {
    fn on_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8], out: &mut Outbox) {
        self.ingress.on_datagram(now, from, data, out);
    }

    fn on_turn(&mut self, now: Instant, out: &mut Outbox, stats: &UdpStats) {
        self.apply_control();
        self.ingress.on_turn(now, out, stats);
        if self
            .published_at
            .is_none_or(|t| now.saturating_duration_since(t) >= PUBLISH_EVERY)
        {
            self.counters.store_totals(&self.totals(stats));
            if let Some((m, core)) = &self.downlink_metrics {
                m.store(*core, &self.ingress.sink().owner().downlink().stats);
            }
            self.published_at = Some(now);
        }
    }
}
