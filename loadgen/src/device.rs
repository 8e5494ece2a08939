//! Simulated end devices: identity and session keys derived from the fleet seed, and the data
//! uplinks they send (LoRaWAN 1.0.4 §4: MHDR | FHDR | FPort | FRMPayload | MIC), built with
//! `shared::lorawan::DataFrameRepr`, encrypted with `shared::crypto::frm_payload_crypt` (§4.3.3)
//! and signed with `shared::crypto::data_uplink_mic_v10` (§4.4).
//!
//! Memory: a device is its index. Its DevAddr, DevEUI and keys are recomputed from
//! `(seed, index)` when it transmits (two AES key schedules per uplink, a few hundred
//! nanoseconds), so a run keeps only each device's next FCntUp (4 bytes) and a million devices
//! cost 4 MB.
//!
//! Activation: ABP only, the session exists from the start ([`Activation::Abp`]). OTAA needs the
//! data plane's join path (issue 5, not built yet); it will add an `Activation::Otaa` variant
//! whose device first sends a join-request (`shared::lorawan::JoinRequestRepr`), takes its
//! DevAddr and session keys from the join-accept, and only then sends data uplinks: the per
//! device state then grows by the session (DevAddr, keys, DevNonce) next to the FCnt.

use crate::fleet::FleetSpec;
use crate::rng::hash3;
use shared::crypto::{CipherKey, MicKey, data_uplink_mic_v10, frm_payload_crypt};
use shared::lorawan::DataFrameRepr;
use shared::lorawan::{DataFrameMut, FCtrl, FOpts, FrameError, MType};
use shared::types::{Aes128Key, DevAddr, DevEui, Direction};

/// How a device obtained its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// Activation by personalisation: DevAddr and session keys provisioned up front.
    Abp,
}

/// Longest FRMPayload loadgen sends (fits EU868 DR0's 51-byte N).
pub const MAX_PAYLOAD: usize = 51;

/// Longest frame loadgen builds: MHDR, FHDR without FOpts, FPort, payload, MIC.
pub const MAX_FRAME: usize = 1 + 7 + 1 + MAX_PAYLOAD + 4;

// Hash tags separating the derived values of one device.
const TAG_NWK: u64 = 0x6E77_6B00;
const TAG_APP: u64 = 0x6170_7000;

/// One simulated device's identity and ABP session.
#[derive(Clone, PartialEq, Eq)]
pub struct Device {
    /// Index in the fleet (0-based).
    pub index: u32,
    /// How it was activated.
    pub activation: Activation,
    /// Session DevAddr.
    pub dev_addr: DevAddr,
    /// DevEUI.
    pub dev_eui: DevEui,
    /// LoRaWAN 1.0.x NwkSKey.
    pub nwk_s_key: Aes128Key,
    /// AppSKey.
    pub app_s_key: Aes128Key,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("index", &self.index)
            .field("dev_addr", &self.dev_addr)
            .finish_non_exhaustive()
    }
}

fn key(seed: u64, index: u32, tag: u64) -> Aes128Key {
    let a = hash3(seed, u64::from(index), tag).to_be_bytes();
    let b = hash3(seed, u64::from(index), tag + 1).to_be_bytes();
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&a);
    k[8..].copy_from_slice(&b);
    Aes128Key::from_bytes(k)
}

impl Device {
    /// Device `index` of the fleet (the caller keeps `index < spec.devices`).
    pub fn derive(spec: &FleetSpec, index: u32) -> Self {
        Self {
            index,
            activation: Activation::Abp,
            dev_addr: spec.dev_addr(index),
            dev_eui: DevEui::from_u64(spec.dev_eui_base.to_u64().wrapping_add(u64::from(index))),
            nwk_s_key: key(spec.seed, index, TAG_NWK),
            app_s_key: key(spec.seed, index, TAG_APP),
        }
    }

    /// Device id as written to the session file.
    pub fn device_id(&self) -> String {
        format!("lg-{}", self.index)
    }

    /// The prepared keys for building uplinks.
    pub fn session_keys(&self) -> SessionCrypto {
        SessionCrypto {
            mic: MicKey::new(&self.nwk_s_key),
            app: CipherKey::new(&self.app_s_key),
        }
    }
}

/// A session's prepared MIC and payload-cipher keys.
pub struct SessionCrypto {
    mic: MicKey,
    app: CipherKey,
}

/// What one uplink carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UplinkSpec<'a> {
    /// Full 32-bit FCntUp (the low 16 bits go on air).
    pub fcnt: u32,
    /// Confirmed data up (MType 100) rather than unconfirmed (010).
    pub confirmed: bool,
    /// FPort, 1..=223.
    pub fport: u8,
    /// Plain FRMPayload.
    pub payload: &'a [u8],
}

/// Builds `up` as device `dev_addr` would send it into `out`; returns the frame length.
pub fn build_uplink(
    keys: &SessionCrypto,
    dev_addr: DevAddr,
    up: &UplinkSpec<'_>,
    out: &mut [u8],
) -> Result<usize, FrameError> {
    let mut payload = [0u8; MAX_PAYLOAD];
    let plain = up.payload.get(..MAX_PAYLOAD).unwrap_or(up.payload);
    let enc = payload.get_mut(..plain.len()).unwrap_or_default();
    enc.copy_from_slice(plain);
    frm_payload_crypt(&keys.app, Direction::Uplink, dev_addr, up.fcnt, enc);
    let repr = DataFrameRepr {
        mtype: match up.confirmed {
            true => MType::ConfirmedDataUp,
            false => MType::UnconfirmedDataUp,
        },
        dev_addr,
        fctrl: FCtrl::default(),
        fcnt: up.fcnt as u16,
        fopts: FOpts::EMPTY,
        fport: Some(up.fport),
        frm_payload: enc,
        mic: [0; 4],
    };
    let n = repr.emit(out)?;
    let frame = out
        .get_mut(..n)
        .ok_or(FrameError::BufferTooSmall { needed: n, got: 0 })?;
    let mic = {
        let msg = frame.get(..n - 4).unwrap_or_default();
        data_uplink_mic_v10(&keys.mic, dev_addr, up.fcnt, msg)
    };
    DataFrameMut::parse(frame)?.set_mic(mic);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> FleetSpec {
        FleetSpec {
            devices: 100,
            gateways: 4,
            ..FleetSpec::default()
        }
    }

    #[test]
    fn derivation_is_deterministic_and_distinct() {
        let s = spec();
        assert_eq!(Device::derive(&s, 7), Device::derive(&s, 7));
        let (a, b) = (Device::derive(&s, 7), Device::derive(&s, 8));
        assert_ne!(a.dev_addr, b.dev_addr);
        assert_ne!(a.nwk_s_key, b.nwk_s_key);
        assert_ne!(a.nwk_s_key, a.app_s_key);
        let other = FleetSpec {
            seed: 2,
            ..s.clone()
        };
        assert_ne!(Device::derive(&other, 7).nwk_s_key, a.nwk_s_key);
        assert_eq!(a.dev_addr, s.dev_addr(7));
    }

    /// Each frame is parsed, MIC-checked and decrypted by ChirpStack's `lrwn` 4.13.
    #[test]
    fn frames_verify_with_lrwn() {
        let s = spec();
        let cases = [
            ("unconfirmed, FCnt 0", 3u32, 0u32, false, 1u8, &b"hello"[..]),
            ("confirmed", 9, 77, true, 10, &[0xAB; 12][..]),
            (
                "FCnt past 16 bits",
                42,
                0x0001_0005,
                false,
                223,
                &[1, 2, 3][..],
            ),
            ("empty payload", 1, 5, false, 2, &[][..]),
            ("max payload", 2, 6, true, 3, &[0x5A; MAX_PAYLOAD][..]),
        ];
        for (name, index, fcnt, confirmed, fport, payload) in cases {
            let d = Device::derive(&s, index);
            let mut out = [0u8; MAX_FRAME];
            let up = UplinkSpec {
                fcnt,
                confirmed,
                fport,
                payload,
            };
            let n = build_uplink(&d.session_keys(), d.dev_addr, &up, &mut out).unwrap();
            let mut phy = lrwn::PhyPayload::from_slice(&out[..n]).expect(name);
            let want_type = match confirmed {
                true => lrwn::FType::ConfirmedDataUp,
                false => lrwn::FType::UnconfirmedDataUp,
            };
            assert_eq!(phy.mhdr.f_type, want_type, "{name}");
            let lrwn::Payload::MACPayload(mp) = &mut phy.payload else {
                panic!("{name}: not a MACPayload");
            };
            assert_eq!(mp.fhdr.f_cnt, fcnt & 0xFFFF, "{name}: 16 bits on air");
            // lrwn computes the MIC and cipher from the counter in the struct: set the full one.
            mp.fhdr.f_cnt = fcnt;
            let nwk = lrwn::AES128Key::from_bytes(d.nwk_s_key.to_bytes());
            let app = lrwn::AES128Key::from_bytes(d.app_s_key.to_bytes());
            let ok = phy
                .validate_uplink_data_mic(lrwn::MACVersion::LoRaWAN1_0, 0, 0, 0, &nwk, &nwk)
                .unwrap();
            assert!(ok, "{name}: MIC");
            phy.decrypt_frm_payload(&app).unwrap();
            let lrwn::Payload::MACPayload(mp) = &phy.payload else {
                panic!("{name}: not a MACPayload");
            };
            assert_eq!(
                mp.fhdr.devaddr.to_be_bytes(),
                d.dev_addr.to_be_bytes(),
                "{name}"
            );
            assert_eq!(mp.f_port, Some(fport), "{name}");
            match &mp.frm_payload {
                Some(lrwn::FRMPayload::Raw(b)) => assert_eq!(b.as_slice(), payload, "{name}"),
                None => assert!(payload.is_empty(), "{name}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn small_buffer_is_an_error() {
        let d = Device::derive(&spec(), 0);
        let up = UplinkSpec {
            fcnt: 1,
            confirmed: false,
            fport: 1,
            payload: b"abc",
        };
        let mut out = [0u8; 8];
        assert!(build_uplink(&d.session_keys(), d.dev_addr, &up, &mut out).is_err());
    }
}
