//! What a frame carries and the size rules per data rate (RP002-1.0.3 "Maximum payload size"
//! tables); decoding with an independent implementation is in `tests/downlink_frames.rs`.

use super::*;
use crate::network::downlink::queue::DownlinkId;
use shared::region::RegionId;
use shared::types::Aes128Key;

fn item(len: usize, confirmed: bool) -> QueueItem {
    QueueItem {
        id: DownlinkId(1),
        fport: 10,
        payload: vec![0xAB; len],
        confirmed,
    }
}

fn m(region: RegionId, dr: u8, dwell: bool) -> u8 {
    region.band().max_payload(dr, dwell).unwrap().m
}

#[test]
fn max_payload_per_dr_by_table() {
    // (name, M, FRMPayload length, fits)
    let cases = [
        ("EU868 DR0 N=51", m(RegionId::Eu868, 0, false), 51, true),
        ("EU868 DR0 52", m(RegionId::Eu868, 0, false), 52, false),
        ("EU868 DR3 N=115", m(RegionId::Eu868, 3, false), 115, true),
        ("EU868 DR3 116", m(RegionId::Eu868, 3, false), 116, false),
        ("EU868 DR5 N=242", m(RegionId::Eu868, 5, false), 242, true),
        ("US915 DR8 N=53", m(RegionId::Us915, 8, false), 53, true),
        ("US915 DR8 54", m(RegionId::Us915, 8, false), 54, false),
        ("US915 DR9 N=129", m(RegionId::Us915, 9, false), 129, true),
        (
            "AS923 DR2 dwell N=11",
            m(RegionId::As923_1, 2, true),
            11,
            true,
        ),
        (
            "AS923 DR2 dwell 12",
            m(RegionId::As923_1, 2, true),
            12,
            false,
        ),
        (
            "AS923 DR2 no dwell N=115",
            m(RegionId::As923_1, 2, false),
            115,
            true,
        ),
    ];
    for (name, max, len, fits) in cases {
        let it = item(len, false);
        let got = compose(false, false, &[], Some(&it), false, false, max);
        match fits {
            true => {
                let (spec, carried) = got.unwrap().unwrap();
                assert!(carried, "{name}");
                assert_eq!(spec.mac_payload_len(), 8 + len, "{name}");
            }
            false => assert_eq!(
                got,
                Err(BuildError::TooLarge {
                    len: 8 + len,
                    max: usize::from(max)
                }),
                "{name}"
            ),
        }
    }
}

#[test]
fn compose_by_table() {
    let mac3 = [0x02, 0x14, 0x03];
    let mac20 = [0x03; 20];
    let small = item(10, true);
    let big = item(60, false);
    // (name, ack, mac, item, more, force, M, want (fopts len, fport, payload len, f_pending,
    //  confirmed, carried) or None)
    type Want = Option<(usize, Option<u8>, usize, bool, bool, bool)>;
    type Case<'a> = (
        &'a str,
        bool,
        &'a [u8],
        Option<&'a QueueItem>,
        bool,
        bool,
        u8,
        Want,
    );
    let cases: [Case; 9] = [
        ("nothing", false, &[], None, false, false, 59, None),
        (
            "ack only",
            true,
            &[],
            None,
            false,
            false,
            59,
            Some((0, None, 0, false, false, false)),
        ),
        (
            "forced empty",
            false,
            &[],
            None,
            false,
            true,
            59,
            Some((0, None, 0, false, false, false)),
        ),
        (
            "mac in fopts",
            false,
            &mac3,
            None,
            false,
            false,
            59,
            Some((3, None, 0, false, false, false)),
        ),
        (
            "mac + item + more",
            true,
            &mac3,
            Some(&small),
            true,
            false,
            59,
            Some((3, Some(10), 10, true, true, true)),
        ),
        (
            "item does not fit beside mac",
            false,
            &mac3,
            Some(&big),
            false,
            false,
            59,
            Some((3, None, 0, true, false, false)),
        ),
        (
            "item too big, ack only",
            true,
            &[],
            Some(&big),
            false,
            false,
            59,
            Some((0, None, 0, true, false, false)),
        ),
        (
            "long mac on port 0, item waits",
            false,
            &mac20,
            Some(&small),
            false,
            false,
            59,
            Some((0, Some(0), 20, true, false, false)),
        ),
        (
            "item fits larger M",
            false,
            &mac3,
            Some(&big),
            false,
            false,
            250,
            Some((3, Some(10), 60, false, false, true)),
        ),
    ];
    for (name, ack, mac, it, more, force, max, want) in cases {
        let got = compose(ack, false, mac, it, more, force, max).unwrap();
        let got = got.map(|(s, c)| {
            assert_eq!(s.ack, ack, "{name}");
            (
                s.fopts.len(),
                s.fport,
                s.frm_payload.len(),
                s.f_pending,
                s.confirmed,
                c,
            )
        });
        assert_eq!(got, want, "{name}");
    }
    assert_eq!(
        compose(false, false, &[0x03; 60], None, false, false, 59),
        Err(BuildError::MacTooLong { len: 60, max: 51 })
    );
}

#[test]
fn counters_by_version_and_port() {
    let k = Aes128Key::from_bytes([7; 16]);
    let v10 = SessionKeys::v1_0(&k, Some(&k));
    let v11 = SessionKeys::v1_1(&k, &k, &k, Some(&k));
    let it = item(4, false);
    let mac = [0x06];
    // (name, version, keys, fport item?, want kind)
    let cases = [
        (
            "1.0 app",
            LorawanVersion::V1_0,
            &v10,
            true,
            FCntKind::Network,
        ),
        (
            "1.0 mac",
            LorawanVersion::V1_0,
            &v10,
            false,
            FCntKind::Network,
        ),
        (
            "1.1 app",
            LorawanVersion::V1_1,
            &v11,
            true,
            FCntKind::Application,
        ),
        (
            "1.1 mac",
            LorawanVersion::V1_1,
            &v11,
            false,
            FCntKind::Network,
        ),
    ];
    for (name, version, keys, app, kind) in cases {
        let session = SessionCrypto {
            dev_addr: DevAddr::from_u32(0x0102_0304),
            version,
            keys,
        };
        let (spec, _) = compose(false, false, &mac, app.then_some(&it), false, false, 250)
            .unwrap()
            .unwrap();
        let mut c = FrameCounters {
            n_fcnt_down: 10,
            a_fcnt_down: 20,
        };
        let (_, fcnt, got) = seal(&spec, &session, None, &mut c, 250).unwrap();
        assert_eq!(got, kind, "{name}");
        let want = match kind {
            FCntKind::Network => (
                10,
                FrameCounters {
                    n_fcnt_down: 11,
                    a_fcnt_down: 20,
                },
            ),
            FCntKind::Application => (
                20,
                FrameCounters {
                    n_fcnt_down: 10,
                    a_fcnt_down: 21,
                },
            ),
        };
        assert_eq!((fcnt, c), want, "{name}");
    }
}

#[test]
fn seal_errors_leave_counters_alone() {
    let k = Aes128Key::from_bytes([7; 16]);
    let no_app = SessionKeys::v1_0(&k, None);
    let session = SessionCrypto {
        dev_addr: DevAddr::from_u32(1),
        version: LorawanVersion::V1_0,
        keys: &no_app,
    };
    let it = item(4, false);
    let (spec, _) = compose(false, false, &[], Some(&it), false, false, 250)
        .unwrap()
        .unwrap();
    let mut c = FrameCounters::default();
    assert_eq!(
        seal(&spec, &session, None, &mut c, 250),
        Err(BuildError::NoAppSKey)
    );
    let (mac_only, _) = compose(true, false, &[], None, false, false, 250)
        .unwrap()
        .unwrap();
    let mut last = FrameCounters {
        n_fcnt_down: u32::MAX,
        a_fcnt_down: 0,
    };
    assert_eq!(
        seal(&mac_only, &session, None, &mut last, 250),
        Err(BuildError::CounterExhausted)
    );
    assert_eq!(
        seal(&spec, &session, None, &mut c, 11),
        Err(BuildError::TooLarge { len: 12, max: 11 })
    );
    assert_eq!(c, FrameCounters::default());
    assert_eq!(last.n_fcnt_down, u32::MAX);
}
