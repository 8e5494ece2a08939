//! The control plane binary: loads the config, opens the store it names (the one place that
//! picks a backend), creates the admin on first start, and serves the plane-to-plane API to
//! data-plane nodes, the HTTP/JSON API and `/metrics` until SIGTERM or SIGINT.

use anyhow::Context;
use controlplane::api::grpc::GrpcApi;
use controlplane::api::http::{self as http_api, ApiState};
use controlplane::config::{Backend, Config};
use controlplane::identity::{IdentityServer, bootstrap};
use controlplane::join::{JoinServer, KeyVault};
use controlplane::push::PlaneService;
use controlplane::store::{Store, embedded::EmbeddedStore, scylla::ScyllaStore};
use shared::api::plane_sync_server::PlaneSyncServer;
use std::sync::Arc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut config_path = std::env::var("CONTROLPLANE_CONFIG").ok();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" | "-c" => config_path = Some(args.next().context("--config needs a path")?),
            "--help" | "-h" => {
                println!(
                    "usage: controlplane [--config FILE]   (env overrides: CONTROLPLANE__SECTION__KEY)"
                );
                return Ok(());
            }
            other => anyhow::bail!("unknown argument {other:?}"),
        }
    }
    let text = config_path
        .as_deref()
        .map(|p| std::fs::read_to_string(p).with_context(|| format!("reading {p}")))
        .transpose()?;
    let config = Config::load(text.as_deref(), std::env::vars())?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("controlplane")
        .build()?
        .block_on(run(config))
}

async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match config.store.backend {
        Backend::Embedded => {
            if let Some(dir) = config
                .store
                .path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            Arc::new(
                EmbeddedStore::open(&config.store.path)
                    .with_context(|| format!("opening {}", config.store.path.display()))?,
            )
        }
        Backend::Scylla => Arc::new(
            ScyllaStore::connect(config.store.scylla.to_config())
                .await
                .context("connecting to ScyllaDB")?,
        ),
    })
}

async fn run(config: Config) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let js = Arc::new(JoinServer::new(&config.join).context("join server configuration")?);
    let vault = Arc::new(KeyVault::from_config(&config.join.key_vault));
    let identity = IdentityServer::new(
        store.clone(),
        (*vault).clone(),
        config.identity.kek_label.clone(),
    );
    if let Some(b) = bootstrap(
        &identity,
        &config.identity.admin_user_id,
        config.identity.admin_password.clone(),
    )
    .await
    .context("admin bootstrap")?
    {
        // Shown once, on the terminal only: the store keeps hashes.
        println!("first start: admin user {:?}", b.user_id);
        if let Some(p) = &b.generated_password {
            println!("  password: {p}");
        }
        println!("  API key:  {}", b.api_key);
    }
    let plane = PlaneService::new(store, js, vault, config.watch.to_settings());
    let metrics = plane.metrics.clone();
    let api = ApiState::new(identity.clone());
    let grpc_api = GrpcApi::new(identity, api.sessions.clone());

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|v| *v).await;
    };
    let grpc_l = tokio::net::TcpListener::bind(config.plane_grpc_bind)
        .await
        .context("plane gRPC listener")?;
    let http_l = tokio::net::TcpListener::bind(config.http_bind)
        .await
        .context("HTTP listener")?;
    let api_grpc_l = tokio::net::TcpListener::bind(config.api.grpc_listen)
        .await
        .context("API gRPC listener")?;
    tracing::info!(api_grpc = %api_grpc_l.local_addr()?, "gRPC API serving");
    let grpc_metrics = grpc_api.metrics.clone();
    let api_grpc = tokio::spawn(grpc_api.serve(api_grpc_l, stopped(stop_rx.clone())));
    tracing::info!(plane_grpc = %grpc_l.local_addr()?, http = %http_l.local_addr()?, backend = ?config.store.backend, "control plane serving");
    let grpc = tokio::spawn(
        tonic::transport::Server::builder().serve_with_incoming_shutdown(
            PlaneSyncServer::new(plane),
            tonic::transport::server::TcpIncoming::from(grpc_l),
            stopped(stop_rx.clone()),
        ),
    );
    let api_metrics = api.clone();
    let app = http_api::router(api).route(
        "/metrics",
        axum::routing::get(move || {
            let (m, a, g) = (metrics.clone(), api_metrics.clone(), grpc_metrics.clone());
            async move {
                let mut out = http_api::render_metrics(&a);
                out.push_str(&g.render());
                m.render(&mut out);
                out
            }
        }),
    );
    let http = tokio::spawn(
        axum::serve(http_l, app)
            .with_graceful_shutdown(stopped(stop_rx))
            .into_future(),
    );

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("stopping");
    let _ = stop_tx.send(true);
    let _ = grpc.await;
    let _ = api_grpc.await;
    let _ = http.await;
    Ok(())
}
