//! The Network Server's part of rejoin-requests (LoRaWAN 1.1 §6.2.4) on one core, beside the
//! join path (`join.rs`), and the hand-over from an old session to the one a (re)join made.
//!
//! - Types 0 and 2 (NetID | DevEUI | RJcount0) are the serving NS's to authenticate (1.1
//!   §6.2.4.1): the router hands every copy to every core (the frame names no DevAddr, so only
//!   the core holding the device's session can check it) and the core holding it dedups the
//!   copies, checks the MIC with the session's SNwkSIntKey and that RJcount0 exceeds the last
//!   one accepted for this session (`RJcount0_last`, §6.2.4.2: the NS ignores a request with
//!   RJcount0 <= RJcount0_last), then forwards it naming the device. Refusals are counted:
//!   `mic_mismatch`, `rejoin_replay`, `rejoin_no_session` (counted by the DevEUI's join owner
//!   core only). Type 1 (JoinEUI | DevEUI | RJcount1) goes to the Join Server as a
//!   join-request does; the Join Server checks its MIC and RJcount1.
//! - The session a rejoin makes does not replace the old one at once: the core owning the new
//!   DevAddr keeps it pending and installs it on the first uplink whose MIC verifies under it,
//!   and until then every core keeps the old session serving ([`Rejoins::absorbs`] holds the
//!   watch's install of the new session and its removal of the old one): a device that misses
//!   the accept keeps its old context (LoRaWAN 1.1 §6.2.4), so the network keeps both until the
//!   device shows it uses the new one; The Things Stack keeps a joined device's
//!   `pending_session` beside its `session` the same way (`api/protos/end_device.proto`).
//! - A session that replaces one with different keys starts over: [`starts_over`] tells the
//!   caller to journal a session start before installing it, so counters recovered for the same
//!   (DevAddr, DevEUI) from the old session never raise the new one's.
//!
//! RJcount0_last lives in memory per session key; it is lost on restart (a replayed request
//! can then reach the Join Server once, which refuses nothing for types 0/2: it only costs a
//! new accept the device ignores, as its own RJcount0 moved on).

use crate::application::event::RadioSettings;
use crate::drop::DropReason;
use crate::network::{LorawanVersion, Session, SessionTable};
use crate::persist::SessionKey;
use crate::sync::control::ControlMsg;
use crate::worker::persist::key_of;
use shared::api;
use shared::crypto::{data_uplink_mic_v10, data_uplink_mic_v11, mic_eq, rejoin_request_mic};
use shared::lorawan::{DataFrame, RejoinRequest};
use shared::types::DevAddr;
use std::collections::{HashMap, HashSet};

/// Most rejoin sessions one core keeps pending, and most devices it holds for.
const MAX_PENDING: usize = 4096;

/// Refusals of rejoin-requests of types 0/2, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RejoinDrops {
    /// MIC not under the session's SNwkSIntKey.
    pub mic_mismatch: u64,
    /// RJcount0 at or below the last accepted.
    pub replay: u64,
    /// No LoRaWAN 1.1 session for the DevEUI on this node.
    pub no_session: u64,
}

/// One core's rejoin state.
#[derive(Debug, Default)]
pub struct Rejoins {
    rj_count0_last: HashMap<SessionKey, u16>,
    pending: HashMap<DevAddr, Box<Session>>,
    holds: HashSet<(String, String)>,
    /// Refusals by reason.
    pub drops: RejoinDrops,
    /// Pending sessions installed on their first uplink.
    pub switched: u64,
}

impl Rejoins {
    /// Checks a deduplicated rejoin-request of type 0 or 2 against the device's session in
    /// `sessions`; `owner_here` = this core counts a missing session. On success RJcount0_last
    /// moves to the request's and the device to name in the forwarded request comes back.
    pub fn check_0_2(
        &mut self,
        frame: &RejoinRequest<'_>,
        sessions: &SessionTable,
        owner_here: bool,
    ) -> Result<api::DeviceRef, DropReason> {
        let s = sessions
            .get_by_dev_eui(frame.dev_eui())
            .filter(|s| s.version == LorawanVersion::V1_1);
        let Some(s) = s else {
            if owner_here {
                self.drops.no_session += 1;
            }
            return Err(DropReason::RejoinNoSession);
        };
        let want = rejoin_request_mic(&s.keys.s_nwk_s_int, frame.mic_input());
        if !mic_eq(&want, &frame.mic()) {
            self.drops.mic_mismatch += 1;
            return Err(DropReason::MicMismatch);
        }
        let key = key_of(s);
        let rj = frame.rj_count();
        if self
            .rj_count0_last
            .get(&key)
            .is_some_and(|last| rj <= *last)
        {
            self.drops.replay += 1;
            return Err(DropReason::RejoinReplay);
        }
        self.rj_count0_last.insert(key, rj);
        Ok(api::DeviceRef {
            application_id: s.application_id.clone(),
            device_id: s.device_id.clone(),
        })
    }

    /// Whether a rejoin session waits for its first uplink on this core.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Keeps `session` (made by a rejoin, owned here) until the device's first uplink under it.
    pub fn add_pending(&mut self, session: Box<Session>) {
        self.pending.retain(|_, s| {
            s.application_id != session.application_id || s.device_id != session.device_id
        });
        if self.pending.len() < MAX_PENDING {
            self.pending.insert(session.dev_addr, session);
        }
    }

    /// Keeps the device's current session here until its rejoin session takes over.
    pub fn hold(&mut self, application_id: String, device_id: String) {
        if self.holds.len() < MAX_PENDING {
            self.holds.insert((application_id, device_id));
        }
    }

    /// The device's rejoin session took over: stop holding its old one.
    pub fn release(&mut self, application_id: &str, device_id: &str) {
        self.holds
            .remove(&(application_id.to_owned(), device_id.to_owned()));
    }

    /// The pending session that `phy` (a data uplink heard with `settings`) authenticates
    /// under, taken out: install it before the uplink goes to the core.
    pub fn take_switch(&mut self, phy: &[u8], settings: &RadioSettings) -> Option<Box<Session>> {
        let frame = DataFrame::parse(phy).ok().filter(|f| f.is_uplink())?;
        let s = self.pending.get(&frame.dev_addr())?;
        if !first_uplink_mic_ok(s, &frame, settings) {
            return None;
        }
        self.switched += 1;
        self.pending.remove(&frame.dev_addr())
    }

    /// Whether a config change from the watch waits here instead of reaching the session table:
    /// the install of a session still pending (kept pending, as pushed), or the removal of a
    /// held device's old session.
    pub fn absorbs(&mut self, msg: &mut ControlMsg) -> bool {
        match msg {
            ControlMsg::Upsert { session, .. } => {
                self.pending.get(&session.dev_addr).is_some_and(|p| {
                    p.device_id == session.device_id
                        && p.application_id == session.application_id
                        && p.keys.same_network_keys(&session.keys)
                })
            }
            ControlMsg::Remove {
                application_id,
                device_id,
            } => self
                .holds
                .contains(&(application_id.clone(), device_id.clone())),
            ControlMsg::Registry(_) => false,
        }
    }
}

/// Whether `new` starts a session over rather than continuing what `sessions` runs for the
/// device: another session (other network keys) runs for it. The caller journals a session
/// start first, so counters journaled under the same (DevAddr, DevEUI) are not raised into it.
pub fn starts_over(sessions: &SessionTable, new: &Session) -> bool {
    let running = sessions
        .get_by_device_id(&new.application_id, &new.device_id)
        .or_else(|| new.dev_eui.and_then(|e| sessions.get_by_dev_eui(e)));
    running.is_some_and(|r| !r.keys.same_network_keys(&new.keys))
}

/// The MIC of a new session's uplink (counters start at 0: the 16-bit FCnt is the counter).
fn first_uplink_mic_ok(s: &Session, frame: &DataFrame<'_>, settings: &RadioSettings) -> bool {
    let (got, msg, addr) = (frame.mic(), frame.mic_input(), frame.dev_addr());
    let fcnt = u32::from(frame.fcnt());
    let k = &s.keys;
    match s.version {
        LorawanVersion::V1_0 => mic_eq(&data_uplink_mic_v10(&k.f_nwk_s_int, addr, fcnt, msg), &got),
        LorawanVersion::V1_1 => {
            let (Some(dr), Some(ch)) = (
                s.data_rate_index(settings),
                s.channel_index(settings.frequency_hz),
            ) else {
                return false;
            };
            // A fresh session has acknowledged no downlink: ConfFCnt is 0.
            let want =
                data_uplink_mic_v11(&k.f_nwk_s_int, &k.s_nwk_s_int, 0, dr, ch, addr, fcnt, msg);
            mic_eq(&want.mic(), &got)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::SessionKeys;
    use shared::crypto::MicKey;
    use shared::lorawan::{RejoinRequestRepr, RejoinType};
    use shared::region::RegionId;
    use shared::types::{Aes128Key, DevEui, NetId};

    const EUI: u64 = 0x70B3_D500_0000_0E05;
    const S_KEY: [u8; 16] = [0x22; 16];

    fn session(addr: u32, version: LorawanVersion, s_key: [u8; 16]) -> Session {
        let k = |b| Aes128Key::from_bytes(b);
        let keys = match version {
            LorawanVersion::V1_0 => SessionKeys::v1_0(&k([1; 16]), None),
            LorawanVersion::V1_1 => SessionKeys::v1_1(&k([1; 16]), &k(s_key), &k([3; 16]), None),
        };
        Session::new(
            DevAddr::from_u32(addr),
            "app",
            "dev",
            version,
            keys,
            RegionId::Eu868,
        )
        .with_dev_eui(DevEui::from_u64(EUI))
    }

    /// A type 0 rejoin-request MIC'd under `key` (the spec's CMAC over MHDR | body).
    fn type0(rj_count0: u16, key: [u8; 16]) -> Vec<u8> {
        let repr = |mic| RejoinRequestRepr::Type02 {
            rejoin_type: RejoinType::Type0,
            net_id: NetId::from_u32(0x13),
            dev_eui: DevEui::from_u64(EUI),
            rj_count0,
            mic,
        };
        let mut buf = vec![0; repr([0; 4]).buffer_len()];
        repr([0; 4]).emit(&mut buf).unwrap();
        let frame = RejoinRequest::parse(&buf).unwrap();
        let mic = rejoin_request_mic(&MicKey::new(&Aes128Key::from_bytes(key)), frame.mic_input());
        repr(mic).emit(&mut buf).unwrap();
        buf
    }

    #[test]
    fn type_0_checks_mic_and_rj_count0_against_the_session() {
        let mut table = SessionTable::default();
        table
            .insert(session(0x2601_0001, LorawanVersion::V1_1, S_KEY))
            .unwrap();
        let mut r = Rejoins::default();
        // (case, frame, expected)
        let cases: [(&str, Vec<u8>, Result<(), DropReason>); 5] = [
            ("first", type0(3, S_KEY), Ok(())),
            (
                "same RJcount0",
                type0(3, S_KEY),
                Err(DropReason::RejoinReplay),
            ),
            (
                "lower RJcount0",
                type0(2, S_KEY),
                Err(DropReason::RejoinReplay),
            ),
            (
                "forged MIC",
                type0(9, [0x55; 16]),
                Err(DropReason::MicMismatch),
            ),
            ("higher RJcount0", type0(4, S_KEY), Ok(())),
        ];
        for (name, bytes, want) in cases {
            let frame = RejoinRequest::parse(&bytes).unwrap();
            let got = r.check_0_2(&frame, &table, true).map(|d| {
                assert_eq!(
                    (d.application_id.as_str(), d.device_id.as_str()),
                    ("app", "dev")
                );
            });
            assert_eq!(got, want, "{name}");
        }
        assert_eq!(
            r.drops,
            RejoinDrops {
                mic_mismatch: 1,
                replay: 2,
                no_session: 0
            }
        );
    }

    #[test]
    fn type_0_needs_a_1_1_session_and_only_the_owner_counts_its_absence() {
        let bytes = type0(1, S_KEY);
        let frame = RejoinRequest::parse(&bytes).unwrap();
        let mut r = Rejoins::default();
        let empty = SessionTable::default();
        assert_eq!(
            r.check_0_2(&frame, &empty, false),
            Err(DropReason::RejoinNoSession)
        );
        assert_eq!(r.drops.no_session, 0, "not the DevEUI's owner core");
        let mut v10 = SessionTable::default();
        v10.insert(session(0x2601_0001, LorawanVersion::V1_0, S_KEY))
            .unwrap();
        assert_eq!(
            r.check_0_2(&frame, &v10, true),
            Err(DropReason::RejoinNoSession)
        );
        assert_eq!(r.drops.no_session, 1);
    }

    #[test]
    fn the_watch_waits_for_pending_and_held_devices() {
        let mut r = Rejoins::default();
        let new = session(0x2601_0009, LorawanVersion::V1_1, [0x44; 16]);
        r.add_pending(Box::new(new.clone()));
        r.hold("app".into(), "dev".into());
        let cases = [
            ("push of the pending session", new.clone(), true),
            (
                "push under other keys",
                session(0x2601_0009, LorawanVersion::V1_1, S_KEY),
                false,
            ),
            (
                "push of another DevAddr",
                session(0x2601_0008, LorawanVersion::V1_1, [0x44; 16]),
                false,
            ),
        ];
        for (name, s, want) in cases {
            let mut msg = ControlMsg::Upsert {
                session: Box::new(s),
                continues: false,
            };
            assert_eq!(r.absorbs(&mut msg), want, "{name}");
        }
        let mut remove = ControlMsg::Remove {
            application_id: "app".into(),
            device_id: "dev".into(),
        };
        assert!(r.absorbs(&mut remove), "held");
        r.release("app", "dev");
        assert!(!r.absorbs(&mut remove), "released");
    }

    #[test]
    fn a_session_under_other_keys_starts_over() {
        let mut table = SessionTable::default();
        let old = session(0x2601_0001, LorawanVersion::V1_1, S_KEY);
        table.insert(old.clone()).unwrap();
        assert!(!starts_over(&table, &old), "same keys continue");
        let rekeyed = session(0x2601_0001, LorawanVersion::V1_1, [0x44; 16]);
        assert!(
            starts_over(&table, &rekeyed),
            "same DevAddr and DevEUI, new keys"
        );
        assert!(
            !starts_over(&SessionTable::default(), &rekeyed),
            "nothing runs"
        );
    }

    /// A 1.0 uplink of `addr` at `fcnt` MIC'd under FNwkSIntKey `key`.
    fn uplink(addr: u32, fcnt: u16, key: [u8; 16]) -> Vec<u8> {
        use shared::lorawan::{DataFrameRepr, FCtrl, FOpts, MType};
        let repr = |mic| DataFrameRepr {
            mtype: MType::UnconfirmedDataUp,
            dev_addr: DevAddr::from_u32(addr),
            fctrl: FCtrl::default(),
            fcnt,
            fopts: FOpts::default(),
            fport: Some(1),
            frm_payload: b"x",
            mic,
        };
        let mut buf = vec![0; repr([0; 4]).buffer_len()];
        repr([0; 4]).emit(&mut buf).unwrap();
        let frame = DataFrame::parse(&buf).unwrap();
        let k = MicKey::new(&Aes128Key::from_bytes(key));
        let mic = data_uplink_mic_v10(
            &k,
            DevAddr::from_u32(addr),
            u32::from(fcnt),
            frame.mic_input(),
        );
        repr(mic).emit(&mut buf).unwrap();
        buf
    }

    #[test]
    fn a_pending_session_is_taken_on_the_first_uplink_that_authenticates_under_it() {
        let mut r = Rejoins::default();
        let new = session(0x2601_0009, LorawanVersion::V1_0, S_KEY);
        r.add_pending(Box::new(new));
        let settings = RadioSettings {
            frequency_hz: 868_100_000,
            spreading_factor: 7,
            bandwidth_hz: 125_000,
            bit_rate: 0,
        };
        let cases = [
            ("other DevAddr", uplink(0x2601_0008, 0, [1; 16]), false),
            (
                "old keys on the new DevAddr",
                uplink(0x2601_0009, 0, [9; 16]),
                false,
            ),
            ("new keys", uplink(0x2601_0009, 0, [1; 16]), true),
            ("taken once", uplink(0x2601_0009, 1, [1; 16]), false),
        ];
        for (name, bytes, want) in cases {
            assert_eq!(r.take_switch(&bytes, &settings).is_some(), want, "{name}");
        }
        assert_eq!(r.switched, 1);
        assert!(!r.has_pending());
    }
}
