//! Round trips for every Basic Station message (value → JSON → value) and for `updf`/`jreq`
//! against PHYPayloads built by an independent encoder (`lrwn` 4.13): frame → fields → JSON →
//! fields → the same bytes, read back identically by our views and by `lrwn`.

use proptest::prelude::*;
use shared::basicstation::*;
use shared::lorawan::{DataFrame, JoinRequest};
use shared::semtech_udp::Payload;
use shared::types::{DevAddr, DevEui, JoinEui, NetId};
use std::borrow::Cow;

fn f64s() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |v| v.is_finite())
}
fn f32s() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("finite", |v| v.is_finite())
}
fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..=max)
}
fn payload(max: usize) -> impl Strategy<Value = Payload> {
    bytes(max).prop_map(|b| Payload::new(&b).unwrap())
}

fn meta() -> impl Strategy<Value = RadioMeta> {
    (
        f64s(),
        any::<u8>(),
        any::<u32>(),
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
        prop::option::of(0..i32::MAX),
        f32s(),
        f32s(),
        f64s(),
    )
        .prop_map(
            |(ref_time, dr, freq_hz, rctx, xtime, gpstime, fts, rssi, snr, rxtime)| RadioMeta {
                ref_time,
                dr,
                freq_hz,
                upinfo: UpInfo {
                    rctx,
                    xtime: XTime(xtime),
                    gpstime,
                    fts,
                    rssi,
                    snr,
                    rxtime,
                },
            },
        )
}

fn updf() -> impl Strategy<Value = UplinkDataFrame> {
    (
        any::<u8>(),
        any::<u32>(),
        any::<u8>(),
        any::<u16>(),
        bytes(15),
        any::<Option<u8>>(),
        bytes(200),
        any::<[u8; 4]>(),
        meta(),
    )
        .prop_map(
            |(mhdr, addr, fctrl, fcnt, fopts, fport, frm, mic, meta)| UplinkDataFrame {
                mhdr,
                dev_addr: DevAddr::from_u32(addr),
                fctrl,
                fcnt,
                fopts: FOptsBytes::new(&fopts).unwrap(),
                fport,
                frm_payload: if fport.is_some() {
                    Payload::new(&frm).unwrap()
                } else {
                    Payload::default()
                },
                mic,
                meta,
            },
        )
}

fn text() -> impl Strategy<Value = Option<Cow<'static, str>>> {
    prop::option::of(any::<String>().prop_map(Cow::Owned))
}

fn upstream() -> impl Strategy<Value = Upstream<'static>> {
    prop_oneof![
        (text(), text(), text(), text(), any::<Option<u32>>(), text()).prop_map(
            |(station, firmware, package, model, protocol, features)| {
                Upstream::Version(Version {
                    station,
                    firmware,
                    package,
                    model,
                    protocol,
                    features,
                })
            }
        ),
        updf().prop_map(Upstream::UplinkData),
        (
            any::<u8>(),
            any::<u64>(),
            any::<u64>(),
            any::<u16>(),
            any::<[u8; 4]>(),
            meta()
        )
            .prop_map(|(mhdr, j, d, dev_nonce, mic, meta)| {
                Upstream::JoinRequest(JoinRequestFrame {
                    mhdr,
                    join_eui: JoinEui::from_u64(j),
                    dev_eui: DevEui::from_u64(d),
                    dev_nonce,
                    mic,
                    meta,
                })
            }),
        (payload(255), meta())
            .prop_map(|(payload, meta)| Upstream::Proprietary(ProprietaryFrame { payload, meta })),
        (
            any::<i64>(),
            any::<Option<u64>>(),
            any::<i64>(),
            any::<i64>(),
            f64s(),
            any::<i64>(),
            any::<Option<u8>>(),
            any::<Option<u32>>()
        )
            .prop_map(|(diid, e, rctx, x, txtime, gpstime, dr, freq_hz)| {
                Upstream::TxConfirmation(TxConfirmation {
                    diid,
                    dev_eui: e.map(DevEui::from_u64),
                    rctx,
                    xtime: XTime(x),
                    txtime,
                    gpstime,
                    dr,
                    freq_hz,
                })
            }),
        f64s().prop_map(|txtime| Upstream::TimeSync(TimeSyncRequest { txtime })),
    ]
}

fn window() -> impl Strategy<Value = TxWindow> {
    (any::<u8>(), any::<u32>()).prop_map(|(dr, freq_hz)| TxWindow { dr, freq_hz })
}

fn downstream() -> impl Strategy<Value = Downstream> {
    let timing = prop_oneof![
        (
            any::<i64>(),
            any::<u8>(),
            window(),
            prop::option::of(window()),
            any::<bool>()
        )
            .prop_map(|(x, rx_delay, a, b, swap)| {
                let (rx1, rx2) = if swap { (b, Some(a)) } else { (Some(a), b) };
                DnTiming::Windows {
                    xtime: XTime(x),
                    rx_delay,
                    rx1,
                    rx2,
                }
            }),
        (any::<i64>(), window())
            .prop_map(|(gpstime, window)| DnTiming::Absolute { gpstime, window }),
    ];
    let dnmsg = (
        any::<u64>(),
        0u8..3,
        any::<i64>(),
        payload(255),
        any::<Option<u8>>(),
        any::<Option<i64>>(),
        prop::option::of(f64s()),
        timing,
    )
        .prop_map(|(e, c, diid, pdu, priority, rctx, mux_time, timing)| {
            Downstream::Downlink(DownlinkMessage {
                dev_eui: DevEui::from_u64(e),
                device_class: [DeviceClass::A, DeviceClass::B, DeviceClass::C][usize::from(c)],
                diid,
                pdu,
                priority,
                rctx,
                mux_time,
                timing,
            })
        });
    let entry = (
        any::<i64>(),
        any::<Option<u8>>(),
        window(),
        any::<i64>(),
        any::<bool>(),
        payload(64),
        any::<Option<i64>>(),
    )
        .prop_map(|(diid, priority, w, t, gps, pdu, rctx)| ScheduleEntry {
            diid,
            priority,
            dr: w.dr,
            freq_hz: w.freq_hz,
            time: if gps {
                SchedTime::Gps(t)
            } else {
                SchedTime::XTime(XTime(t))
            },
            pdu,
            rctx,
        });
    let sync = prop_oneof![
        (f64s(), any::<i64>(), prop::option::of(f64s())).prop_map(|(txtime, gpstime, mux_time)| {
            TimeSyncDown::Response {
                txtime,
                gpstime,
                mux_time,
            }
        }),
        (any::<i64>(), any::<i64>(), prop::option::of(f64s())).prop_map(
            |(x, gpstime, mux_time)| TimeSyncDown::Transfer {
                xtime: XTime(x),
                gpstime,
                mux_time
            }
        ),
        f64s().prop_map(|mux_time| TimeSyncDown::MuxTime { mux_time }),
    ];
    prop_oneof![
        dnmsg,
        (prop::collection::vec(entry, 0..4), prop::option::of(f64s())).prop_map(
            |(schedule, mux_time)| Downstream::Schedule(DownlinkSchedule { schedule, mux_time })
        ),
        sync.prop_map(Downstream::TimeSync),
        router_config().prop_map(|c| Downstream::RouterConfig(Box::new(c))),
    ]
}

fn if_channel() -> impl Strategy<Value = IfChannel> {
    (0u8..2, any::<i32>()).prop_map(|(radio, if_hz)| IfChannel { radio, if_hz })
}

fn router_config() -> impl Strategy<Value = RouterConfig> {
    let dr = prop_oneof![
        Just(DrDef::Undefined),
        any::<bool>().prop_map(|dn_only| DrDef::Fsk { dn_only }),
        (
            7u8..=12,
            prop::sample::select(vec![125u16, 250, 500]),
            any::<bool>()
        )
            .prop_map(|(sf, bw_khz, dn_only)| DrDef::Lora {
                sf,
                bw_khz,
                dn_only
            }),
    ];
    let radio = || {
        (any::<bool>(), any::<u32>(), prop::option::of(f32s())).prop_map(
            |(enable, freq_hz, antenna_gain)| RadioConf {
                enable,
                freq_hz,
                antenna_gain,
            },
        )
    };
    let sx = (
        [radio(), radio()],
        prop::array::uniform8(prop::option::of(if_channel())),
        prop::option::of((if_channel(), any::<u32>(), any::<u8>())),
        prop::option::of((if_channel(), any::<u32>())),
    )
        .prop_map(|(radios, multi_sf, std, fsk)| Sx1301Conf {
            radios,
            multi_sf,
            lora_std: std.map(|(at, bandwidth_hz, spread_factor)| LoraStdChannel {
                at,
                bandwidth_hz,
                spread_factor,
            }),
            fsk: fsk.map(|(at, datarate)| FskChannel { at, datarate }),
        });
    let bcn = (
        any::<u8>(),
        any::<[u8; 3]>(),
        prop::collection::vec(any::<u32>(), 0..8),
    )
        .prop_map(|(dr, layout, freqs)| Beaconing { dr, layout, freqs });
    (
        prop::option::of(prop::collection::vec(
            any::<u32>().prop_map(NetId::from_u32),
            0..4,
        )),
        prop::option::of(prop::collection::vec(
            (any::<u64>(), any::<u64>())
                .prop_map(|(a, b)| (JoinEui::from_u64(a), JoinEui::from_u64(b))),
            0..4,
        )),
        (any::<String>(), any::<String>(), any::<(u32, u32)>()),
        prop::array::uniform16(dr),
        prop::collection::vec(sx, 0..3),
        (
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            prop::option::of(f32s()),
        ),
        prop::option::of(bcn),
        f64s(),
    )
        .prop_map(
            |(
                net_id,
                join_eui,
                (region, hwspec, freq_range),
                drs,
                sx1301_conf,
                (nocca, nodc, nodwell, max_eirp),
                bcning,
                mux_time,
            )| RouterConfig {
                net_id,
                join_eui,
                region,
                hwspec,
                freq_range,
                drs: DrTable(drs),
                sx1301_conf,
                nocca,
                nodc,
                nodwell,
                max_eirp,
                bcning,
                mux_time,
            },
        )
}

/// A data uplink built by lrwn.
fn lrwn_data() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        any::<u32>(),
        any::<[bool; 4]>(),
        any::<u16>(),
        bytes(15),
        any::<Option<u8>>(),
        bytes(100),
        any::<[u8; 4]>(),
    )
        .prop_map(
            |(confirmed, addr, [adr, adr_ack_req, ack, class_b], fcnt, fopts, fport, frm, mic)| {
                let f_port = if fport == Some(0) && !fopts.is_empty() {
                    Some(1)
                } else {
                    fport
                };
                lrwn::PhyPayload {
                    mhdr: lrwn::MHDR {
                        f_type: if confirmed {
                            lrwn::FType::ConfirmedDataUp
                        } else {
                            lrwn::FType::UnconfirmedDataUp
                        },
                        major: lrwn::Major::LoRaWANR1,
                    },
                    payload: lrwn::Payload::MACPayload(lrwn::MACPayload {
                        fhdr: lrwn::FHDR {
                            devaddr: lrwn::DevAddr::from_be_bytes(addr.to_be_bytes()),
                            f_ctrl: lrwn::FCtrl {
                                adr,
                                adr_ack_req,
                                ack,
                                f_pending: false,
                                class_b,
                                f_opts_len: 0,
                            },
                            f_cnt: u32::from(fcnt),
                            f_opts: lrwn::MACCommandSet::from_slice(&fopts),
                        },
                        f_port,
                        frm_payload: f_port.map(|_| lrwn::FRMPayload::Raw(frm)),
                    }),
                    mic: Some(mic),
                }
                .to_vec()
                .unwrap()
            },
        )
}

proptest! {
    #[test]
    fn upstream_round_trips(m in upstream()) {
        let mut out = Vec::new();
        m.emit(&mut out).unwrap();
        prop_assert_eq!(parse_upstream(&out).unwrap(), m);
    }

    #[test]
    fn downstream_round_trips(m in downstream()) {
        let mut out = Vec::new();
        m.emit(&mut out).unwrap();
        prop_assert_eq!(parse_downstream(&out).unwrap(), m);
    }

    #[test]
    fn router_info_round_trips(e in any::<u64>(), uri in any::<String>(), err in any::<bool>()) {
        let r = RouterInfoRequest { router: shared::types::Eui64::from_u64(e) };
        let mut out = Vec::new();
        r.emit(&mut out);
        prop_assert_eq!(RouterInfoRequest::parse(&out), Ok(r));
        let resp = if err {
            RouterInfoResponse::Error { router: r.router, error: uri.into() }
        } else {
            RouterInfoResponse::Ok { router: r.router, muxs: r.router, uri: uri.into() }
        };
        out.clear();
        resp.emit(&mut out);
        prop_assert_eq!(RouterInfoResponse::parse(&out).unwrap(), resp);
    }

    #[test]
    fn updf_rebuilds_lrwn_frames(phy in lrwn_data(), m in meta()) {
        let frame = DataFrame::parse(&phy).unwrap();
        let u = UplinkDataFrame::from_frame(&frame, m);
        let mut out = Vec::new();
        u.emit(&mut out).unwrap();
        // MIC and DevAddr travel as signed little-endian reads of the air bytes.
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        prop_assert_eq!(v["MIC"].as_i64(), Some(i64::from(i32::from_le_bytes(frame.mic()))));
        let air_addr: [u8; 4] = phy[1..5].try_into().unwrap();
        prop_assert_eq!(v["DevAddr"].as_i64(), Some(i64::from(i32::from_le_bytes(air_addr))));
        let Ok(Upstream::UplinkData(back)) = parse_upstream(&out) else { panic!("updf") };
        prop_assert_eq!(back, u);
        let rebuilt = back.phy_payload().unwrap();
        prop_assert_eq!(rebuilt.as_slice(), &phy[..]);
        let theirs = lrwn::PhyPayload::from_slice(rebuilt.as_slice()).unwrap();
        prop_assert_eq!(theirs.to_vec().unwrap(), phy);
    }

    #[test]
    fn jreq_rebuilds_lrwn_frames(j in any::<u64>(), d in any::<u64>(), dev_nonce in any::<u16>(), mic in any::<[u8; 4]>(), m in meta()) {
        let phy = lrwn::PhyPayload {
            mhdr: lrwn::MHDR { f_type: lrwn::FType::JoinRequest, major: lrwn::Major::LoRaWANR1 },
            payload: lrwn::Payload::JoinRequest(lrwn::JoinRequestPayload {
                join_eui: lrwn::EUI64::from_be_bytes(j.to_be_bytes()),
                dev_eui: lrwn::EUI64::from_be_bytes(d.to_be_bytes()),
                dev_nonce,
            }),
            mic: Some(mic),
        }.to_vec().unwrap();
        let jr = JoinRequestFrame::from_frame(&JoinRequest::parse(&phy).unwrap(), m);
        prop_assert_eq!((jr.join_eui.to_u64(), jr.dev_eui.to_u64(), jr.dev_nonce, jr.mic), (j, d, dev_nonce, mic));
        let mut out = Vec::new();
        jr.emit(&mut out).unwrap();
        let Ok(Upstream::JoinRequest(back)) = parse_upstream(&out) else { panic!("jreq") };
        prop_assert_eq!(back, jr);
        prop_assert_eq!(&back.phy_payload()[..], &phy[..]);
    }

    #[test]
    fn gps_time_round_trips(unix_us in -1_000_000_000_000_000i64..4_000_000_000_000_000) {
        prop_assert_eq!(gps_to_unix_micros(unix_micros_to_gps(unix_us)), unix_us);
    }
}
