//! A hierarchical timer wheel for one core: O(1) insert and cancel, `poll(now)` hands back what
//! expired, `next_deadline` tells the loop how long it may sleep. It drives the per-core timers of
//! `design.md` (dedup window close, RX1/RX2 hand-off deadlines, class C queue).
//!
//! Design (after the hashed and hierarchical wheels of Varghese & Lauck, "Hashed and
//! Hierarchical Timing Wheels", SOSP 1987, in the 6-bit-per-level form tokio's `time::wheel`
//! uses): [`LEVELS`] levels of 64 slots; level `l` slot `s` holds timers whose deadline, in
//! ticks, agrees with the wheel's elapsed tick above bit `6(l+1)` and has `s` in bits
//! `6l..6l+6`. Each slot is an intrusive doubly linked list through a slab, so insert and
//! cancel are O(1) and allocation-free once the slab has grown; a 64-bit occupancy mask per
//! level finds the next non-empty slot in O(levels). When a slot of a higher level comes due its
//! timers are moved down ("cascade"); a timer moves at most `LEVELS` times.
//!
//! Time is plain microseconds on the caller's monotonic clock (no clock reads here); the tick
//! (default 1 ms) is configurable. A deadline is rounded up to a tick, so a timer never fires
//! early and at most one tick late. Deadlines beyond the wheel's span (64^6 ticks: 2.2 years at
//! 1 ms) are parked in the top level and re-placed until they are in range.

/// Levels of the wheel.
pub const LEVELS: usize = 6;
const SLOT_BITS: u32 = 6;
const SLOTS: usize = 1 << SLOT_BITS;
const SLOT_MASK: u64 = (SLOTS as u64) - 1;
/// Ticks the wheel spans.
const SPAN: u64 = 1 << (SLOT_BITS as usize * LEVELS);
const NIL: u32 = u32::MAX;
/// The list of timers already due, kept apart from the wheel.
const READY: u8 = LEVELS as u8;

/// A handle to cancel a timer; stale handles (fired or cancelled) are recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerId {
    index: u32,
    generation: u32,
}

/// A timer that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired<T> {
    /// Its handle.
    pub id: TimerId,
    /// The deadline it was set for, in microseconds.
    pub deadline_us: u64,
    /// Its value.
    pub value: T,
}

#[derive(Debug)]
struct Node<T> {
    generation: u32,
    /// `Some` while the timer is live.
    value: Option<T>,
    deadline_us: u64,
    tick: u64,
    level: u8,
    slot: u8,
    prev: u32,
    next: u32,
}

/// A hierarchical timer wheel holding values of type `T`.
#[derive(Debug)]
pub struct TimerWheel<T> {
    tick_us: u64,
    origin_us: u64,
    /// Ticks processed: every timer in the wheel is due after this tick.
    elapsed: u64,
    heads: [[u32; SLOTS]; LEVELS],
    occupied: [u64; LEVELS],
    ready_head: u32,
    ready_tail: u32,
    nodes: Vec<Node<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> TimerWheel<T> {
    /// An empty wheel whose tick is `tick_us` microseconds (at least 1), starting at `now_us`.
    pub fn new(tick_us: u64, now_us: u64) -> Self {
        Self {
            tick_us: tick_us.max(1),
            origin_us: now_us,
            elapsed: 0,
            heads: [[NIL; SLOTS]; LEVELS],
            occupied: [0; LEVELS],
            ready_head: NIL,
            ready_tail: NIL,
            nodes: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    /// Number of live timers.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no timer is live.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The tick of a deadline, rounded up so a timer never fires early.
    fn deadline_tick(&self, us: u64) -> u64 {
        us.saturating_sub(self.origin_us).div_ceil(self.tick_us)
    }

    /// The last whole tick at `now_us`.
    fn now_tick(&self, us: u64) -> u64 {
        us.saturating_sub(self.origin_us) / self.tick_us
    }

    /// Sets a timer for `deadline_us`; one already due fires at the next `poll`.
    pub fn insert(&mut self, deadline_us: u64, value: T) -> TimerId {
        let tick = self.deadline_tick(deadline_us);
        let node = Node {
            generation: 0,
            value: Some(value),
            deadline_us,
            tick,
            level: 0,
            slot: 0,
            prev: NIL,
            next: NIL,
        };
        let index = match self.free.pop() {
            Some(i) => {
                let n = &mut self.nodes[i as usize];
                let generation = n.generation.wrapping_add(1);
                *n = Node { generation, ..node };
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        self.len += 1;
        self.place(index);
        TimerId {
            index,
            generation: self.nodes[index as usize].generation,
        }
    }

    /// Cancels a live timer and returns its value; `None` if it already fired or was cancelled.
    pub fn cancel(&mut self, id: TimerId) -> Option<T> {
        let n = self.nodes.get(id.index as usize)?;
        if n.generation != id.generation || n.value.is_none() {
            return None;
        }
        self.unlink(id.index);
        self.release(id.index)
    }

    /// The deadline of the earliest live timer, in microseconds, rounded up to its tick; the
    /// loop may sleep until then. Slots are at tick resolution, so this is the start of the
    /// earliest non-empty slot and may be earlier than any timer in it (never later).
    pub fn next_deadline(&self) -> Option<u64> {
        if self.ready_head != NIL {
            return Some(self.origin_us + self.elapsed * self.tick_us);
        }
        let (_, _, tick) = self.next_slot()?;
        Some(
            self.origin_us
                .saturating_add(tick.saturating_mul(self.tick_us)),
        )
    }

    /// The next timer due by `now_us`, earliest tick first; call until `None`.
    pub fn poll(&mut self, now_us: u64) -> Option<Expired<T>> {
        let now = self.now_tick(now_us);
        loop {
            if self.ready_head != NIL {
                let index = self.ready_head;
                self.unlink(index);
                let deadline_us = self.nodes[index as usize].deadline_us;
                let generation = self.nodes[index as usize].generation;
                let value = self.release(index)?;
                return Some(Expired {
                    id: TimerId { index, generation },
                    deadline_us,
                    value,
                });
            }
            match self.next_slot() {
                Some((level, slot, tick)) if tick <= now => {
                    self.elapsed = tick;
                    self.cascade(level, slot);
                }
                _ => {
                    self.elapsed = self.elapsed.max(now);
                    return None;
                }
            }
        }
    }

    /// Every timer due by `now_us`, in tick order.
    pub fn drain_expired(&mut self, now_us: u64) -> impl Iterator<Item = Expired<T>> + '_ {
        std::iter::from_fn(move || self.poll(now_us))
    }

    /// The earliest non-empty slot: (level, slot, tick at which it comes due).
    fn next_slot(&self) -> Option<(usize, usize, u64)> {
        for level in 0..LEVELS {
            let occupied = self.occupied[level];
            if occupied == 0 {
                continue;
            }
            let shift = SLOT_BITS as usize * level;
            let slot_range = 1u64 << shift;
            let level_range = slot_range << SLOT_BITS;
            let now_slot = ((self.elapsed >> shift) & SLOT_MASK) as u32;
            let slot =
                (occupied.rotate_right(now_slot).trailing_zeros() + now_slot) as usize % SLOTS;
            let level_start = self.elapsed & !(level_range - 1);
            let mut tick = level_start + slot as u64 * slot_range;
            if tick <= self.elapsed {
                // Only a top-level slot that wrapped past the current one (a parked deadline).
                tick += level_range;
            }
            return Some((level, slot, tick));
        }
        None
    }

    /// Moves every timer of a slot that came due to where it now belongs.
    fn cascade(&mut self, level: usize, slot: usize) {
        let mut i = self.heads[level][slot];
        self.heads[level][slot] = NIL;
        self.occupied[level] &= !(1u64 << slot);
        while i != NIL {
            let next = self.nodes[i as usize].next;
            self.place(i);
            i = next;
        }
    }

    /// Links node `i` into the ready list or the slot its tick belongs to.
    fn place(&mut self, i: u32) {
        let tick = self.nodes[i as usize].tick;
        if tick <= self.elapsed {
            let n = &mut self.nodes[i as usize];
            n.level = READY;
            n.prev = self.ready_tail;
            n.next = NIL;
            match self.ready_tail {
                NIL => self.ready_head = i,
                t => self.nodes[t as usize].next = i,
            }
            self.ready_tail = i;
            return;
        }
        let placed = tick.min(self.elapsed + SPAN - 1);
        let masked = (self.elapsed ^ placed) | SLOT_MASK;
        let significant = 63 - masked.leading_zeros() as usize;
        let level = (significant / SLOT_BITS as usize).min(LEVELS - 1);
        let slot = ((placed >> (SLOT_BITS as usize * level)) & SLOT_MASK) as usize;
        let head = self.heads[level][slot];
        let n = &mut self.nodes[i as usize];
        n.level = level as u8;
        n.slot = slot as u8;
        n.prev = NIL;
        n.next = head;
        if head != NIL {
            self.nodes[head as usize].prev = i;
        }
        self.heads[level][slot] = i;
        self.occupied[level] |= 1u64 << slot;
    }

    /// Unlinks node `i` from its list.
    fn unlink(&mut self, i: u32) {
        let (level, slot, prev, next) = {
            let n = &self.nodes[i as usize];
            (n.level, n.slot as usize, n.prev, n.next)
        };
        if prev != NIL {
            self.nodes[prev as usize].next = next;
        }
        if next != NIL {
            self.nodes[next as usize].prev = prev;
        }
        if level == READY {
            if self.ready_head == i {
                self.ready_head = next;
            }
            if self.ready_tail == i {
                self.ready_tail = prev;
            }
        } else {
            let l = level as usize;
            if self.heads[l][slot] == i {
                self.heads[l][slot] = next;
                if next == NIL {
                    self.occupied[l] &= !(1u64 << slot);
                }
            }
        }
    }

    /// Frees node `i` and returns its value.
    fn release(&mut self, i: u32) -> Option<T> {
        let value = self.nodes[i as usize].value.take();
        if value.is_some() {
            self.len -= 1;
            self.free.push(i);
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn drain<T>(w: &mut TimerWheel<T>, now: u64) -> Vec<(u64, T)> {
        w.drain_expired(now)
            .map(|e| (e.deadline_us, e.value))
            .collect()
    }

    #[test]
    fn fires_at_tick_never_early_by_table() {
        // Tick 1 ms from t = 10 µs.
        let cases = [
            ("due at tick edge", 1_010, 1_009, false),
            ("due at tick edge, polled on it", 1_010, 1_010, true),
            ("mid-tick rounds up", 1_500, 1_500, false),
            ("mid-tick fires at next tick", 1_500, 2_010, true),
            ("already past", 0, 10, true),
            ("far: level 3", 300_000_000, 299_999_999, false),
            ("far: level 3 due", 300_000_000, 300_000_010, true),
        ];
        for (name, deadline, now, fired) in cases {
            let mut w = TimerWheel::new(1_000, 10);
            w.insert(deadline, name);
            assert_eq!(drain(&mut w, now).len() == 1, fired, "{name}");
            assert_eq!(w.len(), usize::from(!fired), "{name}");
        }
    }

    #[test]
    fn cancel_and_stale_handles() {
        let mut w = TimerWheel::new(1_000, 0);
        let a = w.insert(5_000, 'a');
        let b = w.insert(5_000, 'b');
        let c = w.insert(70_000_000, 'c');
        assert_eq!(w.cancel(b), Some('b'));
        assert_eq!(w.cancel(b), None, "cancelled twice");
        assert_eq!(w.cancel(c), Some('c'));
        assert_eq!(drain(&mut w, 5_000), vec![(5_000, 'a')]);
        assert_eq!(w.cancel(a), None, "already fired");
        // The freed slot is reused; the old handle must not cancel the new timer.
        let d = w.insert(9_000, 'd');
        assert_eq!(w.cancel(a), None);
        assert_ne!(a, d);
        assert_eq!(w.next_deadline(), Some(9_000));
        assert_eq!(drain(&mut w, 100_000), vec![(9_000, 'd')]);
        assert!(w.is_empty());
        assert_eq!(w.next_deadline(), None);
    }

    #[test]
    fn parks_deadlines_beyond_span() {
        let mut w = TimerWheel::new(1, 0);
        let far = SPAN * 3 + 17;
        w.insert(far, ());
        w.insert(SPAN - 1, ());
        assert_eq!(drain(&mut w, SPAN - 2).len(), 0);
        assert_eq!(drain(&mut w, SPAN - 1).len(), 1);
        assert_eq!(drain(&mut w, far - 1).len(), 0);
        assert_eq!(drain(&mut w, far).len(), 1);
    }

    #[test]
    fn crosses_level_boundaries_near_wrap() {
        // Elapsed just below a top-level boundary, deadline just above it.
        let mut w = TimerWheel::new(1, 0);
        let edge = 1u64 << 36;
        assert!(drain(&mut w, edge - 2).is_empty());
        w.insert(edge + 3, 1u8);
        assert!(drain(&mut w, edge + 2).is_empty());
        assert_eq!(drain(&mut w, edge + 3), vec![(edge + 3, 1)]);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64),
        Cancel(usize),
        Advance(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => prop_oneof![0u64..5_000, 0u64..300_000, 0u64..50_000_000].prop_map(Op::Insert),
            1 => any::<usize>().prop_map(Op::Cancel),
            3 => prop_oneof![0u64..2_000, 0u64..100_000, 0u64..20_000_000].prop_map(Op::Advance),
        ]
    }

    proptest! {
        /// Against a BTreeMap model: after each poll, exactly the live timers whose rounded-up
        /// tick is at or before `now`'s tick have fired, in non-decreasing tick order.
        #[test]
        fn matches_btreemap_model(
            tick in prop_oneof![Just(1u64), Just(1_000), Just(997)],
            start in 0u64..1_000_000,
            ops in prop::collection::vec(op(), 1..200),
        ) {
            let mut w = TimerWheel::new(tick, start);
            let mut model: BTreeMap<(u64, u64), TimerId> = BTreeMap::new();
            let mut ids: Vec<(TimerId, u64, u64)> = Vec::new();
            let mut now = start;
            let mut seq = 0u64;
            let tick_of = |d: u64| (d.saturating_sub(start)).div_ceil(tick);
            for op in ops {
                match op {
                    Op::Insert(delta) => {
                        let d = now + delta;
                        let id = w.insert(d, seq);
                        model.insert((tick_of(d), seq), id);
                        ids.push((id, tick_of(d), seq));
                        seq += 1;
                    }
                    Op::Cancel(i) if !ids.is_empty() => {
                        let (id, t, s) = ids[i % ids.len()];
                        let live = model.remove(&(t, s)).is_some();
                        prop_assert_eq!(w.cancel(id).is_some(), live);
                    }
                    Op::Cancel(_) => {}
                    Op::Advance(delta) => {
                        now += delta;
                        let now_tick = (now - start) / tick;
                        let fired: Vec<(u64, u64)> = w
                            .drain_expired(now)
                            .map(|e| (tick_of(e.deadline_us), e.value))
                            .collect();
                        let want: Vec<(u64, u64)> =
                            model.range(..(now_tick + 1, 0)).map(|(k, _)| *k).collect();
                        for k in &want {
                            model.remove(k);
                        }
                        prop_assert!(fired.windows(2).all(|p| p[0].0 <= p[1].0), "tick order");
                        let mut sorted = fired.clone();
                        sorted.sort_unstable();
                        prop_assert_eq!(sorted, want);
                    }
                }
                prop_assert_eq!(w.len(), model.len());
                if let Some(((t, _), _)) = model.iter().next() {
                    let next = w.next_deadline().unwrap();
                    prop_assert!(next <= start + t * tick, "next_deadline never late");
                }
            }
        }
    }
}
