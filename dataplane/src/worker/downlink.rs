//! The class A downlink path of one owner core, around the sans-IO core in
//! `network::downlink`: after an accepted uplink it schedules the answer, hands the PULL_RESP to
//! the gateway at the right moment through this core's socket, matches the gateway's TX_ACK
//! (forwarded from whichever core received it), retries RX2, and tells the application.
//!
//! # When a PULL_RESP leaves
//! By default at once, as soon as the frame is scheduled (the dedup window has just closed, so
//! RX1 is still ~`RxDelay − window` away). The Semtech packet forwarder queues `tmst` packets in
//! its just-in-time queue (`jitqueue.c` in `lora_gateway`/`sx1302_hal`; TX_ACK answers once the
//! packet is queued or refused) and The Things Stack also sends UDP downlinks as soon as they
//! are scheduled, holding them back only for gateways flagged "schedule downlink late" (old
//! forwarders with a single TX buffer). [`DownlinkConfig::schedule_late`] is that option here:
//! the PULL_RESP is held in this core's [`TimerWheel`] until `tx_at − lead` (never past its
//! hand-off deadline). A frame whose deadline has passed when its timer fires is treated as a
//! local TOO_LATE (RX2 is tried).
//!
//! # Counters and acknowledgements
//! The frame counter is spent when the frame is built, written back into the session at once
//! ([`spend_counters`] is the hook where the persist layer makes it durable) and never reused:
//! an RX2 retry resends the same bytes. A downlink counts as sent on the gateway's TX_ACK
//! without error (Semtech protocol v1 forwarders send no TX_ACK: sent when handed over); no
//! TX_ACK within [`DownlinkConfig::tx_ack_timeout`] is a failure. Application events are
//! published for downlinks that carry a queue item; pure ACK frames are counted only.
//!
//! # Limits
//! The duty-cycle ledger is per core: when several owner cores send through one gateway, each
//! sees only its own time on air, so the gateway may exceed its budget by up to the number of
//! cores. The gateway's own duty-cycle enforcement (the packet forwarder refuses with
//! `TX_FREQ`/`TX_POWER`-style errors, Basic Station with `dntxed` failures) remains the backstop.
//!
//! # MAC commands
//! [`DownlinkDriver::mac_uplink`] runs the MAC layer (`network::mac`) on the accepted uplink
//! once; the answer then carries its answers and requests (FOpts, or FPort 0 when they do not
//! fit beside nothing else), and an uplink whose MAC commands need an answer (LinkCheckReq,
//! DeviceTimeReq, ResetInd, RekeyInd, a sticky answer, ADRACKReq) or whose session has requests
//! to make gets a downlink even when unconfirmed with an empty queue.

use super::downlink_events::{event_of, fail_label, publish_ack, skip_label, tx_of};
use crate::application::event::ApplicationEvent;
use crate::application::event::RadioSettings;
use crate::application::queue::{PushError, PushMsg};
use crate::gateway::basicstation::{StationDown, StationRoute};
use crate::gateway::udp::downlink::{Routes, TokenAllocator};
use crate::gateway::{DownlinkRoute, TxAck};
use crate::metrics::downlink::{DownlinkStats, FailLabel, SkipLabel};
use crate::network::downlink::{
    DataDownlinkInput, DutyCycle, DutyCycleConfig, FrameCounters, NoDownlink, Reception,
    ScheduleConfig, ScheduledDownlink, SessionCrypto, TxAckOutcome, UplinkFacts, UplinkKind,
    Window, emit_pull_resp, handle_tx_ack, schedule_data_downlink, schedule_join_accept,
};
use crate::network::mac::{self, MacConfig, MacStats};
use crate::network::{Micros, Session, SessionTable};
use crate::runtime::timer_wheel::{TimerId, TimerWheel};
use crate::runtime::udp::Outbox;
use crate::worker::EventSink;
use shared::semtech_udp::{ProtocolVersion, TX_ERRORS, Token, TxError};
use std::collections::HashMap;
use std::time::Duration;

/// Settings of the downlink path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DownlinkConfig {
    /// Round trip, margin and window preference of the scheduler.
    pub schedule: ScheduleConfig,
    /// Duty-cycle window and enforcement.
    pub duty_cycle: DutyCycleConfig,
    /// Hold PULL_RESPs until this long before transmission (`None`: send when scheduled).
    pub schedule_late: Option<Duration>,
    /// How long to wait for a TX_ACK after handing a PULL_RESP over.
    pub tx_ack_timeout: Duration,
    /// The MAC layer: ADR, requests, desired receive windows.
    pub mac: MacConfig,
}

impl Default for DownlinkConfig {
    fn default() -> Self {
        Self {
            schedule: ScheduleConfig::default(),
            duty_cycle: DutyCycleConfig::default(),
            schedule_late: None,
            tx_ack_timeout: Duration::from_secs(2),
            mac: MacConfig::default(),
        }
    }
}

/// What a timer of this path stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// Hand the PULL_RESP with this token to the gateway.
    HandOver(u16),
    /// The TX_ACK for this token did not come.
    AckTimeout(u16),
}

/// A downlink between scheduling and its TX_ACK.
#[derive(Debug)]
struct InFlight {
    downlink: ScheduledDownlink,
    region: shared::region::RegionId,
    application_id: String,
    device_id: String,
    timer: TimerId,
    /// A join-accept (counted apart in [`DownlinkDriver::join_accepts`]).
    join: bool,
}

/// Join-accepts this path handled (published by the join path as `dataplane_join_accepts_total`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JoinAcceptCounts {
    /// Handed to a receive window.
    pub scheduled: u64,
    /// Accepted by the gateway.
    pub sent: u64,
    /// Given up after scheduling.
    pub failed: u64,
}

/// One owner core's downlink path.
#[derive(Debug)]
pub struct DownlinkDriver {
    config: DownlinkConfig,
    routes: Routes,
    duty: DutyCycle,
    timers: TimerWheel<Due>,
    in_flight: HashMap<u16, InFlight>,
    tokens: TokenAllocator,
    receptions: Vec<Reception>,
    buf: Vec<u8>,
    /// Downlinks handed over to Basic Station gateways, with their connection's core.
    station_out: Vec<(u16, StationDown)>,
    /// This core's downlink counters.
    pub stats: DownlinkStats,
    /// This core's join-accepts.
    pub join_accepts: JoinAcceptCounts,
    /// This core's MAC command and ADR counters.
    pub mac_stats: MacStats,
}

/// Writes the counters a frame spent back into its session: the place where the persist layer
/// journals NFCntDown/AFCntDown (before the PULL_RESP leaves, so a crash never reuses one).
pub fn spend_counters(session: &mut Session, counters: FrameCounters) {
    session.n_fcnt_down = counters.n_fcnt_down;
    session.a_fcnt_down = counters.a_fcnt_down;
}

impl DownlinkDriver {
    /// The path of core `core` among `cores`, its clock starting at `now`.
    pub fn new(config: DownlinkConfig, core: usize, cores: usize, now: Micros) -> Self {
        Self {
            config,
            routes: Routes::default(),
            duty: DutyCycle::new(config.duty_cycle),
            timers: TimerWheel::new(1_000, now.0),
            in_flight: HashMap::new(),
            tokens: TokenAllocator::new(core, cores),
            receptions: Vec::new(),
            buf: Vec::with_capacity(512),
            station_out: Vec::new(),
            stats: DownlinkStats::default(),
            join_accepts: JoinAcceptCounts::default(),
            mac_stats: MacStats::default(),
        }
    }

    /// Runs the MAC layer on the uplink `session` just accepted (once per uplink; again is a
    /// no-op); returns whether the MAC layer needs a downlink.
    pub fn mac_uplink(&mut self, session: &mut Session) -> bool {
        let Some(up) = session.last_uplink else {
            return false;
        };
        mac::on_uplink(
            session,
            &self.config.mac,
            &mac::facts(&up),
            &mut self.mac_stats,
        )
    }

    /// Learns where a gateway takes downlinks.
    pub fn set_route(&mut self, route: DownlinkRoute) -> bool {
        self.routes.set(route)
    }

    /// Learns which core holds a Basic Station gateway's connection.
    pub fn set_station_route(&mut self, route: StationRoute) {
        self.routes.set_station(route);
    }

    /// Moves the downlinks handed over to Basic Station gateways into `out`.
    pub fn take_station_downlinks(&mut self, out: &mut Vec<(u16, StationDown)>) {
        out.append(&mut self.station_out);
    }

    /// Downlinks between scheduling and TX_ACK.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// When the next timer is due.
    pub fn next_deadline(&self) -> Option<Micros> {
        self.timers.next_deadline().map(Micros)
    }

    /// Puts an application downlink into its device's queue (the device is on this core or
    /// the answer is [`PushError::UnknownDevice`]).
    pub fn push(&mut self, msg: PushMsg, sessions: &mut SessionTable, events: &mut impl EventSink) {
        let r = &msg.request;
        let answer = match sessions.get_by_device_id_mut(&r.application_id, &r.device_id) {
            None => Err(PushError::UnknownDevice),
            Some(s) => match s.queue.enqueue(r.fport, r.payload.clone(), r.confirmed) {
                Ok(id) => {
                    if let Some(item) = s.queue.iter().find(|i| i.id == id) {
                        events.publish(ApplicationEvent::DownlinkQueued(event_of(s, item, None)));
                    }
                    Ok(id.0)
                }
                Err(e) => Err(PushError::Queue(e)),
            },
        };
        let _ = msg.reply.send(answer);
    }

    /// Copies the receptions of the uplink about to be answered, marking the gateways this
    /// core has a downlink route to as able to transmit.
    pub fn take_receptions(&mut self, receptions: &[Reception]) {
        self.receptions.clear();
        self.receptions.extend(receptions.iter().map(|r| Reception {
            can_transmit: self.routes.can_transmit(&r.gateway),
            ..*r
        }));
    }

    /// The class A answer to an uplink `session` just accepted, heard by the receptions of
    /// [`DownlinkDriver::take_receptions`] with `settings`: ACK/NACK of a pending confirmed
    /// downlink, then, when an answer is owed (a confirmed uplink, queued items, ADRACKReq, MAC
    /// answers or requests), a frame scheduled for hand-over.
    pub fn after_uplink(
        &mut self,
        now: Micros,
        session: &mut Session,
        settings: Option<RadioSettings>,
        events: &mut impl EventSink,
    ) {
        let Some(up) = session.last_uplink else {
            return;
        };
        if let Some(ack) = session.confirmed_down.on_uplink(up.ack) {
            publish_ack(session, ack, events);
        }
        let mac_owes = self.mac_uplink(session);
        if !up.confirmed && session.queue.is_empty() && !up.adr_ack_req && !mac_owes {
            return;
        }
        let (Some(data_rate), Some(settings)) = (up.data_rate, settings) else {
            self.stats.skip(SkipLabel::NoWindow);
            return;
        };
        let Ok(frequency_hz) = u32::try_from(settings.frequency_hz) else {
            self.stats.skip(SkipLabel::NoWindow);
            return;
        };
        let room = mac::room(session, data_rate, !session.queue.is_empty());
        let prepared = mac::prepare(session, &self.config.mac, up.fcnt, room);
        let input = DataDownlinkInput {
            facts: UplinkFacts {
                region: session.region,
                kind: UplinkKind::Data,
                data_rate,
                frequency_hz,
                received_at: up.received_at,
                receptions: &self.receptions,
            },
            rx: session.rx_settings,
            session: SessionCrypto {
                dev_addr: session.dev_addr,
                version: session.version,
                keys: &session.keys,
            },
            confirmed_uplink_fcnt: up.confirmed.then_some(up.fcnt),
            mac: &prepared.bytes,
            adr: up.adr,
            force: up.adr_ack_req || session.mac.sticky,
        };
        let mut counters = FrameCounters {
            n_fcnt_down: session.n_fcnt_down,
            a_fcnt_down: session.a_fcnt_down,
        };
        let scheduled = schedule_data_downlink(
            &self.config.schedule,
            now,
            &input,
            &mut counters,
            &mut session.queue,
            &mut self.duty,
        );
        let d = match scheduled {
            Ok(d) => d,
            Err(NoDownlink::NothingToSend) => return,
            Err(e) => {
                self.stats.skip(skip_label(&e));
                tracing::debug!(dev_addr = %session.dev_addr, error = %e, "no class A downlink");
                return;
            }
        };
        spend_counters(session, counters);
        mac::commit(session, &prepared, up.fcnt, &mut self.mac_stats);
        self.stats.scheduled[usize::from(d.slot.window == Window::Rx2)] += 1;
        let at = self.hand_over_at(now, &d);
        let Some(token) = self
            .tokens
            .next(|t| self.in_flight.contains_key(&t.to_u16()))
        else {
            self.fail(session, &d, FailLabel::TokensExhausted, events);
            return;
        };
        let timer = self.timers.insert(at.0, Due::HandOver(token.to_u16()));
        self.in_flight.insert(
            token.to_u16(),
            InFlight {
                downlink: d,
                region: session.region,
                application_id: session.application_id.clone(),
                device_id: session.device_id.clone(),
                timer,
                join: false,
            },
        );
    }

    /// Schedules a join-accept (`phy`, from the Join Server) in the windows of the join-request
    /// `facts` describes (JOIN_ACCEPT_DELAY1/2, region RX2 defaults); it then goes out, is
    /// acknowledged and retried in RX2 like any class A downlink. `application_id` and
    /// `device_id` name the joined device.
    pub fn join_accept(
        &mut self,
        now: Micros,
        facts: &UplinkFacts<'_>,
        phy: &[u8],
        application_id: &str,
        device_id: &str,
    ) -> Result<(), NoDownlink> {
        let receptions: Vec<Reception> = facts
            .receptions
            .iter()
            .map(|r| Reception {
                can_transmit: self.routes.can_transmit(&r.gateway),
                ..*r
            })
            .collect();
        let facts = UplinkFacts {
            receptions: &receptions,
            ..*facts
        };
        let d = schedule_join_accept(&self.config.schedule, now, &facts, phy, &mut self.duty)?;
        self.stats.scheduled[usize::from(d.slot.window == Window::Rx2)] += 1;
        self.join_accepts.scheduled += 1;
        let at = self.hand_over_at(now, &d);
        let Some(token) = self
            .tokens
            .next(|t| self.in_flight.contains_key(&t.to_u16()))
        else {
            self.stats.fail(FailLabel::TokensExhausted);
            self.join_accepts.failed += 1;
            return Ok(());
        };
        let timer = self.timers.insert(at.0, Due::HandOver(token.to_u16()));
        self.in_flight.insert(
            token.to_u16(),
            InFlight {
                downlink: d,
                region: facts.region,
                application_id: application_id.to_owned(),
                device_id: device_id.to_owned(),
                timer,
                join: true,
            },
        );
        Ok(())
    }

    fn hand_over_at(&self, now: Micros, d: &ScheduledDownlink) -> Micros {
        match self.config.schedule_late {
            None => now,
            Some(lead) => {
                let at = Micros(d.slot.tx_at.0.saturating_sub(lead.as_micros() as u64));
                at.min(d.slot.deadline).max(now)
            }
        }
    }

    fn fail(
        &mut self,
        session: &Session,
        d: &ScheduledDownlink,
        label: FailLabel,
        events: &mut impl EventSink,
    ) {
        self.stats.fail(label);
        if let Some(item) = &d.item {
            let mut e = event_of(session, item, Some(d.fcnt));
            e.reason = Some(label.as_str().to_owned());
            events.publish(ApplicationEvent::DownlinkFailed(e));
        }
    }

    fn sent(&mut self, session: &mut Session, d: &ScheduledDownlink, events: &mut impl EventSink) {
        self.stats.sent += 1;
        if d.confirmed {
            session.last_conf_fcnt_down = Some(d.fcnt);
            if let Some(missed) = session.confirmed_down.sent(d) {
                publish_ack(session, missed, events);
            }
        }
        if let Some(item) = &d.item {
            let mut e = event_of(session, item, Some(d.fcnt));
            e.tx = Some(tx_of(d));
            events.publish(ApplicationEvent::DownlinkSent(e));
        }
    }

    /// A TX_ACK for one of this core's PULL_RESPs.
    pub fn on_tx_ack(
        &mut self,
        now: Micros,
        ack: TxAck,
        sessions: &mut SessionTable,
        events: &mut impl EventSink,
    ) {
        let code = ack.error.unwrap_or(TxError::None);
        if let Some(i) = TX_ERRORS.iter().position(|(e, _)| *e == code) {
            self.stats.tx_ack[i] += 1;
        }
        let key = ack.token.to_u16();
        let ours = self
            .in_flight
            .get(&key)
            .is_some_and(|f| f.downlink.slot.gateway == ack.eui);
        let Some(f) = self.in_flight.remove(&key).filter(|_| ours) else {
            self.stats.tx_ack_unknown += 1;
            return;
        };
        self.timers.cancel(f.timer);
        self.resolve(now, key, f, ack.error, sessions, events);
    }

    /// Applies the gateway's (or a local) verdict on an in-flight downlink.
    fn resolve(
        &mut self,
        now: Micros,
        token: u16,
        f: InFlight,
        error: Option<TxError>,
        sessions: &mut SessionTable,
        events: &mut impl EventSink,
    ) {
        let InFlight {
            downlink,
            region,
            application_id,
            device_id,
            join,
            ..
        } = f;
        let outcome = handle_tx_ack(now, region, downlink, error, &mut self.duty);
        if join {
            match &outcome {
                TxAckOutcome::Sent(_) => self.join_accepts.sent += 1,
                TxAckOutcome::Failed { .. } => self.join_accepts.failed += 1,
                TxAckOutcome::RetryRx2(_) => {}
            }
        }
        let session = sessions.get_by_device_id_mut(&application_id, &device_id);
        match (outcome, session) {
            (TxAckOutcome::Sent(d), Some(s)) => self.sent(s, &d, events),
            (TxAckOutcome::RetryRx2(d), _) => {
                self.stats.retried += 1;
                self.stats.scheduled[1] += 1;
                let at = self.hand_over_at(now, &d);
                let timer = self.timers.insert(at.0, Due::HandOver(token));
                self.in_flight.insert(
                    token,
                    InFlight {
                        downlink: d,
                        region,
                        application_id,
                        device_id,
                        timer,
                        join,
                    },
                );
            }
            (TxAckOutcome::Failed { downlink, reason }, Some(s)) => {
                self.fail(s, &downlink, fail_label(reason), events)
            }
            // The session went away meanwhile: count only.
            (TxAckOutcome::Sent(_), None) => self.stats.sent += 1,
            (TxAckOutcome::Failed { reason, .. }, None) => self.stats.fail(fail_label(reason)),
        }
    }

    /// Fires the timers due by `now`: PULL_RESPs go into `out`, missing TX_ACKs fail.
    pub fn poll(
        &mut self,
        now: Micros,
        out: &mut Outbox,
        sessions: &mut SessionTable,
        events: &mut impl EventSink,
    ) {
        while let Some(expired) = self.timers.poll(now.0) {
            match expired.value {
                Due::HandOver(token) => self.hand_over(now, token, out, sessions, events),
                Due::AckTimeout(token) => {
                    let Some(f) = self.in_flight.remove(&token) else {
                        continue;
                    };
                    self.join_accepts.failed += u64::from(f.join);
                    match sessions.get_by_device_id_mut(&f.application_id, &f.device_id) {
                        Some(s) => self.fail(s, &f.downlink, FailLabel::TxAckTimeout, events),
                        None => self.stats.fail(FailLabel::TxAckTimeout),
                    }
                }
            }
        }
    }

    fn hand_over(
        &mut self,
        now: Micros,
        token: u16,
        out: &mut Outbox,
        sessions: &mut SessionTable,
        events: &mut impl EventSink,
    ) {
        let Some(mut f) = self.in_flight.remove(&token) else {
            return;
        };
        if now > f.downlink.slot.deadline {
            // Too late to reach the gateway in time: as if it had answered TOO_LATE.
            self.resolve(now, token, f, Some(TxError::TooLate), sessions, events);
            return;
        }
        if let Some(core) = self.routes.station(&f.downlink.slot.gateway) {
            // Basic Station: the connection's core writes the dnmsg; dntxed comes back here.
            let dev_eui = sessions
                .get_by_device_id_mut(&f.application_id, &f.device_id)
                .and_then(|s| s.dev_eui);
            let d = StationDown::from_scheduled(&f.downlink, token, dev_eui);
            self.station_out.push((core, d));
            let at = now.saturating_add(self.config.tx_ack_timeout);
            f.timer = self.timers.insert(at.0, Due::AckTimeout(token));
            self.in_flight.insert(token, f);
            return;
        }
        let route = self.routes.get(&f.downlink.slot.gateway).copied();
        let emitted = route.map(|r| {
            self.buf.clear();
            emit_pull_resp(
                &f.downlink,
                r.version,
                Token::from_u16(token),
                &mut self.buf,
            )
            .map(|()| r)
        });
        let label = match emitted {
            Some(Ok(r)) => {
                out.send(r.addr, &self.buf);
                if r.version == ProtocolVersion::V1 {
                    // No TX_ACK in protocol v1: handed over is as far as we can know.
                    self.resolve(now, token, f, None, sessions, events);
                } else {
                    let at = now.saturating_add(self.config.tx_ack_timeout);
                    f.timer = self.timers.insert(at.0, Due::AckTimeout(token));
                    self.in_flight.insert(token, f);
                }
                return;
            }
            Some(Err(_)) => FailLabel::Encode,
            None => FailLabel::NoRoute,
        };
        self.join_accepts.failed += u64::from(f.join);
        match sessions.get_by_device_id_mut(&f.application_id, &f.device_id) {
            Some(s) => self.fail(s, &f.downlink, label, events),
            None => self.stats.fail(label),
        }
    }
}

#[cfg(test)]
#[path = "downlink_tests.rs"]
mod tests;
