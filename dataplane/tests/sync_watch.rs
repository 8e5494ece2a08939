//! The plane-to-plane watch, end to end: a node follows a control plane (a `PlaneSync` server in
//! this test, speaking `shared::api`), serves what the snapshot and the deltas give it, resumes
//! from its last revision after the stream drops, applies removals, and restarts from its cache
//! while the control plane is away.
//!
//! Uplinks are `lrwn`-built frames sent by `semtech-udp` gateways (see `e2e_support`); what a
//! node serves is judged by the application events and `/metrics`.

mod e2e_support;
mod events_support;

use e2e_support::*;
use futures_util::Stream;
use shared::api::{self, plane_sync_server::PlaneSync, watch_event::Event};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tonic::{Request, Response, Status};

const GW: u64 = 0x00A0_0000_0000_00C1;

type EventStream = Pin<Box<dyn Stream<Item = Result<api::WatchEvent, Status>> + Send>>;

type Push = mpsc::Sender<Result<api::WatchEvent, Status>>;

/// A control plane that records each watch request's revision and hands the test a sender for
/// that stream (dropping it ends the stream).
#[derive(Clone)]
struct FakeControlPlane {
    requests: Arc<Mutex<Vec<u64>>>,
    streams: mpsc::UnboundedSender<Push>,
}

#[tonic::async_trait]
impl PlaneSync for FakeControlPlane {
    type WatchStream = EventStream;

    async fn watch(&self, r: Request<api::WatchRequest>) -> Result<Response<EventStream>, Status> {
        self.requests
            .lock()
            .unwrap()
            .push(r.into_inner().from_revision);
        let (tx, rx) = mpsc::channel(1024);
        self.streams
            .send(tx)
            .map_err(|_| Status::unavailable("test gone"))?;
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn join(
        &self,
        _: Request<api::JoinRequest>,
    ) -> Result<Response<api::JoinResponse>, Status> {
        Err(Status::unimplemented("not in this test"))
    }
}

/// Serves the fake control plane on an ephemeral loopback port until `stop` fires.
async fn serve(cp: FakeControlPlane, stop: tokio::sync::oneshot::Receiver<()>) -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .serve_with_incoming_shutdown(
                api::plane_sync_server::PlaneSyncServer::new(cp),
                tonic::transport::server::TcpIncoming::from(l),
                async {
                    let _ = stop.await;
                },
            )
            .await
    });
    addr
}

fn ev(revision: u64, e: Event) -> Result<api::WatchEvent, Status> {
    Ok(api::WatchEvent {
        revision,
        event: Some(e),
    })
}

fn gateway(eui: u64) -> Event {
    Event::GatewayUpsert(api::Gateway {
        eui: eui.to_be_bytes().to_vec(),
        gateway_id: format!("gw-{eui:x}"),
        region: "EU868".into(),
        downlink_enabled: true,
        ..Default::default()
    })
}

fn session(d: &Device, last_fcnt_up: Option<u32>) -> Event {
    let env = |i: usize| {
        Some(api::KeyEnvelope {
            key: d.keys[i].to_vec(),
            kek_label: String::new(),
        })
    };
    Event::SessionUpsert(api::Session {
        device: Some(api::DeviceRef {
            application_id: APP.into(),
            device_id: d.id.into(),
        }),
        dev_eui: d.dev_eui().to_be_bytes().to_vec(),
        dev_addr: d.addr.to_be_bytes().to_vec(),
        mac_version: if d.v11 {
            api::MacVersion::MacVersion11
        } else {
            api::MacVersion::MacVersion103
        } as i32,
        region: "EU868".into(),
        f_nwk_s_int_key: env(0),
        s_nwk_s_int_key: if d.v11 { env(1) } else { None },
        nwk_s_enc_key: if d.v11 { env(2) } else { None },
        app_s_key: env(3),
        last_fcnt_up,
        ..Default::default()
    })
}

fn delete(d: &Device) -> Event {
    Event::SessionDelete(api::DeviceRef {
        application_id: APP.into(),
        device_id: d.id.into(),
    })
}

/// Sends `d`'s frame `fcnt` every 20 ms until its event arrives; returns when it did.
async fn deliver(g: &Gateway, sse: &mut SseClient, d: &Device, fcnt: u32) -> Duration {
    let t0 = Instant::now();
    for _ in 0..250 {
        g.send(&d.uplink(fcnt, 9, b"watch"), 5.0).await;
        if let Some(v) = sse.next_within(Duration::from_millis(20)).await {
            assert_uplink(&v, d, fcnt, 9, b"watch", &[GW]);
            return t0.elapsed();
        }
    }
    panic!("{} frame {fcnt} never delivered", d.id);
}

#[test]
fn node_follows_snapshot_deltas_resume_and_restarts_from_cache() {
    let dir = std::env::temp_dir().join(format!("sync-watch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cache = dir.join("config.bin");
    let _ = std::fs::remove_file(&cache);
    let a = Device::new("dev-a", 0x2601_5001, false, 0x51);
    let b = Device::new("dev-b", 0x2601_5002, true, 0x52);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let (streams_tx, mut streams) = mpsc::unbounded_channel();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let cp = FakeControlPlane {
        requests: requests.clone(),
        streams: streams_tx,
    };
    let (stop_cp, stop_rx) = tokio::sync::oneshot::channel();
    let cp_addr = rt.block_on(serve(cp, stop_rx));

    let mut config = node_config(FAST);
    config.control_plane.url = format!("http://{cp_addr}");
    config.control_plane.cache_file = Some(cache.clone());
    config.control_plane.max_backoff_ms = 200;
    let node =
        dataplane::node::start(&config, Default::default(), Vec::new()).expect("node starts");
    rt.block_on(async {
        let push = tokio::time::timeout(WAIT, streams.recv())
            .await
            .expect("node watches")
            .expect("stream");
        // Snapshot at revision 5: one gateway, device A.
        for e in [
            ev(5, Event::SnapshotBegin(api::SnapshotBegin {})),
            ev(5, gateway(GW)),
            ev(5, session(&a, Some(10))),
            ev(5, Event::SnapshotEnd(api::SnapshotEnd {})),
        ] {
            push.send(e).await.expect("stream open");
        }
        let mut sse = subscribe(&node, 1).await;
        let g = Gateway::connect(GW, node.udp_addr).await;
        deliver(&g, &mut sse, &a, 11).await;

        // A delta installs device B; time from the push to its first delivered frame.
        let pushed = Instant::now();
        push.send(ev(6, session(&b, None)))
            .await
            .expect("stream open");
        deliver(&g, &mut sse, &b, 1).await;
        println!(
            "session delta to first delivered uplink: {:?} (includes the {} ms dedup window)",
            pushed.elapsed(),
            FAST.window_ms
        );

        // A re-push of A's session (same keys) must not rewind its counter: frame 11 is a replay.
        push.send(ev(7, session(&a, Some(10))))
            .await
            .expect("stream open");
        deliver(&g, &mut sse, &a, 12).await;
        // (Other bytes than the first frame 11, so the dedup cooldown does not take it.)
        g.send(&a.uplink(11, 9, b"again"), 5.0).await;
        wait_drops(&node, "replay", 1).await;

        // The stream drops; the node comes back asking for what follows revision 7.
        drop(push);
        let push = tokio::time::timeout(WAIT, streams.recv())
            .await
            .expect("node re-watches")
            .expect("stream");
        assert_eq!(
            *requests.lock().unwrap(),
            vec![0, 7],
            "first a snapshot, then resume after 7"
        );
        // Device A is deleted: its next frame finds no session.
        push.send(ev(8, delete(&a))).await.expect("stream open");
        let t0 = Instant::now();
        let mut dropped = false;
        while t0.elapsed() < WAIT && !dropped {
            g.send(&a.uplink(13, 9, b"watch"), 5.0).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            dropped = drops(&metrics(&node).await, "unknown_dev_addr") > 0;
        }
        assert!(dropped, "a deleted session stops being served");
        let text = metrics(&node).await;
        assert_eq!(
            sample(&text, "dataplane_sync_revision", ""),
            Some(8),
            "{text}"
        );
        assert_eq!(
            sample(&text, "dataplane_sync_refused_total", ""),
            Some(0),
            "{text}"
        );
        assert_eq!(
            sample(&text, "dataplane_sync_connects_total", ""),
            Some(2),
            "{text}"
        );
        g.close().await;
        drop(push);
    });
    node.stop();

    // The control plane goes away; a restarted node serves device B from its cache.
    let _ = stop_cp.send(());
    assert!(cache.exists(), "the node cached its state");
    let node =
        dataplane::node::start(&config, Default::default(), Vec::new()).expect("node restarts");
    rt.block_on(async {
        let mut sse = subscribe(&node, 1).await;
        let g = Gateway::connect(GW, node.udp_addr).await;
        deliver(&g, &mut sse, &b, 2).await;
        g.close().await;
    });
    node.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
