//! End to end, the MAC layer: `semtech-udp` gateways and `lrwn`-built frames (MAC commands in
//! FOpts; 1.1 FOpts encrypted by `lrwn` with NwkSEncKey) against a whole node over loopback;
//! the downlinks' MAC commands decoded by `lrwn` (its FOpts decryption and MAC command parser,
//! the MIC checked with the device's keys), never by this project's codec.
//!
//! - An unconfirmed uplink with LinkCheckReq and DeviceTimeReq, heard by two gateways, gets an
//!   RX1 downlink with LinkCheckAns (margin = best SNR 6 dB over SF7's −7.5 dB floor = 13,
//!   GwCnt 2) and DeviceTimeAns (GPS time, within seconds of the test's clock). A 1.1 device
//!   adds ResetInd and gets ResetConf (LoRaWAN 1.1 §5.1), all in encrypted FOpts.
//! - ADR: 20 uplinks at SF12 (EU868 DR0) with FCtrl.ADR and SNR 10 dB get, after the 20th, a
//!   LinkADRReq to DR5 (margin 10 + 20 − 15 = 15 dB = 6 steps of 2.5 dB: five DR steps to
//!   EU868's ADR maximum, then TXPower 1), channels 0..2, NbTrans 1; the device's LinkADRAns
//!   (accepted, or refused) settles it: `dataplane_adr_total{result=…}` counts the verdict and
//!   no further request follows.

mod e2e_support;
mod events_support;

use e2e_support::*;
use lrwn::{AES128Key, MACCommand as L, MACVersion};
use semtech_udp::client_runtime::DownlinkRequest;
use semtech_udp::push_data::{RxPk, RxPkV1};
use semtech_udp::{Bandwidth, DataRate, SpreadingFactor};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const GW: [u64; 2] = [0x00C0_0000_0000_0001, 0x00C0_0000_0000_0002];

/// Waits until the node has received `n` datagrams (the gateways' first PULL_DATAs).
async fn wait_routes(node: &dataplane::node::Node, n: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let text = metrics(node).await;
        if sample(&text, "dataplane_packets_in_total", "").unwrap_or(0) >= n {
            tokio::time::sleep(Duration::from_millis(20)).await;
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no PULL_DATA\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// An unconfirmed uplink on FPort 1 with `fopts` MAC commands, FCtrl.ADR = `adr`, at EU868
/// data rate `dr` (0: SF12, 5: SF7); built, encrypted (1.1: FOpts too) and MIC'd by `lrwn`.
fn frame(dev: &Device, fcnt: u32, fopts: Vec<L>, adr: bool, dr: u8) -> Vec<u8> {
    let key = |i: usize| AES128Key::from_bytes(dev.keys[i]);
    let mut phy = lrwn::PhyPayload {
        mhdr: lrwn::MHDR {
            f_type: lrwn::FType::UnconfirmedDataUp,
            major: lrwn::Major::LoRaWANR1,
        },
        payload: lrwn::Payload::MACPayload(lrwn::MACPayload {
            fhdr: lrwn::FHDR {
                devaddr: lrwn::DevAddr::from_be_bytes(dev.addr.to_be_bytes()),
                f_ctrl: lrwn::FCtrl {
                    adr,
                    ..Default::default()
                },
                f_cnt: fcnt,
                f_opts: lrwn::MACCommandSet::new(fopts),
            },
            f_port: Some(1),
            frm_payload: Some(lrwn::FRMPayload::Raw(b"m".to_vec())),
        }),
        mic: None,
    };
    phy.encrypt_frm_payload(&key(3)).expect("lrwn encrypts");
    let (version, f, s) = match dev.v11 {
        true => {
            phy.encrypt_f_opts(&key(2)).expect("lrwn encrypts FOpts");
            (MACVersion::LoRaWAN1_1, key(0), key(1))
        }
        false => (MACVersion::LoRaWAN1_0, key(0), key(0)),
    };
    phy.set_uplink_data_mic(version, 0, dr, TX_CH, &f, &s)
        .expect("lrwn MIC");
    phy.to_vec().expect("lrwn encodes")
}

/// `rxpk` of `e2e_support` at SF12 when `dr` is 0.
fn rx(eui: u64, phy: &[u8], snr: f32, dr: u8) -> RxPk {
    let mut r = rxpk(eui, phy, snr);
    if dr == 0
        && let RxPk::V1(RxPkV1 { datr, .. }) = &mut r
    {
        *datr = DataRate::new(SpreadingFactor::_12, Bandwidth::_125KHz);
    }
    r
}

/// The downlink's MAC commands as `lrwn` reads them (MIC checked, 1.1 FOpts decrypted).
fn mac_commands(req: &DownlinkRequest, dev: &Device) -> Vec<L> {
    let bytes = req.pull_resp.data.txpk.data.data().to_vec();
    let mut phy = lrwn::PhyPayload::from_slice(&bytes).expect("lrwn parses the downlink");
    let key = |i: usize| AES128Key::from_bytes(dev.keys[i]);
    let (version, mic_key, enc_key) = match dev.v11 {
        true => (MACVersion::LoRaWAN1_1, key(1), key(2)),
        false => (MACVersion::LoRaWAN1_0, key(0), key(0)),
    };
    assert!(
        phy.validate_downlink_data_mic(version, 0, &mic_key)
            .expect("MIC computable"),
        "MIC under the device's keys"
    );
    match dev.v11 {
        true => phy.decrypt_f_opts(&enc_key).expect("lrwn decrypts FOpts"),
        false => phy
            .decode_f_opts_to_mac_commands()
            .expect("lrwn decodes FOpts"),
    }
    let lrwn::Payload::MACPayload(p) = &phy.payload else {
        panic!("not a data frame: {phy:?}");
    };
    let mut out: Vec<L> = p.fhdr.f_opts.iter().cloned().collect();
    if p.f_port == Some(0) {
        phy.decrypt_frm_payload(&enc_key)
            .expect("lrwn decrypts FPort 0");
        if let lrwn::Payload::MACPayload(p) = &phy.payload
            && let Some(lrwn::FRMPayload::MACCommandSet(set)) = &p.frm_payload
        {
            out.extend(set.iter().cloned());
        }
    }
    assert!(
        !out.iter().any(|c| matches!(c, L::Raw(_))),
        "every command decoded: {out:?}"
    );
    out
}

fn gps_now() -> Duration {
    let unix = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    // GPS = Unix − 315 964 800 s + 18 leap seconds (since 2017-01-01).
    unix - Duration::from_secs(315_964_800) + Duration::from_secs(18)
}

#[test]
fn link_check_device_time_and_reset_are_answered_in_rx1() {
    let devs = [
        Device::new("dev-mac-ten", 0x2601_7001, false, 0x71),
        Device::new("dev-mac-eleven", 0x2601_7002, true, 0x72),
    ];
    let node = start_node(&GW, devs.iter().map(|d| d.record(Some(0))).collect(), FAST);
    block_on(async {
        let mut g0 = Gateway::connect(GW[0], node.udp_addr).await;
        let mut g1 = Gateway::connect(GW[1], node.udp_addr).await;
        wait_routes(&node, 2).await;
        for dev in &devs {
            let mut fopts = vec![L::LinkCheckReq, L::DeviceTimeReq];
            if dev.v11 {
                fopts.push(L::ResetInd(lrwn::ResetIndPayload {
                    dev_lorawan_version: lrwn::Version::LoRaWAN1_1,
                }));
            }
            let phy = frame(dev, 1, fopts, false, 5);
            g0.send_rxpk(rx(GW[0], &phy, 6.0, 5)).await;
            g1.send_rxpk(rx(GW[1], &phy, 2.0, 5)).await;
            let req = g0.downlink().await;
            let cmds = mac_commands(&req, dev);
            let name = dev.id;
            assert!(
                matches!(&cmds[0], L::LinkCheckAns(a) if a.margin == 13 && a.gw_cnt == 2),
                "{name}: {cmds:?}"
            );
            let L::DeviceTimeAns(t) = &cmds[1] else {
                panic!("{name}: {cmds:?}");
            };
            let skew = t.time_since_gps_epoch.abs_diff(gps_now());
            assert!(
                skew < Duration::from_secs(10),
                "{name}: {t:?} vs {:?}",
                gps_now()
            );
            match dev.v11 {
                true => assert!(
                    matches!(&cmds[2], L::ResetConf(c) if c.serv_lorawan_version == lrwn::Version::LoRaWAN1_1),
                    "{name}: {cmds:?}"
                ),
                false => assert_eq!(cmds.len(), 2, "{name}"),
            }
            req.ack().await.expect("TX_ACK");
            assert!(
                g1.downlink_within(Duration::from_millis(50))
                    .await
                    .is_none(),
                "only the best gateway sends"
            );
        }
        let text = metrics(&node).await;
        assert_eq!(
            sample(
                &text,
                "dataplane_mac_commands_sent_total",
                "command=\"LinkCheckAns\""
            ),
            Some(2),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                "dataplane_mac_commands_received_total",
                "command=\"ResetInd\""
            ),
            Some(1),
            "{text}"
        );
        g0.close().await;
        g1.close().await;
    });
    node.stop();
}

#[test]
fn adr_raises_the_data_rate_and_follows_the_device_answer() {
    let devs = [
        (Device::new("dev-adr-yes", 0x2601_7101, false, 0x81), true),
        (Device::new("dev-adr-no", 0x2601_7102, true, 0x82), false),
    ];
    let node = start_node(
        &GW[..1],
        devs.iter().map(|(d, _)| d.record(Some(0))).collect(),
        FAST,
    );
    block_on(async {
        let mut g = Gateway::connect(GW[0], node.udp_addr).await;
        wait_routes(&node, 1).await;
        for (n, (dev, accept)) in devs.iter().enumerate() {
            let name = dev.id;
            for fcnt in 1..=20 {
                g.send_rxpk(rx(GW[0], &frame(dev, fcnt, vec![], true, 0), 10.0, 0))
                    .await;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let req = g.downlink().await;
            let cmds = mac_commands(&req, dev);
            let [L::LinkADRReq(r)] = &cmds[..] else {
                panic!("{name}: {cmds:?}");
            };
            assert_eq!((r.dr, r.tx_power), (5, 1), "{name}: {r:?}");
            assert_eq!(
                (r.redundancy.ch_mask_cntl, r.redundancy.nb_rep),
                (0, 1),
                "{name}"
            );
            let mask = u16::from_le_bytes(r.ch_mask.to_bytes());
            assert_eq!(mask, 0b111, "{name}: EU868 default channels 0..2");
            req.ack().await.expect("TX_ACK");
            let ans = L::LinkADRAns(lrwn::LinkADRAnsPayload {
                ch_mask_ack: true,
                dr_ack: true,
                tx_power_ack: *accept,
            });
            g.send_rxpk(rx(GW[0], &frame(dev, 21, vec![ans], true, 0), 10.0, 0))
                .await;
            let label = match accept {
                true => "result=\"accepted\"",
                false => "result=\"refused\"",
            };
            wait_metric(&node, name, 1, |t| {
                sample(t, "dataplane_adr_total", label).unwrap_or(0)
            })
            .await;
            assert!(
                g.downlink_within(Duration::from_millis(300))
                    .await
                    .is_none(),
                "{name}: settled, nothing more to send"
            );
            let text = metrics(&node).await;
            assert_eq!(
                sample(
                    &text,
                    "dataplane_mac_commands_sent_total",
                    "command=\"LinkADRReq\""
                ),
                Some(n as u64 + 1),
                "{text}"
            );
        }
        g.close().await;
    });
    node.stop();
}
