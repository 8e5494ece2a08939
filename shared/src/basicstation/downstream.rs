//! Server → station traffic messages, parsed back (what a simulated station in `loadgen`
//! reads, and the other half of the round-trip tests): `router_config`, `dnmsg`, `dnsched`,
//! `timesync`. Unknown members are ignored; an unknown `msgtype` is a typed error.

use super::BasicStationError;
use super::dnsched::{DownlinkSchedule, SchedTime, ScheduleEntry};
use super::downlink::{DeviceClass, DnTiming, DownlinkMessage, TxWindow};
use super::eui::EuiField;
use super::json::{from_slice, hex_decode, narrow, req};
use super::router_config::RouterConfig;
use super::time::XTime;
use super::timesync::TimeSyncDown;
use crate::types::DevEui;
use serde::Deserialize;
use std::borrow::Cow;

/// A message the server sends on the traffic connection. `dnmsg` is the frequent one and holds
/// its PDU inline, so it stays unboxed (boxing would allocate per downlink).
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Downstream {
    /// `router_config`.
    RouterConfig(Box<RouterConfig>),
    /// `dnmsg`.
    Downlink(DownlinkMessage),
    /// `dnsched`.
    Schedule(DownlinkSchedule),
    /// `timesync`.
    TimeSync(TimeSyncDown),
}

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    msgtype: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct DnJson<'a> {
    #[serde(alias = "DevEUI")]
    DevEui: Option<EuiField>,
    dC: Option<i64>,
    diid: Option<i64>,
    seqno: Option<i64>,
    #[serde(borrow)]
    pdu: Option<Cow<'a, str>>,
    priority: Option<i64>,
    rctx: Option<i64>,
    MuxTime: Option<f64>,
    RxDelay: Option<i64>,
    RX1DR: Option<i64>,
    RX1Freq: Option<i64>,
    RX2DR: Option<i64>,
    RX2Freq: Option<i64>,
    xtime: Option<i64>,
    DR: Option<i64>,
    Freq: Option<i64>,
    gpstime: Option<i64>,
    txtime: Option<f64>,
    #[serde(borrow)]
    schedule: Option<Vec<DnJson<'a>>>,
}

/// Parses one server → station traffic message.
pub fn parse_downstream(text: &[u8]) -> Result<Downstream, BasicStationError> {
    let h: Head<'_> = from_slice(text)?;
    match h
        .msgtype
        .as_deref()
        .ok_or(BasicStationError::MissingMsgType)?
    {
        "router_config" => RouterConfig::parse(text).map(|c| Downstream::RouterConfig(Box::new(c))),
        "dnmsg" => dnmsg(&from_slice(text)?).map(Downstream::Downlink),
        "dnsched" => {
            let j: DnJson<'_> = from_slice(text)?;
            let schedule = req(j.schedule.as_ref(), "schedule")?
                .iter()
                .map(entry)
                .collect::<Result<_, _>>()?;
            Ok(Downstream::Schedule(DownlinkSchedule {
                schedule,
                mux_time: j.MuxTime,
            }))
        }
        "timesync" => timesync(&from_slice(text)?).map(Downstream::TimeSync),
        other => Err(BasicStationError::UnknownMsgType { len: other.len() }),
    }
}

fn window(
    dr: Option<i64>,
    freq: Option<i64>,
    dr_name: &'static str,
    freq_name: &'static str,
) -> Result<Option<TxWindow>, BasicStationError> {
    match (dr, freq) {
        (Some(d), Some(f)) => Ok(Some(TxWindow {
            dr: narrow(d, dr_name)?,
            freq_hz: narrow(f, freq_name)?,
        })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(BasicStationError::MissingField(freq_name)),
        (None, Some(_)) => Err(BasicStationError::MissingField(dr_name)),
    }
}

fn dnmsg(j: &DnJson<'_>) -> Result<DownlinkMessage, BasicStationError> {
    let dev_eui = req(j.DevEui, "DevEui")?.get("DevEui")?;
    let device_class =
        DeviceClass::from_wire(req(j.dC, "dC")?).ok_or(BasicStationError::InvalidField("dC"))?;
    let timing = match window(j.DR, j.Freq, "DR", "Freq")? {
        Some(w) => DnTiming::Absolute {
            gpstime: req(j.gpstime, "gpstime")?,
            window: w,
        },
        None => {
            let rx1 = window(j.RX1DR, j.RX1Freq, "RX1DR", "RX1Freq")?;
            let rx2 = window(j.RX2DR, j.RX2Freq, "RX2DR", "RX2Freq")?;
            if rx1.is_none() && rx2.is_none() {
                return Err(BasicStationError::MissingField("RX1Freq"));
            }
            DnTiming::Windows {
                xtime: XTime(j.xtime.unwrap_or(0)),
                rx_delay: narrow(j.RxDelay.unwrap_or(1), "RxDelay")?,
                rx1,
                rx2,
            }
        }
    };
    Ok(DownlinkMessage {
        dev_eui: DevEui::from_u64(dev_eui.to_u64()),
        device_class,
        diid: j
            .diid
            .or(j.seqno)
            .ok_or(BasicStationError::MissingField("diid"))?,
        pdu: hex_decode(req(j.pdu.as_deref(), "pdu")?, "pdu")?,
        priority: j.priority.map(|p| narrow(p, "priority")).transpose()?,
        rctx: j.rctx,
        mux_time: j.MuxTime,
        timing,
    })
}

fn entry(j: &DnJson<'_>) -> Result<ScheduleEntry, BasicStationError> {
    let w = window(j.DR, j.Freq, "DR", "Freq")?.ok_or(BasicStationError::MissingField("DR"))?;
    let time = match (j.gpstime, j.xtime) {
        (Some(g), _) => SchedTime::Gps(g),
        (None, Some(x)) => SchedTime::XTime(XTime(x)),
        (None, None) => return Err(BasicStationError::MissingField("gpstime")),
    };
    Ok(ScheduleEntry {
        diid: req(j.diid, "diid")?,
        priority: j.priority.map(|p| narrow(p, "priority")).transpose()?,
        dr: w.dr,
        freq_hz: w.freq_hz,
        time,
        pdu: hex_decode(req(j.pdu.as_deref(), "pdu")?, "pdu")?,
        rctx: j.rctx,
    })
}

fn timesync(j: &DnJson<'_>) -> Result<TimeSyncDown, BasicStationError> {
    Ok(match (j.txtime, j.xtime) {
        (Some(txtime), _) => TimeSyncDown::Response {
            txtime,
            gpstime: req(j.gpstime, "gpstime")?,
            mux_time: j.MuxTime,
        },
        (None, Some(x)) => TimeSyncDown::Transfer {
            xtime: XTime(x),
            gpstime: req(j.gpstime, "gpstime")?,
            mux_time: j.MuxTime,
        },
        (None, None) => TimeSyncDown::MuxTime {
            mux_time: req(j.MuxTime, "MuxTime")?,
        },
    })
}

impl Downstream {
    /// Appends the message; `out` is left as it was on failure.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), BasicStationError> {
        let start = out.len();
        let r = match self {
            Self::RouterConfig(c) => c.emit(out),
            Self::Downlink(d) => d.emit(out),
            Self::Schedule(s) => s.emit(out),
            Self::TimeSync(t) => t.emit(out),
        };
        if r.is_err() {
            out.truncate(start);
        }
        r
    }
}
