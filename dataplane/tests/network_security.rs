//! The Network Server uplink core refusing what it must: replays, retransmissions, forged MICs,
//! 1.1 S-half mismatches, non-uplinks, unknown DevAddrs and crowded DevAddrs, each counted under
//! its reason. Frames come from `lrwn` 4.13 (see `network_support`).

mod network_support;

use network_support::*;

#[test]
fn replay_and_retransmission_rejected_without_state_change() {
    let dev = Dev::new(0x2601_0003, true, 7);
    let mut net = Net::new(&[(dev, "d")]);
    let old = dev.frame(&up(3));
    let new = dev.frame(&up(5));
    assert!(matches!(net.one(0, &old), UplinkOutcome::Delivered(_)));
    assert!(matches!(net.one(1_000, &new), UplinkOutcome::Delivered(_)));
    // After the cooldown the same bytes are no longer a late copy: the FCnt check catches them.
    assert_eq!(
        net.one(10_000, &new),
        UplinkOutcome::Dropped(DropReason::Retransmission)
    );
    assert_eq!(
        net.one(20_000, &old),
        UplinkOutcome::Dropped(DropReason::Replay)
    );
    assert_eq!(net.session("d").fcnt_up, Some(5), "nothing reset");
    assert_eq!(
        (
            net.dropped(DropReason::Replay),
            net.dropped(DropReason::Retransmission)
        ),
        (1, 1)
    );
}

#[test]
fn forged_mic_rejected_counted_and_harmless() {
    for v11 in [false, true] {
        let dev = Dev::new(0x2601_0004, v11, 8);
        let mut net = Net::new(&[(dev, "d")]);
        assert!(matches!(
            net.one(0, &dev.frame(&up(100))),
            UplinkOutcome::Delivered(_)
        ));
        let mut forged = dev.frame(&up(101));
        let n = forged.len();
        forged[n - 1] ^= 0x01; // the F half in 1.1
        assert_eq!(
            net.one(1_000, &forged),
            UplinkOutcome::Dropped(DropReason::MicMismatch),
            "v11={v11}"
        );
        let other_key = Dev {
            keys: [[0xEE; 16]; 4],
            ..dev
        };
        assert_eq!(
            net.one(2_000, &other_key.frame(&up(102))),
            UplinkOutcome::Dropped(DropReason::MicMismatch)
        );
        assert_eq!(net.dropped(DropReason::MicMismatch), 2);
        assert_eq!(
            net.session("d").fcnt_up,
            Some(100),
            "a forgery changes nothing"
        );
        assert!(
            matches!(
                net.one(3_000, &dev.frame(&up(101))),
                UplinkOutcome::Delivered(_)
            ),
            "the real 101 still passes"
        );
    }
}

#[test]
fn v11_s_half_checks_tx_dr_tx_ch_and_conf_fcnt() {
    let dev = Dev::new(0x2601_0005, true, 9);
    let mut net = Net::new(&[(dev, "d")]);
    // Sent on channel 2 at DR5, received there: both halves match.
    let ok = dev.frame(&Up { tx_ch: 2, ..up(1) });
    net.copy(0, &ok, 1, radio(EU[2], 7)).unwrap();
    assert!(matches!(net.poll(200)[..], [UplinkOutcome::Delivered(_)]));
    // The device claims channel 1 in B1 but was received on channel 2.
    let wrong_ch = dev.frame(&Up { tx_ch: 1, ..up(2) });
    net.copy(1_000, &wrong_ch, 1, radio(EU[2], 7)).unwrap();
    assert_eq!(
        net.poll(1_200),
        [UplinkOutcome::Dropped(DropReason::MicSMismatch)]
    );
    // Received on a channel the session does not know: S half uncheckable.
    net.copy(2_000, &dev.frame(&up(3)), 1, radio(867_100_000, 7))
        .unwrap();
    assert_eq!(
        net.poll(2_200),
        [UplinkOutcome::Dropped(DropReason::UnknownChannel)]
    );
    // ACK of confirmed downlink 0x1_0007: ConfFCnt is its low 16 bits.
    net.core
        .sessions_mut()
        .candidates_mut(DevAddr::from_u32(0x2601_0005))[0]
        .last_conf_fcnt_down = Some(0x1_0007);
    let ack = dev.frame(&Up {
        ack: true,
        conf_fcnt: 0x1_0007,
        ..up(4)
    });
    assert!(matches!(net.one(3_000, &ack), UplinkOutcome::Delivered(_)));
    assert_eq!(net.session("d").fcnt_up, Some(4));
    assert!(net.session("d").last_uplink.unwrap().ack);
}

#[test]
fn refusals_by_table() {
    let dev = Dev::new(0x2601_000A, false, 14);
    let mut net = Net::new(&[(dev, "d")]);
    let stranger = Dev::new(0x2601_000B, false, 14).frame(&up(1));
    let join_request = [0u8; 23];
    let mut downlink = dev.frame(&up(1));
    downlink[0] = 0x60; // unconfirmed data down
    let s = radio(EU[0], 7);
    let cases: [(&str, &[u8], Result<Admission, DropReason>); 4] = [
        ("garbage", &[1, 2, 3], Err(DropReason::Parse)),
        ("join-request", &join_request, Err(DropReason::Parse)),
        ("downlink", &downlink, Err(DropReason::NotDataUplink)),
        (
            "unknown DevAddr passes dedup",
            &stranger,
            Ok(Admission::Opened),
        ),
    ];
    for (name, phy, want) in cases {
        assert_eq!(net.copy(0, phy, 1, s), want, "{name}");
    }
    assert_eq!(
        net.poll(200),
        [UplinkOutcome::Dropped(DropReason::UnknownDevAddr)]
    );
    assert_eq!(
        (
            net.dropped(DropReason::Parse),
            net.dropped(DropReason::NotDataUplink)
        ),
        (2, 1)
    );
}

#[test]
fn too_many_candidates_refused_and_counted() {
    let mut core = NetworkCore::new(NetworkConfig {
        max_candidates: 2,
        ..Default::default()
    });
    for (i, seed) in [1u8, 2, 3].into_iter().enumerate() {
        let r = core.insert_session(Dev::new(0x0100_0000, false, seed).session(&format!("d{i}")));
        assert_eq!(r.is_ok(), i < 2, "device {i}");
    }
    assert_eq!(core.counters().dropped(DropReason::TooManyCandidates), 1);
    assert_eq!(core.sessions().len(), 2);
}
