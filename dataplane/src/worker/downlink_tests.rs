//! The downlink driver on a virtual clock, without sockets: PULL_RESPs are read back from the
//! [`Outbox`] with this crate's Semtech UDP parser, TX_ACKs are handed in directly.

use super::*;
use crate::application::event::RadioSettings;
use crate::network::session::{LorawanVersion, SessionKeys, UplinkRecord};
use shared::region::RegionId;
use shared::semtech_udp::{Packet, TxTiming};
use shared::types::{Aes128Key, DevAddr, Eui64};
use std::net::SocketAddr;

const GW: u64 = 0x0102_0304_0506_0708;
const T0: u64 = 10_000_000;

#[derive(Default)]
struct Events(Vec<ApplicationEvent>);
impl EventSink for Events {
    fn publish(&mut self, e: ApplicationEvent) {
        self.0.push(e);
    }
}

fn addr() -> SocketAddr {
    "127.0.0.1:41700".parse().unwrap()
}

fn route(version: ProtocolVersion) -> DownlinkRoute {
    DownlinkRoute {
        eui: Eui64::from_u64(GW),
        addr: addr(),
        version,
    }
}

/// A 1.0 session whose last uplink (confirmed or not, FCnt 5, DR5 on 868.1 MHz) opened its
/// dedup window at `T0`.
fn table(confirmed: bool) -> SessionTable {
    let k = Aes128Key::from_bytes([7; 16]);
    let mut s = Session::new(
        DevAddr::from_u32(0x2601_0001),
        "app",
        "dev",
        LorawanVersion::V1_0,
        SessionKeys::v1_0(&k, Some(&k)),
        RegionId::Eu868,
    )
    .with_fcnt_up(Some(5));
    s.last_uplink = Some(UplinkRecord {
        fcnt: 5,
        adr: false,
        adr_ack_req: false,
        ack: false,
        class_b: false,
        confirmed,
        fport: Some(1),
        data_rate: Some(5),
        channel: Some(0),
        max_snr_db: Some(5.0),
        gateway_count: 1,
        received_at: Micros(T0),
        received_at_ms: 0,
        gps_time_ms: None,
    });
    let mut t = SessionTable::default();
    t.insert(s).unwrap();
    t
}

fn settings() -> Option<RadioSettings> {
    Some(RadioSettings {
        frequency_hz: 868_100_000,
        spreading_factor: 7,
        bandwidth_hz: 125_000,
        bit_rate: 0,
    })
}

fn reception() -> Reception {
    Reception {
        gateway: Eui64::from_u64(GW),
        tmst: 4_000_000,
        snr_db: Some(5.0),
        can_transmit: false,
        round_trip: None,
        antenna_gain_db: 0.0,
    }
}

fn driver(config: DownlinkConfig, version: Option<ProtocolVersion>) -> DownlinkDriver {
    let mut d = DownlinkDriver::new(config, 1, 2, Micros(0));
    if let Some(v) = version {
        d.set_route(route(v));
    }
    d
}

/// Schedules the answer to the session's last uplink at `now`.
fn answer(d: &mut DownlinkDriver, t: &mut SessionTable, now: u64, ev: &mut Events) {
    d.take_receptions(&[reception()]);
    let s = t.get_by_device_id_mut("app", "dev").unwrap();
    d.after_uplink(Micros(now), s, settings(), ev);
}

/// The PULL_RESPs in `out`: (destination, token, tmst).
fn pull_resps(out: &mut Outbox) -> Vec<(SocketAddr, Token, u32)> {
    out.drain()
        .map(|(to, b)| match Packet::parse(&b).unwrap() {
            Packet::PullResp { token, txpk, .. } => match txpk.timing {
                TxTiming::Tmst(t) => (to, token, t),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        })
        .collect()
}

fn ack(token: Token, error: Option<TxError>) -> TxAck {
    TxAck {
        eui: Eui64::from_u64(GW),
        token,
        error,
    }
}

#[test]
fn confirmed_uplink_is_acked_once_the_gateway_says_so() {
    let (mut d, mut t, mut ev, mut out) = (
        driver(DownlinkConfig::default(), Some(ProtocolVersion::V2)),
        table(true),
        Events::default(),
        Outbox::default(),
    );
    let now = T0 + 200_000;
    answer(&mut d, &mut t, now, &mut ev);
    assert_eq!(t.get_by_device_id("app", "dev").unwrap().n_fcnt_down, 1);
    d.poll(Micros(now), &mut out, &mut t, &mut ev);
    let sent = pull_resps(&mut out);
    assert_eq!(sent.len(), 1);
    let (to, token, tmst) = sent[0];
    assert_eq!((to, tmst), (addr(), 5_000_000), "RX1 = tmst + 1 s");
    assert_eq!(crate::gateway::udp::downlink::owner_core(token, 2), 1);
    assert_eq!(d.in_flight(), 1);
    d.on_tx_ack(Micros(now + 5_000), ack(token, None), &mut t, &mut ev);
    assert_eq!((d.stats.sent, d.in_flight()), (1, 0));
    assert!(
        ev.0.is_empty(),
        "a pure ACK is counted, not an application event"
    );
    // A second TX_ACK for the same token matches nothing.
    d.on_tx_ack(Micros(now + 6_000), ack(token, None), &mut t, &mut ev);
    assert_eq!(d.stats.tx_ack_unknown, 1);
}

#[test]
fn nothing_owed_nothing_sent_and_no_route_is_no_gateway() {
    let mut ev = Events::default();
    let mut d = driver(DownlinkConfig::default(), Some(ProtocolVersion::V2));
    let mut t = table(false);
    answer(&mut d, &mut t, T0 + 200_000, &mut ev);
    assert_eq!((d.in_flight(), d.stats), (0, DownlinkStats::default()));
    let mut d = driver(DownlinkConfig::default(), None);
    let mut t = table(true);
    answer(&mut d, &mut t, T0 + 200_000, &mut ev);
    assert_eq!(d.stats.skipped[0], 1, "no_gateway");
    assert_eq!(t.get_by_device_id("app", "dev").unwrap().n_fcnt_down, 0);
}

#[test]
fn schedule_late_holds_the_pull_resp_until_the_lead() {
    let config = DownlinkConfig {
        schedule_late: Some(Duration::from_millis(400)),
        ..DownlinkConfig::default()
    };
    let (mut d, mut t, mut ev, mut out) = (
        driver(config, Some(ProtocolVersion::V2)),
        table(true),
        Events::default(),
        Outbox::default(),
    );
    answer(&mut d, &mut t, T0 + 200_000, &mut ev);
    // RX1 at T0 + 1 s on our clock: hand over at T0 + 600 ms (1 ms wheel tick).
    d.poll(Micros(T0 + 599_000), &mut out, &mut t, &mut ev);
    assert!(pull_resps(&mut out).is_empty(), "held");
    assert_eq!(d.next_deadline(), Some(Micros(T0 + 600_000)));
    d.poll(Micros(T0 + 601_000), &mut out, &mut t, &mut ev);
    assert_eq!(pull_resps(&mut out).len(), 1);
}

#[test]
fn queue_item_fails_without_tx_ack_and_v1_gateways_count_as_sent() {
    for (name, version, want) in [
        ("v2, no TX_ACK", ProtocolVersion::V2, "downlink_failed"),
        ("v1 sends no TX_ACK", ProtocolVersion::V1, "downlink_sent"),
    ] {
        let (mut d, mut t, mut ev, mut out) = (
            driver(DownlinkConfig::default(), Some(version)),
            table(false),
            Events::default(),
            Outbox::default(),
        );
        let s = t.get_by_device_id_mut("app", "dev").unwrap();
        s.queue.enqueue(3, vec![1, 2, 3], false).unwrap();
        let now = T0 + 200_000;
        answer(&mut d, &mut t, now, &mut ev);
        d.poll(Micros(now), &mut out, &mut t, &mut ev);
        assert_eq!(pull_resps(&mut out).len(), 1, "{name}");
        d.poll(Micros(now + 2_001_000), &mut out, &mut t, &mut ev);
        let kinds: Vec<String> =
            ev.0.iter()
                .map(|e| serde_json::to_value(e).unwrap()["type"].to_string())
                .collect();
        assert_eq!(kinds, vec![format!("\"{want}\"")], "{name}");
        assert_eq!(d.in_flight(), 0, "{name}");
    }
}

#[test]
fn a_missed_hand_over_deadline_falls_back_to_rx2() {
    let (mut d, mut t, mut ev, mut out) = (
        driver(DownlinkConfig::default(), Some(ProtocolVersion::V2)),
        table(true),
        Events::default(),
        Outbox::default(),
    );
    answer(&mut d, &mut t, T0 + 200_000, &mut ev);
    // The loop stalled past RX1's deadline (T0 + 750 ms) before the hand-over fired.
    d.poll(Micros(T0 + 800_000), &mut out, &mut t, &mut ev);
    d.poll(Micros(T0 + 801_000), &mut out, &mut t, &mut ev);
    let sent = pull_resps(&mut out);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].2, 6_000_000, "RX2 = tmst + 2 s");
    assert_eq!((d.stats.retried, d.stats.scheduled), (1, [1, 1]));
}

#[test]
fn acks_and_nacks_of_confirmed_downlinks_reach_the_application() {
    let (mut d, mut t, mut ev, mut out) = (
        driver(DownlinkConfig::default(), Some(ProtocolVersion::V2)),
        table(false),
        Events::default(),
        Outbox::default(),
    );
    let s = t.get_by_device_id_mut("app", "dev").unwrap();
    s.queue.enqueue(9, vec![9], true).unwrap();
    let now = T0 + 200_000;
    answer(&mut d, &mut t, now, &mut ev);
    d.poll(Micros(now), &mut out, &mut t, &mut ev);
    let token = pull_resps(&mut out)[0].1;
    d.on_tx_ack(Micros(now + 1_000), ack(token, None), &mut t, &mut ev);
    let s = t.get_by_device_id_mut("app", "dev").unwrap();
    assert_eq!(s.last_conf_fcnt_down, Some(0));
    // The device's next uplink carries ACK.
    let mut up = s.last_uplink.unwrap();
    up.ack = true;
    up.fcnt = 6;
    s.last_uplink = Some(up);
    answer(&mut d, &mut t, now + 5_000_000, &mut ev);
    let kinds: Vec<String> =
        ev.0.iter()
            .map(|e| serde_json::to_value(e).unwrap()["type"].to_string())
            .collect();
    assert_eq!(kinds, vec!["\"downlink_sent\"", "\"downlink_ack\""]);
}
