//! The Network Server uplink core on a virtual clock: dedup across gateways and frequencies,
//! DevAddr collisions, FCnt rollover, late copies and window expiry. Frames come from `lrwn`
//! 4.13 (see `network_support`).

mod network_support;

use network_support::*;

#[test]
fn three_gateways_one_event_with_three_receptions() {
    for v11 in [false, true] {
        let dev = Dev::new(0x2601_1BDA, v11, 1);
        let mut net = Net::new(&[(dev, "d")]);
        let phy = dev.frame(&up(10));
        let s = radio(EU[0], 7);
        assert_eq!(net.copy(0, &phy, 1, s), Ok(Admission::Opened));
        assert_eq!(net.copy(40, &phy, 3, s), Ok(Admission::Merged));
        assert_eq!(net.copy(90, &phy, 2, s), Ok(Admission::Merged));
        let mut out = net.poll(200);
        assert_eq!(out.len(), 1, "v11={v11}: one uplink");
        let u = delivered(out.remove(0));
        let gws: Vec<u64> = u
            .rx_metadata
            .iter()
            .map(|r| r.gateway_eui.to_u64())
            .collect();
        assert_eq!(gws, [3, 2, 1], "v11={v11}: every gateway, best SNR first");
        assert_eq!(u.frm_payload, b"hello", "v11={v11}: decrypted with AppSKey");
        assert_eq!((u.fcnt, u.fport, u.confirmed), (10, 1, false));
        assert_eq!(
            (u.device_id.as_str(), u.dev_addr),
            ("d", DevAddr::from_u32(0x2601_1BDA))
        );
        assert_eq!(u.received_at_ms, EPOCH_MS, "time of the first copy");
        assert_eq!(u.settings, s);
        let c = net.core.counters();
        assert_eq!((c.dedup_opened, c.dedup_merged, c.delivered), (1, 2, 1));
        let last = net.session("d").last_uplink.unwrap();
        assert_eq!(
            (
                last.fcnt,
                last.adr,
                last.gateway_count,
                last.data_rate,
                last.channel
            ),
            (10, true, 3, Some(5), Some(0))
        );
    }
}

#[test]
fn same_bytes_on_another_frequency_is_a_separate_uplink() {
    let dev = Dev::new(0x2601_0001, false, 2);
    let mut net = Net::new(&[(dev, "d")]);
    let phy = dev.frame(&up(1));
    assert_eq!(net.copy(0, &phy, 1, radio(EU[0], 7)), Ok(Admission::Opened));
    assert_eq!(
        net.copy(5, &phy, 1, radio(EU[1], 7)),
        Ok(Admission::Opened),
        "another channel: a retransmission"
    );
    let out = net.poll(300);
    assert_eq!(out.len(), 2);
    assert!(matches!(out[0], UplinkOutcome::Delivered(_)));
    assert_eq!(
        out[1],
        UplinkOutcome::Dropped(DropReason::Retransmission),
        "same FCnt, already accepted"
    );
    assert_eq!(net.dropped(DropReason::Retransmission), 1);
}

#[test]
fn dev_addr_collision_goes_to_the_session_whose_mic_matches() {
    let a = Dev::new(0x0000_0042, false, 3);
    let b = Dev::new(0x0000_0042, true, 4);
    let c = Dev::new(0x0000_0042, false, 5);
    let mut net = Net::new(&[(a, "a"), (b, "b"), (c, "c")]);
    let cases = [
        ("a", a, 7),
        ("b", b, 1),
        ("c", c, 300),
        ("a", a, 8),
        ("c", c, 301),
    ];
    for (i, (id, dev, fcnt)) in cases.into_iter().enumerate() {
        let u = delivered(net.one(i as u64 * 1_000, &dev.frame(&up(fcnt))));
        assert_eq!(
            (u.device_id.as_str(), u.fcnt, u.frm_payload.as_slice()),
            (id, fcnt, b"hello".as_slice()),
            "case {i}"
        );
    }
    assert_eq!(net.session("a").fcnt_up, Some(8));
    assert_eq!(net.session("b").fcnt_up, Some(1));
    assert_eq!(net.session("c").fcnt_up, Some(301));
}

#[test]
fn fcnt_rolls_over_past_65535() {
    for v11 in [false, true] {
        let dev = Dev::new(0x2601_0002, v11, 6);
        let mut net = Net::new(&[]);
        net.core
            .insert_session(dev.session("d").with_fcnt_up(Some(65_534)))
            .unwrap();
        let sent = [65_535, 65_536, 65_537, 65_537 + 40_000, 0x2_0000 + 3];
        for (i, fcnt) in sent.into_iter().enumerate() {
            let u = delivered(net.one(i as u64 * 1_000, &dev.frame(&up(fcnt))));
            assert_eq!(
                u.fcnt, fcnt,
                "v11={v11}: 16 bits on air {:#06x}",
                fcnt as u16
            );
        }
        assert_eq!(net.session("d").fcnt_up, Some(0x2_0003));
    }
}

#[test]
fn late_copy_counted_not_delivered() {
    let dev = Dev::new(0x2601_0006, false, 10);
    let mut net = Net::new(&[(dev, "d")]);
    let phy = dev.frame(&up(1));
    let s = radio(EU[0], 7);
    net.copy(0, &phy, 1, s).unwrap();
    assert_eq!(net.poll(200).len(), 1);
    assert_eq!(net.copy(350, &phy, 2, s), Err(DropReason::DedupLate));
    assert_eq!(net.copy(2_150, &phy, 3, s), Err(DropReason::DedupLate));
    assert!(net.poll(5_000).is_empty(), "never delivered");
    assert_eq!(net.dropped(DropReason::DedupLate), 2);
}

#[test]
fn dedup_window_closes_on_the_virtual_clock() {
    let dev = Dev::new(0x2601_0007, false, 11);
    let mut net = Net::new(&[(dev, "d")]);
    assert_eq!(net.core.next_deadline(), None);
    net.copy(1_000, &dev.frame(&up(1)), 1, radio(EU[0], 7))
        .unwrap();
    net.copy(1_050, &dev.frame(&up(2)), 1, radio(EU[0], 7))
        .unwrap();
    assert_eq!(net.core.next_deadline(), Some(Micros(1_200_000)));
    assert!(
        net.poll(1_199).is_empty(),
        "open until 200 ms after the first copy"
    );
    assert_eq!(net.poll(1_200).len(), 1);
    assert_eq!(net.core.next_deadline(), Some(Micros(1_250_000)));
    assert_eq!(net.poll(1_250).len(), 1);
    assert_eq!(net.core.next_deadline(), None);
}
