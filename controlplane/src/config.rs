//! The control plane's configuration: one TOML file plus `CONTROLPLANE__SECTION__KEY`
//! environment overrides (see `shared::config`), with defaults that run on one machine with no
//! set-up: the embedded store in `var/`, listeners on loopback.

use crate::join::JoinServerConfig;
use crate::push::WatchSettings;
use crate::store::scylla::ScyllaConfig;
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// Prefix of environment overrides (`CONTROLPLANE__STORE__BACKEND=scylla`).
pub const ENV_PREFIX: &str = "CONTROLPLANE";

/// Top-level configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where state lives.
    pub store: StoreSection,
    /// The plane-to-plane gRPC listener data-plane nodes connect to (watch, join).
    pub plane_grpc_bind: SocketAddr,
    /// The HTTP listener (`/metrics`, and the HTTP/JSON API).
    pub http_bind: SocketAddr,
    /// Join Server settings (NetID, DevAddr space, frequency plans, KEKs).
    pub join: JoinServerConfig,
    /// How the watch polls the change log and keeps streams alive.
    pub watch: WatchSection,
    /// Identity Server settings.
    pub identity: IdentitySection,
    /// The public API listeners.
    pub api: ApiSection,
    /// Log filter (`tracing_subscriber::EnvFilter` syntax); `RUST_LOG` wins when set.
    pub log: String,
}

/// The public API: the gRPC listener (the HTTP/JSON API shares `http_bind` with `/metrics`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSection {
    /// The canonical gRPC API (`lorawan.v1`), default `127.0.0.1:8886`.
    pub grpc_listen: SocketAddr,
}

impl Default for ApiSection {
    fn default() -> Self {
        Self {
            grpc_listen: SocketAddr::from(([127, 0, 0, 1], 8886)),
        }
    }
}

/// Which store backend, and its settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSection {
    /// `embedded` (default) or `scylla`.
    pub backend: Backend,
    /// The embedded store's file.
    pub path: PathBuf,
    /// ScyllaDB settings, used when `backend = "scylla"`.
    pub scylla: ScyllaSection,
}

/// Store backends.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// One file on this machine (redb).
    Embedded,
    /// A ScyllaDB cluster.
    Scylla,
}

/// ScyllaDB connection settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScyllaSection {
    /// Contact points, comma-separated `host:port`.
    pub uri: String,
    /// Keyspace, created if missing.
    pub keyspace: String,
    /// CQL replication map for a new keyspace.
    pub replication: String,
}

/// Identity Server settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentitySection {
    /// The admin user created on first start (when the store has no user).
    pub admin_user_id: String,
    /// Its password; unset: one is generated and printed once.
    pub admin_password: Option<String>,
    /// Label of the KEK (in `[join.key_vault.keks]`) new device keys are wrapped with; empty:
    /// stored unwrapped (development only).
    pub kek_label: String,
}

impl Default for IdentitySection {
    fn default() -> Self {
        Self {
            admin_user_id: "admin".into(),
            admin_password: None,
            kek_label: String::new(),
        }
    }
}

/// Watch timing.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatchSection {
    /// Change-log poll interval while a stream is idle, in ms.
    pub poll_interval_ms: u64,
    /// Heartbeat after this long without an event, in ms.
    pub heartbeat_interval_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            store: StoreSection::default(),
            plane_grpc_bind: SocketAddr::from(([127, 0, 0, 1], 8884)),
            http_bind: SocketAddr::from(([127, 0, 0, 1], 8885)),
            join: JoinServerConfig::default(),
            watch: WatchSection::default(),
            identity: IdentitySection::default(),
            api: ApiSection::default(),
            log: "info".into(),
        }
    }
}

impl Default for StoreSection {
    fn default() -> Self {
        Self {
            backend: Backend::Embedded,
            path: "var/controlplane.redb".into(),
            scylla: ScyllaSection::default(),
        }
    }
}

impl Default for ScyllaSection {
    fn default() -> Self {
        let d = ScyllaConfig::default();
        Self {
            uri: d.uri,
            keyspace: d.keyspace,
            replication: d.replication,
        }
    }
}

impl ScyllaSection {
    /// The driver-side settings (the rest at their defaults).
    pub fn to_config(&self) -> ScyllaConfig {
        ScyllaConfig {
            uri: self.uri.clone(),
            keyspace: self.keyspace.clone(),
            replication: self.replication.clone(),
            ..ScyllaConfig::default()
        }
    }
}

impl Default for WatchSection {
    fn default() -> Self {
        let d = WatchSettings::default();
        Self {
            poll_interval_ms: d.poll_interval.as_millis() as u64,
            heartbeat_interval_ms: d.heartbeat_interval.as_millis() as u64,
        }
    }
}

impl WatchSection {
    /// The watch's settings.
    pub fn to_settings(&self) -> WatchSettings {
        WatchSettings {
            poll_interval: Duration::from_millis(self.poll_interval_ms.max(1)),
            heartbeat_interval: Duration::from_millis(self.heartbeat_interval_ms.max(10)),
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
        let text = include_str!("../../deploy/config/controlplane.toml");
        let c = Config::load(
            Some(text),
            [(
                "CONTROLPLANE__STORE__BACKEND".to_string(),
                "scylla".to_string(),
            )],
        )
        .unwrap();
        assert_eq!(c.store.backend, Backend::Scylla);
        assert_eq!(c.plane_grpc_bind, SocketAddr::from(([127, 0, 0, 1], 8884)));
        assert_eq!(
            Config::load(None, []).unwrap().store.backend,
            Backend::Embedded
        );
        assert!(
            Config::load(Some("storez = 1"), []).is_err(),
            "unknown keys are errors"
        );
    }
}
