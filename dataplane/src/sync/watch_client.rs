//! The data plane's end of the plane-to-plane watch: connect to the control plane, ask for the
//! changes after the last applied revision (a snapshot when there is none or it was compacted),
//! apply them, hand the cores their changes, and reconnect with back-off when the stream ends,
//! errs or goes quiet past the heartbeat timeout. Between connections the cores keep serving
//! what they have. The applied state is cached on disk (atomically replaced, owner-only
//! permissions: it holds session keys) so a restart serves before the control plane answers.

use super::apply::SyncState;
use super::control::{ControlMsg, ControlSender};
use crate::metrics::{Collect, Exposition, MetricKind};
use prost::Message;
use shared::api::{self, plane_sync_client::PlaneSyncClient};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// How the node follows the control plane.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    /// The control plane's gRPC URL (`http://127.0.0.1:8884`).
    pub url: String,
    /// This node's name.
    pub node_id: String,
    /// Where the last applied state is cached; `None`: no cache.
    pub cache_file: Option<PathBuf>,
    /// A stream silent this long is taken for dead (the control plane sends heartbeats).
    pub heartbeat_timeout: Duration,
    /// Longest wait between reconnection attempts.
    pub max_backoff: Duration,
}

/// The watch's gauges and counters, for `/metrics`.
#[derive(Debug, Default)]
pub struct SyncMetrics {
    revision: AtomicU64,
    connected: AtomicU64,
    connects: AtomicU64,
    applied: AtomicU64,
    refused: AtomicU64,
    snapshots: AtomicU64,
    sessions: AtomicU64,
}

impl SyncMetrics {
    /// The last revision applied.
    pub fn revision(&self) -> u64 {
        self.revision.load(Relaxed)
    }

    /// Records refused so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Relaxed)
    }

    fn observe(&self, state: &SyncState) {
        self.revision.store(state.revision(), Relaxed);
        self.applied.store(state.stats.applied, Relaxed);
        self.refused.store(state.stats.refused, Relaxed);
        self.snapshots.store(state.stats.snapshots, Relaxed);
        self.sessions.store(state.sessions() as u64, Relaxed);
    }
}

impl Collect for SyncMetrics {
    fn collect(&self, out: &mut Exposition) {
        use MetricKind::{Counter, Gauge};
        let rows: [(&str, &str, MetricKind, &AtomicU64); 7] = [
            (
                "dataplane_sync_revision",
                "Last control-plane revision applied.",
                Gauge,
                &self.revision,
            ),
            (
                "dataplane_sync_connected",
                "Whether the watch stream is up (1) or not (0).",
                Gauge,
                &self.connected,
            ),
            (
                "dataplane_sync_connects_total",
                "Watch streams opened.",
                Counter,
                &self.connects,
            ),
            (
                "dataplane_sync_events_total",
                "Watch events applied.",
                Counter,
                &self.applied,
            ),
            (
                "dataplane_sync_refused_total",
                "Pushed records refused as invalid.",
                Counter,
                &self.refused,
            ),
            (
                "dataplane_sync_snapshots_total",
                "Full snapshots applied.",
                Counter,
                &self.snapshots,
            ),
            (
                "dataplane_sync_sessions",
                "Device sessions known from the control plane.",
                Gauge,
                &self.sessions,
            ),
        ];
        for (name, help, kind, v) in rows {
            out.family(name, help, kind);
            out.sample(name, &[], v.load(Relaxed));
        }
    }
}

/// Loads a cached state, if the file exists and decodes.
pub fn load_cache(path: &Path) -> Option<api::ConfigCache> {
    let bytes = std::fs::read(path).ok()?;
    match api::ConfigCache::decode(bytes.as_slice()) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "ignoring unreadable config cache");
            None
        }
    }
}

fn write_cache(path: &Path, cache: &api::ConfigCache) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(&cache.encode_to_vec())?;
    f.sync_data()?;
    std::fs::rename(&tmp, path)
}

/// How often a changed gateway registry is handed to the cores (coalescing bursts of deltas).
const REGISTRY_EVERY: Duration = Duration::from_millis(20);
/// How often a changed state is written to the cache.
const CACHE_EVERY: Duration = Duration::from_secs(1);

/// The watch loop and what it drives.
pub struct WatchClient {
    config: WatchConfig,
    state: SyncState,
    cores: ControlSender,
    metrics: Arc<SyncMetrics>,
    cached_revision: u64,
    cache_written_at: Option<Instant>,
    out: Vec<(usize, ControlMsg)>,
}

impl WatchClient {
    /// A client starting from `state` (fresh, or restored from the cache).
    pub fn new(
        config: WatchConfig,
        state: SyncState,
        cores: ControlSender,
        metrics: Arc<SyncMetrics>,
    ) -> Self {
        let cached_revision = state.revision();
        Self {
            config,
            state,
            cores,
            metrics,
            cached_revision,
            cache_written_at: None,
            out: Vec::new(),
        }
    }

    /// Follows the control plane until `stop` completes.
    pub async fn run(mut self, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        let mut backoff = Duration::from_millis(100);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                r = self.follow() => {
                    self.metrics.connected.store(0, Relaxed);
                    match r {
                        Ok(()) => tracing::info!("watch stream ended; reconnecting"),
                        Err(e) => tracing::warn!(error = %e, "watch stream failed; reconnecting"),
                    }
                }
            }
            self.flush(true).await;
            tokio::select! {
                _ = &mut stop => break,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(self.config.max_backoff);
        }
        self.flush(true).await;
    }

    async fn follow(&mut self) -> Result<(), String> {
        let endpoint = tonic::transport::Endpoint::from_shared(self.config.url.clone())
            .map_err(|e| e.to_string())?
            .connect_timeout(Duration::from_secs(2));
        let channel = endpoint.connect().await.map_err(|e| e.to_string())?;
        let mut client = PlaneSyncClient::new(channel);
        let request = api::WatchRequest {
            from_revision: self.state.revision(),
            node_id: self.config.node_id.clone(),
        };
        let mut stream = client
            .watch(request)
            .await
            .map_err(|e| e.to_string())?
            .into_inner();
        self.metrics.connected.store(1, Relaxed);
        self.metrics.connects.fetch_add(1, Relaxed);
        tracing::info!(url = %self.config.url, from = self.state.revision(), "watching the control plane");
        let mut tick = tokio::time::interval(REGISTRY_EVERY);
        loop {
            tokio::select! {
                msg = tokio::time::timeout(self.config.heartbeat_timeout, stream.message()) => {
                    match msg {
                        Err(_) => return Err("no heartbeat".into()),
                        Ok(Err(status)) => return Err(status.to_string()),
                        Ok(Ok(None)) => return Ok(()),
                        Ok(Ok(Some(ev))) => {
                            self.state.apply(ev, &mut self.out);
                            self.hand_out().await;
                        }
                    }
                }
                _ = tick.tick() => self.flush(false).await,
            }
        }
    }

    async fn hand_out(&mut self) {
        for (core, msg) in std::mem::take(&mut self.out) {
            self.cores.send(core, msg).await;
        }
        self.metrics.observe(&self.state);
    }

    /// Hands out a changed registry and, at most once per [`CACHE_EVERY`] (or when forced),
    /// writes the cache.
    async fn flush(&mut self, force_cache: bool) {
        if let Some(registry) = self.state.take_registry() {
            for core in 0..self.cores.cores() {
                self.cores
                    .send(core, ControlMsg::Registry(Arc::clone(&registry)))
                    .await;
            }
        }
        self.metrics.observe(&self.state);
        let Some(path) = self.config.cache_file.clone() else {
            return;
        };
        if self.state.revision() == self.cached_revision {
            return;
        }
        let due = self
            .cache_written_at
            .is_none_or(|t| t.elapsed() >= CACHE_EVERY);
        if !(due || force_cache) {
            return;
        }
        let cache = self.state.cache();
        let revision = cache.revision;
        match tokio::task::spawn_blocking(move || write_cache(&path, &cache)).await {
            Ok(Ok(())) => self.cached_revision = revision,
            Ok(Err(e)) => tracing::warn!(error = %e, "writing the config cache failed"),
            Err(e) => tracing::warn!(error = %e, "config cache writer failed"),
        }
        self.cache_written_at = Some(Instant::now());
    }
}
