//! An append-only file written through its own small io_uring: one batch at a time goes out as a
//! `write` linked (`IOSQE_IO_LINK`) to an `fsync(IORING_FSYNC_DATASYNC)`, so the data sync starts
//! in the kernel as soon as the write lands, with no round trip through this thread between the
//! two. The batch's buffer moves into [`FileLog`] for the duration (the kernel reads it) and comes
//! back once the batch is durable, as monoio hands buffers back with their result.
//!
//! A short write severs the link (the sync completes with `ECANCELED`); the rest of the batch is
//! then written and synced again. A failed data sync is final: after an `fsync` error the page
//! cache may have dropped the dirty pages (PostgreSQL's "fsyncgate"), so retrying could report
//! durable data that is not; the caller must stop and recover from the files.

use io_uring::{IoUring, opcode, squeue, types};
use std::{fs::File, io, os::fd::AsRawFd};

const UD_WRITE: u64 = 1;
const UD_SYNC: u64 = 2;

/// One batch in the kernel's hands.
struct Flight {
    buf: Vec<u8>,
    /// Bytes of `buf` known written.
    written: usize,
    /// File offset of `buf[0]`.
    offset: u64,
    /// Completions still expected for the submitted write + sync pair.
    pending: u8,
    /// Whether the sync of the submitted pair succeeded.
    synced: bool,
    /// First error seen on the pair.
    error: Option<io::Error>,
}

/// Counters of one [`FileLog`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FileLogStats {
    /// Write submissions (a short write adds one).
    pub writes: u64,
    /// Data syncs that completed successfully.
    pub syncs: u64,
    /// Bytes made durable.
    pub bytes: u64,
}

/// An append-only file with at most one write + data sync in flight.
pub struct FileLog {
    // Field order is drop order: the ring goes before the buffer it may still reference.
    ring: IoUring,
    flight: Option<Flight>,
    file: File,
    /// This log's counters.
    pub stats: FileLogStats,
}

impl FileLog {
    /// Drives `file` (opened for writing) through a new ring.
    pub fn new(file: File) -> io::Result<Self> {
        let ring = IoUring::builder()
            .setup_single_issuer()
            .build(8)
            .or_else(|_| IoUring::new(8))?;
        Ok(Self {
            ring,
            flight: None,
            file,
            stats: FileLogStats::default(),
        })
    }

    /// Whether a batch is in flight.
    pub fn is_busy(&self) -> bool {
        self.flight.is_some()
    }

    /// Replaces the file (a new segment); refused while a batch is in flight.
    pub fn set_file(&mut self, file: File) -> io::Result<()> {
        if self.is_busy() {
            return Err(io::Error::other("file log busy"));
        }
        self.file = file;
        Ok(())
    }

    /// Starts writing `buf` at `offset` and syncing it; refused while a batch is in flight or
    /// for an empty buffer.
    pub fn start(&mut self, buf: Vec<u8>, offset: u64) -> io::Result<()> {
        if self.is_busy() {
            return Err(io::Error::other("file log busy"));
        }
        if buf.is_empty() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty batch"));
        }
        self.flight = Some(Flight {
            buf,
            written: 0,
            offset,
            pending: 0,
            synced: false,
            error: None,
        });
        self.submit_rest()
    }

    /// Submits the unwritten rest of the flight as a linked write + data sync.
    fn submit_rest(&mut self) -> io::Result<()> {
        let Some(f) = self.flight.as_mut() else {
            return Ok(());
        };
        let rest = &f.buf[f.written..];
        let len = u32::try_from(rest.len()).unwrap_or(u32::MAX);
        let fd = types::Fd(self.file.as_raw_fd());
        let write = opcode::Write::new(fd, rest.as_ptr(), len)
            .offset(f.offset + f.written as u64)
            .build()
            .flags(squeue::Flags::IO_LINK)
            .user_data(UD_WRITE);
        let sync = opcode::Fsync::new(fd)
            .flags(types::FsyncFlags::DATASYNC)
            .build()
            .user_data(UD_SYNC);
        f.pending = 2;
        f.synced = false;
        let mut sq = self.ring.submission();
        // SAFETY: the write reads `rest`, which lives in `self.flight`'s buffer; that buffer is
        // neither moved nor freed until both completions of this pair are reaped (`reap`), and
        // the ring is dropped before the flight (field order). The ring has 8 entries and at
        // most this one pair is queued, so both pushes fit.
        let pushed = unsafe { sq.push_multiple(&[write, sync]) };
        drop(sq);
        if pushed.is_err() {
            self.flight = None;
            return Err(io::Error::other("submission queue full"));
        }
        self.stats.writes += 1;
        self.ring.submit()?;
        Ok(())
    }

    /// Reaps completions without blocking: `Some(buf)` (emptied, for reuse) once the batch in
    /// flight is durable, `None` while it is not (or when none is in flight).
    pub fn poll(&mut self) -> io::Result<Option<Vec<u8>>> {
        self.reap()
    }

    /// Blocks until the batch in flight is durable and returns its buffer; `None` when none is
    /// in flight.
    pub fn wait(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(buf) = self.reap()? {
                return Ok(Some(buf));
            }
            if self.flight.is_none() {
                return Ok(None);
            }
            match self.ring.submit_and_wait(1) {
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn reap(&mut self) -> io::Result<Option<Vec<u8>>> {
        let Some(f) = self.flight.as_mut() else {
            return Ok(None);
        };
        for cqe in self.ring.completion() {
            f.pending = f.pending.saturating_sub(1);
            let res = cqe.result();
            match cqe.user_data() {
                UD_WRITE if res >= 0 => f.written += res as usize,
                UD_WRITE => {
                    f.error.get_or_insert(io::Error::from_raw_os_error(-res));
                }
                // A sync cancelled by a short write is submitted again with the rest.
                UD_SYNC if res == -libc::ECANCELED => {}
                UD_SYNC if res < 0 => {
                    f.error.get_or_insert(io::Error::from_raw_os_error(-res));
                }
                _ => f.synced = true,
            }
        }
        if f.pending > 0 {
            return Ok(None);
        }
        if let Some(e) = f.error.take() {
            self.flight = None;
            return Err(e);
        }
        if f.written < f.buf.len() {
            if f.synced || f.written == 0 {
                // A write that made no progress, or a sync that ran after a short write.
                self.flight = None;
                return Err(io::Error::new(io::ErrorKind::WriteZero, "short write"));
            }
            self.submit_rest()?;
            return Ok(None);
        }
        let Some(mut f) = self.flight.take() else {
            return Ok(None);
        };
        self.stats.syncs += 1;
        self.stats.bytes += f.buf.len() as u64;
        f.buf.clear();
        Ok(Some(f.buf))
    }
}

impl Drop for FileLog {
    fn drop(&mut self) {
        // The kernel may still read the buffer: wait for the pair before the buffer is freed.
        if self.flight.is_some() {
            let _ = self.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;

    fn open(path: &std::path::Path) -> File {
        OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(path)
            .expect("open")
    }

    #[test]
    fn batches_land_at_their_offsets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        let mut log = FileLog::new(open(&path)).expect("ring");
        log.start(b"hello ".to_vec(), 0).expect("start");
        assert!(log.is_busy());
        let buf = log.wait().expect("wait").expect("buffer back");
        assert!(buf.is_empty(), "buffer comes back emptied");
        let mut buf = buf;
        buf.extend_from_slice(b"world");
        log.start(buf, 6).expect("start");
        assert!(log.wait().expect("wait").is_some());
        assert_eq!(std::fs::read(&path).expect("read"), b"hello world");
        assert_eq!(log.stats.syncs, 2);
        assert_eq!(log.stats.bytes, 11);
        assert!(log.wait().expect("idle").is_none());
    }

    #[test]
    fn refuses_a_second_batch_and_empty_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut log = FileLog::new(open(&dir.path().join("log"))).expect("ring");
        assert!(log.start(Vec::new(), 0).is_err());
        log.start(vec![1; 4096], 0).expect("start");
        assert!(log.start(vec![2], 4096).is_err());
        assert!(log.set_file(open(&dir.path().join("other"))).is_err());
        log.wait().expect("wait");
        log.set_file(open(&dir.path().join("other")))
            .expect("idle now");
    }

    #[test]
    fn a_read_only_file_reports_the_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        drop(open(&path));
        let ro = File::open(&path).expect("open ro");
        let mut log = FileLog::new(ro).expect("ring");
        log.start(vec![1; 16], 0).expect("submitted");
        assert!(log.wait().is_err());
        assert!(!log.is_busy());
    }
}
