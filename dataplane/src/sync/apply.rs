//! The watch applied, sans-IO: revisioned events from the control plane in, changes for each
//! core out. It tracks where every device's session lives (its owner core follows its DevAddr),
//! so a DevAddr change removes the session from the old owner; a snapshot replaces the whole
//! state, removing what it no longer lists; the gateway registry is rebuilt once per batch.
//! It also holds what the node caches on disk to restart without the control plane.

use super::control::ControlMsg;
use super::convert::{self, ConvertError};
use crate::gateway::registry::{GatewayRecord, GatewayRegistry};
use crate::worker::owner_of;
use shared::api::{self, watch_event::Event};
use shared::types::{DevAddr, Eui64};
use std::collections::HashMap;
use std::sync::Arc;

type DeviceKey = (String, String);

/// Where a device's session runs and what identifies that session.
struct Placed {
    owner: usize,
    dev_addr: DevAddr,
    session: api::Session,
}

/// Counts of what the watch did, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncStats {
    /// Events applied.
    pub applied: u64,
    /// Records refused (did not convert), each left out.
    pub refused: u64,
    /// Snapshots applied.
    pub snapshots: u64,
}

/// The node's view of the control plane's state.
pub struct SyncState {
    cores: usize,
    revision: u64,
    snapshot: Option<(
        HashMap<Eui64, GatewayRecord>,
        HashMap<DeviceKey, api::Session>,
    )>,
    gateways: HashMap<Eui64, GatewayRecord>,
    gateway_protos: HashMap<Eui64, api::Gateway>,
    devices: HashMap<DeviceKey, Placed>,
    registry_dirty: bool,
    /// What happened so far.
    pub stats: SyncStats,
}

fn same_session(a: &api::Session, b: &api::Session) -> bool {
    let key = |s: &api::Session| s.f_nwk_s_int_key.as_ref().map(|k| k.key.clone());
    a.dev_addr == b.dev_addr && a.session_key_id == b.session_key_id && key(a) == key(b)
}

impl SyncState {
    /// An empty state for a node of `cores` cores.
    pub fn new(cores: usize) -> Self {
        Self {
            cores: cores.max(1),
            revision: 0,
            snapshot: None,
            gateways: HashMap::new(),
            gateway_protos: HashMap::new(),
            devices: HashMap::new(),
            registry_dirty: false,
            stats: SyncStats::default(),
        }
    }

    /// The last revision applied (0: none); a reconnecting watch resumes after it.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Devices with a session.
    pub fn sessions(&self) -> usize {
        self.devices.len()
    }

    /// Applies one event, appending the resulting per-core changes to `out`.
    pub fn apply(&mut self, ev: api::WatchEvent, out: &mut Vec<(usize, ControlMsg)>) {
        let Some(event) = ev.event else {
            self.stats.refused += 1;
            return;
        };
        self.stats.applied += 1;
        if self.snapshot.is_some() {
            match event {
                Event::SnapshotEnd(_) => {
                    self.finish_snapshot(out);
                    self.revision = ev.revision;
                }
                Event::SnapshotBegin(_) => self.begin_snapshot(),
                Event::GatewayUpsert(g) => self.snapshot_gateway(g),
                Event::SessionUpsert(s) => self.snapshot_session(s),
                Event::Heartbeat(_) => {}
                _ => self.stats.refused += 1,
            }
            return;
        }
        match event {
            Event::SnapshotBegin(_) => self.begin_snapshot(),
            Event::SnapshotEnd(_) => self.stats.refused += 1,
            Event::Heartbeat(_) => {}
            Event::GatewayUpsert(g) => match convert::gateway(&g) {
                Ok(r) => {
                    self.gateway_protos.insert(r.eui, g);
                    self.gateways.insert(r.eui, r);
                    self.registry_dirty = true;
                }
                Err(_) => self.stats.refused += 1,
            },
            Event::GatewayDelete(eui) => match convert::gateway_eui(&eui) {
                Ok(e) => {
                    self.gateway_protos.remove(&e);
                    self.registry_dirty |= self.gateways.remove(&e).is_some();
                }
                Err(_) => self.stats.refused += 1,
            },
            Event::SessionUpsert(s) => {
                if self.upsert(s, out).is_err() {
                    self.stats.refused += 1;
                }
            }
            Event::SessionDelete(d) => match convert::device_ref(Some(&d)) {
                Ok(k) => self.remove(&k, out),
                Err(_) => self.stats.refused += 1,
            },
        }
        self.revision = self.revision.max(ev.revision);
    }

    fn begin_snapshot(&mut self) {
        self.snapshot = Some((HashMap::new(), HashMap::new()));
        self.gateway_protos.clear();
    }

    fn snapshot_gateway(&mut self, g: api::Gateway) {
        match (convert::gateway(&g), &mut self.snapshot) {
            (Ok(r), Some((gws, _))) => {
                self.gateway_protos.insert(r.eui, g);
                gws.insert(r.eui, r);
            }
            _ => self.stats.refused += 1,
        }
    }

    fn snapshot_session(&mut self, s: api::Session) {
        match (convert::device_ref(s.device.as_ref()), &mut self.snapshot) {
            (Ok(k), Some((_, sessions))) => {
                sessions.insert(k, s);
            }
            _ => self.stats.refused += 1,
        }
    }

    fn finish_snapshot(&mut self, out: &mut Vec<(usize, ControlMsg)>) {
        let Some((gws, sessions)) = self.snapshot.take() else {
            return;
        };
        self.stats.snapshots += 1;
        self.gateways = gws;
        self.gateway_protos
            .retain(|e, _| self.gateways.contains_key(e));
        self.registry_dirty = true;
        let gone: Vec<DeviceKey> = self
            .devices
            .keys()
            .filter(|k| !sessions.contains_key(*k))
            .cloned()
            .collect();
        for k in gone {
            self.remove(&k, out);
        }
        for (_, s) in sessions {
            if self.upsert(s, out).is_err() {
                self.stats.refused += 1;
            }
        }
    }

    fn upsert(
        &mut self,
        s: api::Session,
        out: &mut Vec<(usize, ControlMsg)>,
    ) -> Result<(), ConvertError> {
        let session = convert::session(&s)?;
        let key = (session.application_id.clone(), session.device_id.clone());
        let owner = owner_of(session.dev_addr, self.cores);
        let continues = match self.devices.get(&key) {
            Some(p) if p.owner != owner => {
                out.push((p.owner, remove_msg(&key)));
                false
            }
            Some(p) => same_session(&p.session, &s),
            None => false,
        };
        out.push((
            owner,
            ControlMsg::Upsert {
                session: Box::new(session.clone()),
                continues,
            },
        ));
        self.devices.insert(
            key,
            Placed {
                owner,
                dev_addr: session.dev_addr,
                session: s,
            },
        );
        Ok(())
    }

    fn remove(&mut self, key: &DeviceKey, out: &mut Vec<(usize, ControlMsg)>) {
        if let Some(p) = self.devices.remove(key) {
            out.push((p.owner, remove_msg(key)));
        }
    }

    /// The gateway registry to hand every core, when it changed since the last call.
    pub fn take_registry(&mut self) -> Option<Arc<GatewayRegistry>> {
        if !std::mem::take(&mut self.registry_dirty) {
            return None;
        }
        // Keys are unique, so building cannot find a duplicate.
        GatewayRegistry::new(self.gateways.values().cloned())
            .ok()
            .map(Arc::new)
    }

    /// What to keep on disk: the state as of [`Self::revision`].
    pub fn cache(&self) -> api::ConfigCache {
        api::ConfigCache {
            revision: self.revision,
            gateways: self.gateway_protos.values().cloned().collect(),
            sessions: self.devices.values().map(|p| p.session.clone()).collect(),
        }
    }

    /// Restores a cached state as if it had arrived as a snapshot at its revision.
    pub fn restore(&mut self, cache: api::ConfigCache, out: &mut Vec<(usize, ControlMsg)>) {
        let rev = cache.revision;
        let mut apply = |e: Event| {
            self.apply(
                api::WatchEvent {
                    revision: rev,
                    event: Some(e),
                },
                out,
            )
        };
        apply(Event::SnapshotBegin(api::SnapshotBegin {}));
        for g in cache.gateways {
            apply(Event::GatewayUpsert(g));
        }
        for s in cache.sessions {
            apply(Event::SessionUpsert(s));
        }
        apply(Event::SnapshotEnd(api::SnapshotEnd {}));
    }

    /// The DevAddr a device's session has, if any.
    pub fn dev_addr(&self, application_id: &str, device_id: &str) -> Option<DevAddr> {
        self.devices
            .get(&(application_id.to_owned(), device_id.to_owned()))
            .map(|p| p.dev_addr)
    }
}

fn remove_msg((application_id, device_id): &DeviceKey) -> ControlMsg {
    ControlMsg::Remove {
        application_id: application_id.clone(),
        device_id: device_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> Option<api::KeyEnvelope> {
        Some(api::KeyEnvelope {
            key: vec![b; 16],
            kek_label: String::new(),
        })
    }

    fn session(dev: &str, addr: u32, k: u8) -> api::Session {
        api::Session {
            device: Some(api::DeviceRef {
                application_id: "app".into(),
                device_id: dev.into(),
            }),
            dev_addr: addr.to_be_bytes().to_vec(),
            mac_version: api::MacVersion::MacVersion104 as i32,
            region: "EU868".into(),
            f_nwk_s_int_key: key(k),
            ..Default::default()
        }
    }

    fn gw(eui: u8) -> api::Gateway {
        api::Gateway {
            eui: vec![0, 0, 0, 0, 0, 0, 0, eui],
            region: "EU868".into(),
            ..Default::default()
        }
    }

    fn ev(revision: u64, e: Event) -> api::WatchEvent {
        api::WatchEvent {
            revision,
            event: Some(e),
        }
    }

    /// Applies `events`, returning `(core, kind, device, continues)` per change.
    fn run(
        state: &mut SyncState,
        events: Vec<api::WatchEvent>,
    ) -> Vec<(usize, &'static str, String, bool)> {
        let mut out = Vec::new();
        for e in events {
            state.apply(e, &mut out);
        }
        out.into_iter()
            .map(|(core, m)| match m {
                ControlMsg::Upsert { session, continues } => {
                    (core, "upsert", session.device_id.clone(), continues)
                }
                ControlMsg::Remove { device_id, .. } => (core, "remove", device_id, false),
                ControlMsg::Registry(_) => (core, "registry", String::new(), false),
            })
            .collect()
    }

    fn snapshot(
        rev: u64,
        gateways: Vec<api::Gateway>,
        sessions: Vec<api::Session>,
    ) -> Vec<api::WatchEvent> {
        let mut v = vec![ev(rev, Event::SnapshotBegin(api::SnapshotBegin {}))];
        v.extend(
            gateways
                .into_iter()
                .map(|g| ev(rev, Event::GatewayUpsert(g))),
        );
        v.extend(
            sessions
                .into_iter()
                .map(|s| ev(rev, Event::SessionUpsert(s))),
        );
        v.push(ev(rev, Event::SnapshotEnd(api::SnapshotEnd {})));
        v
    }

    #[test]
    fn snapshot_installs_on_owners_and_a_second_one_removes_what_it_lacks() {
        let mut st = SyncState::new(4);
        let (a, b) = (session("a", 0x2601_0001, 1), session("b", 0x2601_0002, 2));
        let owner = |addr| owner_of(DevAddr::from_u32(addr), 4);
        let mut got = run(
            &mut st,
            snapshot(3, vec![gw(1)], vec![a.clone(), b.clone()]),
        );
        got.sort();
        let mut want = vec![
            (owner(0x2601_0001), "upsert", "a".into(), false),
            (owner(0x2601_0002), "upsert", "b".into(), false),
        ];
        want.sort();
        assert_eq!(got, want);
        assert_eq!(st.revision(), 3);
        assert_eq!(st.take_registry().map(|r| r.len()), Some(1));
        assert!(st.take_registry().is_none(), "rebuilt once per change");
        // The next snapshot lists only `b`, with the same keys: `a` goes, `b` continues.
        let got = run(&mut st, snapshot(9, vec![], vec![b]));
        assert_eq!(
            got,
            vec![
                (owner(0x2601_0001), "remove", "a".into(), false),
                (owner(0x2601_0002), "upsert", "b".into(), true)
            ]
        );
        assert_eq!(
            st.take_registry().map(|r| r.len()),
            Some(0),
            "gateways not listed are gone"
        );
        assert_eq!((st.revision(), st.stats.snapshots), (9, 2));
    }

    #[test]
    fn deltas_follow_devaddr_changes_and_new_keys_start_new_sessions() {
        let mut st = SyncState::new(8);
        run(
            &mut st,
            vec![ev(1, Event::SessionUpsert(session("a", 0x2601_0001, 1)))],
        );
        // Same DevAddr and keys: continues. New keys: a new session (a rejoin).
        let same = run(
            &mut st,
            vec![ev(2, Event::SessionUpsert(session("a", 0x2601_0001, 1)))],
        );
        assert!(same[0].3, "{same:?}");
        let rekeyed = run(
            &mut st,
            vec![ev(3, Event::SessionUpsert(session("a", 0x2601_0001, 7)))],
        );
        assert!(!rekeyed[0].3, "{rekeyed:?}");
        // A new DevAddr owned elsewhere: removed from the old owner, installed on the new one.
        let old = owner_of(DevAddr::from_u32(0x2601_0001), 8);
        let moved_to = (0x0400_0000..)
            .find(|a| owner_of(DevAddr::from_u32(*a), 8) != old)
            .expect("an address owned elsewhere");
        let new = owner_of(DevAddr::from_u32(moved_to), 8);
        let moved = run(
            &mut st,
            vec![ev(4, Event::SessionUpsert(session("a", moved_to, 7)))],
        );
        assert_eq!(
            moved,
            vec![
                (old, "remove", "a".into(), false),
                (new, "upsert", "a".into(), false)
            ]
        );
        assert_eq!(st.dev_addr("app", "a"), Some(DevAddr::from_u32(moved_to)));
        let deleted = run(
            &mut st,
            vec![ev(
                5,
                Event::SessionDelete(api::DeviceRef {
                    application_id: "app".into(),
                    device_id: "a".into(),
                }),
            )],
        );
        assert_eq!(deleted, vec![(new, "remove", "a".into(), false)]);
        assert_eq!((st.revision(), st.sessions()), (5, 0));
    }

    #[test]
    fn invalid_records_are_counted_and_change_nothing() {
        let mut st = SyncState::new(2);
        let mut bad = session("a", 1, 1);
        bad.region = "nowhere".into();
        let got = run(
            &mut st,
            vec![
                ev(1, Event::SessionUpsert(bad)),
                ev(
                    2,
                    Event::GatewayUpsert(api::Gateway {
                        eui: vec![1],
                        ..Default::default()
                    }),
                ),
                ev(3, Event::GatewayDelete(vec![1, 2])),
                api::WatchEvent {
                    revision: 4,
                    event: None,
                },
                ev(5, Event::SnapshotEnd(api::SnapshotEnd {})),
            ],
        );
        assert!(got.is_empty(), "{got:?}");
        assert_eq!(st.stats.refused, 5);
        assert!(st.take_registry().is_none());
    }

    #[test]
    fn cache_restores_the_same_state() {
        let mut st = SyncState::new(4);
        run(
            &mut st,
            snapshot(
                12,
                vec![gw(1), gw(2)],
                vec![session("a", 0x2601_0001, 1), session("b", 0x2601_0002, 2)],
            ),
        );
        st.take_registry();
        let mut restored = SyncState::new(4);
        let mut out = Vec::new();
        restored.restore(st.cache(), &mut out);
        assert_eq!(
            (restored.revision(), restored.sessions(), out.len()),
            (12, 2, 2)
        );
        assert_eq!(restored.take_registry().map(|r| r.len()), Some(2));
        assert_eq!(restored.cache().sessions.len(), 2);
    }
}
