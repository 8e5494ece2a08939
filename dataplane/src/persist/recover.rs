//! Recovery after a restart or a crash: every core's latest snapshot and the segments from its
//! number on, replayed in file-number order across cores (numbers rise across runs, and within
//! one run the cores own disjoint sessions), into one map of session states.
//!
//! A segment ends at its first bad frame (a torn write from the crash: the tail never reported
//! durable) and everything before it is kept. A snapshot gets its name only after it was synced
//! whole, so a snapshot that does not end in a matching `SnapshotEnd` is corruption and fails
//! the recovery rather than losing counters silently.

use super::files::{self, FileKind, JournalFile};
use super::record::{Frames, Record};
use super::state::{SessionStates, apply};
use std::{
    fs, io,
    path::{Path, PathBuf},
};
use thiserror::Error;

/// Why the journal could not be recovered.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RecoverError {
    /// A file or directory could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The failure.
        source: io::Error,
    },
    /// A snapshot is incomplete or damaged.
    #[error("corrupt snapshot {0}")]
    CorruptSnapshot(PathBuf),
}

/// Figures of one recovery.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryStats {
    /// Core directories found.
    pub cores: usize,
    /// Files replayed.
    pub files: usize,
    /// Records replayed.
    pub records: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Segments that ended in a torn or corrupt frame.
    pub torn_tails: usize,
}

/// The sessions' durable state, with the figures of the recovery.
#[derive(Debug, Default)]
pub struct Recovered {
    /// State by session.
    pub sessions: SessionStates,
    /// What was read.
    pub stats: RecoveryStats,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> RecoverError + '_ {
    move |source| RecoverError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The files of one core directory that recovery replays: its latest snapshot and the
/// segments from that snapshot's number on.
pub(crate) fn live_files(dir: &Path) -> io::Result<Vec<JournalFile>> {
    let (files, _) = files::list(dir)?;
    let from = files
        .iter()
        .filter(|f| f.kind == FileKind::Snapshot)
        .map(|f| f.number)
        .max();
    Ok(files
        .into_iter()
        .filter(|f| from.is_none_or(|n| f.number >= n))
        .collect())
}

/// Recovers the sessions' state from the journals under `root` (missing: nothing yet).
pub fn recover(root: &Path) -> Result<Recovered, RecoverError> {
    let mut out = Recovered::default();
    let mut all = Vec::new();
    for (_, dir) in files::core_dirs(root).map_err(io_err(root))? {
        out.stats.cores += 1;
        all.extend(live_files(&dir).map_err(io_err(&dir))?);
    }
    all.sort();
    // 35 bytes or more a session in a snapshot: size the map once rather than rehashing it.
    let snapshot_bytes: u64 = all
        .iter()
        .filter(|f| f.kind == FileKind::Snapshot)
        .filter_map(|f| fs::metadata(&f.path).ok())
        .map(|m| m.len())
        .sum();
    out.sessions
        .reserve(usize::try_from(snapshot_bytes / 35).unwrap_or(0));
    for file in &all {
        let bytes = fs::read(&file.path).map_err(io_err(&file.path))?;
        out.stats.files += 1;
        out.stats.bytes += bytes.len() as u64;
        replay_file(&bytes, file, &mut out)?;
    }
    Ok(out)
}

fn replay_file(bytes: &[u8], file: &JournalFile, out: &mut Recovered) -> Result<(), RecoverError> {
    let mut frames = Frames::new(bytes);
    let mut sessions = 0u64;
    let mut ended = None;
    for record in frames.by_ref() {
        out.stats.records += 1;
        match record {
            Record::Session { key, change } if ended.is_none() => {
                sessions += 1;
                apply(&mut out.sessions, key, &change);
            }
            Record::SnapshotEnd { sessions: n }
                if file.kind == FileKind::Snapshot && ended.is_none() =>
            {
                ended = Some(n);
            }
            _ => return Err(RecoverError::CorruptSnapshot(file.path.clone())),
        }
    }
    let clean = frames.stopped_by().is_none();
    match file.kind {
        FileKind::Segment => out.stats.torn_tails += usize::from(!clean),
        FileKind::Snapshot if clean && ended == Some(sessions) => {}
        FileKind::Snapshot => return Err(RecoverError::CorruptSnapshot(file.path.clone())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::record::{Change, SessionKey, SnapshotView};
    use crate::persist::state::SessionState;
    use shared::types::DevAddr;

    fn k(a: u32) -> SessionKey {
        SessionKey {
            dev_addr: DevAddr::from_u32(a),
            dev_eui: None,
        }
    }

    fn write(path: &Path, records: &[Record<'_>]) -> Vec<u8> {
        let mut buf = Vec::new();
        for r in records {
            r.encode(&mut buf).expect("encode");
        }
        fs::write(path, &buf).expect("write");
        buf
    }

    fn up(a: u32, f: u32) -> Record<'static> {
        Record::Session {
            key: k(a),
            change: Change::FCntUp(f),
        }
    }

    #[test]
    fn snapshot_then_tail_across_cores_in_number_order() {
        let root = tempfile::tempdir().expect("tempdir");
        let c0 = files::core_dir(root.path(), 0);
        let c1 = files::core_dir(root.path(), 1);
        fs::create_dir_all(&c0).expect("mkdir");
        fs::create_dir_all(&c1).expect("mkdir");
        // Core 0: an old segment the snapshot covers (its value must not come back), the
        // snapshot, then the tail.
        write(&files::segment_path(&c0, 1), &[up(1, 500), up(9, 9)]);
        let snap = Record::Session {
            key: k(1),
            change: Change::Snapshot(SnapshotView {
                fcnt_up: Some(10),
                n_fcnt_down_limit: 64,
                a_fcnt_down_limit: 0,
                mac_state: None,
            }),
        };
        write(
            &files::snapshot_paths(&c0, 2).0,
            &[snap, Record::SnapshotEnd { sessions: 1 }],
        );
        write(&files::segment_path(&c0, 2), &[up(1, 11)]);
        // Core 1 (an earlier run with another core count) had session 2 and an older view of 1.
        write(&files::segment_path(&c1, 1), &[up(2, 7), up(1, 3)]);
        let r = recover(root.path()).expect("recover");
        let want = |f| SessionState {
            fcnt_up: Some(f),
            ..Default::default()
        };
        assert_eq!(
            r.sessions
                .get(&k(1))
                .map(|s| (s.fcnt_up, s.n_fcnt_down_limit)),
            Some((Some(11), 64))
        );
        assert_eq!(r.sessions.get(&k(2)), Some(&want(7)));
        assert_eq!(r.sessions.get(&k(9)), None, "covered by the snapshot");
        assert_eq!(r.stats.cores, 2);
        assert_eq!(r.stats.files, 3);
        assert_eq!(r.stats.torn_tails, 0);
    }

    #[test]
    fn torn_segment_tail_keeps_what_came_before() {
        let root = tempfile::tempdir().expect("tempdir");
        let c0 = files::core_dir(root.path(), 0);
        fs::create_dir_all(&c0).expect("mkdir");
        let path = files::segment_path(&c0, 1);
        let buf = write(&path, &[up(1, 1), up(1, 2), up(1, 3)]);
        let frame = buf.len() / 3;
        for cut in 2 * frame + 1..buf.len() {
            fs::write(&path, &buf[..cut]).expect("write");
            let r = recover(root.path()).expect("recover");
            assert_eq!(r.sessions[&k(1)].fcnt_up, Some(2), "cut at {cut}");
            assert_eq!(r.stats.torn_tails, 1);
        }
    }

    #[test]
    fn incomplete_snapshots_fail_loudly() {
        let root = tempfile::tempdir().expect("tempdir");
        let c0 = files::core_dir(root.path(), 0);
        fs::create_dir_all(&c0).expect("mkdir");
        let path = files::snapshot_paths(&c0, 1).0;
        let cases: [(&str, Vec<Record<'_>>); 3] = [
            ("no end", vec![up(1, 1)]),
            (
                "count mismatch",
                vec![up(1, 1), Record::SnapshotEnd { sessions: 2 }],
            ),
            (
                "record after end",
                vec![Record::SnapshotEnd { sessions: 0 }, up(1, 1)],
            ),
        ];
        for (name, records) in cases {
            write(&path, &records);
            assert!(
                matches!(recover(root.path()), Err(RecoverError::CorruptSnapshot(_))),
                "{name}"
            );
        }
    }

    #[test]
    fn missing_root_is_empty() {
        let root = tempfile::tempdir().expect("tempdir");
        let r = recover(&root.path().join("nothing")).expect("recover");
        assert!(r.sessions.is_empty());
    }
}
