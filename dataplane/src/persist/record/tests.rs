//! Record codec: round trips (proptest), and torn or corrupted last records at every byte offset.

use super::*;
use proptest::prelude::*;

fn key(addr: u32, eui: Option<u64>) -> SessionKey {
    SessionKey {
        dev_addr: DevAddr::from_u32(addr),
        dev_eui: eui.map(DevEui::from_u64),
    }
}

fn owned_change() -> impl Strategy<Value = (u8, u32, u32, u32, Option<u32>, Option<Vec<u8>>)> {
    (
        0u8..7,
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<Option<u32>>(),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
    )
}

fn change_of<'a>(c: &'a (u8, u32, u32, u32, Option<u32>, Option<Vec<u8>>)) -> Change<'a> {
    let (k, a, b, d, f, m) = c;
    match k {
        0 => Change::Start,
        1 => Change::FCntUp(*a),
        2 => Change::NFCntDownLimit(*a),
        3 => Change::AFCntDownLimit(*a),
        4 => Change::MacState(m.as_deref().unwrap_or(&[])),
        5 => Change::Remove,
        _ => Change::Snapshot(SnapshotView {
            fcnt_up: *f,
            n_fcnt_down_limit: *b,
            a_fcnt_down_limit: *d,
            mac_state: m.as_deref(),
        }),
    }
}

proptest! {
    #[test]
    fn session_records_round_trip(addr in any::<u32>(), eui in any::<Option<u64>>(), c in owned_change()) {
        let rec = Record::Session { key: key(addr, eui), change: change_of(&c) };
        let mut buf = vec![0xAA];
        rec.encode(&mut buf).expect("encodes");
        let (back, n) = Record::decode(&buf[1..]).expect("decodes");
        prop_assert_eq!(back, rec);
        prop_assert_eq!(n, buf.len() - 1);
    }

    #[test]
    fn snapshot_end_round_trips(sessions in any::<u64>()) {
        let rec = Record::SnapshotEnd { sessions };
        let mut buf = Vec::new();
        rec.encode(&mut buf).expect("encodes");
        prop_assert_eq!(Record::decode(&buf).expect("decodes"), (rec, buf.len()));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        let _ = Frames::new(&bytes).count();
    }
}

/// A log of every kind of record, and the frame boundaries.
fn sample_log() -> (Vec<u8>, Vec<usize>) {
    let k = key(0x2601_1BDA, Some(0x70B3_D57E_D000_0001));
    let k2 = key(0x2601_1BDB, None);
    let mac = [1u8, 2, 3, 4, 5];
    let records = [
        Record::Session {
            key: k,
            change: Change::Start,
        },
        Record::Session {
            key: k,
            change: Change::FCntUp(7),
        },
        Record::Session {
            key: k2,
            change: Change::NFCntDownLimit(64),
        },
        Record::Session {
            key: k,
            change: Change::AFCntDownLimit(128),
        },
        Record::Session {
            key: k2,
            change: Change::MacState(&mac),
        },
        Record::Session {
            key: k2,
            change: Change::Snapshot(SnapshotView {
                fcnt_up: Some(9),
                n_fcnt_down_limit: 64,
                a_fcnt_down_limit: 0,
                mac_state: Some(&mac),
            }),
        },
        Record::Session {
            key: k,
            change: Change::Remove,
        },
        Record::Session {
            key: k,
            change: Change::FCntUp(0xFFFF_FFFF),
        },
    ];
    let mut buf = Vec::new();
    let mut ends = Vec::new();
    for r in records {
        r.encode(&mut buf).expect("encodes");
        ends.push(buf.len());
    }
    (buf, ends)
}

#[test]
fn torn_last_record_at_every_offset_keeps_the_earlier_ones() {
    let (buf, ends) = sample_log();
    let last_start = ends[ends.len() - 2];
    for cut in last_start..buf.len() {
        let mut frames = Frames::new(&buf[..cut]);
        let n = frames.by_ref().count();
        assert_eq!(n, ends.len() - 1, "cut at {cut}");
        assert_eq!(frames.consumed(), last_start, "cut at {cut}");
        let torn = cut > last_start;
        assert_eq!(frames.stopped_by().is_some(), torn, "cut at {cut}");
    }
    let mut all = Frames::new(&buf);
    assert_eq!(all.by_ref().count(), ends.len());
    assert_eq!(all.stopped_by(), None);
}

#[test]
fn corrupted_byte_anywhere_in_the_last_record_is_detected() {
    let (buf, ends) = sample_log();
    let last_start = ends[ends.len() - 2];
    for at in last_start..buf.len() {
        for flip in [0x01u8, 0x80, 0xFF] {
            let mut bad = buf.clone();
            bad[at] ^= flip;
            let mut frames = Frames::new(&bad);
            assert_eq!(
                frames.by_ref().count(),
                ends.len() - 1,
                "byte {at} ^ {flip:#x}"
            );
            assert!(frames.stopped_by().is_some(), "byte {at} ^ {flip:#x}");
            assert_eq!(frames.consumed(), last_start);
        }
    }
}

#[test]
fn zeroed_tail_is_not_a_record() {
    let (mut buf, ends) = sample_log();
    buf.extend_from_slice(&[0; 64]);
    let mut frames = Frames::new(&buf);
    assert_eq!(frames.by_ref().count(), ends.len());
    assert_eq!(frames.stopped_by(), Some(DecodeError::BadLength(0)));
}

#[test]
fn malformed_payloads_with_good_crc_are_refused() {
    fn frame(payload: &[u8]) -> Vec<u8> {
        let len = (payload.len() as u32).to_le_bytes();
        let crc = crc32c::crc32c_append(crc32c::crc32c(&len), payload);
        let mut out = len.to_vec();
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(payload);
        out
    }
    let head = |kind: u8, flags: u8, eui: u8| {
        let mut p = vec![kind, flags, 0x26, 1, 2, 3];
        p.extend_from_slice(&[eui; 8]);
        p
    };
    let cases: [(&str, Vec<u8>, DecodeError); 7] = [
        ("unknown kind", head(99, 0, 0), DecodeError::UnknownKind(99)),
        (
            "short header",
            vec![KIND_START, 0, 1],
            DecodeError::Malformed,
        ),
        ("bad flags", head(KIND_START, 2, 0), DecodeError::Malformed),
        (
            "eui without flag",
            head(KIND_START, 0, 7),
            DecodeError::Malformed,
        ),
        (
            "start with body",
            [head(KIND_START, 0, 0), vec![1]].concat(),
            DecodeError::Malformed,
        ),
        (
            "fcnt of 3 bytes",
            [head(KIND_FCNT_UP, 0, 0), vec![1, 2, 3]].concat(),
            DecodeError::Malformed,
        ),
        (
            "snapshot too short",
            [head(KIND_SNAPSHOT, 0, 0), vec![0; 5]].concat(),
            DecodeError::Malformed,
        ),
    ];
    for (name, payload, want) in cases {
        assert_eq!(Record::decode(&frame(&payload)).err(), Some(want), "{name}");
    }
}

#[test]
fn oversized_mac_state_is_refused_and_leaves_the_buffer() {
    let big = vec![0u8; MAX_MAC_STATE + 1];
    let mut buf = vec![1, 2, 3];
    let r = Record::Session {
        key: key(1, None),
        change: Change::MacState(&big),
    };
    assert_eq!(
        r.encode(&mut buf),
        Err(EncodeError::MacStateTooLong(MAX_MAC_STATE + 1))
    );
    assert_eq!(buf, [1, 2, 3]);
}
