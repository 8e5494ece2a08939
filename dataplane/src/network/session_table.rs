//! The sessions a core owns, keyed by DevAddr with several sessions per DevAddr (DevAddr reuse
//! is normal: the MIC decides, `design.md` "Protocol points"), plus indices by DevEUI and by
//! (application id, device id) for inserts, replacements and removals pushed by the control
//! plane.
//!
//! The candidate list per DevAddr is bounded (`max_candidates`): every uplink to a DevAddr costs
//! one CMAC per candidate, and peers saw heavy load when thousands of sessions collided on one
//! address (ChirpStack #362, The Things Stack #3308). An insert past the bound is refused with
//! [`TableError::TooManyCandidates`], which the core counts as `too_many_candidates`.
//!
//! Hashing: every uplink looks its DevAddr up here, so the maps use keyed aHash
//! (`ahash::RandomState`, one random seed per table) instead of SipHash-1-3; the keys stay
//! unpredictable to a device choosing its DevAddr, at a fraction of the cost. With the gateway
//! registry's map moved off SipHash too and one clock reading per turn for the copies' Unix
//! time: callgrind, ingress bench pipeline (`--only pipeline --k 1 --parser scan`, 30k uplinks,
//! same session): 13,325 → 12,484 instructions per uplink.

use super::session::Session;
use shared::types::{DevAddr, DevEui};
use std::collections::HashMap;

/// The maps' keyed hasher (random seed per map).
type Hasher = ahash::RandomState;

/// Default bound on sessions sharing one DevAddr.
pub const DEFAULT_MAX_CANDIDATES: usize = 16;

/// Why a session table change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// The DevAddr already holds the maximum number of sessions.
    #[error("DevAddr {dev_addr} already has {max} sessions")]
    TooManyCandidates {
        /// The crowded address.
        dev_addr: DevAddr,
        /// The bound.
        max: usize,
    },
}

/// Sessions by DevAddr, with identity indices.
#[derive(Debug)]
pub struct SessionTable {
    by_addr: HashMap<DevAddr, Vec<Session>, Hasher>,
    by_eui: HashMap<DevEui, DevAddr, Hasher>,
    by_id: HashMap<String, HashMap<String, DevAddr, Hasher>, Hasher>,
    max_candidates: usize,
    len: usize,
}

impl Default for SessionTable {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_CANDIDATES)
    }
}

impl SessionTable {
    /// An empty table allowing at most `max_candidates` sessions per DevAddr (at least 1).
    pub fn new(max_candidates: usize) -> Self {
        Self {
            by_addr: HashMap::default(),
            by_eui: HashMap::default(),
            by_id: HashMap::default(),
            max_candidates: max_candidates.max(1),
            len: 0,
        }
    }

    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table holds no session.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The sessions sharing `dev_addr` (empty if none).
    pub fn candidates(&self, dev_addr: DevAddr) -> &[Session] {
        self.by_addr.get(&dev_addr).map_or(&[], Vec::as_slice)
    }

    /// The sessions sharing `dev_addr`, mutable.
    pub fn candidates_mut(&mut self, dev_addr: DevAddr) -> &mut [Session] {
        self.by_addr
            .get_mut(&dev_addr)
            .map_or(&mut [], Vec::as_mut_slice)
    }

    /// The session of the device with this DevEUI.
    pub fn get_by_dev_eui(&self, dev_eui: DevEui) -> Option<&Session> {
        let addr = self.by_eui.get(&dev_eui)?;
        self.candidates(*addr)
            .iter()
            .find(|s| s.dev_eui == Some(dev_eui))
    }

    /// The session of the device with this application and device id.
    pub fn get_by_device_id(&self, application_id: &str, device_id: &str) -> Option<&Session> {
        let addr = self.by_id.get(application_id)?.get(device_id)?;
        self.candidates(*addr)
            .iter()
            .find(|s| s.application_id == application_id && s.device_id == device_id)
    }

    /// The session of the device with this application and device id, mutable (the downlink
    /// path: queue, counters).
    pub fn get_by_device_id_mut(
        &mut self,
        application_id: &str,
        device_id: &str,
    ) -> Option<&mut Session> {
        let addr = *self.by_id.get(application_id)?.get(device_id)?;
        self.candidates_mut(addr)
            .iter_mut()
            .find(|s| s.application_id == application_id && s.device_id == device_id)
    }

    /// Inserts a session, replacing the one with the same device id or DevEUI (wherever its
    /// DevAddr was). Returns the replaced session; refuses when the DevAddr is full, leaving the
    /// table unchanged.
    pub fn insert(&mut self, session: Session) -> Result<Option<Session>, TableError> {
        let same_device = |s: &Session| {
            (s.application_id == session.application_id && s.device_id == session.device_id)
                || (session.dev_eui.is_some() && s.dev_eui == session.dev_eui)
        };
        let replaced_here = self
            .candidates(session.dev_addr)
            .iter()
            .filter(|s| same_device(s))
            .count();
        let staying = self.candidates(session.dev_addr).len() - replaced_here;
        if staying >= self.max_candidates {
            return Err(TableError::TooManyCandidates {
                dev_addr: session.dev_addr,
                max: self.max_candidates,
            });
        }
        let by_id = self.remove_by_device_id(&session.application_id, &session.device_id);
        let by_eui = session.dev_eui.and_then(|e| self.remove_by_dev_eui(e));
        if let Some(e) = session.dev_eui {
            self.by_eui.insert(e, session.dev_addr);
        }
        self.by_id
            .entry(session.application_id.clone())
            .or_default()
            .insert(session.device_id.clone(), session.dev_addr);
        self.by_addr
            .entry(session.dev_addr)
            .or_default()
            .push(session);
        self.len += 1;
        Ok(by_id.or(by_eui))
    }

    /// Removes the session of the device with this DevEUI.
    pub fn remove_by_dev_eui(&mut self, dev_eui: DevEui) -> Option<Session> {
        let addr = *self.by_eui.get(&dev_eui)?;
        self.remove_where(addr, |s| s.dev_eui == Some(dev_eui))
    }

    /// Removes the session of the device with this application and device id.
    pub fn remove_by_device_id(
        &mut self,
        application_id: &str,
        device_id: &str,
    ) -> Option<Session> {
        let addr = *self.by_id.get(application_id)?.get(device_id)?;
        self.remove_where(addr, |s| {
            s.application_id == application_id && s.device_id == device_id
        })
    }

    fn remove_where(&mut self, addr: DevAddr, f: impl Fn(&Session) -> bool) -> Option<Session> {
        let list = self.by_addr.get_mut(&addr)?;
        let i = list.iter().position(f)?;
        let s = list.remove(i);
        if list.is_empty() {
            self.by_addr.remove(&addr);
        }
        if let Some(e) = s.dev_eui {
            self.by_eui.remove(&e);
        }
        if let Some(ids) = self.by_id.get_mut(&s.application_id) {
            ids.remove(&s.device_id);
            if ids.is_empty() {
                self.by_id.remove(&s.application_id);
            }
        }
        self.len -= 1;
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::session::{LorawanVersion, SessionKeys};
    use shared::region::RegionId;
    use shared::types::Aes128Key;

    fn s(addr: u32, dev: &str, eui: Option<u64>) -> Session {
        let keys = SessionKeys::v1_0(&Aes128Key::from_bytes([2; 16]), None);
        let mut s = Session::new(
            DevAddr::from_u32(addr),
            "app",
            dev,
            LorawanVersion::V1_0,
            keys,
            RegionId::Eu868,
        );
        s.dev_eui = eui.map(DevEui::from_u64);
        s
    }

    fn ids(t: &SessionTable, addr: u32) -> Vec<&str> {
        t.candidates(DevAddr::from_u32(addr))
            .iter()
            .map(|s| s.device_id.as_str())
            .collect()
    }

    #[test]
    fn named_cases() {
        // Shared DevAddr: both kept, in insertion order.
        let mut t = SessionTable::new(2);
        assert!(t.insert(s(1, "a", Some(10))).unwrap().is_none());
        assert!(t.insert(s(1, "b", Some(11))).unwrap().is_none());
        assert_eq!(ids(&t, 1), ["a", "b"], "collision keeps both");

        // Full DevAddr refuses a third device, table unchanged.
        let err = t.insert(s(1, "c", Some(12))).unwrap_err();
        assert_eq!(
            err,
            TableError::TooManyCandidates {
                dev_addr: DevAddr::from_u32(1),
                max: 2
            }
        );
        assert_eq!(ids(&t, 1), ["a", "b"], "refused insert changes nothing");

        // Replacing a device on a full DevAddr is allowed (it frees its own place).
        let old = t
            .insert(s(1, "a", Some(10)).with_fcnt_up(Some(5)))
            .unwrap()
            .unwrap();
        assert_eq!(old.fcnt_up, None, "returns the replaced session");
        assert_eq!(ids(&t, 1), ["b", "a"]);
        assert_eq!(t.len(), 2);

        // A rejoin moves the device to a new DevAddr.
        t.insert(s(2, "a", Some(10))).unwrap();
        assert_eq!(ids(&t, 1), ["b"]);
        assert_eq!(ids(&t, 2), ["a"]);
        assert_eq!(
            t.get_by_dev_eui(DevEui::from_u64(10)).unwrap().dev_addr,
            DevAddr::from_u32(2)
        );

        // Same DevEUI under a new device id replaces too.
        let old = t.insert(s(3, "a2", Some(10))).unwrap().unwrap();
        assert_eq!(old.device_id, "a");
        assert!(t.get_by_device_id("app", "a").is_none());
        assert!(t.candidates(DevAddr::from_u32(2)).is_empty());

        // Removal by either key.
        assert_eq!(t.remove_by_device_id("app", "b").unwrap().device_id, "b");
        assert_eq!(
            t.remove_by_dev_eui(DevEui::from_u64(10)).unwrap().device_id,
            "a2"
        );
        assert!(t.remove_by_dev_eui(DevEui::from_u64(10)).is_none(), "gone");
        assert!(t.is_empty());
        assert!(
            t.by_addr.is_empty() && t.by_eui.is_empty() && t.by_id.is_empty(),
            "indices cleaned"
        );
    }

    #[test]
    fn devices_without_dev_eui() {
        let mut t = SessionTable::default();
        t.insert(s(7, "x", None)).unwrap();
        t.insert(s(7, "y", None)).unwrap();
        assert_eq!(
            ids(&t, 7),
            ["x", "y"],
            "no DevEUI: identity is the device id only"
        );
        assert!(t.get_by_device_id("app", "y").is_some());
        assert!(t.get_by_device_id("other", "y").is_none());
    }
}
