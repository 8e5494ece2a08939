//! DevAddr allocation for join-accepts (LoRaWAN 1.1 §6.1.1; DevAddr ranges per NetID type 0–7:
//! Backend Interfaces TS002-1.1 §13, as `shared::types::DevAddrPrefix::for_net_id` computes them).
//!
//! The space is the NetID's own DevAddr prefix, or an explicit set of prefixes inside it (an
//! operator carving the NwkID space per cluster or tenant). Two modes:
//! - `random` (default): the NwkAddr is a keyed hash (AES-CMAC under a configured seed) of DevEUI
//!   and JoinNonce, spread evenly over the space. It needs no shared counter, so any number of
//!   stateless Join Server instances allocate without coordinating; the same (DevEUI,
//!   JoinNonce) always gives the same address, which keeps the core deterministic and testable.
//! - `sequential`: position `n` of the concatenated prefixes, wrapping at the end; no repeat
//!   until the space is used up, but the cursor is per instance, so only for a single instance
//!   (persist [`DevAddrAllocator::cursor`] and hand it back as `sequential_start`).
//!
//! Collisions avoided: configured prefixes must lie inside the NetID's range (an address
//! outside it would be routed to another network) and must not overlap each other (overlap
//! would double-weight part of the space), and a device never gets back the DevAddr of its
//! current session, so the network can tell the old session from the new one. Sharing a
//! DevAddr between devices is otherwise normal at scale: the MIC decides (design.md).

use serde::Deserialize;
use shared::crypto::MicKey;
use shared::types::{Aes128Key, DevAddr, DevAddrPrefix, DevEui, NetId};
use std::sync::atomic::{AtomicU64, Ordering};

/// How addresses are picked within the space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationMode {
    /// Keyed hash of DevEUI and JoinNonce, uniform over the space.
    #[default]
    Random,
    /// Next address in order, wrapping at the end of the space.
    Sequential,
}

/// DevAddr allocation settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DevAddrConfig {
    /// Prefixes to allocate from, as `ADDR/LEN` ("26011000/20"); empty: the NetID's whole range.
    pub prefixes: Vec<String>,
    /// Random or sequential.
    pub mode: AllocationMode,
    /// Key of the random mode's hash; all-zero when unset (addresses are then predictable,
    /// which costs nothing but lets anyone compute them).
    pub seed: Option<Aes128Key>,
    /// First position of the sequential mode.
    pub sequential_start: u64,
}

/// A DevAddr configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DevAddrError {
    /// Not `ADDR/LEN` with 8 hex digits and a length of 0–32.
    #[error("invalid DevAddr prefix {0:?} (want ADDR/LEN, e.g. 26011000/20)")]
    InvalidPrefix(String),
    /// The prefix is not inside the NetID's DevAddr range.
    #[error("DevAddr prefix {prefix} lies outside NetID {net_id}'s range {range}")]
    OutsideNetId {
        /// The prefix.
        prefix: DevAddrPrefix,
        /// The configured NetID.
        net_id: NetId,
        /// The NetID's range.
        range: DevAddrPrefix,
    },
    /// Two configured prefixes overlap.
    #[error("DevAddr prefixes {0} and {1} overlap")]
    Overlap(DevAddrPrefix, DevAddrPrefix),
}

/// Parses `ADDR/LEN` ("26011000/20") into a prefix; bits below LEN must be zero.
pub fn parse_prefix(s: &str) -> Result<DevAddrPrefix, DevAddrError> {
    let bad = || DevAddrError::InvalidPrefix(s.to_owned());
    let (addr, len) = s.split_once('/').ok_or_else(bad)?;
    let addr: DevAddr = addr.trim().parse().map_err(|_| bad())?;
    let len: u8 = len.trim().parse().map_err(|_| bad())?;
    if len > 32 {
        return Err(bad());
    }
    let p = DevAddrPrefix::new(addr, len);
    if p.addr != addr {
        return Err(bad());
    }
    Ok(p)
}

/// Addresses in a prefix.
fn size(p: &DevAddrPrefix) -> u64 {
    1u64 << (32 - u32::from(p.len))
}

/// Hands out DevAddrs from a fixed space; `&self` only, safe to share between threads.
#[derive(Debug)]
pub struct DevAddrAllocator {
    prefixes: Vec<DevAddrPrefix>,
    total: u64,
    mode: AllocationMode,
    cursor: AtomicU64,
    hash_key: MicKey,
}

impl DevAddrAllocator {
    /// Checks the configuration against `net_id` and builds the allocator.
    pub fn new(net_id: NetId, config: &DevAddrConfig) -> Result<Self, DevAddrError> {
        let range = DevAddrPrefix::for_net_id(net_id);
        let prefixes = if config.prefixes.is_empty() {
            vec![range]
        } else {
            config
                .prefixes
                .iter()
                .map(|s| parse_prefix(s))
                .collect::<Result<Vec<_>, _>>()?
        };
        for (i, p) in prefixes.iter().enumerate() {
            if p.len < range.len || !range.contains(p.addr) {
                return Err(DevAddrError::OutsideNetId {
                    prefix: *p,
                    net_id,
                    range,
                });
            }
            for q in &prefixes[..i] {
                if p.contains(q.addr) || q.contains(p.addr) {
                    return Err(DevAddrError::Overlap(*q, *p));
                }
            }
        }
        let total = prefixes.iter().map(size).sum();
        Ok(Self {
            prefixes,
            total,
            mode: config.mode,
            cursor: AtomicU64::new(config.sequential_start),
            hash_key: MicKey::new(&config.seed.unwrap_or_default()),
        })
    }

    /// The prefixes allocated from.
    pub fn prefixes(&self) -> &[DevAddrPrefix] {
        &self.prefixes
    }

    /// Number of addresses in the space.
    pub fn space_size(&self) -> u64 {
        self.total
    }

    /// The next sequential position (persist it to resume after a restart).
    pub fn cursor(&self) -> u64 {
        self.cursor.load(Ordering::Relaxed)
    }

    /// The address at position `index` of the concatenated prefixes (wrapping).
    fn at(&self, index: u64) -> DevAddr {
        let mut rest = index % self.total.max(1);
        for p in &self.prefixes {
            let n = size(p);
            if rest < n {
                // rest < 2^(32 - len) ≤ 2^32, so the sum stays within u32.
                return DevAddr::from_u32(p.addr.to_u32() | rest as u32);
            }
            rest -= n;
        }
        self.prefixes.first().map(|p| p.addr).unwrap_or_default()
    }

    /// The keyed-hash position for (DevEUI, JoinNonce, attempt).
    fn hashed(&self, dev_eui: DevEui, join_nonce: u32, attempt: u8) -> u64 {
        let mut msg = [0u8; 13];
        msg[..8].copy_from_slice(&dev_eui.to_wire_bytes());
        msg[8..12].copy_from_slice(&join_nonce.to_le_bytes());
        msg[12] = attempt;
        let tag = self.hash_key.cmac(&msg);
        let mut head = [0u8; 8];
        head.copy_from_slice(&tag[..8]);
        u64::from_le_bytes(head)
    }

    /// Allocates a DevAddr for the join of `dev_eui` with `join_nonce`, other than `avoid`
    /// (the device's current DevAddr) unless the space holds nothing else.
    pub fn allocate(&self, dev_eui: DevEui, join_nonce: u32, avoid: Option<DevAddr>) -> DevAddr {
        let ok = |a: DevAddr| Some(a) != avoid;
        match self.mode {
            AllocationMode::Sequential => {
                let mut addr = self.at(self.cursor.fetch_add(1, Ordering::Relaxed));
                if !ok(addr) && self.total > 1 {
                    addr = self.at(self.cursor.fetch_add(1, Ordering::Relaxed));
                }
                addr
            }
            AllocationMode::Random => {
                let mut index = 0;
                for attempt in 0..4 {
                    index = self.hashed(dev_eui, join_nonce, attempt);
                    if ok(self.at(index)) {
                        return self.at(index);
                    }
                }
                self.at(index.wrapping_add(1))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One NetID per type 0–7 (TS002-1.1 §13): (type, NetID, prefix of its range).
    const NET_IDS: [(u8, &str, &str); 8] = [
        (0, "000013", "26000000/7"),
        (1, "20002A", "AA000000/8"),
        (2, "400100", "D0000000/12"),
        (3, "60002D", "E05A0000/15"),
        (4, "800005", "F0028000/17"),
        (5, "A00003", "F8006000/19"),
        (6, "C00001", "FC000400/22"),
        (7, "E0003F", "FE001F80/25"),
    ];

    fn alloc(net_id: &str, cfg: DevAddrConfig) -> DevAddrAllocator {
        DevAddrAllocator::new(net_id.parse().unwrap(), &cfg).unwrap()
    }

    #[test]
    fn random_stays_in_each_net_id_type() {
        for (t, net, range) in NET_IDS {
            let net_id: NetId = net.parse().unwrap();
            let a = alloc(net, DevAddrConfig::default());
            assert_eq!(a.prefixes()[0].to_string(), range, "type {t}");
            let mut distinct = std::collections::HashSet::new();
            for n in 0..500u32 {
                let addr = a.allocate(DevEui::from_u64(u64::from(n) * 7919), n, None);
                assert!(addr.is_net_id(net_id), "type {t}: {addr} outside {range}");
                assert_eq!(addr.addr_type(), Some(t), "type {t}");
                // lrwn (ChirpStack) as an independent check of the NetID's range.
                let theirs = lrwn::DevAddr::from_be_bytes(addr.to_be_bytes());
                assert!(theirs.is_net_id(lrwn::NetID::from_be_bytes(net_id.to_be_bytes())));
                distinct.insert(addr);
            }
            // Spread: 500 uniform draws from n addresses give n(1 - e^(-500/n)) distinct on
            // average (type 7: 128 addresses → 125; type 6: 1024 → 395); allow 10 % below.
            let n = a.space_size() as f64;
            let expected = n * (1.0 - (-500.0 / n).exp());
            let got = distinct.len() as f64;
            assert!(
                got >= 0.9 * expected,
                "type {t}: {got} distinct, expected ~{expected:.0}"
            );
        }
    }

    #[test]
    fn sequential_walks_and_wraps_per_type() {
        for (t, net, _) in NET_IDS {
            let a = alloc(
                net,
                DevAddrConfig {
                    mode: AllocationMode::Sequential,
                    ..DevAddrConfig::default()
                },
            );
            let base = a.prefixes()[0].addr.to_u32();
            let e = DevEui::from_u64(1);
            assert_eq!(a.allocate(e, 1, None).to_u32(), base, "type {t}");
            assert_eq!(a.allocate(e, 2, None).to_u32(), base + 1, "type {t}");
            if t == 7 {
                // Type 7: 32 - 8 - 17 = 7 NwkAddr bits, 128 addresses, then wrap.
                assert_eq!(a.space_size(), 128);
                for _ in 2..128 {
                    a.allocate(e, 0, None);
                }
                assert_eq!(a.allocate(e, 0, None).to_u32(), base, "wrapped");
            }
        }
    }

    #[test]
    fn avoids_current_dev_addr() {
        let e = DevEui::from_u64(42);
        for mode in [AllocationMode::Random, AllocationMode::Sequential] {
            let cfg = DevAddrConfig {
                mode,
                ..DevAddrConfig::default()
            };
            let a = alloc("000013", cfg.clone());
            let first = a.allocate(e, 7, None);
            let b = alloc("000013", cfg);
            let second = b.allocate(e, 7, Some(first));
            assert_ne!(first, second, "{mode:?}");
        }
        // A one-address space has no alternative.
        let one = alloc(
            "000013",
            DevAddrConfig {
                prefixes: vec!["26011BDA/32".into()],
                ..DevAddrConfig::default()
            },
        );
        let only = DevAddr::from_u32(0x2601_1BDA);
        assert_eq!(one.allocate(e, 1, Some(only)), only);
    }

    #[test]
    fn explicit_prefixes_by_table() {
        let ok = alloc(
            "000013",
            DevAddrConfig {
                prefixes: vec!["26011000/24".into(), "27000000/30".into()],
                mode: AllocationMode::Sequential,
                sequential_start: 255,
                ..DevAddrConfig::default()
            },
        );
        assert_eq!(ok.space_size(), 256 + 4);
        let e = DevEui::from_u64(1);
        let got: Vec<u32> = (0..6).map(|_| ok.allocate(e, 0, None).to_u32()).collect();
        assert_eq!(
            got,
            [
                0x260110FF, 0x27000000, 0x27000001, 0x27000002, 0x27000003, 0x26011000
            ]
        );
        assert_eq!(ok.cursor(), 261);

        let net: NetId = "000013".parse().unwrap();
        let p = |s: &str| parse_prefix(s).unwrap();
        let cases = [
            (
                "no slash",
                vec!["26011000"],
                DevAddrError::InvalidPrefix("26011000".into()),
            ),
            (
                "len 33",
                vec!["26011000/33"],
                DevAddrError::InvalidPrefix("26011000/33".into()),
            ),
            (
                "host bits",
                vec!["26011001/24"],
                DevAddrError::InvalidPrefix("26011001/24".into()),
            ),
            (
                "bad hex",
                vec!["2601100G/24"],
                DevAddrError::InvalidPrefix("2601100G/24".into()),
            ),
            (
                "other NetID",
                vec!["48000000/7"],
                DevAddrError::OutsideNetId {
                    prefix: p("48000000/7"),
                    net_id: net,
                    range: p("26000000/7"),
                },
            ),
            (
                "wider than the NetID",
                vec!["24000000/6"],
                DevAddrError::OutsideNetId {
                    prefix: p("24000000/6"),
                    net_id: net,
                    range: p("26000000/7"),
                },
            ),
            (
                "overlap",
                vec!["26010000/16", "26011000/24"],
                DevAddrError::Overlap(p("26010000/16"), p("26011000/24")),
            ),
        ];
        for (name, prefixes, want) in cases {
            let cfg = DevAddrConfig {
                prefixes: prefixes.into_iter().map(String::from).collect(),
                ..DevAddrConfig::default()
            };
            assert_eq!(DevAddrAllocator::new(net, &cfg).err(), Some(want), "{name}");
        }
    }

    #[test]
    fn random_depends_on_seed_and_inputs() {
        let e = DevEui::from_u64(0x70B3_D57E_D000_0001);
        let a = alloc("000013", DevAddrConfig::default());
        let b = alloc(
            "000013",
            DevAddrConfig {
                seed: Some(Aes128Key::from_bytes([9; 16])),
                ..DevAddrConfig::default()
            },
        );
        assert_eq!(
            a.allocate(e, 1, None),
            a.allocate(e, 1, None),
            "deterministic"
        );
        assert_ne!(
            a.allocate(e, 1, None),
            a.allocate(e, 2, None),
            "JoinNonce changes it"
        );
        assert_ne!(
            a.allocate(e, 1, None),
            b.allocate(e, 1, None),
            "seed changes it"
        );
    }
}
