//! Class A answers end to end on a virtual clock: uplink facts in, a scheduled downlink out,
//! its PULL_RESP parsed back by the independent `semtech-udp` 0.12 crate and its PHYPayload by
//! `lrwn` 4.13. Regions EU868, US915, AS923-1 (RP002-1.0.3 receive-window rules).

use dataplane::network::Micros;
use dataplane::network::downlink::*;
use dataplane::network::{LorawanVersion, SessionKeys};
use shared::region::RegionId;
use shared::semtech_udp::{ProtocolVersion, Token};
use shared::types::{Aes128Key, DevAddr, Eui64};
use std::time::Duration;

const S: u64 = 1_000_000;
const T0: Micros = Micros(50 * S);

fn rec(gw: u64, tmst: u32, snr: f32) -> Reception {
    Reception {
        gateway: Eui64::from_u64(gw),
        tmst,
        snr_db: Some(snr),
        can_transmit: true,
        round_trip: Some(Duration::from_millis(30)),
        antenna_gain_db: 0.0,
    }
}

struct World {
    keys: SessionKeys,
    counters: FrameCounters,
    queue: DownlinkQueue,
    duty: DutyCycle,
}

impl World {
    fn new() -> Self {
        let k = Aes128Key::from_bytes([9; 16]);
        Self {
            keys: SessionKeys::v1_0(&k, Some(&k)),
            counters: FrameCounters {
                n_fcnt_down: 41,
                a_fcnt_down: 0,
            },
            queue: DownlinkQueue::default(),
            duty: DutyCycle::new(DutyCycleConfig::default()),
        }
    }

    fn answer(
        &mut self,
        now: Micros,
        region: RegionId,
        dr: u8,
        freq: u32,
        rs: &[Reception],
        confirmed: Option<u32>,
    ) -> Result<ScheduledDownlink, dataplane::network::downlink::NoDownlink> {
        let input = DataDownlinkInput {
            facts: UplinkFacts {
                region,
                kind: UplinkKind::Data,
                data_rate: dr,
                frequency_hz: freq,
                received_at: T0,
                receptions: rs,
            },
            rx: RxSettings::region_defaults(region),
            session: SessionCrypto {
                dev_addr: DevAddr::from_u32(0x0011_2233),
                version: LorawanVersion::V1_0,
                keys: &self.keys,
            },
            confirmed_uplink_fcnt: confirmed,
            mac: &[],
            adr: false,
            force: false,
        };
        let cfg = ScheduleConfig::default();
        schedule_data_downlink(
            &cfg,
            now,
            &input,
            &mut self.counters,
            &mut self.queue,
            &mut self.duty,
        )
    }
}

/// (name, region, uplink DR, uplink Hz, want RX1 Hz, datr, power dBm)
#[test]
fn rx1_per_region_through_pull_resp() {
    let cases = [
        (
            "EU868 DR5 868.3",
            RegionId::Eu868,
            5,
            868_300_000,
            868_300_000,
            "SF7BW125",
            16,
        ),
        (
            "US915 DR0 ch9",
            RegionId::Us915,
            0,
            904_100_000,
            923_900_000,
            "SF10BW500",
            28,
        ),
        (
            "AS923-1 DR4 923.4",
            RegionId::As923_1,
            4,
            923_400_000,
            923_400_000,
            "SF8BW125",
            16,
        ),
    ];
    for (name, region, dr, freq, rx1_hz, datr, power) in cases {
        let mut w = World::new();
        let id = w.queue.enqueue(15, b"ping".to_vec(), false).unwrap();
        let rs = [rec(1, 4_000_000_000, -2.0), rec(2, u32::MAX - 100, 6.5)];
        let d = w
            .answer(Micros(T0.0 + 20_000), region, dr, freq, &rs, Some(77))
            .unwrap();
        assert_eq!(d.slot.window, Window::Rx1, "{name}");
        assert_eq!(d.slot.gateway, Eui64::from_u64(2), "{name}: best SNR");
        assert_eq!(d.slot.tmst, 999_899, "{name}: tmst wraps");
        assert_eq!(d.slot.frequency_hz, rx1_hz, "{name}");
        assert_eq!(
            d.deadline(),
            Micros(T0.0 + S - 80_000),
            "{name}: 30 ms RTT + 50 ms"
        );
        assert_eq!(d.fcnt, 41, "{name}");
        assert_eq!(w.counters.n_fcnt_down, 42, "{name}: counter spent");
        assert_eq!(
            d.item.as_ref().map(|i| i.id),
            Some(id),
            "{name}: item carried"
        );
        assert!(w.queue.is_empty(), "{name}");
        let fb = d.rx2_fallback.expect(name);
        assert_eq!(
            (fb.window, fb.gateway, fb.tmst),
            (Window::Rx2, d.slot.gateway, 1_999_899)
        );

        let mut out = Vec::new();
        emit_pull_resp(&d, ProtocolVersion::V2, Token::from_u16(0xBEEF), &mut out).unwrap();
        let down = semtech_udp::Packet::parse_downlink(&out).expect(name);
        let semtech_udp::Down::PullResp(p) = down else {
            panic!("{name}: not a PULL_RESP");
        };
        assert_eq!(p.random_token, 0xBEEF, "{name}");
        let t = &p.data.txpk;
        assert_eq!(t.time.tmst(), Some(999_899), "{name}");
        assert!(!t.time.is_immediate(), "{name}");
        assert_eq!((t.freq * 1e6).round() as u32, rx1_hz, "{name}");
        assert_eq!(t.powe, power, "{name}");
        assert!(t.ipol, "{name}");
        assert_eq!(t.ncrc, Some(true), "{name}");
        assert_eq!(t.data.data(), d.phy_payload.as_slice(), "{name}");
        // datr through our own parser (semtech-udp's DataRate has no text accessor).
        let ours = shared::semtech_udp::Packet::parse(&out).unwrap();
        let shared::semtech_udp::Packet::PullResp { txpk, .. } = ours else {
            panic!("{name}");
        };
        let mut body = Vec::new();
        txpk.emit(&mut body);
        let text = String::from_utf8(body).unwrap();
        assert!(
            text.contains(&format!(r#""datr":"{datr}""#)),
            "{name}: {text}"
        );

        let phy = lrwn::PhyPayload::from_slice(d.phy_payload.as_slice()).unwrap();
        let lrwn::Payload::MACPayload(pl) = &phy.payload else {
            panic!("{name}")
        };
        assert!(
            pl.fhdr.f_ctrl.ack,
            "{name}: acknowledges the confirmed uplink"
        );
        assert_eq!(pl.f_port, Some(15), "{name}");
    }
}

#[test]
fn late_uplink_goes_to_rx2_and_sizes_for_it() {
    let mut w = World::new();
    // 60 bytes fit EU868 DR5 (M 250) but not RX2 DR0 (M 59).
    let id = w.queue.enqueue(3, vec![0; 60], false).unwrap();
    let rs = [rec(1, 10, 0.0)];
    let late = Micros(T0.0 + 950_000);
    let d = w
        .answer(late, RegionId::Eu868, 5, 868_100_000, &rs, Some(5))
        .unwrap();
    assert_eq!(
        (d.slot.window, d.slot.frequency_hz, d.slot.data_rate),
        (Window::Rx2, 869_525_000, 0)
    );
    assert_eq!(d.slot.tmst, 2_000_010);
    assert_eq!(d.slot.power_dbm, 29, "869.4-869.65 MHz: 29.15 dBm EIRP");
    assert!(d.item.is_none(), "too large for RX2: stays queued");
    assert_eq!(w.queue.front().map(|i| i.id), Some(id));
    let phy = lrwn::PhyPayload::from_slice(d.phy_payload.as_slice()).unwrap();
    let lrwn::Payload::MACPayload(pl) = &phy.payload else {
        panic!()
    };
    assert!(pl.fhdr.f_ctrl.ack && pl.fhdr.f_ctrl.f_pending);
    assert!(d.rx2_fallback.is_none());
    // Too late for RX2 as well: nothing, and no counter spent.
    let before = w.counters;
    let r = w.answer(
        Micros(T0.0 + 1_960_000),
        RegionId::Eu868,
        5,
        868_100_000,
        &rs,
        Some(5),
    );
    assert_eq!(r, Err(NoDownlink::TooLate));
    assert_eq!(w.counters, before);
}

#[test]
fn nothing_to_send_spends_nothing() {
    let mut w = World::new();
    let rs = [rec(1, 10, 0.0)];
    let r = w.answer(T0, RegionId::Eu868, 5, 868_100_000, &rs, None);
    assert_eq!(r, Err(NoDownlink::NothingToSend));
    assert_eq!(w.counters.n_fcnt_down, 41);
    assert_eq!(w.duty.ledgers(), 0);
}

#[test]
fn join_accept_delays_5_and_6_seconds() {
    let rs = [rec(1, 1_000, 3.0)];
    let facts = UplinkFacts {
        region: RegionId::Eu868,
        kind: UplinkKind::JoinRequest,
        data_rate: 0,
        frequency_hz: 868_500_000,
        received_at: T0,
        receptions: &rs,
    };
    let mut duty = DutyCycle::new(DutyCycleConfig::default());
    let phy = [0x20; 17];
    let cfg = ScheduleConfig::default();
    let d = schedule_join_accept(&cfg, Micros(T0.0 + 10_000), &facts, &phy, &mut duty).unwrap();
    assert_eq!(
        (d.slot.window, d.slot.tmst, d.slot.data_rate),
        (Window::Rx1, 5_001_000, 0)
    );
    assert_eq!(d.slot.frequency_hz, 868_500_000);
    let fb = d.rx2_fallback.unwrap();
    assert_eq!(
        (fb.tmst, fb.frequency_hz, fb.data_rate),
        (6_001_000, 869_525_000, 0)
    );
    assert_eq!(d.phy_payload.as_slice(), &phy);
    assert_eq!(d.deadline(), Micros(T0.0 + 5 * S - 80_000));
}
