//! The durable state of sessions, built by replaying records in journal order: counters only
//! rise within a session context (FCntUp and the lease limits take the maximum), a `Start`
//! begins a new context at zero, the MAC state is the last one written, `Remove` forgets the
//! session, and a snapshot record replaces the session's state whole.
//!
//! Replaying any suffix of a log over the state that log produced gives the same state again
//! (max and last-write are idempotent, and a `Start` or `Remove` in the suffix resets to what
//! follows it), which is what lets a snapshot taken while records are still queued overlap the
//! segment that follows it.

use super::record::{Change, SessionKey, SnapshotView};
use std::collections::HashMap;

/// What the journal knows durably about one session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionState {
    /// The highest accepted FCntUp: after a restart, only uplinks above it may be accepted.
    pub fcnt_up: Option<u32>,
    /// NFCntDown (1.0: FCntDown) values below this may have been used: resume here.
    pub n_fcnt_down_limit: u32,
    /// AFCntDown values below this may have been used: resume here.
    pub a_fcnt_down_limit: u32,
    /// The last MAC-state blob written.
    pub mac_state: Option<Box<[u8]>>,
}

impl SessionState {
    /// This state as a snapshot record's body.
    pub fn view(&self) -> SnapshotView<'_> {
        SnapshotView {
            fcnt_up: self.fcnt_up,
            n_fcnt_down_limit: self.n_fcnt_down_limit,
            a_fcnt_down_limit: self.a_fcnt_down_limit,
            mac_state: self.mac_state.as_deref(),
        }
    }

    fn from_view(v: &SnapshotView<'_>) -> Self {
        Self {
            fcnt_up: v.fcnt_up,
            n_fcnt_down_limit: v.n_fcnt_down_limit,
            a_fcnt_down_limit: v.a_fcnt_down_limit,
            mac_state: v.mac_state.map(Box::from),
        }
    }
}

/// Sessions' durable state by key. foldhash (randomly seeded) rather than SipHash: keys come
/// from the operator's own provisioning, and recovery spends its time in this map (hashing was
/// about a tenth of `recover` with SipHash, measured with `perf` on the recovery bench).
pub type SessionStates = HashMap<SessionKey, SessionState, foldhash::fast::RandomState>;

/// Applies one session record to `states`.
pub fn apply(states: &mut SessionStates, key: SessionKey, change: &Change<'_>) {
    match change {
        Change::Start => {
            states.insert(key, SessionState::default());
        }
        Change::Remove => {
            states.remove(&key);
        }
        Change::Snapshot(v) => {
            states.insert(key, SessionState::from_view(v));
        }
        Change::FCntUp(f) => {
            let s = states.entry(key).or_default();
            s.fcnt_up = Some(s.fcnt_up.map_or(*f, |old| old.max(*f)));
        }
        Change::NFCntDownLimit(l) => {
            let s = states.entry(key).or_default();
            s.n_fcnt_down_limit = s.n_fcnt_down_limit.max(*l);
        }
        Change::AFCntDownLimit(l) => {
            let s = states.entry(key).or_default();
            s.a_fcnt_down_limit = s.a_fcnt_down_limit.max(*l);
        }
        Change::MacState(m) => {
            let s = states.entry(key).or_default();
            match &mut s.mac_state {
                Some(old) if old.len() == m.len() => old.copy_from_slice(m),
                slot => *slot = Some(Box::from(*m)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::types::DevAddr;

    fn k(a: u32) -> SessionKey {
        SessionKey {
            dev_addr: DevAddr::from_u32(a),
            dev_eui: None,
        }
    }

    fn replay(log: &[(u32, Change<'_>)]) -> SessionStates {
        let mut s = SessionStates::default();
        for (key, c) in log {
            apply(&mut s, k(*key), c);
        }
        s
    }

    #[test]
    fn replay_cases() {
        let mac1 = [1u8, 2];
        let mac2 = [3u8, 4, 5];
        type Case<'a> = (&'a str, Vec<(u32, Change<'a>)>, Option<SessionState>);
        let cases: [Case<'_>; 6] = [
            (
                "counters take the maximum",
                vec![
                    (1, Change::FCntUp(5)),
                    (1, Change::FCntUp(3)),
                    (1, Change::NFCntDownLimit(64)),
                    (1, Change::NFCntDownLimit(32)),
                ],
                Some(SessionState {
                    fcnt_up: Some(5),
                    n_fcnt_down_limit: 64,
                    ..Default::default()
                }),
            ),
            (
                "start begins again at zero",
                vec![
                    (1, Change::FCntUp(900)),
                    (1, Change::AFCntDownLimit(64)),
                    (1, Change::Start),
                    (1, Change::FCntUp(1)),
                ],
                Some(SessionState {
                    fcnt_up: Some(1),
                    ..Default::default()
                }),
            ),
            (
                "mac state: last one wins",
                vec![
                    (1, Change::MacState(&mac1)),
                    (1, Change::MacState(&mac2)),
                    (1, Change::MacState(&mac1)),
                ],
                Some(SessionState {
                    mac_state: Some(Box::from(&mac1[..])),
                    ..Default::default()
                }),
            ),
            (
                "remove forgets",
                vec![(1, Change::FCntUp(5)), (1, Change::Remove)],
                None,
            ),
            (
                "snapshot replaces",
                vec![
                    (1, Change::FCntUp(5)),
                    (
                        1,
                        Change::Snapshot(SnapshotView {
                            fcnt_up: None,
                            n_fcnt_down_limit: 3,
                            a_fcnt_down_limit: 4,
                            mac_state: None,
                        }),
                    ),
                ],
                Some(SessionState {
                    n_fcnt_down_limit: 3,
                    a_fcnt_down_limit: 4,
                    ..Default::default()
                }),
            ),
            (
                "other keys untouched",
                vec![
                    (2, Change::FCntUp(5)),
                    (1, Change::FCntUp(1)),
                    (2, Change::Remove),
                ],
                Some(SessionState {
                    fcnt_up: Some(1),
                    ..Default::default()
                }),
            ),
        ];
        for (name, log, want) in cases {
            assert_eq!(replay(&log).get(&k(1)).cloned(), want, "{name}");
        }
    }

    #[test]
    fn replaying_any_suffix_again_changes_nothing() {
        let mac = [9u8];
        let log = [
            (1, Change::FCntUp(1)),
            (2, Change::MacState(&mac)),
            (1, Change::Start),
            (1, Change::FCntUp(4)),
            (2, Change::Remove),
            (2, Change::NFCntDownLimit(64)),
            (1, Change::MacState(&mac)),
            (3, Change::AFCntDownLimit(7)),
        ];
        let full = replay(&log);
        for cut in 0..log.len() {
            let mut again = full.clone();
            for (key, c) in &log[cut..] {
                apply(&mut again, k(*key), c);
            }
            assert_eq!(again, full, "suffix from {cut}");
        }
    }
}
