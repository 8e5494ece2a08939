//! The conformance suite on ScyllaDB, when `SCYLLA_URI` names a reachable cluster
//! (`SCYLLA_URI=127.0.0.1:9042 cargo test -p controlplane --test store_scylla -- --nocapture`).
//! Without it the test prints that it skipped and checks nothing.
//!
//! Cases run one after another in one keyspace (`lorawan_conformance`, replication 1), each
//! with ids salted per run, compaction last (it moves the store-wide floor).

use controlplane::store::Store;
use controlplane::store::conformance;
use controlplane::store::scylla::{ScyllaConfig, ScyllaStore};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_on_scylla() {
    let Ok(uri) = std::env::var("SCYLLA_URI") else {
        println!("SCYLLA_URI not set, skipping");
        return;
    };
    let cfg = ScyllaConfig {
        uri,
        keyspace: "lorawan_conformance".into(),
        replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}".into(),
        // Short settle so the suite does not wait seconds per revision check.
        settle: Duration::from_millis(1500),
        write_timeout: Duration::from_secs(1),
        ..ScyllaConfig::default()
    };
    let store: Arc<dyn Store> = Arc::new(ScyllaStore::connect(cfg).await.expect("connect"));
    conformance::run_all(store).await;
    println!("scylla conformance: all cases passed");
}
