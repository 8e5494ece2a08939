//! Nonce rules of the join procedure: DevNonce (device side), JoinNonce (Join Server side) and
//! RJcount1 (rejoin type 1).
//!
//! - LoRaWAN 1.0.0–1.0.3 (1.0.3 §6.2.4): DevNonce is random and the server "keeps track of a
//!   certain number of DevNonce values used by the end-device in the past, and ignores join
//!   requests with any of these DevNonce values". Here that is a FIFO of the last
//!   [`DEFAULT_DEV_NONCE_HISTORY`] (256) values per device, configurable. Why 256: a 1.0.x
//!   device draws from 65,536 values, so a full history rejects a fresh random nonce with
//!   probability 256/65,536 = 0.4 % (the device simply retries with another), stores 512 bytes
//!   per device (0.5 GB for a million 1.0.x devices, in a row the caller rewrites on each join),
//!   and still covers the last 256 joins, months for a device that joins daily. The Things
//!   Stack keeps an unbounded list (`UsedDevNonces`); a bound keeps the row and the check O(1)
//!   in size. A replay older than the window gets a join-accept the real device never asked
//!   for; it changes nothing until the network sees an uplink under the new session.
//! - LoRaWAN 1.0.4 (§6.2.4) and 1.1 (§6.2.2): DevNonce is a counter starting at 0 that never
//!   repeats; the server accepts only a value greater than the last accepted one.
//! - JoinNonce (1.0.4 §6.2.5, 1.1 §6.2.3): a 24-bit per-device counter the Join Server raises for
//!   every join-accept, first value 1 (as The Things Stack's `LastJoinNonce + 1`); a 1.1 device
//!   rejects a JoinNonce not above the last it saw, and both versions feed it into key
//!   derivation.
//! - RJcount1 (1.1 §6.2.4.3): the Join Server ignores a type-1 rejoin whose RJcount1 is not above
//!   the last one it processed. (RJcount0 for types 0 and 2 is the Network Server's to track.)
//!
//! Every check works on a copy of the state the caller handed in; nothing changes unless the
//! whole join succeeds.

use super::state::JoinState;
use shared::types::MacVersion;

/// Default number of past DevNonces kept for a 1.0.0–1.0.3 device (see the module doc).
pub const DEFAULT_DEV_NONCE_HISTORY: usize = 256;

/// The largest JoinNonce: it is a 24-bit field.
pub const MAX_JOIN_NONCE: u32 = 0xFF_FFFF;

/// How a device chooses its DevNonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevNonceRule {
    /// Random, must not repeat (LoRaWAN 1.0.0–1.0.3).
    Random,
    /// A counter that must increase (LoRaWAN 1.0.4 and 1.1).
    Counter,
}

impl DevNonceRule {
    /// The rule a device of this version follows.
    pub const fn for_version(version: MacVersion) -> Self {
        match version {
            MacVersion::V1_0_0 | MacVersion::V1_0_1 | MacVersion::V1_0_2 | MacVersion::V1_0_3 => {
                Self::Random
            }
            MacVersion::V1_0_4 | MacVersion::V1_1 => Self::Counter,
        }
    }
}

/// Why a nonce was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NonceError {
    /// A random DevNonce (1.0.0–1.0.3) already used by this device.
    #[error("DevNonce {0:#06x} already used (replay)")]
    Replay(u16),
    /// A counter DevNonce (1.0.4, 1.1) not above the last accepted one.
    #[error("DevNonce {got:#06x} not above the last accepted {last:#06x}")]
    TooLow {
        /// DevNonce received.
        got: u16,
        /// Last DevNonce accepted.
        last: u16,
    },
    /// RJcount1 not above the last type-1 rejoin processed.
    #[error("RJcount1 {got} not above the last processed {last}")]
    RjCountTooLow {
        /// RJcount1 received.
        got: u16,
        /// Last RJcount1 processed.
        last: u16,
    },
    /// The device's 24-bit JoinNonce counter is spent: it cannot join under these root keys.
    #[error("JoinNonce exhausted")]
    JoinNonceExhausted,
}

/// Checks `dev_nonce` under `rule` and records it in `state`; `history` bounds the random list.
pub fn accept_dev_nonce(
    rule: DevNonceRule,
    dev_nonce: u16,
    state: &mut JoinState,
    history: usize,
) -> Result<(), NonceError> {
    match rule {
        DevNonceRule::Counter => {
            if let Some(last) = state.last_dev_nonce
                && dev_nonce <= last
            {
                return Err(NonceError::TooLow {
                    got: dev_nonce,
                    last,
                });
            }
        }
        DevNonceRule::Random => {
            if state.used_dev_nonces.contains(&dev_nonce) {
                return Err(NonceError::Replay(dev_nonce));
            }
            let bound = history.max(1);
            let used = &mut state.used_dev_nonces;
            if used.len() >= bound {
                used.drain(..=used.len() - bound);
            }
            used.push(dev_nonce);
        }
    }
    state.last_dev_nonce = Some(dev_nonce);
    Ok(())
}

/// Takes the next JoinNonce from `state` (1 for a device that never joined).
pub fn take_join_nonce(state: &mut JoinState) -> Result<u32, NonceError> {
    let next = match state.last_join_nonce {
        None => 1,
        Some(last) if last >= MAX_JOIN_NONCE => return Err(NonceError::JoinNonceExhausted),
        Some(last) => last + 1,
    };
    state.last_join_nonce = Some(next);
    Ok(next)
}

/// Checks a type-1 rejoin's RJcount1 and records it.
pub fn accept_rj_count1(rj_count1: u16, state: &mut JoinState) -> Result<(), NonceError> {
    if let Some(last) = state.last_rj_count1
        && rj_count1 <= last
    {
        return Err(NonceError::RjCountTooLow {
            got: rj_count1,
            last,
        });
    }
    state.last_rj_count1 = Some(rj_count1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(last: Option<u16>, used: &[u16]) -> JoinState {
        JoinState {
            last_dev_nonce: last,
            used_dev_nonces: used.to_vec(),
            ..JoinState::default()
        }
    }

    #[test]
    fn dev_nonce_rules_by_table() {
        use DevNonceRule::*;
        // (name, version, state, nonce, result)
        type Case = (
            &'static str,
            MacVersion,
            JoinState,
            u16,
            Result<(), NonceError>,
        );
        let cases: [Case; 12] = [
            (
                "1.0.3 first join",
                MacVersion::V1_0_3,
                state(None, &[]),
                0x1234,
                Ok(()),
            ),
            (
                "1.0.3 fresh random",
                MacVersion::V1_0_3,
                state(Some(9), &[9, 3]),
                2,
                Ok(()),
            ),
            (
                "1.0.3 lower is fine",
                MacVersion::V1_0_0,
                state(Some(9), &[9]),
                1,
                Ok(()),
            ),
            (
                "1.0.3 replay",
                MacVersion::V1_0_2,
                state(Some(9), &[3, 9]),
                3,
                Err(NonceError::Replay(3)),
            ),
            // TTS joinserver_test "1.0.0/repeated DevNonce": used {23,41,42,52,0x2442}, 0x2442.
            (
                "tts 1.0 repeated",
                MacVersion::V1_0_0,
                state(None, &[23, 41, 42, 52, 0x2442]),
                0x2442,
                Err(NonceError::Replay(0x2442)),
            ),
            (
                "1.0.4 first join at 0",
                MacVersion::V1_0_4,
                state(None, &[]),
                0,
                Ok(()),
            ),
            (
                "1.0.4 increasing",
                MacVersion::V1_0_4,
                state(Some(4), &[]),
                5,
                Ok(()),
            ),
            (
                "1.0.4 jump ahead",
                MacVersion::V1_0_4,
                state(Some(4), &[]),
                900,
                Ok(()),
            ),
            (
                "1.0.4 equal",
                MacVersion::V1_0_4,
                state(Some(4), &[]),
                4,
                Err(NonceError::TooLow { got: 4, last: 4 }),
            ),
            (
                "1.1 lower",
                MacVersion::V1_1,
                state(Some(10), &[]),
                2,
                Err(NonceError::TooLow { got: 2, last: 10 }),
            ),
            // TTS "1.1.0/DevNonce too small": last 0x2442, request 0x2442.
            (
                "tts 1.1 too small",
                MacVersion::V1_1,
                state(Some(0x2442), &[]),
                0x2442,
                Err(NonceError::TooLow {
                    got: 0x2442,
                    last: 0x2442,
                }),
            ),
            (
                "1.1 at the top",
                MacVersion::V1_1,
                state(Some(0xFFFF), &[]),
                0xFFFF,
                Err(NonceError::TooLow {
                    got: 0xFFFF,
                    last: 0xFFFF,
                }),
            ),
        ];
        for (name, version, mut st, nonce, want) in cases {
            let before = st.clone();
            let rule = DevNonceRule::for_version(version);
            let got = accept_dev_nonce(rule, nonce, &mut st, 256);
            assert_eq!(got, want, "{name}");
            match got {
                Ok(()) => {
                    assert_eq!(st.last_dev_nonce, Some(nonce), "{name}");
                    if rule == Random {
                        assert_eq!(st.used_dev_nonces.last(), Some(&nonce), "{name}");
                    }
                }
                Err(_) => assert_eq!(st, before, "{name}: state untouched on rejection"),
            }
        }
        assert_eq!(DevNonceRule::for_version(MacVersion::V1_0_1), Random);
        assert_eq!(DevNonceRule::for_version(MacVersion::V1_1), Counter);
    }

    #[test]
    fn random_history_is_bounded_fifo() {
        let mut st = JoinState::default();
        for n in 0..10u16 {
            accept_dev_nonce(DevNonceRule::Random, n, &mut st, 4).unwrap();
        }
        assert_eq!(st.used_dev_nonces, [6, 7, 8, 9]);
        assert_eq!(
            accept_dev_nonce(DevNonceRule::Random, 7, &mut st, 4),
            Err(NonceError::Replay(7))
        );
        // Evicted values are accepted again (the documented cost of a bound).
        accept_dev_nonce(DevNonceRule::Random, 0, &mut st, 4).unwrap();
        assert_eq!(st.used_dev_nonces, [7, 8, 9, 0]);
        // A history longer than a lowered bound shrinks to it.
        accept_dev_nonce(DevNonceRule::Random, 100, &mut st, 2).unwrap();
        assert_eq!(st.used_dev_nonces, [0, 100]);
    }

    #[test]
    fn join_nonce_counts_up_and_stops_at_24_bits() {
        let cases = [
            ("new device", None, Ok(1)),
            ("tts existing device", Some(0x42FFFD), Ok(0x42FFFE)),
            ("last value", Some(MAX_JOIN_NONCE - 1), Ok(MAX_JOIN_NONCE)),
            (
                "exhausted",
                Some(MAX_JOIN_NONCE),
                Err(NonceError::JoinNonceExhausted),
            ),
        ];
        for (name, last, want) in cases {
            let mut st = JoinState {
                last_join_nonce: last,
                ..JoinState::default()
            };
            assert_eq!(take_join_nonce(&mut st), want, "{name}");
            if let Ok(n) = want {
                assert_eq!(st.last_join_nonce, Some(n), "{name}");
            }
        }
    }

    #[test]
    fn rj_count1_must_increase() {
        let mut st = JoinState::default();
        assert_eq!(accept_rj_count1(0, &mut st), Ok(()));
        assert_eq!(
            accept_rj_count1(0, &mut st),
            Err(NonceError::RjCountTooLow { got: 0, last: 0 })
        );
        assert_eq!(accept_rj_count1(5, &mut st), Ok(()));
        assert_eq!(st.last_rj_count1, Some(5));
    }
}
