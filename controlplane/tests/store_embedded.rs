//! The conformance suite on the embedded (redb) backend, one fresh file per case, plus
//! durability across a reopen of the file.

use controlplane::store::conformance::{self, Ctx, fixtures};
use controlplane::store::embedded::EmbeddedStore;
use controlplane::store::id::{ApplicationId, UserId};
use controlplane::store::model::JoinState;
use controlplane::store::{
    ChangeLog, EndDeviceStore, GatewayStore, JoinStateStore, PageRequest, Store, UserStore,
};
use shared::types::{DevEui, JoinEui};
use std::sync::Arc;

fn open(dir: &tempfile::TempDir) -> EmbeddedStore {
    EmbeddedStore::open(dir.path().join("store.redb")).expect("open")
}

macro_rules! cases {
    ($($case:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            let dir = tempfile::tempdir().unwrap();
            let store: Arc<dyn Store> = Arc::new(open(&dir));
            conformance::$case(Ctx::new(store)).await;
        }
    )*};
}

cases!(
    root_entities_crud,
    child_entities_crud,
    uniqueness,
    uniqueness_races,
    join_state_cas,
    pagination,
    bad_input,
    revisions_and_changes,
    compaction,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let app = ApplicationId::new("durable-app").unwrap();
    let (je, de) = (JoinEui::from_u64(1), DevEui::from_u64(2));
    let last_rev = {
        let s = open(&dir);
        for i in 0..20u64 {
            let d = fixtures::device(app.as_str(), &format!("dev-{i}"), 1, 100 + i);
            s.create_end_device(d).await.unwrap();
        }
        s.create_user(fixtures::user("durable-user")).await.unwrap();
        s.cas_join_state(JoinState::new(je, de), None)
            .await
            .unwrap();
        s.create_gateway(fixtures::gateway("durable-gw", 7))
            .await
            .unwrap()
            .unwrap()
        // `s` is dropped here without any explicit flush.
    };
    let s = open(&dir);
    let page = s
        .list_end_devices(&app, PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 20);
    assert!(
        s.get_user(&UserId::new("durable-user").unwrap())
            .await
            .is_ok()
    );
    assert_eq!(s.get_join_state(je, de).await.unwrap().unwrap().version, 1);
    assert_eq!(s.current_revision().await.unwrap(), last_rev);
    assert_eq!(
        s.changes_since(Default::default(), 1000)
            .await
            .unwrap()
            .len(),
        21
    );
    // Uniqueness claims survive too.
    let dup = fixtures::device("other-app", "dev-x", 1, 100);
    assert!(s.create_end_device(dup).await.is_err());
    // Revisions continue from where they were.
    let next = s
        .create_gateway(fixtures::gateway("durable-gw2", 8))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.0, last_rev.0 + 1);
}

/// Child half of `acknowledged_writes_survive_abort`: acknowledges writes on stdout, then
/// aborts the process (no destructor, no flush). Ignored; the parent runs it by name.
#[test]
#[ignore = "run by acknowledged_writes_survive_abort in a child process"]
fn crash_child() {
    let path = std::env::var("STORE_CRASH_CHILD").expect("run by the parent test");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let s = EmbeddedStore::open(&path).unwrap();
        for i in 0..30u64 {
            let d = fixtures::device("crash-app", &format!("dev-{i}"), 1, 100 + i);
            let rev = s.create_end_device(d).await.unwrap().unwrap();
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            writeln!(out, "acked dev-{i} {}", rev.0).unwrap();
            out.flush().unwrap();
        }
        std::process::abort();
    });
}

#[test]
fn acknowledged_writes_survive_abort() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.redb");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "crash_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("STORE_CRASH_CHILD", &path)
        .output()
        .unwrap();
    assert!(!out.status.success(), "the child must die by abort");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let acked: Vec<(String, u64)> = stdout
        .lines()
        .filter_map(|l| l.split_once("acked ").map(|(_, rest)| rest))
        .filter_map(|l| l.split_once(' '))
        .map(|(id, rev)| (id.to_string(), rev.parse().unwrap()))
        .collect();
    assert_eq!(acked.len(), 30, "child output: {stdout}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let s = EmbeddedStore::open(&path).unwrap();
        let app = ApplicationId::new("crash-app").unwrap();
        for (id, _) in &acked {
            let dev = controlplane::store::id::DeviceId::new(id.as_str()).unwrap();
            s.get_end_device(&app, &dev).await.unwrap();
        }
        let last = acked.last().unwrap().1;
        assert_eq!(s.current_revision().await.unwrap().0, last);
        assert_eq!(
            s.changes_since(Default::default(), 100)
                .await
                .unwrap()
                .len(),
            30
        );
    });
}
