//! Semtech UDP downlinks from any core (PROTOCOL.TXT v2 §5.4 PULL_RESP, §5.5 TX_ACK).
//!
//! Every core binds the gateways' server port (`SO_REUSEPORT`), so a PULL_RESP sent from the
//! core that owns the device leaves from the address the gateway expects, whichever core its
//! PULL_DATA reached. Two things cross cores:
//! - where each gateway takes downlinks ([`Routes`], learned from the last PULL_DATA on one core
//!   and broadcast to the others as a [`DownlinkRoute`]);
//! - the TX_ACK, which arrives on the PULL_DATA core: the PULL_RESP token names the core that
//!   sent it ([`TokenAllocator`]: `token = sequence · cores + core`, so [`owner_core`] is
//!   `token mod cores`), and that core's mesh ring takes the TX_ACK home.

use crate::gateway::DownlinkRoute;
use shared::semtech_udp::Token;
use shared::types::Eui64;
use std::collections::HashMap;

/// The core that sent the PULL_RESP with `token`.
pub fn owner_core(token: Token, cores: usize) -> usize {
    usize::from(token.to_u16()) % cores.max(1)
}

/// Hands out this core's PULL_RESP tokens: sequences `0..65536 / cores`, each encoded with the
/// core index, skipping tokens still in flight.
#[derive(Debug, Clone)]
pub struct TokenAllocator {
    core: u32,
    cores: u32,
    sequences: u32,
    next: u32,
}

impl TokenAllocator {
    /// Tokens of core `core` among `cores` (at most 65 536 cores).
    pub fn new(core: usize, cores: usize) -> Self {
        let cores = u32::try_from(cores.clamp(1, 1 << 16)).unwrap_or(1 << 16);
        let core = u32::try_from(core).unwrap_or(0) % cores;
        Self {
            core,
            cores,
            sequences: (1 << 16) / cores,
            next: 0,
        }
    }

    /// The next token for which `in_use` is false; `None` when every one of this core's
    /// tokens is in flight.
    pub fn next(&mut self, in_use: impl Fn(Token) -> bool) -> Option<Token> {
        for _ in 0..self.sequences {
            let seq = self.next;
            self.next = (self.next + 1) % self.sequences;
            let v = seq * self.cores + self.core;
            let t = Token::from_u16(u16::try_from(v).ok()?);
            if !in_use(t) {
                return Some(t);
            }
        }
        None
    }
}

/// Where each gateway takes downlinks, as this core knows it: a Semtech UDP address, or the
/// core holding a Basic Station connection (that one wins while it is open).
#[derive(Debug, Default, Clone)]
pub struct Routes {
    by_eui: HashMap<Eui64, DownlinkRoute>,
    stations: HashMap<Eui64, u16>,
}

impl Routes {
    /// Records a route; `true` when it is new or changed.
    pub fn set(&mut self, route: DownlinkRoute) -> bool {
        self.by_eui.insert(route.eui, route) != Some(route)
    }

    /// The route to `eui`.
    pub fn get(&self, eui: &Eui64) -> Option<&DownlinkRoute> {
        self.by_eui.get(eui)
    }

    /// Whether `eui` can be sent downlinks.
    pub fn can_transmit(&self, eui: &Eui64) -> bool {
        self.by_eui.contains_key(eui) || self.stations.contains_key(eui)
    }

    /// Records where a Basic Station gateway's connection lives (or that it closed).
    pub fn set_station(&mut self, route: crate::gateway::basicstation::StationRoute) {
        match route.core {
            Some(core) => self.stations.insert(route.eui, core),
            None => self.stations.remove(&route.eui),
        };
    }

    /// The core holding `eui`'s Basic Station connection.
    pub fn station(&self, eui: &Eui64) -> Option<u16> {
        self.stations.get(eui).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::semtech_udp::ProtocolVersion;
    use std::collections::HashSet;

    #[test]
    fn tokens_name_their_core_and_never_collide_across_cores() {
        for cores in [1usize, 2, 3, 16, 255, 256] {
            let mut all = HashSet::new();
            for core in 0..cores {
                let mut a = TokenAllocator::new(core, cores);
                for _ in 0..(65_536 / cores).min(300) {
                    let t = a.next(|_| false).unwrap();
                    assert_eq!(owner_core(t, cores), core, "{cores} cores");
                    assert!(all.insert(t.to_u16()), "{cores} cores: {t:?} twice");
                }
            }
        }
    }

    #[test]
    fn in_flight_tokens_are_skipped_until_none_is_left() {
        let mut a = TokenAllocator::new(1, 4);
        let busy: HashSet<u16> = [1, 5].into_iter().collect();
        let t = a.next(|t| busy.contains(&t.to_u16())).unwrap();
        assert_eq!(t.to_u16(), 9, "sequences 0 and 1 are in flight");
        assert_eq!(a.next(|_| true), None, "all 16384 in flight");
        let wrap = TokenAllocator::new(3, 4).sequences;
        assert_eq!(wrap, 16_384);
    }

    #[test]
    fn routes_report_changes() {
        let mut r = Routes::default();
        let route = DownlinkRoute {
            eui: Eui64::from_u64(1),
            addr: "127.0.0.1:1700".parse().unwrap(),
            version: ProtocolVersion::V2,
        };
        assert!(r.set(route));
        assert!(!r.set(route), "same route again");
        let moved = DownlinkRoute {
            addr: "127.0.0.1:1701".parse().unwrap(),
            ..route
        };
        assert!(r.set(moved));
        assert_eq!(r.get(&route.eui).map(|x| x.addr), Some(moved.addr));
        assert!(r.can_transmit(&route.eui));
        assert!(!r.can_transmit(&Eui64::from_u64(2)));
    }
}
