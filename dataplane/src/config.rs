//! The data plane's configuration: one TOML file plus `DATAPLANE__SECTION__KEY` environment
//! overrides (see `shared::config`), with defaults that run on one machine with no set-up.

use crate::network::NetworkConfig;
use crate::persist::JournalConfig;
use crate::worker::downlink::DownlinkConfig;
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// Prefix of environment overrides (`DATAPLANE__UDP__BIND=0.0.0.0:1700`).
pub const ENV_PREFIX: &str = "DATAPLANE";

/// Top-level configuration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Worker threads, one per core; 0 = one per available CPU.
    pub workers: usize,
    /// Pin worker `i` to CPU `i`.
    pub pin_workers: bool,
    /// Semtech UDP gateway ingress.
    pub udp: UdpConfig,
    /// Which socket loop each core runs.
    pub runtime: RuntimeSection,
    /// Registered gateways, until the control plane's watch delivers them: a TOML file of
    /// `[[gateways]]` records (path relative to the working directory).
    pub gateways_file: Option<PathBuf>,
    /// Device sessions, until the control plane's watch delivers them: a TOML file of
    /// `[[sessions]]` records.
    pub sessions_file: Option<PathBuf>,
    /// Network Server settings.
    pub network: NetworkSection,
    /// Class A downlinks: scheduling margins, hand-over timing, TX_ACK timeout, duty cycle.
    pub downlink: DownlinkSection,
    /// HTTP API: application event streams (SSE, WebSocket) and `/metrics`.
    pub api: ApiSection,
    /// The control plane this node follows (gateways and sessions by watch); when `url` is
    /// empty the node serves the files above only.
    pub control_plane: ControlPlaneSection,
    /// Durable sessions: the per-core journal of frame counters (off when `dir` is unset).
    pub persist: PersistSection,
    /// Capacity of each core-to-core ring, in frames.
    pub mesh_capacity: usize,
    /// Log filter (`tracing_subscriber::EnvFilter` syntax); `RUST_LOG` wins when set.
    pub log: String,
    /// LoRa Basics Station LNS endpoint (`[basicstation]`); off when the section is absent.
    pub basicstation: Option<BasicStationSection>,
}

/// The Basic Station LNS endpoint (`/router-info`, `/traffic/<EUI>` over WebSocket).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BasicStationSection {
    /// Address every worker binds with `SO_REUSEPORT` (TCP).
    pub listen: SocketAddr,
    /// PEM certificate chain for `wss://` (with `tls_key`; the listener then speaks TLS only).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for `wss://`.
    pub tls_key: Option<PathBuf>,
    /// Host (and port) discovery writes into the traffic URI; the request's `Host` when empty.
    pub public_host: String,
    /// Largest WebSocket message accepted, in bytes; a larger one closes the connection.
    pub max_message: usize,
}

impl Default for BasicStationSection {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 1887)),
            tls_cert: None,
            tls_key: None,
            public_host: String::new(),
            max_message: 16 * 1024,
        }
    }
}

impl BasicStationSection {
    /// The adapter's settings.
    pub fn to_station_config(&self) -> crate::gateway::basicstation::StationConfig {
        crate::gateway::basicstation::StationConfig {
            max_message: self.max_message.max(1024),
            public_host: self.public_host.clone(),
            ..Default::default()
        }
    }
}

/// Semtech UDP listener settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UdpConfig {
    /// Address every worker binds with `SO_REUSEPORT`.
    pub bind: SocketAddr,
    /// `multishot` (provided buffer ring, falls back when the kernel lacks it) or `single`.
    pub recv_mode: RecvModeConfig,
    /// Longest wait in the io_uring loop before timers and hand-offs are checked, in µs.
    pub tick_us: u64,
}

/// Network Server settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSection {
    /// Deduplication window after the first copy, in ms.
    pub dedup_window_ms: u64,
    /// How long after a window closes a copy counts as late (not delivered), in ms.
    pub dedup_cooldown_ms: u64,
    /// Most uplinks held in dedup per core (open or cooling).
    pub dedup_max_entries: usize,
    /// Most sessions sharing one DevAddr.
    pub max_candidates: usize,
}

impl Default for NetworkSection {
    fn default() -> Self {
        let n = NetworkConfig::default();
        Self {
            dedup_window_ms: n.dedup.window.as_millis() as u64,
            dedup_cooldown_ms: n.dedup.cooldown.as_millis() as u64,
            dedup_max_entries: n.dedup.max_entries,
            max_candidates: n.max_candidates,
        }
    }
}

impl NetworkSection {
    /// The network core's settings.
    pub fn to_network_config(&self) -> NetworkConfig {
        let mut n = NetworkConfig::default();
        n.dedup.window = Duration::from_millis(self.dedup_window_ms);
        n.dedup.cooldown = Duration::from_millis(self.dedup_cooldown_ms);
        n.dedup.max_entries = self.dedup_max_entries;
        n.max_candidates = self.max_candidates;
        n
    }
}

/// Downlink settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DownlinkSection {
    /// Time the gateway needs the frame before transmitting, on top of the round trip, in ms.
    pub margin_ms: u64,
    /// Round trip assumed for gateways without a measured one, in ms.
    pub default_round_trip_ms: u64,
    /// Hold each PULL_RESP until this long before transmission (for forwarders without a
    /// just-in-time queue); 0 sends it as soon as it is scheduled.
    pub schedule_late_ms: u64,
    /// Wait for a TX_ACK this long after the PULL_RESP, in ms; then the downlink has failed.
    pub tx_ack_timeout_ms: u64,
    /// Enforce regional duty-cycle limits per gateway and sub-band (per core, see
    /// `worker::downlink`).
    pub enforce_duty_cycle: bool,
}

impl Default for DownlinkSection {
    fn default() -> Self {
        let d = DownlinkConfig::default();
        Self {
            margin_ms: d.schedule.margin.as_millis() as u64,
            default_round_trip_ms: d.schedule.default_round_trip.as_millis() as u64,
            schedule_late_ms: 0,
            tx_ack_timeout_ms: d.tx_ack_timeout.as_millis() as u64,
            enforce_duty_cycle: d.duty_cycle.enforce,
        }
    }
}

impl DownlinkSection {
    /// The downlink path's settings.
    pub fn to_downlink_config(&self) -> DownlinkConfig {
        let mut d = DownlinkConfig::default();
        d.schedule.margin = Duration::from_millis(self.margin_ms);
        d.schedule.default_round_trip = Duration::from_millis(self.default_round_trip_ms);
        d.schedule_late =
            (self.schedule_late_ms > 0).then(|| Duration::from_millis(self.schedule_late_ms));
        d.tx_ack_timeout = Duration::from_millis(self.tx_ack_timeout_ms);
        d.duty_cycle.enforce = self.enforce_duty_cycle;
        d
    }
}

/// Listeners of the async side.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSection {
    /// HTTP listener (event streams, `/metrics`).
    pub http_bind: SocketAddr,
    /// gRPC listener (event stream).
    pub grpc_bind: SocketAddr,
}

impl Default for ApiSection {
    fn default() -> Self {
        Self {
            http_bind: SocketAddr::from(([127, 0, 0, 1], 8081)),
            grpc_bind: SocketAddr::from(([127, 0, 0, 1], 8082)),
        }
    }
}

/// The plane-to-plane watch.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ControlPlaneSection {
    /// The control plane's gRPC URL (`http://127.0.0.1:8884`); empty: no control plane.
    pub url: String,
    /// This node's name in the control plane's logs and metrics.
    pub node_id: String,
    /// Where the last applied state is kept, to restart while the control plane is away.
    pub cache_file: Option<PathBuf>,
    /// A watch stream silent this long (no change, no heartbeat) is reconnected, in ms.
    pub heartbeat_timeout_ms: u64,
    /// Longest wait between reconnection attempts, in ms.
    pub max_backoff_ms: u64,
    /// Longest time from a deduplicated join-request to the Join Server's answer, in ms (the
    /// join-accept must still reach the gateway before JOIN_ACCEPT_DELAY1, 5 s after the
    /// uplink; later answers can only use RX2).
    pub join_timeout_ms: u64,
    /// Most `Join` calls in flight at once.
    pub join_concurrency: usize,
    /// The NetID this network serves, sent with each join-request.
    pub net_id: u32,
}

impl Default for ControlPlaneSection {
    fn default() -> Self {
        Self {
            url: String::new(),
            node_id: "dataplane-0".into(),
            cache_file: None,
            heartbeat_timeout_ms: 30_000,
            max_backoff_ms: 5_000,
            join_timeout_ms: 3_000,
            join_concurrency: 64,
            net_id: 0,
        }
    }
}

impl ControlPlaneSection {
    /// The Join Server client's settings, when a control plane is configured.
    pub fn join_settings(&self) -> Option<crate::sync::join_client::JoinSettings> {
        (!self.url.is_empty()).then(|| crate::sync::join_client::JoinSettings {
            url: self.url.clone(),
            timeout: Duration::from_millis(self.join_timeout_ms),
            concurrency: self.join_concurrency,
            net_id: self.net_id,
        })
    }

    /// The watch client's settings, when a control plane is configured.
    pub fn watch_config(&self) -> Option<crate::sync::watch_client::WatchConfig> {
        (!self.url.is_empty()).then(|| crate::sync::watch_client::WatchConfig {
            url: self.url.clone(),
            node_id: self.node_id.clone(),
            cache_file: self.cache_file.clone(),
            heartbeat_timeout: Duration::from_millis(self.heartbeat_timeout_ms),
            max_backoff: Duration::from_millis(self.max_backoff_ms),
        })
    }
}

/// The journal of session counters (design.md "Durability").
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PersistSection {
    /// Where each core keeps its journal (`<dir>/core-<n>/`); unset or empty: counters live in
    /// memory only and a restart forgets them.
    pub dir: Option<PathBuf>,
    /// Group commit: a batch is written and synced once its oldest record is this old, in µs.
    pub commit_interval_us: u64,
    /// Downlink counter values granted per lease record.
    pub lease_block: u32,
    /// A snapshot is taken once this many MiB were journaled since the last one.
    pub checkpoint_mib: u64,
}

impl Default for PersistSection {
    fn default() -> Self {
        let j = JournalConfig::default();
        Self {
            dir: None,
            commit_interval_us: j.commit_interval.as_micros() as u64,
            lease_block: j.lease_block,
            checkpoint_mib: j.checkpoint_bytes >> 20,
        }
    }
}

impl PersistSection {
    /// The journal directory, when persistence is on.
    pub fn root(&self) -> Option<&std::path::Path> {
        self.dir.as_deref().filter(|d| !d.as_os_str().is_empty())
    }

    /// Each core's journal settings.
    pub fn to_journal_config(&self) -> JournalConfig {
        JournalConfig {
            commit_interval: Duration::from_micros(self.commit_interval_us),
            lease_block: self.lease_block.max(1),
            checkpoint_bytes: self.checkpoint_mib.max(1) << 20,
            ..JournalConfig::default()
        }
    }
}

/// `[runtime]`: the socket loop behind the same per-core pipeline.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RuntimeSection {
    /// `io_uring` (default) or `tokio` (a plain tokio `UdpSocket` loop per core).
    pub ingress: IngressConfig,
}

/// Socket loop names in the config file.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IngressConfig {
    /// `runtime::udp::UdpRing` in `[udp] recv_mode`.
    #[default]
    IoUring,
    /// `runtime::tokio_udp::TokioUdp`.
    Tokio,
}

/// Receive mode names in the config file.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RecvModeConfig {
    /// Multishot receive over a provided buffer ring.
    Multishot,
    /// One-shot receives.
    Single,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            workers: 0,
            pin_workers: true,
            udp: UdpConfig::default(),
            runtime: RuntimeSection::default(),
            gateways_file: None,
            sessions_file: None,
            network: NetworkSection::default(),
            downlink: DownlinkSection::default(),
            api: ApiSection::default(),
            control_plane: ControlPlaneSection::default(),
            persist: PersistSection::default(),
            mesh_capacity: 8192,
            log: "info".into(),
            basicstation: None,
        }
    }
}

impl Default for UdpConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([0, 0, 0, 0], 1700)),
            recv_mode: RecvModeConfig::Multishot,
            tick_us: 1000,
        }
    }
}

impl Config {
    /// Loads `file` (TOML text, if any) with overrides from `env`.
    pub fn load(
        file: Option<&str>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, shared::config::ConfigError> {
        shared::config::load(file, ENV_PREFIX, env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_parses_and_env_overrides() {
        let text = include_str!("../../deploy/config/dataplane.toml");
        let c = Config::load(
            Some(text),
            [(
                "DATAPLANE__UDP__RECV_MODE".to_string(),
                "single".to_string(),
            )],
        )
        .unwrap();
        assert_eq!(c.udp.recv_mode, RecvModeConfig::Single);
        assert_eq!(c.udp.bind, SocketAddr::from(([0, 0, 0, 0], 1700)));
        assert_eq!(
            c.gateways_file.as_deref(),
            Some(std::path::Path::new("deploy/config/gateways.toml"))
        );
        assert_eq!(
            c.persist.root(),
            Some(std::path::Path::new("var/dataplane"))
        );
        assert_eq!(c.persist.to_journal_config().lease_block, 64);
        assert_eq!(Config::load(None, []).unwrap(), Config::default());
        assert_eq!(
            Config::default().persist.root(),
            None,
            "off unless configured"
        );
        let stack = Config::load(
            Some(include_str!("../../deploy/config/stack-dataplane.toml")),
            [],
        )
        .unwrap();
        assert!(
            stack.control_plane.watch_config().is_some(),
            "the stack follows the control plane"
        );
        assert_eq!(
            stack.basicstation.map(|b| b.listen),
            Some(SocketAddr::from(([0, 0, 0, 0], 1887))),
            "the stack serves Basic Station gateways"
        );
        assert_eq!(
            c.runtime.ingress,
            IngressConfig::IoUring,
            "io_uring by default"
        );
        let tokio = Config::load(Some("[runtime]\ningress = \"tokio\""), []).unwrap();
        assert_eq!(tokio.runtime.ingress, IngressConfig::Tokio);
        assert!(
            Config::load(Some("workerz = 1"), []).is_err(),
            "unknown keys are errors"
        );
    }
}
