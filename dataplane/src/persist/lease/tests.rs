//! Lease arithmetic against a model journal: values handed out stay below a durable limit, and
//! after a crash at any point the resumed lease starts above every value handed out before.

use super::*;
use proptest::prelude::*;
use std::convert::Infallible;

/// A journal reduced to what leases need: appended limits, how many are durable.
#[derive(Default)]
struct ModelJournal {
    /// Limits appended in this process; `appended[i]` has sequence number `i + 1`.
    appended: Vec<u32>,
    durable: usize,
}

impl ModelJournal {
    fn seq(&self) -> Seq {
        Seq(self.durable as u64)
    }
    fn append(&mut self, limit: u32) -> Result<Seq, Infallible> {
        self.appended.push(limit);
        Ok(Seq(self.appended.len() as u64))
    }
    fn durable_limit(&self, base: u32) -> u32 {
        self.appended[..self.durable]
            .iter()
            .copied()
            .fold(base, u32::max)
    }
}

fn take(lease: &mut DownlinkCounterLease, j: &mut ModelJournal) -> Take {
    let durable = j.seq();
    match lease.take(durable, |l| j.append(l)) {
        Ok(t) => t,
        Err(e) => match e {},
    }
}

#[test]
fn first_value_waits_for_the_first_block() {
    let mut j = ModelJournal::default();
    let mut lease = DownlinkCounterLease::resume(0, 0, 64);
    assert_eq!(take(&mut lease, &mut j), Take::Wait(Seq(1)));
    assert_eq!(
        take(&mut lease, &mut j),
        Take::Wait(Seq(1)),
        "no second record"
    );
    assert_eq!(j.appended, [64]);
    j.durable = 1;
    assert_eq!(take(&mut lease, &mut j), Take::Ready(0));
    assert_eq!(lease.durable_limit(), 64);
}

#[test]
fn renews_at_half_a_block_and_never_stalls_under_a_steady_sync() {
    let mut j = ModelJournal::default();
    let mut lease = DownlinkCounterLease::resume(0, 0, 64);
    assert_eq!(take(&mut lease, &mut j), Take::Wait(Seq(1)));
    j.durable = 1;
    for want in 0..32 {
        assert_eq!(take(&mut lease, &mut j), Take::Ready(want));
    }
    assert_eq!(j.appended, [64], "32 left of 64: no renewal yet");
    assert_eq!(take(&mut lease, &mut j), Take::Ready(32));
    assert_eq!(j.appended, [64, 97], "31 left: renew to next + block");
    j.durable = 2;
    for want in 33..1000 {
        assert_eq!(take(&mut lease, &mut j), Take::Ready(want));
        j.durable = j.appended.len();
    }
    assert!(
        j.appended.len() < 1000 / 32 + 2,
        "about one record per half block"
    );
}

#[test]
fn resumes_above_the_session_counter_and_the_recovered_limit() {
    let cases: [(&str, u32, u32, u32); 3] = [
        ("recovered limit ahead", 3, 128, 128),
        ("session counter ahead", 200, 128, 200),
        ("new session", 0, 0, 0),
    ];
    for (name, next, limit, want) in cases {
        assert_eq!(
            DownlinkCounterLease::resume(next, limit, 64).next_value(),
            want,
            "{name}"
        );
    }
}

#[test]
fn counter_space_runs_out_without_wrapping() {
    let mut j = ModelJournal::default();
    let mut lease = DownlinkCounterLease::resume(u32::MAX - 2, u32::MAX - 2, 64);
    assert_eq!(take(&mut lease, &mut j), Take::Wait(Seq(1)));
    assert_eq!(j.appended, [u32::MAX]);
    j.durable = 1;
    assert_eq!(take(&mut lease, &mut j), Take::Ready(u32::MAX - 2));
    assert_eq!(take(&mut lease, &mut j), Take::Ready(u32::MAX - 1));
    assert_eq!(take(&mut lease, &mut j), Take::Exhausted);
    assert_eq!(take(&mut lease, &mut j), Take::Exhausted);
    assert_eq!(j.appended.len(), 1, "no record that cannot raise the limit");
}

#[derive(Debug, Clone)]
enum Op {
    Take,
    Sync(u8),
    /// Crash: `extra` records past the durable point happened to land too.
    Crash(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Take),
        2 => (0u8..4).prop_map(Op::Sync),
        1 => (0u8..3).prop_map(Op::Crash),
    ]
}

proptest! {
    #[test]
    fn handed_out_values_are_covered_and_never_reused_after_a_crash(
        block in 1u32..80,
        start in 0u32..1000,
        ops in proptest::collection::vec(op(), 1..300),
    ) {
        let mut base = start;
        let mut j = ModelJournal::default();
        let mut lease = DownlinkCounterLease::resume(start, start, block);
        let mut handed: Vec<u32> = Vec::new();
        for op in ops {
            match op {
                Op::Take => {
                    if let Take::Ready(v) = take(&mut lease, &mut j) {
                        prop_assert!(v < j.durable_limit(base), "{v} not below a durable limit");
                        prop_assert!(handed.last().is_none_or(|l| v > *l), "{v} reused");
                        handed.push(v);
                    }
                }
                Op::Sync(n) => j.durable = (j.durable + usize::from(n)).min(j.appended.len()),
                Op::Crash(extra) => {
                    let landed = (j.durable + usize::from(extra)).min(j.appended.len());
                    base = j.appended[..landed].iter().copied().fold(base, u32::max);
                    if let Some(max) = handed.last() {
                        prop_assert!(base > *max, "recovered {base} <= handed {max}");
                    }
                    j = ModelJournal::default();
                    lease = DownlinkCounterLease::resume(base, base, block);
                }
            }
        }
    }
}
