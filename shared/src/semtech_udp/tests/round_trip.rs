//! `parse(emit(x)) == x` for every message kind, over generated values.

use super::super::*;
use proptest::prelude::*;

fn arb_header() -> impl Strategy<Value = (ProtocolVersion, Token, Eui64)> {
    (
        prop_oneof![Just(ProtocolVersion::V1), Just(ProtocolVersion::V2)],
        any::<[u8; 2]>(),
        any::<u64>(),
    )
        .prop_map(|(v, t, e)| (v, Token(t), Eui64::from_u64(e)))
}

fn arb_payload() -> impl Strategy<Value = Payload> {
    proptest::collection::vec(any::<u8>(), 0..=255).prop_map(|v| Payload::new(&v).unwrap())
}

fn arb_radio() -> impl Strategy<Value = (DataRate, Option<CodingRate>)> {
    let cr = prop_oneof![
        Just(CodingRate::Cr4_5),
        Just(CodingRate::Cr4_6),
        Just(CodingRate::Cr4_7),
        Just(CodingRate::Cr4_8),
        Just(CodingRate::Off)
    ];
    prop_oneof![
        (
            5u8..=12,
            prop_oneof![Just(125u16), Just(250), Just(500), Just(1600)],
            cr.clone()
        )
            .prop_map(|(sf, bw, cr)| (
                DataRate::Lora {
                    spreading_factor: sf,
                    bandwidth_khz: bw
                },
                Some(cr)
            )),
        (1u32..=300_000, proptest::option::of(cr))
            .prop_map(|(b, cr)| (DataRate::Fsk { bitrate: b }, cr)),
    ]
}

/// Tenths of a dB, as forwarders report SNR.
fn arb_tenths() -> impl Strategy<Value = f32> {
    (-300i16..=300).prop_map(|t| f32::from(t) / 10.0)
}

fn arb_time() -> impl Strategy<Value = UtcTime> {
    (0i64..=4_102_444_799, 0u32..1_000_000_000).prop_map(|(secs, nanos)| UtcTime { secs, nanos })
}

fn arb_rsig() -> impl Strategy<Value = RSig> {
    (
        (
            any::<u8>(),
            any::<u8>(),
            proptest::option::of(any::<i16>()),
            proptest::option::of(any::<i16>()),
            proptest::option::of(any::<u16>()),
            proptest::option::of(arb_tenths()),
        ),
        (
            proptest::option::of(
                proptest::collection::vec(any::<u8>(), 0..=32)
                    .prop_map(|v| EncryptedTime::new(&v).unwrap()),
            ),
            proptest::option::of(0u32..1_000_000_000),
            proptest::option::of(any::<i32>()),
            proptest::option::of(any::<u8>()),
            proptest::option::of(any::<u8>()),
            proptest::option::of(any::<i32>()),
        ),
    )
        .prop_map(
            |(
                (ant, chan, rssic, rssis, rssisd, lsnr),
                (etime, ftime, foff, ftstat, ftver, ftdelta),
            )| RSig {
                ant,
                chan,
                rssic,
                rssis,
                rssisd,
                lsnr,
                etime,
                ftime,
                foff,
                ftstat,
                ftver,
                ftdelta,
            },
        )
}

fn arb_rxpk() -> impl Strategy<Value = RxPk> {
    (
        (
            proptest::option::of(arb_time()),
            proptest::option::of(any::<u64>()),
            any::<u32>(),
            proptest::option::of(0u32..1_000_000_000),
            1u64..=10_000_000_000,
        ),
        (
            proptest::option::of(any::<u8>()),
            proptest::option::of(any::<u8>()),
            proptest::option::of(any::<u32>()),
            proptest::option::of(prop_oneof![
                Just(CrcStatus::Ok),
                Just(CrcStatus::Fail),
                Just(CrcStatus::NoCrc)
            ]),
            arb_radio(),
        ),
        (
            proptest::option::of(any::<i16>()),
            proptest::option::of(any::<i16>()),
            proptest::option::of(arb_tenths()),
            proptest::option::of(any::<i32>()),
            arb_payload(),
            proptest::collection::vec(arb_rsig(), 0..3),
        ),
    )
        .prop_map(
            |(
                (time, tmms, tmst, ftime, freq_hz),
                (chan, rfch, brd, crc, (data_rate, coding_rate)),
                (rssi, rssis, lsnr, foff, payload, rsig),
            )| RxPk {
                time,
                tmms,
                tmst,
                ftime,
                freq_hz,
                chan,
                rfch,
                brd,
                crc,
                data_rate,
                coding_rate,
                rssi,
                rssis,
                lsnr,
                foff,
                payload,
                rsig,
            },
        )
}

fn arb_stat() -> impl Strategy<Value = Stat> {
    let micro_deg = (-180_000_000i32..=180_000_000).prop_map(|v| f64::from(v) / 1e6);
    (
        (
            0i64..=4_102_444_799,
            proptest::option::of(micro_deg.clone()),
            proptest::option::of(micro_deg),
            proptest::option::of(any::<i32>()),
        ),
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            proptest::option::of((0u16..=1000).prop_map(|v| f64::from(v) / 10.0)),
            any::<u32>(),
            any::<u32>(),
            proptest::option::of((-400i16..=1000).prop_map(|v| f64::from(v) / 10.0)),
        ),
    )
        .prop_map(
            |((secs, lati, long, alti), (rxnb, rxok, rxfw, ackr, dwnb, txnb, temp))| Stat {
                time: UtcTime { secs, nanos: 0 },
                lati,
                long,
                alti,
                rxnb,
                rxok,
                rxfw,
                ackr,
                dwnb,
                txnb,
                temp,
            },
        )
}

fn arb_txpk() -> impl Strategy<Value = TxPk> {
    let timing = prop_oneof![
        Just(TxTiming::Immediate),
        any::<u32>().prop_map(TxTiming::Tmst),
        any::<u64>().prop_map(TxTiming::Tmms)
    ];
    (
        (
            timing,
            1u64..=10_000_000_000,
            any::<u8>(),
            proptest::option::of(any::<i8>()),
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<u8>()),
        ),
        (
            arb_radio(),
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<u16>()),
            proptest::option::of(any::<bool>()),
            arb_payload(),
        ),
    )
        .prop_map(
            |(
                (timing, freq_hz, rfch, powe, brd, ant),
                ((data_rate, coding_rate), fdev, ipol, prea, ncrc, payload),
            )| TxPk {
                timing,
                freq_hz,
                rfch,
                powe,
                brd,
                ant,
                data_rate,
                coding_rate,
                fdev,
                ipol,
                prea,
                ncrc,
                payload,
            },
        )
}

fn arb_ack() -> impl Strategy<Value = Option<TxPkAck<'static>>> {
    let err = proptest::sample::select(TX_ERRORS.map(|(e, _)| e).to_vec());
    let value = prop_oneof![
        any::<i64>().prop_map(AckValue::Number),
        ".{0,12}".prop_map(|s| AckValue::Text(s.into()))
    ];
    proptest::option::of(
        (
            proptest::option::of(err),
            proptest::option::of(Just(TxWarning::TxPower)),
            proptest::option::of(value),
        )
            .prop_map(|(error, warn, value)| TxPkAck { error, warn, value }),
    )
}

fn arb_packet() -> impl Strategy<Value = Packet<'static>> {
    (arb_header(), 0u8..6).prop_flat_map(
        |((version, token, gateway_eui), kind)| -> BoxedStrategy<Packet<'static>> {
            match kind {
                0 => (
                    proptest::collection::vec(arb_rxpk(), 0..4),
                    proptest::option::of(arb_stat()),
                )
                    .prop_map(move |(rxpk, stat)| Packet::PushData {
                        version,
                        token,
                        gateway_eui,
                        data: PushData { rxpk, stat },
                    })
                    .boxed(),
                1 => Just(Packet::PushAck { version, token }).boxed(),
                2 => Just(Packet::PullData {
                    version,
                    token,
                    gateway_eui,
                })
                .boxed(),
                3 => arb_txpk()
                    .prop_map(move |txpk| Packet::PullResp {
                        version,
                        token,
                        txpk,
                    })
                    .boxed(),
                4 => Just(Packet::PullAck { version, token }).boxed(),
                _ => arb_ack()
                    .prop_map(move |ack| Packet::TxAck {
                        version,
                        token,
                        gateway_eui,
                        ack,
                    })
                    .boxed(),
            }
        },
    )
}

proptest! {
    #[test]
    fn parse_emit_round_trip(p in arb_packet()) {
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        prop_assert_eq!(Packet::parse(&out), Ok(p));
    }

    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64), id in 0u8..6) {
        let mut b = vec![2, 0, 0, id];
        b.extend_from_slice(&bytes);
        let _ = Packet::parse(&b);
    }
}
