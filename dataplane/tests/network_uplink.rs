//! The Network Server uplink core driven on a virtual clock, with frames built and encrypted by
//! an independent implementation: ChirpStack's `lrwn` 4.13 (`PhyPayload::encrypt_frm_payload`,
//! `encrypt_f_opts`, `set_uplink_data_mic` for LoRaWAN 1.0 and 1.1).

use dataplane::application::event::{ApplicationUplink, RadioSettings, RxMetadata};
use dataplane::network::{
    Admission, DropReason, LorawanVersion, Micros, NetworkConfig, NetworkCore, Now, Session,
    SessionKeys, UplinkOutcome,
};
use lrwn::{AES128Key, MACCommand as LCmd, MACVersion};
use shared::lorawan::mac::{DevStatusAns, LinkAdrAns, MacCommand};
use shared::region::RegionId;
use shared::types::{Aes128Key, DevAddr, DevEui, Eui64};

/// EU868 default channels 0–2 (RP002-1.0.3 §2.1.2).
const EU: [u64; 3] = [868_100_000, 868_300_000, 868_500_000];
const EPOCH_MS: u64 = 1_700_000_000_000;

/// A simulated device: its session keys and version.
#[derive(Clone, Copy)]
struct Dev {
    addr: u32,
    v11: bool,
    /// FNwkSIntKey (1.0: NwkSKey), SNwkSIntKey, NwkSEncKey, AppSKey.
    keys: [[u8; 16]; 4],
}

/// One uplink as the device sends it.
#[derive(Clone)]
struct Up {
    fcnt: u32,
    confirmed: bool,
    adr: bool,
    adr_ack_req: bool,
    ack: bool,
    conf_fcnt: u32,
    fopts: Vec<LCmd>,
    fport: Option<u8>,
    payload: Vec<u8>,
    port0: Vec<LCmd>,
    tx_dr: u8,
    tx_ch: u8,
}

fn up(fcnt: u32) -> Up {
    Up {
        fcnt,
        confirmed: false,
        adr: true,
        adr_ack_req: false,
        ack: false,
        conf_fcnt: 0,
        fopts: vec![],
        fport: Some(1),
        payload: b"hello".to_vec(),
        port0: vec![],
        tx_dr: 5,
        tx_ch: 0,
    }
}

impl Dev {
    fn new(addr: u32, v11: bool, seed: u8) -> Self {
        let k = |i: u8| [seed.wrapping_mul(16).wrapping_add(i); 16];
        Self { addr, v11, keys: [k(1), k(2), k(3), k(4)] }
    }

    fn session(&self, device_id: &str) -> Session {
        let key = |i: usize| Aes128Key::from_bytes(self.keys[i]);
        let (version, keys) = if self.v11 {
            (LorawanVersion::V1_1, SessionKeys::v1_1(&key(0), &key(1), &key(2), Some(&key(3))))
        } else {
            (LorawanVersion::V1_0, SessionKeys::v1_0(&key(0), Some(&key(3))))
        };
        Session::new(DevAddr::from_u32(self.addr), "app-1", device_id, version, keys, RegionId::Eu868)
            .with_dev_eui(DevEui::from_u64(0x70B3_D57E_D000_0000 | u64::from(self.addr)))
    }

    /// The PHYPayload, built, encrypted and MIC'd by lrwn.
    fn frame(&self, u: &Up) -> Vec<u8> {
        let key = |i: usize| AES128Key::from_bytes(self.keys[i]);
        // 1.0: NwkSKey is every network key.
        let (f, s, e) = if self.v11 { (key(0), key(1), key(2)) } else { (key(0), key(0), key(0)) };
        let frm = match u.fport {
            Some(0) => Some(lrwn::FRMPayload::MACCommandSet(lrwn::MACCommandSet::new(u.port0.clone()))),
            Some(_) => Some(lrwn::FRMPayload::Raw(u.payload.clone())),
            None => None,
        };
        let mut phy = lrwn::PhyPayload {
            mhdr: lrwn::MHDR {
                f_type: if u.confirmed { lrwn::FType::ConfirmedDataUp } else { lrwn::FType::UnconfirmedDataUp },
                major: lrwn::Major::LoRaWANR1,
            },
            payload: lrwn::Payload::MACPayload(lrwn::MACPayload {
                fhdr: lrwn::FHDR {
                    devaddr: lrwn::DevAddr::from_be_bytes(self.addr.to_be_bytes()),
                    f_ctrl: lrwn::FCtrl {
                        adr: u.adr,
                        adr_ack_req: u.adr_ack_req,
                        ack: u.ack,
                        f_pending: false,
                        class_b: false,
                        f_opts_len: 0,
                    },
                    f_cnt: u.fcnt,
                    f_opts: lrwn::MACCommandSet::new(u.fopts.clone()),
                },
                f_port: u.fport,
                frm_payload: frm,
            }),
            mic: None,
        };
        match u.fport {
            Some(0) => phy.encrypt_frm_payload(&e).unwrap(),
            Some(_) => phy.encrypt_frm_payload(&key(3)).unwrap(),
            None => {}
        }
        let version = if self.v11 {
            phy.encrypt_f_opts(&e).unwrap();
            MACVersion::LoRaWAN1_1
        } else {
            MACVersion::LoRaWAN1_0
        };
        phy.set_uplink_data_mic(version, u.conf_fcnt, u.tx_dr, u.tx_ch, &f, &s).unwrap();
        phy.to_vec().unwrap()
    }
}

fn radio(freq: u64, sf: u8) -> RadioSettings {
    RadioSettings { frequency_hz: freq, spreading_factor: sf, bandwidth_hz: 125_000, bit_rate: 0 }
}

fn rx(gw: u64, snr: f32) -> RxMetadata {
    RxMetadata {
        gateway_eui: Eui64::from_u64(gw),
        timestamp_us: 1_000,
        gps_time_ms: None,
        fine_timestamp_ns: None,
        rssi_dbm: Some(-100.0 + snr),
        snr_db: Some(snr),
        channel: Some(0),
        rf_chain: Some(0),
    }
}

/// The core on a virtual clock in milliseconds.
struct Net {
    core: NetworkCore,
}

impl Net {
    fn new(devices: &[(Dev, &str)]) -> Self {
        let mut core = NetworkCore::new(NetworkConfig::default());
        for (d, id) in devices {
            core.insert_session(d.session(id)).unwrap();
        }
        Self { core }
    }
    fn copy(&mut self, t_ms: u64, phy: &[u8], gw: u64, settings: RadioSettings) -> Result<Admission, DropReason> {
        let now = Now { at: Micros(t_ms * 1000), unix_ms: EPOCH_MS + t_ms };
        self.core.handle_uplink(now, phy, rx(gw, gw as f32), settings)
    }
    fn poll(&mut self, t_ms: u64) -> Vec<UplinkOutcome> {
        self.core.poll_all(Micros(t_ms * 1000)).collect()
    }
    /// One copy at `t_ms` on channel 0 at DR5, then the window closed.
    fn one(&mut self, t_ms: u64, phy: &[u8]) -> UplinkOutcome {
        self.copy(t_ms, phy, 1, radio(EU[0], 7)).unwrap();
        let mut out = self.poll(t_ms + 200);
        assert_eq!(out.len(), 1);
        out.remove(0)
    }
    fn dropped(&self, r: DropReason) -> u64 {
        self.core.counters().dropped(r)
    }
    fn session(&self, id: &str) -> &Session {
        self.core.sessions().get_by_device_id("app-1", id).unwrap()
    }
}

fn delivered(o: UplinkOutcome) -> ApplicationUplink {
    match o {
        UplinkOutcome::Delivered(u) => u,
        other => panic!("expected Delivered, got {other:?}"),
    }
}

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
        let gws: Vec<u64> = u.rx_metadata.iter().map(|r| r.gateway_eui.to_u64()).collect();
        assert_eq!(gws, [3, 2, 1], "v11={v11}: every gateway, best SNR first");
        assert_eq!(u.frm_payload, b"hello", "v11={v11}: decrypted with AppSKey");
        assert_eq!((u.fcnt, u.fport, u.confirmed), (10, 1, false));
        assert_eq!((u.device_id.as_str(), u.dev_addr), ("d", DevAddr::from_u32(0x2601_1BDA)));
        assert_eq!(u.received_at_ms, EPOCH_MS, "time of the first copy");
        assert_eq!(u.settings, s);
        let c = net.core.counters();
        assert_eq!((c.dedup_opened, c.dedup_merged, c.delivered), (1, 2, 1));
        let last = net.session("d").last_uplink.unwrap();
        assert_eq!((last.fcnt, last.adr, last.gateway_count, last.data_rate, last.channel), (10, true, 3, Some(5), Some(0)));
    }
}

#[test]
fn same_bytes_on_another_frequency_is_a_separate_uplink() {
    let dev = Dev::new(0x2601_0001, false, 2);
    let mut net = Net::new(&[(dev, "d")]);
    let phy = dev.frame(&up(1));
    assert_eq!(net.copy(0, &phy, 1, radio(EU[0], 7)), Ok(Admission::Opened));
    assert_eq!(net.copy(5, &phy, 1, radio(EU[1], 7)), Ok(Admission::Opened), "another channel: a retransmission");
    let out = net.poll(300);
    assert_eq!(out.len(), 2);
    assert!(matches!(out[0], UplinkOutcome::Delivered(_)));
    assert_eq!(out[1], UplinkOutcome::Dropped(DropReason::Retransmission), "same FCnt, already accepted");
    assert_eq!(net.dropped(DropReason::Retransmission), 1);
}

#[test]
fn dev_addr_collision_goes_to_the_session_whose_mic_matches() {
    let a = Dev::new(0x0000_0042, false, 3);
    let b = Dev::new(0x0000_0042, true, 4);
    let c = Dev::new(0x0000_0042, false, 5);
    let mut net = Net::new(&[(a, "a"), (b, "b"), (c, "c")]);
    let cases = [("a", a, 7), ("b", b, 1), ("c", c, 300), ("a", a, 8), ("c", c, 301)];
    for (i, (id, dev, fcnt)) in cases.into_iter().enumerate() {
        let u = delivered(net.one(i as u64 * 1_000, &dev.frame(&up(fcnt))));
        assert_eq!((u.device_id.as_str(), u.fcnt, u.frm_payload.as_slice()), (id, fcnt, b"hello".as_slice()), "case {i}");
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
        net.core.insert_session(dev.session("d").with_fcnt_up(Some(65_534))).unwrap();
        let sent = [65_535, 65_536, 65_537, 65_537 + 40_000, 0x2_0000 + 3];
        for (i, fcnt) in sent.into_iter().enumerate() {
            let u = delivered(net.one(i as u64 * 1_000, &dev.frame(&up(fcnt))));
            assert_eq!(u.fcnt, fcnt, "v11={v11}: 16 bits on air {:#06x}", fcnt as u16);
        }
        assert_eq!(net.session("d").fcnt_up, Some(0x2_0003));
    }
}

#[test]
fn replay_and_retransmission_rejected_without_state_change() {
    let dev = Dev::new(0x2601_0003, true, 7);
    let mut net = Net::new(&[(dev, "d")]);
    let old = dev.frame(&up(3));
    let new = dev.frame(&up(5));
    assert!(matches!(net.one(0, &old), UplinkOutcome::Delivered(_)));
    assert!(matches!(net.one(1_000, &new), UplinkOutcome::Delivered(_)));
    // After the cooldown the same bytes are no longer a late copy: the FCnt check catches them.
    assert_eq!(net.one(10_000, &new), UplinkOutcome::Dropped(DropReason::Retransmission));
    assert_eq!(net.one(20_000, &old), UplinkOutcome::Dropped(DropReason::Replay));
    assert_eq!(net.session("d").fcnt_up, Some(5), "nothing reset");
    assert_eq!((net.dropped(DropReason::Replay), net.dropped(DropReason::Retransmission)), (1, 1));
}

#[test]
fn forged_mic_rejected_counted_and_harmless() {
    for v11 in [false, true] {
        let dev = Dev::new(0x2601_0004, v11, 8);
        let mut net = Net::new(&[(dev, "d")]);
        assert!(matches!(net.one(0, &dev.frame(&up(100))), UplinkOutcome::Delivered(_)));
        let mut forged = dev.frame(&up(101));
        let n = forged.len();
        forged[n - 1] ^= 0x01; // the F half in 1.1
        assert_eq!(net.one(1_000, &forged), UplinkOutcome::Dropped(DropReason::MicMismatch), "v11={v11}");
        let other_key = Dev { keys: [[0xEE; 16]; 4], ..dev };
        assert_eq!(net.one(2_000, &other_key.frame(&up(102))), UplinkOutcome::Dropped(DropReason::MicMismatch));
        assert_eq!(net.dropped(DropReason::MicMismatch), 2);
        assert_eq!(net.session("d").fcnt_up, Some(100), "a forgery changes nothing");
        assert!(matches!(net.one(3_000, &dev.frame(&up(101))), UplinkOutcome::Delivered(_)), "the real 101 still passes");
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
    assert_eq!(net.poll(1_200), [UplinkOutcome::Dropped(DropReason::MicSMismatch)]);
    // Received on a channel the session does not know: S half uncheckable.
    net.copy(2_000, &dev.frame(&up(3)), 1, radio(867_100_000, 7)).unwrap();
    assert_eq!(net.poll(2_200), [UplinkOutcome::Dropped(DropReason::UnknownChannel)]);
    // ACK of confirmed downlink 0x1_0007: ConfFCnt is its low 16 bits.
    net.core.sessions_mut().candidates_mut(DevAddr::from_u32(0x2601_0005))[0].last_conf_fcnt_down = Some(0x1_0007);
    let ack = dev.frame(&Up { ack: true, conf_fcnt: 0x1_0007, ..up(4) });
    assert!(matches!(net.one(3_000, &ack), UplinkOutcome::Delivered(_)));
    assert_eq!(net.session("d").fcnt_up, Some(4));
    assert!(net.session("d").last_uplink.unwrap().ack);
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
    net.copy(1_000, &dev.frame(&up(1)), 1, radio(EU[0], 7)).unwrap();
    net.copy(1_050, &dev.frame(&up(2)), 1, radio(EU[0], 7)).unwrap();
    assert_eq!(net.core.next_deadline(), Some(Micros(1_200_000)));
    assert!(net.poll(1_199).is_empty(), "open until 200 ms after the first copy");
    assert_eq!(net.poll(1_200).len(), 1);
    assert_eq!(net.core.next_deadline(), Some(Micros(1_250_000)));
    assert_eq!(net.poll(1_250).len(), 1);
    assert_eq!(net.core.next_deadline(), None);
}

#[test]
fn mac_commands_from_fport0_and_fopts_recorded() {
    for v11 in [false, true] {
        let dev = Dev::new(0x2601_0008, v11, 12);
        let mut net = Net::new(&[(dev, "d")]);
        let status = lrwn::DevStatusAnsPayload { battery: 200, margin: 10 };
        let port0 = Up {
            fport: Some(0),
            port0: vec![LCmd::LinkCheckReq, LCmd::DevStatusAns(status)],
            ..up(1)
        };
        match net.one(0, &dev.frame(&port0)) {
            UplinkOutcome::MacOnly(m) => assert_eq!((m.fcnt, m.mac_commands), (1, 2), "v11={v11}"),
            other => panic!("v11={v11}: {other:?}"),
        }
        let ans = lrwn::LinkADRAnsPayload { ch_mask_ack: true, dr_ack: true, tx_power_ack: false };
        let fopts = Up { fopts: vec![LCmd::LinkADRAns(ans)], adr_ack_req: true, ..up(2) };
        let u = delivered(net.one(1_000, &dev.frame(&fopts)));
        assert_eq!(u.frm_payload, b"hello");
        let s = net.session("d");
        assert_eq!(
            s.pending_mac,
            [
                MacCommand::LinkCheckReq,
                MacCommand::DevStatusAns(DevStatusAns { battery: 200, margin: 10 }),
                MacCommand::LinkAdrAns(LinkAdrAns { power_ack: false, data_rate_ack: true, channel_mask_ack: true }),
            ],
            "v11={v11}: 1.1 FOpts decrypted with NwkSEncKey"
        );
        assert!(s.last_uplink.unwrap().adr_ack_req);
        let empty = Up { fport: None, ..up(3) };
        assert!(matches!(net.one(2_000, &dev.frame(&empty)), UplinkOutcome::MacOnly(_)));
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
    let phy = dev.frame(&Up { confirmed: true, ..up(1) });
    match net.one(0, &phy) {
        UplinkOutcome::DeliveredEncrypted(u) => {
            assert!(u.confirmed);
            let at = phy.len() - 4 - u.frm_payload.len();
            assert_eq!(u.frm_payload, phy[at..phy.len() - 4], "left encrypted for the application");
        }
        other => panic!("{other:?}"),
    }
    assert!(net.session("d").last_uplink.unwrap().confirmed);
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
        ("unknown DevAddr passes dedup", &stranger, Ok(Admission::Opened)),
    ];
    for (name, phy, want) in cases {
        assert_eq!(net.copy(0, phy, 1, s), want, "{name}");
    }
    assert_eq!(net.poll(200), [UplinkOutcome::Dropped(DropReason::UnknownDevAddr)]);
    assert_eq!((net.dropped(DropReason::Parse), net.dropped(DropReason::NotDataUplink)), (2, 1));
}

#[test]
fn too_many_candidates_refused_and_counted() {
    let mut core = NetworkCore::new(NetworkConfig { max_candidates: 2, ..Default::default() });
    for (i, seed) in [1u8, 2, 3].into_iter().enumerate() {
        let r = core.insert_session(Dev::new(0x0100_0000, false, seed).session(&format!("d{i}")));
        assert_eq!(r.is_ok(), i < 2, "device {i}");
    }
    assert_eq!(core.counters().dropped(DropReason::TooManyCandidates), 1);
    assert_eq!(core.sessions().len(), 2);
}
