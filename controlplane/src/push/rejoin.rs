//! `PlaneSync.Join` for rejoin-requests (LoRaWAN 1.1 §6.2.4): the Join Server side of the
//! three types, after the node deduplicated the request.
//!
//! - Type 1 (JoinEUI | DevEUI | RJcount1) finds the device by (JoinEUI, DevEUI) as a
//!   join-request does; the Join Server checks the MIC under JSIntKey and that RJcount1
//!   exceeds the last one, and the accepted RJcount1 is committed with the nonce state by
//!   compare-and-set (`join.rs`), so a replay is refused (`already_exists`).
//! - Types 0 and 2 (NetID | DevEUI | RJcount0) name no JoinEUI: the node names the device
//!   whose session it checked the MIC (SNwkSIntKey) and RJcount0 against (`JoinRequest.device`,
//!   1.1 §6.2.4.1: the Network Server keeps RJcount0 and verifies these types). The MIC is
//!   checked here once more with the SNwkSIntKey of the session stored on the device, so a
//!   request the node did not authenticate is still refused (`unauthenticated`); the DevEUI
//!   must be the device's.
//!
//! The accept is the Join Server's (`crate::join::rejoin`: JSEncKey encryption, JoinReqType
//! and RJcount in the MIC and key derivation); the new session is stored on the device like a
//! join's and answered with it.

use super::PlaneService;
use super::join::{now_unix, store_status};
use crate::join::{JoinReqType, RejoinMic, RequestIds};
use crate::store::id::{ApplicationId, DeviceId};
use shared::api;
use tonic::Status;

impl PlaneService {
    /// Answers one rejoin-request whose identifiers are `ids`.
    pub(super) async fn rejoin(
        &self,
        req: api::JoinRequest,
        ids: RequestIds,
    ) -> Result<api::JoinResponse, Status> {
        let dev = match (ids.kind, ids.join_eui, &req.device) {
            (JoinReqType::Rejoin(_), Some(join_eui), _) => self
                .store
                .find_end_device(join_eui, ids.dev_eui)
                .await
                .map_err(store_status)?,
            (_, None, Some(d)) => {
                let app = ApplicationId::new(d.application_id.as_str())
                    .map_err(|e| Status::invalid_argument(e.to_string()))?;
                let id = DeviceId::new(d.device_id.as_str())
                    .map_err(|e| Status::invalid_argument(e.to_string()))?;
                self.store
                    .get_end_device(&app, &id)
                    .await
                    .map_err(store_status)?
            }
            _ => {
                return Err(Status::invalid_argument(
                    "rejoin type 0/2 without the device the network server checked",
                ));
            }
        };
        if dev.dev_eui != ids.dev_eui {
            return Err(Status::invalid_argument("DevEUI is not the named device's"));
        }
        let device = self.join_device(&dev)?;
        let s_nwk_s_int_key = dev
            .session
            .as_ref()
            .and_then(|s| s.s_nwk_s_int_key.as_ref())
            .map(|k| self.unwrap(k, "s_nwk_s_int_key"))
            .transpose()?;
        if ids.join_eui.is_none() && s_nwk_s_int_key.is_none() {
            return Err(Status::failed_precondition(
                "rejoin type 0/2 needs a LoRaWAN 1.1 session",
            ));
        }
        let now = now_unix();
        let accepted = self
            .commit_nonces(dev.join_eui, dev.dev_eui, |nonces| {
                let mic = match &s_nwk_s_int_key {
                    Some(k) => RejoinMic::Check { s_nwk_s_int_key: k },
                    None => RejoinMic::CheckedByNetworkServer,
                };
                self.js
                    .handle_rejoin_request(now, &req.phy_payload, &device, nonces, mic)
            })
            .await?;
        self.finish(dev, &accepted, now).await
    }
}
