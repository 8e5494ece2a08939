//! [`Journal`]: one core's group commit (design.md "Durability"). Records are appended to an
//! in-memory batch and numbered; [`Journal::poll`] sends the batch out as one io_uring write
//! linked to an `fdatasync` ([`FileLog`]) once the batch is [`JournalConfig::commit_interval`]
//! old or [`JournalConfig::max_batch_bytes`] big, and reports how far records are durable, so
//! the caller releases what waited on them (an uplink's event after its FCntUp, a downlink after
//! its counter lease). One batch is in flight at a time; what arrives meanwhile forms the next.
//!
//! The journal also keeps every session's current state (what recovery would rebuild), the seed
//! of the snapshots that let old segments go (`checkpoint`).
//!
//! Segments roll over at [`JournalConfig::segment_bytes`]: creating one and syncing its
//! directory is a blocking call on the core, once per segment.

use super::files::{self, sync_dir};
use super::lease::{DownlinkCounterLease, Take};
use super::record::{Change, EncodeError, Record, SessionKey};
use super::state::{SessionState, SessionStates, apply};
use crate::runtime::file_log::FileLog;
use std::{
    fs::{File, OpenOptions},
    io,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};
use thiserror::Error;

/// A record's place in its journal: records up to [`Journal::durable_seq`] are on disk. `Seq(0)`
/// comes before every record; numbers start again at each open.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seq(pub u64);

/// Settings of one core's journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalConfig {
    /// A batch goes out once its oldest record is this old (group commit).
    pub commit_interval: Duration,
    /// A batch goes out once it is this big, whatever its age.
    pub max_batch_bytes: usize,
    /// A new segment starts once the current one is this big.
    pub segment_bytes: u64,
    /// Downlink counter values granted per lease record.
    pub lease_block: u32,
    /// [`Journal::wants_checkpoint`] once this many bytes were written since the last snapshot.
    pub checkpoint_bytes: u64,
}

impl Default for JournalConfig {
    fn default() -> Self {
        Self {
            commit_interval: Duration::from_millis(1),
            max_batch_bytes: 256 << 10,
            segment_bytes: 64 << 20,
            lease_block: 64,
            checkpoint_bytes: 256 << 20,
        }
    }
}

/// Why a journal operation failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The record cannot be encoded (nothing was appended).
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// A file operation failed; the journal refuses further work (after a failed `fdatasync`
    /// nothing past the last durable record can be trusted): restart and recover.
    #[error("journal {op} failed: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The failure.
        source: io::Error,
    },
    /// An earlier I/O failure stopped the journal.
    #[error("journal stopped after an I/O failure")]
    Failed,
    /// A checkpoint is already under way.
    #[error("a checkpoint is already under way")]
    CheckpointBusy,
}

/// Counters of one journal.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct JournalStats {
    /// Records appended.
    pub appends: u64,
    /// Batches written and synced (one `fdatasync` each).
    pub commits: u64,
    /// Bytes made durable.
    pub bytes: u64,
    /// Segments created.
    pub segments: u64,
    /// Snapshots completed.
    pub checkpoints: u64,
}

/// One core's journal of session counters and MAC state.
pub struct Journal {
    pub(super) dir: PathBuf,
    config: JournalConfig,
    log: FileLog,
    batch: Vec<u8>,
    spare: Vec<u8>,
    batch_since: Option<Instant>,
    last_seq: u64,
    in_flight: Option<(Seq, u64)>,
    durable: Seq,
    pub(super) segment: u64,
    offset: u64,
    /// A snapshot reserved this number: the next batch opens segment `number`.
    pub(super) rotate_to: Option<u64>,
    pub(super) states: SessionStates,
    pub(super) bytes_since_checkpoint: u64,
    /// The number of the snapshot under way.
    pub(super) checkpointing: Option<u64>,
    failed: bool,
    /// This journal's counters.
    pub stats: JournalStats,
}

fn io_err(op: &'static str) -> impl FnOnce(io::Error) -> JournalError {
    move |source| JournalError::Io { op, source }
}

fn create_segment(dir: &Path, number: u64) -> io::Result<File> {
    let file = OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(files::segment_path(dir, number))?;
    sync_dir(dir)?;
    Ok(file)
}

impl Journal {
    /// Opens core `core`'s journal under `root` in a new segment, numbered above every file
    /// there. `seed` is the recovered state of the sessions this core owns.
    pub fn open(
        root: &Path,
        core: usize,
        config: JournalConfig,
        seed: SessionStates,
    ) -> Result<Self, JournalError> {
        let dir = files::core_dir(root, core);
        std::fs::create_dir_all(&dir).map_err(io_err("create directory"))?;
        sync_dir(root).map_err(io_err("sync directory"))?;
        let segment = files::max_number(root).map_err(io_err("list files"))? + 1;
        let file = create_segment(&dir, segment).map_err(io_err("create segment"))?;
        let log = FileLog::new(file).map_err(io_err("set up io_uring"))?;
        Ok(Self {
            dir,
            config,
            log,
            batch: Vec::with_capacity(config.max_batch_bytes),
            spare: Vec::with_capacity(config.max_batch_bytes),
            batch_since: None,
            last_seq: 0,
            in_flight: None,
            durable: Seq(0),
            segment,
            offset: 0,
            rotate_to: None,
            states: seed,
            bytes_since_checkpoint: 0,
            checkpointing: None,
            failed: false,
            stats: JournalStats {
                segments: 1,
                ..JournalStats::default()
            },
        })
    }

    /// The settings.
    pub fn config(&self) -> &JournalConfig {
        &self.config
    }

    /// Appends a record about `key` to the batch; it is durable once [`durable_seq`]
    /// (Self::durable_seq) reaches the returned number.
    pub fn append(&mut self, key: SessionKey, change: Change<'_>) -> Result<Seq, JournalError> {
        if self.failed {
            return Err(JournalError::Failed);
        }
        Record::Session { key, change }.encode(&mut self.batch)?;
        apply(&mut self.states, key, &change);
        self.last_seq += 1;
        self.stats.appends += 1;
        Ok(Seq(self.last_seq))
    }

    /// Records an accepted uplink's FCntUp; hold the uplink's event until this is durable.
    pub fn append_fcnt_up(&mut self, key: SessionKey, fcnt_up: u32) -> Result<Seq, JournalError> {
        self.append(key, Change::FCntUp(fcnt_up))
    }

    /// Records are durable up to here.
    pub fn durable_seq(&self) -> Seq {
        self.durable
    }

    /// The last record appended.
    pub fn last_seq(&self) -> Seq {
        Seq(self.last_seq)
    }

    /// Whether records wait to be written or a batch is in flight: poll again next loop turn.
    pub fn is_pending(&self) -> bool {
        self.in_flight.is_some() || !self.batch.is_empty()
    }

    /// When the batch waiting will be due (its age reaches the commit interval), if one waits
    /// and was seen by [`poll`](Self::poll).
    pub fn next_deadline(&self) -> Option<Instant> {
        self.batch_since.map(|t| t + self.config.commit_interval)
    }

    /// The state of a session as journaled (appended, not necessarily durable yet).
    pub fn state(&self, key: &SessionKey) -> Option<&SessionState> {
        self.states.get(key)
    }

    /// Sessions journaled by this core.
    pub fn sessions(&self) -> usize {
        self.states.len()
    }

    /// A lease for `key`'s NFCntDown resuming at `next` (the session's own counter).
    pub fn n_fcnt_down_lease(&self, key: &SessionKey, next: u32) -> DownlinkCounterLease {
        let limit = self.state(key).map_or(0, |s| s.n_fcnt_down_limit);
        DownlinkCounterLease::resume(next, limit, self.config.lease_block)
    }

    /// A lease for `key`'s AFCntDown resuming at `next` (the session's own counter).
    pub fn a_fcnt_down_lease(&self, key: &SessionKey, next: u32) -> DownlinkCounterLease {
        let limit = self.state(key).map_or(0, |s| s.a_fcnt_down_limit);
        DownlinkCounterLease::resume(next, limit, self.config.lease_block)
    }

    /// Takes the next NFCntDown of `key` from `lease`, journaling a new block when needed.
    pub fn take_n_fcnt_down(
        &mut self,
        key: SessionKey,
        lease: &mut DownlinkCounterLease,
    ) -> Result<Take, JournalError> {
        let durable = self.durable;
        lease.take(durable, |l| self.append(key, Change::NFCntDownLimit(l)))
    }

    /// Takes the next AFCntDown of `key` from `lease`, journaling a new block when needed.
    pub fn take_a_fcnt_down(
        &mut self,
        key: SessionKey,
        lease: &mut DownlinkCounterLease,
    ) -> Result<Take, JournalError> {
        let durable = self.durable;
        lease.take(durable, |l| self.append(key, Change::AFCntDownLimit(l)))
    }

    /// Reaps the batch in flight and sends the next one when due. Returns the durable sequence
    /// number. Call every loop turn while [`is_pending`](Self::is_pending).
    pub fn poll(&mut self, now: Instant) -> Result<Seq, JournalError> {
        if self.failed {
            return Err(JournalError::Failed);
        }
        if self.in_flight.is_some() {
            let done = self.log.poll();
            self.reaped(done)?;
        }
        if self.in_flight.is_none() && !self.batch.is_empty() {
            let since = *self.batch_since.get_or_insert(now);
            let due = now.saturating_duration_since(since) >= self.config.commit_interval
                || self.batch.len() >= self.config.max_batch_bytes;
            if due {
                self.submit()?;
            }
        }
        Ok(self.durable)
    }

    /// Writes and syncs everything appended so far, blocking; returns the durable sequence
    /// number (then [`last_seq`](Self::last_seq)).
    pub fn flush(&mut self) -> Result<Seq, JournalError> {
        if self.failed {
            return Err(JournalError::Failed);
        }
        loop {
            if self.in_flight.is_some() {
                let done = self.log.wait();
                self.reaped(done)?;
            }
            if self.batch.is_empty() {
                return Ok(self.durable);
            }
            self.submit()?;
        }
    }

    fn reaped(&mut self, done: io::Result<Option<Vec<u8>>>) -> Result<(), JournalError> {
        match done {
            Ok(Some(buf)) => {
                if let Some((seq, len)) = self.in_flight.take() {
                    self.durable = seq;
                    self.offset += len;
                    self.bytes_since_checkpoint += len;
                    self.stats.commits += 1;
                    self.stats.bytes += len;
                }
                self.spare = buf;
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => {
                self.failed = true;
                Err(JournalError::Io {
                    op: "write",
                    source: e,
                })
            }
        }
    }

    fn submit(&mut self) -> Result<(), JournalError> {
        let rotate = self
            .rotate_to
            .take()
            .or_else(|| (self.offset >= self.config.segment_bytes).then_some(self.segment + 1));
        if let Some(number) = rotate {
            let file = create_segment(&self.dir, number).map_err(|e| {
                self.failed = true;
                JournalError::Io {
                    op: "create segment",
                    source: e,
                }
            })?;
            self.log.set_file(file).map_err(io_err("switch segment"))?;
            self.segment = number;
            self.offset = 0;
            self.stats.segments += 1;
        }
        let buf = std::mem::replace(&mut self.batch, std::mem::take(&mut self.spare));
        let len = buf.len() as u64;
        self.log.start(buf, self.offset).map_err(|e| {
            self.failed = true;
            JournalError::Io {
                op: "submit",
                source: e,
            }
        })?;
        self.in_flight = Some((Seq(self.last_seq), len));
        self.batch_since = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
