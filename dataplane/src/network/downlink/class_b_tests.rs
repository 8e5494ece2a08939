//! Class B scheduling: the ping slot's GPS time against ChirpStack's vectors, GPS-only gateway
//! choice, region ping-slot channels.

use super::*;
use crate::network::downlink::duty_cycle::DutyCycleConfig;
use crate::network::session::{LorawanVersion, SessionKeys};
use shared::types::{Aes128Key, DevAddr};

const NOW: Micros = Micros(50_000_000);

fn rec(gw: u64, snr: f32) -> Reception {
    Reception {
        gateway: Eui64::from_u64(gw),
        tmst: 1_000,
        snr_db: Some(snr),
        can_transmit: true,
        round_trip: None,
        antenna_gain_db: 0.0,
    }
}

fn run(
    region: RegionId,
    addr: u32,
    gps_now: GpsTime,
    receptions: &[Reception],
    gps: &[u64],
) -> Result<ScheduledDownlink, ClassCWait> {
    let k = Aes128Key::from_bytes([4; 16]);
    let keys = SessionKeys::v1_0(&k, Some(&k));
    let input = ClassBInput {
        region,
        ping: PingSlotSettings::default(),
        downlink_dwell: false,
        session: SessionCrypto {
            dev_addr: DevAddr::from_u32(addr),
            version: LorawanVersion::V1_0,
            keys: &keys,
        },
        receptions,
        uplink_data_rate: 0,
        mac: &[],
        adr: false,
    };
    let mut q = DownlinkQueue::default();
    q.enqueue(3, vec![1, 2, 3], false).unwrap();
    let mut duty = DutyCycle::new(DutyCycleConfig::default());
    let mut counters = FrameCounters::default();
    schedule_class_b(
        &ScheduleConfig::default(),
        NOW,
        gps_now,
        &input,
        |g| gps.contains(&g.to_u64()),
        &mut counters,
        &mut q,
        &mut duty,
    )
}

#[test]
fn the_slot_is_chirpstacks_next_ping_slot() {
    // ChirpStack classb.rs vectors, DevAddr 0, pingNb 1 (periodicity 7): after 0 → 74.300 s,
    // after 120 s → 185.620 s. The default lead is 200 ms round trip + 50 ms margin.
    let cases = [
        ("from the epoch", 0, 74_300),
        ("from 2 min", 120_000, 185_620),
    ];
    for (name, gps_ms, want_ms) in cases {
        let d = run(
            RegionId::Eu868,
            0,
            GpsTime::from_millis(gps_ms),
            &[rec(1, 3.0)],
            &[1],
        )
        .unwrap();
        assert_eq!(d.slot.timing, SlotTiming::Gps(want_ms * 1000), "{name}");
        assert_eq!(d.slot.window, Window::PingSlot, "{name}");
        assert_eq!(
            d.slot.tx_at,
            Micros(NOW.0 + (want_ms - gps_ms) * 1000),
            "{name}"
        );
        assert_eq!(d.slot.deadline, Micros(d.slot.tx_at.0 - 250_000), "{name}");
        // EU868 ping slot default: 869.525 MHz, DR3 (RP002-1.0.3 §2.1.8).
        assert_eq!(
            (d.slot.frequency_hz, d.slot.data_rate),
            (869_525_000, 3),
            "{name}"
        );
        let txpk = crate::network::downlink::to_txpk(&d).unwrap();
        assert_eq!(
            txpk.timing,
            shared::semtech_udp::TxTiming::Tmms(want_ms),
            "{name}"
        );
    }
}

#[test]
fn a_slot_closer_than_the_lead_is_skipped() {
    // 74.3 s is 100 ms after 74.2 s: inside the 250 ms lead, so the next period's slot.
    let d = run(
        RegionId::Eu868,
        0,
        GpsTime::from_millis(74_200),
        &[rec(1, 3.0)],
        &[1],
    )
    .unwrap();
    let SlotTiming::Gps(us) = d.slot.timing else {
        panic!("not GPS timed");
    };
    assert!(us > 128_000_000, "next period");
}

#[test]
fn only_gateways_with_gps_time_by_table() {
    let receptions = [rec(1, 20.0), rec(2, 1.0)];
    let cases: [(&str, &[u64], Result<u64, NoDownlink>); 3] = [
        ("best has no GPS", &[2], Ok(2)),
        ("both have GPS", &[1, 2], Ok(1)),
        ("none has GPS", &[], Err(NoDownlink::NoGpsGateway)),
    ];
    for (name, gps, want) in cases {
        let got = run(
            RegionId::Eu868,
            7,
            GpsTime::from_secs(1_000_000),
            &receptions,
            gps,
        );
        match (got, want) {
            (Ok(d), Ok(gw)) => assert_eq!(d.slot.gateway.to_u64(), gw, "{name}"),
            (Err(ClassCWait::No(e)), Err(w)) => assert_eq!(e, w, "{name}"),
            (got, _) => panic!("{name}: {got:?}"),
        }
    }
}

#[test]
fn us915_hops_over_the_beacon_channels() {
    let addr = 0x0000_0005;
    let d = run(
        RegionId::Us915,
        addr,
        GpsTime::from_secs(10 * 128),
        &[rec(1, 3.0)],
        &[1],
    )
    .unwrap();
    let SlotTiming::Gps(us) = d.slot.timing else {
        panic!("not GPS timed");
    };
    let period = us / 1_000_000 / 128;
    // RP002-1.0.3 §2.5.8: (DevAddr + floor(beacon_time / 128)) mod 8; 923.3 + 0.6·k MHz; DR8.
    let k = (u64::from(addr) + period) % 8;
    assert_eq!(u64::from(d.slot.frequency_hz), 923_300_000 + 600_000 * k);
    assert_eq!(d.slot.data_rate, 8);
}
