//! What a run does: the target, the offered load and its shape, as a typed config with defaults
//! (`deploy/config/loadgen.toml` documents every key; `LOADGEN__KEY` environment overrides and
//! command-line flags apply on top, see `main.rs`).

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Prefix of environment overrides (`LOADGEN__RATE=max`).
pub const ENV_PREFIX: &str = "LOADGEN";

/// A run's settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// The data plane's Semtech UDP address.
    pub target: SocketAddr,
    /// The data plane's gRPC address serving the application event stream (`http://host:port`).
    pub events: String,
    /// The fleet directory (`loadgen fleet --out`).
    pub fleet: PathBuf,
    /// How long uplinks are generated.
    pub duration: Dur,
    /// Uplinks per second, or `max`.
    pub rate: Rate,
    /// Gateways hearing each uplink: `n` or `a..b` (uniform per uplink, at most the fleet's
    /// `max_k`).
    pub k: KRange,
    /// Copies after the first arrive up to this much later (uniform).
    pub jitter: Dur,
    /// Fraction of uplinks sent as confirmed data up.
    pub confirmed: f64,
    /// FRMPayload length in bytes (at most 51).
    pub payload_bytes: usize,
    /// FPort of the uplinks.
    pub fport: u8,
    /// Sender threads (devices are split between them).
    pub threads: usize,
    /// UDP sockets per sender thread (gateways are split between them; the kernel spreads
    /// `SO_REUSEPORT` ingress by source address, so more sockets reach more data-plane cores).
    pub sockets: usize,
    /// PULL_DATA keepalive period per gateway.
    pub keepalive: Dur,
    /// `stat` report period per gateway.
    pub stat_interval: Dur,
    /// A PUSH_ACK/PULL_ACK later than this counts as missing.
    pub ack_timeout: Dur,
    /// Most PUSH_DATA awaiting their PUSH_ACK per socket; a full window pauses that socket.
    pub window: u32,
    /// Most uplinks awaiting their application event; when reached, generation pauses.
    pub max_pending: u64,
    /// An uplink without an event after this long counts as lost.
    pub event_timeout: Dur,
    /// After the last send, how long to wait for the remaining events.
    pub drain: Dur,
    /// Where the report is written.
    pub out: PathBuf,
    /// Print a progress line each second.
    pub progress: bool,
    /// Seed of the per-uplink randomness (channel, jitter, fading).
    pub seed: u64,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            target: SocketAddr::from(([127, 0, 0, 1], 1700)),
            events: "http://127.0.0.1:8082".into(),
            fleet: PathBuf::from("loadgen-fleet"),
            duration: Dur(Duration::from_secs(10)),
            rate: Rate::PerSecond(1000.0),
            k: KRange { min: 1, max: 3 },
            jitter: Dur(Duration::from_millis(50)),
            confirmed: 0.1,
            payload_bytes: 12,
            fport: 2,
            threads: 1,
            sockets: 4,
            keepalive: Dur(Duration::from_secs(10)),
            stat_interval: Dur(Duration::from_secs(30)),
            ack_timeout: Dur(Duration::from_secs(1)),
            window: 2048,
            max_pending: 200_000,
            event_timeout: Dur(Duration::from_secs(5)),
            drain: Dur(Duration::from_secs(3)),
            out: PathBuf::from("loadgen-report"),
            progress: true,
            seed: 42,
        }
    }
}

/// Why a scenario is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// A value out of range.
    #[error("scenario: {0}")]
    Invalid(&'static str),
    /// A value that does not parse.
    #[error("cannot read {what} from {text:?}")]
    Parse {
        /// What was expected.
        what: &'static str,
        /// The text.
        text: String,
    },
}

impl Scenario {
    /// Checks ranges; `max_k` is the fleet's most gateways per device.
    pub fn validate(&self, max_k: u8) -> Result<(), ScenarioError> {
        let bad = |c: bool, m| {
            if c {
                Err(ScenarioError::Invalid(m))
            } else {
                Ok(())
            }
        };
        bad(
            self.k.min == 0 || self.k.min > self.k.max,
            "k must be n or a..b with 1 <= a <= b",
        )?;
        bad(self.k.max > max_k, "k exceeds the fleet's max_k")?;
        bad(
            !(0.0..=1.0).contains(&self.confirmed),
            "confirmed must be 0..=1",
        )?;
        bad(
            self.payload_bytes > crate::device::MAX_PAYLOAD,
            "payload_bytes must be <= 51",
        )?;
        bad(!(1..=223).contains(&self.fport), "fport must be 1..=223")?;
        bad(
            self.threads == 0 || self.sockets == 0,
            "threads and sockets must be >= 1",
        )?;
        bad(
            self.window == 0 || self.max_pending == 0,
            "window and max_pending must be >= 1",
        )?;
        bad(
            matches!(self.rate, Rate::PerSecond(r) if !(r > 0.0 && r.is_finite())),
            "rate must be positive or max",
        )?;
        bad(
            self.keepalive.0.is_zero() || self.stat_interval.0.is_zero(),
            "periods must be > 0",
        )
    }
}

/// Offered load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// Paced with a token bucket.
    PerSecond(f64),
    /// As fast as the stack acknowledges (bounded by `window` and `max_pending`).
    Max,
}

impl FromStr for Rate {
    type Err = ScenarioError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("max") {
            return Ok(Self::Max);
        }
        s.parse()
            .map(Self::PerSecond)
            .map_err(|_| ScenarioError::Parse {
                what: "a rate (uplinks/s or max)",
                text: s.into(),
            })
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(f64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(Self::PerSecond(n)),
            Raw::S(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// Gateways per uplink, inclusive range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KRange {
    /// Fewest.
    pub min: u8,
    /// Most.
    pub max: u8,
}

impl FromStr for KRange {
    type Err = ScenarioError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ScenarioError::Parse {
            what: "k (n or a..b)",
            text: s.into(),
        };
        let (a, b) = s.split_once("..").unwrap_or((s, s));
        let b = b.strip_prefix('=').unwrap_or(b);
        Ok(Self {
            min: a.trim().parse().map_err(|_| err())?,
            max: b.trim().parse().map_err(|_| err())?,
        })
    }
}

impl<'de> Deserialize<'de> for KRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u8),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(Self { min: n, max: n }),
            Raw::S(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// A duration written `10s`, `250ms`, `2m` or `1h` (a bare number is seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dur(pub Duration);

impl FromStr for Dur {
    type Err = ScenarioError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let scale = match unit.trim() {
            "" | "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            _ => f64::NAN,
        };
        num.parse::<f64>()
            .ok()
            .map(|n| n * scale)
            .filter(|v| v.is_finite() && *v >= 0.0 && *v < 1e9)
            .map(|v| Self(Duration::from_secs_f64(v)))
            .ok_or_else(|| ScenarioError::Parse {
                what: "a duration (10s, 250ms, 2m)",
                text: s.into(),
            })
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values() {
        let d = |s: &str| s.parse::<Dur>().map(|d| d.0);
        assert_eq!(d("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(d("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(d("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(d("1.5"), Ok(Duration::from_millis(1500)));
        for bad in ["", "s", "10x", "-1s", "1e99"] {
            assert!(d(bad).is_err(), "{bad:?}");
        }
        assert_eq!("max".parse::<Rate>(), Ok(Rate::Max));
        assert_eq!("2500".parse::<Rate>(), Ok(Rate::PerSecond(2500.0)));
        assert!("fast".parse::<Rate>().is_err());
        assert_eq!("3".parse::<KRange>(), Ok(KRange { min: 3, max: 3 }));
        assert_eq!("1..3".parse::<KRange>(), Ok(KRange { min: 1, max: 3 }));
        assert_eq!("1..=2".parse::<KRange>(), Ok(KRange { min: 1, max: 2 }));
        assert!("a..3".parse::<KRange>().is_err());
    }

    #[test]
    fn example_config_parses_and_validates() {
        let text = include_str!("../../deploy/config/loadgen.toml");
        let s: Scenario = shared::config::load(
            Some(text),
            ENV_PREFIX,
            [("LOADGEN__RATE".to_string(), "max".to_string())],
        )
        .unwrap();
        assert_eq!(s.rate, Rate::Max);
        assert_eq!(s.target, SocketAddr::from(([127, 0, 0, 1], 1700)));
        assert!(s.validate(3).is_ok());
        let d: Scenario = shared::config::load(None, ENV_PREFIX, []).unwrap();
        assert_eq!(d, Scenario::default());
        let cases = [
            (
                "k zero",
                Scenario {
                    k: KRange { min: 0, max: 1 },
                    ..d.clone()
                },
            ),
            (
                "k above max_k",
                Scenario {
                    k: KRange { min: 1, max: 4 },
                    ..d.clone()
                },
            ),
            (
                "confirmed > 1",
                Scenario {
                    confirmed: 1.5,
                    ..d.clone()
                },
            ),
            (
                "payload",
                Scenario {
                    payload_bytes: 52,
                    ..d.clone()
                },
            ),
            (
                "fport 0",
                Scenario {
                    fport: 0,
                    ..d.clone()
                },
            ),
            (
                "rate 0",
                Scenario {
                    rate: Rate::PerSecond(0.0),
                    ..d.clone()
                },
            ),
        ];
        for (name, s) in cases {
            assert!(s.validate(3).is_err(), "{name}");
        }
    }
}
