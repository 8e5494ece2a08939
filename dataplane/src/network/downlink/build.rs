//! Data downlink frames (LoRaWAN 1.0.4 §4.3–§4.4, 1.1 §4.3–§4.4): deciding what a frame carries
//! ([`compose`]) and sealing it ([`seal`]): counter, FRMPayload and FOpts encryption, MIC.
//!
//! - Counters: LoRaWAN 1.0.x has one FCntDown ([`FCntKind::Network`] here). LoRaWAN 1.1
//!   (§4.3.1.5) uses NFCntDown when FPort is 0 or absent and AFCntDown for application ports.
//!   A counter is spent by [`seal`] and never handed out again; at `u32::MAX` the session must
//!   rejoin ([`BuildError::CounterExhausted`]).
//! - FRMPayload: AppSKey for FPort > 0, NwkSEncKey (1.0: NwkSKey) for FPort 0.
//! - FOpts: clear in 1.0; in 1.1 encrypted with NwkSEncKey under the errata A block (byte 4 =
//!   0x01 with NFCntDown, 0x02 with AFCntDown), as `shared::crypto` implements it.
//! - MIC: `aes128_cmac(SNwkSIntKey (1.0: NwkSKey), B0 | msg)[0..4]`; in 1.1 B0 carries
//!   ConfFCnt = the acknowledged confirmed uplink's FCnt mod 2^16 when ACK is set.
//! - Size: MACPayload (FHDR 7 + FOpts + FPort 1 + FRMPayload) must not exceed the data rate's M.

use super::queue::QueueItem;
use crate::network::session::{LorawanVersion, SessionKeys};
use shared::crypto::{FOptsVariant, data_downlink_mic, fopts_crypt_v11, frm_payload_crypt};
use shared::lorawan::{DataFrameMut, DataFrameRepr, FCtrl, FOpts, MType};
use shared::semtech_udp::Payload;
use shared::types::{DevAddr, Direction};

/// FHDR without FOpts.
const FHDR_LEN: usize = 7;
/// MHDR + MIC.
const PHY_OVERHEAD: usize = 5;

/// Which downlink counter a frame spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FCntKind {
    /// NFCntDown (1.1, FPort 0 or none) or the single FCntDown of 1.0.
    Network,
    /// AFCntDown (1.1, FPort > 0).
    Application,
}

/// The session's next downlink counters; copy back into the session after [`seal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameCounters {
    /// Next NFCntDown (1.0: FCntDown).
    pub n_fcnt_down: u32,
    /// Next AFCntDown (1.1).
    pub a_fcnt_down: u32,
}

/// What the frame carries, before encryption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameSpec<'a> {
    /// FCtrl.ACK: acknowledges the confirmed uplink.
    pub ack: bool,
    /// FCtrl.ADR: the network controls the device's data rate.
    pub adr: bool,
    /// FCtrl.FPending: more is queued.
    pub f_pending: bool,
    /// MAC commands in FOpts (≤ 15 bytes, plaintext).
    pub fopts: &'a [u8],
    /// FPort: `Some(0)` for MAC commands in FRMPayload, 1..=223 for application data.
    pub fport: Option<u8>,
    /// FRMPayload plaintext.
    pub frm_payload: &'a [u8],
    /// Confirmed data down.
    pub confirmed: bool,
}

impl FrameSpec<'_> {
    /// MACPayload length (compared with the data rate's M).
    pub fn mac_payload_len(&self) -> usize {
        FHDR_LEN + self.fopts.len() + usize::from(self.fport.is_some()) + self.frm_payload.len()
    }

    /// PHYPayload length.
    pub fn phy_len(&self) -> usize {
        self.mac_payload_len() + PHY_OVERHEAD
    }

    /// Which counter this frame spends in `version`.
    pub fn counter(&self, version: LorawanVersion) -> FCntKind {
        match (version, self.fport) {
            (LorawanVersion::V1_1, Some(p)) if p > 0 => FCntKind::Application,
            _ => FCntKind::Network,
        }
    }
}

/// The session fields a frame is sealed with.
#[derive(Debug, Clone, Copy)]
pub struct SessionCrypto<'a> {
    /// DevAddr.
    pub dev_addr: DevAddr,
    /// LoRaWAN version.
    pub version: LorawanVersion,
    /// Prepared session keys.
    pub keys: &'a SessionKeys,
}

/// Why a frame cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The counter reached `u32::MAX`: the session must rejoin.
    #[error("downlink frame counter exhausted")]
    CounterExhausted,
    /// MAC commands longer than the data rate carries on FPort 0.
    #[error("MAC commands of {len} bytes exceed the {max} the data rate carries")]
    MacTooLong {
        /// Bytes given.
        len: usize,
        /// Most that fit.
        max: usize,
    },
    /// MACPayload larger than the data rate's M.
    #[error("MACPayload of {len} bytes exceeds M = {max}")]
    TooLarge {
        /// MACPayload length.
        len: usize,
        /// M of the data rate.
        max: usize,
    },
    /// Application payload to send, but this deployment holds no AppSKey for the session.
    #[error("no AppSKey to encrypt the application payload")]
    NoAppSKey,
    /// An FRMPayload without FPort, or FOpts beside FPort 0.
    #[error("invalid frame layout")]
    Layout,
}

impl BuildError {
    /// A short label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::CounterExhausted => "fcnt_exhausted",
            Self::MacTooLong { .. } => "mac_too_long",
            Self::TooLarge { .. } => "payload_too_large",
            Self::NoAppSKey => "no_app_s_key",
            Self::Layout => "layout",
        }
    }
}

/// What a class A answer carries within M = `max_mac_payload` bytes:
/// - MAC commands longer than 15 bytes go alone on FPort 0; the application item waits.
/// - Otherwise they go in FOpts, with the queue's head if it fits beside them; a head that does
///   not fit waits (FPending set) and the frame carries only ACK and MAC commands.
/// - `Ok(None)`: nothing to send (no ACK owed, no MAC, nothing queued that fits, not forced).
///
/// The returned flag says whether `item` went into the frame.
pub fn compose<'a>(
    ack: bool,
    adr: bool,
    mac: &'a [u8],
    item: Option<&'a QueueItem>,
    more_queued: bool,
    force: bool,
    max_mac_payload: u8,
) -> Result<Option<(FrameSpec<'a>, bool)>, BuildError> {
    let m = usize::from(max_mac_payload);
    let base = FrameSpec {
        ack,
        adr,
        f_pending: more_queued || item.is_some(),
        fopts: &[],
        fport: None,
        frm_payload: &[],
        confirmed: false,
    };
    if mac.len() > shared::lorawan::F_OPTS_MAX_LEN {
        let spec = FrameSpec {
            fport: Some(0),
            frm_payload: mac,
            ..base
        };
        let max = m.saturating_sub(FHDR_LEN + 1);
        return match spec.mac_payload_len() <= m {
            true => Ok(Some((spec, false))),
            false => Err(BuildError::MacTooLong {
                len: mac.len(),
                max,
            }),
        };
    }
    let without = FrameSpec { fopts: mac, ..base };
    if let Some(it) = item {
        let with = FrameSpec {
            f_pending: more_queued,
            fport: Some(it.fport),
            frm_payload: &it.payload,
            confirmed: it.confirmed,
            ..without.clone()
        };
        if with.mac_payload_len() <= m {
            return Ok(Some((with, true)));
        }
    }
    match ack || !mac.is_empty() || force {
        true => Ok(Some((without, false))),
        false => match item {
            Some(it) => Err(BuildError::TooLarge {
                len: FHDR_LEN + 1 + it.payload.len(),
                max: m,
            }),
            None => Ok(None),
        },
    }
}

/// Spends the counter and writes the sealed PHYPayload. `acked_fcnt_up` is the full FCnt of the
/// confirmed uplink that `spec.ack` acknowledges (its low 16 bits go into the 1.1 MIC).
pub fn seal(
    spec: &FrameSpec<'_>,
    session: &SessionCrypto<'_>,
    acked_fcnt_up: Option<u32>,
    counters: &mut FrameCounters,
    max_mac_payload: u8,
) -> Result<(Payload, u32, FCntKind), BuildError> {
    if spec.mac_payload_len() > usize::from(max_mac_payload) {
        return Err(BuildError::TooLarge {
            len: spec.mac_payload_len(),
            max: usize::from(max_mac_payload),
        });
    }
    let kind = spec.counter(session.version);
    let app_port = matches!(spec.fport, Some(p) if p > 0);
    let keys = session.keys;
    let frm_key = match app_port {
        true => keys.app_s.as_ref().ok_or(BuildError::NoAppSKey)?,
        false => &keys.nwk_s_enc,
    };
    let slot = match kind {
        FCntKind::Network => &mut counters.n_fcnt_down,
        FCntKind::Application => &mut counters.a_fcnt_down,
    };
    let fcnt = *slot;
    let next = fcnt.checked_add(1).ok_or(BuildError::CounterExhausted)?;
    let fopts = FOpts::new(spec.fopts).map_err(|_| BuildError::Layout)?;
    let repr = DataFrameRepr {
        mtype: match spec.confirmed {
            true => MType::ConfirmedDataDown,
            false => MType::UnconfirmedDataDown,
        },
        dev_addr: session.dev_addr,
        fctrl: FCtrl::downlink(spec.adr, spec.ack, spec.f_pending),
        fcnt: fcnt as u16,
        fopts,
        fport: spec.fport,
        frm_payload: spec.frm_payload,
        mic: [0; 4],
    };
    let mut buf = [0u8; 255];
    let n = repr.emit(&mut buf).map_err(|_| BuildError::Layout)?;
    let phy = buf.get_mut(..n).ok_or(BuildError::Layout)?;
    let mut frame = DataFrameMut::parse(phy).map_err(|_| BuildError::Layout)?;
    let addr = session.dev_addr;
    frm_payload_crypt(
        frm_key,
        Direction::Downlink,
        addr,
        fcnt,
        frame.frm_payload_mut(),
    );
    if session.version == LorawanVersion::V1_1 {
        fopts_crypt_v11(
            &keys.nwk_s_enc,
            Direction::Downlink,
            addr,
            fcnt,
            kind == FCntKind::Application,
            FOptsVariant::Errata,
            frame.fopts_mut(),
        )
        .map_err(|_| BuildError::Layout)?;
    }
    let conf = match (session.version, spec.ack) {
        (LorawanVersion::V1_1, true) => acked_fcnt_up.unwrap_or(0) as u16,
        _ => 0,
    };
    let mic = data_downlink_mic(&keys.s_nwk_s_int, conf, addr, fcnt, frame.mic_input());
    frame.set_mic(mic);
    let payload = Payload::new(frame.as_bytes()).ok_or(BuildError::Layout)?;
    *slot = next;
    Ok((payload, fcnt, kind))
}

#[cfg(test)]
#[path = "build_tests.rs"]
mod tests;
