//! Config changes on their way to the cores: one single-producer single-consumer ring from the
//! sync side (the watch client, on the async runtime) to each worker, drained on the worker's
//! turn. The sync side never drops a change: a full ring makes it wait (it is not the packet
//! path); a worker never blocks on it.

use crate::gateway::registry::GatewayRegistry;
use crate::network::{NetworkCore, Session};
use ringbuf::{HeapCons, HeapProd, HeapRb, traits::*};
use std::sync::Arc;
use std::time::Duration;

/// One change for one core.
pub enum ControlMsg {
    /// Serve this set of gateways from now on.
    Registry(Arc<GatewayRegistry>),
    /// Install (or replace) a device's session on its owner core. With `continues` set the
    /// session is the one the core already runs (same DevAddr, same keys): the core keeps the
    /// higher of its own and the pushed frame counters, so a push never rewinds them. The core
    /// also treats a push as continuing when the session it runs has the same DevAddr and
    /// network keys (a joined session installed from the join answer before the watch pushed
    /// it, or the other way round).
    Upsert {
        /// The session.
        session: Box<Session>,
        /// Whether it continues the session the core holds.
        continues: bool,
    },
    /// Remove a device's session.
    Remove {
        /// Application id.
        application_id: String,
        /// Device id.
        device_id: String,
    },
}

/// The sync side's ends: a producer per core.
pub struct ControlSender {
    to: Vec<HeapProd<ControlMsg>>,
}

/// A worker's end.
pub struct ControlReceiver {
    from: HeapCons<ControlMsg>,
}

/// A ring per core of `capacity` changes.
pub fn channel(cores: usize, capacity: usize) -> (ControlSender, Vec<ControlReceiver>) {
    let (to, from) = (0..cores)
        .map(|_| {
            let (p, c) = HeapRb::new(capacity.max(1)).split();
            (p, ControlReceiver { from: c })
        })
        .unzip();
    (ControlSender { to }, from)
}

impl ControlSender {
    /// Number of cores served.
    pub fn cores(&self) -> usize {
        self.to.len()
    }

    /// Hands `msg` to `core`, waiting while its ring is full; `false` if there is no such core.
    pub async fn send(&mut self, core: usize, mut msg: ControlMsg) -> bool {
        let Some(p) = self.to.get_mut(core) else {
            return false;
        };
        loop {
            match p.try_push(msg) {
                Ok(()) => return true,
                Err(back) => {
                    msg = back;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }
    }
}

impl ControlReceiver {
    /// Takes up to `max` waiting changes.
    pub fn drain(&mut self, max: usize) -> impl Iterator<Item = ControlMsg> + '_ {
        self.from.pop_iter().take(max)
    }
}

/// Applies a session change to a core's table; `Err` names why a session was refused (its
/// DevAddr holds too many sessions).
pub fn apply_session(core: &mut NetworkCore, msg: ControlMsg) -> Result<(), String> {
    match msg {
        ControlMsg::Upsert { session, continues } => {
            let mut session = *session;
            let running = core
                .sessions()
                .get_by_device_id(&session.application_id, &session.device_id)
                .filter(|s| s.dev_addr == session.dev_addr)
                .filter(|s| continues || s.keys.same_network_keys(&session.keys));
            if let Some(r) = running {
                session.fcnt_up = r.fcnt_up.max(session.fcnt_up);
                session.n_fcnt_down = r.n_fcnt_down.max(session.n_fcnt_down);
                session.a_fcnt_down = r.a_fcnt_down.max(session.a_fcnt_down);
                session.last_conf_fcnt_down = r.last_conf_fcnt_down;
                session.last_uplink = r.last_uplink;
                session.pending_mac = r.pending_mac.clone();
                session.uplink_channels = r.uplink_channels.clone();
                session.rx_settings = r.rx_settings;
                session.queue = r.queue.clone();
                session.confirmed_down = r.confirmed_down;
                session.mac = r.mac.clone();
            }
            core.insert_session(session)
                .map(drop)
                .map_err(|e| e.to_string())
        }
        ControlMsg::Remove {
            application_id,
            device_id,
        } => {
            core.sessions_mut()
                .remove_by_device_id(&application_id, &device_id);
            Ok(())
        }
        ControlMsg::Registry(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{LorawanVersion, NetworkConfig, SessionKeys};
    use shared::region::RegionId;
    use shared::types::{Aes128Key, DevAddr};

    fn session(key: u8) -> Session {
        let k = Aes128Key::from_bytes([key; 16]);
        Session::new(
            DevAddr::from_u32(0x2601_0001),
            "app",
            "dev",
            LorawanVersion::V1_0,
            SessionKeys::v1_0(&k, Some(&k)),
            RegionId::Eu868,
        )
    }

    fn upsert(core: &mut NetworkCore, s: Session, continues: bool) {
        let msg = ControlMsg::Upsert {
            session: Box::new(s),
            continues,
        };
        apply_session(core, msg).expect("installed");
    }

    #[test]
    fn a_push_of_the_running_session_keeps_its_counters_whatever_the_flag() {
        // (name, pushed keys, continues flag, counters kept)
        let cases = [
            ("joined session pushed later by the watch", 1, false, true),
            ("watch says it continues", 1, true, true),
            ("new keys: a new join", 2, false, false),
        ];
        for (name, key, continues, kept) in cases {
            let mut core = NetworkCore::new(NetworkConfig::default());
            upsert(&mut core, session(1), false);
            let running = core
                .sessions_mut()
                .get_by_device_id_mut("app", "dev")
                .expect("installed");
            running.fcnt_up = Some(3);
            running.n_fcnt_down = 2;
            upsert(&mut core, session(key), continues);
            let s = core
                .sessions()
                .get_by_device_id("app", "dev")
                .expect("still there");
            let want = if kept { (Some(3), 2) } else { (None, 0) };
            assert_eq!((s.fcnt_up, s.n_fcnt_down), want, "{name}");
        }
    }
}
