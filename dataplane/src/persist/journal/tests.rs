//! The journal on real files in a scratch directory: group commit, segments, checkpoints,
//! reopening, leases through the journal.

use super::*;
use crate::persist::record::MAX_MAC_STATE;
use crate::persist::recover::recover;
use shared::types::{DevAddr, DevEui};

fn k(a: u32) -> SessionKey {
    SessionKey {
        dev_addr: DevAddr::from_u32(a),
        dev_eui: Some(DevEui::from_u64(u64::from(a) << 8)),
    }
}

fn open(root: &Path, config: JournalConfig) -> Journal {
    Journal::open(root, 0, config, SessionStates::default()).expect("open")
}

fn segments(root: &Path) -> usize {
    files::list(&files::core_dir(root, 0))
        .expect("list")
        .0
        .len()
}

#[test]
fn a_batch_waits_for_its_interval_then_goes_out_as_one_commit() {
    let root = tempfile::tempdir().expect("tempdir");
    let config = JournalConfig {
        commit_interval: Duration::from_millis(5),
        ..JournalConfig::default()
    };
    let mut j = open(root.path(), config);
    let t0 = Instant::now();
    let seqs: Vec<Seq> = (0..10)
        .map(|i| j.append_fcnt_up(k(1), i).expect("append"))
        .collect();
    assert_eq!(seqs.first(), Some(&Seq(1)));
    assert_eq!(j.last_seq(), Seq(10));
    assert_eq!(j.poll(t0).expect("poll"), Seq(0), "batch too young");
    assert_eq!(j.next_deadline(), Some(t0 + Duration::from_millis(5)));
    assert!(j.is_pending());
    j.poll(t0 + Duration::from_millis(5)).expect("poll");
    assert!(j.is_pending(), "in flight");
    assert_eq!(j.flush().expect("flush"), Seq(10));
    assert!(!j.is_pending());
    assert_eq!(j.stats.commits, 1, "ten records, one fdatasync");
    assert_eq!(j.stats.appends, 10);
    let r = recover(root.path()).expect("recover");
    assert_eq!(r.sessions[&k(1)].fcnt_up, Some(9));
}

#[test]
fn a_full_batch_goes_out_whatever_its_age() {
    let root = tempfile::tempdir().expect("tempdir");
    let config = JournalConfig {
        commit_interval: Duration::from_secs(3600),
        max_batch_bytes: 100,
        ..JournalConfig::default()
    };
    let mut j = open(root.path(), config);
    let now = Instant::now();
    for i in 0..4 {
        j.append_fcnt_up(k(1), i).expect("append");
    }
    j.poll(now).expect("poll");
    assert!(j.in_flight.is_some(), "4 x 26 bytes >= 100");
}

#[test]
fn segments_roll_over_and_recovery_reads_them_all() {
    let root = tempfile::tempdir().expect("tempdir");
    let config = JournalConfig {
        segment_bytes: 200,
        ..JournalConfig::default()
    };
    let mut j = open(root.path(), config);
    for i in 0..40u32 {
        j.append_fcnt_up(k(i % 4), i).expect("append");
        j.flush().expect("flush");
    }
    assert!(j.stats.segments > 3, "{} segments", j.stats.segments);
    assert_eq!(segments(root.path()) as u64, j.stats.segments);
    let r = recover(root.path()).expect("recover");
    for s in 0..4 {
        assert_eq!(r.sessions[&k(s)].fcnt_up, Some(36 + s));
    }
}

#[test]
fn checkpoint_drops_old_segments_and_recovery_matches_the_journal() {
    let root = tempfile::tempdir().expect("tempdir");
    let config = JournalConfig {
        segment_bytes: 300,
        checkpoint_bytes: 1000,
        ..JournalConfig::default()
    };
    let mut j = open(root.path(), config);
    let mac = [7u8; 12];
    for i in 0..100u32 {
        j.append_fcnt_up(k(i % 10), i).expect("append");
        if i % 7 == 0 {
            j.append(k(i % 10), Change::MacState(&mac[..(i % 12) as usize]))
                .expect("mac");
        }
        if i % 9 == 0 {
            j.append(k(i % 10), Change::NFCntDownLimit(i * 64))
                .expect("lease");
        }
        j.flush().expect("flush");
    }
    j.append(k(3), Change::Remove).expect("remove");
    j.append_fcnt_up(k(4), 1000).expect("append");
    assert!(j.wants_checkpoint());
    let before = segments(root.path());
    // The last two records are still in the batch: the snapshot holds them already.
    let removed = j.checkpoint().expect("checkpoint");
    assert!(removed + 1 >= before, "removed {removed} of {before}");
    assert!(!j.wants_checkpoint());
    j.append_fcnt_up(k(5), 2000).expect("append");
    j.flush().expect("flush");
    let r = recover(root.path()).expect("recover");
    assert_eq!(r.sessions, j.states);
    assert_eq!(r.sessions.get(&k(3)), None);
    assert_eq!(r.sessions[&k(5)].fcnt_up, Some(2000));
    assert!(
        r.stats.files <= 3,
        "snapshot + tail, read {} files",
        r.stats.files
    );
}

#[test]
fn reopening_continues_above_every_number_and_keeps_the_seed() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut j = open(root.path(), JournalConfig::default());
    j.append_fcnt_up(k(1), 5).expect("append");
    j.flush().expect("flush");
    let first = j.segment;
    drop(j);
    let seed = recover(root.path()).expect("recover").sessions;
    let mut j = Journal::open(root.path(), 0, JournalConfig::default(), seed).expect("reopen");
    assert!(j.segment > first);
    assert_eq!(j.state(&k(1)).and_then(|s| s.fcnt_up), Some(5));
    j.checkpoint().expect("checkpoint");
    let r = recover(root.path()).expect("recover");
    assert_eq!(
        r.sessions[&k(1)].fcnt_up,
        Some(5),
        "the seed went into the snapshot"
    );
}

#[test]
fn downlink_counters_wait_for_a_durable_lease() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut j = open(root.path(), JournalConfig::default());
    let mut lease = j.n_fcnt_down_lease(&k(1), 0);
    let Take::Wait(seq) = j.take_n_fcnt_down(k(1), &mut lease).expect("take") else {
        panic!("a new session has no durable lease");
    };
    assert!(j.flush().expect("flush") >= seq);
    assert_eq!(
        j.take_n_fcnt_down(k(1), &mut lease).expect("take"),
        Take::Ready(0)
    );
    let mut a = j.a_fcnt_down_lease(&k(1), 10);
    assert!(matches!(
        j.take_a_fcnt_down(k(1), &mut a).expect("take"),
        Take::Wait(_)
    ));
    j.flush().expect("flush");
    assert_eq!(
        j.take_a_fcnt_down(k(1), &mut a).expect("take"),
        Take::Ready(10)
    );
    let r = recover(root.path()).expect("recover");
    assert_eq!(r.sessions[&k(1)].n_fcnt_down_limit, 64);
    assert_eq!(r.sessions[&k(1)].a_fcnt_down_limit, 74);
    // A lease resumed from the journal starts at the recorded limit.
    assert_eq!(j.n_fcnt_down_lease(&k(1), 1).next_value(), 64);
}

#[test]
fn an_oversized_mac_state_appends_nothing() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut j = open(root.path(), JournalConfig::default());
    let big = vec![0; MAX_MAC_STATE + 1];
    assert!(matches!(
        j.append(k(1), Change::MacState(&big)),
        Err(JournalError::Encode(_))
    ));
    assert_eq!(j.last_seq(), Seq(0));
    assert!(!j.is_pending());
    assert_eq!(j.sessions(), 0);
}
