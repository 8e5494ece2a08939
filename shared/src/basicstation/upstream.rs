//! Station → server traffic messages: one pass of the JSON parser into a flat set of optional
//! members (unknown members ignored, as the station itself does), then validation per
//! `msgtype` so a missing field is named (`MissingField("DevAddr")`) and an unknown `msgtype`
//! is a typed error. Strings stay borrowed from the caller's buffer; hex payloads are decoded
//! into inline storage, so parsing an uplink allocates nothing.

use super::BasicStationError;
use super::dntxed::TxConfirmation;
use super::eui::EuiField;
use super::json::{finite32, from_slice, hex_decode, narrow, req};
use super::time::XTime;
use super::timesync::TimeSyncRequest;
use super::uplink::{
    FOptsBytes, JoinRequestFrame, ProprietaryFrame, RadioMeta, UpInfo, UplinkDataFrame,
    mic_from_wire,
};
use super::version::Version;
use crate::semtech_udp::Payload;
use crate::types::{DevAddr, DevEui, JoinEui};
use serde::Deserialize;
use std::borrow::Cow;

/// A message a station sends on the traffic connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Upstream<'a> {
    /// `version`: first message after connecting.
    Version(Version<'a>),
    /// `updf`: uplink data frame.
    UplinkData(UplinkDataFrame),
    /// `jreq`: join-request.
    JoinRequest(JoinRequestFrame),
    /// `propdf`: proprietary frame.
    Proprietary(ProprietaryFrame),
    /// `dntxed`: a downlink was transmitted.
    TxConfirmation(TxConfirmation),
    /// `timesync`: time synchronisation request.
    TimeSync(TimeSyncRequest),
}

#[derive(Deserialize, Default)]
#[allow(non_snake_case)]
struct UpJson<'a> {
    #[serde(borrow)]
    msgtype: Option<Cow<'a, str>>,
    // version
    #[serde(borrow)]
    station: Option<Cow<'a, str>>,
    #[serde(borrow)]
    firmware: Option<Cow<'a, str>>,
    #[serde(borrow)]
    package: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    protocol: Option<u32>,
    #[serde(borrow)]
    features: Option<Cow<'a, str>>,
    // frames
    MHdr: Option<i64>,
    DevAddr: Option<i64>,
    FCtrl: Option<i64>,
    #[serde(alias = "Fcnt")]
    FCnt: Option<i64>,
    #[serde(borrow)]
    FOpts: Option<Cow<'a, str>>,
    FPort: Option<i64>,
    #[serde(borrow)]
    FRMPayload: Option<Cow<'a, str>>,
    MIC: Option<i64>,
    #[serde(alias = "JoinEUI")]
    JoinEui: Option<EuiField>,
    #[serde(alias = "DevEUI")]
    DevEui: Option<EuiField>,
    DevNonce: Option<i64>,
    RefTime: Option<f64>,
    DR: Option<i64>,
    Freq: Option<i64>,
    upinfo: Option<UpInfoJson>,
    // dntxed, timesync
    diid: Option<i64>,
    seqno: Option<i64>,
    rctx: Option<i64>,
    xtime: Option<i64>,
    txtime: Option<f64>,
    gpstime: Option<i64>,
}

#[derive(Deserialize)]
struct UpInfoJson {
    rctx: Option<i64>,
    xtime: Option<i64>,
    gpstime: Option<i64>,
    fts: Option<i64>,
    rssi: Option<f32>,
    snr: Option<f32>,
    rxtime: Option<f64>,
}

/// Parses one station → server traffic message.
pub fn parse_upstream(text: &[u8]) -> Result<Upstream<'_>, BasicStationError> {
    let j: UpJson<'_> = from_slice(text)?;
    let msgtype = j
        .msgtype
        .as_deref()
        .ok_or(BasicStationError::MissingMsgType)?;
    match msgtype {
        "version" => Ok(Upstream::Version(Version {
            station: j.station,
            firmware: j.firmware,
            package: j.package,
            model: j.model,
            protocol: j.protocol,
            features: j.features,
        })),
        "updf" => updf(&j).map(Upstream::UplinkData),
        "jreq" => jreq(&j).map(Upstream::JoinRequest),
        "propdf" => Ok(Upstream::Proprietary(ProprietaryFrame {
            payload: hex_decode(req(j.FRMPayload.as_deref(), "FRMPayload")?, "FRMPayload")?,
            meta: meta(&j)?,
        })),
        "dntxed" => Ok(Upstream::TxConfirmation(TxConfirmation {
            diid: j
                .diid
                .or(j.seqno)
                .ok_or(BasicStationError::MissingField("diid"))?,
            dev_eui: j
                .DevEui
                .map(|e| e.get("DevEui").map(|e| DevEui::from_u64(e.to_u64())))
                .transpose()?,
            rctx: j.rctx.unwrap_or(0),
            xtime: XTime(j.xtime.unwrap_or(0)),
            txtime: j.txtime.unwrap_or(0.0),
            gpstime: j.gpstime.unwrap_or(0),
            dr: j.DR.map(|v| narrow(v, "DR")).transpose()?,
            freq_hz: j.Freq.map(|v| narrow(v, "Freq")).transpose()?,
        })),
        "timesync" => Ok(Upstream::TimeSync(TimeSyncRequest {
            txtime: req(j.txtime, "txtime")?,
        })),
        other => Err(BasicStationError::UnknownMsgType { len: other.len() }),
    }
}

fn meta(j: &UpJson<'_>) -> Result<RadioMeta, BasicStationError> {
    let u = j
        .upinfo
        .as_ref()
        .ok_or(BasicStationError::MissingField("upinfo"))?;
    Ok(RadioMeta {
        ref_time: j.RefTime.unwrap_or(0.0),
        dr: narrow(req(j.DR, "DR")?, "DR")?,
        freq_hz: narrow(req(j.Freq, "Freq")?, "Freq")?,
        upinfo: UpInfo {
            rctx: u.rctx.unwrap_or(0),
            xtime: XTime(req(u.xtime, "xtime")?),
            gpstime: u.gpstime.unwrap_or(0),
            fts: u
                .fts
                .and_then(|v| i32::try_from(v).ok())
                .filter(|&v| v >= 0),
            rssi: finite32(u.rssi, "rssi")?.unwrap_or(0.0),
            snr: finite32(u.snr, "snr")?.unwrap_or(0.0),
            rxtime: u.rxtime.unwrap_or(0.0),
        },
    })
}

fn mic(j: &UpJson<'_>) -> Result<[u8; 4], BasicStationError> {
    mic_from_wire(req(j.MIC, "MIC")?).ok_or(BasicStationError::InvalidField("MIC"))
}

fn updf(j: &UpJson<'_>) -> Result<UplinkDataFrame, BasicStationError> {
    let dev_addr = req(j.DevAddr, "DevAddr")?;
    let dev_addr = i32::try_from(dev_addr)
        .map(|v| v as u32)
        .or_else(|_| u32::try_from(dev_addr))
        .map_err(|_| BasicStationError::InvalidField("DevAddr"))?;
    let fport = match req(j.FPort, "FPort")? {
        -1 => None,
        p => Some(narrow(p, "FPort")?),
    };
    let frm_payload: Payload =
        hex_decode(j.FRMPayload.as_deref().unwrap_or_default(), "FRMPayload")?;
    if fport.is_none() && !frm_payload.as_slice().is_empty() {
        return Err(BasicStationError::InvalidField("FPort"));
    }
    let fopts: FOptsBytes = hex_decode(j.FOpts.as_deref().unwrap_or_default(), "FOpts")?;
    Ok(UplinkDataFrame {
        mhdr: narrow(req(j.MHdr, "MHdr")?, "MHdr")?,
        dev_addr: DevAddr::from_u32(dev_addr),
        fctrl: narrow(req(j.FCtrl, "FCtrl")?, "FCtrl")?,
        fcnt: narrow(req(j.FCnt, "FCnt")?, "FCnt")?,
        fopts,
        fport,
        frm_payload,
        mic: mic(j)?,
        meta: meta(j)?,
    })
}

fn jreq(j: &UpJson<'_>) -> Result<JoinRequestFrame, BasicStationError> {
    let join_eui = req(j.JoinEui, "JoinEui")?.get("JoinEui")?;
    let dev_eui = req(j.DevEui, "DevEui")?.get("DevEui")?;
    Ok(JoinRequestFrame {
        mhdr: narrow(req(j.MHdr, "MHdr")?, "MHdr")?,
        join_eui: JoinEui::from_u64(join_eui.to_u64()),
        dev_eui: DevEui::from_u64(dev_eui.to_u64()),
        dev_nonce: narrow(req(j.DevNonce, "DevNonce")?, "DevNonce")?,
        mic: mic(j)?,
        meta: meta(j)?,
    })
}

impl Upstream<'_> {
    /// The `msgtype` of this message.
    pub fn msgtype(&self) -> &'static str {
        match self {
            Self::Version(_) => "version",
            Self::UplinkData(_) => "updf",
            Self::JoinRequest(_) => "jreq",
            Self::Proprietary(_) => "propdf",
            Self::TxConfirmation(_) => "dntxed",
            Self::TimeSync(_) => "timesync",
        }
    }

    /// Appends the message (what a simulated station sends). Fails only on values JSON cannot
    /// carry; `out` is left as it was then.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), BasicStationError> {
        let start = out.len();
        let r = match self {
            Self::Version(v) => v.emit(out),
            Self::UplinkData(f) => f.emit(out),
            Self::JoinRequest(f) => f.emit(out),
            Self::Proprietary(f) => f.emit(out),
            Self::TxConfirmation(c) => c.emit(out),
            Self::TimeSync(t) => t.emit(out),
        };
        if r.is_err() {
            out.truncate(start);
        }
        r
    }
}
