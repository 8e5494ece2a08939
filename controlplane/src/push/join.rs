//! `PlaneSync.Join`: a data-plane node hands over a deduplicated join-request; the Join Server
//! finds the device by (JoinEUI, DevEUI), unwraps its root keys, checks and answers it, and
//! commits the device's nonce state by compare-and-set before anything leaves (two nodes racing
//! on one request cannot both get an accept). The new session is stored on the device, wrapped
//! under the KEK of its root keys, so the watch pushes it to every node; the node that asked
//! gets it in the answer too, so the accept and the session arrive together. Rejoin-requests
//! take the same steps from `rejoin.rs`.

use super::PlaneService;
use super::records;
use crate::join::{
    JoinAccepted, JoinDevice, JoinError, JoinReqType, JoinState, NwkSessionKeys, RxSettings,
    identify,
};
use crate::store::{StoreError, model};
use shared::api;
use shared::types::{Aes128Key, DevEui, JoinEui, MacVersion};
use std::sync::atomic::Ordering::Relaxed;
use std::time::{SystemTime, UNIX_EPOCH};
use tonic::Status;

/// How often a join retries after losing a compare-and-set race.
const CAS_TRIES: usize = 4;

pub(super) fn store_status(e: StoreError) -> Status {
    match e {
        StoreError::NotFound { .. } => Status::not_found(e.to_string()),
        StoreError::Invalid { .. } => Status::invalid_argument(e.to_string()),
        StoreError::Conflict { .. } => Status::aborted(e.to_string()),
        _ => Status::unavailable(e.to_string()),
    }
}

pub(super) fn join_status(e: &JoinError) -> Status {
    let msg = format!("{}: {e}", e.reason());
    match e {
        JoinError::Frame(_) => Status::invalid_argument(msg),
        JoinError::MicMismatch => Status::unauthenticated(msg),
        JoinError::Nonce(_) => Status::already_exists(msg),
        _ => Status::failed_precondition(msg),
    }
}

/// The Join Server's version for a stored one.
pub fn mac_version(v: model::MacVersion) -> MacVersion {
    use model::MacVersion as M;
    match v {
        M::V1_0 => MacVersion::V1_0_0,
        M::V1_0_1 => MacVersion::V1_0_1,
        M::V1_0_2 => MacVersion::V1_0_2,
        M::V1_0_3 => MacVersion::V1_0_3,
        M::V1_0_4 => MacVersion::V1_0_4,
        M::V1_1 => MacVersion::V1_1,
    }
}

impl PlaneService {
    /// Answers one join-request.
    pub(super) async fn handle_join(
        &self,
        req: api::JoinRequest,
    ) -> Result<api::JoinResponse, Status> {
        let r = self.join_inner(req).await;
        let counter = if r.is_ok() {
            &self.metrics.joins_accepted
        } else {
            &self.metrics.joins_refused
        };
        counter.fetch_add(1, Relaxed);
        r
    }

    async fn join_inner(&self, req: api::JoinRequest) -> Result<api::JoinResponse, Status> {
        let ids = identify(&req.phy_payload).map_err(|e| join_status(&e))?;
        if ids.kind != JoinReqType::Join {
            return self.rejoin(req, ids).await;
        }
        let join_eui = ids
            .join_eui
            .ok_or_else(|| Status::invalid_argument("no JoinEUI"))?;
        let dev = self
            .store
            .find_end_device(join_eui, ids.dev_eui)
            .await
            .map_err(store_status)?;
        let device = self.join_device(&dev)?;
        let now = now_unix();
        let accepted = self
            .commit_nonces(join_eui, ids.dev_eui, |nonces| {
                self.js
                    .handle_join_request(now, &req.phy_payload, &device, nonces)
            })
            .await?;
        self.finish(dev, &accepted, now).await
    }

    /// The Join Server's view of a stored device (root keys unwrapped).
    pub(super) fn join_device(&self, dev: &model::EndDevice) -> Result<JoinDevice, Status> {
        let root = dev
            .root_keys
            .as_ref()
            .ok_or_else(|| Status::failed_precondition("device has no root keys (ABP)"))?;
        let key = |k: &model::WrappedKey, f| self.unwrap(k, f);
        Ok(JoinDevice {
            dev_eui: dev.dev_eui,
            join_eui: dev.join_eui,
            mac_version: mac_version(dev.mac_version),
            root_keys: crate::join::RootKeys {
                app_key: key(&root.app_key, "app_key")?,
                nwk_key: root
                    .nwk_key
                    .as_ref()
                    .map(|k| key(k, "nwk_key"))
                    .transpose()?,
            },
            frequency_plan_id: dev.frequency_plan_id.clone(),
            rx: RxSettings::default(),
        })
    }

    /// Unwraps a stored key.
    pub(super) fn unwrap(
        &self,
        k: &model::WrappedKey,
        field: &'static str,
    ) -> Result<Aes128Key, Status> {
        records::unwrap_key(&self.vault, k, field).map_err(|e| Status::internal(e.to_string()))
    }

    /// Runs `handle` on the device's stored nonce state and commits the state it accepts by
    /// compare-and-set, retrying a lost race.
    pub(super) async fn commit_nonces(
        &self,
        join_eui: JoinEui,
        dev_eui: DevEui,
        handle: impl Fn(&JoinState) -> Result<JoinAccepted, JoinError>,
    ) -> Result<JoinAccepted, Status> {
        let mut tries = 0;
        loop {
            tries += 1;
            let stored = self
                .store
                .get_join_state(join_eui, dev_eui)
                .await
                .map_err(store_status)?;
            let (nonces, expected) = match &stored {
                Some(s) => (s.nonces.clone(), Some(s.version)),
                None => (Default::default(), None),
            };
            let accepted = handle(&nonces).map_err(|e| join_status(&e))?;
            let mut next = model::JoinState::new(join_eui, dev_eui);
            next.nonces = accepted.state.clone();
            match self.store.cas_join_state(next, expected).await {
                Ok(_) => return Ok(accepted),
                Err(StoreError::Conflict { .. }) if tries < CAS_TRIES => continue,
                Err(e) => return Err(store_status(e)),
            }
        }
    }

    /// Stores the accepted session on the device (the watch pushes it) and answers with the
    /// join-accept and the session.
    pub(super) async fn finish(
        &self,
        mut dev: model::EndDevice,
        accepted: &JoinAccepted,
        now: i64,
    ) -> Result<api::JoinResponse, Status> {
        let s = &accepted.session;
        let label = dev
            .root_keys
            .as_ref()
            .map(|r| r.app_key.kek_label.clone())
            .unwrap_or_default();
        let wrap = |k| {
            records::wrap_key(&self.vault, k, &label).map_err(|e| Status::internal(e.to_string()))
        };
        let (f, sn, e) = match &s.nwk_keys {
            NwkSessionKeys::V1_0 { nwk_s_key } => (wrap(nwk_s_key)?, None, None),
            NwkSessionKeys::V1_1 {
                f_nwk_s_int_key,
                s_nwk_s_int_key,
                nwk_s_enc_key,
            } => (
                wrap(f_nwk_s_int_key)?,
                Some(wrap(s_nwk_s_int_key)?),
                Some(wrap(nwk_s_enc_key)?),
            ),
        };
        dev.session = Some(model::Session {
            dev_addr: s.dev_addr,
            f_nwk_s_int_key: f,
            s_nwk_s_int_key: sn,
            nwk_s_enc_key: e,
            app_s_key: wrap(&s.app_s_key)?,
            f_cnt_up: 0,
            n_f_cnt_down: 0,
            a_f_cnt_down: 0,
        });
        dev.updated_at = now.max(0) as u64 * 1000;
        self.store
            .update_end_device(dev.clone())
            .await
            .map_err(store_status)?;
        let mut session = records::session(&self.js, &self.vault, &dev)
            .map_err(|e| Status::internal(e.to_string()))?
            .ok_or_else(|| Status::internal("session just stored"))?;
        session.rx1_dr_offset = u32::from(s.rx1_dr_offset);
        session.rx2_dr = u32::from(s.rx2_data_rate);
        session.rx1_delay_s = u32::from(s.rx1_delay_secs);
        session.region = s.region.to_string();
        Ok(api::JoinResponse {
            join_accept: accepted.phy_payload.as_bytes().to_vec(),
            session: Some(session),
            join_accept_delay1_s: s.region.band().timing.join_accept_delay1_ms / 1000,
        })
    }
}

/// Seconds since the Unix epoch.
pub(super) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
