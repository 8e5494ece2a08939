//! `wss://` end to end: a node whose `[basicstation]` has `tls_cert`/`tls_key` (a self-signed
//! certificate `rcgen` makes for `localhost`, written as PEM files) against the station of
//! [`bs_support`] over `tokio-rustls` trusting that certificate only. Discovery must answer a
//! `wss://` URI (Basic Station docs "The LNS Protocol": the station connects to the URI it is
//! given), the traffic connection must carry `version`/`router_config` and `updf` → uplink
//! event; clients speaking plain `ws://` to the TLS port, or not trusting the certificate, must
//! not get through.

mod bs_support;
mod e2e_support;
mod events_support;

use bs_support::*;
use dataplane::config::BasicStationSection;
use dataplane::gateway::registry::{GatewayRecord, GatewayRegistry};
use dataplane::node;
use e2e_support::*;
use std::net::SocketAddr;

const BS: u64 = 0x00B5_0000_0000_00A1;
const TOKEN: &str = "tls-station-token";
const XTIME: i64 = (0x21 << 48) | 9_000_000_000;

#[test]
fn station_over_wss_discovers_a_wss_uri_and_its_uplinks_become_events() {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (crt, key) = (dir.path().join("lns.crt"), dir.path().join("lns.key"));
    std::fs::write(&crt, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();

    let dev = Device::new("dev-tls", 0x2601_70A1, false, 0xA1);
    let registry = GatewayRegistry::new([GatewayRecord {
        eui: shared::types::Eui64::from_u64(BS),
        id: "gw-tls".into(),
        region: Some("EU868".into()),
        auth_token_hash: Some(token_hash(TOKEN)),
    }])
    .unwrap();
    let mut config = node_config(FAST);
    config.basicstation = Some(BasicStationSection {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls_cert: Some(crt),
        tls_key: Some(key),
        ..Default::default()
    });
    let node = node::start(&config, registry, vec![dev.record(Some(1))]).expect("node starts");
    let addr = node.bs_addr.expect("LNS enabled");
    block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let tls = tls_connector(ck.cert.der().clone());
        let host = format!("localhost:{}", addr.port());
        let (mut st, uri) = Station::connect_tls(&tls, addr, &host, BS, Some(TOKEN))
            .await
            .expect("wss traffic connection");
        assert_eq!(uri, format!("wss://{host}/traffic/{BS:016X}"));
        let rc = st.version().await;
        assert_eq!(rc["region"], "EU868", "{rc}");
        st.updf(&dev.uplink(2, 1, b"tls"), XTIME).await;
        let up = sse.next().await;
        assert_eq!(
            (up["type"].as_str(), up["fcnt"].as_u64()),
            (Some("uplink"), Some(2)),
            "{up}"
        );
        assert_eq!(hex_u64(&up["rx_metadata"][0]["gateway_eui"]), BS, "{up}");

        // Plain WebSocket to the TLS port, and TLS not trusting the certificate: refused.
        let plain = Station::open(&format!("ws://{addr}/traffic/{BS:016X}"), Some(TOKEN)).await;
        assert!(plain.is_err(), "plain ws:// on the TLS port");
        let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let untrusted = Station::open_tls(
            &tls_connector(other.cert.der().clone()),
            addr,
            &uri,
            Some(TOKEN),
        )
        .await;
        assert!(
            untrusted.is_err(),
            "a certificate the client does not trust"
        );
        wait_metric(&node, "dataplane_bs_drops_total", 2, |t| {
            sample(t, "dataplane_bs_drops_total", "reason=\"tls\"").unwrap_or(0)
        })
        .await;
        // The first station is still served.
        st.updf(&dev.uplink(3, 1, b"still"), XTIME + 1_000_000)
            .await;
        assert_eq!(sse.next().await["fcnt"], 3);
    });
    node.stop();
}
