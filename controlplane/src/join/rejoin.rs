//! Rejoin-request handling (LoRaWAN 1.1 §6.2.4): a 1.1 device asks for a new session without
//! losing its identity, and the Join Server answers with a join-accept carrying JoinReqType.
//!
//! - Types 0 and 2 (NetID | DevEUI | RJcount0) are authenticated with the current session's
//!   SNwkSIntKey, which the serving Network Server holds: the NS checks the MIC and RJcount0
//!   (it keeps RJcount0_last) and forwards the request. [`RejoinMic`] says whether that
//!   happened or hands the key in so the check runs here. The NetID must be this network's.
//! - Type 1 (JoinEUI | DevEUI | RJcount1) is the Join Server's own: MIC under JSIntKey, and
//!   RJcount1 must exceed the last one processed (`dev_nonce.rs`).
//!
//! The accept is built as for a join-request (`join_request.rs`) except that the 1.1 MIC
//! carries JoinReqType 0, 1 or 2 and RJcount in place of DevNonce, the same RJcount replaces
//! DevNonce in the session-key derivation, and the encryption key is JSEncKey (1.1 §6.2.3,
//! §6.1.1.3; LoRaMac-node reads the accept the same way).

use super::dev_nonce::accept_rj_count1;
use super::error::JoinError;
use super::join_accept::JoinReqType;
use super::server::JoinServer;
use super::session::JoinAccepted;
use super::state::{JoinDevice, JoinState};
use shared::crypto::{MicKey, js_keys, mic_eq, rejoin_request_mic};
use shared::lorawan::{RejoinRequest, RejoinType};
use shared::types::Aes128Key;

/// How the MIC of a type 0 or 2 rejoin-request is authenticated (type 1 is always checked here).
#[derive(Debug, Clone, Copy)]
pub enum RejoinMic<'a> {
    /// The serving Network Server verified it (and RJcount0) before forwarding.
    CheckedByNetworkServer,
    /// Check it here with the current session's SNwkSIntKey.
    Check {
        /// SNwkSIntKey of the device's current session.
        s_nwk_s_int_key: &'a Aes128Key,
    },
}

impl JoinServer {
    /// Handles a rejoin-request of any type from a LoRaWAN 1.1 `device`; see
    /// [`JoinServer::handle_join_request`] for `now_unix`, `state` and the result.
    pub fn handle_rejoin_request(
        &self,
        now_unix: i64,
        request: &[u8],
        device: &JoinDevice,
        state: &JoinState,
        mic_0_2: RejoinMic<'_>,
    ) -> Result<JoinAccepted, JoinError> {
        let result = self.rejoin_steps(now_unix, request, device, state, mic_0_2);
        match &result {
            Ok(a) => tracing::debug!(
                dev_eui = %device.dev_eui,
                dev_addr = %a.session.dev_addr,
                join_req_type = ?a.session.join_req_type,
                "rejoin-request accepted"
            ),
            Err(e) => tracing::debug!(
                dev_eui = %device.dev_eui,
                reason = e.reason(),
                error = %e,
                "rejoin-request rejected"
            ),
        }
        result
    }

    fn rejoin_steps(
        &self,
        now_unix: i64,
        request: &[u8],
        device: &JoinDevice,
        state: &JoinState,
        mic_0_2: RejoinMic<'_>,
    ) -> Result<JoinAccepted, JoinError> {
        let frame = RejoinRequest::parse(request)?;
        if !device.mac_version.is_1_1() {
            return Err(JoinError::RejoinNotSupported(device.mac_version));
        }
        if frame.dev_eui() != device.dev_eui {
            return Err(JoinError::DevEuiMismatch {
                expected: device.dev_eui,
                got: frame.dev_eui(),
            });
        }
        let nwk_key = device.root_keys.nwk_key.ok_or(JoinError::MissingNwkKey)?;
        let mut next = state.clone();
        let check = |key: &Aes128Key| {
            let want = rejoin_request_mic(&MicKey::new(key), frame.mic_input());
            if mic_eq(&want, &frame.mic()) {
                Ok(())
            } else {
                Err(JoinError::MicMismatch)
            }
        };
        match (frame.rejoin_type(), frame.join_eui(), frame.net_id()) {
            (RejoinType::Type1, Some(join_eui), _) => {
                if join_eui != device.join_eui {
                    return Err(JoinError::JoinEuiMismatch {
                        expected: device.join_eui,
                        got: join_eui,
                    });
                }
                check(&js_keys(&nwk_key, device.dev_eui).js_int_key)?;
                accept_rj_count1(frame.rj_count(), &mut next)?;
            }
            (_, _, Some(net_id)) => {
                if net_id != self.net_id {
                    return Err(JoinError::NetIdMismatch {
                        expected: self.net_id,
                        got: net_id,
                    });
                }
                if let RejoinMic::Check { s_nwk_s_int_key } = mic_0_2 {
                    check(s_nwk_s_int_key)?;
                }
            }
            // A parsed type 1 always has a JoinEUI and types 0/2 a NetID.
            _ => return Err(JoinError::MicMismatch),
        }
        let kind = JoinReqType::Rejoin(frame.rejoin_type());
        self.accept(now_unix, device, next, kind, frame.rj_count())
    }
}
