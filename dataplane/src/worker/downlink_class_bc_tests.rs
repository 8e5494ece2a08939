//! Class B/C on the downlink driver, on a virtual clock: deferral past the class A windows,
//! `imme` and `tmms` PULL_RESPs read back with this crate's parser, the ACK timeout of a
//! confirmed class C downlink, and the failure of class B without a GPS gateway.

use super::*;
use crate::application::event::RadioSettings;
use crate::gateway::{DownlinkRoute, TxAck};
use crate::network::downlink::Reception;
use crate::network::session::{LorawanVersion, SessionKeys, UplinkRecord};
use crate::runtime::udp::Outbox;
use crate::worker::downlink::DownlinkConfig;
use shared::region::RegionId;
use shared::semtech_udp::{Packet, ProtocolVersion, Token, TxTiming};
use shared::types::{Aes128Key, DevAddr};

const GW: u64 = 0x0102_0304_0506_0708;
const T0: u64 = 10_000_000;

#[derive(Default)]
struct Events(Vec<ApplicationEvent>);
impl EventSink for Events {
    fn publish(&mut self, e: ApplicationEvent) {
        self.0.push(e);
    }
}

impl Events {
    fn kinds(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|e| {
                serde_json::to_value(e).unwrap()["type"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }
}

/// A class `class` session (DevAddr 0 for ChirpStack's ping-slot vectors) whose last uplink
/// (DR5) opened its dedup window at `T0`, heard by `GW`; the driver has a route to `GW`.
fn setup(class: DeviceClass) -> (DownlinkDriver, SessionTable, Events, Outbox) {
    let k = Aes128Key::from_bytes([7; 16]);
    let mut s = Session::new(
        DevAddr::from_u32(0),
        "app",
        "dev",
        LorawanVersion::V1_0,
        SessionKeys::v1_0(&k, Some(&k)),
        RegionId::Eu868,
    )
    .with_fcnt_up(Some(5));
    s.class = class;
    s.last_uplink = Some(UplinkRecord {
        fcnt: 5,
        adr: false,
        adr_ack_req: false,
        ack: false,
        class_b: class == DeviceClass::B,
        confirmed: false,
        fport: Some(1),
        data_rate: Some(5),
        channel: Some(0),
        max_snr_db: Some(5.0),
        gateway_count: 1,
        received_at: Micros(T0),
        received_at_ms: 0,
        gps_time_ms: None,
    });
    let mut d = DownlinkDriver::new(DownlinkConfig::default(), 1, 2, Micros(0));
    d.set_route(DownlinkRoute {
        eui: Eui64::from_u64(GW),
        addr: "127.0.0.1:41701".parse().unwrap(),
        version: ProtocolVersion::V2,
    });
    d.take_receptions(&[Reception {
        gateway: Eui64::from_u64(GW),
        tmst: 4_000_000,
        snr_db: Some(5.0),
        can_transmit: false,
        round_trip: None,
        antenna_gain_db: 0.0,
    }]);
    let mut ev = Events::default();
    let settings = RadioSettings {
        frequency_hz: 868_100_000,
        spreading_factor: 7,
        bandwidth_hz: 125_000,
        bit_rate: 0,
    };
    d.after_uplink(Micros(T0 + 200_000), &mut s, Some(settings), &mut ev);
    assert_eq!(s.last_receptions.len(), 1, "receptions kept for class B/C");
    let mut t = SessionTable::default();
    t.insert(s).unwrap();
    (d, t, ev, Outbox::default())
}

fn enqueue(d: &mut DownlinkDriver, t: &mut SessionTable, confirmed: bool) {
    let s = t.get_by_device_id_mut("app", "dev").unwrap();
    s.queue.enqueue(4, vec![4, 2], confirmed).unwrap();
    d.wake_class_bc(s);
}

fn pull_resps(out: &mut Outbox) -> Vec<(Token, TxTiming, u64)> {
    out.drain()
        .map(|(_, b)| match Packet::parse(&b).unwrap() {
            Packet::PullResp { token, txpk, .. } => (token, txpk.timing, txpk.freq_hz),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn class_c_waits_for_rx2_then_goes_out_immediately() {
    let (mut d, mut t, mut ev, mut out) = setup(DeviceClass::C);
    enqueue(&mut d, &mut t, true);
    // RX2 opens at T0 + 2 s and its DR0 frame lasts about a second: still closed.
    d.poll(Micros(T0 + 500_000), &mut out, &mut t, &mut ev);
    assert!(
        pull_resps(&mut out).is_empty(),
        "deferred past the class A windows"
    );
    assert_eq!(d.class_bc_stats().deferred, 1);
    // Still inside RX2 (opened at T0 + 2 s, about a second on air at DR0).
    d.poll(Micros(T0 + 2_500_000), &mut out, &mut t, &mut ev);
    assert!(pull_resps(&mut out).is_empty(), "RX2 still on air");
    // Past it: the wake-up fires and the frame's hand-over is due at the next tick.
    let wake = Micros(T0 + 4_000_000);
    d.poll(wake, &mut out, &mut t, &mut ev);
    d.poll(
        wake.saturating_add(Duration::from_millis(2)),
        &mut out,
        &mut t,
        &mut ev,
    );
    let sent = pull_resps(&mut out);
    assert_eq!(sent.len(), 1);
    let (token, timing, freq) = sent[0];
    assert_eq!((timing, freq), (TxTiming::Immediate, 869_525_000));
    assert_eq!(d.class_bc_stats().scheduled_c, 1);
    let now = wake.saturating_add(Duration::from_millis(5));
    let ack = TxAck {
        eui: Eui64::from_u64(GW),
        token,
        error: None,
    };
    d.on_tx_ack(now, ack, &mut t, &mut ev);
    assert_eq!(
        t.get_by_device_id("app", "dev")
            .unwrap()
            .confirmed_down
            .pending()
            .map(|p| p.1),
        Some(0)
    );
    // No uplink with ACK within the class B/C ACK timeout: not acknowledged.
    let late = now.saturating_add(ClassBcConfig::default().ack_timeout + Duration::from_millis(2));
    d.poll(late, &mut out, &mut t, &mut ev);
    assert_eq!(
        ev.kinds(),
        ["downlink_sent", "downlink_nack"],
        "sent, then given up"
    );
    assert!(
        t.get_by_device_id("app", "dev")
            .unwrap()
            .confirmed_down
            .pending()
            .is_none()
    );
}

#[test]
fn class_b_goes_out_in_the_ping_slot_with_tmms() {
    let (mut d, mut t, mut ev, mut out) = setup(DeviceClass::B);
    let now = Micros(T0 + 5_000_000);
    // GPS time 0 at `now`: ChirpStack's vector, DevAddr 0, pingNb 1 → slot at 74.300 s.
    d.set_gps_time(now, Some(GpsTime(0)));
    d.bc.gps_gateways.insert(Eui64::from_u64(GW), true);
    enqueue(&mut d, &mut t, false);
    d.poll(now, &mut out, &mut t, &mut ev);
    let sent = pull_resps(&mut out);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].1, sent[0].2),
        (TxTiming::Tmms(74_300), 869_525_000)
    );
    assert_eq!(d.class_bc_stats().scheduled_b, 1);
}

#[test]
fn class_b_without_a_gps_gateway_fails_the_item() {
    let (mut d, mut t, mut ev, mut out) = setup(DeviceClass::B);
    let now = Micros(T0 + 5_000_000);
    d.set_gps_time(now, Some(GpsTime(0)));
    d.bc.gps_gateways.insert(Eui64::from_u64(GW), false);
    enqueue(&mut d, &mut t, false);
    d.poll(now, &mut out, &mut t, &mut ev);
    assert!(pull_resps(&mut out).is_empty());
    assert_eq!(ev.kinds(), ["downlink_failed"]);
    let e = serde_json::to_value(&ev.0[0]).unwrap();
    assert_eq!(e["reason"], "no_gps_gateway");
    assert!(t.get_by_device_id("app", "dev").unwrap().queue.is_empty());
    assert_eq!(d.class_bc_stats().no_gps_gateway, 1);
}
