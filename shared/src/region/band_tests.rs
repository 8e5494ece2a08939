//! Named-case tables for the `Band` lookups.

use super::super::{RegionId, band};

#[test]
fn max_payload_named_cases() {
    let cases = [
        ("EU868 DR0", RegionId::Eu868, 0, false, Some((59, 51))),
        ("EU868 DR5", RegionId::Eu868, 5, false, Some((250, 242))),
        ("EU868 DR12 RFU", RegionId::Eu868, 12, false, None),
        (
            "EU868 DR200 out of range",
            RegionId::Eu868,
            200,
            false,
            None,
        ),
        (
            "US915 DR0 (19 bytes, 400 ms)",
            RegionId::Us915,
            0,
            false,
            Some((19, 11)),
        ),
        (
            "US915 DR8 downlink",
            RegionId::Us915,
            8,
            false,
            Some((61, 53)),
        ),
        ("AU915 DR0 dwell N/A", RegionId::Au915, 0, true, None),
        ("AU915 DR2 dwell", RegionId::Au915, 2, true, Some((19, 11))),
        (
            "AU915 DR2 no dwell",
            RegionId::Au915,
            2,
            false,
            Some((59, 51)),
        ),
        (
            "AS923-2 DR4 dwell",
            RegionId::As923_2,
            4,
            true,
            Some((133, 125)),
        ),
        (
            "CN470 DR0 not defined",
            RegionId::Cn470Plan26A,
            0,
            false,
            None,
        ),
        (
            "CN470 DR1",
            RegionId::Cn470Plan26A,
            1,
            false,
            Some((31, 23)),
        ),
    ];
    for (name, id, dr, dwell, want) in cases {
        let got = band(id).max_payload(dr, dwell).map(|p| (p.m, p.n));
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn rx1_data_rate_named_cases() {
    let cases = [
        ("EU868 DR5 offset 0", RegionId::Eu868, 5, 0, false, Some(5)),
        ("EU868 DR5 offset 5", RegionId::Eu868, 5, 5, false, Some(0)),
        (
            "EU868 offset 6 not allowed",
            RegionId::Eu868,
            5,
            6,
            false,
            None,
        ),
        ("US915 DR0 offset 0", RegionId::Us915, 0, 0, false, Some(10)),
        ("US915 DR4 offset 0", RegionId::Us915, 4, 0, false, Some(13)),
        ("US915 offset 4 RFU", RegionId::Us915, 0, 4, false, None),
        (
            "US915 DR8 is downlink only",
            RegionId::Us915,
            8,
            0,
            false,
            None,
        ),
        ("AU915 DR6 offset 5", RegionId::Au915, 6, 5, false, Some(9)),
        (
            "AS923 DR0 offset 0 dwell: MinDR 2",
            RegionId::As923_1,
            0,
            0,
            true,
            Some(2),
        ),
        (
            "AS923 DR0 offset 0 no dwell",
            RegionId::As923_1,
            0,
            0,
            false,
            Some(0),
        ),
        (
            "AS923 DR5 offset 6 (effective -1)",
            RegionId::As923_1,
            5,
            6,
            false,
            Some(6),
        ),
        (
            "AS923 DR7 offset 7 capped at DR7",
            RegionId::As923_3,
            7,
            7,
            false,
            Some(7),
        ),
        (
            "IN865 DR5 offset 7 stays DR5",
            RegionId::In865,
            5,
            7,
            false,
            Some(5),
        ),
        ("IN865 DR6 RFU", RegionId::In865, 6, 0, false, None),
        (
            "CN470 DR0 no uplink",
            RegionId::Cn470Plan20A,
            0,
            0,
            false,
            None,
        ),
        ("KR920 DR3 offset 2", RegionId::Kr920, 3, 2, false, Some(1)),
    ];
    for (name, id, dr, off, dwell, want) in cases {
        assert_eq!(band(id).rx1_data_rate(dr, off, dwell), want, "{name}");
    }
}

#[test]
fn rx1_frequency_named_cases() {
    let cases = [
        (
            "EU868 same as uplink",
            RegionId::Eu868,
            868_300_000,
            Some(868_300_000),
        ),
        (
            "EU868 CFList channel",
            RegionId::Eu868,
            867_100_000,
            Some(867_100_000),
        ),
        ("US915 ch0", RegionId::Us915, 902_300_000, Some(923_300_000)),
        (
            "US915 ch9 -> 1",
            RegionId::Us915,
            904_100_000,
            Some(923_900_000),
        ),
        (
            "US915 ch63 -> 7",
            RegionId::Us915,
            914_900_000,
            Some(927_500_000),
        ),
        (
            "US915 ch64 (500 kHz) -> 0",
            RegionId::Us915,
            903_000_000,
            Some(923_300_000),
        ),
        (
            "US915 ch71 -> 7",
            RegionId::Us915,
            914_200_000,
            Some(927_500_000),
        ),
        ("US915 off grid", RegionId::Us915, 902_400_000, None),
        (
            "AU915 ch8 -> 0",
            RegionId::Au915,
            916_800_000,
            Some(923_300_000),
        ),
        (
            "CN470-26A ch25 -> 1",
            RegionId::Cn470Plan26A,
            475_300_000,
            Some(490_300_000),
        ),
        (
            "CN470-20A ch32 (group 2) -> 32",
            RegionId::Cn470Plan20A,
            503_500_000,
            Some(490_300_000),
        ),
        (
            "AS923-2 same as uplink",
            RegionId::As923_2,
            921_400_000,
            Some(921_400_000),
        ),
    ];
    for (name, id, up, want) in cases {
        assert_eq!(band(id).rx1_frequency(up), want, "{name}");
    }
}

#[test]
fn tx_power_named_cases() {
    let cases = [
        ("EU868 TXPower 0", RegionId::Eu868, 0, 16.0, Some(16.0)),
        ("EU868 TXPower 7", RegionId::Eu868, 7, 16.0, Some(2.0)),
        ("EU868 TXPower 8 RFU", RegionId::Eu868, 8, 16.0, None),
        ("US915 TXPower 14", RegionId::Us915, 14, 30.0, Some(2.0)),
        ("IN865 TXPower 10", RegionId::In865, 10, 30.0, Some(10.0)),
        (
            "IN865 TXPower 15 (TS001 meaning)",
            RegionId::In865,
            15,
            30.0,
            None,
        ),
    ];
    for (name, id, idx, max, want) in cases {
        assert_eq!(band(id).tx_power_eirp(idx, max), want, "{name}");
    }
}

#[test]
fn sub_band_named_cases() {
    let cases = [
        ("EU868 g1 1 %", RegionId::Eu868, 868_100_000, Some(10)),
        ("EU868 g3 10 %", RegionId::Eu868, 869_525_000, Some(100)),
        ("EU868 g 0.1 %", RegionId::Eu868, 864_000_000, Some(1)),
        ("EU868 gap 869.3", RegionId::Eu868, 869_300_000, None),
        ("EU868 out of band", RegionId::Eu868, 915_000_000, None),
        (
            "US915 uplink no limit",
            RegionId::Us915,
            902_300_000,
            Some(1000),
        ),
        ("AS923-3 sub-band", RegionId::As923_3, 916_600_000, Some(10)),
    ];
    for (name, id, f, want) in cases {
        assert_eq!(
            band(id).sub_band(f).map(|s| s.duty_cycle_permille),
            want,
            "{name}"
        );
    }
}

#[test]
fn beacon_and_ping_slot_named_cases() {
    let us = band(RegionId::Us915);
    assert_eq!(
        us.beacon_frequency(0),
        Some(923_300_000),
        "US915 beacon t=0"
    );
    assert_eq!(
        us.beacon_frequency(128 * 9),
        Some(923_900_000),
        "US915 beacon period 9"
    );
    assert_eq!(
        us.ping_slot_frequency(3, 128),
        Some(925_700_000),
        "US915 ping (3+1) mod 8"
    );
    assert_eq!(
        band(RegionId::Eu868).ping_slot_frequency(7, 999),
        Some(869_525_000),
        "EU868 fixed"
    );
    assert_eq!(
        band(RegionId::Cn470Plan20A).ping_slot_frequency(0, 0),
        None,
        "CN470-20A none"
    );
    assert_eq!(
        band(RegionId::As923_4).beacon_frequency(0),
        Some(917_500_000),
        "AS923-4 beacon"
    );
}

#[test]
fn as923_offsets_are_the_spec_values() {
    // RP002-1.0.3 §2.10: AS923_FREQ_OFFSET_HZ = 0, -1.8 MHz, -6.6 MHz, -5.9 MHz.
    let cases = [
        (RegionId::As923_1, 0, 923_200_000),
        (RegionId::As923_2, 1_800_000, 921_400_000),
        (RegionId::As923_3, 6_600_000, 916_600_000),
        (RegionId::As923_4, 5_900_000, 917_300_000),
    ];
    for (id, offset, ch0) in cases {
        let b = band(id);
        assert_eq!(b.frequency_offset_hz, offset, "{id}");
        assert_eq!(
            b.uplink_channel(0).map(|c| c.frequency_hz),
            Some(ch0),
            "{id} ch0"
        );
        assert_eq!(b.rx2.frequency_hz, ch0, "{id} RX2");
    }
}

#[test]
fn data_rate_index_round_trips() {
    for id in RegionId::ALL {
        let b = band(id);
        for dr in 0u8..16 {
            let Some(rate) = b.data_rate(dr) else {
                continue;
            };
            let up = b.data_rate_index(&rate.modulation, rate.is_uplink());
            assert!(up.is_some(), "{id} DR{dr}");
            let found = up.and_then(|i| b.data_rate(i)).map(|r| r.modulation);
            assert_eq!(found, Some(rate.modulation), "{id} DR{dr}");
        }
    }
    // US915 SF8/500 kHz is DR4 uplink but DR12 downlink.
    let us = band(RegionId::Us915);
    let sf8 = us.data_rate(4).map(|r| r.modulation).expect("DR4");
    assert_eq!(us.data_rate_index(&sf8, true), Some(4));
    assert_eq!(us.data_rate_index(&sf8, false), Some(12));
}

#[test]
fn uplink_channel_index_round_trips() {
    for id in RegionId::ALL {
        let b = band(id);
        for (i, c) in b.uplink_channels().enumerate() {
            assert_eq!(
                b.uplink_channel_index(c.frequency_hz),
                Some(i as u16),
                "{id} ch{i}"
            );
        }
        assert_eq!(
            b.uplink_channel(b.uplink_channel_count()),
            None,
            "{id} past end"
        );
    }
}
