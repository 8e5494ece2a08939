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
pub mod persist;
mod router;

pub use router::{OwnerCore, Router, RouterStats, join_owner_of, owner_of};

use crate::application::event::ApplicationEvent;
use crate::application::queue::PushReceiver;
use crate::drop::DropReason;
use crate::events::Publisher;
use crate::gateway::basicstation::{metrics::StationMetrics, server::StationServer};
use crate::gateway::{DownlinkRoute, GatewayUplink, TxAck, udp::ingress::SemtechUdpIngress};
use crate::metrics::{CoreCounters, CoreTotals, DownlinkMetrics, LatencyRecorder, PersistMetrics};
use crate::network::{Micros, NetworkCore, Now, Session, SessionTable, UplinkOutcome};
use crate::runtime::udp::{DatagramHandler, Outbox, UdpStats};
use crate::sync::control::{ControlMsg, ControlReceiver, apply_session};
use downlink::{DownlinkConfig, DownlinkDriver};
use join::JoinDriver;
use persist::{Deferred, Durability, Reserve};
use shared::lorawan::MType;
use shared::types::{DevAddr, DevEui};
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
    durable: Option<Durability>,
    due: Vec<Deferred>,
}

/// The session an uplink was accepted for (it must still be at that FCntUp).
fn find_session<'a>(
    sessions: &'a mut SessionTable,
    dev_addr: DevAddr,
    dev_eui: Option<DevEui>,
    fcnt: u32,
    device_id: Option<&str>,
) -> Option<&'a mut Session> {
    sessions.candidates_mut(dev_addr).iter_mut().find(|s| {
        s.fcnt_up == Some(fcnt)
            && s.dev_eui == dev_eui
            && device_id.is_none_or(|d| d == s.device_id)
    })
}

/// Whether the uplink `session` just had owes a class A answer (what may spend a counter).
/// `mac_owes`: the MAC layer has answers or requests to send.
fn owes_answer(session: &Session, mac_owes: bool) -> bool {
    session
        .last_uplink
        .is_some_and(|u| u.confirmed || u.adr_ack_req)
        || !session.queue.is_empty()
        || mac_owes
}

/// Publishes a delivered uplink, recording its latency from first arrival (wall clock: the
/// event carries its arrival in Unix ms).
fn deliver<E: EventSink>(
    events: &mut E,
    latency: &mut Option<LatencyRecorder>,
    e: ApplicationEvent,
) {
    if let (Some(r), ApplicationEvent::Uplink(u)) = (latency.as_mut(), &e) {
        let now_us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        r.record(Duration::from_micros(
            now_us.saturating_sub(u.received_at_ms * 1000),
        ));
    }
    events.publish(e);
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
            durable: None,
            due: Vec::new(),
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

    /// Journals accepted FCntUps and downlink counter leases (see [`persist`]).
    pub fn with_durability(mut self, durable: Durability) -> Self {
        self.durable = Some(durable);
        self
    }

    /// The journal wiring, when sessions are durable.
    pub fn durability_mut(&mut self) -> Option<&mut Durability> {
        self.durable.as_mut()
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
        if let Some(seq) = self.answer_session(at, dev_addr, dev_eui, fcnt, device_id, settings)
            && let Some(d) = &mut self.durable
        {
            let (receptions, settings) = self.core.last_receptions();
            d.defer(Deferred {
                seq,
                dev_addr,
                dev_eui,
                fcnt,
                receptions: receptions.to_vec(),
                settings,
            });
        }
    }

    /// An answer that waited for its counter lease.
    fn answer_deferred(&mut self, at: Micros, mut d: Deferred) {
        self.downlink.take_receptions(&d.receptions);
        if let Some(seq) = self.answer_session(at, d.dev_addr, d.dev_eui, d.fcnt, None, d.settings)
            && let Some(p) = &mut self.durable
        {
            d.seq = seq;
            p.defer(d);
        }
    }

    /// Answers the session's uplink unless its counter lease is not durable yet: then returns
    /// what to wait for.
    fn answer_session(
        &mut self,
        at: Micros,
        dev_addr: DevAddr,
        dev_eui: Option<DevEui>,
        fcnt: u32,
        device_id: Option<&str>,
        settings: Option<crate::application::event::RadioSettings>,
    ) -> Option<crate::persist::Seq> {
        let s = find_session(self.core.sessions_mut(), dev_addr, dev_eui, fcnt, device_id)?;
        let mac_owes = self.downlink.mac_uplink(s);
        if let Some(d) = &mut self.durable
            && owes_answer(s, mac_owes)
        {
            match d.reserve(s) {
                Reserve::Ready => {}
                Reserve::Wait(seq) => return Some(seq),
                Reserve::Refused => return None,
            }
        }
        let before = (s.n_fcnt_down, s.a_fcnt_down);
        self.downlink
            .after_uplink(at, s, settings, &mut self.events);
        if let Some(d) = &mut self.durable {
            d.spent(s, before);
        }
        if let Some(blob) = crate::network::mac::take_journal(s)
            && let Some(d) = &mut self.durable
        {
            d.mac_state(persist::key_of(s), &blob);
        }
        None
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

    fn station_route(&mut self, route: crate::gateway::basicstation::StationRoute) {
        self.downlink.set_station_route(route);
    }

    fn station_downlinks(
        &mut self,
        out: &mut Vec<(u16, crate::gateway::basicstation::StationDown)>,
    ) {
        self.downlink.take_station_downlinks(out);
    }

    fn tx_ack(&mut self, now: Instant, ack: TxAck) {
        let at = self.micros(now);
        let sessions = self.core.sessions_mut();
        self.downlink.on_tx_ack(at, ack, sessions, &mut self.events);
    }

    fn on_turn(&mut self, now: Instant, out: &mut Outbox) {
        let at = self.micros(now);
        if let Some(d) = &mut self.durable {
            d.turn(now);
            let (events, latency) = (&mut self.events, &mut self.latency);
            d.release(now, |e| deliver(events, latency, e));
            let mut due = std::mem::take(&mut self.due);
            d.due(&mut due);
            for x in due.drain(..) {
                self.answer_deferred(at, x);
            }
            self.due = due;
        }
        if let Some(p) = &mut self.pushes {
            for msg in p.drain(256) {
                self.downlink
                    .push(msg, self.core.sessions_mut(), &mut self.events);
            }
        }
        self.joins
            .on_turn(at, now, &mut self.downlink, &mut self.core);
        while let Some(outcome) = self.core.poll(at) {
            // The accepted FCntUp is journaled before anything leaves for this uplink.
            let seq = match (&mut self.durable, &outcome) {
                (Some(d), UplinkOutcome::Delivered(u) | UplinkOutcome::DeliveredEncrypted(u)) => {
                    Some(d.accepted(persist::key(u.dev_addr, u.dev_eui), u.fcnt))
                }
                (Some(d), UplinkOutcome::MacOnly(m)) => {
                    Some(d.accepted(persist::key(m.dev_addr, m.dev_eui), m.fcnt))
                }
                _ => None,
            };
            self.answer(at, &outcome);
            if let UplinkOutcome::Delivered(u) | UplinkOutcome::DeliveredEncrypted(u) = outcome {
                let e = ApplicationEvent::Uplink(u);
                match (seq, &mut self.durable) {
                    (Some(Some(seq)), Some(d)) => d.hold(now, seq, e),
                    // The journal failed: not durable, not delivered (counted).
                    (Some(None), _) => {}
                    _ => deliver(&mut self.events, &mut self.latency, e),
                }
            }
        }
        if let Some(d) = &mut self.durable {
            // Starts the commit clock of what this turn appended.
            d.turn(now);
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
    persist_metrics: Option<Arc<PersistMetrics>>,
    station: Option<(StationServer, Arc<StationMetrics>)>,
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
            persist_metrics: None,
            station: None,
            sessions_refused: 0,
        }
    }

    /// Publishes this core's downlink counters as core `core` of `metrics`.
    pub fn with_downlink_metrics(mut self, metrics: Arc<DownlinkMetrics>, core: usize) -> Self {
        self.downlink_metrics = Some((metrics, core));
        self
    }

    /// Publishes this core's journal counters (the core index is the downlink metrics' one).
    pub fn with_persist_metrics(mut self, metrics: Arc<PersistMetrics>) -> Self {
        self.persist_metrics = Some(metrics);
        self
    }

    /// Serves Basic Station gateways through `server` (this core's LNS connections), on the
    /// same path as Semtech UDP; its counters go to `metrics` (core index: the downlink one).
    pub fn with_station(mut self, server: StationServer, metrics: Arc<StationMetrics>) -> Self {
        self.station = Some((server, metrics));
        self
    }

    /// This core's LNS endpoint, when it serves one.
    pub fn station(&self) -> Option<&StationServer> {
        self.station.as_ref().map(|(s, _)| s)
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
                    if let Some((s, _)) = &mut self.station {
                        s.set_registry(Arc::clone(&r));
                    }
                    self.ingress.set_registry(r)
                }
                mut other => {
                    let owner = self.ingress.sink_mut().owner_mut();
                    // A pushed session never goes below the counters journaled for it.
                    if let (ControlMsg::Upsert { session, .. }, Some(d)) =
                        (&mut other, owner.durable.as_ref())
                    {
                        d.raise(session);
                    }
                    if let Err(e) = apply_session(owner.core_mut(), other) {
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
        if let Some((s, _)) = &mut self.station {
            s.turn(now, self.ingress.sink_mut());
        }
        self.ingress.on_turn(now, out, stats);
        if let Some((s, _)) = &mut self.station {
            let router = self.ingress.sink_mut();
            for d in router.take_station_downlinks() {
                s.downlink(now, d, router);
            }
        }
        if self
            .published_at
            .is_none_or(|t| now.saturating_duration_since(t) >= PUBLISH_EVERY)
        {
            self.counters.store_totals(&self.totals(stats));
            if let Some((m, core)) = &self.downlink_metrics {
                m.store(*core, &self.ingress.sink().owner().downlink().stats);
                m.mac
                    .store(*core, &self.ingress.sink().owner().downlink().mac_stats);
                let owner = self.ingress.sink_mut().owner_mut();
                if let (Some(pm), Some(d)) = (&self.persist_metrics, owner.durable.as_mut()) {
                    d.publish(pm, *core);
                }
                if let Some((s, m)) = &self.station {
                    m.store(*core, &s.stats);
                }
            }
            self.published_at = Some(now);
        }
    }
}
