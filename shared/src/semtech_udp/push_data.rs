//! PUSH_DATA's JSON body (PROTOCOL.TXT v2 §4): the `rxpk` array of received packets, with the
//! per-antenna `rsig` objects of v2 (SX1301 v2 / Kerlink `jver` 2) forwarders, and the optional
//! `stat` object (in `stat.rs`). Unknown members are ignored; required ones are checked after
//! deserialization so a missing one is named (`MissingField("freq")`).

use super::fields::{CodingRate, CrcStatus, DataRate, Datr, InlineBytes, Payload, freq_to_hz};
use super::json::ObjectWriter;
use super::stat::{Stat, StatJson};
use super::{UdpError, UtcTime};
use serde::Deserialize;
use std::borrow::Cow;

/// Encrypted fine timestamp bytes (`etime`, 16 bytes on Kerlink gateways).
pub type EncryptedTime = InlineBytes<32>;

/// PUSH_DATA's body: received packets and/or gateway status.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PushData {
    /// Received packets (`rxpk`); empty when the body has none.
    pub rxpk: Vec<RxPk>,
    /// Gateway status (`stat`).
    pub stat: Option<Stat>,
}

/// One received packet (`rxpk` element).
#[derive(Debug, Clone, PartialEq)]
pub struct RxPk {
    /// UTC time of reception (`time`, ISO 8601 compact).
    pub time: Option<UtcTime>,
    /// GPS time of reception in milliseconds since 1980-01-06 (`tmms`).
    pub tmms: Option<u64>,
    /// Concentrator microsecond counter at "RX finished" (`tmst`, required).
    pub tmst: u32,
    /// Fine timestamp in nanoseconds into the second (`ftime`); out-of-range values read as `None`.
    pub ftime: Option<u32>,
    /// Centre frequency in Hz (`freq` is MHz on the wire, required).
    pub freq_hz: u64,
    /// Concentrator IF channel (`chan`).
    pub chan: Option<u8>,
    /// Concentrator RF chain (`rfch`).
    pub rfch: Option<u8>,
    /// Concentrator board (`brd`, multi-board gateways).
    pub brd: Option<u32>,
    /// CRC status (`stat`).
    pub crc: Option<CrcStatus>,
    /// Modulation and data rate (`modu` + `datr`, required).
    pub data_rate: DataRate,
    /// Coding rate (`codr`, required for LoRa).
    pub coding_rate: Option<CodingRate>,
    /// Channel RSSI in dBm (`rssi`).
    pub rssi: Option<i16>,
    /// Signal RSSI in dBm (`rssis`, SX1302).
    pub rssis: Option<i16>,
    /// LoRa SNR in dB (`lsnr`).
    pub lsnr: Option<f32>,
    /// Frequency offset in Hz (`foff`).
    pub foff: Option<i32>,
    /// The frame (`data`, base64 on the wire, checked against `size` when present; required).
    pub payload: Payload,
    /// Per-antenna signal information (`rsig`, v2 forwarders); empty when absent.
    pub rsig: Vec<RSig>,
}

/// Received signal information for one antenna (`rsig` element).
#[derive(Debug, Clone, PartialEq)]
pub struct RSig {
    /// Antenna number (`ant`, required).
    pub ant: u8,
    /// IF channel (`chan`, required).
    pub chan: u8,
    /// Channel RSSI in dBm (`rssic`).
    pub rssic: Option<i16>,
    /// Signal RSSI in dBm (`rssis`).
    pub rssis: Option<i16>,
    /// Standard deviation of the RSSI during the preamble (`rssisd`).
    pub rssisd: Option<u16>,
    /// LoRa SNR in dB (`lsnr`).
    pub lsnr: Option<f32>,
    /// Encrypted fine timestamp (`etime`, base64 on the wire).
    pub etime: Option<EncryptedTime>,
    /// Fine timestamp in nanoseconds (`ftime`); out-of-range values (Kerlink's -1) read as `None`.
    pub ftime: Option<u32>,
    /// Frequency offset in Hz (`foff`).
    pub foff: Option<i32>,
    /// Fine timestamp status (`ftstat`).
    pub ftstat: Option<u8>,
    /// Fine timestamp version (`ftver`).
    pub ftver: Option<u8>,
    /// Nanoseconds between the main and the alternative fine timestamp (`ftdelta`).
    pub ftdelta: Option<i32>,
}

/// PUSH_DATA's body as it appears in JSON (members optional, strings borrowed); public so that
/// benchmarks can run other JSON parsers over the same shape. Validate with [`PushData::from_json`].
#[derive(Debug, Deserialize)]
pub struct PushDataJson<'a> {
    #[serde(borrow, default)]
    rxpk: Option<Vec<RxPkJson<'a>>>,
    #[serde(borrow, default)]
    stat: Option<StatJson<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RxPkJson<'a> {
    #[serde(borrow)]
    pub(crate) time: Option<Cow<'a, str>>,
    pub(crate) tmms: Option<u64>,
    pub(crate) tmst: Option<u32>,
    pub(crate) ftime: Option<i64>,
    pub(crate) freq: Option<f64>,
    pub(crate) chan: Option<u8>,
    pub(crate) rfch: Option<u8>,
    pub(crate) brd: Option<u32>,
    pub(crate) stat: Option<i8>,
    #[serde(borrow)]
    pub(crate) modu: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) datr: Option<Datr<'a>>,
    #[serde(borrow)]
    pub(crate) codr: Option<Cow<'a, str>>,
    pub(crate) rssi: Option<i16>,
    pub(crate) rssis: Option<i16>,
    pub(crate) lsnr: Option<f32>,
    pub(crate) foff: Option<i32>,
    pub(crate) size: Option<u16>,
    #[serde(borrow)]
    pub(crate) data: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) rsig: Option<Vec<RSigJson<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RSigJson<'a> {
    pub(crate) ant: Option<u8>,
    pub(crate) chan: Option<u8>,
    pub(crate) rssic: Option<i16>,
    pub(crate) rssis: Option<i16>,
    pub(crate) rssisd: Option<u16>,
    pub(crate) lsnr: Option<f32>,
    #[serde(borrow)]
    pub(crate) etime: Option<Cow<'a, str>>,
    pub(crate) ftime: Option<i64>,
    pub(crate) foff: Option<i32>,
    pub(crate) ftstat: Option<u8>,
    pub(crate) ftver: Option<u8>,
    pub(crate) ftdelta: Option<i32>,
}

/// A fine timestamp in `0..1e9` ns, or `None`.
fn fine_time(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
        .filter(|&v| v < 1_000_000_000)
}

/// Decodes a required base64 payload and checks it against `size`.
pub(crate) fn payload(data: Option<&str>, size: Option<u16>) -> Result<Payload, UdpError> {
    let p = Payload::from_base64(data.ok_or(UdpError::MissingField("data"))?, "data")?;
    match size {
        Some(size) if usize::from(size) != p.as_slice().len() => Err(UdpError::SizeMismatch {
            size,
            decoded: p.as_slice().len(),
        }),
        _ => Ok(p),
    }
}

/// Reads `modu` + `datr` + `codr`, requiring `codr` for LoRa.
pub(crate) fn radio(
    modu: Option<&str>,
    datr: Option<&Datr<'_>>,
    codr: Option<&str>,
) -> Result<(DataRate, Option<CodingRate>), UdpError> {
    let modu = modu.ok_or(UdpError::MissingField("modu"))?;
    let dr = DataRate::from_wire(modu, datr.ok_or(UdpError::MissingField("datr"))?)?;
    let cr = codr.map(CodingRate::parse).transpose()?;
    if matches!(dr, DataRate::Lora { .. }) && cr.is_none() {
        return Err(UdpError::MissingField("codr"));
    }
    Ok((dr, cr))
}

impl PushData {
    /// Validates a deserialized body.
    pub fn from_json(j: PushDataJson<'_>) -> Result<Self, UdpError> {
        let rxpk = j
            .rxpk
            .unwrap_or_default()
            .into_iter()
            .map(RxPk::from_json)
            .collect::<Result<_, _>>()?;
        let stat = j.stat.map(Stat::from_json).transpose()?;
        Ok(Self { rxpk, stat })
    }

    /// Appends the JSON body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), UdpError> {
        let mut w = ObjectWriter::begin(out);
        if !self.rxpk.is_empty() {
            let out = w.key("rxpk");
            out.push(b'[');
            for (i, p) in self.rxpk.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                p.emit(out)?;
            }
            out.push(b']');
        }
        if let Some(stat) = &self.stat {
            stat.emit(w.key("stat"))?;
        }
        w.end();
        Ok(())
    }
}

impl RxPk {
    pub(crate) fn from_json(j: RxPkJson<'_>) -> Result<Self, UdpError> {
        let (data_rate, coding_rate) =
            radio(j.modu.as_deref(), j.datr.as_ref(), j.codr.as_deref())?;
        let time = match j.time.as_deref() {
            Some(t) => Some(UtcTime::parse_compact(t).ok_or(UdpError::InvalidField("time"))?),
            None => None,
        };
        Ok(Self {
            time,
            tmms: j.tmms,
            tmst: j.tmst.ok_or(UdpError::MissingField("tmst"))?,
            ftime: fine_time(j.ftime),
            freq_hz: freq_to_hz(j.freq.ok_or(UdpError::MissingField("freq"))?, "freq")?,
            chan: j.chan,
            rfch: j.rfch,
            brd: j.brd,
            crc: j.stat.map(CrcStatus::from_wire).transpose()?,
            data_rate,
            coding_rate,
            rssi: j.rssi,
            rssis: j.rssis,
            lsnr: j.lsnr,
            foff: j.foff,
            payload: payload(j.data.as_deref(), j.size)?,
            rsig: j
                .rsig
                .unwrap_or_default()
                .into_iter()
                .map(RSig::from_json)
                .collect::<Result<_, _>>()?,
        })
    }

    /// Appends this packet as a JSON object.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), UdpError> {
        let mut w = ObjectWriter::begin(out);
        if let Some(t) = self.time {
            w.plain_str("time", &t.to_compact());
        }
        w.opt_int("tmms", self.tmms);
        w.int("tmst", self.tmst);
        w.opt_int("ftime", self.ftime);
        w.freq("freq", self.freq_hz);
        w.opt_int("chan", self.chan);
        w.opt_int("rfch", self.rfch);
        w.opt_int("brd", self.brd);
        w.opt_int("stat", self.crc.map(CrcStatus::to_wire));
        self.data_rate.write(w.raw());
        if let Some(cr) = self.coding_rate {
            w.plain_str("codr", cr.as_str());
        }
        w.opt_int("rssi", self.rssi);
        w.opt_int("rssis", self.rssis);
        if let Some(v) = self.lsnr {
            w.float32("lsnr", v)?;
        }
        w.opt_int("foff", self.foff);
        w.int("size", self.payload.as_slice().len() as u64);
        self.payload.write_base64(w.key("data"));
        if !self.rsig.is_empty() {
            let out = w.key("rsig");
            out.push(b'[');
            for (i, r) in self.rsig.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                r.emit(out)?;
            }
            out.push(b']');
        }
        w.end();
        Ok(())
    }
}

impl RSig {
    fn from_json(j: RSigJson<'_>) -> Result<Self, UdpError> {
        let etime = j
            .etime
            .as_deref()
            .map(|e| EncryptedTime::from_base64(e, "etime"))
            .transpose()?;
        Ok(Self {
            ant: j.ant.ok_or(UdpError::MissingField("ant"))?,
            chan: j.chan.ok_or(UdpError::MissingField("chan"))?,
            rssic: j.rssic,
            rssis: j.rssis,
            rssisd: j.rssisd,
            lsnr: j.lsnr,
            etime,
            ftime: fine_time(j.ftime),
            foff: j.foff,
            ftstat: j.ftstat,
            ftver: j.ftver,
            ftdelta: j.ftdelta,
        })
    }

    fn emit(&self, out: &mut Vec<u8>) -> Result<(), UdpError> {
        let mut w = ObjectWriter::begin(out);
        w.int("ant", self.ant);
        w.int("chan", self.chan);
        w.opt_int("rssic", self.rssic);
        w.opt_int("rssis", self.rssis);
        w.opt_int("rssisd", self.rssisd);
        if let Some(v) = self.lsnr {
            w.float32("lsnr", v)?;
        }
        if let Some(e) = &self.etime {
            e.write_base64(w.key("etime"));
        }
        w.opt_int("ftime", self.ftime);
        w.opt_int("foff", self.foff);
        w.opt_int("ftstat", self.ftstat);
        w.opt_int("ftver", self.ftver);
        w.opt_int("ftdelta", self.ftdelta);
        w.end();
        Ok(())
    }
}
