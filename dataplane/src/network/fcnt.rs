//! 32-bit FCntUp from the 16 bits on air (LoRaWAN 1.0.4 §4.3.1.5, 1.1 §4.3.1.5) and replay
//! classification.
//!
//! LoRaWAN 1.0.4 and 1.1 dropped MAX_FCNT_GAP: the network takes the nearest 32-bit value
//! strictly above the last accepted FCntUp whose low 16 bits are those on air
//! ([`next_fcnt_up`]), so a device may skip any number of frames, including runs longer than
//! 65 535. The MIC decides whether that value is right. A frame whose MIC fails there is tried
//! once more at the nearest value at or below the last accepted one ([`previous_fcnt_up`]): a
//! match there is a replay or a retransmission ([`classify`]), which is rejected and counted
//! under its own label instead of being lumped with forgeries.
//!
//! FCntUp never wraps within a session: after 0xFFFF_FFFF nothing is accepted and the device
//! must join again (1.1 §4.3.1.5), so both functions return `None` past the 32-bit range.

/// The first FCntUp above `last` with low 16 bits `on_air`; with no accepted uplink yet (a new
/// session) the smallest value with those bits, `on_air` itself. `None` when the value would
/// pass 0xFFFF_FFFF (the session's counter space is spent).
pub fn next_fcnt_up(last: Option<u32>, on_air: u16) -> Option<u32> {
    let min = match last {
        None => 0,
        Some(l) => l.checked_add(1)?,
    };
    let c = (min & 0xFFFF_0000) | u32::from(on_air);
    if c >= min {
        Some(c)
    } else {
        c.checked_add(0x1_0000)
    }
}

/// The largest value at or below `last` with low 16 bits `on_air`; `None` below zero.
pub fn previous_fcnt_up(last: u32, on_air: u16) -> Option<u32> {
    let c = (last & 0xFFFF_0000) | u32::from(on_air);
    if c <= last {
        Some(c)
    } else {
        c.checked_sub(0x1_0000)
    }
}

/// An authenticated frame's full FCntUp against the session's last accepted one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FCntStatus {
    /// Above the last accepted value (or the session's first uplink): accept it.
    Fresh,
    /// Equal to the last accepted value: a retransmission; reject.
    Retransmission,
    /// Below the last accepted value: a replay; reject.
    Replay,
}

/// Classifies `full` against `last` (`None`: no uplink accepted yet).
pub fn classify(last: Option<u32>, full: u32) -> FCntStatus {
    match last {
        None => FCntStatus::Fresh,
        Some(l) if full > l => FCntStatus::Fresh,
        Some(l) if full == l => FCntStatus::Retransmission,
        Some(_) => FCntStatus::Replay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn next_by_table() {
        let cases: [(&str, Option<u32>, u16, Option<u32>); 12] = [
            ("first uplink 0", None, 0, Some(0)),
            ("first uplink 7", None, 7, Some(7)),
            ("first uplink high", None, 0xFFFF, Some(0xFFFF)),
            ("next in sequence", Some(9), 10, Some(10)),
            ("gap inside the block", Some(9), 500, Some(500)),
            (
                "same low bits as last: a full block on",
                Some(9),
                9,
                Some(0x1_0009),
            ),
            ("lower low bits: next block", Some(9), 3, Some(0x1_0003)),
            ("rollover past 65535", Some(0xFFFF), 0, Some(0x1_0000)),
            ("rollover later block", Some(0x2_FFFE), 1, Some(0x3_0001)),
            (
                "top of 32 bits reachable",
                Some(0xFFFF_FFFE),
                0xFFFF,
                Some(0xFFFF_FFFF),
            ),
            ("32-bit wrap refused", Some(0xFFFF_FFF0), 5, None),
            ("counter spent", Some(u32::MAX), 0, None),
        ];
        for (name, last, on_air, want) in cases {
            assert_eq!(next_fcnt_up(last, on_air), want, "{name}");
        }
    }

    #[test]
    fn previous_by_table() {
        let cases: [(&str, u32, u16, Option<u32>); 5] = [
            ("the last itself", 10, 10, Some(10)),
            ("just below", 10, 9, Some(9)),
            ("previous block", 0x1_0002, 0xFFFF, Some(0xFFFF)),
            ("below zero", 5, 6, None),
            ("top", u32::MAX, 0xFFFF, Some(u32::MAX)),
        ];
        for (name, last, on_air, want) in cases {
            assert_eq!(previous_fcnt_up(last, on_air), want, "{name}");
        }
    }

    #[test]
    fn classify_by_table() {
        let cases = [
            ("first uplink", None, 0, FCntStatus::Fresh),
            ("above", Some(4), 5, FCntStatus::Fresh),
            ("equal", Some(4), 4, FCntStatus::Retransmission),
            ("below", Some(4), 3, FCntStatus::Replay),
        ];
        for (name, last, full, want) in cases {
            assert_eq!(classify(last, full), want, "{name}");
        }
    }

    proptest! {
        #[test]
        fn next_is_nearest_above(last in proptest::option::of(any::<u32>()), on_air in any::<u16>()) {
            let min = last.map_or(Some(0u64), |l| Some(u64::from(l) + 1)).unwrap_or(0);
            match next_fcnt_up(last, on_air) {
                Some(c) => {
                    prop_assert_eq!(c as u16, on_air);
                    prop_assert!(u64::from(c) >= min);
                    prop_assert!(u64::from(c) - min < 0x1_0000, "nearest");
                    prop_assert_eq!(classify(last, c), FCntStatus::Fresh);
                }
                None => {
                    // The nearest value would lie past the 32-bit range.
                    let ideal = (min & !0xFFFF) | u64::from(on_air);
                    let ideal = if ideal >= min { ideal } else { ideal + 0x1_0000 };
                    prop_assert!(ideal > u64::from(u32::MAX));
                }
            }
        }

        #[test]
        fn previous_is_nearest_at_or_below(last in any::<u32>(), on_air in any::<u16>()) {
            match previous_fcnt_up(last, on_air) {
                Some(c) => {
                    prop_assert_eq!(c as u16, on_air);
                    prop_assert!(c <= last);
                    prop_assert!(last - c < 0x1_0000);
                    prop_assert_ne!(classify(Some(last), c), FCntStatus::Fresh);
                }
                None => prop_assert!(u32::from(on_air) > last),
            }
        }

        /// A device that skips fewer than 65 536 values between uplinks is always followed; a
        /// longer skip cannot be told from the 16 bits on air (the MIC then fails).
        #[test]
        fn a_device_counting_up_is_followed(start in any::<u32>(), steps in proptest::collection::vec(1u32..0x1_0000, 1..20)) {
            let mut last = start;
            for s in steps {
                let Some(sent) = last.checked_add(s) else { break };
                prop_assert_eq!(next_fcnt_up(Some(last), sent as u16), Some(sent));
                last = sent;
            }
        }
    }
}
