//! The join path of one core (LoRaWAN 1.0.4 §6.2, 1.1 §6.2; design.md "Ownership": join-requests
//! go to the core owning `hash(DevEUI)`).
//!
//! 1. [`JoinDriver::offer`]: a copy of a join-request joins the dedup window of its key
//!    (PHYPayload, frequency, data rate), as data uplinks do ([`Dedup`], same window and
//!    cooldown); with no Join Server configured it is a counted drop (`no_join_server`).
//! 2. [`JoinDriver::on_turn`]: each closed window becomes a [`JoinJob`] handed to the async side
//!    without waiting (full queue: `join_queue_full`); the merged receptions stay here, keyed
//!    by the job's id.
//! 3. Answers drained on the same turn: an accept is scheduled on those receptions in the
//!    join-request's windows ([`DownlinkDriver::join_accept`]: RX1 at tmst + JOIN_ACCEPT_DELAY1
//!    on the uplink's frequency rule and DR, RX2 one second later on the region's RX2
//!    defaults), then leaves, is acknowledged and retried like any class A downlink. A joined
//!    session whose DevAddr this core owns is installed at once; the device's previous session
//!    is removed from the cores that do not own the new DevAddr.
//!
//! Rejoin-requests (LoRaWAN 1.1 §6.2.4) take the same steps: [`JoinDriver::offer_rejoin`]
//! keeps the copies of types 0/2 only on the core holding the device's session, which checks
//! them when their window closes (`rejoin.rs`) and names the device in the request; the
//! rejoin's session waits pending on its owner core until the device uses it. Every joined
//! session that replaces one with other keys is journaled as a new session first, so the old
//! session's counters do not carry over to it.
//!
//! A join-request waits here at most [`PENDING_FOR`]: past JOIN_ACCEPT_DELAY2 no window is left.

use super::downlink::{DownlinkDriver, JoinAcceptCounts};
use super::persist::{Durability, key_of};
use super::rejoin::Rejoins;
use super::router::join_owner_of;
use crate::application::event::{RadioSettings, RxMetadata};
use crate::drop::DropReason;
use crate::gateway::GatewayUplink;
use crate::gateway::registry::GatewayRegistry;
use crate::network::dedup::{Dedup, DedupConfig, MAX_PHY_LEN};
use crate::network::downlink::{Reception, UplinkFacts, UplinkKind};
use crate::network::{Micros, NetworkCore, Now};
use crate::network::{Session, SessionTable};
use crate::sync::control::{ControlMsg, apply_session};
use crate::sync::join_client::{
    JobKind, JoinAnswer, JoinCoreStats, JoinJob, JoinLink, JoinMetrics,
};
use ringbuf::traits::Consumer;
use shared::api;
use shared::lorawan::{MType, RejoinRequest, RejoinType};
use shared::region::Modulation;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest wait for the Join Server's answer (JOIN_ACCEPT_DELAY2 is 6 s in every region).
pub const PENDING_FOR: Duration = Duration::from_secs(7);

/// Most join-requests awaiting their answer on one core.
const MAX_PENDING: usize = 4096;

/// A join-request sent to the Join Server, waiting for its answer.
#[derive(Debug)]
struct Pending {
    rx: Vec<RxMetadata>,
    settings: RadioSettings,
    opened_at: Micros,
}

/// Drops on the join path, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Drops {
    no_join_server: u64,
    queue_full: u64,
    dedup_late: u64,
    dedup_full: u64,
}

/// One core's join path.
pub struct JoinDriver {
    core: usize,
    dedup: Dedup,
    scratch: [u8; MAX_PHY_LEN],
    link: Option<JoinLink>,
    pending: HashMap<u64, Pending>,
    next_id: u64,
    registry: Arc<GatewayRegistry>,
    metrics: Option<Arc<JoinMetrics>>,
    published: JoinCoreStats,
    skipped: u64,
    drops: Drops,
    /// Joined sessions this core could not install (their DevAddr was full).
    pub sessions_refused: u64,
    cores: usize,
    /// Rejoin-requests' checks and sessions waiting for their first uplink.
    pub rejoins: Rejoins,
}

impl JoinDriver {
    /// The join path of core `core`: dedup as `dedup`, requests out through `link` (`None`: no
    /// Join Server, join-requests are dropped).
    pub fn new(core: usize, dedup: DedupConfig, link: Option<JoinLink>) -> Self {
        Self {
            core,
            dedup: Dedup::new(dedup),
            scratch: [0; MAX_PHY_LEN],
            link,
            pending: HashMap::new(),
            next_id: 0,
            registry: Arc::new(GatewayRegistry::default()),
            metrics: None,
            published: JoinCoreStats::default(),
            skipped: 0,
            drops: Drops::default(),
            sessions_refused: 0,
            cores: core + 1,
            rejoins: Rejoins::default(),
        }
    }

    /// The node runs `cores` cores (which core counts a rejoin-request with no session).
    pub fn with_cores(mut self, cores: usize) -> Self {
        self.cores = cores.max(self.core + 1);
        self
    }

    /// Publishes join-accept counters to `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<JoinMetrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The gateways served (their region names the request's `region`).
    pub fn set_registry(&mut self, registry: Arc<GatewayRegistry>) {
        self.registry = registry;
    }

    /// Join-requests waiting for the Join Server's answer.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Drops by reason.
    pub fn drops(&self) -> impl Iterator<Item = (DropReason, u64)> {
        let d = self.drops;
        [
            (DropReason::NoJoinServer, d.no_join_server),
            (DropReason::JoinQueueFull, d.queue_full),
            (DropReason::DedupLate, d.dedup_late),
            (DropReason::DedupFull, d.dedup_full),
            (DropReason::MicMismatch, self.rejoins.drops.mic_mismatch),
            (DropReason::RejoinReplay, self.rejoins.drops.replay),
            (DropReason::RejoinNoSession, self.rejoins.drops.no_session),
        ]
        .into_iter()
    }

    /// Takes one gateway's copy of a join-request.
    pub fn offer(&mut self, now: Now, up: GatewayUplink) {
        if self.link.is_none() {
            self.drops.no_join_server += 1;
            return;
        }
        match self
            .dedup
            .offer(now, up.phy_payload.as_slice(), up.rx, up.settings)
        {
            Ok(_) => {}
            Err(DropReason::DedupFull) => self.drops.dedup_full += 1,
            Err(_) => self.drops.dedup_late += 1,
        }
    }

    /// Takes one gateway's copy of a rejoin-request: type 1 as a join-request; types 0/2 only
    /// when this core holds the device's session (`sessions`).
    pub fn offer_rejoin(&mut self, now: Now, up: GatewayUplink, sessions: &SessionTable) {
        let Ok(frame) = RejoinRequest::parse(up.phy_payload.as_slice()) else {
            return;
        };
        let dev_eui = frame.dev_eui();
        if frame.rejoin_type() != RejoinType::Type1 && sessions.get_by_dev_eui(dev_eui).is_none() {
            if join_owner_of(dev_eui, self.cores) == self.core {
                self.rejoins.drops.no_session += 1;
            }
            return;
        }
        self.offer(now, up);
    }

    /// The device's pending rejoin session took over here: the other cores drop the old one.
    pub fn switched(&mut self, application_id: &str, device_id: &str, clock: Instant) {
        self.rejoins.release(application_id, device_id);
        let Some(link) = &self.link else { return };
        let job = JoinJob {
            core: self.core,
            id: 0,
            request: api::JoinRequest::default(),
            queued_at: clock,
            kind: JobKind::Switched {
                application_id: application_id.to_owned(),
                device_id: device_id.to_owned(),
            },
        };
        if link.jobs.try_send(job).is_err() {
            self.drops.queue_full += 1;
        }
    }

    /// Sends the join-requests whose window closed by `now`, schedules the accepts that came
    /// back, installs joined sessions this core owns (journaling a new session's start in
    /// `durable` first).
    pub fn on_turn(
        &mut self,
        now: Micros,
        clock: Instant,
        downlink: &mut DownlinkDriver,
        core: &mut NetworkCore,
        durable: Option<&mut Durability>,
    ) {
        if self.link.is_none() {
            return;
        }
        self.send_closed(now, clock, core.sessions());
        self.take_answers(now, downlink, core, durable);
        if !self.pending.is_empty() {
            let before = self.pending.len();
            self.pending
                .retain(|_, p| now.saturating_since(p.opened_at) < PENDING_FOR);
            self.skipped += (before - self.pending.len()) as u64;
        }
        self.publish(downlink.join_accepts);
    }

    fn send_closed(&mut self, now: Micros, clock: Instant, sessions: &SessionTable) {
        while let Some(closed) = self.dedup.poll(now, &mut self.scratch) {
            let Some(link) = &self.link else { return };
            let phy = self.scratch.get(..closed.len).unwrap_or_default().to_vec();
            if self.pending.len() >= MAX_PENDING {
                self.drops.queue_full += 1;
                continue;
            }
            let mut device = None;
            if phy.first().map(|b| MType::from_bits(b >> 5)) == Some(MType::RejoinRequest) {
                let Ok(frame) = RejoinRequest::parse(&phy) else {
                    continue;
                };
                if frame.rejoin_type() != RejoinType::Type1 {
                    let owner_here = join_owner_of(frame.dev_eui(), self.cores) == self.core;
                    match self.rejoins.check_0_2(&frame, sessions, owner_here) {
                        Ok(d) => device = Some(d),
                        Err(_) => continue,
                    }
                }
            }
            let region = closed
                .rx
                .iter()
                .find_map(|r| self.registry.get(&r.gateway_eui)?.region.clone())
                .unwrap_or_default();
            self.next_id = self.next_id.wrapping_add(1);
            let job = JoinJob {
                core: self.core,
                id: self.next_id,
                request: api::JoinRequest {
                    phy_payload: phy,
                    region,
                    net_id: Vec::new(),
                    received_at_ms: closed.received_at_ms,
                    device,
                },
                queued_at: clock,
                kind: JobKind::Request,
            };
            if link.jobs.try_send(job).is_err() {
                self.drops.queue_full += 1;
                continue;
            }
            self.pending.insert(
                self.next_id,
                Pending {
                    rx: closed.rx,
                    settings: closed.settings,
                    opened_at: closed.opened_at,
                },
            );
        }
    }

    fn take_answers(
        &mut self,
        now: Micros,
        downlink: &mut DownlinkDriver,
        core: &mut NetworkCore,
        mut durable: Option<&mut Durability>,
    ) {
        let Some(link) = &mut self.link else { return };
        let answers: Vec<JoinAnswer> = link.answers.pop_iter().take(256).collect();
        for a in answers {
            match a {
                JoinAnswer::Refused { id } => {
                    self.pending.remove(&id);
                }
                JoinAnswer::Accepted {
                    id,
                    join_accept,
                    region,
                    application_id,
                    device_id,
                } => {
                    let Some(p) = self.pending.remove(&id) else {
                        self.skipped += 1;
                        continue;
                    };
                    let r = schedule(
                        now,
                        &p,
                        region,
                        &join_accept,
                        downlink,
                        (&application_id, &device_id),
                    );
                    if let Err(e) = r {
                        self.skipped += 1;
                        tracing::debug!(%device_id, error = %e, "join-accept not scheduled");
                    }
                }
                JoinAnswer::Install(session) => {
                    if install(core, durable.as_deref_mut(), session).is_err() {
                        self.sessions_refused += 1;
                    }
                }
                JoinAnswer::InstallPending(session) => self.rejoins.add_pending(session),
                JoinAnswer::Hold {
                    application_id,
                    device_id,
                } => self.rejoins.hold(application_id, device_id),
                JoinAnswer::Remove {
                    application_id,
                    device_id,
                } => {
                    self.rejoins.release(&application_id, &device_id);
                    core.sessions_mut()
                        .remove_by_device_id(&application_id, &device_id);
                }
            }
        }
    }

    fn publish(&mut self, dl: JoinAcceptCounts) {
        let stats = JoinCoreStats {
            scheduled: dl.scheduled,
            sent: dl.sent,
            failed: dl.failed,
            skipped: self.skipped,
        };
        if stats != self.published {
            if let Some(m) = &self.metrics {
                m.store(self.core, &stats);
            }
            self.published = stats;
        }
    }
}

/// Installs a joined session on `core`; one that replaces a session with other keys (or none)
/// is journaled as a new session first, so no counter journaled for the same (DevAddr, DevEUI)
/// is raised into it.
pub fn install(
    core: &mut NetworkCore,
    durable: Option<&mut Durability>,
    session: Box<Session>,
) -> Result<(), String> {
    let running_same = core
        .sessions()
        .get_by_device_id(&session.application_id, &session.device_id)
        .is_some_and(|r| r.dev_addr == session.dev_addr && r.keys.same_network_keys(&session.keys));
    if let Some(d) = durable
        && !running_same
    {
        d.start_session(key_of(&session));
    }
    let msg = ControlMsg::Upsert {
        session,
        continues: false,
    };
    apply_session(core, msg).inspect_err(|e| tracing::warn!(error = %e, "joined session refused"))
}

/// Schedules the join-accept `phy` on the receptions of pending join-request `p`.
fn schedule(
    now: Micros,
    p: &Pending,
    region: shared::region::RegionId,
    phy: &[u8],
    downlink: &mut DownlinkDriver,
    (application_id, device_id): (&str, &str),
) -> Result<(), crate::network::downlink::NoDownlink> {
    use crate::network::downlink::{NoDownlink, schedule::WindowError};
    let s = &p.settings;
    let modulation = match s.spreading_factor {
        0 => Modulation::Fsk {
            bit_rate: s.bit_rate,
        },
        sf => Modulation::LoRa {
            spreading_factor: sf,
            bandwidth_hz: s.bandwidth_hz,
        },
    };
    let no_rx1 = |dr| NoDownlink::NoWindow(WindowError::NoRx1DataRate(dr));
    let data_rate = region
        .band()
        .data_rate_index(&modulation, true)
        .ok_or(no_rx1(0))?;
    let frequency_hz = u32::try_from(s.frequency_hz)
        .map_err(|_| NoDownlink::NoWindow(WindowError::NoRx1Frequency(u32::MAX)))?;
    let receptions: Vec<Reception> =
        p.rx.iter()
            .map(|r| Reception::from_rx(r, false, None))
            .collect();
    let facts = UplinkFacts {
        region,
        kind: UplinkKind::JoinRequest,
        data_rate,
        frequency_hz,
        received_at: p.opened_at,
        receptions: &receptions,
    };
    downlink.join_accept(now, &facts, phy, application_id, device_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::DownlinkRoute;
    use crate::network::NetworkConfig;
    use crate::runtime::udp::Outbox;
    use crate::sync::join_client::{JoinTaskEnds, channel};
    use crate::worker::downlink::DownlinkConfig;
    use ringbuf::traits::Producer;
    use shared::region::RegionId;
    use shared::semtech_udp::{Packet, Payload, ProtocolVersion, TxTiming};
    use shared::types::Eui64;

    const GWS: [u64; 2] = [0x0A, 0x0B];
    const JOIN_REQUEST: [u8; 23] = [0; 23];

    fn copy(gw: u64, snr: f32) -> GatewayUplink {
        GatewayUplink {
            phy_payload: Payload::new(&JOIN_REQUEST).unwrap(),
            rx: RxMetadata {
                gateway_eui: Eui64::from_u64(gw),
                timestamp_us: 2_000_000 + gw as u32,
                gps_time_ms: None,
                fine_timestamp_ns: None,
                rssi_dbm: Some(-60.0),
                snr_db: Some(snr),
                channel: Some(0),
                rf_chain: Some(0),
            },
            settings: RadioSettings {
                frequency_hz: 868_100_000,
                spreading_factor: 7,
                bandwidth_hz: 125_000,
                bit_rate: 0,
            },
        }
    }

    fn at(ms: u64) -> Now {
        Now {
            at: Micros(ms * 1000),
            unix_ms: 1_700_000_000_000 + ms,
        }
    }

    struct Rig {
        joins: JoinDriver,
        ends: JoinTaskEnds,
        downlink: DownlinkDriver,
        core: NetworkCore,
    }

    fn rig() -> Rig {
        let (mut links, ends) = channel(1, 8, 8);
        let config = NetworkConfig::default();
        let mut downlink = DownlinkDriver::new(DownlinkConfig::default(), 0, 1, Micros(0));
        for gw in GWS {
            downlink.set_route(DownlinkRoute {
                eui: Eui64::from_u64(gw),
                addr: "127.0.0.1:41800".parse().unwrap(),
                version: ProtocolVersion::V2,
            });
        }
        Rig {
            joins: JoinDriver::new(0, config.dedup, links.pop()),
            ends,
            downlink,
            core: NetworkCore::new(config),
        }
    }

    impl Rig {
        fn turn(&mut self, ms: u64) {
            self.joins.on_turn(
                at(ms).at,
                Instant::now(),
                &mut self.downlink,
                &mut self.core,
                None,
            );
        }
    }

    #[test]
    fn without_a_join_server_join_requests_are_counted_drops() {
        let mut j = JoinDriver::new(0, DedupConfig::default(), None);
        j.offer(at(0), copy(GWS[0], 1.0));
        let no_js = j.drops().find(|(r, _)| *r == DropReason::NoJoinServer);
        assert_eq!(no_js, Some((DropReason::NoJoinServer, 1)));
    }

    #[test]
    fn copies_merge_into_one_request_and_the_accept_goes_out_in_rx1_of_the_best_gateway() {
        let mut r = rig();
        r.joins.offer(at(0), copy(GWS[0], 1.0));
        r.joins.offer(at(10), copy(GWS[1], 8.0));
        r.turn(100);
        assert!(r.ends.jobs.try_recv().is_err(), "window still open");
        r.turn(250);
        let job = r.ends.jobs.try_recv().expect("one request");
        assert!(r.ends.jobs.try_recv().is_err(), "copies merged");
        assert_eq!(job.request.phy_payload, JOIN_REQUEST.to_vec());
        assert_eq!(job.request.received_at_ms, 1_700_000_000_000);
        assert_eq!(r.joins.pending(), 1);
        let accept = JoinAnswer::Accepted {
            id: job.id,
            join_accept: vec![0x20; 17],
            region: RegionId::Eu868,
            application_id: "app".into(),
            device_id: "dev".into(),
        };
        assert!(r.ends.answers[0].try_push(accept).is_ok());
        r.turn(400);
        assert_eq!(r.joins.pending(), 0);
        assert_eq!(r.downlink.join_accepts.scheduled, 1);
        let mut out = Outbox::default();
        let mut sessions = crate::network::SessionTable::default();
        struct NoEvents;
        impl crate::worker::EventSink for NoEvents {
            fn publish(&mut self, _: crate::application::event::ApplicationEvent) {}
        }
        r.downlink
            .poll(Micros(400_000), &mut out, &mut sessions, &mut NoEvents);
        let sent: Vec<_> = out.drain().collect();
        assert_eq!(sent.len(), 1);
        let Ok(Packet::PullResp { txpk, .. }) = Packet::parse(&sent[0].1) else {
            panic!("not a PULL_RESP")
        };
        // The better SNR (gateway B), JOIN_ACCEPT_DELAY1 after its tmst.
        assert_eq!(txpk.timing, TxTiming::Tmst(2_000_000 + 0x0B + 5_000_000));
    }

    #[test]
    fn refusals_free_the_request_and_joined_sessions_install_here() {
        let mut r = rig();
        r.joins.offer(at(0), copy(GWS[0], 1.0));
        r.turn(250);
        let job = r.ends.jobs.try_recv().expect("request");
        let k = shared::types::Aes128Key::from_bytes([3; 16]);
        let session = crate::network::Session::new(
            shared::types::DevAddr::from_u32(0x2601_0002),
            "app",
            "dev",
            crate::network::LorawanVersion::V1_0,
            crate::network::SessionKeys::v1_0(&k, Some(&k)),
            RegionId::Eu868,
        );
        let answers = [
            JoinAnswer::Install(Box::new(session)),
            JoinAnswer::Refused { id: job.id },
        ];
        for a in answers {
            assert!(r.ends.answers[0].try_push(a).is_ok());
        }
        r.turn(300);
        assert_eq!(r.joins.pending(), 0);
        assert_eq!(r.downlink.join_accepts.scheduled, 0);
        assert!(r.core.sessions().get_by_device_id("app", "dev").is_some());
        let remove = JoinAnswer::Remove {
            application_id: "app".into(),
            device_id: "dev".into(),
        };
        assert!(r.ends.answers[0].try_push(remove).is_ok());
        r.turn(301);
        assert!(r.core.sessions().get_by_device_id("app", "dev").is_none());
    }

    #[test]
    fn a_rejoin_onto_the_same_dev_addr_and_dev_eui_starts_over_in_the_journal() {
        use crate::persist::{Journal, JournalConfig, SessionStates};
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(
            dir.path(),
            0,
            JournalConfig::default(),
            SessionStates::default(),
        )
        .unwrap();
        let mut d = Durability::new(journal);
        let mut core = NetworkCore::new(NetworkConfig::default());
        let joined = |key: u8| {
            let k = shared::types::Aes128Key::from_bytes([key; 16]);
            let s = crate::network::Session::new(
                shared::types::DevAddr::from_u32(0x2601_0002),
                "app",
                "dev",
                crate::network::LorawanVersion::V1_0,
                crate::network::SessionKeys::v1_0(&k, Some(&k)),
                RegionId::Eu868,
            );
            Box::new(s.with_dev_eui(shared::types::DevEui::from_u64(0x70B3_D500_0000_0F06)))
        };
        install(&mut core, Some(&mut d), joined(1)).unwrap();
        let key = key_of(&joined(1));
        d.accepted(key, 1000).expect("journaled");
        // The same session installed again (the watch's push, the join answer) continues.
        install(&mut core, Some(&mut d), joined(1)).unwrap();
        assert_eq!(d.journal().state(&key).and_then(|s| s.fcnt_up), Some(1000));
        // A new session on the same DevAddr and DevEUI starts over: the old FCntUp is not
        // raised into it, by the journal nor by a later push.
        install(&mut core, Some(&mut d), joined(2)).unwrap();
        assert_eq!(d.journal().state(&key).and_then(|s| s.fcnt_up), None);
        let mut pushed = *joined(2);
        d.raise(&mut pushed);
        assert_eq!(pushed.fcnt_up, None);
        let running = core.sessions().get_by_device_id("app", "dev").unwrap();
        assert_eq!(running.fcnt_up, None);
    }
}
