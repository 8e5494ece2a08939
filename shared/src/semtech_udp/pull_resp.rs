//! PULL_RESP's JSON body (PROTOCOL.TXT v2 §6): the `txpk` object asking the gateway to transmit.
//! Required members follow what Semtech's forwarder refuses to go without: a timing (`imme`,
//! `tmst` or `tmms`), `freq`, `rfch`, `modu`, `datr`, `codr` for LoRa, and `data`.

use super::UdpError;
use super::fields::{CodingRate, DataRate, Datr, Payload, freq_to_hz};
use super::json::ObjectWriter;
use super::push_data::{payload, radio};
use serde::Deserialize;
use std::borrow::Cow;

/// When the gateway should transmit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxTiming {
    /// `"imme":true`: as soon as possible (class C).
    Immediate,
    /// `"tmst"`: at this value of the concentrator's microsecond counter (class A).
    Tmst(u32),
    /// `"tmms"`: at this GPS time in milliseconds since 1980-01-06 (class B).
    Tmms(u64),
}

/// A packet to transmit (`txpk`).
#[derive(Debug, Clone, PartialEq)]
pub struct TxPk {
    /// Transmission time (`imme`, `tmst` or `tmms`; `imme` wins, then `tmst`).
    pub timing: TxTiming,
    /// Centre frequency in Hz (`freq` in MHz on the wire).
    pub freq_hz: u64,
    /// RF chain (`rfch`).
    pub rfch: u8,
    /// Output power in dBm (`powe`; the gateway's default when absent).
    pub powe: Option<i8>,
    /// Concentrator board (`brd`, multi-board gateways).
    pub brd: Option<u32>,
    /// Antenna (`ant`, multi-antenna gateways).
    pub ant: Option<u8>,
    /// Modulation and data rate (`modu` + `datr`).
    pub data_rate: DataRate,
    /// Coding rate (`codr`, required for LoRa).
    pub coding_rate: Option<CodingRate>,
    /// FSK frequency deviation in Hz (`fdev`).
    pub fdev: Option<u32>,
    /// LoRa polarization inversion (`ipol`; true for downlinks to LoRaWAN devices).
    pub ipol: Option<bool>,
    /// Preamble length in symbols (`prea`).
    pub prea: Option<u16>,
    /// Disable the physical-layer CRC (`ncrc`).
    pub ncrc: Option<bool>,
    /// The frame (`data`; `size` is written from its length).
    pub payload: Payload,
}

/// PULL_RESP's body as it appears in JSON; validate with [`TxPk::from_json`].
#[derive(Debug, Deserialize)]
pub struct PullRespJson<'a> {
    #[serde(borrow)]
    txpk: Option<TxPkJson<'a>>,
}

#[derive(Debug, Deserialize)]
struct TxPkJson<'a> {
    imme: Option<bool>,
    tmst: Option<u32>,
    tmms: Option<u64>,
    freq: Option<f64>,
    rfch: Option<u8>,
    powe: Option<i8>,
    brd: Option<u32>,
    ant: Option<u8>,
    #[serde(borrow)]
    modu: Option<Cow<'a, str>>,
    #[serde(borrow)]
    datr: Option<Datr<'a>>,
    #[serde(borrow)]
    codr: Option<Cow<'a, str>>,
    fdev: Option<u32>,
    ipol: Option<bool>,
    prea: Option<u16>,
    size: Option<u16>,
    #[serde(borrow)]
    data: Option<Cow<'a, str>>,
    ncrc: Option<bool>,
}

impl TxPk {
    /// Validates a deserialized PULL_RESP body.
    pub fn from_json(j: PullRespJson<'_>) -> Result<Self, UdpError> {
        let j = j.txpk.ok_or(UdpError::MissingField("txpk"))?;
        let timing = match (j.imme, j.tmst, j.tmms) {
            (Some(true), _, _) => TxTiming::Immediate,
            (_, Some(t), _) => TxTiming::Tmst(t),
            (_, None, Some(t)) => TxTiming::Tmms(t),
            _ => return Err(UdpError::MissingField("tmst")),
        };
        let (data_rate, coding_rate) =
            radio(j.modu.as_deref(), j.datr.as_ref(), j.codr.as_deref())?;
        Ok(Self {
            timing,
            freq_hz: freq_to_hz(j.freq.ok_or(UdpError::MissingField("freq"))?, "freq")?,
            rfch: j.rfch.ok_or(UdpError::MissingField("rfch"))?,
            powe: j.powe,
            brd: j.brd,
            ant: j.ant,
            data_rate,
            coding_rate,
            fdev: j.fdev,
            ipol: j.ipol,
            prea: j.prea,
            ncrc: j.ncrc,
            payload: payload(j.data.as_deref(), j.size)?,
        })
    }

    /// Appends the PULL_RESP body `{"txpk":{…}}`. `imme` is always written (`false` beside `tmst`
    /// or `tmms`), as The Things Stack does, because strict parsers such as semtech-udp need it.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut root = ObjectWriter::begin(out);
        let mut w = ObjectWriter::begin(root.key("txpk"));
        match self.timing {
            TxTiming::Immediate => w.bool("imme", true),
            TxTiming::Tmst(t) => {
                w.bool("imme", false);
                w.int("tmst", t);
            }
            TxTiming::Tmms(t) => {
                w.bool("imme", false);
                w.int("tmms", t);
            }
        }
        w.freq("freq", self.freq_hz);
        w.int("rfch", self.rfch);
        w.opt_int("powe", self.powe);
        w.opt_int("brd", self.brd);
        w.opt_int("ant", self.ant);
        self.data_rate.write(w.raw());
        if let Some(cr) = self.coding_rate {
            w.plain_str("codr", cr.as_str());
        }
        w.opt_int("fdev", self.fdev);
        if let Some(v) = self.ipol {
            w.bool("ipol", v);
        }
        w.opt_int("prea", self.prea);
        w.int("size", self.payload.as_slice().len() as u64);
        self.payload.write_base64(w.key("data"));
        if let Some(v) = self.ncrc {
            w.bool("ncrc", v);
        }
        w.end();
        root.end();
    }
}
