//! The data plane binary: loads the config, starts a node (one pinned worker per core serving
//! the Semtech UDP port on its own io_uring, plus the event streams and `/metrics`) and stops it
//! cleanly on SIGTERM or SIGINT.

use anyhow::Context;
use dataplane::{config::Config, gateway::registry::GatewayRegistry, node, sync::session_file};
use std::sync::atomic::Ordering;
use std::time::Duration;

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
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
    };
    let text = config_path
        .as_deref()
        .map(|p| read(p.as_ref()))
        .transpose()?;
    let config = Config::load(text.as_deref(), std::env::vars())?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log));
    tracing_subscriber::fmt().with_env_filter(filter).init();

    let registry = match &config.gateways_file {
        Some(p) => GatewayRegistry::from_toml(&read(p)?)?,
        None => GatewayRegistry::default(),
    };
    if registry.is_empty() {
        tracing::warn!("no registered gateways: all gateway traffic will be dropped");
    }
    let sessions = match &config.sessions_file {
        Some(p) => session_file::parse(&read(p)?)?,
        None => Vec::new(),
    };
    let (gateways, devices) = (registry.len(), sessions.len());
    let node = node::start(&config, registry, sessions)?;
    tracing::info!(
        udp = %node.udp_addr, http = %node.http_addr, grpc = %node.grpc_addr, gateways, devices,
        "data plane serving"
    );
    let stop = node.stop_flag();
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, stop.clone())?;
    }
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
    }
    for summary in node.stop() {
        match summary {
            Ok(s) => tracing::info!("{s}"),
            Err(e) => tracing::error!("worker failed: {e}"),
        }
    }
    tracing::info!("data plane stopped");
    Ok(())
}
