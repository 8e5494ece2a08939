//! Receive windows per region (RP002-1.0.3 §2.4.7 EU868, §2.5.7 US915, §2.10.7 AS923) and the
//! gateway/window choice on a virtual clock.

use super::*;
use crate::network::downlink::duty_cycle::DutyCycleConfig;

const S: u64 = 1_000_000;

fn rec(gw: u64, tmst: u32, snr: Option<f32>, can: bool) -> Reception {
    Reception {
        gateway: Eui64::from_u64(gw),
        tmst,
        snr_db: snr,
        can_transmit: can,
        round_trip: None,
        antenna_gain_db: 0.0,
    }
}

fn facts(region: RegionId, kind: UplinkKind, dr: u8, f: u32, r: &[Reception]) -> UplinkFacts<'_> {
    UplinkFacts {
        region,
        kind,
        data_rate: dr,
        frequency_hz: f,
        received_at: Micros(100 * S),
        receptions: r,
    }
}

/// (name, region, kind, uplink DR, uplink Hz, RX1DROffset, dwell, RxDelay s,
///  want RX1 (DR, Hz, delay s) or error, want RX2 (DR, Hz, delay s)).
type Case = (
    &'static str,
    RegionId,
    UplinkKind,
    u8,
    u32,
    u8,
    bool,
    u64,
    Result<(u8, u32, u64), WindowError>,
    (u8, u32, u64),
);

#[test]
fn windows_by_region_table() {
    use RegionId::*;
    use UplinkKind::*;
    let eu_rx2 = (0, 869_525_000, 2);
    let us_rx2 = (8, 923_300_000, 2);
    let cases: [Case; 20] = [
        (
            "EU868 DR5 868.1",
            Eu868,
            Data,
            5,
            868_100_000,
            0,
            false,
            1,
            Ok((5, 868_100_000, 1)),
            eu_rx2,
        ),
        (
            "EU868 DR5 offset 3",
            Eu868,
            Data,
            5,
            868_300_000,
            3,
            false,
            1,
            Ok((2, 868_300_000, 1)),
            eu_rx2,
        ),
        (
            "EU868 DR0 offset 5",
            Eu868,
            Data,
            0,
            868_500_000,
            5,
            false,
            1,
            Ok((0, 868_500_000, 1)),
            eu_rx2,
        ),
        (
            "EU868 CFList 867.1",
            Eu868,
            Data,
            3,
            867_100_000,
            0,
            false,
            1,
            Ok((3, 867_100_000, 1)),
            eu_rx2,
        ),
        (
            "EU868 RxDelay 5",
            Eu868,
            Data,
            5,
            868_100_000,
            0,
            false,
            5,
            Ok((5, 868_100_000, 5)),
            (0, 869_525_000, 6),
        ),
        (
            "EU868 RxDelay 0 means 1",
            Eu868,
            Data,
            5,
            868_100_000,
            0,
            false,
            0,
            Ok((5, 868_100_000, 1)),
            eu_rx2,
        ),
        (
            "EU868 offset 6 invalid",
            Eu868,
            Data,
            5,
            868_100_000,
            6,
            false,
            1,
            Err(WindowError::NoRx1DataRate(5)),
            eu_rx2,
        ),
        (
            "EU868 join 5 s / 6 s, offset ignored",
            Eu868,
            JoinRequest,
            5,
            868_100_000,
            3,
            false,
            1,
            Ok((5, 868_100_000, 5)),
            (0, 869_525_000, 6),
        ),
        (
            "US915 DR0 ch0",
            Us915,
            Data,
            0,
            902_300_000,
            0,
            false,
            1,
            Ok((10, 923_300_000, 1)),
            us_rx2,
        ),
        (
            "US915 DR3 ch9 -> 1",
            Us915,
            Data,
            3,
            904_100_000,
            0,
            false,
            1,
            Ok((13, 923_900_000, 1)),
            us_rx2,
        ),
        (
            "US915 DR2 ch63 -> 7",
            Us915,
            Data,
            2,
            914_900_000,
            0,
            false,
            1,
            Ok((12, 927_500_000, 1)),
            us_rx2,
        ),
        (
            "US915 DR4 ch64 -> 0",
            Us915,
            Data,
            4,
            903_000_000,
            0,
            false,
            1,
            Ok((13, 923_300_000, 1)),
            us_rx2,
        ),
        (
            "US915 DR4 ch71 -> 7",
            Us915,
            Data,
            4,
            914_200_000,
            0,
            false,
            1,
            Ok((13, 927_500_000, 1)),
            us_rx2,
        ),
        (
            "US915 DR1 offset 2",
            Us915,
            Data,
            1,
            902_500_000,
            2,
            false,
            1,
            Ok((9, 923_900_000, 1)),
            us_rx2,
        ),
        (
            "US915 off-grid frequency",
            Us915,
            Data,
            0,
            902_400_000,
            0,
            false,
            1,
            Err(WindowError::NoRx1Frequency(902_400_000)),
            us_rx2,
        ),
        (
            "US915 join",
            Us915,
            JoinRequest,
            0,
            902_300_000,
            0,
            false,
            1,
            Ok((10, 923_300_000, 5)),
            (8, 923_300_000, 6),
        ),
        (
            "AS923-1 DR5 923.2",
            As923_1,
            Data,
            5,
            923_200_000,
            0,
            false,
            1,
            Ok((5, 923_200_000, 1)),
            (2, 923_200_000, 2),
        ),
        (
            "AS923-1 dwell DR0 -> DR2",
            As923_1,
            Data,
            0,
            923_400_000,
            0,
            true,
            1,
            Ok((2, 923_400_000, 1)),
            (2, 923_200_000, 2),
        ),
        (
            "AS923-1 offset 6 (-1)",
            As923_1,
            Data,
            3,
            923_200_000,
            6,
            false,
            1,
            Ok((4, 923_200_000, 1)),
            (2, 923_200_000, 2),
        ),
        (
            "AS923-2 DR5 921.4",
            As923_2,
            Data,
            5,
            921_400_000,
            0,
            false,
            1,
            Ok((5, 921_400_000, 1)),
            (2, 921_400_000, 2),
        ),
    ];
    for (name, region, kind, dr, f, offset, dwell, delay, want1, want2) in cases {
        let rs = [rec(1, 0, Some(5.0), true)];
        let fa = facts(region, kind, dr, f, &rs);
        let rx = RxSettings {
            rx1_delay: Duration::from_secs(delay),
            rx1_dr_offset: offset,
            downlink_dwell: dwell,
            ..RxSettings::region_defaults(region)
        };
        let (rx1, rx2) = windows(&fa, &rx);
        let got1 = rx1.map(|w| (w.data_rate, w.frequency_hz, w.delay.as_secs()));
        assert_eq!(got1, want1, "{name}: RX1");
        let rx2 = rx2.expect(name);
        assert_eq!(
            (rx2.data_rate, rx2.frequency_hz, rx2.delay.as_secs()),
            want2,
            "{name}: RX2"
        );
    }
}

#[test]
fn join_uses_region_rx2_not_session() {
    let rs = [rec(1, 0, Some(5.0), true)];
    let fa = facts(
        RegionId::Eu868,
        UplinkKind::JoinRequest,
        5,
        868_100_000,
        &rs,
    );
    let rx = RxSettings {
        rx2_data_rate: 3,
        rx2_frequency_hz: 869_525_000,
        ..RxSettings::region_defaults(RegionId::Eu868)
    };
    assert_eq!(windows(&fa, &rx).1.unwrap().data_rate, 0);
    let data = facts(RegionId::Eu868, UplinkKind::Data, 5, 868_100_000, &rs);
    assert_eq!(
        windows(&data, &rx).1.unwrap().data_rate,
        3,
        "data: session RX2"
    );
}

#[test]
fn max_payload_per_window() {
    let rs = [rec(1, 0, Some(5.0), true)];
    let cases = [
        (
            "EU868 DR5 / RX2 DR0",
            RegionId::Eu868,
            5,
            868_100_000,
            false,
            250,
            59,
        ),
        (
            "US915 DR0 -> DR10 / RX2 DR8",
            RegionId::Us915,
            0,
            902_300_000,
            false,
            250,
            61,
        ),
        (
            "AS923 dwell DR2 both",
            RegionId::As923_1,
            0,
            923_200_000,
            true,
            19,
            19,
        ),
    ];
    for (name, region, dr, f, dwell, m1, m2) in cases {
        let fa = facts(region, UplinkKind::Data, dr, f, &rs);
        let rx = RxSettings {
            downlink_dwell: dwell,
            ..RxSettings::region_defaults(region)
        };
        let (a, b) = windows(&fa, &rx);
        assert_eq!(
            (a.unwrap().max_mac_payload, b.unwrap().max_mac_payload),
            (m1, m2),
            "{name}"
        );
    }
}

#[test]
fn tmst_arithmetic_and_deadlines() {
    // (name, uplink tmst, RxDelay s, want RX1 tmst, want RX2 tmst)
    let cases = [
        ("plain", 1_000_000u32, 1, 2_000_000u32, 3_000_000u32),
        ("wraps in RX1", u32::MAX - 499_999, 1, 500_000, 1_500_000),
        (
            "wraps in RX2",
            u32::MAX - 1_499_999,
            1,
            u32::MAX - 499_999,
            500_000,
        ),
        ("RxDelay 15", 7, 15, 15_000_007, 16_000_007),
    ];
    let cfg = ScheduleConfig::default();
    for (name, tmst, delay, w1, w2) in cases {
        let rs = [rec(1, tmst, Some(5.0), true)];
        let fa = facts(RegionId::Eu868, UplinkKind::Data, 5, 868_100_000, &rs);
        let rx = RxSettings {
            rx1_delay: Duration::from_secs(delay),
            ..RxSettings::region_defaults(RegionId::Eu868)
        };
        let (a, b) = windows(&fa, &rx);
        let s1 = slot(&cfg, &fa, &rs[0], &a.unwrap(), 20).unwrap();
        let s2 = slot(&cfg, &fa, &rs[0], &b.unwrap(), 20).unwrap();
        assert_eq!((s1.tmst, s2.tmst), (w1, w2), "{name}");
        // Deadline = received_at + delay - default round trip 200 ms - margin 50 ms.
        assert_eq!(s1.deadline, Micros(100 * S + delay * S - 250_000), "{name}");
        assert_eq!(s1.tx_at, Micros(100 * S + delay * S), "{name}");
    }
    let mut r = rec(1, 0, Some(5.0), true);
    r.round_trip = Some(Duration::from_millis(40));
    r.antenna_gain_db = 3.0;
    let rs = [r];
    let fa = facts(RegionId::Eu868, UplinkKind::Data, 5, 868_100_000, &rs);
    let (a, b) = windows(&fa, &RxSettings::region_defaults(RegionId::Eu868));
    let s1 = slot(&cfg, &fa, &rs[0], &a.unwrap(), 20).unwrap();
    let s2 = slot(&cfg, &fa, &rs[0], &b.unwrap(), 20).unwrap();
    assert_eq!(s1.deadline, Micros(101 * S - 90_000), "measured round trip");
    // EU868 sub-band EIRP 16.15 dBm (RX1) and 29.15 dBm (869.4-869.65) minus 3 dBi.
    assert_eq!((s1.power_dbm, s2.power_dbm), (13, 26));
    assert!(s1.iq_inverted);
}

fn select_case(
    now: Micros,
    rs: &[Reception],
    duty: &mut DutyCycle,
) -> Result<(Slot, Option<Slot>), NoDownlink> {
    let fa = facts(RegionId::Eu868, UplinkKind::Data, 5, 868_100_000, rs);
    let (a, b) = windows(&fa, &RxSettings::region_defaults(RegionId::Eu868));
    let ws = [a.unwrap(), b.unwrap()];
    select(&ScheduleConfig::default(), now, &fa, &ws, 20, duty)
}

#[test]
fn select_by_table() {
    let early = Micros(100 * S + 10_000);
    let after_rx1 = Micros(100 * S + 800_000);
    let after_rx2 = Micros(100 * S + 1_800_000);
    let gws = |g: u64| Eui64::from_u64(g);
    // (name, now, receptions, want Ok((gateway, window, has fallback)) or Err)
    type Want = Result<(Eui64, Window, bool), NoDownlink>;
    let cases: [(&str, Micros, Vec<Reception>, Want); 7] = [
        (
            "best SNR, RX1",
            early,
            vec![rec(1, 0, Some(-3.0), true), rec(2, 0, Some(7.0), true)],
            Ok((gws(2), Window::Rx1, true)),
        ),
        (
            "best cannot transmit",
            early,
            vec![rec(1, 0, Some(-3.0), true), rec(2, 0, Some(7.0), false)],
            Ok((gws(1), Window::Rx1, true)),
        ),
        (
            "no SNR ranks last",
            early,
            vec![rec(1, 0, None, true), rec(2, 0, Some(-10.0), true)],
            Ok((gws(2), Window::Rx1, true)),
        ),
        (
            "RX1 too late: RX2",
            after_rx1,
            vec![rec(1, 0, Some(1.0), true)],
            Ok((gws(1), Window::Rx2, false)),
        ),
        (
            "both too late",
            after_rx2,
            vec![rec(1, 0, Some(1.0), true)],
            Err(NoDownlink::TooLate),
        ),
        (
            "no transmitter",
            early,
            vec![rec(1, 0, Some(1.0), false)],
            Err(NoDownlink::NoGateway),
        ),
        ("nobody", early, vec![], Err(NoDownlink::NoGateway)),
    ];
    for (name, now, rs, want) in cases {
        let mut duty = DutyCycle::new(DutyCycleConfig::default());
        let got = select_case(now, &rs, &mut duty).map(|(s, f)| (s.gateway, s.window, f.is_some()));
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn duty_cycle_moves_to_other_gateway_then_rx2() {
    let band = RegionId::Eu868.band();
    let mut duty = DutyCycle::new(DutyCycleConfig::default());
    let full = Duration::from_secs(36);
    // Gateway 2 (the better one) spent its 868.1 MHz budget.
    duty.record(Eui64::from_u64(2), band, 868_100_000, Micros(99 * S), full)
        .unwrap();
    let rs = [rec(1, 0, Some(-3.0), true), rec(2, 0, Some(7.0), true)];
    let (s, _) = select_case(Micros(100 * S), &rs, &mut duty).unwrap();
    assert_eq!((s.gateway, s.window), (Eui64::from_u64(1), Window::Rx1));
    // Gateway 1 now too: RX1 nowhere, RX2 (10 % sub-band) on the best gateway.
    let used = duty.used(Eui64::from_u64(1), band, 868_100_000, Micros(101 * S));
    assert!(used > Duration::ZERO, "the first pick was recorded");
    duty.record(
        Eui64::from_u64(1),
        band,
        868_100_000,
        Micros(99 * S),
        full - used,
    )
    .unwrap();
    let (s, _) = select_case(Micros(100 * S), &rs, &mut duty).unwrap();
    assert_eq!((s.gateway, s.window), (Eui64::from_u64(2), Window::Rx2));
    // Both sub-bands of both gateways exhausted.
    for g in [1, 2] {
        let gw = Eui64::from_u64(g);
        let used = duty.used(gw, band, 869_525_000, Micros(101 * S));
        let rest = Duration::from_secs(360) - used;
        duty.record(gw, band, 869_525_000, Micros(99 * S), rest)
            .unwrap();
    }
    assert_eq!(
        select_case(Micros(100 * S), &rs, &mut duty),
        Err(NoDownlink::DutyCycle)
    );
}

#[test]
fn demodulation_floors() {
    let cases = [
        (7, Some(-7.5)),
        (10, Some(-15.0)),
        (12, Some(-20.0)),
        (13, None),
    ];
    for (sf, want) in cases {
        assert_eq!(demodulation_floor_db(sf), want, "SF{sf}");
    }
}
