//! The MAC layer's hooks in sequence: uplink → answers/requests → downlink → device answer.

use super::*;
use crate::network::Micros;
use crate::network::session::{LorawanVersion, SessionKeys};
use shared::lorawan::mac::{LinkAdrAns, LinkAdrReq, RxParamSetupAns, parse_downlink};
use shared::region::RegionId;
use shared::types::{Aes128Key, DevAddr};

fn session(region: RegionId, version: LorawanVersion) -> Session {
    let k = Aes128Key::from_bytes([3; 16]);
    Session::new(
        DevAddr::from_u32(0x2601_0101),
        "app",
        "dev",
        version,
        SessionKeys::v1_0(&k, Some(&k)),
        region,
    )
}

fn uplink(s: &mut Session, fcnt: u32, dr: u8, snr: f32, adr: bool, cmds: &[MacCommand]) {
    s.pending_mac = cmds.to_vec();
    s.last_uplink = Some(UplinkRecord {
        fcnt,
        adr,
        adr_ack_req: false,
        ack: false,
        class_b: false,
        confirmed: false,
        fport: Some(1),
        data_rate: Some(dr),
        channel: Some(0),
        max_snr_db: Some(snr),
        gateway_count: 2,
        received_at: Micros(0),
        received_at_ms: 1_700_000_000_000,
        gps_time_ms: None,
    });
}

/// Runs the uplink hook and, when a downlink is owed, prepares and commits one; returns the
/// commands it carried as a downlink parser reads them back.
fn round(s: &mut Session, cfg: &MacConfig, stats: &mut MacStats) -> Option<Vec<MacCommand>> {
    let up = facts(&s.last_uplink.unwrap());
    if !on_uplink(s, cfg, &up, stats) {
        return None;
    }
    let p = prepare(s, cfg, up.fcnt, room(s, up.data_rate.unwrap(), false));
    commit(s, &p, up.fcnt, stats);
    Some(parse_downlink(&p.bytes).map(|c| c.unwrap()).collect())
}

#[test]
fn link_check_and_device_time_are_answered_in_order() {
    let (cfg, mut stats) = (MacConfig::default(), MacStats::default());
    let mut s = session(RegionId::Eu868, LorawanVersion::V1_0);
    uplink(
        &mut s,
        1,
        0,
        5.0,
        false,
        &[MacCommand::LinkCheckReq, MacCommand::DeviceTimeReq],
    );
    let sent = round(&mut s, &cfg, &mut stats).expect("owed");
    assert_eq!(sent.len(), 2);
    assert!(matches!(sent[0], MacCommand::LinkCheckAns(a) if a.margin == 25 && a.gw_cnt == 2));
    // 2023-11-14T22:13:20Z: GPS = Unix − 315964800 + 18.
    assert!(matches!(sent[1], MacCommand::DeviceTimeAns(a)
        if a.seconds_since_gps_epoch == 1_700_000_000 - 315_964_800 + 18 && a.fractional == 0));
    assert_eq!(
        (stats.received[0x02], stats.sent[0x02], stats.sent[0x0D]),
        (1, 1, 1)
    );
    // Nothing is owed by the next plain uplink; the same uplink again changes nothing.
    uplink(&mut s, 2, 0, 5.0, false, &[]);
    assert_eq!(round(&mut s, &cfg, &mut stats), None);
    let up = facts(&s.last_uplink.unwrap());
    assert!(!on_uplink(&mut s, &cfg, &up, &mut stats));
}

#[test]
fn adr_raises_the_data_rate_after_twenty_uplinks_and_follows_the_answer() {
    let (cfg, mut stats) = (MacConfig::default(), MacStats::default());
    for (name, ack, want_dr) in [("accepted", true, 5), ("refused", false, 0)] {
        let mut s = session(RegionId::Eu868, LorawanVersion::V1_0);
        for fcnt in 1..20 {
            uplink(&mut s, fcnt, 0, 10.0, true, &[]);
            assert_eq!(round(&mut s, &cfg, &mut stats), None, "{name}: {fcnt}");
        }
        uplink(&mut s, 20, 0, 10.0, true, &[]);
        let sent = round(&mut s, &cfg, &mut stats).expect(name);
        assert_eq!(
            sent,
            [MacCommand::LinkAdrReq(LinkAdrReq {
                data_rate: 5,
                tx_power: 1,
                ch_mask: 0b111,
                ch_mask_cntl: 0,
                nb_trans: 1
            })],
            "{name}"
        );
        let ans = MacCommand::LinkAdrAns(LinkAdrAns {
            power_ack: ack,
            data_rate_ack: true,
            channel_mask_ack: true,
        });
        uplink(&mut s, 21, 0, 10.0, true, &[ans]);
        assert_eq!(round(&mut s, &cfg, &mut stats), None, "{name}: settled");
        assert_eq!(s.mac.current.data_rate, want_dr, "{name}");
        assert_eq!(s.mac.desired.data_rate, want_dr, "{name}");
        let blob = take_journal(&mut s).expect("journaled");
        let mut fresh = session(RegionId::Eu868, LorawanVersion::V1_0);
        restore(&mut fresh, &blob).unwrap();
        assert_eq!(fresh.mac.current, s.mac.current, "{name}: restored");
    }
    assert_eq!((stats.adr_accepted, stats.adr_refused), (1, 1));
}

#[test]
fn unanswered_requests_are_retried_then_dropped() {
    let (cfg, mut stats) = (MacConfig::default(), MacStats::default());
    let mut s = session(RegionId::Eu868, LorawanVersion::V1_0);
    s.mac.desired.data_rate = 3;
    let mut carried = 0;
    for fcnt in 1..=6 {
        uplink(&mut s, fcnt, 0, 0.0, false, &[]);
        if let Some(cmds) = round(&mut s, &cfg, &mut stats) {
            assert_eq!(cmds.len(), 1);
            carried += 1;
        }
    }
    assert_eq!(carried, usize::from(cfg.requests.max_tries));
    assert_eq!(stats.unanswered, u64::from(cfg.requests.max_tries));
}

#[test]
fn rx_param_setup_moves_rx2_and_sticky_answer_owes_a_downlink() {
    let cfg = MacConfig {
        desired_rx: DesiredRx {
            rx2_data_rate: Some(3),
            ..DesiredRx::default()
        },
        ..MacConfig::default()
    };
    let mut stats = MacStats::default();
    let mut s = session(RegionId::Eu868, LorawanVersion::V1_0);
    uplink(&mut s, 1, 5, 0.0, false, &[]);
    let sent = round(&mut s, &cfg, &mut stats).expect("request");
    assert!(matches!(sent[..], [MacCommand::RxParamSetupReq(r)] if r.rx2_data_rate == 3));
    let ans = MacCommand::RxParamSetupAns(RxParamSetupAns {
        rx1_dr_offset_ack: true,
        rx2_data_rate_ack: true,
        channel_ack: true,
    });
    uplink(&mut s, 2, 5, 0.0, false, &[ans]);
    assert_eq!(
        round(&mut s, &cfg, &mut stats),
        Some(vec![]),
        "sticky: an empty downlink"
    );
    assert_eq!(s.rx_settings.rx2_data_rate, 3, "the session's RX2 follows");
    // The device repeats it until it got that downlink: still nothing changes.
    uplink(&mut s, 3, 5, 0.0, false, &[ans]);
    assert_eq!(round(&mut s, &cfg, &mut stats), Some(vec![]));
    uplink(&mut s, 4, 5, 0.0, false, &[]);
    assert_eq!(round(&mut s, &cfg, &mut stats), None);
}

#[test]
fn a_link_adr_block_goes_whole_or_not_at_all() {
    let cfg = MacConfig::default();
    let mut s = session(RegionId::Us915, LorawanVersion::V1_0);
    s.mac.desired.channel_mask = 0xFF00 | (0x00FF << 16) | (1 << 65);
    s.mac.answers = vec![MacCommand::LinkCheckAns(
        shared::lorawan::mac::LinkCheckAns {
            margin: 1,
            gw_cnt: 1,
        },
    )];
    // Three LinkADRReq (15 bytes) and a 3-byte answer: 18 bytes.
    let fopts = prepare(&s, &cfg, 1, 15);
    assert_eq!(fopts.commands.len(), 1, "only the answer fits in FOpts");
    let port0 = prepare(&s, &cfg, 1, 50);
    assert_eq!(port0.commands.len(), 4, "all on FPort 0");
    assert_eq!(port0.bytes.len(), 18);
}

#[test]
fn room_by_window_payload() {
    let s = session(RegionId::Eu868, LorawanVersion::V1_0);
    // EU868: RX1 at DR5 (offset 0) M = 230, RX2 DR0 M = 59: FPort 0 up to 51 bytes.
    assert_eq!(room(&s, 5, false), 51);
    assert_eq!(room(&s, 5, true), 15, "application data queued: FOpts only");
}
