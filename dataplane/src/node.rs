//! A whole data-plane node assembled from its parts: one pinned worker per core (Semtech UDP
//! ingress on its own io_uring, hand-off to owner cores, network core, event publisher, counters)
//! and, on separate threads, the async side (events hub, HTTP and gRPC streams, `/metrics`).
//! `main` and the end-to-end tests start the same node.

use crate::application::queue;
use crate::config::{Config, IngressConfig, RecvModeConfig};
use crate::events::{self, HubConfig, Publisher};
use crate::gateway::basicstation::{metrics::StationMetrics, server::StationServer};
use crate::gateway::{CoreMsg, registry::GatewayRegistry, udp::ingress::SemtechUdpIngress};
use crate::http::{self, ApiState};
use crate::metrics::{CoreCounters, DownlinkMetrics, PersistMetrics, Registry};
use crate::network::NetworkCore;
use crate::runtime::tokio_udp::{IngressKind, SocketLoop};
use crate::runtime::{cores, mesh, udp::RecvMode};
use crate::sync::apply::SyncState;
use crate::sync::control::{self, ControlReceiver};
use crate::sync::join_client::{self, JoinLink, JoinMetrics};
use crate::sync::session_file::{SessionFileError, SessionRecord};
use crate::sync::watch_client::{self, SyncMetrics, WatchClient};
use crate::worker::join::JoinDriver;
use crate::worker::persist::Durability;
use crate::worker::{NetworkOwner, Router, Worker, owner_of};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, atomic::AtomicBool, atomic::Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// A socket or thread could not be set up.
    #[error("{what}: {source}")]
    Io {
        /// What was being set up.
        what: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// A session record is unusable.
    #[error(transparent)]
    Session(#[from] SessionFileError),
    /// The session journal could not be recovered.
    #[error("recovering the session journal: {0}")]
    Recover(#[from] crate::persist::RecoverError),
    /// A worker failed while starting.
    #[error("worker {0} failed to start: {1}")]
    Worker(usize, String),
}

fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> NodeError {
    move |source| NodeError::Io { what, source }
}

/// A running node.
pub struct Node {
    /// The Semtech UDP address every worker serves.
    pub udp_addr: SocketAddr,
    /// The HTTP API address.
    pub http_addr: SocketAddr,
    /// The gRPC address.
    pub grpc_addr: SocketAddr,
    /// The Basic Station LNS address every worker listens on, when enabled.
    pub bs_addr: Option<SocketAddr>,
    /// Every core's counters, as `/metrics` renders them.
    pub metrics: Arc<Registry>,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<Result<String, String>>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    async_side: Option<JoinHandle<()>>,
}

/// Starts a node serving `registry`'s gateways and `sessions`.
pub fn start(
    config: &Config,
    registry: GatewayRegistry,
    sessions: Vec<SessionRecord>,
) -> Result<Node, NodeError> {
    crate::sync::session_file::validate(&sessions)?;
    let n = cores::worker_count(config.workers);
    let udp_addr = resolve_shared_port(config.udp.bind)?;
    let bs = match &config.basicstation {
        Some(b) if b.tls_cert.is_some() || b.tls_key.is_some() => {
            return Err(NodeError::Io {
                what: "basicstation: TLS (tls_cert/tls_key) is not supported yet",
                source: std::io::ErrorKind::Unsupported.into(),
            });
        }
        Some(b) => Some((resolve_shared_tcp_port(b.listen)?, b.to_station_config())),
        None => None,
    };
    let bs_addr = bs.as_ref().map(|(a, _)| *a);
    let (publishers, hub, drainer) = events::hub(n, HubConfig::default());
    let mut registry_m = Registry::new(n);
    registry_m.register(hub.collector());
    let downlink_metrics = Arc::new(DownlinkMetrics::new(n));
    registry_m.register(downlink_metrics.clone());
    let persist_metrics = Arc::new(PersistMetrics::new(n));
    let station_metrics = Arc::new(StationMetrics::new(n));
    if bs.is_some() {
        registry_m.register(station_metrics.clone());
    }
    let seeds = recover_journals(config, n, &persist_metrics)?;
    if seeds.is_some() {
        registry_m.register(persist_metrics.clone());
    }
    let persist_root = config.persist.root().map(std::path::Path::to_path_buf);
    let journal_config = config.persist.to_journal_config();
    let seeds = Arc::new(Mutex::new(seeds.unwrap_or_default()));
    let (push_tx, push_rx) = queue::channel(n, PUSH_CAPACITY);
    let sync_metrics = Arc::new(SyncMetrics::default());
    let watch = config.control_plane.watch_config();
    if watch.is_some() {
        registry_m.register(sync_metrics.clone());
    }
    // Join-requests to the Join Server and its answers back, when there is one.
    let join_settings = config.control_plane.join_settings();
    let join_metrics = Arc::new(JoinMetrics::new(n));
    let (join_links, join_task) = match join_settings {
        Some(_) => {
            registry_m.register(join_metrics.clone());
            let (links, ends) = join_client::channel(n, JOIN_QUEUE, JOIN_ANSWERS);
            (links.into_iter().map(Some).collect(), Some(ends))
        }
        None => (
            (0..n).map(|_| None).collect::<Vec<Option<JoinLink>>>(),
            None,
        ),
    };
    let join_links = Arc::new(Mutex::new(join_links));
    let metrics = Arc::new(registry_m);
    // Changes from the control plane: the cached state first (serve before it answers), then
    // the watch.
    let (control_tx, control_rx) = control::channel(n, CONTROL_CAPACITY);
    let mut sync_state = SyncState::new(n);
    let mut restored = Vec::new();
    if let Some(cache) = watch
        .as_ref()
        .and_then(|w| w.cache_file.as_deref())
        .and_then(watch_client::load_cache)
    {
        sync_state.restore(cache, &mut restored);
        tracing::info!(
            revision = sync_state.revision(),
            sessions = sync_state.sessions(),
            "restored cached config"
        );
    }
    let cached_registry = sync_state.take_registry();

    // The async side: hub drainer, HTTP and gRPC listeners on a small runtime of its own.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("dataplane-async")
        .enable_all()
        .build()
        .map_err(io("async runtime"))?;
    let (http_l, grpc_l) = rt.block_on(async {
        let h = tokio::net::TcpListener::bind(config.api.http_bind)
            .await
            .map_err(io("HTTP listener"))?;
        let g = tokio::net::TcpListener::bind(config.api.grpc_bind)
            .await
            .map_err(io("gRPC listener"))?;
        Ok::<_, NodeError>((h, g))
    })?;
    let http_addr = http_l.local_addr().map_err(io("HTTP address"))?;
    let grpc_addr = grpc_l.local_addr().map_err(io("gRPC address"))?;
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let state = ApiState {
        hub: hub.clone(),
        metrics: Arc::clone(&metrics),
        pushes: Some(Arc::new(push_tx)),
    };
    let join_metrics_task = join_metrics.clone();
    let async_side = std::thread::Builder::new()
        .name("dataplane-async".into())
        .spawn(move || {
            rt.block_on(async move {
                let drained = tokio::spawn(drainer.run());
                let (tx, rx) = tokio::sync::watch::channel(false);
                let stop_rx = rx.clone();
                let joining = join_settings.zip(join_task).map(|(s, ends)| {
                    tokio::spawn(join_client::run(
                        s,
                        ends,
                        join_metrics_task,
                        wait_true(rx.clone()),
                    ))
                });
                let watching = watch.map(|w| {
                    let client = WatchClient::new(w, sync_state, control_tx, sync_metrics);
                    tokio::spawn(client.run(wait_true(rx.clone())))
                });
                let http = tokio::spawn(http::serve(http_l, state, wait_true(rx)));
                let grpc = tokio::spawn(http::grpc::serve_grpc(grpc_l, hub, wait_true(stop_rx)));
                let _ = shutdown_rx.await;
                // Workers are gone, so every publisher is dropped and the drainer ends its streams.
                let _ = drained.await;
                let _ = tx.send(true);
                if let Some(w) = watching {
                    let _ = w.await;
                }
                if let Some(j) = joining {
                    let _ = j.await;
                }
                let _ = http.await;
                let _ = grpc.await;
            });
        })
        .map_err(io("async thread"))?;

    // The cached state is installed as each core is built, like the files' sessions.
    let mut initial: Vec<Option<Vec<control::ControlMsg>>> =
        (0..n).map(|_| Some(Vec::new())).collect();
    for (core, msg) in restored {
        if let Some(Some(v)) = initial.get_mut(core) {
            v.push(msg);
        }
    }
    let initial = Arc::new(Mutex::new(initial));
    let control_rx = Arc::new(Mutex::new(
        control_rx
            .into_iter()
            .map(Some)
            .collect::<Vec<Option<ControlReceiver>>>(),
    ));
    let registry = cached_registry.map_or(registry, |r| (*r).clone());
    let sessions = Arc::new(sessions);
    let network_config = config.network.to_network_config();
    let downlink_config = config.downlink.to_downlink_config();
    let push_rx = Arc::new(Mutex::new(
        push_rx.into_iter().map(Some).collect::<Vec<_>>(),
    ));
    let registry = Arc::new(registry);
    let endpoints = Arc::new(Mutex::new(
        mesh::mesh::<CoreMsg>(n, config.mesh_capacity)
            .into_iter()
            .map(Some)
            .collect::<Vec<_>>(),
    ));
    let publishers = Arc::new(Mutex::new(
        publishers
            .into_iter()
            .map(Some)
            .collect::<Vec<Option<Publisher>>>(),
    ));
    let mode = match config.udp.recv_mode {
        RecvModeConfig::Multishot => RecvMode::Multishot,
        RecvModeConfig::Single => RecvMode::Single,
    };
    let ingress_kind = match config.runtime.ingress {
        IngressConfig::IoUring => IngressKind::IoUring(mode),
        IngressConfig::Tokio => IngressKind::Tokio,
    };
    let tick = Duration::from_micros(config.udp.tick_us.max(50));
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
    let ready_tx = Arc::new(Mutex::new(ready_tx));
    let workers = cores::spawn_workers("dataplane", n, config.pin_workers, {
        let (stop, metrics) = (stop.clone(), metrics.clone());
        move |i| -> Result<String, String> {
            let report = |r: Result<(), String>| ready_tx.lock().map(|t| t.send(r)).ok();
            let built = (|| {
                let ep = endpoints
                    .lock()
                    .ok()
                    .and_then(|mut e| e[i].take())
                    .ok_or("mesh endpoint")?;
                let publisher = publishers
                    .lock()
                    .ok()
                    .and_then(|mut p| p[i].take())
                    .ok_or("publisher")?;
                let counters: Arc<CoreCounters> = metrics.core(i).ok_or("counters")?;
                let mut ring = SocketLoop::bind(udp_addr, ingress_kind)
                    .map_err(|e| format!("binding {udp_addr}: {e}"))?;
                let station = match &bs {
                    Some((addr, c)) => {
                        let s = StationServer::bind(*addr, registry.clone(), i, c.clone())
                            .map_err(|e| format!("binding basicstation {addr}: {e}"))?;
                        ring.watch(s.wake_fd());
                        Some(s)
                    }
                    None => None,
                };
                let mut core = NetworkCore::new(network_config);
                let durable = match &persist_root {
                    // Each core opens its own journal (its io_uring is single-issuer), one at a
                    // time under the lock: each takes a file number above the others'.
                    Some(root) => {
                        let mut seeds = seeds.lock().map_err(|_| "journal seeds")?;
                        let seed = seeds.get_mut(i).and_then(Option::take).unwrap_or_default();
                        let journal = crate::persist::Journal::open(root, i, journal_config, seed)
                            .map_err(|e| format!("opening the session journal: {e}"))?;
                        Some(Durability::new(journal))
                    }
                    None => None,
                };
                for r in sessions.iter().filter(|r| owner_of(r.dev_addr, n) == i) {
                    let mut s = r.to_session().map_err(|e| e.to_string())?;
                    if let Some(d) = &durable {
                        d.raise(&mut s);
                    }
                    core.insert_session(s).map_err(|e| e.to_string())?;
                }
                let cached = initial
                    .lock()
                    .ok()
                    .and_then(|mut v| v[i].take())
                    .unwrap_or_default();
                for mut msg in cached {
                    if let (control::ControlMsg::Upsert { session, .. }, Some(d)) =
                        (&mut msg, &durable)
                    {
                        d.raise(session);
                    }
                    control::apply_session(&mut core, msg)?;
                }
                let rx = control_rx
                    .lock()
                    .ok()
                    .and_then(|mut c| c[i].take())
                    .ok_or("control ring")?;
                let pushes = push_rx
                    .lock()
                    .ok()
                    .and_then(|mut p| p[i].take())
                    .ok_or("push ring")?;
                let link = join_links.lock().ok().and_then(|mut l| l[i].take());
                let mut joins = JoinDriver::new(i, network_config.dedup, link)
                    .with_metrics(join_metrics.clone());
                joins.set_registry(registry.clone());
                let mut owner = NetworkOwner::new(core, publisher)
                    .with_joins(joins)
                    .with_latency(counters.latency_recorder())
                    .with_downlink(downlink_config, i, n)
                    .with_pushes(pushes);
                if let Some(d) = durable {
                    owner = owner.with_durability(d);
                }
                let ingress = SemtechUdpIngress::new(registry.clone(), Router::new(ep, owner));
                let mut worker = Worker::new(ingress, counters)
                    .with_control(rx)
                    .with_downlink_metrics(downlink_metrics.clone(), i)
                    .with_persist_metrics(persist_metrics.clone());
                if let Some(s) = station {
                    worker = worker.with_station(s, station_metrics.clone());
                }
                Ok::<_, String>((ring, worker))
            })();
            let (mut ring, mut worker) = match built {
                Ok(b) => {
                    report(Ok(()));
                    b
                }
                Err(e) => {
                    report(Err(e.clone()));
                    return Err(e);
                }
            };
            tracing::info!(worker = i, ingress = %ring.describe(), "worker serving");
            ring.run(&mut worker, &stop, tick)
                .map_err(|e| e.to_string())?;
            Ok(worker.summary(i, ring.stats()))
        }
    })
    .map_err(io("worker threads"))?;
    let mut node = Node {
        udp_addr,
        http_addr,
        grpc_addr,
        bs_addr,
        metrics,
        stop,
        workers,
        shutdown: Some(shutdown_tx),
        async_side: Some(async_side),
    };
    for i in 0..n {
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                node.stop_all();
                return Err(NodeError::Worker(i, e));
            }
            Err(_) => {
                node.stop_all();
                return Err(NodeError::Worker(i, "exited".into()));
            }
        }
    }
    Ok(node)
}

/// Recovers the session journal under `[persist] dir` and splits the sessions by owner core,
/// the seeds of each core's journal; `None` when persistence is off.
fn recover_journals(
    config: &Config,
    n: usize,
    metrics: &PersistMetrics,
) -> Result<Option<Vec<Option<crate::persist::SessionStates>>>, NodeError> {
    let Some(root) = config.persist.root() else {
        return Ok(None);
    };
    let started = std::time::Instant::now();
    let recovered = crate::persist::recover(root)?;
    let sessions = recovered.sessions.len();
    let parts = crate::persist::partition(recovered.sessions, n, |k| owner_of(k.dev_addr, n));
    metrics.set_recovered(sessions as u64);
    let s = recovered.stats;
    tracing::info!(
        dir = %root.display(),
        sessions,
        records = s.records,
        files = s.files,
        bytes = s.bytes,
        torn_tails = s.torn_tails,
        ms = started.elapsed().as_millis() as u64,
        "session journal recovered"
    );
    Ok(Some(parts.into_iter().map(Some).collect()))
}

/// Config changes waiting per core (a snapshot larger than this is handed over as the core
/// drains it; the sync side waits).
const CONTROL_CAPACITY: usize = 65_536;

/// Join-requests waiting for a `Join` call (all cores together).
const JOIN_QUEUE: usize = 4096;

/// Join answers waiting per core.
const JOIN_ANSWERS: usize = 4096;

/// Application downlink pushes waiting per core.
const PUSH_CAPACITY: usize = 1024;

async fn wait_true(mut rx: tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|v| *v).await;
}

/// Workers share one port through `SO_REUSEPORT`; port 0 is resolved once so they all bind the
/// same one.
/// A concrete TCP port for the LNS listeners every core binds (port 0: one the OS picks now).
fn resolve_shared_tcp_port(bind: SocketAddr) -> Result<SocketAddr, NodeError> {
    if bind.port() != 0 {
        return Ok(bind);
    }
    let probe = std::net::TcpListener::bind(bind).map_err(io("basicstation port"))?;
    probe.local_addr().map_err(io("basicstation port"))
}

fn resolve_shared_port(bind: SocketAddr) -> Result<SocketAddr, NodeError> {
    if bind.port() != 0 {
        return Ok(bind);
    }
    let probe = std::net::UdpSocket::bind(bind).map_err(io("UDP port"))?;
    probe.local_addr().map_err(io("UDP port"))
}

impl Node {
    /// Whether a stop was requested (SIGTERM in `main`).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// Stops the workers, then the async side; returns each worker's closing summary.
    pub fn stop(mut self) -> Vec<Result<String, String>> {
        self.stop_all()
    }

    fn stop_all(&mut self) -> Vec<Result<String, String>> {
        self.stop.store(true, Ordering::Relaxed);
        let summaries = self
            .workers
            .drain(..)
            .map(|h| h.join().unwrap_or_else(|_| Err("worker panicked".into())))
            .collect();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.async_side.take() {
            let _ = h.join();
        }
        summaries
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop_all();
    }
}
