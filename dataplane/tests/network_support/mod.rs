//! Shared by the `network_*` integration tests: devices whose frames are built, encrypted and
//! MIC'd by an independent implementation, ChirpStack's `lrwn` 4.13
//! (`PhyPayload::encrypt_frm_payload`, `encrypt_f_opts`, `set_uplink_data_mic`, LoRaWAN 1.0 and
//! 1.1), and the core on a virtual clock in milliseconds.
#![allow(dead_code, unused_imports)] // each test file uses a part

pub use dataplane::application::event::{ApplicationUplink, RadioSettings, RxMetadata};
pub use dataplane::network::{
    Admission, DropReason, LorawanVersion, Micros, NetworkConfig, NetworkCore, Now, Session,
    SessionKeys, UplinkOutcome,
};
pub use lrwn::{AES128Key, MACCommand as LCmd, MACVersion};
pub use shared::lorawan::mac::{DevStatusAns, LinkAdrAns, MacCommand};
pub use shared::region::RegionId;
pub use shared::types::{Aes128Key, DevAddr, DevEui, Eui64};

/// EU868 default channels 0–2 (RP002-1.0.3 §2.1.2).
pub const EU: [u64; 3] = [868_100_000, 868_300_000, 868_500_000];
pub const EPOCH_MS: u64 = 1_700_000_000_000;

/// A simulated device: its session keys and version.
#[derive(Clone, Copy)]
pub struct Dev {
    pub addr: u32,
    pub seed: u8,
    pub v11: bool,
    /// FNwkSIntKey (1.0: NwkSKey), SNwkSIntKey, NwkSEncKey, AppSKey.
    pub keys: [[u8; 16]; 4],
}

/// One uplink as the device sends it.
#[derive(Clone)]
pub struct Up {
    pub fcnt: u32,
    pub confirmed: bool,
    pub adr: bool,
    pub adr_ack_req: bool,
    pub ack: bool,
    pub conf_fcnt: u32,
    pub fopts: Vec<LCmd>,
    pub fport: Option<u8>,
    pub payload: Vec<u8>,
    pub port0: Vec<LCmd>,
    pub tx_dr: u8,
    pub tx_ch: u8,
}

pub fn up(fcnt: u32) -> Up {
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
    pub fn new(addr: u32, v11: bool, seed: u8) -> Self {
        let k = |i: u8| [seed.wrapping_mul(16).wrapping_add(i); 16];
        Self {
            addr,
            seed,
            v11,
            keys: [k(1), k(2), k(3), k(4)],
        }
    }

    pub fn session(&self, device_id: &str) -> Session {
        let key = |i: usize| Aes128Key::from_bytes(self.keys[i]);
        let (version, keys) = if self.v11 {
            (
                LorawanVersion::V1_1,
                SessionKeys::v1_1(&key(0), &key(1), &key(2), Some(&key(3))),
            )
        } else {
            (
                LorawanVersion::V1_0,
                SessionKeys::v1_0(&key(0), Some(&key(3))),
            )
        };
        Session::new(
            DevAddr::from_u32(self.addr),
            "app-1",
            device_id,
            version,
            keys,
            RegionId::Eu868,
        )
        .with_dev_eui(DevEui::from_u64(
            u64::from(self.seed) << 32 | u64::from(self.addr),
        ))
    }

    /// The PHYPayload, built, encrypted and MIC'd by lrwn.
    pub fn frame(&self, u: &Up) -> Vec<u8> {
        let key = |i: usize| AES128Key::from_bytes(self.keys[i]);
        // 1.0: NwkSKey is every network key.
        let (f, s, e) = if self.v11 {
            (key(0), key(1), key(2))
        } else {
            (key(0), key(0), key(0))
        };
        let frm = match u.fport {
            Some(0) => Some(lrwn::FRMPayload::MACCommandSet(lrwn::MACCommandSet::new(
                u.port0.clone(),
            ))),
            Some(_) => Some(lrwn::FRMPayload::Raw(u.payload.clone())),
            None => None,
        };
        let mut phy = lrwn::PhyPayload {
            mhdr: lrwn::MHDR {
                f_type: if u.confirmed {
                    lrwn::FType::ConfirmedDataUp
                } else {
                    lrwn::FType::UnconfirmedDataUp
                },
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
        phy.set_uplink_data_mic(version, u.conf_fcnt, u.tx_dr, u.tx_ch, &f, &s)
            .unwrap();
        phy.to_vec().unwrap()
    }
}

pub fn radio(freq: u64, sf: u8) -> RadioSettings {
    RadioSettings {
        frequency_hz: freq,
        spreading_factor: sf,
        bandwidth_hz: 125_000,
        bit_rate: 0,
    }
}

pub fn rx(gw: u64, snr: f32) -> RxMetadata {
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
pub struct Net {
    pub core: NetworkCore,
}

impl Net {
    pub fn new(devices: &[(Dev, &str)]) -> Self {
        let mut core = NetworkCore::new(NetworkConfig::default());
        for (d, id) in devices {
            core.insert_session(d.session(id)).unwrap();
        }
        Self { core }
    }
    pub fn copy(
        &mut self,
        t_ms: u64,
        phy: &[u8],
        gw: u64,
        settings: RadioSettings,
    ) -> Result<Admission, DropReason> {
        let now = Now {
            at: Micros(t_ms * 1000),
            unix_ms: EPOCH_MS + t_ms,
        };
        self.core
            .handle_uplink(now, phy, rx(gw, gw as f32), settings)
    }
    pub fn poll(&mut self, t_ms: u64) -> Vec<UplinkOutcome> {
        self.core.poll_all(Micros(t_ms * 1000)).collect()
    }
    /// One copy at `t_ms` on channel 0 at DR5, then the window closed.
    pub fn one(&mut self, t_ms: u64, phy: &[u8]) -> UplinkOutcome {
        self.copy(t_ms, phy, 1, radio(EU[0], 7)).unwrap();
        let mut out = self.poll(t_ms + 200);
        assert_eq!(out.len(), 1);
        out.remove(0)
    }
    pub fn dropped(&self, r: DropReason) -> u64 {
        self.core.counters().dropped(r)
    }
    pub fn session(&self, id: &str) -> &Session {
        self.core.sessions().get_by_device_id("app-1", id).unwrap()
    }
}

pub fn delivered(o: UplinkOutcome) -> ApplicationUplink {
    match o {
        UplinkOutcome::Delivered(u) => u,
        other => panic!("expected Delivered, got {other:?}"),
    }
}
