//! loadgen against a whole data plane started in-process (`dataplane::node::start`) on
//! loopback: the fleet files loadgen writes are read by the data plane's own parsers, a short
//! scenario runs over real sockets, and every uplink must come back exactly once as an
//! application event with all its gateways merged, with no loss of any kind. A second run on
//! the same fleet continues the frame counters (no replays). Every wait is bounded by the
//! scenario's own duration, ack timeout and drain.

use dataplane::config::Config;
use dataplane::gateway::registry::GatewayRegistry;
use dataplane::node;
use dataplane::sync::session_file;
use loadgen::fleet::{FleetSpec, GATEWAYS_FILE, SESSIONS_FILE};
use loadgen::run::{self, load_fcnt, save_fcnt};
use loadgen::scenario::{Dur, KRange, Rate, Scenario};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("loadgen-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn every_uplink_delivered_once_with_all_gateways() {
    let dir = temp_dir("fleet");
    let fleet = FleetSpec {
        devices: 200,
        gateways: 5,
        max_k: 3,
        ..FleetSpec::default()
    };
    fleet.write(&dir).expect("fleet files");
    let gw_text = std::fs::read_to_string(dir.join(GATEWAYS_FILE)).unwrap();
    let registry = GatewayRegistry::from_toml(&gw_text).expect("gateways.toml parses");
    let sessions = session_file::parse(&std::fs::read_to_string(dir.join(SESSIONS_FILE)).unwrap())
        .expect("sessions.toml parses");
    assert_eq!((registry.len(), sessions.len()), (5, 200));

    let mut config = Config {
        workers: 2,
        pin_workers: false,
        ..Config::default()
    };
    config.udp.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.api.http_bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.api.grpc_bind = SocketAddr::from(([127, 0, 0, 1], 0));
    // Copies are up to 50 ms apart; a 100 ms window merges all three.
    config.network.dedup_window_ms = 100;
    config.network.dedup_cooldown_ms = 300;
    let node = node::start(&config, registry, sessions).expect("node starts");

    let out = temp_dir("report");
    let scenario = Scenario {
        target: node.udp_addr,
        events: format!("http://{}", node.grpc_addr),
        fleet: dir.clone(),
        duration: Dur(Duration::from_secs(2)),
        rate: Rate::PerSecond(500.0),
        k: KRange { min: 3, max: 3 },
        jitter: Dur(Duration::from_millis(50)),
        confirmed: 0.25,
        sockets: 2,
        drain: Dur(Duration::from_secs(5)),
        out: out.clone(),
        progress: false,
        ..Scenario::default()
    };
    let first = run::run(&scenario, &fleet, load_fcnt(&dir, fleet.devices)).expect("run");
    let r = &first.report;
    assert!(r.uplinks_sent >= 500, "sent {}", r.uplinks_sent);
    assert_eq!(r.events_delivered, r.uplinks_sent, "every uplink delivered");
    assert_eq!(r.losses.total(), 0, "{:?}", r.losses);
    assert_eq!((r.losses.merged_fewer, r.losses.merged_more), (0, 0));
    assert_eq!(
        r.merged_gateways,
        vec![[3, r.uplinks_sent]],
        "each event merged k = 3"
    );
    assert_eq!(r.copies_sent, 3 * r.uplinks_sent);
    assert_eq!(r.latency.count, r.uplinks_sent);
    assert!(r.cost.cpu_us_per_uplink > 0.0);

    r.write(&out).expect("report written");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap())
            .expect("report.json is JSON");
    assert_eq!(json["uplinks_sent"], r.uplinks_sent);
    assert_eq!(json["losses"]["no_event"], 0);
    assert!(json["per_second"].as_array().is_some_and(|a| !a.is_empty()));
    for f in ["report.md", "latency.svg", "throughput.svg"] {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(!text.is_empty(), "{f}");
    }
    assert!(
        std::fs::read_to_string(out.join("latency.svg"))
            .unwrap()
            .contains("<polyline")
    );

    // Second run: the counters continue from the first, so nothing is a replay.
    save_fcnt(&dir, &first.fcnt_next).unwrap();
    assert!(first.fcnt_next.iter().all(|f| *f > 0));
    let again = Scenario {
        duration: Dur(Duration::from_secs(1)),
        k: KRange { min: 1, max: 3 },
        ..scenario
    };
    let second = run::run(&again, &fleet, load_fcnt(&dir, fleet.devices)).expect("second run");
    let r2 = &second.report;
    assert!(r2.uplinks_sent > 0);
    assert_eq!(r2.events_delivered, r2.uplinks_sent);
    assert_eq!(r2.losses.total(), 0, "{:?}", r2.losses);
    assert_eq!((r2.losses.merged_fewer, r2.losses.merged_more), (0, 0));
    node.stop();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&out);
}
