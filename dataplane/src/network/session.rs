//! One device session as the owning core holds it (LoRaWAN 1.0.4 §6.1.6 / 1.1 §6.1.2 "session
//! context"): identity, LoRaWAN version, session keys prepared once, frame counters, the last
//! uplink's flags and the MAC commands waiting for the downlink path.
//!
//! Keys are expanded at insert ([`MicKey`] holds the AES schedule and CMAC subkeys K1/K2,
//! [`CipherKey`] the AES schedule), so trying a candidate on the uplink path costs only the
//! CMAC blocks of the frame, as `design.md` asks for DevAddr collisions.

use crate::application::event::RadioSettings;
use shared::crypto::{CipherKey, MicKey};
use shared::lorawan::mac::MacCommand;
use shared::region::{Modulation, RegionId};
use shared::types::{Aes128Key, DevAddr, DevEui};
use std::fmt;

use super::Micros;
use super::downlink::{ConfirmedTracker, DownlinkQueue, RxSettings};
use super::mac::MacState;

/// The LoRaWAN device class a session operates in (LoRaWAN 1.0.4 §2: A always; B and C on top).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceClass {
    /// Class A: downlinks only in the two windows after an uplink.
    #[default]
    A,
    /// Class B: also in scheduled ping slots.
    B,
    /// Class C: also whenever the device is not transmitting.
    C,
}

/// The LoRaWAN version a session speaks: it fixes the MIC form, the keys and FOpts encryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LorawanVersion {
    /// LoRaWAN 1.0.0–1.0.4: one NwkSKey, one 4-byte CMAC, FOpts in clear.
    V1_0,
    /// LoRaWAN 1.1: FNwkSIntKey/SNwkSIntKey MIC halves, FOpts encrypted with NwkSEncKey.
    V1_1,
}

/// Session keys, prepared for the packet path.
#[derive(Clone)]
pub struct SessionKeys {
    /// FNwkSIntKey (1.0: NwkSKey): the MIC, or the MIC's `cmacF` half in 1.1.
    pub f_nwk_s_int: MicKey,
    /// SNwkSIntKey (1.0: NwkSKey): the 1.1 MIC's `cmacS` half.
    pub s_nwk_s_int: MicKey,
    /// NwkSEncKey (1.0: NwkSKey): FOpts (1.1) and port-0 FRMPayload.
    pub nwk_s_enc: CipherKey,
    /// AppSKey for FPort > 0; `None` when the application keeps it (the payload then leaves
    /// encrypted).
    pub app_s: Option<CipherKey>,
}

impl SessionKeys {
    /// LoRaWAN 1.0.x: NwkSKey serves as FNwkSIntKey, SNwkSIntKey and NwkSEncKey.
    pub fn v1_0(nwk_s_key: &Aes128Key, app_s_key: Option<&Aes128Key>) -> Self {
        let mic = MicKey::new(nwk_s_key);
        Self {
            f_nwk_s_int: mic.clone(),
            s_nwk_s_int: mic,
            nwk_s_enc: CipherKey::new(nwk_s_key),
            app_s: app_s_key.map(CipherKey::new),
        }
    }

    /// LoRaWAN 1.1: the three network session keys and, if known, AppSKey.
    pub fn v1_1(
        f_nwk_s_int_key: &Aes128Key,
        s_nwk_s_int_key: &Aes128Key,
        nwk_s_enc_key: &Aes128Key,
        app_s_key: Option<&Aes128Key>,
    ) -> Self {
        Self {
            f_nwk_s_int: MicKey::new(f_nwk_s_int_key),
            s_nwk_s_int: MicKey::new(s_nwk_s_int_key),
            nwk_s_enc: CipherKey::new(nwk_s_enc_key),
            app_s: app_s_key.map(CipherKey::new),
        }
    }
}

impl SessionKeys {
    /// Whether `other` holds the same network session keys (FNwkSIntKey and SNwkSIntKey; 1.0:
    /// NwkSKey): the same join's session. Compared by the CMAC of the empty message under each
    /// key, a 128-bit fingerprint, as the prepared keys keep no raw bytes.
    pub fn same_network_keys(&self, other: &SessionKeys) -> bool {
        self.f_nwk_s_int.cmac(&[]) == other.f_nwk_s_int.cmac(&[])
            && self.s_nwk_s_int.cmac(&[]) == other.s_nwk_s_int.cmac(&[])
    }
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys")
            .field("app_s", &self.app_s.is_some())
            .finish_non_exhaustive()
    }
}

/// What the last accepted uplink said, for ADR, acknowledgements and the downlink path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UplinkRecord {
    /// Its full FCntUp.
    pub fcnt: u32,
    /// FCtrl.ADR: the device follows the network's ADR.
    pub adr: bool,
    /// FCtrl.ADRACKReq: the device asks for a downlink to confirm its ADR settings.
    pub adr_ack_req: bool,
    /// FCtrl.ACK: the device acknowledges the last confirmed downlink.
    pub ack: bool,
    /// FCtrl.ClassB: the device is in class B.
    pub class_b: bool,
    /// Confirmed data up: the network owes an acknowledgement.
    pub confirmed: bool,
    /// FPort, if the frame had one.
    pub fport: Option<u8>,
    /// Data-rate index in the session's region, if the modulation is one.
    pub data_rate: Option<u8>,
    /// Uplink channel index, if the frequency is a known channel.
    pub channel: Option<u8>,
    /// Best SNR among the receiving gateways.
    pub max_snr_db: Option<f32>,
    /// Number of gateways that heard it.
    pub gateway_count: u16,
    /// When its dedup window opened.
    pub received_at: Micros,
    /// Unix time in milliseconds of its first copy.
    pub received_at_ms: u64,
    /// GPS time of reception in milliseconds, from the first reception that has one.
    pub gps_time_ms: Option<u64>,
}

/// A device session held by the core that owns its DevAddr.
#[derive(Debug, Clone)]
pub struct Session {
    /// Device address of this session.
    pub dev_addr: DevAddr,
    /// DevEUI, when the device has one registered.
    pub dev_eui: Option<DevEui>,
    /// Application the device belongs to.
    pub application_id: String,
    /// Device id within the application.
    pub device_id: String,
    /// LoRaWAN version of the session.
    pub version: LorawanVersion,
    /// Prepared session keys.
    pub keys: SessionKeys,
    /// Region (channel plan) the device operates in.
    pub region: RegionId,
    /// The device's uplink channel frequencies by channel index, when they differ from the
    /// region's defaults (CFList, NewChannelReq); empty: the region's default channels.
    pub uplink_channels: Vec<u32>,
    /// Last accepted FCntUp; `None` before the session's first uplink.
    pub fcnt_up: Option<u32>,
    /// Next NFCntDown (1.0: FCntDown) to use.
    pub n_fcnt_down: u32,
    /// Next AFCntDown (1.1) to use.
    pub a_fcnt_down: u32,
    /// FCnt of the last confirmed downlink sent: the 1.1 ConfFCnt of an uplink with ACK set.
    pub last_conf_fcnt_down: Option<u32>,
    /// The last accepted uplink.
    pub last_uplink: Option<UplinkRecord>,
    /// MAC commands received and not yet answered, oldest first.
    pub pending_mac: Vec<MacCommand>,
    /// Receive-window settings (region defaults until RXParamSetup/RXTimingSetup change them).
    pub rx_settings: RxSettings,
    /// Device class.
    pub class: DeviceClass,
    /// The application downlink queue.
    pub queue: DownlinkQueue,
    /// The confirmed downlink awaiting the device's ACK.
    pub confirmed_down: ConfirmedTracker,
    /// MAC-layer state: negotiated parameters, pending requests, ADR history.
    pub mac: MacState,
}

impl Session {
    /// A fresh session with counters at zero and no uplink seen.
    pub fn new(
        dev_addr: DevAddr,
        application_id: impl Into<String>,
        device_id: impl Into<String>,
        version: LorawanVersion,
        keys: SessionKeys,
        region: RegionId,
    ) -> Self {
        Self {
            dev_addr,
            dev_eui: None,
            application_id: application_id.into(),
            device_id: device_id.into(),
            version,
            keys,
            region,
            uplink_channels: Vec::new(),
            fcnt_up: None,
            n_fcnt_down: 0,
            a_fcnt_down: 0,
            last_conf_fcnt_down: None,
            last_uplink: None,
            pending_mac: Vec::new(),
            rx_settings: RxSettings::region_defaults(region),
            class: DeviceClass::A,
            queue: DownlinkQueue::default(),
            confirmed_down: ConfirmedTracker::default(),
            mac: MacState::new(region, version),
        }
    }

    /// Sets the DevEUI.
    pub fn with_dev_eui(mut self, dev_eui: DevEui) -> Self {
        self.dev_eui = Some(dev_eui);
        self
    }

    /// Sets the last accepted FCntUp (a session restored from the store).
    pub fn with_fcnt_up(mut self, fcnt_up: Option<u32>) -> Self {
        self.fcnt_up = fcnt_up;
        self
    }

    /// The uplink data-rate index (TxDr) of these radio settings in the session's region.
    pub fn data_rate_index(&self, settings: &RadioSettings) -> Option<u8> {
        let modulation = if settings.spreading_factor > 0 {
            Modulation::LoRa {
                spreading_factor: settings.spreading_factor,
                bandwidth_hz: settings.bandwidth_hz,
            }
        } else {
            Modulation::Fsk {
                bit_rate: settings.bit_rate,
            }
        };
        self.region.band().data_rate_index(&modulation, true)
    }

    /// The uplink channel index (TxCh) of `frequency_hz`: the session's own channel list when
    /// it has one, else the region's default channels.
    pub fn channel_index(&self, frequency_hz: u64) -> Option<u8> {
        let f = u32::try_from(frequency_hz).ok()?;
        let i = match self.uplink_channels.iter().position(|c| *c == f) {
            Some(i) => u16::try_from(i).ok()?,
            None => self.region.band().uplink_channel_index(f)?,
        };
        u8::try_from(i).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(region: RegionId) -> Session {
        let k = Aes128Key::from_bytes([1; 16]);
        let keys = SessionKeys::v1_0(&k, None);
        Session::new(
            DevAddr::from_u32(1),
            "app",
            "dev",
            LorawanVersion::V1_0,
            keys,
            region,
        )
    }

    fn lora(sf: u8, bw: u32, f: u64) -> RadioSettings {
        RadioSettings {
            frequency_hz: f,
            spreading_factor: sf,
            bandwidth_hz: bw,
            bit_rate: 0,
        }
    }

    #[test]
    fn data_rate_by_table() {
        // RP002-1.0.3 §2.1.3 (EU868) and §2.2.3 (US915) data-rate tables.
        let cases = [
            (
                "EU868 SF12 DR0",
                RegionId::Eu868,
                lora(12, 125_000, 868_100_000),
                Some(0),
            ),
            (
                "EU868 SF7 DR5",
                RegionId::Eu868,
                lora(7, 125_000, 868_100_000),
                Some(5),
            ),
            (
                "EU868 SF7/250 DR6",
                RegionId::Eu868,
                lora(7, 250_000, 868_300_000),
                Some(6),
            ),
            (
                "EU868 FSK DR7",
                RegionId::Eu868,
                RadioSettings {
                    frequency_hz: 868_800_000,
                    spreading_factor: 0,
                    bandwidth_hz: 0,
                    bit_rate: 50_000,
                },
                Some(7),
            ),
            (
                "US915 SF10 DR0",
                RegionId::Us915,
                lora(10, 125_000, 902_300_000),
                Some(0),
            ),
            (
                "US915 SF8/500 DR4 uplink",
                RegionId::Us915,
                lora(8, 500_000, 903_000_000),
                Some(4),
            ),
            (
                "EU868 SF13 none",
                RegionId::Eu868,
                lora(13, 125_000, 868_100_000),
                None,
            ),
        ];
        for (name, region, s, want) in cases {
            assert_eq!(session(region).data_rate_index(&s), want, "{name}");
        }
    }

    #[test]
    fn channel_by_table() {
        let mut custom = session(RegionId::Eu868);
        custom.uplink_channels = vec![868_100_000, 868_300_000, 868_500_000, 867_100_000];
        let cases = [
            (
                "EU868 default ch0",
                session(RegionId::Eu868),
                868_100_000,
                Some(0),
            ),
            (
                "EU868 default ch2",
                session(RegionId::Eu868),
                868_500_000,
                Some(2),
            ),
            (
                "EU868 CFList channel unknown by default",
                session(RegionId::Eu868),
                867_100_000,
                None,
            ),
            (
                "EU868 CFList channel in session list",
                custom,
                867_100_000,
                Some(3),
            ),
            ("US915 ch 8", session(RegionId::Us915), 903_900_000, Some(8)),
            (
                "US915 500 kHz ch 64",
                session(RegionId::Us915),
                903_000_000,
                Some(64),
            ),
            ("above u32", session(RegionId::Eu868), 1 << 40, None),
        ];
        for (name, s, f, want) in cases {
            assert_eq!(s.channel_index(f), want, "{name}");
        }
    }
}
