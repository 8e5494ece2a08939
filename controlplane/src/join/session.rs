//! What an accepted join produces (LoRaWAN 1.0.4 §6.2.5, 1.1 §6.2.3): the encrypted
//! join-accept to transmit, the device's next [`JoinState`] for the caller to persist, and the
//! new session. Network session keys go to the data plane's Network Server, AppSKey to the
//! Application Server path; they are separate fields so each can be handed on alone.
//!
//! Every key type redacts itself in `Debug`, so these values can be logged whole.

use super::join_accept::{JoinAcceptFrame, JoinReqType};
use super::state::JoinState;
use shared::lorawan::CfList;
use shared::region::RegionId;
use shared::types::{Aes128Key, AppSKey, DevAddr, DevEui, JoinEui, MacVersion, NetId};

/// Network session keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NwkSessionKeys {
    /// LoRaWAN 1.0.x: one NwkSKey for MICs and FOpts/FPort-0 encryption.
    V1_0 {
        /// NwkSKey.
        nwk_s_key: Aes128Key,
    },
    /// LoRaWAN 1.1: three keys.
    V1_1 {
        /// FNwkSIntKey: `cmacF` half of uplink MICs.
        f_nwk_s_int_key: Aes128Key,
        /// SNwkSIntKey: `cmacS` half of uplink MICs, downlink MICs.
        s_nwk_s_int_key: Aes128Key,
        /// NwkSEncKey: FOpts and FPort-0 payloads.
        nwk_s_enc_key: Aes128Key,
    },
}

/// The session a join-accept starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinSession {
    /// DevEUI.
    pub dev_eui: DevEui,
    /// JoinEUI.
    pub join_eui: JoinEui,
    /// DevAddr assigned.
    pub dev_addr: DevAddr,
    /// Home NetID announced.
    pub net_id: NetId,
    /// The device's LoRaWAN version (1.1 means OptNeg was set).
    pub mac_version: MacVersion,
    /// What the accept answered.
    pub join_req_type: JoinReqType,
    /// JoinNonce sent.
    pub join_nonce: u32,
    /// DevNonce (or RJcount0/RJcount1 for a rejoin) used in the key derivation.
    pub dev_nonce: u16,
    /// Network session keys, for the Network Server.
    pub nwk_keys: NwkSessionKeys,
    /// AppSKey, for the Application Server.
    pub app_s_key: AppSKey,
    /// Region of the frequency plan.
    pub region: RegionId,
    /// RX1DROffset announced.
    pub rx1_dr_offset: u8,
    /// RX2 data rate announced.
    pub rx2_data_rate: u8,
    /// RX1 delay announced, seconds.
    pub rx1_delay_secs: u8,
    /// CFList sent, if any.
    pub cf_list: Option<CfList>,
}

/// The result of an accepted join-request or rejoin-request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinAccepted {
    /// The encrypted join-accept PHYPayload to transmit.
    pub phy_payload: JoinAcceptFrame,
    /// The device's next join state: persist it (compare-and-set) before sending the accept.
    pub state: JoinState,
    /// The new session.
    pub session: JoinSession,
}
