//! `router_config`: the server's answer to `version` (Basic Station docs "The LNS Protocol"
//! §Router Config; fields as `src/s2e.c` `handle_router_config` reads them): filters (`NetID`,
//! `JoinEui` ranges), region, hardware spec, TX frequency range, the `DRs` table, one
//! `sx1301_conf` per concentrator, the debug flags `nocca`/`nodc`/`nodwell` (ignored by
//! production stations, so sent only to others, as TTS does), optional `bcning` and `MuxTime`.
//!
//! Region names: Basic Station 2.0.6 knows `EU868`, `US915`, `AU915`, `KR920`, `AS923-1`,
//! `IL915` and maps the older `EU863`, `US902`, `AS923JP` onto them; [`station_region`] writes
//! the current names and [`canonical_region`] maps the old ones (TTS still sends `EU863` and
//! `US902`). Other names are accepted by the station with default settings (14 dBm, no CCA).
//! JoinEui ranges are written as signed 64-bit integers, as the station reads them (`uj_int`).

use super::BasicStationError;
use super::dr_table::DrTable;
use super::json::{ObjectWriter, finite32, from_slice, req};
use super::sx1301::{
    FskChannel, IfChannel, LoraStdChannel, PlanChannel, RadioConf, RadioPlacement, Sx1301Conf,
};
use crate::region::{Band, RegionId};
use crate::types::{JoinEui, NetId};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Write as _;

/// The region name Basic Station expects for a region.
pub const fn station_region(id: RegionId) -> &'static str {
    match id {
        RegionId::Eu868 => "EU868",
        RegionId::Us915 => "US915",
        RegionId::Au915 => "AU915",
        RegionId::As923_1 => "AS923-1",
        RegionId::As923_2 => "AS923-2",
        RegionId::As923_3 => "AS923-3",
        RegionId::As923_4 => "AS923-4",
        RegionId::Kr920 => "KR920",
        RegionId::In865 => "IN865",
        RegionId::Ru864 => "RU864",
        _ => "CN470",
    }
}

/// The current name for an obsolete region name Basic Station still accepts.
pub fn canonical_region(name: &str) -> &str {
    match name {
        "EU863" => "EU868",
        "US902" => "US915",
        "AS923JP" => "AS923-1",
        other => other,
    }
}

/// Class B beaconing (`bcning`): DR, frame layout `[time offset, infodesc offset, length]`,
/// frequencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beaconing {
    /// Beacon data rate.
    pub dr: u8,
    /// Beacon frame layout.
    pub layout: [u8; 3],
    /// Beacon frequencies in Hz (several: hopping).
    pub freqs: Vec<u32>,
}

impl Beaconing {
    /// The RP002 beacon of a region whose beacon is SF9/125 kHz (17-byte frame, layout
    /// `[2, 8, 17]`) or SF12/500 kHz (23-byte frame, `[5, 11, 23]`); `None` for others.
    pub fn from_band(band: &Band) -> Option<Self> {
        let drs = DrTable::from_band(band);
        let layout = match drs.lora(band.beacon.data_rate)? {
            (9, 125_000) => [2, 8, 17],
            (12, 500_000) => [5, 11, 23],
            _ => return None,
        };
        Some(Self {
            dr: band.beacon.data_rate,
            layout,
            freqs: band.beacon.frequencies_hz.to_vec(),
        })
    }
}

/// The `router_config` message.
#[derive(Debug, Clone, PartialEq)]
pub struct RouterConfig {
    /// NetIDs whose data frames the station forwards (`None`: all).
    pub net_id: Option<Vec<NetId>>,
    /// JoinEUI ranges whose join-requests the station forwards (`None`: all).
    pub join_eui: Option<Vec<(JoinEui, JoinEui)>>,
    /// Region name (`region`).
    pub region: String,
    /// Hardware spec (`hwspec`, `sx1301/<concentrators>`).
    pub hwspec: String,
    /// Allowed TX frequency range in Hz (`freq_range`).
    pub freq_range: (u32, u32),
    /// Data-rate table (`DRs`).
    pub drs: DrTable,
    /// One configuration per concentrator (`sx1301_conf`).
    pub sx1301_conf: Vec<Sx1301Conf>,
    /// Debug: disable clear-channel assessment (`nocca`).
    pub nocca: Option<bool>,
    /// Debug: disable duty-cycle checks (`nodc`).
    pub nodc: Option<bool>,
    /// Debug: disable dwell-time checks (`nodwell`).
    pub nodwell: Option<bool>,
    /// Maximum EIRP in dBm (`max_eirp`).
    pub max_eirp: Option<f32>,
    /// Class B beaconing (`bcning`).
    pub bcning: Option<Beaconing>,
    /// Server time (`MuxTime`, fractional Unix seconds).
    pub mux_time: f64,
}

/// What [`RouterConfig::build`] needs.
#[derive(Debug, Clone)]
pub struct RouterConfigInput<'a> {
    /// The region.
    pub band: &'static Band,
    /// Channel plan of each concentrator (usually one).
    pub concentrators: &'a [(&'a [PlanChannel], RadioPlacement)],
    /// NetID filter (`None`: all).
    pub net_ids: Option<&'a [NetId]>,
    /// JoinEUI ranges (`None`: all).
    pub join_eui_ranges: Option<&'a [(JoinEui, JoinEui)]>,
    /// TX range; `None`: the span of the region's sub-bands.
    pub freq_range: Option<(u32, u32)>,
    /// Whether the station is a production build (`Version::is_production`); others get
    /// `nocca`, `nodc`, `nodwell` set, as TTS does.
    pub production: bool,
    /// Class B beaconing.
    pub bcning: Option<Beaconing>,
    /// Server time now, fractional Unix seconds.
    pub mux_time: f64,
}

/// The default channels of a region for one concentrator: the RP002 default channels of a
/// dynamic-plan region (EU868: 868.1/868.3/868.5 MHz), or for a fixed-plan region (US915,
/// AU915) the eight 125 kHz channels of `sub_band` (1-based) and its 500 kHz channel.
pub fn default_channels(band: &Band, sub_band: u8) -> Vec<PlanChannel> {
    let ch = |c: crate::region::Channel| PlanChannel {
        freq_hz: c.frequency_hz,
        min_dr: c.min_dr,
        max_dr: c.max_dr,
        radio: None,
    };
    if band.cflist_type == crate::region::CfListType::Frequencies {
        return band.uplink_channels().map(ch).collect();
    }
    let first = u16::from(sub_band.max(1) - 1) * 8;
    let mut v: Vec<PlanChannel> = (first..first + 8)
        .filter_map(|i| band.uplink_channel(i))
        .map(ch)
        .collect();
    v.extend(
        band.uplink_channel(64 + u16::from(sub_band.max(1) - 1))
            .map(ch),
    );
    v
}

impl RouterConfig {
    /// Builds the message for a station.
    pub fn build(input: &RouterConfigInput<'_>) -> Result<Self, BasicStationError> {
        let drs = DrTable::from_band(input.band);
        let sx1301_conf = input
            .concentrators
            .iter()
            .map(|(chs, placement)| Sx1301Conf::build(chs, &drs, *placement))
            .collect::<Result<Vec<_>, _>>()?;
        let freq_range = input.freq_range.unwrap_or_else(|| {
            let sb = input.band.sub_bands;
            let lo = sb.iter().map(|s| s.min_hz).min().unwrap_or(0);
            let hi = sb.iter().map(|s| s.max_hz).max().unwrap_or(0);
            (lo, hi)
        });
        let debug = (!input.production).then_some(true);
        Ok(Self {
            net_id: input.net_ids.map(<[NetId]>::to_vec),
            join_eui: input.join_eui_ranges.map(<[_]>::to_vec),
            region: station_region(input.band.id).to_owned(),
            hwspec: format!("sx1301/{}", sx1301_conf.len()),
            freq_range,
            drs,
            sx1301_conf,
            nocca: debug,
            nodc: debug,
            nodwell: debug,
            max_eirp: None,
            bcning: input.bcning.clone(),
            mux_time: input.mux_time,
        })
    }

    /// Appends the message.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), BasicStationError> {
        let start = out.len();
        let r = self.write(out);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }

    fn write(&self, out: &mut Vec<u8>) -> Result<(), BasicStationError> {
        let mut w = ObjectWriter::message(out, "router_config");
        let o = w.key("NetID");
        match &self.net_id {
            None => o.extend_from_slice(b"null"),
            Some(ids) => list(o, ids, |o, n| {
                let _ = write!(o, "{}", n.to_u32());
            }),
        }
        let o = w.key("JoinEui");
        match &self.join_eui {
            None => o.extend_from_slice(b"null"),
            Some(r) => list(o, r, |o, (a, b)| {
                let _ = write!(o, "[{},{}]", a.to_u64() as i64, b.to_u64() as i64);
            }),
        }
        w.str("region", &self.region);
        w.str("hwspec", &self.hwspec);
        let _ = write!(
            w.key("freq_range"),
            "[{},{}]",
            self.freq_range.0,
            self.freq_range.1
        );
        self.drs.write(w.key("DRs"));
        let o = w.key("sx1301_conf");
        o.push(b'[');
        for (i, c) in self.sx1301_conf.iter().enumerate() {
            if i > 0 {
                o.push(b',');
            }
            write_sx1301(o, c)?;
        }
        o.push(b']');
        for (k, v) in [
            ("nocca", self.nocca),
            ("nodc", self.nodc),
            ("nodwell", self.nodwell),
        ] {
            if let Some(v) = v {
                w.bool(k, v);
            }
        }
        if let Some(e) = self.max_eirp {
            w.float32("max_eirp", e)?;
        }
        if let Some(b) = &self.bcning {
            let mut o = ObjectWriter::begin(w.key("bcning"));
            o.int("DR", b.dr);
            let _ = write!(
                o.key("layout"),
                "[{},{},{}]",
                b.layout[0],
                b.layout[1],
                b.layout[2]
            );
            list(o.key("freqs"), &b.freqs, |o, f| {
                let _ = write!(o, "{f}");
            });
            o.end();
        }
        w.float("MuxTime", self.mux_time)?;
        w.end();
        Ok(())
    }

    /// Parses the message (what a simulated station reads).
    pub fn parse(text: &[u8]) -> Result<Self, BasicStationError> {
        let j: RouterConfigJson = from_slice(text)?;
        if j.msgtype.as_deref() != Some("router_config") {
            return Err(BasicStationError::InvalidField("msgtype"));
        }
        let [lo, hi] = req(j.freq_range, "freq_range")?;
        let join_eui = j.JoinEui.map(|v| {
            v.into_iter()
                .map(|[a, b]| (JoinEui::from_u64(a as u64), JoinEui::from_u64(b as u64)))
                .collect()
        });
        Ok(Self {
            net_id: j
                .NetID
                .map(|v| v.into_iter().map(NetId::from_u32).collect()),
            join_eui,
            region: req(j.region, "region")?,
            hwspec: req(j.hwspec, "hwspec")?,
            freq_range: (lo, hi),
            drs: DrTable::from_triples(&req(j.DRs, "DRs")?)?,
            sx1301_conf: req(j.sx1301_conf, "sx1301_conf")?
                .iter()
                .map(read_sx1301)
                .collect::<Result<_, _>>()?,
            nocca: j.nocca,
            nodc: j.nodc,
            nodwell: j.nodwell,
            max_eirp: finite32(j.max_eirp, "max_eirp")?,
            bcning: j.bcning.map(|b| Beaconing {
                dr: b.DR,
                layout: b.layout,
                freqs: b.freqs,
            }),
            mux_time: j.MuxTime.unwrap_or(0.0),
        })
    }
}

fn list<T>(o: &mut Vec<u8>, items: &[T], mut f: impl FnMut(&mut Vec<u8>, &T)) {
    o.push(b'[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            o.push(b',');
        }
        f(o, x);
    }
    o.push(b']');
}

fn write_sx1301(out: &mut Vec<u8>, c: &Sx1301Conf) -> Result<(), BasicStationError> {
    let mut w = ObjectWriter::begin(out);
    for (i, r) in c.radios.iter().enumerate() {
        let mut o = ObjectWriter::begin(w.key(["radio_0", "radio_1"][i & 1]));
        o.bool("enable", r.enable);
        o.int("freq", r.freq_hz);
        if let Some(g) = r.antenna_gain {
            o.float32("antenna_gain", g)?;
        }
        o.end();
    }
    let at = |w: &mut ObjectWriter<'_>, a: Option<IfChannel>| {
        if let Some(a) = a {
            w.bool("enable", true);
            w.int("radio", a.radio);
            w.int("if", a.if_hz);
        } else {
            w.bool("enable", false);
        }
    };
    for (i, ch) in c.multi_sf.iter().enumerate() {
        let mut o = ObjectWriter::begin(w.key(MULTI_SF_KEYS[i & 7]));
        at(&mut o, *ch);
        o.end();
    }
    let mut o = ObjectWriter::begin(w.key("chan_Lora_std"));
    at(&mut o, c.lora_std.map(|s| s.at));
    if let Some(s) = c.lora_std {
        o.int("bandwidth", s.bandwidth_hz);
        o.int("spread_factor", s.spread_factor);
    }
    o.end();
    let mut o = ObjectWriter::begin(w.key("chan_FSK"));
    at(&mut o, c.fsk.map(|s| s.at));
    if let Some(s) = c.fsk {
        o.int("datarate", s.datarate);
    }
    o.end();
    w.end();
    Ok(())
}

const MULTI_SF_KEYS: [&str; 8] = [
    "chan_multiSF_0",
    "chan_multiSF_1",
    "chan_multiSF_2",
    "chan_multiSF_3",
    "chan_multiSF_4",
    "chan_multiSF_5",
    "chan_multiSF_6",
    "chan_multiSF_7",
];

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct RouterConfigJson {
    msgtype: Option<String>,
    NetID: Option<Vec<u32>>,
    #[serde(alias = "JoinEUI")]
    JoinEui: Option<Vec<[i64; 2]>>,
    region: Option<String>,
    hwspec: Option<String>,
    freq_range: Option<[u32; 2]>,
    DRs: Option<Vec<[i64; 3]>>,
    sx1301_conf: Option<Vec<BTreeMap<String, Member>>>,
    nocca: Option<bool>,
    nodc: Option<bool>,
    nodwell: Option<bool>,
    max_eirp: Option<f32>,
    bcning: Option<BeaconJson>,
    MuxTime: Option<f64>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct BeaconJson {
    DR: u8,
    layout: [u8; 3],
    freqs: Vec<u32>,
}

/// A member of an `sx1301_conf` object: a radio or channel, or anything else a station config
/// may carry there (`lorawan_public`, `clksrc`, …), which is skipped.
#[derive(Deserialize)]
#[serde(untagged)]
enum Member {
    Entry(ConfEntry),
    Other(serde::de::IgnoredAny),
}

impl Member {
    fn entry(&self) -> Option<&ConfEntry> {
        match self {
            Self::Entry(e) => Some(e),
            Self::Other(_) => None,
        }
    }
}

/// Any member of an `sx1301_conf` object (radios and channels share the shape loosely).
#[derive(Deserialize, Clone, Copy)]
struct ConfEntry {
    enable: Option<bool>,
    freq: Option<u32>,
    antenna_gain: Option<f32>,
    radio: Option<u8>,
    #[serde(rename = "if")]
    if_hz: Option<i32>,
    bandwidth: Option<u32>,
    spread_factor: Option<u8>,
    datarate: Option<u32>,
}

fn read_sx1301(m: &BTreeMap<String, Member>) -> Result<Sx1301Conf, BasicStationError> {
    let radio = |k: &'static str| -> Result<RadioConf, BasicStationError> {
        let e = m
            .get(k)
            .and_then(Member::entry)
            .ok_or(BasicStationError::MissingField(k))?;
        Ok(RadioConf {
            enable: e.enable.unwrap_or(false),
            freq_hz: e.freq.unwrap_or(0),
            antenna_gain: finite32(e.antenna_gain, "antenna_gain")?,
        })
    };
    let at = |k: &str| -> Option<(IfChannel, ConfEntry)> {
        let e = m.get(k)?.entry()?;
        e.enable.unwrap_or(false).then(|| {
            (
                IfChannel {
                    radio: e.radio.unwrap_or(0),
                    if_hz: e.if_hz.unwrap_or(0),
                },
                *e,
            )
        })
    };
    let mut multi_sf = [None; 8];
    for (slot, k) in multi_sf.iter_mut().zip(MULTI_SF_KEYS) {
        *slot = at(k).map(|(a, _)| a);
    }
    Ok(Sx1301Conf {
        radios: [radio("radio_0")?, radio("radio_1")?],
        multi_sf,
        lora_std: at("chan_Lora_std").map(|(at, e)| LoraStdChannel {
            at,
            bandwidth_hz: e.bandwidth.unwrap_or(0),
            spread_factor: e.spread_factor.unwrap_or(0),
        }),
        fsk: at("chan_FSK").map(|(at, e)| FskChannel {
            at,
            datarate: e.datarate.unwrap_or(0),
        }),
    })
}
