//! MAC commands (FPort 0 and 1.1-encrypted FOpts) recorded per session, confirmed uplinks and
//! sessions without AppSKey. Frames come from `lrwn` 4.13 (see `network_support`).

mod network_support;

use network_support::*;

#[test]
fn mac_commands_from_fport0_and_fopts_recorded() {
    for v11 in [false, true] {
        let dev = Dev::new(0x2601_0008, v11, 12);
        let mut net = Net::new(&[(dev, "d")]);
        let status = lrwn::DevStatusAnsPayload {
            battery: 200,
            margin: 10,
        };
        let port0 = Up {
            fport: Some(0),
            port0: vec![LCmd::LinkCheckReq, LCmd::DevStatusAns(status)],
            ..up(1)
        };
        match net.one(0, &dev.frame(&port0)) {
            UplinkOutcome::MacOnly(m) => assert_eq!((m.fcnt, m.mac_commands), (1, 2), "v11={v11}"),
            other => panic!("v11={v11}: {other:?}"),
        }
        let ans = lrwn::LinkADRAnsPayload {
            ch_mask_ack: true,
            dr_ack: true,
            tx_power_ack: false,
        };
        let fopts = Up {
            fopts: vec![LCmd::LinkADRAns(ans)],
            adr_ack_req: true,
            ..up(2)
        };
        let u = delivered(net.one(1_000, &dev.frame(&fopts)));
        assert_eq!(u.frm_payload, b"hello");
        let s = net.session("d");
        assert_eq!(
            s.pending_mac,
            [
                MacCommand::LinkCheckReq,
                MacCommand::DevStatusAns(DevStatusAns {
                    battery: 200,
                    margin: 10
                }),
                MacCommand::LinkAdrAns(LinkAdrAns {
                    power_ack: false,
                    data_rate_ack: true,
                    channel_mask_ack: true
                }),
            ],
            "v11={v11}: 1.1 FOpts decrypted with NwkSEncKey"
        );
        assert!(s.last_uplink.unwrap().adr_ack_req);
        let empty = Up {
            fport: None,
            ..up(3)
        };
        assert!(matches!(
            net.one(2_000, &dev.frame(&empty)),
            UplinkOutcome::MacOnly(_)
        ));
        assert_eq!(net.core.counters().mac_only, 2);
    }
}

#[test]
fn confirmed_uplink_and_missing_app_s_key() {
    let dev = Dev::new(0x2601_0009, false, 13);
    let mut net = Net::new(&[]);
    let mut s = dev.session("d");
    s.keys.app_s = None;
    net.core.insert_session(s).unwrap();
    let phy = dev.frame(&Up {
        confirmed: true,
        ..up(1)
    });
    match net.one(0, &phy) {
        UplinkOutcome::DeliveredEncrypted(u) => {
            assert!(u.confirmed);
            let at = phy.len() - 4 - u.frm_payload.len();
            assert_eq!(
                u.frm_payload,
                phy[at..phy.len() - 4],
                "left encrypted for the application"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(net.session("d").last_uplink.unwrap().confirmed);
}
