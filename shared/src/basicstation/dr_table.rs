//! The `DRs` table of router_config (Basic Station docs "The LNS Protocol" §Router Config;
//! `src/s2e.c` `handle_router_config`): 16 triples `[SF, BW kHz, DNONLY]`, `SF` 0 meaning FSK
//! and a negative `SF` an undefined index. Station looks data rates up in this table, so the
//! data plane does the same to turn an uplink's `DR` into (SF, BW).
//!
//! Built from a region's RP002 table: LoRa rows as `[SF, BW, dnonly]` (US915 DR8–13 are
//! downlink only), FSK as `[0, 0, dnonly]`, LR-FHSS rows (which the table cannot express) and
//! RFU rows as `[-1, 0, 0]` — the form of Semtech's own `examples/station2pkfwd/regions.yaml`.

use super::BasicStationError;
use crate::region::{Band, DrUse, Modulation};
use std::io::Write as _;

/// One data-rate index as the station sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DrDef {
    /// Not defined (`[-1, 0, 0]`).
    #[default]
    Undefined,
    /// LoRa (`[SF, BW, dnonly]`).
    Lora {
        /// Spreading factor 7–12.
        sf: u8,
        /// Bandwidth in kHz (125, 250, 500).
        bw_khz: u16,
        /// Downlink only.
        dn_only: bool,
    },
    /// FSK 50 kbit/s (`[0, 0, dnonly]`).
    Fsk {
        /// Downlink only.
        dn_only: bool,
    },
}

/// The 16-entry `DRs` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DrTable(pub [DrDef; 16]);

impl DrTable {
    /// The table for a region.
    pub fn from_band(band: &Band) -> Self {
        let mut t = [DrDef::Undefined; 16];
        for (slot, e) in t.iter_mut().zip(band.data_rates.iter()) {
            let Some(e) = e else { continue };
            let dn_only = e.rate.usage == DrUse::Downlink;
            *slot = match e.rate.modulation {
                Modulation::LoRa {
                    spreading_factor,
                    bandwidth_hz,
                } => DrDef::Lora {
                    sf: spreading_factor,
                    bw_khz: (bandwidth_hz / 1000) as u16,
                    dn_only,
                },
                Modulation::Fsk { .. } => DrDef::Fsk { dn_only },
                Modulation::LrFhss { .. } => DrDef::Undefined,
            };
        }
        Self(t)
    }

    /// The definition of `dr` (`Undefined` beyond 15).
    pub fn get(&self, dr: u8) -> DrDef {
        self.0.get(usize::from(dr)).copied().unwrap_or_default()
    }

    /// (spreading factor, bandwidth in Hz) of a LoRa data rate.
    pub fn lora(&self, dr: u8) -> Option<(u8, u32)> {
        match self.get(dr) {
            DrDef::Lora { sf, bw_khz, .. } => Some((sf, u32::from(bw_khz) * 1000)),
            _ => None,
        }
    }

    /// The index of a LoRa (SF, BW) usable in the given direction.
    pub fn find_lora(&self, sf: u8, bw_khz: u16, uplink: bool) -> Option<u8> {
        self.0.iter().position(|d| {
            matches!(*d, DrDef::Lora { sf: s, bw_khz: b, dn_only } if s == sf && b == bw_khz && !(uplink && dn_only))
        }).map(|i| i as u8)
    }

    /// Appends the JSON array of triples.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let (sf, bw, dn) = match *d {
                DrDef::Undefined => (-1, 0, false),
                DrDef::Lora {
                    sf,
                    bw_khz,
                    dn_only,
                } => (i32::from(sf), bw_khz, dn_only),
                DrDef::Fsk { dn_only } => (0, 0, dn_only),
            };
            let _ = write!(out, "[{sf},{bw},{}]", u8::from(dn));
        }
        out.push(b']');
    }

    /// Reads a list of triples (at most 16; missing entries are undefined).
    pub(crate) fn from_triples(rows: &[[i64; 3]]) -> Result<Self, BasicStationError> {
        let bad = BasicStationError::InvalidField("DRs");
        if rows.len() > 16 {
            return Err(bad);
        }
        let mut t = [DrDef::Undefined; 16];
        for (slot, &[sf, bw, dn]) in t.iter_mut().zip(rows) {
            let dn_only = match dn {
                0 => false,
                1 => true,
                _ => return Err(bad),
            };
            *slot = match (sf, bw) {
                (s, _) if s < 0 => DrDef::Undefined,
                (0, _) => DrDef::Fsk { dn_only },
                (7..=12, 125 | 250 | 500) => DrDef::Lora {
                    sf: sf as u8,
                    bw_khz: bw as u16,
                    dn_only,
                },
                _ => return Err(bad),
            };
        }
        Ok(Self(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::RegionId;

    #[test]
    fn region_tables() {
        let eu = DrTable::from_band(RegionId::Eu868.band());
        assert_eq!(eu.lora(0), Some((12, 125_000)));
        assert_eq!(eu.lora(6), Some((7, 250_000)));
        assert_eq!(eu.get(7), DrDef::Fsk { dn_only: false });
        assert_eq!(eu.get(8), DrDef::Undefined, "LR-FHSS has no DRs form");
        assert_eq!(eu.get(200), DrDef::Undefined);
        let us = DrTable::from_band(RegionId::Us915.band());
        assert_eq!(us.lora(4), Some((8, 500_000)));
        assert_eq!(
            us.get(8),
            DrDef::Lora {
                sf: 12,
                bw_khz: 500,
                dn_only: true
            }
        );
        assert_eq!(us.find_lora(8, 500, true), Some(4));
        assert_eq!(us.find_lora(12, 500, true), None);
        assert_eq!(us.find_lora(12, 500, false), Some(8));
        let mut out = Vec::new();
        us.write(&mut out);
        let rows: Vec<[i64; 3]> = serde_json::from_slice(&out).unwrap();
        assert_eq!(DrTable::from_triples(&rows), Ok(us));
    }
}
