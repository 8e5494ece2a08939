//! A provided-buffer ring (`IORING_REGISTER_PBUF_RING`, Linux 5.19+): the kernel picks a free
//! buffer for each received datagram, so one multishot receive serves many packets with no
//! per-packet submission. Buffers return to the ring once their datagram is handled.

use io_uring::{Submitter, types::BufRingEntry};
use std::{
    alloc::{Layout, alloc_zeroed, dealloc},
    io,
    sync::atomic::{AtomicU16, Ordering},
};

/// A ring of `entries` receive buffers of `buf_len` bytes each, registered under group `bgid`.
pub struct BufRing {
    ring: *mut BufRingEntry,
    ring_layout: Layout,
    bufs: *mut u8,
    bufs_layout: Layout,
    buf_len: usize,
    mask: u16,
    tail: u16,
    bgid: u16,
}

impl BufRing {
    /// Allocates the ring and its buffers and hands every buffer to the ring (not yet registered).
    /// `entries` must be a power of two no larger than 32768.
    pub fn new(entries: u16, buf_len: usize, bgid: u16) -> io::Result<Self> {
        if !entries.is_power_of_two() || entries > 32768 || buf_len == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "buffer ring size",
            ));
        }
        let n = entries as usize;
        let ring_layout = Layout::from_size_align(n * size_of::<BufRingEntry>(), 4096)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "ring layout"))?;
        let bufs_layout = Layout::from_size_align(n * buf_len, 64)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "buffer layout"))?;
        // SAFETY: both layouts have non-zero size (n >= 1, buf_len >= 1).
        let (ring, bufs) = unsafe { (alloc_zeroed(ring_layout), alloc_zeroed(bufs_layout)) };
        if ring.is_null() || bufs.is_null() {
            return Err(io::Error::new(io::ErrorKind::OutOfMemory, "buffer ring"));
        }
        let mut me = Self {
            ring: ring.cast(),
            ring_layout,
            bufs,
            bufs_layout,
            buf_len,
            mask: entries - 1,
            tail: 0,
            bgid,
        };
        for bid in 0..entries {
            me.push(bid);
        }
        me.publish();
        Ok(me)
    }

    /// Registers the ring with `submitter`'s io_uring.
    pub fn register(&self, submitter: &Submitter<'_>) -> io::Result<()> {
        let entries = self.mask as u32 + 1;
        // SAFETY: the ring memory is page-aligned, holds `entries` initialised entries and lives
        // as long as `self`; the owner unregisters (or drops the io_uring) before dropping it.
        unsafe {
            submitter.register_buf_ring_with_flags(self.ring as u64, entries as u16, self.bgid, 0)
        }
    }

    /// The buffer group id receives should select from.
    pub fn bgid(&self) -> u16 {
        self.bgid
    }

    /// Size of each buffer in bytes.
    pub fn buf_len(&self) -> usize {
        self.buf_len
    }

    /// The first `len` bytes of buffer `bid`, which the kernel handed over in a completion.
    pub fn buffer(&self, bid: u16, len: usize) -> &[u8] {
        let bid = (bid & self.mask) as usize;
        let len = len.min(self.buf_len);
        // SAFETY: `bid` is masked into range, so the slice lies inside the allocation; the kernel
        // gave this buffer to userspace in a completion and will not write it until `recycle`.
        unsafe { std::slice::from_raw_parts(self.bufs.add(bid * self.buf_len), len) }
    }

    /// Gives buffer `bid` back to the kernel.
    pub fn recycle(&mut self, bid: u16) {
        self.push(bid & self.mask);
        self.publish();
    }

    fn push(&mut self, bid: u16) {
        let idx = (self.tail & self.mask) as usize;
        // SAFETY: `idx` is within the ring's `mask + 1` entries.
        let entry = unsafe { &mut *self.ring.add(idx) };
        // SAFETY: `bid` is in range, so the address lies inside the buffer allocation.
        entry.set_addr(unsafe { self.bufs.add(bid as usize * self.buf_len) } as u64);
        entry.set_len(self.buf_len as u32);
        entry.set_bid(bid);
        self.tail = self.tail.wrapping_add(1);
    }

    fn publish(&self) {
        // SAFETY: `ring` is the first entry of the ring, whose `resv` field is the shared tail;
        // it is 2-byte aligned and the kernel only reads it.
        let tail = unsafe { AtomicU16::from_ptr(BufRingEntry::tail(self.ring).cast_mut()) };
        tail.store(self.tail, Ordering::Release);
    }
}

impl Drop for BufRing {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with exactly these layouts.
        unsafe {
            dealloc(self.ring.cast(), self.ring_layout);
            dealloc(self.bufs, self.bufs_layout);
        }
    }
}
