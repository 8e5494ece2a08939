//! The data plane binary: loads the config, starts one pinned worker per core, each serving the
//! Semtech UDP port on its own io_uring, and stops cleanly on SIGTERM or SIGINT.

use anyhow::Context;
use dataplane::{
    application::event::ApplicationEvent,
    config::{Config, RecvModeConfig},
    gateway::{GatewayUplink, registry::GatewayRegistry, udp::ingress::SemtechUdpIngress},
    network::NetworkCore,
    runtime::{cores, mesh, udp::RecvMode, udp::UdpRing},
    sync::session_file,
    worker::{NetworkOwner, Router, owner_of},
};
use std::sync::{Arc, atomic::AtomicBool};
use std::time::Duration;

/// Application events go to the log until the events hub serves them.
fn log_event(e: ApplicationEvent) {
    match serde_json::to_string(&e) {
        Ok(json) => tracing::info!(target: "events", "{json}"),
        Err(err) => tracing::warn!("event not serialisable: {err}"),
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut config_path = std::env::var("DATAPLANE_CONFIG").ok();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" | "-c" => config_path = Some(args.next().context("--config needs a path")?),
            "--help" | "-h" => {
                println!(
                    "usage: dataplane [--config FILE]   (env overrides: DATAPLANE__SECTION__KEY)"
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

    let registry = match &config.gateways_file {
        Some(p) => {
            let t =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            GatewayRegistry::from_toml(&t)?
        }
        None => GatewayRegistry::default(),
    };
    if registry.is_empty() {
        tracing::warn!("no registered gateways: all gateway traffic will be dropped");
    }
    let registry = Arc::new(registry);
    let sessions = match &config.sessions_file {
        Some(p) => {
            let t =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            session_file::parse(&t)?
        }
        None => Vec::new(),
    };
    let sessions = Arc::new(sessions);
    let network_config = config.network.to_network_config();

    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, stop.clone())?;
    }

    let n = cores::worker_count(config.workers);
    let endpoints = std::sync::Mutex::new(
        mesh::mesh::<GatewayUplink>(n, config.mesh_capacity)
            .into_iter()
            .map(Some)
            .collect::<Vec<_>>(),
    );
    let endpoints = Arc::new(endpoints);
    let mode = match config.udp.recv_mode {
        RecvModeConfig::Multishot => RecvMode::Multishot,
        RecvModeConfig::Single => RecvMode::Single,
    };
    let (bind, tick) = (
        config.udp.bind,
        Duration::from_micros(config.udp.tick_us.max(50)),
    );
    tracing::info!(workers = n, %bind, gateways = registry.len(), sessions = sessions.len(), "data plane starting");
    let handles = cores::spawn_workers("dataplane", n, config.pin_workers, {
        let stop = stop.clone();
        move |i| -> anyhow::Result<String> {
            // Start-up only: each worker takes its own mesh endpoint once.
            let ep = endpoints.lock().map_err(|_| anyhow::anyhow!("poisoned"))?[i]
                .take()
                .context("endpoint")?;
            let mut ring = UdpRing::bind(bind, mode).with_context(|| format!("binding {bind}"))?;
            tracing::info!(worker = i, mode = ?ring.mode(), "worker serving");
            let mut core = NetworkCore::new(network_config);
            for r in sessions.iter().filter(|r| owner_of(r.dev_addr, n) == i) {
                core.insert_session(r.to_session()?)?;
            }
            let owner = NetworkOwner::new(core, log_event);
            let mut ingress = SemtechUdpIngress::new(registry.clone(), Router::new(ep, owner));
            ring.run(&mut ingress, &stop, tick)?;
            Ok(format!(
                "worker {i}: udp {:?}, ingress {:?}, router {:?}, network {:?}",
                ring.stats,
                ingress.stats,
                ingress.sink().stats,
                ingress.sink().owner().core().counters()
            ))
        }
    })?;
    for h in handles {
        match h.join() {
            Ok(Ok(summary)) => tracing::info!("{summary}"),
            Ok(Err(e)) => tracing::error!("worker failed: {e:#}"),
            Err(_) => tracing::error!("worker panicked"),
        }
    }
    tracing::info!("data plane stopped");
    Ok(())
}
