//! Named cases for the uplink steps, on a published frame.

use super::*;
use crate::network::session::SessionKeys;
use shared::region::RegionId;
use shared::types::Aes128Key;

/// The Things Stack `pkg/crypto/data_messages_test.go` frame: unconfirmed uplink from
/// 01020304, FCnt 1, FPort 1, key 01×16, 1.0 MIC 3B073182 (as in `shared::crypto::mic`).
const TTS: [u8; 17] = [
    0x40, 4, 3, 2, 1, 0, 1, 0, 1, 1, 2, 3, 4, 0x3B, 0x07, 0x31, 0x82,
];

/// Name, frame, candidate sessions, expected (index, FCnt) or drop.
type Case<'a> = (
    &'a str,
    &'a [u8],
    Vec<Session>,
    Result<(usize, u32), DropReason>,
);

fn session(version: LorawanVersion, key: u8, fcnt_up: Option<u32>) -> Session {
    let k = Aes128Key::from_bytes([key; 16]);
    let keys = match version {
        LorawanVersion::V1_0 => SessionKeys::v1_0(&k, None),
        LorawanVersion::V1_1 => SessionKeys::v1_1(&k, &k, &k, None),
    };
    Session::new(
        DevAddr::from_u32(0x0102_0304),
        "a",
        "d",
        version,
        keys,
        RegionId::Eu868,
    )
    .with_fcnt_up(fcnt_up)
}

/// EU868 channel 0 at DR0: TxCh 0, TxDr 0, so B1 carries zeros.
const DR0_CH0: RadioSettings = RadioSettings {
    frequency_hz: 868_100_000,
    spreading_factor: 12,
    bandwidth_hz: 125_000,
    bit_rate: 0,
};

#[test]
fn parse_by_table() {
    let mut down = TTS;
    down[0] = 0x60;
    let cases: [(&str, &[u8], Result<(), DropReason>); 4] = [
        ("uplink", &TTS, Ok(())),
        ("downlink", &down, Err(DropReason::NotDataUplink)),
        ("truncated", &TTS[..11], Err(DropReason::Parse)),
        ("empty", &[], Err(DropReason::Parse)),
    ];
    for (name, b, want) in cases {
        assert_eq!(parse(b).map(|_| ()), want, "{name}");
    }
}

#[test]
fn authenticate_by_table() {
    use LorawanVersion::{V1_0, V1_1};
    // The same frame with the 1.1 MIC for equal keys and a zero B1: 3B07 | 3B07.
    let mut v11 = TTS;
    v11[15..].copy_from_slice(&[0x3B, 0x07]);
    // Right F half, wrong S half.
    let mut bad_s = v11;
    bad_s[13] ^= 0xFF;
    let cases: [Case; 12] = [
        (
            "1.0 first uplink",
            &TTS,
            vec![session(V1_0, 1, None)],
            Ok((0, 1)),
        ),
        (
            "1.0 next",
            &TTS,
            vec![session(V1_0, 1, Some(0))],
            Ok((0, 1)),
        ),
        (
            "1.0 retransmission",
            &TTS,
            vec![session(V1_0, 1, Some(1))],
            Err(DropReason::Retransmission),
        ),
        (
            "1.0 replay",
            &TTS,
            vec![session(V1_0, 1, Some(5))],
            Err(DropReason::Replay),
        ),
        (
            "1.0 replay from the previous block",
            &TTS,
            vec![session(V1_0, 1, Some(0x1_0000))],
            Err(DropReason::Replay),
        ),
        (
            "1.0 wrong key",
            &TTS,
            vec![session(V1_0, 2, None)],
            Err(DropReason::MicMismatch),
        ),
        (
            "second candidate",
            &TTS,
            vec![session(V1_0, 2, None), session(V1_0, 1, None)],
            Ok((1, 1)),
        ),
        (
            "1.1 both halves",
            &v11,
            vec![session(V1_1, 1, None)],
            Ok((0, 1)),
        ),
        (
            "1.1 with a 1.0 MIC: F half wrong",
            &TTS,
            vec![session(V1_1, 1, None)],
            Err(DropReason::MicMismatch),
        ),
        (
            "1.1 S half wrong",
            &bad_s,
            vec![session(V1_1, 1, None)],
            Err(DropReason::MicSMismatch),
        ),
        (
            "1.1 counter spent",
            &v11,
            vec![session(V1_1, 1, Some(u32::MAX))],
            Err(DropReason::MicMismatch),
        ),
        (
            "1.1 F half, S uncheckable",
            &v11,
            vec![{
                let mut s = session(V1_1, 1, None);
                s.region = RegionId::Us915;
                s
            }],
            Err(DropReason::UnknownDataRate),
        ),
    ];
    for (name, b, sessions, want) in cases {
        let frame = DataFrame::parse(b).unwrap();
        assert_eq!(authenticate(&sessions, &frame, &DR0_CH0), want, "{name}");
    }
}
