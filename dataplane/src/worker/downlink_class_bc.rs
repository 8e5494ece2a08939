//! Class B and class C on the owner core's downlink path: when a class B or C device has
//! queued downlinks, the driver schedules them outside the class A windows through the
//! sans-IO cores `network::downlink::class_c` (RX2 parameters, `imme`) and `class_b` (ping
//! slot, GPS time), hands them over like class A frames (same tokens, TX_ACK matching, events)
//! and waits with timers when they must wait.
//!
//! - **Triggers.** A push for a class B/C device, an uplink of one (its receptions are kept in
//!   `Session::last_receptions`: the gateways a later downlink may go through), the end of a
//!   deferral (class A windows open, duty cycle), the end of a previous frame of the device.
//! - **One at a time per device.** While a frame of the device is in flight the next waits
//!   [`IN_FLIGHT_RETRY`]; while a confirmed one awaits the device's ACK (its next uplink) the
//!   next confirmed item waits, up to [`ClassBcConfig::ack_timeout`], after which it is
//!   reported not acknowledged (`downlink_nack`).
//! - **GPS.** A gateway keeps GPS time when its uplinks carry a GPS timestamp (Semtech UDP
//!   `rxpk.tmms`, Basic Station `gpstime`); [`DownlinkDriver::note_gateway_time`] learns it
//!   per gateway from every uplink this core handles. The GPS time of our monotonic clock comes
//!   from the wall clock ([`DownlinkDriver::set_gps_time`], each turn).
//! - **Failures.** No GPS gateway for class B, or a frame that cannot be built: the item is
//!   taken off the queue and reported failed (`downlink_failed`, reason `no_gps_gateway`, or
//!   `encode` for a frame that cannot be built). No gateway at all (the device has not been heard): the item stays queued for
//!   the class A windows of the next uplink.

use super::{DownlinkDriver, Due, InFlight, spend_counters};
use crate::application::event::{ApplicationEvent, RxMetadata};
use crate::metrics::downlink::FailLabel;
use crate::network::downlink::{
    ClassBInput, ClassCInput, ClassCWait, FrameCounters, GpsTime, NoDownlink, ScheduledDownlink,
    SessionCrypto, Window, schedule_class_b, schedule_class_c,
};
use crate::network::session::DeviceClass;
use crate::network::{Micros, Session, SessionTable};
use crate::runtime::timer_wheel::TimerId;
use crate::worker::EventSink;
use crate::worker::downlink_events::{event_of, publish_ack};
use shared::types::Eui64;
use std::collections::HashMap;
use std::time::Duration;

/// How long a class B/C frame waits behind another frame of the same device in flight.
pub const IN_FLIGHT_RETRY: Duration = Duration::from_secs(1);

/// Class B/C settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassBcConfig {
    /// How long a confirmed class B/C downlink waits for the device's ACK (its next uplink)
    /// before it is reported not acknowledged.
    pub ack_timeout: Duration,
}

impl Default for ClassBcConfig {
    fn default() -> Self {
        Self {
            ack_timeout: Duration::from_secs(300),
        }
    }
}

/// Class B/C counters of one core.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassBcStats {
    /// Class C frames scheduled.
    pub scheduled_c: u64,
    /// Class B frames scheduled in a ping slot.
    pub scheduled_b: u64,
    /// Attempts put off (class A window open, duty cycle, frame in flight).
    pub deferred: u64,
    /// Class B items failed for want of a GPS gateway.
    pub no_gps_gateway: u64,
}

type DeviceKey = (String, String);

#[derive(Debug, Clone)]
enum Task {
    /// Try the device's queue.
    Wake(DeviceKey),
    /// The confirmed downlink with this FCnt has waited long enough for its ACK.
    AckExpiry(DeviceKey, u32),
}

/// The class B/C state of a [`DownlinkDriver`].
#[derive(Debug, Default)]
pub(super) struct ClassBc {
    pub(super) config: ClassBcConfig,
    pub(super) stats: ClassBcStats,
    gps_gateways: HashMap<Eui64, bool>,
    gps_clock: Option<(Micros, GpsTime)>,
    wake_now: Vec<DeviceKey>,
    tasks: HashMap<u32, Task>,
    /// The pending wake timer of each device, so that a device has at most one.
    wakes: HashMap<DeviceKey, (Micros, TimerId, u32)>,
    next_task: u32,
}

fn key(s: &Session) -> DeviceKey {
    (s.application_id.clone(), s.device_id.clone())
}

impl DownlinkDriver {
    /// Sets the class B/C settings.
    pub fn set_class_bc_config(&mut self, config: ClassBcConfig) {
        self.bc.config = config;
    }

    /// This core's class B/C counters.
    pub fn class_bc_stats(&self) -> ClassBcStats {
        self.bc.stats
    }

    /// Learns from an uplink whether its gateway keeps GPS time.
    pub fn note_gateway_time(&mut self, rx: &RxMetadata) {
        self.bc
            .gps_gateways
            .insert(rx.gateway_eui, rx.gps_time_ms.is_some());
    }

    /// Whether `gateway` was last heard with a GPS timestamp.
    pub fn gateway_has_gps(&self, gateway: &Eui64) -> bool {
        self.bc.gps_gateways.get(gateway).copied().unwrap_or(false)
    }

    /// Ties our clock to GPS time: `gps` is the GPS time at `now` (`None`: unknown).
    pub fn set_gps_time(&mut self, now: Micros, gps: Option<GpsTime>) {
        self.bc.gps_clock = gps.map(|g| (now, g));
    }

    fn gps_at(&self, now: Micros) -> Option<GpsTime> {
        let (at, gps) = self.bc.gps_clock?;
        let us = i128::from(now.0) - i128::from(at.0) + i128::from(gps.0);
        u64::try_from(us).ok().map(GpsTime)
    }

    /// A class B/C session's queue may have something to send: try at the next poll.
    pub(super) fn wake_class_bc(&mut self, s: &Session) {
        if s.class != DeviceClass::A && !s.queue.is_empty() {
            self.bc.wake_now.push(key(s));
        }
    }

    /// Before the class A answer to an uplink of `s`: keep the receptions for later class B/C
    /// downlinks and look at the queue once the class A windows have passed.
    pub(super) fn remember_uplink(&mut self, s: &mut Session) {
        if s.class == DeviceClass::A {
            return;
        }
        s.last_receptions.clear();
        s.last_receptions.extend_from_slice(&self.receptions);
        self.wake_class_bc(s);
    }

    fn wake_at(&mut self, k: DeviceKey, at: Micros) {
        if let Some((t, _, _)) = self.bc.wakes.get(&k)
            && *t <= at
        {
            return;
        }
        if let Some((_, timer, id)) = self.bc.wakes.remove(&k) {
            self.timers.cancel(timer);
            self.bc.tasks.remove(&id);
        }
        let id = self.task(Task::Wake(k.clone()));
        let timer = self.timers.insert(at.0, Due::ClassBc(id));
        self.bc.wakes.insert(k, (at, timer, id));
    }

    fn task(&mut self, t: Task) -> u32 {
        let id = self.bc.next_task;
        self.bc.next_task = self.bc.next_task.wrapping_add(1);
        self.bc.tasks.insert(id, t);
        id
    }

    /// A class B/C timer fired.
    pub(super) fn on_class_bc_timer(
        &mut self,
        now: Micros,
        id: u32,
        sessions: &mut SessionTable,
        events: &mut impl EventSink,
    ) {
        match self.bc.tasks.remove(&id) {
            Some(Task::Wake(k)) => {
                self.bc.wakes.remove(&k);
                self.try_class_bc(now, &k, sessions, events);
            }
            Some(Task::AckExpiry(k, fcnt)) => {
                let Some(s) = sessions.get_by_device_id_mut(&k.0, &k.1) else {
                    return;
                };
                if let Some(ack) = s.confirmed_down.expire(fcnt) {
                    publish_ack(s, ack, events);
                }
                self.wake_class_bc(s);
            }
            None => {}
        }
    }

    /// Runs the wake-ups noted since the last poll.
    pub(super) fn poll_class_bc(
        &mut self,
        now: Micros,
        sessions: &mut SessionTable,
        events: &mut impl EventSink,
    ) {
        let mut wake = std::mem::take(&mut self.bc.wake_now);
        wake.sort_unstable();
        wake.dedup();
        for k in &wake {
            self.try_class_bc(now, k, sessions, events);
        }
        wake.clear();
        self.bc.wake_now = wake;
    }

    /// After a class B/C frame was sent: a confirmed one waits for its ACK at most the timeout;
    /// the queue is looked at again.
    pub(super) fn after_class_bc_sent(&mut self, now: Micros, s: &Session, d: &ScheduledDownlink) {
        if !matches!(d.slot.window, Window::ClassC | Window::PingSlot) {
            return;
        }
        if d.confirmed && d.item.is_some() {
            let id = self.task(Task::AckExpiry(key(s), d.fcnt));
            let at = now.saturating_add(self.bc.config.ack_timeout);
            self.timers.insert(at.0, Due::ClassBc(id));
        }
        self.wake_class_bc(s);
    }

    fn in_flight_for(&self, k: &DeviceKey) -> bool {
        self.in_flight
            .values()
            .any(|f| f.application_id == k.0 && f.device_id == k.1)
    }

    fn try_class_bc(
        &mut self,
        now: Micros,
        k: &DeviceKey,
        sessions: &mut SessionTable,
        events: &mut impl EventSink,
    ) {
        let Some(s) = sessions.get_by_device_id_mut(&k.0, &k.1) else {
            return;
        };
        if s.class == DeviceClass::A || s.queue.is_empty() {
            return;
        }
        if self.in_flight_for(k) {
            self.bc.stats.deferred += 1;
            self.wake_at(k.clone(), now.saturating_add(IN_FLIGHT_RETRY));
            return;
        }
        let head_confirmed = s.queue.front().is_some_and(|i| i.confirmed);
        if head_confirmed && s.confirmed_down.pending().is_some() {
            // The ACK (next uplink) or the ACK timeout wakes the device again.
            return;
        }
        let up = s.last_uplink;
        let uplink_data_rate = up.and_then(|u| u.data_rate).unwrap_or(0);
        let mut counters = FrameCounters {
            n_fcnt_down: s.n_fcnt_down,
            a_fcnt_down: s.a_fcnt_down,
        };
        let mut receptions = std::mem::take(&mut s.last_receptions);
        for r in &mut receptions {
            r.can_transmit = self.routes.can_transmit(&r.gateway);
        }
        let crypto = SessionCrypto {
            dev_addr: s.dev_addr,
            version: s.version,
            keys: &s.keys,
        };
        let adr = up.is_some_and(|u| u.adr);
        let result = match s.class {
            DeviceClass::C => {
                let input = ClassCInput {
                    region: s.region,
                    rx: s.rx_settings,
                    session: crypto,
                    receptions: &receptions,
                    uplink_data_rate,
                    last_uplink_at: up.map(|u| u.received_at),
                    mac: &[],
                    adr,
                };
                schedule_class_c(
                    &self.config.schedule,
                    now,
                    &input,
                    &mut counters,
                    &mut s.queue,
                    &mut self.duty,
                )
            }
            _ => match self.gps_at(now) {
                None => Err(ClassCWait::Defer(now.saturating_add(IN_FLIGHT_RETRY))),
                Some(gps_now) => {
                    let input = ClassBInput {
                        region: s.region,
                        ping: s.ping_slot,
                        downlink_dwell: s.rx_settings.downlink_dwell,
                        session: crypto,
                        receptions: &receptions,
                        uplink_data_rate,
                        mac: &[],
                        adr,
                    };
                    let gps = &self.bc.gps_gateways;
                    schedule_class_b(
                        &self.config.schedule,
                        now,
                        gps_now,
                        &input,
                        |g| gps.get(&g).copied().unwrap_or(false),
                        &mut counters,
                        &mut s.queue,
                        &mut self.duty,
                    )
                }
            },
        };
        s.last_receptions = receptions;
        let d = match result {
            Ok(d) => d,
            Err(ClassCWait::Defer(at)) => {
                self.bc.stats.deferred += 1;
                self.wake_at(k.clone(), at);
                return;
            }
            Err(ClassCWait::No(NoDownlink::NothingToSend | NoDownlink::NoGateway)) => return,
            Err(ClassCWait::No(e)) => {
                let label = match e {
                    NoDownlink::NoGpsGateway => {
                        self.bc.stats.no_gps_gateway += 1;
                        FailLabel::NoGpsGateway
                    }
                    _ => FailLabel::Encode,
                };
                tracing::debug!(dev_addr = %s.dev_addr, error = %e, "no class B/C downlink");
                self.stats.fail(label);
                if let Some(item) = s.queue.pop_front() {
                    let mut ev = event_of(s, &item, None);
                    ev.reason = Some(label.as_str().to_owned());
                    events.publish(ApplicationEvent::DownlinkFailed(ev));
                }
                self.wake_class_bc(s);
                return;
            }
        };
        spend_counters(s, counters);
        match d.slot.window {
            Window::PingSlot => self.bc.stats.scheduled_b += 1,
            _ => self.bc.stats.scheduled_c += 1,
        }
        self.enqueue_hand_over(now, s, d, events);
    }

    /// Puts a scheduled frame of `s` in flight, its hand-over timer set.
    fn enqueue_hand_over(
        &mut self,
        now: Micros,
        s: &Session,
        d: ScheduledDownlink,
        events: &mut impl EventSink,
    ) {
        let at = self.hand_over_at(now, &d);
        let Some(token) = self
            .tokens
            .next(|t| self.in_flight.contains_key(&t.to_u16()))
        else {
            self.fail(s, &d, FailLabel::TokensExhausted, events);
            return;
        };
        let timer = self.timers.insert(at.0, Due::HandOver(token.to_u16()));
        self.in_flight.insert(
            token.to_u16(),
            InFlight {
                downlink: d,
                region: s.region,
                application_id: s.application_id.clone(),
                device_id: s.device_id.clone(),
                timer,
                join: false,
            },
        );
    }
}

#[cfg(test)]
#[path = "downlink_class_bc_tests.rs"]
mod tests;
