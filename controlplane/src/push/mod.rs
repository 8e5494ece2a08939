//! The control plane's end of the plane-to-plane API (`shared::api::PlaneSync`), served to
//! data-plane nodes:
//!
//! - [`watch`]: snapshot then deltas by store revision, resumable, with heartbeats;
//! - [`join`](mod@join): join-requests answered by the Join Server, nonce state committed by
//!   compare-and-set, the new session stored and pushed;
//! - [`records`]: store records in their pushed form (keys unwrapped from their KEK).

pub mod join;
pub mod records;
mod rejoin;
pub mod watch;

use crate::join::{JoinServer, KeyVault};
use crate::store::Store;
use futures_util::Stream;
use shared::api::{self, plane_sync_server::PlaneSync};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use tokio::sync::mpsc;
use tonic::{Request, Response, Status};
pub use watch::WatchSettings;

/// Counters of the plane-to-plane service.
#[derive(Debug, Default)]
pub struct PushMetrics {
    /// Nodes watching now.
    pub watchers: AtomicU64,
    /// Snapshots sent.
    pub snapshots: AtomicU64,
    /// Deltas sent.
    pub deltas: AtomicU64,
    /// Sessions not pushed (a key could not be unwrapped).
    pub refused: AtomicU64,
    /// Join-requests accepted.
    pub joins_accepted: AtomicU64,
    /// Join-requests refused (unknown device, bad MIC, replayed nonce, ...).
    pub joins_refused: AtomicU64,
}

impl PushMetrics {
    /// Prometheus text of these counters.
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write;
        let rows = [
            (
                "controlplane_watchers",
                "gauge",
                "Data-plane nodes watching.",
                &self.watchers,
            ),
            (
                "controlplane_watch_snapshots_total",
                "counter",
                "Watch snapshots sent.",
                &self.snapshots,
            ),
            (
                "controlplane_watch_deltas_total",
                "counter",
                "Watch deltas sent.",
                &self.deltas,
            ),
            (
                "controlplane_watch_refused_total",
                "counter",
                "Sessions not pushed (keys unusable).",
                &self.refused,
            ),
            (
                "controlplane_joins_accepted_total",
                "counter",
                "Join-requests accepted.",
                &self.joins_accepted,
            ),
            (
                "controlplane_joins_refused_total",
                "counter",
                "Join-requests refused.",
                &self.joins_refused,
            ),
        ];
        for (name, kind, help, v) in rows {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
                v.load(Relaxed)
            );
        }
    }
}

/// The plane-to-plane service: the store, the Join Server and the KEKs.
#[derive(Clone)]
pub struct PlaneService {
    store: Arc<dyn Store>,
    js: Arc<JoinServer>,
    vault: Arc<KeyVault>,
    config: WatchSettings,
    /// Its counters.
    pub metrics: Arc<PushMetrics>,
}

impl PlaneService {
    /// A service over `store`.
    pub fn new(
        store: Arc<dyn Store>,
        js: Arc<JoinServer>,
        vault: Arc<KeyVault>,
        config: WatchSettings,
    ) -> Self {
        Self {
            store,
            js,
            vault,
            config,
            metrics: Arc::default(),
        }
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<api::WatchEvent, Status>> + Send>>;

#[tonic::async_trait]
impl PlaneSync for PlaneService {
    type WatchStream = EventStream;

    async fn watch(
        &self,
        request: Request<api::WatchRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let r = request.into_inner();
        tracing::info!(node = %r.node_id, from = r.from_revision, "data-plane node watching");
        let (tx, rx) = mpsc::channel(watch::STREAM_BUFFER);
        tokio::spawn(self.clone().follow(r.from_revision, tx));
        let stream =
            futures_util::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|i| (i, rx)) },
            );
        Ok(Response::new(Box::pin(stream)))
    }

    async fn join(
        &self,
        request: Request<api::JoinRequest>,
    ) -> Result<Response<api::JoinResponse>, Status> {
        self.handle_join(request.into_inner())
            .await
            .map(Response::new)
    }
}
