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
//! A join-request waits here at most [`PENDING_FOR`]: past JOIN_ACCEPT_DELAY2 no window is left.

use super::downlink::{DownlinkDriver, JoinAcceptCounts};
use crate::application::event::{RadioSettings, RxMetadata};
use crate::drop::DropReason;
use crate::gateway::GatewayUplink;
use crate::gateway::registry::GatewayRegistry;
use crate::network::dedup::{Dedup, DedupConfig, MAX_PHY_LEN};
use crate::network::downlink::{Reception, UplinkFacts, UplinkKind};
use crate::network::{Micros, NetworkCore, Now};
use crate::sync::control::{ControlMsg, apply_session};
use crate::sync::join_client::{JoinAnswer, JoinCoreStats, JoinJob, JoinLink, JoinMetrics};
use ringbuf::traits::Consumer;
use shared::api;
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
        }
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

    /// Sends the join-requests whose window closed by `now`, schedules the accepts that came
    /// back, installs joined sessions this core owns.
    pub fn on_turn(
        &mut self,
        now: Micros,
        clock: Instant,
        downlink: &mut DownlinkDriver,
        core: &mut NetworkCore,
    ) {
        if self.link.is_none() {
            return;
        }
        self.send_closed(now, clock);
        self.take_answers(now, downlink, core);
        if !self.pending.is_empty() {
            let before = self.pending.len();
            self.pending
                .retain(|_, p| now.saturating_since(p.opened_at) < PENDING_FOR);
            self.skipped += (before - self.pending.len()) as u64;
        }
        self.publish(downlink.join_accepts);
    }

    fn send_closed(&mut self, now: Micros, clock: Instant) {
        while let Some(closed) = self.dedup.poll(now, &mut self.scratch) {
            let Some(link) = &self.link else { return };
            let phy = self.scratch.get(..closed.len).unwrap_or_default().to_vec();
            if self.pending.len() >= MAX_PENDING {
                self.drops.queue_full += 1;
                continue;
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
                },
                queued_at: clock,
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

    fn take_answers(&mut self, now: Micros, downlink: &mut DownlinkDriver, core: &mut NetworkCore) {
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
                    let msg = ControlMsg::Upsert {
                        session,
                        continues: false,
                    };
                    if let Err(e) = apply_session(core, msg) {
                        self.sessions_refused += 1;
                        tracing::warn!(error = %e, "joined session refused");
                    }
                }
                JoinAnswer::Remove {
                    application_id,
                    device_id,
                } => {
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
}
