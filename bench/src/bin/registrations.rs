//! Device registrations/s on the embedded (redb) backend, in ONE run, through (1) the store
//! directly (`Store::create_end_device`), (2) the HTTP/JSON API and (3) the gRPC API, each on
//! a fresh store in the same directory, with `--concurrency` callers in flight; beside them the
//! disk's `fdatasync`s/s, the ceiling: every acknowledged registration is one redb commit, and
//! redb fsyncs each commit (durability `Immediate`), so registrations are disk-sync bound and
//! a ratio near 1 against the store means the API layers cost little next to the disk.
//!
//! ```text
//! cargo run --release -p bench --bin registrations -- [--devices 2000] [--concurrency 16] [--dir /var/tmp]
//! ```

use controlplane::api::grpc::GrpcApi;
use controlplane::api::http::{ApiState, router};
use controlplane::identity::{IdentityServer, bootstrap};
use controlplane::join::KeyVault;
use controlplane::store::embedded::EmbeddedStore;
use controlplane::store::id::{ApplicationId, DeviceId, UserId};
use controlplane::store::model::EntityRef;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use shared::api::v1;
use shared::types::Aes128Key;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

struct Args {
    devices: usize,
    concurrency: usize,
    dir: PathBuf,
}

fn args() -> Args {
    let mut a = Args {
        devices: 2000,
        concurrency: 16,
        dir: std::env::temp_dir(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_default();
        match k.as_str() {
            "--devices" => a.devices = v.parse().expect("--devices N"),
            "--concurrency" => a.concurrency = v.parse().expect("--concurrency N"),
            "--dir" => a.dir = v.into(),
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

/// `fdatasync`s/s of 128-byte appends to a file in `dir`.
fn fsyncs_per_s(dir: &Path, n: usize) -> f64 {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("registrations-fsync.bin");
    let mut f = std::fs::File::create(&path).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        f.write_all(&[0x5a; 128]).unwrap();
        f.sync_data().unwrap();
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(path);
    rate
}

/// An Identity Server over a fresh embedded store, with user `bench`, application `app`.
async fn fresh(dir: &Path, name: &str) -> (IdentityServer, String, tempfile_dir::Dir) {
    let d = tempfile_dir::Dir::new(dir, name);
    let store = EmbeddedStore::open(d.0.join("cp.redb")).unwrap();
    let mut vault = KeyVault::default();
    vault.insert("kek", Aes128Key::from_bytes([0x42; 16]));
    let is = IdentityServer::new(Arc::new(store), vault, "kek");
    let boot = bootstrap(&is, "admin", Some("admin-password-1".into()))
        .await
        .unwrap()
        .unwrap();
    let owner = EntityRef::User(UserId::new("admin").unwrap());
    is.create_application(
        controlplane::identity::ApplicationInput {
            application_id: "app".into(),
            name: String::new(),
        },
        owner,
    )
    .await
    .unwrap();
    (is, boot.api_key, d)
}

/// A scratch directory removed on drop.
mod tempfile_dir {
    use std::path::{Path, PathBuf};
    pub struct Dir(pub PathBuf);
    impl Dir {
        pub fn new(parent: &Path, name: &str) -> Self {
            let p = parent.join(format!("registrations-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            Self(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn json_device(i: usize) -> serde_json::Value {
    serde_json::json!({
        "device_id": format!("dev{i}"), "dev_eui": format!("{:016X}", 0x1_0000 + i),
        "join_eui": "70B3D57ED0000000", "mac_version": "MAC_V1_0_3",
        "phy_version": "RP001_V1_0_3_REV_A", "frequency_plan_id": "EU_863_870",
        "root_keys": {"app_key": "00112233445566778899AABBCCDDEEFF"}})
}

/// Runs `devices` registrations split over `concurrency` tasks; returns registrations/s.
async fn timed<F, Fut>(devices: usize, concurrency: usize, one: F) -> f64
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let t = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..concurrency {
        let one = one.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = c;
            while i < devices {
                one(i).await;
                i += concurrency;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    devices as f64 / t.elapsed().as_secs_f64()
}

async fn store_direct(a: &Args) -> f64 {
    let (is, _, _d) = fresh(&a.dir, "store").await;
    let app = ApplicationId::new("app").unwrap();
    let input = serde_json::from_value(json_device(1_000_000)).unwrap();
    is.create_end_device(&app, input).await.unwrap();
    let template = is
        .store()
        .get_end_device(&app, &DeviceId::new(format!("dev{}", 1_000_000)).unwrap())
        .await
        .unwrap();
    let store = is.store().clone();
    timed(a.devices, a.concurrency, move |i| {
        let (store, mut d) = (store.clone(), template.clone());
        async move {
            d.device_id = DeviceId::new(format!("dev{i}")).unwrap();
            d.dev_eui = format!("{:016X}", 0x1_0000 + i).parse().unwrap();
            store.create_end_device(d).await.unwrap();
        }
    })
    .await
}

async fn http(a: &Args) -> f64 {
    let (is, key, _d) = fresh(&a.dir, "http").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(ApiState::new(is))).await });
    // One keep-alive connection per caller.
    let mut senders = Vec::new();
    for _ in 0..a.concurrency {
        let s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (tx, conn) = hyper::client::conn::http1::handshake(TokioIo::new(s))
            .await
            .unwrap();
        tokio::spawn(conn);
        senders.push(Arc::new(tokio::sync::Mutex::new(tx)));
    }
    let (conc, auth) = (a.concurrency, format!("Bearer {key}"));
    timed(a.devices, a.concurrency, move |i| {
        let (tx, auth) = (senders[i % conc].clone(), auth.clone());
        async move {
            let body = serde_json::to_vec(&json_device(i)).unwrap();
            let req = hyper::Request::post("/api/v1/applications/app/devices")
                .header("host", "localhost")
                .header("authorization", auth)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body)))
                .unwrap();
            let resp = tx.lock().await.send_request(req).await.unwrap();
            assert_eq!(resp.status(), 201);
            resp.into_body().collect().await.unwrap();
        }
    })
    .await
}

async fn grpc(a: &Args) -> f64 {
    let (is, key, _d) = fresh(&a.dir, "grpc").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let api = GrpcApi::new(is, Default::default());
    tokio::spawn(api.serve(listener, std::future::pending()));
    let ch = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let auth: tonic::metadata::MetadataValue<_> = format!("Bearer {key}").parse().unwrap();
    timed(a.devices, a.concurrency, move |i| {
        let mut c = v1::end_devices_client::EndDevicesClient::new(ch.clone());
        let auth = auth.clone();
        async move {
            let mut req = tonic::Request::new(v1::CreateEndDeviceRequest {
                application_id: "app".into(),
                device_id: format!("dev{i}"),
                dev_eui: format!("{:016X}", 0x1_0000 + i),
                join_eui: "70B3D57ED0000000".into(),
                mac_version: "MAC_V1_0_3".into(),
                phy_version: "RP001_V1_0_3_REV_A".into(),
                frequency_plan_id: "EU_863_870".into(),
                root_keys: Some(v1::RootKeys {
                    app_key: "00112233445566778899AABBCCDDEEFF".into(),
                    nwk_key: None,
                }),
                ..Default::default()
            });
            req.metadata_mut().insert("authorization", auth);
            c.create(req).await.unwrap();
        }
    })
    .await
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let fsync = fsyncs_per_s(&a.dir, 500);
    let (s, h, g) = rt.block_on(async { (store_direct(&a).await, http(&a).await, grpc(&a).await) });
    println!(
        "device registrations, embedded store in {}, {} devices, {} in flight",
        a.dir.display(),
        a.devices,
        a.concurrency
    );
    println!("{:<28} {:>12} {:>10}", "path", "per second", "vs store");
    println!(
        "{:<28} {:>12.0} {:>10}",
        "fdatasync (disk ceiling)", fsync, "-"
    );
    for (name, r) in [("store directly", s), ("HTTP/JSON API", h), ("gRPC API", g)] {
        println!("{name:<28} {r:>12.0} {:>10.2}", r / s);
    }
}
