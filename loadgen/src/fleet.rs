//! A fleet: D ABP devices and G gateways, every property a pure function of a seed and an
//! index ([`crate::rng::hash3`]), described by a small `fleet.toml`.
//!
//! Until the control plane's API exists, a fleet is provisioned by writing the data plane's own
//! input files: `gateways.toml` (`[[gateways]]`, see `dataplane/src/gateway/registry.rs`) and
//! `sessions.toml` (`[[sessions]]`, see `dataplane/src/sync/session_file.rs`), streamed record
//! by record so a million devices never sit in memory as records.
//!
//! Geography is an index: device `d` is in range of gateways `base(d) .. base(d) + max_k`
//! (mod G), each at a distance drawn log-uniformly from 0.1 to 10 km per (device, gateway) pair.

use crate::device::Device;
use crate::rng::{hash3, unit_of};
use serde::{Deserialize, Serialize};
use shared::types::{DevAddr, DevEui, Eui64};
use std::io::{self, Write};
use std::path::Path;

/// Name of the fleet description in a fleet directory.
pub const FLEET_FILE: &str = "fleet.toml";
/// Name of the data plane's gateway file in a fleet directory.
pub const GATEWAYS_FILE: &str = "gateways.toml";
/// Name of the data plane's session file in a fleet directory.
pub const SESSIONS_FILE: &str = "sessions.toml";

/// Most devices a fleet holds: DevAddrs are `dev_addr_base + index` within a 25-bit NwkAddr.
pub const MAX_DEVICES: u32 = 1 << 25;

const TAG_GW_BASE: u64 = 0x6777_0000;
const TAG_DISTANCE: u64 = 0x6469_0000;

/// What a fleet is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FleetSpec {
    /// Seed of every derived value.
    pub seed: u64,
    /// Number of devices.
    pub devices: u32,
    /// Number of gateways.
    pub gateways: u32,
    /// Application all devices belong to (the event stream loadgen subscribes to).
    pub application_id: String,
    /// Region id of devices and gateways (`EU868`, …).
    pub region: String,
    /// DevAddr of device 0; device `i` has `dev_addr_base + i`.
    pub dev_addr_base: DevAddr,
    /// DevEUI of device 0.
    pub dev_eui_base: DevEui,
    /// EUI of gateway 0.
    pub gateway_eui_base: Eui64,
    /// Gateways in range of each device: the most copies one uplink can have.
    pub max_k: u8,
    /// Whether session records carry the AppSKey (the data plane then decrypts FRMPayload).
    pub app_s_key: bool,
}

impl Default for FleetSpec {
    fn default() -> Self {
        Self {
            seed: 1,
            devices: 1000,
            gateways: 10,
            application_id: "loadgen".into(),
            region: "EU868".into(),
            // NetID 000013 type 0 (The Things Network's) prefix 0x26/7.
            dev_addr_base: DevAddr::from_u32(0x2600_0000),
            dev_eui_base: DevEui::from_u64(0x70B3_D57E_D100_0000),
            gateway_eui_base: Eui64::from_u64(0x4C47_0000_0000_0000),
            max_k: 3,
            app_s_key: true,
        }
    }
}

/// Why a fleet cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// The description is inconsistent.
    #[error("fleet: {0}")]
    Invalid(&'static str),
    /// `fleet.toml` did not parse.
    #[error("fleet file: {0}")]
    Parse(#[from] toml::de::Error),
    /// Reading or writing a fleet file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> FleetError + '_ {
    move |source| FleetError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl FleetSpec {
    /// Checks the description.
    pub fn validate(&self) -> Result<(), FleetError> {
        if self.devices == 0 || self.devices > MAX_DEVICES {
            return Err(FleetError::Invalid("devices must be 1..=33554432"));
        }
        if self.gateways == 0 {
            return Err(FleetError::Invalid("gateways must be at least 1"));
        }
        if self.max_k == 0 || u32::from(self.max_k) > self.gateways {
            return Err(FleetError::Invalid("max_k must be 1..=gateways"));
        }
        if self.region.parse::<shared::region::RegionId>().is_err() {
            return Err(FleetError::Invalid("unknown region"));
        }
        if self
            .dev_addr_base
            .to_u32()
            .checked_add(self.devices)
            .is_none()
        {
            return Err(FleetError::Invalid("DevAddr range overflows"));
        }
        Ok(())
    }

    /// Device `index`'s DevAddr.
    pub fn dev_addr(&self, index: u32) -> DevAddr {
        DevAddr::from_u32(self.dev_addr_base.to_u32().wrapping_add(index))
    }

    /// The device index of `addr`, when it belongs to this fleet.
    pub fn device_index(&self, addr: DevAddr) -> Option<u32> {
        let i = addr.to_u32().checked_sub(self.dev_addr_base.to_u32())?;
        (i < self.devices).then_some(i)
    }

    /// Gateway `index`'s EUI.
    pub fn gateway_eui(&self, index: u32) -> Eui64 {
        Eui64::from_u64(
            self.gateway_eui_base
                .to_u64()
                .wrapping_add(u64::from(index)),
        )
    }

    /// The gateway index of `eui`, when it belongs to this fleet.
    pub fn gateway_index(&self, eui: Eui64) -> Option<u32> {
        let i = eui.to_u64().checked_sub(self.gateway_eui_base.to_u64())?;
        u32::try_from(i).ok().filter(|i| *i < self.gateways)
    }

    /// The `j`-th gateway in range of `device` (`j < max_k`); distinct for distinct `j`.
    pub fn gateway_of(&self, device: u32, j: u8) -> u32 {
        let g = u64::from(self.gateways);
        let base = hash3(self.seed, u64::from(device), TAG_GW_BASE) % g;
        ((base + u64::from(j)) % g) as u32
    }

    /// Distance in km from `device` to `gateway`, log-uniform in 0.1..10.
    pub fn distance_km(&self, device: u32, gateway: u32) -> f64 {
        let u = unit_of(hash3(
            self.seed,
            u64::from(device),
            TAG_DISTANCE ^ (u64::from(gateway) << 32),
        ));
        0.1 * 100f64.powf(u)
    }

    /// Reads `dir/fleet.toml`.
    pub fn load(dir: &Path) -> Result<Self, FleetError> {
        let path = dir.join(FLEET_FILE);
        let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
        let spec: Self = toml::from_str(&text)?;
        spec.validate()?;
        Ok(spec)
    }

    /// Writes `fleet.toml`, `gateways.toml` and `sessions.toml` into `dir` (created if needed).
    pub fn write(&self, dir: &Path) -> Result<(), FleetError> {
        self.validate()?;
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let text = toml::to_string(self).map_err(|_| FleetError::Invalid("unserialisable"))?;
        let path = dir.join(FLEET_FILE);
        std::fs::write(
            &path,
            format!("# loadgen fleet (regenerates every device and gateway)\n{text}"),
        )
        .map_err(io_err(&path))?;
        let path = dir.join(GATEWAYS_FILE);
        write_with(&path, |w| self.write_gateways(w))?;
        let path = dir.join(SESSIONS_FILE);
        write_with(&path, |w| self.write_sessions(w))
    }

    /// Streams the `[[gateways]]` records.
    pub fn write_gateways(&self, w: &mut impl Write) -> io::Result<()> {
        writeln!(w, "# loadgen fleet gateways (seed {})", self.seed)?;
        for i in 0..self.gateways {
            let eui = self.gateway_eui(i);
            writeln!(
                w,
                "\n[[gateways]]\neui = \"{eui}\"\nid = \"lg-gw-{i}\"\nregion = \"{}\"",
                self.region
            )?;
        }
        Ok(())
    }

    /// Streams the `[[sessions]]` records (LoRaWAN 1.0.3 ABP, no FCnt accepted yet).
    pub fn write_sessions(&self, w: &mut impl Write) -> io::Result<()> {
        writeln!(
            w,
            "# loadgen fleet sessions (seed {}); test keys only",
            self.seed
        )?;
        let mut hex = [0u8; 32];
        for i in 0..self.devices {
            let d = Device::derive(self, i);
            write!(
                w,
                "\n[[sessions]]\napplication_id = \"{}\"\ndevice_id = \"lg-{i}\"\ndev_eui = \"{}\"\ndev_addr = \"{}\"\nlorawan_version = \"1.0.3\"\nregion = \"{}\"\nnwk_s_key = \"{}\"\n",
                self.application_id,
                d.dev_eui,
                d.dev_addr,
                self.region,
                hex_into(&d.nwk_s_key.to_bytes(), &mut hex),
            )?;
            if self.app_s_key {
                writeln!(
                    w,
                    "app_s_key = \"{}\"",
                    hex_into(&d.app_s_key.to_bytes(), &mut hex)
                )?;
            }
        }
        Ok(())
    }
}

fn write_with(
    path: &Path,
    f: impl FnOnce(&mut io::BufWriter<std::fs::File>) -> io::Result<()>,
) -> Result<(), FleetError> {
    let file = std::fs::File::create(path).map_err(io_err(path))?;
    let mut w = io::BufWriter::with_capacity(1 << 20, file);
    f(&mut w).and_then(|()| w.flush()).map_err(io_err(path))
}

/// Upper-case hex of a key, without allocating.
fn hex_into<'a>(b: &[u8; 16], out: &'a mut [u8; 32]) -> &'a str {
    const D: &[u8; 16] = b"0123456789ABCDEF";
    for (i, x) in b.iter().enumerate() {
        out[2 * i] = D[usize::from(x >> 4)];
        out[2 * i + 1] = D[usize::from(x & 15)];
    }
    std::str::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateways_in_range_are_distinct_and_stable() {
        let s = FleetSpec {
            devices: 50,
            gateways: 5,
            max_k: 3,
            ..FleetSpec::default()
        };
        for d in 0..50 {
            let g: Vec<u32> = (0..3).map(|j| s.gateway_of(d, j)).collect();
            assert!(g.iter().all(|x| *x < 5));
            assert!(g[0] != g[1] && g[1] != g[2] && g[0] != g[2], "{g:?}");
            let km = s.distance_km(d, g[0]);
            assert!((0.1..10.0).contains(&km), "{km}");
            assert_eq!(km, s.distance_km(d, g[0]));
        }
        assert_eq!(s.device_index(s.dev_addr(49)), Some(49));
        assert_eq!(s.device_index(s.dev_addr(50)), None);
        assert_eq!(s.device_index(DevAddr::from_u32(1)), None);
        assert_eq!(s.gateway_index(s.gateway_eui(4)), Some(4));
        assert_eq!(s.gateway_index(s.gateway_eui(5)), None);
    }

    #[test]
    fn validation() {
        let ok = FleetSpec::default();
        assert!(ok.validate().is_ok());
        let bad = [
            (
                "no devices",
                FleetSpec {
                    devices: 0,
                    ..ok.clone()
                },
            ),
            (
                "no gateways",
                FleetSpec {
                    gateways: 0,
                    ..ok.clone()
                },
            ),
            (
                "k above gateways",
                FleetSpec {
                    gateways: 2,
                    max_k: 3,
                    ..ok.clone()
                },
            ),
            (
                "region",
                FleetSpec {
                    region: "XX1".into(),
                    ..ok.clone()
                },
            ),
        ];
        for (name, s) in bad {
            assert!(s.validate().is_err(), "{name}");
        }
    }

    /// The files are read back by the data plane's own parsers (`dataplane` dev-dependency).
    #[test]
    fn files_parse_with_the_data_plane() {
        let s = FleetSpec {
            devices: 20,
            gateways: 3,
            ..FleetSpec::default()
        };
        let dir = std::env::temp_dir().join(format!("loadgen-fleet-{}", std::process::id()));
        s.write(&dir).unwrap();
        assert_eq!(FleetSpec::load(&dir).unwrap(), s);
        let gw = std::fs::read_to_string(dir.join(GATEWAYS_FILE)).unwrap();
        let reg = dataplane::gateway::registry::GatewayRegistry::from_toml(&gw).unwrap();
        assert_eq!(reg.len(), 3);
        assert!(reg.get(&s.gateway_eui(2)).is_some());
        let text = std::fs::read_to_string(dir.join(SESSIONS_FILE)).unwrap();
        let recs = dataplane::sync::session_file::parse(&text).unwrap();
        assert_eq!(recs.len(), 20);
        let d = Device::derive(&s, 7);
        let r = &recs[7];
        assert_eq!((r.dev_addr, r.device_id.as_str()), (d.dev_addr, "lg-7"));
        assert_eq!(r.nwk_s_key, Some(d.nwk_s_key));
        assert_eq!(r.app_s_key, Some(d.app_s_key));
        std::fs::remove_dir_all(&dir).ok();
    }
}
