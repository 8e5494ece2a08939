//! Whole-codec tests: the CID table against the codecs, sequence round trips, the iterator's
//! stop-after-error contract, and arbitrary bytes. Per-command byte tables live beside each
//! command; the helpers and strategies they share are here.
//!
//! Vector sources cited in the per-command tables (bytes and values only):
//! - TTS: `TheThingsNetwork/lorawan-stack` `pkg/encoding/lorawan/mac_test.go`
//!   (`TestLoRaWANEncodingMAC`, commit 029684bb1f8c8b390c4e60d873b1d184b06608b0); the codec read
//!   for the oracle notes is `pkg/encoding/lorawan/mac.go` at 852ad36b2418aabe17b8b168987033606d38342f.
//! - lrwn 4.13.0 (crates.io, ChirpStack): `src/maccommand.rs`, `tests::test_command` (`MacTest`).
//! - LoRaMac-node `src/mac/LoRaMac.c` `ProcessMacCommands` for the ForceRejoinReq byte order.

use super::*;
use proptest::prelude::*;

/// Asserts that each command emits exactly `bytes` and that `bytes` parses back to it alone.
pub(super) fn check(cases: &[(&str, MacCommand, &[u8])]) {
    for &(name, command, bytes) in cases {
        let mut buf = [0u8; 16];
        let n = command
            .emit(&mut buf)
            .unwrap_or_else(|e| panic!("{name}: emit failed: {e}"));
        assert_eq!(buf.get(..n), Some(bytes), "{name}: emitted bytes");
        assert_eq!(command.encoded_len(), bytes.len(), "{name}: encoded_len");
        let parsed: Vec<_> = parse(bytes, command.direction()).collect();
        assert_eq!(parsed, vec![Ok(command)], "{name}: parsed");
    }
}

/// Asserts that `bytes` parses (in `direction`) to exactly `command`, without re-emitting.
pub(super) fn check_parse(cases: &[(&str, Direction, &[u8], MacCommand)]) {
    for &(name, direction, bytes, command) in cases {
        let parsed: Vec<_> = parse(bytes, direction).collect();
        assert_eq!(parsed, vec![Ok(command)], "{name}");
    }
}

/// Frequencies a 24-bit `Freq` field can carry, in Hz.
pub(super) fn arb_frequency() -> impl Strategy<Value = u32> {
    (0u32..=0x00FF_FFFF).prop_map(|f| f * 100)
}

/// Every uplink command with in-range fields.
pub(super) fn arb_uplink() -> impl Strategy<Value = MacCommand> {
    use MacCommand as M;
    prop_oneof![
        reset::tests::arb_ind().prop_map(M::ResetInd),
        Just(M::LinkCheckReq),
        link_adr::tests::arb_ans().prop_map(M::LinkAdrAns),
        Just(M::DutyCycleAns),
        rx_param_setup::tests::arb_ans().prop_map(M::RxParamSetupAns),
        dev_status::tests::arb_ans().prop_map(M::DevStatusAns),
        new_channel::tests::arb_ans().prop_map(M::NewChannelAns),
        Just(M::RxTimingSetupAns),
        Just(M::TxParamSetupAns),
        dl_channel::tests::arb_ans().prop_map(M::DlChannelAns),
        rekey::tests::arb_ind().prop_map(M::RekeyInd),
        Just(M::AdrParamSetupAns),
        Just(M::DeviceTimeReq),
        rejoin_param_setup::tests::arb_ans().prop_map(M::RejoinParamSetupAns),
        ping_slot_info::tests::arb_req().prop_map(M::PingSlotInfoReq),
        ping_slot_channel::tests::arb_ans().prop_map(M::PingSlotChannelAns),
        Just(M::BeaconTimingReq),
        beacon_freq::tests::arb_ans().prop_map(M::BeaconFreqAns),
        device_mode::tests::arb_class().prop_map(|class| M::DeviceModeInd(DeviceModeInd { class })),
    ]
}

/// Every downlink command with in-range fields.
pub(super) fn arb_downlink() -> impl Strategy<Value = MacCommand> {
    use MacCommand as M;
    prop_oneof![
        reset::tests::arb_conf().prop_map(M::ResetConf),
        link_check::tests::arb_ans().prop_map(M::LinkCheckAns),
        link_adr::tests::arb_req().prop_map(M::LinkAdrReq),
        duty_cycle::tests::arb_req().prop_map(M::DutyCycleReq),
        rx_param_setup::tests::arb_req().prop_map(M::RxParamSetupReq),
        Just(M::DevStatusReq),
        new_channel::tests::arb_req().prop_map(M::NewChannelReq),
        rx_timing_setup::tests::arb_req().prop_map(M::RxTimingSetupReq),
        tx_param_setup::tests::arb_req().prop_map(M::TxParamSetupReq),
        dl_channel::tests::arb_req().prop_map(M::DlChannelReq),
        rekey::tests::arb_conf().prop_map(M::RekeyConf),
        adr_param_setup::tests::arb_req().prop_map(M::AdrParamSetupReq),
        device_time::tests::arb_ans().prop_map(M::DeviceTimeAns),
        force_rejoin::tests::arb_req().prop_map(M::ForceRejoinReq),
        rejoin_param_setup::tests::arb_req().prop_map(M::RejoinParamSetupReq),
        Just(M::PingSlotInfoAns),
        ping_slot_channel::tests::arb_req().prop_map(M::PingSlotChannelReq),
        beacon_timing::tests::arb_ans().prop_map(M::BeaconTimingAns),
        beacon_freq::tests::arb_req().prop_map(M::BeaconFreqReq),
        device_mode::tests::arb_class()
            .prop_map(|class| M::DeviceModeConf(DeviceModeConf { class })),
    ]
}

fn directions() -> [Direction; 2] {
    [Direction::Uplink, Direction::Downlink]
}

#[test]
fn table_matches_codecs() {
    let mut commands = 0;
    for row in CID_TABLE {
        assert_eq!(descriptor(row.cid), Some(&row), "lookup 0x{:02X}", row.cid);
        for direction in directions() {
            let Some(spec) = command_spec(row.cid, direction) else {
                continue;
            };
            commands += 1;
            // A zero payload is valid for every command (class 0 is class A).
            let mut bytes = [0u8; 8];
            bytes[0] = row.cid;
            let framed = &bytes[..1 + usize::from(spec.len)];
            let parsed: Vec<_> = parse(framed, direction).collect();
            let [Ok(command)] = parsed[..] else {
                panic!("{}: {parsed:?}", spec.name)
            };
            assert_eq!(
                (command.cid(), command.direction()),
                (row.cid, direction),
                "{}",
                spec.name
            );
            assert_eq!(command.name(), spec.name);
            assert_eq!(command.encoded_len(), framed.len(), "{}", spec.name);
            let mut out = [0xAAu8; 8];
            assert_eq!(command.emit(&mut out), Ok(framed.len()), "{}", spec.name);
            assert_eq!(&out[..framed.len()], framed, "{}", spec.name);
        }
    }
    // 20 uplink + 19 downlink commands: one per MacCommand variant.
    assert_eq!(commands, 39);
}

#[test]
fn unknown_cids() {
    for cid in 0..=255u8 {
        for direction in directions() {
            let known = command_spec(cid, direction).is_some();
            let first = parse(&[cid, 0, 0, 0, 0, 0], direction).next();
            let unknown = matches!(first, Some(Err(MacError::UnknownCid { offset: 0, .. })));
            assert_eq!(known, !unknown, "0x{cid:02X} {direction:?}");
        }
    }
    // Relay (TS011) and proprietary CIDs are unknown here; 0x0E has no uplink command.
    assert!(command_spec(0x40, Direction::Downlink).is_none());
    assert!(command_spec(0x80, Direction::Uplink).is_none());
    assert!(command_spec(0x0E, Direction::Uplink).is_none());
}

#[test]
fn iterator_stops_after_first_error() {
    // LinkCheckReq, DevStatusAns, unknown 0x55, then a LinkCheckReq that must not be reached.
    let up = [0x02, 0x06, 0xFF, 0x1E, 0x55, 0x02];
    let mut it = parse_uplink(&up);
    assert_eq!(it.next(), Some(Ok(MacCommand::LinkCheckReq)));
    assert_eq!(
        it.next(),
        Some(Ok(MacCommand::DevStatusAns(DevStatusAns {
            battery: 0xFF,
            margin: 30
        })))
    );
    assert_eq!(
        it.next(),
        Some(Err(MacError::UnknownCid {
            cid: 0x55,
            offset: 4
        }))
    );
    assert_eq!(
        (it.next(), it.offset(), it.remaining()),
        (None, 4, &up[4..])
    );

    // DevStatusReq then a LinkADRReq cut after two payload bytes.
    let down = [0x06, 0x03, 0x52, 0x04];
    let got: Vec<_> = parse_downlink(&down).collect();
    assert_eq!(
        got,
        vec![
            Ok(MacCommand::DevStatusReq),
            Err(MacError::Truncated {
                cid: 0x03,
                needed: 4,
                got: 2
            })
        ]
    );

    // The same CID means different commands each way.
    assert_eq!(
        parse_uplink(&[0x02]).next(),
        Some(Ok(MacCommand::LinkCheckReq))
    );
    assert_eq!(
        parse_downlink(&[0x02]).next(),
        Some(Err(MacError::Truncated {
            cid: 0x02,
            needed: 2,
            got: 0
        }))
    );
    assert_eq!(parse_uplink(&[]).next(), None);
}

#[test]
fn emit_needs_room() {
    let command = MacCommand::LinkCheckAns(LinkCheckAns {
        margin: 1,
        gw_cnt: 2,
    });
    assert_eq!(
        command.emit(&mut [0u8; 2]),
        Err(MacError::BufferTooSmall { needed: 3, got: 2 })
    );
    let commands = [
        MacCommand::LinkCheckReq,
        MacCommand::DeviceTimeReq,
        MacCommand::DutyCycleAns,
    ];
    assert_eq!(
        emit_all(&commands, &mut [0u8; 2]),
        Err(MacError::BufferTooSmall { needed: 3, got: 2 })
    );
    let mut buf = [0u8; 15];
    assert_eq!(emit_all(&commands, &mut buf), Ok(3));
    assert_eq!(&buf[..3], &[0x02, 0x0D, 0x04]);
    // Invalid field values are reported, not truncated into the byte.
    let bad = MacCommand::DevStatusAns(DevStatusAns {
        battery: 0,
        margin: 40,
    });
    assert_eq!(
        bad.emit(&mut buf),
        Err(MacError::InvalidField {
            cid: 0x06,
            field: "Margin"
        })
    );
}

fn round_trip(commands: &[MacCommand], direction: Direction) -> Result<(), TestCaseError> {
    let mut buf = [0u8; 512];
    let n = emit_all(commands, &mut buf).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(n, encoded_len_all(commands));
    let parsed: Result<Vec<_>, _> = parse(&buf[..n], direction).collect();
    prop_assert_eq!(parsed.as_deref(), Ok(commands));
    Ok(())
}

proptest! {
    #[test]
    fn uplink_sequences_round_trip(commands in prop::collection::vec(arb_uplink(), 0..40)) {
        round_trip(&commands, Direction::Uplink)?;
    }

    #[test]
    fn downlink_sequences_round_trip(commands in prop::collection::vec(arb_downlink(), 0..40)) {
        round_trip(&commands, Direction::Downlink)?;
    }

    #[test]
    fn arbitrary_bytes_reemit(bytes in prop::collection::vec(any::<u8>(), 0..64), up in any::<bool>()) {
        let direction = if up { Direction::Uplink } else { Direction::Downlink };
        let mut consumed = 0;
        for item in parse(&bytes, direction) {
            let Ok(command) = item else { break };
            let mut buf = [0u8; 8];
            let n = command.emit(&mut buf).map_err(|e| TestCaseError::fail(e.to_string()))?;
            // Same length as the input command; equal bytes except for RFU bits.
            let original = &bytes[consumed..consumed + n];
            prop_assert_eq!(buf[0], original[0]);
            let again: Vec<_> = parse(&buf[..n], direction).collect();
            prop_assert_eq!(again, vec![Ok(command)]);
            consumed += n;
        }
    }
}
