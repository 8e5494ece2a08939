//! Checkpoints: a snapshot of every session's state a journal knows, after which the core's
//! older segments and snapshots go, so recovery reads one snapshot and a short tail.
//!
//! In three steps so the file work can leave the core: [`Journal::start_checkpoint`] reserves
//! the snapshot's number `N` (the next batch opens segment `N`) and encodes the state on the
//! core (about 40 bytes a session); [`CheckpointJob::run`], on any thread, writes
//! `snap-N.tmp`, syncs it, renames it to `snap-N.snap` and syncs the directory;
//! [`Journal::finish_checkpoint`] removes the core's files numbered below `N`. The snapshot
//! includes records still in the batch or in flight, which then also land in segment `N` or
//! `N - 1`: replaying them over the snapshot changes nothing (see `state`).

use super::files::{self, sync_dir};
use super::journal::{Journal, JournalError};
use super::record::{Change, Record};
use std::{
    fs::{self, OpenOptions},
    io::{self, Write},
    path::PathBuf,
};

/// A snapshot encoded and ready to be written, on any thread.
#[derive(Debug)]
pub struct CheckpointJob {
    dir: PathBuf,
    number: u64,
    bytes: Vec<u8>,
}

/// A snapshot made durable, to hand back to [`Journal::finish_checkpoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointDone {
    number: u64,
}

impl CheckpointJob {
    /// Bytes of the encoded snapshot.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the snapshot is empty (never: it holds at least its end record).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Writes, syncs and names the snapshot file (blocking).
    pub fn run(self) -> Result<CheckpointDone, JournalError> {
        let err = |op| move |source| JournalError::Io { op, source };
        let (path, tmp) = files::snapshot_paths(&self.dir, self.number);
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&tmp)
            .map_err(err("create snapshot"))?;
        file.write_all(&self.bytes).map_err(err("write snapshot"))?;
        file.sync_data().map_err(err("sync snapshot"))?;
        drop(file);
        fs::rename(&tmp, &path).map_err(err("name snapshot"))?;
        sync_dir(&self.dir).map_err(err("sync directory"))?;
        Ok(CheckpointDone {
            number: self.number,
        })
    }
}

impl Journal {
    /// Whether enough was written since the last snapshot to take another.
    pub fn wants_checkpoint(&self) -> bool {
        self.checkpointing.is_none()
            && self.bytes_since_checkpoint >= self.config().checkpoint_bytes
    }

    /// Reserves the next file number for a snapshot and encodes every session's state into it.
    pub fn start_checkpoint(&mut self) -> Result<CheckpointJob, JournalError> {
        if self.checkpointing.is_some() {
            return Err(JournalError::CheckpointBusy);
        }
        let number = self.segment + 1;
        let mut bytes = Vec::with_capacity(self.states.len() * 40 + 32);
        for (key, state) in &self.states {
            Record::Session {
                key: *key,
                change: Change::Snapshot(state.view()),
            }
            .encode(&mut bytes)?;
        }
        Record::SnapshotEnd {
            sessions: self.states.len() as u64,
        }
        .encode(&mut bytes)?;
        self.rotate_to = Some(number);
        self.checkpointing = Some(number);
        self.bytes_since_checkpoint = 0;
        Ok(CheckpointJob {
            dir: self.dir.clone(),
            number,
            bytes,
        })
    }

    /// Removes this core's files that the snapshot `done` covers; returns how many went.
    pub fn finish_checkpoint(&mut self, done: CheckpointDone) -> Result<usize, JournalError> {
        if self.checkpointing == Some(done.number) {
            self.checkpointing = None;
        }
        self.stats.checkpoints += 1;
        let (old, temps) = files::list(&self.dir).map_err(|source| JournalError::Io {
            op: "list files",
            source,
        })?;
        let mut removed = 0;
        let doomed = old
            .into_iter()
            .filter(|f| f.number < done.number)
            .map(|f| f.path)
            .chain(temps);
        for path in doomed {
            match fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(JournalError::Io {
                        op: "remove old file",
                        source,
                    });
                }
            }
        }
        Ok(removed)
    }

    /// Forgets a checkpoint whose job failed, so another can start.
    pub fn abort_checkpoint(&mut self) {
        self.checkpointing = None;
    }

    /// Takes a snapshot on this thread (blocking) and removes what it covers.
    pub fn checkpoint(&mut self) -> Result<usize, JournalError> {
        let done = self.start_checkpoint()?.run();
        match done {
            Ok(done) => self.finish_checkpoint(done),
            Err(e) => {
                self.abort_checkpoint();
                Err(e)
            }
        }
    }
}
