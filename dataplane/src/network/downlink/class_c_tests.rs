//! Class C scheduling on a virtual clock: RX2 parameters and `imme`, the best gateway, the
//! deferral around class A windows and out-of-budget sub-bands.

use super::*;
use crate::network::downlink::duty_cycle::DutyCycleConfig;
use crate::network::session::{LorawanVersion, SessionKeys};
use shared::types::{Aes128Key, DevAddr, Eui64};

const NOW: Micros = Micros(100_000_000);

fn rec(gw: u64, snr: f32, can: bool) -> Reception {
    Reception {
        gateway: Eui64::from_u64(gw),
        tmst: 1_000,
        snr_db: Some(snr),
        can_transmit: can,
        round_trip: None,
        antenna_gain_db: 0.0,
    }
}

fn queue(n: usize) -> DownlinkQueue {
    let mut q = DownlinkQueue::default();
    for i in 0..n {
        q.enqueue(10, vec![i as u8; 4], false).unwrap();
    }
    q
}

struct Case {
    keys: SessionKeys,
    receptions: Vec<Reception>,
    last_uplink_at: Option<Micros>,
}

impl Case {
    fn new(receptions: Vec<Reception>, last_uplink_at: Option<Micros>) -> Self {
        let k = Aes128Key::from_bytes([3; 16]);
        Self {
            keys: SessionKeys::v1_0(&k, Some(&k)),
            receptions,
            last_uplink_at,
        }
    }

    fn input(&self) -> ClassCInput<'_> {
        ClassCInput {
            region: RegionId::Eu868,
            rx: RxSettings::region_defaults(RegionId::Eu868),
            session: SessionCrypto {
                dev_addr: DevAddr::from_u32(0x2601_0001),
                version: LorawanVersion::V1_0,
                keys: &self.keys,
            },
            receptions: &self.receptions,
            uplink_data_rate: 5,
            last_uplink_at: self.last_uplink_at,
            mac: &[],
            adr: false,
        }
    }
}

fn run(
    c: &Case,
    q: &mut DownlinkQueue,
    duty: &mut DutyCycle,
) -> Result<ScheduledDownlink, ClassCWait> {
    let mut counters = FrameCounters::default();
    schedule_class_c(
        &ScheduleConfig::default(),
        NOW,
        &c.input(),
        &mut counters,
        q,
        duty,
    )
}

#[test]
fn goes_out_at_once_on_rx2_through_the_best_gateway() {
    let c = Case::new(
        vec![rec(1, 2.0, true), rec(2, 9.0, true), rec(3, 20.0, false)],
        Some(Micros(NOW.0 - 10_000_000)),
    );
    let mut q = queue(2);
    let mut duty = DutyCycle::new(DutyCycleConfig::default());
    let d = run(&c, &mut q, &mut duty).unwrap();
    // EU868 RX2 default: 869.525 MHz DR0 (RP002-1.0.3 §2.1.7).
    assert_eq!(d.slot.window, Window::ClassC);
    assert_eq!(d.slot.timing, SlotTiming::Immediate);
    assert_eq!((d.slot.frequency_hz, d.slot.data_rate), (869_525_000, 0));
    assert_eq!(
        d.slot.gateway,
        Eui64::from_u64(2),
        "best margin among transmitters"
    );
    assert_eq!(d.fcnt, 0);
    assert!(d.item.is_some());
    assert_eq!(q.len(), 1, "head taken off");
    assert!(NOW <= d.slot.deadline, "handed over in time");
    let txpk = crate::network::downlink::to_txpk(&d).unwrap();
    assert_eq!(txpk.timing, shared::semtech_udp::TxTiming::Immediate);
}

#[test]
fn waits_for_the_class_a_windows_by_table() {
    // RX1 delay 1 s: RX2 opens 2 s after the uplink; DR0 frame of 17 bytes ≈ 1.15 s on air.
    let cases = [
        ("uplink 0.5 s ago", Some(Micros(NOW.0 - 500_000)), true),
        (
            "uplink 2.5 s ago: RX2 still on air",
            Some(Micros(NOW.0 - 2_500_000)),
            true,
        ),
        ("uplink 5 s ago", Some(Micros(NOW.0 - 5_000_000)), false),
        ("no uplink", None, false),
    ];
    for (name, at, deferred) in cases {
        let c = Case::new(vec![rec(1, 5.0, true)], at);
        let mut q = queue(1);
        let mut duty = DutyCycle::new(DutyCycleConfig::default());
        match (run(&c, &mut q, &mut duty), deferred) {
            (Err(ClassCWait::Defer(t)), true) => {
                let up = at.unwrap();
                assert!(t > up.saturating_add(Duration::from_secs(2)), "{name}");
                assert!(t > NOW, "{name}");
                assert_eq!(q.len(), 1, "{name}: nothing taken");
                assert_eq!(duty.ledgers(), 0, "{name}: nothing recorded");
            }
            (Ok(d), false) => assert_eq!(d.slot.window, Window::ClassC, "{name}"),
            (other, _) => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn out_of_budget_gateways_defer_or_hand_over_to_the_next() {
    let band = RegionId::Eu868.band();
    // 869.4–869.65 MHz: 10 % of one hour = 360 s (ETSI EN 300 220, RP002-1.0.3 §2.1.2).
    let exhaust = |duty: &mut DutyCycle, gw: u64| {
        duty.record(
            Eui64::from_u64(gw),
            band,
            869_525_000,
            Micros(NOW.0 - 1_000_000),
            Duration::from_secs(360),
        )
        .unwrap();
    };
    let c = Case::new(vec![rec(1, 9.0, true), rec(2, 1.0, true)], None);
    let mut q = queue(1);
    let mut duty = DutyCycle::new(DutyCycleConfig::default());
    exhaust(&mut duty, 1);
    let d = run(&c, &mut q, &mut duty).unwrap();
    assert_eq!(d.slot.gateway, Eui64::from_u64(2), "the one with budget");
    let mut duty = DutyCycle::new(DutyCycleConfig::default());
    exhaust(&mut duty, 1);
    exhaust(&mut duty, 2);
    let mut q = queue(1);
    assert_eq!(
        run(&c, &mut q, &mut duty),
        Err(ClassCWait::Defer(NOW.saturating_add(DUTY_CYCLE_RETRY)))
    );
    assert_eq!(q.len(), 1);
}

#[test]
fn refusals_by_table() {
    let cases = [
        (
            "empty queue",
            vec![rec(1, 5.0, true)],
            0,
            NoDownlink::NothingToSend,
        ),
        (
            "no transmitter",
            vec![rec(1, 5.0, false)],
            1,
            NoDownlink::NoGateway,
        ),
        ("never heard", vec![], 1, NoDownlink::NoGateway),
    ];
    for (name, receptions, n, want) in cases {
        let c = Case::new(receptions, None);
        let mut q = queue(n);
        let mut duty = DutyCycle::new(DutyCycleConfig::default());
        assert_eq!(
            run(&c, &mut q, &mut duty),
            Err(ClassCWait::No(want)),
            "{name}"
        );
    }
}
