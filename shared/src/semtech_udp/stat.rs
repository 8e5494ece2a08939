//! PUSH_DATA's `stat` object (PROTOCOL.TXT v2 §4): gateway status with the "expanded" time,
//! position and traffic counters, plus the `temp` extension of SX1302 forwarders. Other
//! extensions (`boot`, `lmok`, `hal`, `hver`, …) are accepted and ignored.

use super::json::ObjectWriter;
use super::{UdpError, UtcTime};
use serde::Deserialize;
use std::borrow::Cow;

/// Gateway status report.
#[derive(Debug, Clone, PartialEq)]
pub struct Stat {
    /// Gateway system time (`time`, `2014-01-12 08:59:28 GMT`, required).
    pub time: UtcTime,
    /// GPS latitude in degrees, north positive (`lati`).
    pub lati: Option<f64>,
    /// GPS longitude in degrees, east positive (`long`).
    pub long: Option<f64>,
    /// GPS altitude in metres (`alti`).
    pub alti: Option<i32>,
    /// Radio packets received (`rxnb`, required).
    pub rxnb: u32,
    /// Radio packets received with a valid CRC (`rxok`, required).
    pub rxok: u32,
    /// Radio packets forwarded (`rxfw`, required).
    pub rxfw: u32,
    /// Percentage of upstream datagrams acknowledged (`ackr`).
    pub ackr: Option<f64>,
    /// Downlink datagrams received (`dwnb`, required).
    pub dwnb: u32,
    /// Packets emitted (`txnb`, required).
    pub txnb: u32,
    /// Temperature in °C (`temp`, SX1302 forwarders).
    pub temp: Option<f64>,
}

/// The `stat` object as it appears in JSON.
#[derive(Debug, Deserialize)]
pub(crate) struct StatJson<'a> {
    #[serde(borrow)]
    time: Option<Cow<'a, str>>,
    lati: Option<f64>,
    long: Option<f64>,
    alti: Option<i32>,
    rxnb: Option<u32>,
    rxok: Option<u32>,
    rxfw: Option<u32>,
    ackr: Option<f64>,
    dwnb: Option<u32>,
    txnb: Option<u32>,
    temp: Option<f64>,
}

impl Stat {
    pub(crate) fn from_json(j: StatJson<'_>) -> Result<Self, UdpError> {
        let time = j
            .time
            .as_deref()
            .ok_or(UdpError::MissingField("stat.time"))?;
        Ok(Self {
            time: UtcTime::parse_expanded(time).ok_or(UdpError::InvalidField("stat.time"))?,
            lati: j.lati,
            long: j.long,
            alti: j.alti,
            rxnb: j.rxnb.ok_or(UdpError::MissingField("rxnb"))?,
            rxok: j.rxok.ok_or(UdpError::MissingField("rxok"))?,
            rxfw: j.rxfw.ok_or(UdpError::MissingField("rxfw"))?,
            ackr: j.ackr,
            dwnb: j.dwnb.ok_or(UdpError::MissingField("dwnb"))?,
            txnb: j.txnb.ok_or(UdpError::MissingField("txnb"))?,
            temp: j.temp,
        })
    }

    /// Appends the `stat` object; the time is written to the second, as forwarders do.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), UdpError> {
        let mut w = ObjectWriter::begin(out);
        w.plain_str("time", &self.time.to_expanded());
        w.opt_float("lati", self.lati)?;
        w.opt_float("long", self.long)?;
        w.opt_int("alti", self.alti);
        w.int("rxnb", self.rxnb);
        w.int("rxok", self.rxok);
        w.int("rxfw", self.rxfw);
        w.opt_float("ackr", self.ackr)?;
        w.int("dwnb", self.dwnb);
        w.int("txnb", self.txnb);
        w.opt_float("temp", self.temp)?;
        w.end();
        Ok(())
    }
}
