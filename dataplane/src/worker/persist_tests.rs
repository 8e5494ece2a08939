//! The owner core's journal wiring, against a real journal in a scratch directory (the
//! journal's own durability is tested in `persist/` and `tests/persist_crash.rs`).

use super::*;
use crate::application::event::ApplicationEvent;
use crate::network::{LorawanVersion, SessionKeys};
use crate::persist::{JournalConfig, SessionStates, recover};
use shared::region::RegionId;
use shared::types::Aes128Key;
use std::path::Path;

const BLOCK: u32 = 4;

fn open(root: &Path, seed: SessionStates) -> Durability {
    let config = JournalConfig {
        lease_block: BLOCK,
        ..JournalConfig::default()
    };
    Durability::new(Journal::open(root, 0, config, seed).expect("open journal"))
}

fn session(version: LorawanVersion) -> Session {
    let k = Aes128Key::from_bytes([7; 16]);
    let keys = match version {
        LorawanVersion::V1_0 => SessionKeys::v1_0(&k, Some(&k)),
        LorawanVersion::V1_1 => SessionKeys::v1_1(&k, &k, &k, Some(&k)),
    };
    Session::new(
        DevAddr::from_u32(0x2601_0001),
        "app",
        "dev",
        version,
        keys,
        RegionId::Eu868,
    )
}

fn event(n: u8) -> ApplicationEvent {
    ApplicationEvent::DownlinkQueued(crate::application::event::ApplicationDownlink {
        application_id: "app".into(),
        device_id: format!("dev-{n}"),
        dev_eui: None,
        dev_addr: DevAddr::from_u32(1),
        id: u64::from(n),
        fport: Some(1),
        confirmed: false,
        fcnt: None,
        tx: None,
        reason: None,
    })
}

fn released(d: &mut Durability) -> Vec<String> {
    let mut out = Vec::new();
    d.release(Instant::now(), |e| {
        if let ApplicationEvent::DownlinkQueued(e) = e {
            out.push(e.device_id);
        }
    });
    out
}

#[test]
fn events_leave_only_once_their_record_is_durable() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut d = open(root.path(), SessionStates::default());
    let k = key(DevAddr::from_u32(1), None);
    let s1 = d.accepted(k, 1).expect("append");
    d.hold(Instant::now(), s1, event(1));
    assert_eq!(released(&mut d), Vec::<String>::new(), "not durable yet");
    assert_eq!(d.stats().events_held, 1);
    d.journal.flush().expect("flush");
    let s2 = d.accepted(k, 2).expect("append");
    d.hold(Instant::now(), s2, event(2));
    assert_eq!(released(&mut d), ["dev-1"], "only the durable one");
    d.journal.flush().expect("flush");
    assert_eq!(released(&mut d), ["dev-2"]);
    assert!(!d.latency.is_empty(), "commit latency recorded");
}

#[test]
fn downlink_counters_wait_for_a_durable_lease() {
    for version in [LorawanVersion::V1_0, LorawanVersion::V1_1] {
        let root = tempfile::tempdir().expect("tempdir");
        let mut d = open(root.path(), SessionStates::default());
        let mut s = session(version);
        let seq = match d.reserve(&mut s) {
            Reserve::Wait(seq) => seq,
            other => panic!("{version:?}: first downlink must wait, got {other:?}"),
        };
        assert!(
            matches!(d.reserve(&mut s), Reserve::Wait(x) if x == seq),
            "one request"
        );
        d.journal.flush().expect("flush");
        // Spend 2 blocks' worth: each value is covered when it is spent, blocks renew ahead.
        for v in 0..2 * BLOCK {
            if let Reserve::Wait(_) = d.reserve(&mut s) {
                d.journal.flush().expect("flush");
            }
            assert_eq!(d.reserve(&mut s), Reserve::Ready, "{version:?} value {v}");
            assert_eq!(s.n_fcnt_down, v);
            s.n_fcnt_down += 1;
            d.spent(&s, (v, s.a_fcnt_down));
        }
    }
}

#[test]
fn a_1_1_app_downlink_also_needs_an_afcntdown_lease() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut d = open(root.path(), SessionStates::default());
    let mut s = session(LorawanVersion::V1_1);
    assert!(matches!(d.reserve(&mut s), Reserve::Wait(_)));
    d.journal.flush().expect("flush");
    assert_eq!(d.reserve(&mut s), Reserve::Ready, "NFCntDown only");
    s.queue.enqueue(1, vec![1], false).expect("enqueue");
    assert!(
        matches!(d.reserve(&mut s), Reserve::Wait(_)),
        "AFCntDown too"
    );
    d.journal.flush().expect("flush");
    assert_eq!(d.reserve(&mut s), Reserve::Ready);
}

#[test]
fn after_a_crash_counters_resume_above_everything_used() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut used = 0;
    {
        let mut d = open(root.path(), SessionStates::default());
        let mut s = session(LorawanVersion::V1_0);
        let k = key_of(&s);
        for f in 1..=5 {
            d.accepted(k, f).expect("append");
        }
        for v in 0..BLOCK + 1 {
            if let Reserve::Wait(_) = d.reserve(&mut s) {
                d.journal.flush().expect("flush");
                assert_eq!(d.reserve(&mut s), Reserve::Ready);
            }
            s.n_fcnt_down = v + 1;
            d.spent(&s, (v, 0));
            used = v;
        }
        d.journal.flush().expect("flush");
        // Dropped without a clean stop, like kill -9 after the last commit.
    }
    let recovered = recover(root.path()).expect("recover");
    let d = open(root.path(), recovered.sessions);
    let mut s = session(LorawanVersion::V1_0);
    d.raise(&mut s);
    assert_eq!(s.fcnt_up, Some(5), "a replay of FCnt 5 is refused");
    assert!(
        s.n_fcnt_down > used,
        "{} must be above {used}",
        s.n_fcnt_down
    );
    // A session pushed with higher counters keeps them.
    let mut ahead = session(LorawanVersion::V1_0).with_fcnt_up(Some(90));
    ahead.n_fcnt_down = 1000;
    d.raise(&mut ahead);
    assert_eq!((ahead.fcnt_up, ahead.n_fcnt_down), (Some(90), 1000));
}

#[test]
fn a_failed_journal_delivers_nothing_and_leases_nothing() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut d = open(root.path(), SessionStates::default());
    let s1 = d
        .accepted(key(DevAddr::from_u32(1), None), 1)
        .expect("append");
    d.hold(Instant::now(), s1, event(1));
    d.fail(&JournalError::Failed);
    assert_eq!(released(&mut d), Vec::<String>::new());
    assert_eq!(d.accepted(key(DevAddr::from_u32(1), None), 2), None);
    assert_eq!(
        d.reserve(&mut session(LorawanVersion::V1_0)),
        Reserve::Refused
    );
    assert!(d.stats().errors >= 3);
}

#[test]
fn mac_state_survives_recovery_from_segments_and_checkpoints() {
    for checkpoint in [false, true] {
        let root = tempfile::tempdir().expect("tempdir");
        let mut want = session(LorawanVersion::V1_1);
        {
            let mut d = open(root.path(), SessionStates::default());
            let k = key_of(&want);
            d.accepted(k, 1).expect("append");
            // Accepted ADR and RX2 settings, an older value first: the last one wins.
            want.mac.current.data_rate = 3;
            want.mac.dirty = true;
            let old = crate::network::mac::take_journal(&mut want).expect("dirty");
            d.mac_state(k, &old).expect("append");
            want.mac.current.data_rate = 5;
            want.mac.current.tx_power_index = 2;
            want.mac.current.rx2_data_rate = 3;
            want.mac.desired = want.mac.current;
            want.mac.dirty = true;
            let blob = crate::network::mac::take_journal(&mut want).expect("dirty");
            assert_eq!(crate::network::mac::take_journal(&mut want), None, "once");
            d.mac_state(k, &blob).expect("append");
            d.journal.flush().expect("flush");
            if checkpoint {
                d.journal.checkpoint().expect("checkpoint");
            }
            // Dropped without a clean stop.
        }
        let recovered = recover(root.path()).expect("recover");
        let d = open(root.path(), recovered.sessions);
        let mut s = session(LorawanVersion::V1_1);
        d.raise(&mut s);
        assert_eq!(s.mac.current, want.mac.current, "checkpoint={checkpoint}");
        assert_eq!(s.mac.desired, want.mac.desired, "checkpoint={checkpoint}");
        assert_eq!(s.rx_settings.rx2_data_rate, 3, "the receive windows follow");
    }
}
