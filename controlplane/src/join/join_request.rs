//! Join-request handling (LoRaWAN 1.0.4 §6.2.4–6.2.5, 1.1 §6.2.2–6.2.3), as ordered steps:
//!
//! 1. parse the 23 bytes (`shared::lorawan::JoinRequest`);
//! 2. JoinEUI and DevEUI must be the device's;
//! 3. MIC under NwkKey (1.1) or AppKey (1.0.x), constant-time compare;
//! 4. DevNonce rule of the device's version (`dev_nonce.rs`);
//! 5. frequency plan → CFList, DLSettings (OptNeg for 1.1), RxDelay;
//! 6. next JoinNonce, DevAddr from the allocator;
//! 7. join-accept MIC (1.0: AppKey; 1.1: JSIntKey with JoinReqType 0xFF, JoinEUI, DevNonce) and
//!    encryption (AppKey / NwkKey);
//! 8. session keys (1.0: NwkSKey, AppSKey from AppKey, JoinNonce, NetID, DevNonce; 1.1: the
//!    four keys from NwkKey/AppKey, JoinNonce, JoinEUI, DevNonce) and the next state.
//!
//! Steps 1–4 reject before anything is derived, so a forged or replayed request costs one CMAC
//! and changes no state. Steps 5–8 are shared with the rejoin path (`rejoin.rs`).

use super::dev_nonce::{DevNonceRule, accept_dev_nonce, take_join_nonce};
use super::error::JoinError;
use super::frequency_plan::downlink_settings;
use super::join_accept::{AcceptMic, JoinReqType, encode_join_accept};
use super::server::JoinServer;
use super::session::{JoinAccepted, JoinSession, NwkSessionKeys};
use super::state::{JoinDevice, JoinState};
use shared::crypto::{
    MicKey, join_request_mic, js_keys, mic_eq, session_keys_v10, session_keys_v11,
};
use shared::lorawan::{JoinAcceptRepr, JoinRequest};
use shared::types::Aes128Key;

impl JoinServer {
    /// Handles a join-request from `device` whose persisted state is `state`, at `now_unix`
    /// (Unix seconds, recorded in the new state). Nothing is mutated: on success, persist
    /// `JoinAccepted::state` and transmit `JoinAccepted::phy_payload`.
    pub fn handle_join_request(
        &self,
        now_unix: i64,
        request: &[u8],
        device: &JoinDevice,
        state: &JoinState,
    ) -> Result<JoinAccepted, JoinError> {
        let result = self.join_request_steps(now_unix, request, device, state);
        match &result {
            Ok(a) => tracing::debug!(
                dev_eui = %device.dev_eui,
                dev_addr = %a.session.dev_addr,
                join_nonce = a.session.join_nonce,
                dev_nonce = a.session.dev_nonce,
                version = %device.mac_version,
                "join-request accepted"
            ),
            Err(e) => tracing::debug!(
                dev_eui = %device.dev_eui,
                reason = e.reason(),
                error = %e,
                "join-request rejected"
            ),
        }
        result
    }

    fn join_request_steps(
        &self,
        now_unix: i64,
        request: &[u8],
        device: &JoinDevice,
        state: &JoinState,
    ) -> Result<JoinAccepted, JoinError> {
        let frame = JoinRequest::parse(request)?;
        if frame.join_eui() != device.join_eui {
            return Err(JoinError::JoinEuiMismatch {
                expected: device.join_eui,
                got: frame.join_eui(),
            });
        }
        if frame.dev_eui() != device.dev_eui {
            return Err(JoinError::DevEuiMismatch {
                expected: device.dev_eui,
                got: frame.dev_eui(),
            });
        }
        let mic_key = if device.mac_version.is_1_1() {
            device.root_keys.nwk_key.ok_or(JoinError::MissingNwkKey)?
        } else {
            device.root_keys.app_key
        };
        let want = join_request_mic(&MicKey::new(&mic_key), frame.mic_input());
        if !mic_eq(&want, &frame.mic()) {
            return Err(JoinError::MicMismatch);
        }
        let mut next = state.clone();
        let rule = DevNonceRule::for_version(device.mac_version);
        accept_dev_nonce(rule, frame.dev_nonce(), &mut next, self.dev_nonce_history)?;
        self.accept(now_unix, device, next, JoinReqType::Join, frame.dev_nonce())
    }

    /// Steps 5–8: builds the accept, the session and the next state. `nonce` is the DevNonce,
    /// or the RJcount that replaces it for a rejoin.
    pub(super) fn accept(
        &self,
        now_unix: i64,
        device: &JoinDevice,
        mut next: JoinState,
        join_req_type: JoinReqType,
        nonce: u16,
    ) -> Result<JoinAccepted, JoinError> {
        let v1_1 = device.mac_version.is_1_1();
        let plan = self.frequency_plan(&device.frequency_plan_id)?;
        let cf_list = plan.cf_list()?;
        let (dl_settings, rx_delay) = downlink_settings(plan.band(), &device.rx, v1_1)?;
        let join_nonce = take_join_nonce(&mut next)?;
        let dev_addr = self
            .dev_addrs
            .allocate(device.dev_eui, join_nonce, next.dev_addr);
        let repr = JoinAcceptRepr {
            join_nonce,
            net_id: self.net_id,
            dev_addr,
            dl_settings,
            rx_delay,
            cf_list,
            mic: [0; 4],
        };
        let app_key = &device.root_keys.app_key;
        let (phy_payload, nwk_keys, app_s_key) = if v1_1 {
            let nwk_key = device.root_keys.nwk_key.ok_or(JoinError::MissingNwkKey)?;
            let js = js_keys(&nwk_key, device.dev_eui);
            let mic = AcceptMic::V1_1 {
                js_int_key: &js.js_int_key,
                join_req_type,
                join_eui: device.join_eui,
                dev_nonce: nonce,
            };
            let enc: &Aes128Key = match join_req_type {
                JoinReqType::Join => &nwk_key,
                JoinReqType::Rejoin(_) => &js.js_enc_key,
            };
            let frame = encode_join_accept(&repr, &mic, enc)?;
            let k = session_keys_v11(&nwk_key, app_key, join_nonce, device.join_eui, nonce);
            let nwk = NwkSessionKeys::V1_1 {
                f_nwk_s_int_key: k.f_nwk_s_int_key,
                s_nwk_s_int_key: k.s_nwk_s_int_key,
                nwk_s_enc_key: k.nwk_s_enc_key,
            };
            (frame, nwk, k.app_s_key)
        } else {
            let frame = encode_join_accept(&repr, &AcceptMic::V1_0 { app_key }, app_key)?;
            let k = session_keys_v10(app_key, join_nonce, self.net_id, nonce);
            (
                frame,
                NwkSessionKeys::V1_0 {
                    nwk_s_key: k.nwk_s_key,
                },
                k.app_s_key,
            )
        };
        next.dev_addr = Some(dev_addr);
        next.last_join_unix = Some(now_unix);
        Ok(JoinAccepted {
            phy_payload,
            state: next,
            session: JoinSession {
                dev_eui: device.dev_eui,
                join_eui: device.join_eui,
                dev_addr,
                net_id: self.net_id,
                mac_version: device.mac_version,
                join_req_type,
                join_nonce,
                dev_nonce: nonce,
                nwk_keys,
                app_s_key,
                region: plan.region,
                rx1_dr_offset: dl_settings.rx1_dr_offset,
                rx2_data_rate: dl_settings.rx2_data_rate,
                rx1_delay_secs: rx_delay,
                cf_list,
            },
        })
    }
}

#[cfg(test)]
#[path = "join_request_tests.rs"]
mod tests;
