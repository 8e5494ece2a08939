//! Both planes on loopback: a gateway and an ABP device registered through the control plane's
//! HTTP API reach a running data plane through the watch, and the device's uplink becomes an
//! application event. Prints the time from the API's `201 Created` to the session being applied
//! on the data plane (`dataplane_sync_sessions` on its `/metrics`), the figure issue 6 asks for.

mod e2e_support;
mod events_support;

use controlplane::api::http::{ApiState, router};
use controlplane::identity::{IdentityServer, bootstrap};
use controlplane::join::{JoinServer, JoinServerConfig, KeyVault};
use controlplane::push::{PlaneService, WatchSettings};
use controlplane::store::embedded::EmbeddedStore;
use e2e_support::*;
use events_support::request_with_body;
use shared::api::plane_sync_server::PlaneSyncServer;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const GW: u64 = 0x00A0_0000_0000_00D1;

async fn post(addr: SocketAddr, key: &str, path: &str, body: serde_json::Value) -> (u16, String) {
    let body = body.to_string();
    let headers = format!(
        "Authorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    let (status, _, text) = request_with_body(addr, "POST", path, &headers, &body).await;
    (status, text)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

#[test]
fn devices_registered_through_the_api_reach_the_data_plane() {
    let dir = std::env::temp_dir().join(format!("plane-registration-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let (api_addr, plane_addr, admin_key) = rt.block_on(async {
        let store: Arc<EmbeddedStore> =
            Arc::new(EmbeddedStore::open(dir.join("cp.redb")).expect("store"));
        let is = IdentityServer::new(store.clone(), KeyVault::default(), "");
        let boot = bootstrap(&is, "admin", Some("admin-password-1".into()))
            .await
            .expect("bootstrap")
            .expect("first start");
        let js = Arc::new(JoinServer::new(&JoinServerConfig::default()).expect("join server"));
        let settings = WatchSettings {
            poll_interval: Duration::from_millis(5),
            ..WatchSettings::default()
        };
        let plane = PlaneService::new(store, js, Arc::new(KeyVault::default()), settings);
        let api_l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let plane_l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let (api_addr, plane_addr) = (
            api_l.local_addr().expect("addr"),
            plane_l.local_addr().expect("addr"),
        );
        tokio::spawn(async move { axum::serve(api_l, router(ApiState::new(is))).await });
        tokio::spawn(tonic::transport::Server::builder().serve_with_incoming(
            PlaneSyncServer::new(plane),
            tonic::transport::server::TcpIncoming::from(plane_l),
        ));
        (api_addr, plane_addr, boot.api_key)
    });

    let mut config = node_config(FAST);
    config.control_plane.url = format!("http://{plane_addr}");
    let node =
        dataplane::node::start(&config, Default::default(), Vec::new()).expect("node starts");
    let dev = Device::new("dev-api", 0x2601_6001, false, 0x61);
    rt.block_on(async {
        let sessions = |text: &str| sample(text, "dataplane_sync_sessions", "");
        // The node has taken its (empty) snapshot before anything is registered.
        wait_metric(&node, "snapshot applied", 1, |t| {
            sample(t, "dataplane_sync_snapshots_total", "").unwrap_or(0)
        })
        .await;
        let (s, t) = post(api_addr, &admin_key, "/api/v1/users/admin/applications", serde_json::json!({"application_id": APP})).await;
        assert_eq!(s, 201, "{t}");
        let (s, t) = post(
            api_addr,
            &admin_key,
            "/api/v1/users/admin/gateways",
            serde_json::json!({"gateway_id": "gw-api", "eui": format!("{GW:016X}"), "frequency_plan_id": "EU_863_870"}),
        )
        .await;
        assert_eq!(s, 201, "{t}");
        let device = serde_json::json!({
            "device_id": dev.id, "dev_eui": format!("{:016X}", dev.dev_eui()), "join_eui": "0000000000000000",
            "mac_version": "MAC_V1_0_3", "phy_version": "RP001_V1_0_3_REV_A", "frequency_plan_id": "EU_863_870",
            "session": {"dev_addr": format!("{:08X}", dev.addr), "f_nwk_s_int_key": hex(&dev.keys[0]), "app_s_key": hex(&dev.keys[3])}
        });
        let before = sessions(&metrics(&node).await).unwrap_or(0);
        let (s, t) = post(api_addr, &admin_key, &format!("/api/v1/applications/{APP}/devices"), device).await;
        let created = Instant::now();
        assert_eq!(s, 201, "{t}");
        let mut applied = None;
        while created.elapsed() < WAIT {
            if sessions(&metrics(&node).await) == Some(before + 1) {
                applied = Some(created.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let applied = applied.expect("the session reaches the data plane");
        println!("API 201 -> session applied on the data plane: {applied:?}");

        let mut sse = subscribe(&node, 1).await;
        let g = Gateway::connect(GW, node.udp_addr).await;
        let mut got = None;
        for _ in 0..100 {
            g.send(&dev.uplink(1, 3, b"via api"), 4.0).await;
            if let Some(v) = sse.next_within(Duration::from_millis(50)).await {
                got = Some(v);
                break;
            }
        }
        let v = got.expect("the registered device's uplink is delivered");
        assert_uplink(&v, &dev, 1, 3, b"via api", &[GW]);
        g.close().await;
    });
    node.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
