//! One station's traffic session, sans-IO (Basic Station docs "The LNS Protocol"): a text
//! message in, a reply and/or what it means for the core out. `version` is answered with the
//! `router_config` of the gateway's region (`shared::basicstation::RouterConfig::build`, the
//! region's default channels on one SX1301); `updf`/`jreq` become [`GatewayUplink`]s;
//! `dntxed` becomes a [`TxAck`]; `timesync` is answered with the server's GPS time; `propdf`
//! is only counted. A scheduled [`StationDown`] becomes a class A `dnmsg`.

use super::StationDown;
use crate::application::event::{RadioSettings, RxMetadata};
use crate::gateway::{GatewayUplink, TxAck};
use crate::network::downlink::Window;
use shared::basicstation::{
    BasicStationError, DeviceClass, DnTiming, DownlinkMessage, RadioMeta, RadioPlacement,
    RouterConfig, RouterConfigInput, Upstream, XTime, default_channels, parse_upstream,
    unix_micros_to_secs,
};
use shared::region::{Band, Modulation, RegionId};
use shared::semtech_udp::{Payload, Token};
use shared::types::Eui64;

/// Recent uplinks remembered per connection (their `xtime`/`rctx` for class A answers).
const MEMORY: usize = 64;
/// Longest RX1 delay a class A answer may use, in seconds (RxDelay 1–15; join-accepts 5).
const MAX_DELAY_S: u32 = 15;

/// What a traffic message asks of the core.
// The uplink rides inline (as in `CoreMsg`): boxing it would cost an allocation per frame.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Inbound {
    /// A reply was written (`router_config`, `timesync`).
    Reply,
    /// A frame for the uplink path.
    Uplink(GatewayUplink),
    /// The station transmitted a downlink.
    TxAck(TxAck),
    /// A proprietary frame (counted only).
    Proprietary,
}

/// Why a traffic message was dropped (the connection stays open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrafficDrop {
    /// Not JSON, or JSON of the wrong shape.
    #[error("malformed message: {0}")]
    Malformed(BasicStationError),
    /// A `msgtype` this server does not take (or none).
    #[error("unknown msgtype")]
    UnknownMsgType,
    /// A frame whose PHYPayload cannot be rebuilt, or on a data rate the region lacks.
    #[error("bad frame: {0}")]
    BadFrame(BasicStationError),
    /// The gateway has no known region: no `router_config`, no data-rate table.
    #[error("gateway has no region")]
    NoRegion,
    /// A `dntxed` whose `diid` is no token of ours.
    #[error("dntxed for an unknown diid")]
    UnknownDiid,
}

impl TrafficDrop {
    /// Metric label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::UnknownMsgType => "unknown_msgtype",
            Self::BadFrame(_) => "bad_frame",
            Self::NoRegion => "no_region",
            Self::UnknownDiid => "unknown_diid",
        }
    }
}

/// Why a scheduled downlink could not become a `dnmsg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DownDrop {
    /// No remembered uplink matches the slot's time (too old, or another session).
    #[error("no uplink for the slot's xtime")]
    NoUplink,
    /// The message could not be written.
    #[error("encode: {0}")]
    Encode(BasicStationError),
}

/// One remembered uplink: the full `xtime` and `rctx` behind a 32-bit concentrator time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Heard {
    xtime: i64,
    rctx: i64,
}

/// The last [`MEMORY`] uplinks of a connection, to restore a slot's `xtime` and `rctx`.
#[derive(Debug, Clone)]
pub struct UplinkMemory {
    ring: [Heard; MEMORY],
    next: usize,
    len: usize,
}

impl Default for UplinkMemory {
    fn default() -> Self {
        Self {
            ring: [Heard::default(); MEMORY],
            next: 0,
            len: 0,
        }
    }
}

impl UplinkMemory {
    /// Remembers an uplink.
    pub fn remember(&mut self, xtime: i64, rctx: i64) {
        if let Some(slot) = self.ring.get_mut(self.next) {
            *slot = Heard { xtime, rctx };
        }
        self.next = (self.next + 1) % MEMORY;
        self.len = (self.len + 1).min(MEMORY);
    }

    /// The uplink a slot at concentrator time `tmst` in `window` answers: `(xtime, rctx,
    /// RxDelay)`, newest first. RX1 lies whole seconds (1–15) after the uplink, RX2 one more.
    pub fn find(&self, tmst: u32, window: Window) -> Option<(i64, i64, u8)> {
        let extra = u32::from(window == Window::Rx2);
        (1..=self.len).find_map(|back| {
            let h = self.ring.get((self.next + MEMORY - back) % MEMORY)?;
            let after = tmst.wrapping_sub(h.xtime as u32);
            let secs = after / 1_000_000;
            let delay = secs.checked_sub(extra)?;
            (after.is_multiple_of(1_000_000) && (1..=MAX_DELAY_S).contains(&delay)).then_some((
                h.xtime,
                h.rctx,
                delay as u8,
            ))
        })
    }
}

/// One station's traffic session.
#[derive(Debug, Clone)]
pub struct TrafficSession {
    eui: Eui64,
    band: Option<&'static Band>,
    memory: UplinkMemory,
}

impl TrafficSession {
    /// The session of gateway `eui`, whose registry record names `region` (`EU868`, …).
    pub fn new(eui: Eui64, region: Option<&str>) -> Self {
        let band = region
            .and_then(|r| r.parse::<RegionId>().ok())
            .map(RegionId::band);
        Self {
            eui,
            band,
            memory: UplinkMemory::default(),
        }
    }

    /// The gateway.
    pub fn eui(&self) -> Eui64 {
        self.eui
    }

    /// Handles one text message received at `now_unix_us`; replies are appended to `reply`.
    /// Returns the message's `msgtype` (for counters) with what it asks of the core.
    pub fn on_text(
        &mut self,
        text: &[u8],
        now_unix_us: i64,
        reply: &mut Vec<u8>,
    ) -> (Option<&'static str>, Result<Inbound, TrafficDrop>) {
        let msg = match parse_upstream(text) {
            Ok(m) => m,
            Err(BasicStationError::UnknownMsgType { .. } | BasicStationError::MissingMsgType) => {
                return (None, Err(TrafficDrop::UnknownMsgType));
            }
            Err(e) => return (None, Err(TrafficDrop::Malformed(e))),
        };
        let kind = Some(msg.msgtype());
        (kind, self.handle(msg, now_unix_us, reply))
    }

    fn handle(
        &mut self,
        msg: Upstream<'_>,
        now_unix_us: i64,
        reply: &mut Vec<u8>,
    ) -> Result<Inbound, TrafficDrop> {
        match msg {
            Upstream::Version(v) => {
                let band = self.band.ok_or(TrafficDrop::NoRegion)?;
                let channels = default_channels(band, 1);
                let concentrators = [(
                    channels.as_slice(),
                    RadioPlacement::Auto { antenna_gain: None },
                )];
                let config = RouterConfig::build(&RouterConfigInput {
                    band,
                    concentrators: &concentrators,
                    net_ids: None,
                    join_eui_ranges: None,
                    freq_range: None,
                    production: v.is_production(),
                    bcning: None,
                    mux_time: unix_micros_to_secs(now_unix_us),
                })
                .map_err(TrafficDrop::BadFrame)?;
                config.emit(reply).map_err(TrafficDrop::BadFrame)?;
                Ok(Inbound::Reply)
            }
            Upstream::UplinkData(f) => {
                let phy = f.phy_payload().map_err(TrafficDrop::BadFrame)?;
                self.uplink(phy, &f.meta)
            }
            Upstream::JoinRequest(j) => {
                let phy = Payload::new(&j.phy_payload()).ok_or(TrafficDrop::BadFrame(
                    BasicStationError::InvalidField("jreq"),
                ))?;
                self.uplink(phy, &j.meta)
            }
            Upstream::Proprietary(_) => Ok(Inbound::Proprietary),
            Upstream::TxConfirmation(t) => {
                let token = u16::try_from(t.diid).map_err(|_| TrafficDrop::UnknownDiid)?;
                Ok(Inbound::TxAck(TxAck {
                    eui: self.eui,
                    token: Token::from_u16(token),
                    error: None,
                }))
            }
            Upstream::TimeSync(t) => {
                t.respond(now_unix_us)
                    .emit(reply)
                    .map_err(TrafficDrop::BadFrame)?;
                Ok(Inbound::Reply)
            }
        }
    }

    fn uplink(&mut self, phy_payload: Payload, meta: &RadioMeta) -> Result<Inbound, TrafficDrop> {
        let band = self.band.ok_or(TrafficDrop::NoRegion)?;
        let rate = band
            .data_rate(meta.dr)
            .ok_or(TrafficDrop::BadFrame(BasicStationError::InvalidField("DR")))?;
        let frequency_hz = u64::from(meta.freq_hz);
        let settings = match rate.modulation {
            Modulation::LoRa {
                spreading_factor,
                bandwidth_hz,
            } => RadioSettings {
                frequency_hz,
                spreading_factor,
                bandwidth_hz,
                bit_rate: 0,
            },
            Modulation::Fsk { bit_rate } => RadioSettings {
                frequency_hz,
                spreading_factor: 0,
                bandwidth_hz: 0,
                bit_rate,
            },
            Modulation::LrFhss { .. } => {
                return Err(TrafficDrop::BadFrame(BasicStationError::InvalidField("DR")));
            }
        };
        let up = meta.upinfo;
        self.memory.remember(up.xtime.0, up.rctx);
        Ok(Inbound::Uplink(GatewayUplink {
            phy_payload,
            rx: RxMetadata {
                gateway_eui: self.eui,
                // The low 32 bits of xtime are the SX1301 `tmst` (time.rs): the downlink path
                // computes the slot on them and `dnmsg` restores the rest from the memory.
                timestamp_us: up.xtime.0 as u32,
                gps_time_ms: u64::try_from(up.gpstime)
                    .ok()
                    .filter(|g| *g > 0)
                    .map(|g| g / 1000),
                fine_timestamp_ns: up.fts.and_then(|f| u32::try_from(f).ok()),
                rssi_dbm: Some(up.rssi),
                snr_db: Some(up.snr),
                channel: None,
                rf_chain: None,
            },
            settings,
        }))
    }

    /// Writes the class A `dnmsg` for `d` (RX1 with RX2 as the station's fallback, or RX2
    /// alone) into `out`.
    pub fn dnmsg(
        &self,
        d: &StationDown,
        now_unix_us: i64,
        out: &mut Vec<u8>,
    ) -> Result<(), DownDrop> {
        let (xtime, rctx, rx_delay) = self
            .memory
            .find(d.tmst, d.window)
            .ok_or(DownDrop::NoUplink)?;
        let (rx1, rx2) = match d.window {
            Window::Rx1 => (Some(d.tx), d.rx2),
            Window::Rx2 => (None, Some(d.tx)),
        };
        DownlinkMessage {
            dev_eui: d.dev_eui.unwrap_or_default(),
            device_class: DeviceClass::A,
            diid: i64::from(d.token),
            pdu: d.pdu,
            priority: None,
            rctx: Some(rctx),
            mux_time: Some(unix_micros_to_secs(now_unix_us)),
            timing: DnTiming::Windows {
                xtime: XTime(xtime),
                rx_delay,
                rx1,
                rx2,
            },
        }
        .emit(out)
        .map_err(DownDrop::Encode)
    }
}

#[cfg(test)]
#[path = "traffic_tests.rs"]
mod tests;
