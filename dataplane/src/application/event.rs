//! Application events: the deduplicated, authenticated and decrypted uplink as an application
//! receives it, with every gateway's reception, and the fate of the application's downlinks
//! (queued, sent after the gateway's TX_ACK, failed, acknowledged or not by the device). Built on
//! the owner core, published to the events hub, serialised as JSON for streaming consumers.

use serde::Serialize;
use shared::types::{DevAddr, DevEui, Eui64};

/// One gateway's reception of an uplink (radio metadata as the gateway reported it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RxMetadata {
    /// The receiving gateway.
    pub gateway_eui: Eui64,
    /// Concentrator timestamp in microseconds (`tmst` / `xtime` low bits), for class A downlinks.
    pub timestamp_us: u32,
    /// GPS time of reception in milliseconds since the GPS epoch, when the gateway has GPS.
    pub gps_time_ms: Option<u64>,
    /// Fine timestamp in nanoseconds into the second, when the gateway has one.
    pub fine_timestamp_ns: Option<u32>,
    /// Channel RSSI in dBm.
    pub rssi_dbm: Option<f32>,
    /// Signal-to-noise ratio in dB.
    pub snr_db: Option<f32>,
    /// Concentrator IF channel.
    pub channel: Option<u8>,
    /// Concentrator RF chain.
    pub rf_chain: Option<u8>,
}

/// Radio settings of an uplink, common to every reception.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RadioSettings {
    /// Centre frequency in Hz.
    pub frequency_hz: u64,
    /// LoRa spreading factor (0 for FSK).
    pub spreading_factor: u8,
    /// Bandwidth in Hz (0 for FSK).
    pub bandwidth_hz: u32,
    /// FSK bit rate (0 for LoRa).
    pub bit_rate: u32,
}

/// A data uplink delivered to its application.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplicationUplink {
    /// Application the device belongs to.
    pub application_id: String,
    /// Device id within the application.
    pub device_id: String,
    /// DevEUI, when the device has one.
    pub dev_eui: Option<DevEui>,
    /// Session's device address.
    pub dev_addr: DevAddr,
    /// Full 32-bit uplink frame counter.
    pub fcnt: u32,
    /// FPort (1–223 application, 224 test).
    pub fport: u8,
    /// FRMPayload: decrypted, or as sent when this deployment holds no AppSKey for the session.
    #[serde(with = "hex_bytes")]
    pub frm_payload: Vec<u8>,
    /// Whether `frm_payload` is still encrypted (the application's own AS holds the AppSKey).
    pub frm_payload_encrypted: bool,
    /// Confirmed uplink.
    pub confirmed: bool,
    /// Radio settings.
    pub settings: RadioSettings,
    /// Every gateway that heard the frame within the dedup window, best first.
    pub rx_metadata: Vec<RxMetadata>,
    /// Unix time in milliseconds at which the first copy arrived.
    pub received_at_ms: u64,
}

/// Where and how a downlink went out (for `downlink_sent`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DownlinkTx {
    /// The transmitting gateway.
    pub gateway_eui: Eui64,
    /// `"rx1"` or `"rx2"`.
    pub window: &'static str,
    /// Concentrator time of transmission (µs).
    pub timestamp_us: u32,
    /// Frequency in Hz.
    pub frequency_hz: u32,
    /// Data-rate index in the device's region.
    pub data_rate: u8,
}

/// One application downlink and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplicationDownlink {
    /// Application the device belongs to.
    pub application_id: String,
    /// Device id within the application.
    pub device_id: String,
    /// DevEUI, when the device has one.
    pub dev_eui: Option<DevEui>,
    /// Session's device address.
    pub dev_addr: DevAddr,
    /// The queue item's id (answered by the push).
    pub id: u64,
    /// FPort (absent on `downlink_ack`/`downlink_nack`, which know only the id and FCnt).
    pub fport: Option<u8>,
    /// Confirmed data down.
    pub confirmed: bool,
    /// The frame counter it was sent with, once in a frame.
    pub fcnt: Option<u32>,
    /// Where it went out (`downlink_sent`).
    pub tx: Option<DownlinkTx>,
    /// Why it failed (`downlink_failed`): a short label.
    pub reason: Option<String>,
}

/// Application-level events, filtered by `application_id` for subscribers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ApplicationEvent {
    /// An uplink reached the application.
    Uplink(ApplicationUplink),
    /// A downlink was accepted into the device's queue.
    DownlinkQueued(ApplicationDownlink),
    /// The gateway accepted the downlink for transmission (TX_ACK without error).
    DownlinkSent(ApplicationDownlink),
    /// The downlink will not be sent (`reason`).
    DownlinkFailed(ApplicationDownlink),
    /// The device acknowledged the confirmed downlink.
    DownlinkAck(ApplicationDownlink),
    /// The device's next uplink did not acknowledge the confirmed downlink.
    DownlinkNack(ApplicationDownlink),
}

impl ApplicationEvent {
    /// The application this event belongs to.
    pub fn application_id(&self) -> &str {
        match self {
            Self::Uplink(u) => &u.application_id,
            Self::DownlinkQueued(d)
            | Self::DownlinkSent(d)
            | Self::DownlinkFailed(d)
            | Self::DownlinkAck(d)
            | Self::DownlinkNack(d) => &d.application_id,
        }
    }
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        use std::fmt::Write;
        let mut out = String::with_capacity(b.len() * 2);
        for x in b {
            let _ = write!(out, "{x:02X}");
        }
        s.serialize_str(&out)
    }
}
