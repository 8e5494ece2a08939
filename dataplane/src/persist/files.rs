//! Where journal files live: `<root>/core-<n>/` per core, holding segments `seg-<N>.log` and
//! snapshots `snap-<N>.snap` (written as `snap-<N>.tmp`, synced, then renamed), `N` as 16 hex
//! digits. Numbers order records across cores and runs: a journal opens its first segment one
//! above the highest number under the root, and a snapshot numbered `N` holds everything its
//! core wrote before segment `N`.

use std::{
    fs::{self, File},
    io,
    path::{Path, PathBuf},
};

/// What a journal file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FileKind {
    /// A snapshot (sorts before the segment of the same number).
    Snapshot,
    /// A log segment.
    Segment,
}

/// A journal file found in a core directory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct JournalFile {
    pub number: u64,
    pub kind: FileKind,
    pub path: PathBuf,
}

/// The directory of `core` under `root`.
pub(crate) fn core_dir(root: &Path, core: usize) -> PathBuf {
    root.join(format!("core-{core}"))
}

/// The path of segment `number` in `dir`.
pub(crate) fn segment_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("seg-{number:016x}.log"))
}

/// The final and temporary paths of snapshot `number` in `dir`.
pub(crate) fn snapshot_paths(dir: &Path, number: u64) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("snap-{number:016x}.snap")),
        dir.join(format!("snap-{number:016x}.tmp")),
    )
}

fn parse_name(name: &str) -> Option<(u64, Option<FileKind>)> {
    let (stem, kind) = if let Some(s) = name.strip_prefix("seg-") {
        (s.strip_suffix(".log")?, Some(FileKind::Segment))
    } else {
        let s = name.strip_prefix("snap-")?;
        match s.strip_suffix(".snap") {
            Some(s) => (s, Some(FileKind::Snapshot)),
            None => (s.strip_suffix(".tmp")?, None),
        }
    };
    if stem.len() != 16 {
        return None;
    }
    Some((u64::from_str_radix(stem, 16).ok()?, kind))
}

/// The journal files in `dir`, in number order (snapshot before segment); leftover temporary
/// snapshots are returned apart. A missing directory has none.
pub(crate) fn list(dir: &Path) -> io::Result<(Vec<JournalFile>, Vec<PathBuf>)> {
    let mut files = Vec::new();
    let mut temps = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((files, temps)),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        match parse_name(&name) {
            Some((number, Some(kind))) => files.push(JournalFile {
                number,
                kind,
                path: entry.path(),
            }),
            Some((_, None)) => temps.push(entry.path()),
            None => {}
        }
    }
    files.sort();
    Ok((files, temps))
}

/// The core directories under `root` (`core-<n>`), in core order; none when `root` is missing.
pub(crate) fn core_dirs(root: &Path) -> io::Result<Vec<(usize, PathBuf)>> {
    let mut dirs = Vec::new();
    let entries = match fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(dirs),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let core = entry
            .file_name()
            .to_str()
            .and_then(|n| n.strip_prefix("core-"))
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(core) = core
            && entry.file_type()?.is_dir()
        {
            dirs.push((core, entry.path()));
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// The highest file number under `root`, 0 when there is none.
pub(crate) fn max_number(root: &Path) -> io::Result<u64> {
    let mut max = 0;
    for (_, dir) in core_dirs(root)? {
        let (files, _) = list(&dir)?;
        max = files.iter().map(|f| f.number).fold(max, u64::max);
    }
    Ok(max)
}

/// Makes `dir`'s entries (created, renamed files) durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        type Parsed = Option<(u64, Option<FileKind>)>;
        let cases: [(&str, Parsed); 7] = [
            (
                "seg-000000000000002a.log",
                Some((42, Some(FileKind::Segment))),
            ),
            (
                "snap-00000000000000ff.snap",
                Some((255, Some(FileKind::Snapshot))),
            ),
            ("snap-0000000000000001.tmp", Some((1, None))),
            ("seg-2a.log", None),
            ("seg-000000000000002a.snap", None),
            ("seg-00000000000000zz.log", None),
            ("other", None),
        ];
        for (name, want) in cases {
            assert_eq!(parse_name(name), want, "{name}");
        }
        let dir = Path::new("/x");
        assert!(segment_path(dir, 42).ends_with("seg-000000000000002a.log"));
    }

    #[test]
    fn listing_orders_snapshot_before_segment_and_finds_the_max() {
        let root = tempfile::tempdir().expect("tempdir");
        let c0 = core_dir(root.path(), 0);
        let c1 = core_dir(root.path(), 1);
        fs::create_dir_all(&c0).expect("mkdir");
        fs::create_dir_all(&c1).expect("mkdir");
        for p in [
            segment_path(&c0, 3),
            snapshot_paths(&c0, 3).0,
            segment_path(&c0, 2),
            snapshot_paths(&c0, 4).1,
            segment_path(&c1, 9),
        ] {
            File::create(p).expect("create");
        }
        let (files, temps) = list(&c0).expect("list");
        let got: Vec<_> = files.iter().map(|f| (f.number, f.kind)).collect();
        assert_eq!(
            got,
            [
                (2, FileKind::Segment),
                (3, FileKind::Snapshot),
                (3, FileKind::Segment)
            ]
        );
        assert_eq!(temps.len(), 1);
        assert_eq!(max_number(root.path()).expect("max"), 9);
        assert_eq!(core_dirs(root.path()).expect("dirs").len(), 2);
        assert_eq!(max_number(&root.path().join("none")).expect("max"), 0);
    }
}
