//! Helpers of the OTAA end-to-end tests (`e2e_join.rs`, `e2e_rejoin.rs`): devices played by
//! ChirpStack's `lrwn` 4.13, the control plane in-process, a node following it.

#![allow(dead_code)]

use crate::e2e_support::*;
use controlplane::join::{JoinServer, JoinServerConfig, KeyVault, KeyVaultConfig};
use controlplane::push::{PlaneService, WatchSettings};
use controlplane::store::Store;
use controlplane::store::conformance::fixtures;
use controlplane::store::embedded::EmbeddedStore;
use controlplane::store::model::{MacVersion, RootKeys, WrappedKey};
use lrwn::{AES128Key, EUI64};
use semtech_udp::client_runtime::DownlinkRequest;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub const GW: u64 = 0x00C0_0000_0000_0001;
pub const JOIN_EUI: u64 = 0x70B3_D57E_D000_0000;
pub const OWNER: &str = "e2e-owner";

/// The uplink `tmst` gateway `eui` reports (see `e2e_support::rxpk`).
pub fn uplink_tmst(eui: u64) -> u32 {
    1_000_000 + eui as u32
}

/// An OTAA device as `lrwn` plays it.
pub struct Otaa {
    pub id: &'static str,
    pub dev_eui: u64,
    pub v11: bool,
    pub app_key: [u8; 16],
    pub nwk_key: [u8; 16],
    pub plan: &'static str,
}

impl Otaa {
    pub fn new(id: &'static str, dev_eui: u64, v11: bool, plan: &'static str) -> Self {
        let seed = dev_eui as u8;
        Self {
            id,
            dev_eui,
            v11,
            app_key: std::array::from_fn(|i| seed ^ (i as u8).wrapping_mul(29)),
            nwk_key: std::array::from_fn(|i| seed ^ 0x5A ^ (i as u8).wrapping_mul(13)),
            plan,
        }
    }

    /// Its store record: root keys as plain 16-byte keys (empty KEK label).
    pub fn record(&self) -> controlplane::store::model::EndDevice {
        let mut d = fixtures::device(APP, self.id, JOIN_EUI, self.dev_eui);
        d.frequency_plan_id = self.plan.into();
        let plain = |k: [u8; 16]| WrappedKey {
            kek_label: String::new(),
            key: k.to_vec(),
        };
        d.mac_version = if self.v11 {
            MacVersion::V1_1
        } else {
            MacVersion::V1_0_3
        };
        d.root_keys = Some(RootKeys {
            app_key: plain(self.app_key),
            nwk_key: self.v11.then(|| plain(self.nwk_key)),
        });
        d
    }

    /// The key that MICs the join-request and encrypts the join-accept (1.0: AppKey; 1.1:
    /// NwkKey).
    pub fn join_key(&self) -> AES128Key {
        AES128Key::from_bytes(if self.v11 { self.nwk_key } else { self.app_key })
    }

    /// A join-request with `dev_nonce`, built and MIC'd by `lrwn`.
    pub fn join_request(&self, dev_nonce: u16) -> Vec<u8> {
        let mut phy = lrwn::PhyPayload {
            mhdr: lrwn::MHDR {
                f_type: lrwn::FType::JoinRequest,
                major: lrwn::Major::LoRaWANR1,
            },
            payload: lrwn::Payload::JoinRequest(lrwn::JoinRequestPayload {
                join_eui: EUI64::from_be_bytes(JOIN_EUI.to_be_bytes()),
                dev_eui: EUI64::from_be_bytes(self.dev_eui.to_be_bytes()),
                dev_nonce,
            }),
            mic: None,
        };
        phy.set_join_request_mic(&self.join_key())
            .expect("lrwn MIC");
        phy.to_vec().expect("lrwn encodes")
    }

    /// Decrypts and checks the join-accept answering `dev_nonce`, derives the session keys and
    /// returns the device with that session (keys: FNwkSIntKey, SNwkSIntKey, NwkSEncKey,
    /// AppSKey; 1.0: NwkSKey thrice).
    pub fn accept(&self, bytes: &[u8], dev_nonce: u16) -> Device {
        self.accept_as(bytes, lrwn::JoinType::Join, dev_nonce)
    }

    /// As [`Otaa::accept`] for the join-accept answering a join-request (`JoinType::Join`,
    /// `nonce` = DevNonce) or a rejoin-request (`nonce` = RJcount0/1): LoRaWAN 1.1 §6.2.3
    /// encrypts the latter with JSEncKey and MICs it with its JoinReqType.
    pub fn accept_as(&self, bytes: &[u8], join_type: lrwn::JoinType, dev_nonce: u16) -> Device {
        let mut phy = lrwn::PhyPayload::from_slice(bytes).expect("lrwn parses the join-accept");
        assert_eq!(phy.mhdr.f_type, lrwn::FType::JoinAccept);
        let enc_key = match join_type {
            lrwn::JoinType::Join => self.join_key(),
            _ => {
                let dev_eui = EUI64::from_be_bytes(self.dev_eui.to_be_bytes());
                lrwn::keys::get_js_enc_key(&dev_eui, &self.join_key()).expect("JSEncKey")
            }
        };
        phy.decrypt_join_accept_payload(&enc_key)
            .expect("lrwn decrypts");
        let join_eui = EUI64::from_be_bytes(JOIN_EUI.to_be_bytes());
        let dev_eui = EUI64::from_be_bytes(self.dev_eui.to_be_bytes());
        let mic_key = match self.v11 {
            true => lrwn::keys::get_js_int_key(&dev_eui, &self.join_key()).expect("JSIntKey"),
            false => self.join_key(),
        };
        assert!(
            phy.validate_join_accept_mic(join_type, &join_eui, dev_nonce, &mic_key)
                .expect("MIC computable"),
            "join-accept MIC"
        );
        let lrwn::Payload::JoinAccept(ja) = &phy.payload else {
            panic!("not a join-accept: {phy:?}")
        };
        assert_eq!(ja.dl_settings.opt_neg, self.v11, "OptNeg: {ja:?}");
        assert_eq!(ja.dl_settings.rx1_dr_offset, 0, "{ja:?}");
        let (nonce, net_id) = (ja.join_nonce, ja.home_netid);
        let nwk = self.join_key();
        let app = AES128Key::from_bytes(self.app_key);
        let k = |r: anyhow::Result<AES128Key>| r.expect("key derivation").to_bytes();
        let o = self.v11;
        let f = k(lrwn::keys::get_f_nwk_s_int_key(
            o, &nwk, &net_id, &join_eui, nonce, dev_nonce,
        ));
        let keys = match self.v11 {
            true => [
                f,
                k(lrwn::keys::get_s_nwk_s_int_key(
                    o, &nwk, &net_id, &join_eui, nonce, dev_nonce,
                )),
                k(lrwn::keys::get_nwk_s_enc_key(
                    o, &nwk, &net_id, &join_eui, nonce, dev_nonce,
                )),
                k(lrwn::keys::get_app_s_key(
                    o, &app, &net_id, &join_eui, nonce, dev_nonce,
                )),
            ],
            false => [
                f,
                f,
                f,
                k(lrwn::keys::get_app_s_key(
                    o, &app, &net_id, &join_eui, nonce, dev_nonce,
                )),
            ],
        };
        Device {
            id: self.id,
            addr: u32::from_be_bytes(ja.devaddr.to_be_bytes()),
            seed: 0,
            v11: self.v11,
            keys,
        }
    }
}

/// The control plane in-process: store, Join Server and `PlaneSync` on a loopback port.
pub struct ControlPlane {
    pub addr: SocketAddr,
    pub store: Arc<dyn Store>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl ControlPlane {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store: Arc<dyn Store> =
            Arc::new(EmbeddedStore::open(dir.path().join("store.redb")).expect("store opens"));
        let js = Arc::new(JoinServer::new(&JoinServerConfig::default()).expect("join server"));
        let vault = Arc::new(KeyVault::from_config(&KeyVaultConfig::default()));
        let plane = PlaneService::new(store.clone(), js, vault, WatchSettings::default());
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = l.local_addr().expect("addr");
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(
            tonic::transport::Server::builder().serve_with_incoming_shutdown(
                shared::api::plane_sync_server::PlaneSyncServer::new(plane),
                tonic::transport::server::TcpIncoming::from(l),
                async {
                    let _ = stop_rx.await;
                },
            ),
        );
        store
            .create_user(fixtures::user(OWNER))
            .await
            .expect("user");
        store
            .create_application(fixtures::application(APP, OWNER))
            .await
            .expect("application");
        Self {
            addr,
            store,
            stop: Some(stop),
            _dir: dir,
        }
    }

    pub async fn add_gateway(&self, eui: u64, plan: &str) {
        let mut g = fixtures::gateway(&format!("gw-{eui:x}"), eui);
        g.frequency_plan_id = plan.into();
        self.store.create_gateway(g).await.expect("gateway");
    }

    pub async fn add_device(&self, d: &Otaa) {
        self.store
            .create_end_device(d.record())
            .await
            .expect("device");
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Starts a node following `cp` (2 cores; client side on `rt`).
pub fn start_node_with(cp: &ControlPlane) -> dataplane::node::Node {
    let mut config = node_config(FAST);
    config.control_plane.url = format!("http://{}", cp.addr);
    config.control_plane.max_backoff_ms = 200;
    dataplane::node::start(&config, Default::default(), Vec::new()).expect("node starts")
}

/// Waits until the node serves gateway `eui` (the watch delivered it) and has its downlink
/// route (its PULL_DATA was accepted), then returns the connected gateway.
pub async fn connect_gateway(node: &dataplane::node::Node, eui: u64) -> Gateway {
    wait_metric(node, "snapshot", 1, |t| {
        sample(t, "dataplane_sync_snapshots_total", "")
            .unwrap_or(0)
            .min(1)
    })
    .await;
    // The registry reaches the cores within the watch's 20 ms flush.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = sample(&metrics(node).await, "dataplane_packets_in_total", "").unwrap_or(0);
    let g = Gateway::connect(eui, node.udp_addr).await;
    wait_metric(node, "PULL_DATA", before + 1, |t| {
        sample(t, "dataplane_packets_in_total", "")
            .unwrap_or(0)
            .min(before + 1)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    g
}

pub fn joins_refused(text: &str, code: &str) -> u64 {
    sample(
        text,
        "dataplane_joins_refused_total",
        &format!("reason=\"{code}\""),
    )
    .unwrap_or(0)
}

pub fn join_accepts(text: &str, result: &str) -> u64 {
    sample(
        text,
        "dataplane_join_accepts_total",
        &format!("result=\"{result}\""),
    )
    .unwrap_or(0)
}

/// Checks an EU868 join-accept `txpk` of an uplink heard by `eui` on 868.1 MHz SF7BW125: RX1 at
/// tmst + 5 s on the same frequency and DR.
pub fn assert_join_rx1_eu868(req: &DownlinkRequest, eui: u64) {
    let tx = req.txpk();
    assert_eq!(tx.time.tmst(), Some(uplink_tmst(eui) + 5_000_000), "{tx:?}");
    assert!((tx.freq - 868.1).abs() < 1e-6, "{tx:?}");
    assert_eq!(tx.datr.to_string(), "SF7BW125", "{tx:?}");
    assert!(tx.ipol, "{tx:?}");
}

/// Sends `dev`'s data uplink `fcnt` and returns its application event.
pub async fn deliver(g: &Gateway, sse: &mut SseClient, dev: &Device, fcnt: u32, payload: &[u8]) {
    g.send(&dev.frame(fcnt, 7, payload, false, false), 5.0)
        .await;
    let v = sse
        .next_within(WAIT)
        .await
        .unwrap_or_else(|| panic!("{} frame {fcnt}: no event", dev.id));
    assert_eq!(v["type"], "uplink", "{v}");
    assert_eq!(v["device_id"], dev.id, "{v}");
    assert_eq!(v["fcnt"].as_u64(), Some(u64::from(fcnt)), "{v}");
    let hex: String = payload.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(
        v["frm_payload"].as_str().map(str::to_ascii_uppercase),
        Some(hex),
        "decrypted with the derived AppSKey: {v}"
    );
    assert_eq!(
        u64::from_str_radix(
            &v["dev_addr"]
                .as_str()
                .unwrap_or_default()
                .replace(['-', ':'], ""),
            16
        )
        .ok(),
        Some(u64::from(dev.addr)),
        "{v}"
    );
}
