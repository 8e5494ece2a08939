//! Downlink frames built by `network::downlink::build`, decoded and checked by an independent
//! implementation, ChirpStack's `lrwn` 4.13 (`PhyPayload::from_slice`,
//! `validate_downlink_data_mic`, `decrypt_f_opts`, `decrypt_frm_payload`): MIC under the right
//! keys and counters (1.0; 1.1 with ConfFCnt), ACK, FPending, FOpts, FPort, FRMPayload.

use dataplane::network::downlink::build::{compose, seal};
use dataplane::network::downlink::queue::{DownlinkId, QueueItem};
use dataplane::network::downlink::{FCntKind, FrameCounters, SessionCrypto};
use dataplane::network::{LorawanVersion, SessionKeys};
use lrwn::{AES128Key, FType, MACVersion, PhyPayload};
use shared::types::{Aes128Key, DevAddr};

const F: [u8; 16] = [0x11; 16];
const S: [u8; 16] = [0x22; 16];
const E: [u8; 16] = [0x33; 16];
const A: [u8; 16] = [0x44; 16];

struct Case {
    name: &'static str,
    v11: bool,
    acked: Option<u32>,
    mac: Vec<u8>,
    item: Option<(u8, Vec<u8>, bool)>,
    more: bool,
}

fn keys(v11: bool) -> SessionKeys {
    let k = Aes128Key::from_bytes;
    match v11 {
        true => SessionKeys::v1_1(&k(F), &k(S), &k(E), Some(&k(A))),
        false => SessionKeys::v1_0(&k(S), Some(&k(A))),
    }
}

/// Decodes with lrwn at the full counter; returns the frame and whether the MIC is valid with
/// `conf` as ConfFCnt.
fn decode(phy: &[u8], v11: bool, fcnt: u32, conf: u32) -> (PhyPayload, bool) {
    let mut p = PhyPayload::from_slice(phy).unwrap();
    if let lrwn::Payload::MACPayload(pl) = &mut p.payload {
        pl.fhdr.f_cnt = fcnt;
    }
    let version = match v11 {
        true => MACVersion::LoRaWAN1_1,
        false => MACVersion::LoRaWAN1_0,
    };
    let ok = p
        .validate_downlink_data_mic(version, conf, &AES128Key::from_bytes(S))
        .unwrap();
    (p, ok)
}

#[test]
fn frames_decoded_by_lrwn() {
    let link_check_ans = vec![0x02, 0x14, 0x03];
    let link_adr_req = vec![0x03, 0x51, 0xFF, 0x00, 0x01];
    let four_adr: Vec<u8> = link_adr_req.repeat(4);
    let cases = [
        Case {
            name: "1.0 ack + FOpts + app",
            v11: false,
            acked: Some(0x1_0007),
            mac: link_check_ans.clone(),
            item: Some((10, b"hello".to_vec(), false)),
            more: false,
        },
        Case {
            name: "1.0 MAC only in FOpts, FPending",
            v11: false,
            acked: None,
            mac: link_adr_req.clone(),
            item: None,
            more: true,
        },
        Case {
            name: "1.0 MAC on port 0",
            v11: false,
            acked: None,
            mac: four_adr.clone(),
            item: None,
            more: false,
        },
        Case {
            name: "1.0 confirmed app",
            v11: false,
            acked: None,
            mac: vec![],
            item: Some((200, vec![1, 2, 3], true)),
            more: true,
        },
        Case {
            name: "1.1 ack + FOpts + app (AFCntDown)",
            v11: true,
            acked: Some(0x2_0005),
            mac: link_check_ans.clone(),
            item: Some((10, b"hello".to_vec(), false)),
            more: false,
        },
        Case {
            name: "1.1 ack MAC only (NFCntDown)",
            v11: true,
            acked: Some(9),
            mac: link_adr_req.clone(),
            item: None,
            more: false,
        },
        Case {
            name: "1.1 MAC on port 0",
            v11: true,
            acked: None,
            mac: four_adr.clone(),
            item: None,
            more: false,
        },
        Case {
            name: "1.1 confirmed app, no FOpts",
            v11: true,
            acked: None,
            mac: vec![],
            item: Some((1, vec![0xFF; 40], true)),
            more: false,
        },
    ];
    for c in cases {
        let name = c.name;
        let ks = keys(c.v11);
        let session = SessionCrypto {
            dev_addr: DevAddr::from_u32(0x2601_1BDA),
            version: if c.v11 {
                LorawanVersion::V1_1
            } else {
                LorawanVersion::V1_0
            },
            keys: &ks,
        };
        let item = c.item.as_ref().map(|(p, b, conf)| QueueItem {
            id: DownlinkId(1),
            fport: *p,
            payload: b.clone(),
            confirmed: *conf,
        });
        let (spec, carried) = compose(
            c.acked.is_some(),
            true,
            &c.mac,
            item.as_ref(),
            c.more,
            false,
            250,
        )
        .unwrap()
        .unwrap();
        assert_eq!(carried, item.is_some(), "{name}");
        let mut counters = FrameCounters {
            n_fcnt_down: 0x1_0003,
            a_fcnt_down: 0x2_0100,
        };
        let (phy, fcnt, kind) = seal(&spec, &session, c.acked, &mut counters, 250).unwrap();
        let app = c.v11 && item.is_some();
        assert_eq!(
            kind,
            if app {
                FCntKind::Application
            } else {
                FCntKind::Network
            },
            "{name}"
        );
        assert_eq!(fcnt, if app { 0x2_0100 } else { 0x1_0003 }, "{name}");

        let conf = c.acked.unwrap_or(0);
        let (mut p, mic_ok) = decode(phy.as_slice(), c.v11, fcnt, conf);
        assert!(mic_ok, "{name}: MIC valid for lrwn");
        if c.v11 && c.acked.is_some() {
            let (_, wrong) = decode(phy.as_slice(), true, fcnt, conf + 1);
            assert!(!wrong, "{name}: ConfFCnt is in the 1.1 MIC");
        }
        let (_, wrong_cnt) = decode(phy.as_slice(), c.v11, fcnt + 0x1_0000, conf);
        assert!(!wrong_cnt, "{name}: the full 32-bit counter is in the MIC");

        let confirmed = item.as_ref().is_some_and(|i| i.confirmed);
        let want_type = if confirmed {
            FType::ConfirmedDataDown
        } else {
            FType::UnconfirmedDataDown
        };
        assert_eq!(p.mhdr.f_type, want_type, "{name}");
        if c.v11 {
            p.decrypt_f_opts(&AES128Key::from_bytes(E)).unwrap();
        }
        let port0 = c.mac.len() > 15;
        let frm_key = if port0 { if c.v11 { E } else { S } } else { A };
        p.decrypt_frm_payload(&AES128Key::from_bytes(frm_key))
            .unwrap();
        let lrwn::Payload::MACPayload(pl) = &p.payload else {
            panic!("{name}: not a MACPayload");
        };
        assert_eq!(pl.fhdr.f_ctrl.ack, c.acked.is_some(), "{name}: ACK");
        assert!(pl.fhdr.f_ctrl.adr, "{name}: ADR");
        assert_eq!(pl.fhdr.f_ctrl.f_pending, c.more, "{name}: FPending");
        let fopts = pl.fhdr.f_opts.to_vec().unwrap();
        let frm = pl.frm_payload.as_ref().map(|f| f.to_vec().unwrap());
        match (port0, &item) {
            (true, _) => {
                assert!(fopts.is_empty(), "{name}");
                assert_eq!(pl.f_port, Some(0), "{name}");
                assert_eq!(frm, Some(c.mac.clone()), "{name}: MAC on port 0");
            }
            (false, Some(it)) => {
                assert_eq!(fopts, c.mac, "{name}: FOpts");
                assert_eq!(pl.f_port, Some(it.fport), "{name}: FPort");
                assert_eq!(frm, Some(it.payload.clone()), "{name}: FRMPayload");
            }
            (false, None) => {
                assert_eq!(fopts, c.mac, "{name}: FOpts");
                assert_eq!(pl.f_port, None, "{name}");
            }
        }
    }
}
