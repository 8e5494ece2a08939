use super::*;

fn plan(region: RegionId, extra: &[u32], enabled: &[u16]) -> FrequencyPlan {
    FrequencyPlan {
        region,
        extra_channels_hz: extra.to_vec(),
        enabled_channels: enabled.to_vec(),
    }
}

fn hex(c: Option<CfList>) -> Option<String> {
    c.map(|c| hex::encode(c.to_bytes().unwrap()))
}

#[test]
fn cf_list_per_region_by_table() {
    let builtin = builtin_plans();
    let cases: [(&str, FrequencyPlan, Option<&str>); 8] = [
        // TTN's EU868 plan: 867.1..867.9 MHz as 24-bit little-endian units of 100 Hz, type 0.
        (
            "EU_863_870",
            builtin["EU_863_870"].clone(),
            Some("184f84e85684b85e84886684586e8400"),
        ),
        (
            "EU868 bare",
            FrequencyPlan::region_only(RegionId::Eu868),
            None,
        ),
        (
            "EU868 two extra",
            plan(RegionId::Eu868, &[867_100_000, 867_300_000], &[]),
            Some("184f84e85684"),
        ),
        // US915 FSB2: channels 8-15 (ChMask0 = 0xFF00) and 65 (ChMask4 bit 1), type 1.
        (
            "US_902_928_FSB_2",
            builtin["US_902_928_FSB_2"].clone(),
            Some("00ff0000000000000200000000000001"),
        ),
        (
            "AU_915_928_FSB_2",
            builtin["AU_915_928_FSB_2"].clone(),
            Some("00ff0000000000000200000000000001"),
        ),
        (
            "US915 all 72",
            plan(RegionId::Us915, &[], &(0..72).collect::<Vec<_>>()),
            Some("ffffffffffffffffff00000000000001"),
        ),
        (
            "US915 bare",
            FrequencyPlan::region_only(RegionId::Us915),
            None,
        ),
        // CN470 26 MHz type A: 48 uplink channels, masks 0..2.
        (
            "CN470-26A first 8",
            plan(RegionId::Cn470Plan26A, &[], &(0..8).collect::<Vec<_>>()),
            Some("ff000000000000000000000000000001"),
        ),
    ];
    for (name, p, want) in cases {
        let want = want.map(|h| {
            // A type-0 list with fewer than five channels pads with zero frequencies.
            let mut h = h.to_owned();
            while h.len() < 30 {
                h.push('0');
            }
            if h.len() == 30 {
                h.push_str("00");
            }
            h
        });
        let got = p.cf_list().unwrap();
        assert_eq!(hex(got), want, "{name}");
        // lrwn (ChirpStack) parses what we send as the same CFList type.
        if let Some(c) = got {
            let theirs = lrwn::CFList::from_bytes(c.to_bytes().unwrap()).unwrap();
            let same_type = matches!(
                (c, theirs),
                (CfList::Frequencies(_), lrwn::CFList::Channels(_))
                    | (CfList::ChannelMasks(_), lrwn::CFList::ChannelMask(_))
            );
            assert!(same_type, "{name}");
        }
    }
}

#[test]
fn cf_list_errors_by_table() {
    use FrequencyPlanError::*;
    let six = [
        867_100_000,
        867_300_000,
        867_500_000,
        867_700_000,
        867_900_000,
        868_800_000,
    ];
    let cases = [
        (
            "six extra",
            plan(RegionId::Eu868, &six, &[]),
            TooManyChannels(6),
        ),
        (
            "US frequency in EU",
            plan(RegionId::Eu868, &[915_000_000], &[]),
            InvalidFrequency(915_000_000),
        ),
        (
            "not 100 Hz",
            plan(RegionId::Eu868, &[867_100_050], &[]),
            InvalidFrequency(867_100_050),
        ),
        (
            "mask in EU",
            plan(RegionId::Eu868, &[], &[3]),
            WrongCfListType(RegionId::Eu868),
        ),
        (
            "frequency in US",
            plan(RegionId::Us915, &[903_900_000], &[]),
            WrongCfListType(RegionId::Us915),
        ),
        (
            "US channel 72",
            plan(RegionId::Us915, &[], &[72]),
            ChannelOutOfRange(72),
        ),
        (
            "CN470-26A channel 48",
            plan(RegionId::Cn470Plan26A, &[], &[48]),
            ChannelOutOfRange(48),
        ),
    ];
    for (name, p, want) in cases {
        assert_eq!(p.cf_list(), Err(want), "{name}");
    }
}

#[test]
fn downlink_settings_by_table() {
    use FrequencyPlanError::*;
    let eu = RegionId::Eu868.band();
    let us = RegionId::Us915.band();
    let rx = |o, dr, d| RxSettings {
        rx1_dr_offset: o,
        rx2_data_rate: dr,
        rx1_delay_secs: d,
    };
    let dl = |opt_neg, o, dr| DlSettings {
        opt_neg,
        rx1_dr_offset: o,
        rx2_data_rate: dr,
    };
    let cases = [
        (
            "EU defaults",
            eu,
            RxSettings::default(),
            false,
            Ok((dl(false, 0, 0), 1)),
        ),
        (
            "EU 1.1 TTN-like",
            eu,
            rx(0, Some(3), 5),
            true,
            Ok((dl(true, 0, 3), 5)),
        ),
        (
            "US defaults: RX2 DR8",
            us,
            RxSettings::default(),
            false,
            Ok((dl(false, 0, 8), 1)),
        ),
        (
            "EU offset 5",
            eu,
            rx(5, None, 1),
            false,
            Ok((dl(false, 5, 0), 1)),
        ),
        (
            "EU offset 6",
            eu,
            rx(6, None, 1),
            false,
            Err(InvalidRx1DrOffset(6)),
        ),
        (
            "US offset 4",
            us,
            rx(4, None, 1),
            false,
            Err(InvalidRx1DrOffset(4)),
        ),
        (
            "US RX2 DR0 is uplink-only",
            us,
            rx(0, Some(0), 1),
            false,
            Err(InvalidRx2DataRate(0)),
        ),
        (
            "EU RX2 DR15",
            eu,
            rx(0, Some(15), 1),
            false,
            Err(InvalidRx2DataRate(15)),
        ),
        (
            "delay 0",
            eu,
            rx(0, None, 0),
            false,
            Err(InvalidRx1Delay(0)),
        ),
        (
            "delay 16",
            eu,
            rx(0, None, 16),
            false,
            Err(InvalidRx1Delay(16)),
        ),
    ];
    for (name, band, rx, opt_neg, want) in cases {
        assert_eq!(downlink_settings(band, &rx, opt_neg), want, "{name}");
    }
}

#[test]
fn plans_deserialize_from_toml() {
    let p: FrequencyPlan =
        toml::from_str("region = \"KR920\"\nextra_channels_hz = [922_700_000]\n").unwrap();
    assert_eq!(p.region, RegionId::Kr920);
    assert!(matches!(p.cf_list(), Ok(Some(CfList::Frequencies(_)))));
    assert!(toml::from_str::<FrequencyPlan>("region = \"XX\"\n").is_err());
}
