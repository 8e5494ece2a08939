//! router_config built here against router_configs nobody here wrote: The Things Stack's
//! expected EU868 configuration (`pkg/gatewayserver/io/semtechws/ws_test.go`, TestVersion) and
//! Semtech's US902 block-0 configuration (`examples/station2pkfwd/router_config.py` and
//! `regions.yaml` in lorabasics/basicstation). See `fixtures/lbs/README.md`.

use shared::basicstation::*;
use shared::region::RegionId;

fn fixture(file: &str) -> RouterConfig {
    let p = format!("{}/tests/fixtures/lbs/{file}", env!("CARGO_MANIFEST_DIR"));
    RouterConfig::parse(&std::fs::read(p).unwrap()).unwrap()
}

fn ch(freq_hz: u32, min_dr: u8, max_dr: u8, radio: Option<u8>) -> PlanChannel {
    PlanChannel {
        freq_hz,
        min_dr,
        max_dr,
        radio,
    }
}

fn round_trip(c: &RouterConfig) {
    let mut out = Vec::new();
    c.emit(&mut out).unwrap();
    assert_eq!(&RouterConfig::parse(&out).unwrap(), c);
    let Downstream::RouterConfig(again) = parse_downstream(&out).unwrap() else {
        panic!()
    };
    assert_eq!(&*again, c);
}

#[test]
fn eu868_matches_tts_field_by_field() {
    let tts = fixture("tts_router_config_eu868.json");
    let band = RegionId::Eu868.band();
    // TTS's test frequency plan: every channel on radio 0 (867.5 MHz), radios 867.5/868.5 MHz,
    // antenna gain 3 dBi, LoRa-std 868.3 MHz SF7/250 kHz, FSK 868.8 MHz.
    let plan: Vec<PlanChannel> = [
        868_100_000,
        868_300_000,
        868_500_000,
        867_100_000,
        867_300_000,
        867_500_000,
        867_700_000,
        867_900_000,
    ]
    .into_iter()
    .map(|f| ch(f, 0, 5, Some(0)))
    .chain([
        ch(868_300_000, 6, 6, Some(0)),
        ch(868_800_000, 7, 7, Some(0)),
    ])
    .collect();
    let radio = |freq_hz| RadioConf {
        enable: true,
        freq_hz,
        antenna_gain: Some(3.0),
    };
    let concentrators = [(
        &plan[..],
        RadioPlacement::Fixed([radio(867_500_000), radio(868_500_000)]),
    )];
    for production in [true, false] {
        let ours = RouterConfig::build(&RouterConfigInput {
            band,
            concentrators: &concentrators,
            net_ids: None,
            join_eui_ranges: None,
            freq_range: None,
            production,
            bcning: Beaconing::from_band(band),
            mux_time: 0.0,
        })
        .unwrap();
        assert_eq!(ours.net_id, tts.net_id);
        assert_eq!(ours.join_eui, tts.join_eui);
        assert_eq!(ours.region, "EU868");
        assert_eq!(
            canonical_region(&tts.region),
            ours.region,
            "TTS EU863 is the old name"
        );
        assert_eq!(ours.hwspec, tts.hwspec);
        assert_eq!(
            ours.freq_range, tts.freq_range,
            "span of the RP002 sub-bands"
        );
        assert_eq!(ours.drs.0[..8], tts.drs.0[..8]);
        // Deviation: TTS leaves DR8..15 as [0,0,0] (= FSK to the station); ours are undefined.
        assert!(
            tts.drs.0[8..]
                .iter()
                .all(|d| *d == DrDef::Fsk { dn_only: false })
        );
        assert!(ours.drs.0[8..].iter().all(|d| *d == DrDef::Undefined));
        assert_eq!(ours.sx1301_conf, tts.sx1301_conf);
        assert_eq!(ours.bcning, tts.bcning);
        let debug = (!production).then_some(true);
        assert_eq!(
            (ours.nocca, ours.nodc, ours.nodwell),
            (debug, debug, debug),
            "TTS VersionProd / VersionDebug"
        );
        round_trip(&ours);
    }
}

#[test]
fn us915_block0_matches_semtech() {
    let sem = fixture("semtech_router_config_us902_block0.json");
    let band = RegionId::Us915.band();
    let plan = default_channels(band, 1);
    let ours = RouterConfig::build(&RouterConfigInput {
        band,
        concentrators: &[(&plan[..], RadioPlacement::Auto { antenna_gain: None })],
        net_ids: None,
        join_eui_ranges: None,
        freq_range: Some((902_000_000, 928_000_000)),
        production: true,
        bcning: None,
        mux_time: 0.0,
    })
    .unwrap();
    assert_eq!(canonical_region(&sem.region), ours.region);
    assert_eq!(ours.hwspec, sem.hwspec);
    assert_eq!(ours.freq_range, sem.freq_range);
    assert_eq!(
        ours.drs, sem.drs,
        "DRs table identical, -1 rows and DNONLY included"
    );
    assert_eq!(
        ours.sx1301_conf, sem.sx1301_conf,
        "radio centres and IFs computed, not given"
    );
    round_trip(&ours);
}

#[test]
fn us915_sub_band_2_is_block0_shifted() {
    // Sub-band 2 (903.9–905.3 MHz + 904.6 MHz) is sub-band 1 moved up 1.6 MHz, so the layout
    // must be Semtech's block-0 layout with both radios 1.6 MHz higher.
    let band = RegionId::Us915.band();
    let drs = DrTable::from_band(band);
    let auto = RadioPlacement::Auto { antenna_gain: None };
    let b1 = Sx1301Conf::build(&default_channels(band, 1), &drs, auto).unwrap();
    let b2 = Sx1301Conf::build(&default_channels(band, 2), &drs, auto).unwrap();
    assert_eq!(
        [b2.radios[0].freq_hz, b2.radios[1].freq_hz],
        [904_300_000, 905_100_000]
    );
    assert_eq!(b2.multi_sf, b1.multi_sf);
    assert_eq!(b2.lora_std, b1.lora_std);
    assert_eq!(
        b2.lora_std.unwrap(),
        LoraStdChannel {
            at: IfChannel {
                radio: 0,
                if_hz: 300_000
            },
            bandwidth_hz: 500_000,
            spread_factor: 8
        }
    );
}

#[test]
fn eu868_default_channels_on_one_radio() {
    let band = RegionId::Eu868.band();
    let plan = default_channels(band, 0);
    assert_eq!(
        plan.iter().map(|c| c.freq_hz).collect::<Vec<_>>(),
        [868_100_000, 868_300_000, 868_500_000]
    );
    let c = Sx1301Conf::build(
        &plan,
        &DrTable::from_band(band),
        RadioPlacement::Auto { antenna_gain: None },
    )
    .unwrap();
    assert_eq!(
        (c.radios[0].enable, c.radios[0].freq_hz, c.radios[1].enable),
        (true, 868_300_000, false)
    );
    let ifs: Vec<_> = c
        .multi_sf
        .iter()
        .flatten()
        .map(|a| (a.radio, a.if_hz))
        .collect();
    assert_eq!(ifs, [(0, -200_000), (0, 0), (0, 200_000)]);
    // The common 8-channel plan with LoRa-std and FSK: radios 867.5 MHz and, for the upper
    // group with FSK at 868.8 MHz, the middle of what every channel admits (868.45 MHz).
    let mut eight: Vec<PlanChannel> = (0..8)
        .map(|i| ch(867_100_000 + 200_000 * i, 0, 5, None))
        .collect();
    eight.extend([ch(868_300_000, 6, 6, None), ch(868_800_000, 7, 7, None)]);
    let c = Sx1301Conf::build(
        &eight,
        &DrTable::from_band(band),
        RadioPlacement::Auto { antenna_gain: None },
    )
    .unwrap();
    assert_eq!(
        [c.radios[0].freq_hz, c.radios[1].freq_hz],
        [867_500_000, 868_450_000]
    );
    assert_eq!(
        c.fsk.unwrap().at,
        IfChannel {
            radio: 1,
            if_hz: 350_000
        }
    );
}

#[test]
fn plans_no_sx1301_can_carry() {
    let band = RegionId::Us915.band();
    let drs = DrTable::from_band(band);
    let auto = RadioPlacement::Auto { antenna_gain: None };
    let nine: Vec<_> = (0..9)
        .map(|i| ch(902_300_000 + 200_000 * i, 0, 3, None))
        .collect();
    assert_eq!(
        Sx1301Conf::build(&nine, &drs, auto),
        Err(BasicStationError::ChannelPlan(
            "more than 8 multi-SF channels"
        ))
    );
    let wide = [
        ch(902_300_000, 0, 3, None),
        ch(910_000_000, 0, 3, None),
        ch(920_000_000, 0, 3, None),
    ];
    assert_eq!(
        Sx1301Conf::build(&wide, &drs, auto),
        Err(BasicStationError::ChannelPlan(
            "channels span more than two radios"
        ))
    );
    assert_eq!(
        Sx1301Conf::build(&[ch(923_300_000, 8, 13, None)], &drs, auto),
        Err(BasicStationError::ChannelPlan(
            "channel DR range fits no SX1301 channel type"
        ))
    );
    assert_eq!(
        Sx1301Conf::build(&[], &drs, auto),
        Err(BasicStationError::ChannelPlan("no channels"))
    );
}
