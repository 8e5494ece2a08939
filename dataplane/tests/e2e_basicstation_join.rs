//! OTAA over Basic Station end to end: the real control plane (`PlaneService` with its Join
//! Server over an embedded store, served in-process on loopback as in `e2e_join.rs`), a node
//! following it with the LNS endpoint on, and the station of [`bs_support`]. The device is
//! played by ChirpStack's `lrwn` 4.13: it builds and MICs the join-request, decrypts and checks
//! the join-accept and derives the LoRaWAN 1.0.3 session keys, then builds the data uplink.
//!
//! Then the gateway is deleted in the store: the watch removes it from the node's registry,
//! which closes the station's connection, and a reconnect is refused (404).
//!
//! Oracles: JOIN_ACCEPT_DELAY1 = 5 s and EU868 RX1 on the uplink's frequency and DR, RX2
//! 869.525 MHz DR0 (RP002-1.0.3 §2.1.7–2.1.8); a station's `dnmsg` carries the uplink's `xtime`
//! and `rctx` with `RxDelay` in seconds (Basic Station docs, "Downlink Message"); `jreq` fields
//! as "Join Request" there.

mod bs_support;
mod e2e_support;
mod events_support;

use bs_support::*;
use controlplane::join::{JoinServer, JoinServerConfig, KeyVault, KeyVaultConfig};
use controlplane::push::{PlaneService, WatchSettings};
use controlplane::store::Store;
use controlplane::store::conformance::fixtures;
use controlplane::store::embedded::EmbeddedStore;
use controlplane::store::model::{MacVersion, RootKeys, WrappedKey};
use dataplane::config::BasicStationSection;
use e2e_support::*;
use futures_util::StreamExt;
use lrwn::{AES128Key, EUI64};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

const GW: u64 = 0x00B5_0000_0000_0C01;
const JOIN_EUI: u64 = 0x70B3_D57E_D000_0B50;
const DEV_EUI: u64 = 0x0004_A30B_0000_0B51;
const OWNER: &str = "bs-join-owner";
const APP_KEY: [u8; 16] = *b"bs-join-app-key!";
const TOKEN: &str = "bs-join-token";
const XTIME: i64 = (0x31 << 48) | 12_000_000_000;

/// The control plane in-process: store, Join Server and `PlaneSync` on a loopback port.
async fn control_plane(dir: &std::path::Path) -> (SocketAddr, Arc<dyn Store>) {
    let store: Arc<dyn Store> =
        Arc::new(EmbeddedStore::open(dir.join("store.redb")).expect("store opens"));
    let js = Arc::new(JoinServer::new(&JoinServerConfig::default()).expect("join server"));
    let vault = Arc::new(KeyVault::from_config(&KeyVaultConfig::default()));
    let plane = PlaneService::new(store.clone(), js, vault, WatchSettings::default());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(tonic::transport::Server::builder().serve_with_incoming(
        shared::api::plane_sync_server::PlaneSyncServer::new(plane),
        tonic::transport::server::TcpIncoming::from(l),
    ));
    store
        .create_user(fixtures::user(OWNER))
        .await
        .expect("user");
    store
        .create_application(fixtures::application(APP, OWNER))
        .await
        .expect("application");
    let mut g = fixtures::gateway("gw-bs-join", GW);
    g.frequency_plan_id = "EU_863_870".into();
    g.auth_token_hash = Some(token_hash(TOKEN));
    store.create_gateway(g).await.expect("gateway");
    let mut d = fixtures::device(APP, "dev-bs-join", JOIN_EUI, DEV_EUI);
    d.frequency_plan_id = "EU_863_870".into();
    d.mac_version = MacVersion::V1_0_3;
    d.root_keys = Some(RootKeys {
        app_key: WrappedKey {
            kek_label: String::new(),
            key: APP_KEY.to_vec(),
        },
        nwk_key: None,
    });
    store.create_end_device(d).await.expect("device");
    (addr, store)
}

/// A join-request with `dev_nonce`, built and MIC'd by `lrwn`.
fn join_request(dev_nonce: u16) -> Vec<u8> {
    let mut phy = lrwn::PhyPayload {
        mhdr: lrwn::MHDR {
            f_type: lrwn::FType::JoinRequest,
            major: lrwn::Major::LoRaWANR1,
        },
        payload: lrwn::Payload::JoinRequest(lrwn::JoinRequestPayload {
            join_eui: EUI64::from_be_bytes(JOIN_EUI.to_be_bytes()),
            dev_eui: EUI64::from_be_bytes(DEV_EUI.to_be_bytes()),
            dev_nonce,
        }),
        mic: None,
    };
    phy.set_join_request_mic(&AES128Key::from_bytes(APP_KEY))
        .expect("lrwn MIC");
    phy.to_vec().expect("lrwn encodes")
}

/// Decrypts and checks the join-accept for `dev_nonce` and returns the joined device.
fn accept(bytes: &[u8], dev_nonce: u16) -> Device {
    let key = AES128Key::from_bytes(APP_KEY);
    let mut phy = lrwn::PhyPayload::from_slice(bytes).expect("lrwn parses the join-accept");
    assert_eq!(phy.mhdr.f_type, lrwn::FType::JoinAccept);
    phy.decrypt_join_accept_payload(&key)
        .expect("lrwn decrypts");
    let join_eui = EUI64::from_be_bytes(JOIN_EUI.to_be_bytes());
    assert!(
        phy.validate_join_accept_mic(lrwn::JoinType::Join, &join_eui, dev_nonce, &key)
            .expect("MIC computable"),
        "join-accept MIC"
    );
    let lrwn::Payload::JoinAccept(ja) = &phy.payload else {
        panic!("not a join-accept: {phy:?}")
    };
    let (n, net) = (ja.join_nonce, ja.home_netid);
    let k = |r: anyhow::Result<AES128Key>| r.expect("key derivation").to_bytes();
    let nwk = k(lrwn::keys::get_f_nwk_s_int_key(
        false, &key, &net, &join_eui, n, dev_nonce,
    ));
    let app = k(lrwn::keys::get_app_s_key(
        false, &key, &net, &join_eui, n, dev_nonce,
    ));
    Device {
        id: "dev-bs-join",
        addr: u32::from_be_bytes(ja.devaddr.to_be_bytes()),
        seed: 0,
        v11: false,
        keys: [nwk, nwk, nwk, app],
    }
}

#[test]
fn station_jreq_gets_a_join_accept_dnmsg_the_joined_device_uplinks_and_removal_disconnects() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The control plane's runtime outlives the node (the node follows it).
    let rt = tokio::runtime::Runtime::new().expect("control plane runtime");
    let (cp_addr, store) = rt.block_on(control_plane(dir.path()));
    let mut config = node_config(FAST);
    config.control_plane.url = format!("http://{cp_addr}");
    config.control_plane.max_backoff_ms = 200;
    config.basicstation = Some(BasicStationSection {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..Default::default()
    });
    let node = dataplane::node::start(&config, Default::default(), Vec::new()).expect("node");
    let addr = node.bs_addr.expect("LNS enabled");
    rt.block_on(async {
        wait_metric(&node, "snapshot", 1, |t| {
            sample(t, "dataplane_sync_snapshots_total", "")
                .unwrap_or(0)
                .min(1)
        })
        .await;
        // The watched registry reaches every core's LNS listener shortly after the snapshot.
        let traffic = format!("ws://{addr}/traffic/{GW:016X}");
        let mut st = None;
        for _ in 0..50 {
            match Station::open(&traffic, Some(TOKEN)).await {
                Ok(s) => {
                    st = Some(s);
                    break;
                }
                Err(WsError::Http(_)) => tokio::time::sleep(Duration::from_millis(50)).await,
                Err(e) => panic!("{e}"),
            }
        }
        let mut st = st.expect("the watched gateway is served");
        st.version().await;
        let mut sse = subscribe(&node, 1).await;

        let dev_nonce = 0x0B51;
        st.jreq(&join_request(dev_nonce), XTIME).await;
        let dn = st.recv().await;
        assert_eq!(dn["msgtype"], "dnmsg", "{dn}");
        assert_eq!(dn["xtime"].as_i64(), Some(XTIME), "the jreq's xtime: {dn}");
        assert_eq!(dn["RxDelay"], 5, "JOIN_ACCEPT_DELAY1: {dn}");
        assert_eq!(dn["rctx"], 0, "{dn}");
        assert_eq!(
            (dn["RX1DR"].as_i64(), dn["RX1Freq"].as_i64()),
            (Some(5), Some(868_100_000)),
            "{dn}"
        );
        assert_eq!(
            (dn["RX2DR"].as_i64(), dn["RX2Freq"].as_i64()),
            (Some(0), Some(869_525_000)),
            "{dn}"
        );
        assert_eq!(hex_u64(&dn["DevEui"]), DEV_EUI, "{dn}");
        let dev = accept(&unhex(dn["pdu"].as_str().expect("pdu")), dev_nonce);
        st.send(json!({"msgtype":"dntxed","diid":dn["diid"],"DevEui":dn["DevEui"],"rctx":0,"xtime":XTIME + 5_000_000,"txtime":1_700_000_005.0,"gpstime":0})).await;

        // The joined device's first uplink, under the keys lrwn derived, reaches the app.
        st.updf(&dev.uplink(0, 3, b"joined"), XTIME + 20_000_000)
            .await;
        let up = loop {
            let v = sse.next().await;
            if v["type"] == "uplink" {
                break v;
            }
        };
        assert_eq!(up["device_id"], "dev-bs-join", "{up}");
        assert_eq!(up["fcnt"], 0, "{up}");
        assert_eq!(
            up["frm_payload"].as_str().map(str::to_ascii_uppercase),
            Some(hex(b"joined")),
            "decrypted with the AppSKey lrwn derived: {up}"
        );
        assert_eq!(hex_u64(&up["rx_metadata"][0]["gateway_eui"]), GW, "{up}");

        // Deleted from the registry: the watch removes it and the node closes its connection.
        let id = controlplane::store::id::GatewayId::new("gw-bs-join").unwrap();
        store.delete_gateway(&id).await.expect("delete");
        let end = tokio::time::timeout(WAIT, async {
            loop {
                match st.ws.next().await {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                    Some(Ok(_)) => {}
                }
            }
        })
        .await;
        assert!(end.is_ok(), "the removed gateway's connection is closed");
        wait_metric(&node, "dataplane_bs_drops_total", 1, |t| {
            sample(t, "dataplane_bs_drops_total", "reason=\"gateway_removed\"").unwrap_or(0)
        })
        .await;
        assert!(
            matches!(
                Station::open(&traffic, Some(TOKEN)).await,
                Err(WsError::Http(r)) if r.status() == 404
            ),
            "a removed gateway cannot reconnect"
        );
    });
    node.stop();
    drop(rt);
}
