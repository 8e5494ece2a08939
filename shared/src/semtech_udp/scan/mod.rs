//! The PUSH_DATA fast path (PROTOCOL.TXT v2 §4): a scanner specialised for the `rxpk` schema
//! that walks the JSON body once, without allocating (beyond `rsig` lists, as the serde path),
//! into a caller's reused [`PushData`], then validates each `rxpk` with the very code the serde
//! path runs (`RxPk::from_json`), so the two can only differ in tokenizing.
//!
//! It takes on the forms packet forwarders send: objects, escape-free keys and known string
//! values, every JSON number form (classified as serde_json 1.0 classifies them, [`cursor`]),
//! `null` for absent members, whitespace anywhere, and unknown members of any shape (skipped
//! and checked as serde_json checks an ignored value, escapes included). Everything else —
//! the `stat` object, escapes inside a key or a known string, structs written as arrays,
//! duplicate members, invalid input of any kind — is a [`ScanMiss`], and
//! [`PushData::parse_into`] then runs the serde path, whose answer (value or error) is the
//! reference. Agreement is checked by a differential proptest (`tests/scan.rs`), the fixtures,
//! and the `push_data_scan` fuzz target (serde accepts whatever the scanner accepts, with an
//! equal value).
//!
//! Measured on the ingress benchmark's load (one 246-byte SX1302-style rxpk per datagram):
//! callgrind, 30k datagrams, same binary: serde path 12.1k instructions per datagram, scanner
//! 8.0k (with `RxPk::from_json`'s validation, ~1.7k, shared by both). Wall clock, same run
//! (`cargo run --release -p bench --bin ingress -- --only inproc --parser both`, 2-vCPU dev VM
//! under load ~4, median of 5): Semtech UDP ingress alone 2916 → 1651 ns per datagram (x1.77)
//! at k = 1, 2491 → 1520 ns (x1.64) at k = 3. The per-byte loop (whitespace, strings, digits)
//! is most of what is left; an eight-bytes-a-step string search measured no better on these
//! short strings.

mod cursor;

use super::UdpError;
use super::fields::Datr;
use super::json;
use super::push_data::{PushData, RSigJson, RxPk, RxPkJson};
use cursor::{Cursor, Num, R};
use std::borrow::Cow;

/// The fast path declined the body: it is invalid, or uses a form left to the serde path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanMiss;

impl PushData {
    /// Parses a PUSH_DATA JSON body (the bytes after the 12-byte header) into `out`, reusing its
    /// `rxpk` vector: the scanner first, the serde path when it declines. Same value and same
    /// error as [`PushData::parse_serde`]; on error `out` is left empty.
    pub fn parse_into(body: &[u8], out: &mut PushData) -> Result<(), UdpError> {
        if Self::scan_into(body, out).is_ok() {
            return Ok(());
        }
        out.rxpk.clear();
        out.stat = None;
        let parsed = Self::parse_serde(body)?;
        out.rxpk.extend(parsed.rxpk);
        out.stat = parsed.stat;
        Ok(())
    }

    /// Parses a PUSH_DATA JSON body with serde_json (the reference path of `Packet::parse`).
    pub fn parse_serde(body: &[u8]) -> Result<PushData, UdpError> {
        PushData::from_json(json::from_slice(json::trim_body(body))?)
    }

    /// The scanner alone: fills `out` or declines ([`ScanMiss`], `out` then unspecified).
    pub fn scan_into(body: &[u8], out: &mut PushData) -> Result<(), ScanMiss> {
        out.rxpk.clear();
        out.stat = None;
        let mut c = Cursor::new(json::trim_body(body));
        let mut seen_rxpk = false;
        c.members(|c, key| match key {
            b"rxpk" => {
                once_flag(&mut seen_rxpk)?;
                if c.null() {
                    return Ok(());
                }
                c.elements(|c| {
                    let rx = RxPk::from_json(rxpk(c)?).map_err(|_| ScanMiss)?;
                    out.rxpk.push(rx);
                    Ok(())
                })
            }
            // Status reports come every 30 s or so: the serde path reads them.
            b"stat" => Err(ScanMiss),
            _ => unknown(c, key),
        })?;
        if c.at_end() { Ok(()) } else { Err(ScanMiss) }
    }
}

fn once_flag(seen: &mut bool) -> R<()> {
    if std::mem::replace(seen, true) {
        Err(ScanMiss) // serde derive: "duplicate field"
    } else {
        Ok(())
    }
}

/// A key of at most 8 bytes packed little-endian into a `u64` (0 for longer keys, which no known
/// member has); keys hold no NUL (control characters are refused), so packing is one-to-one.
const fn pack(key: &[u8]) -> u64 {
    let mut v = 0u64;
    let mut i = 0;
    while i < key.len() && i < 8 {
        v |= (key[i] as u64) << (8 * i);
        i += 1;
    }
    if key.len() > 8 { 0 } else { v }
}

fn packed(key: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    match w.get_mut(..key.len()) {
        Some(dst) if !key.is_empty() => {
            dst.copy_from_slice(key);
            u64::from_le_bytes(w)
        }
        _ => 0,
    }
}

/// Known member names, packed.
#[allow(missing_docs)]
mod k {
    use super::pack;
    macro_rules! keys {
        ($($name:ident = $text:literal),* $(,)?) => { $(pub(super) const $name: u64 = pack($text);)* };
    }
    keys!(
        TIME = b"time",
        TMMS = b"tmms",
        TMST = b"tmst",
        FTIME = b"ftime",
        FREQ = b"freq",
        CHAN = b"chan",
        RFCH = b"rfch",
        BRD = b"brd",
        STAT = b"stat",
        MODU = b"modu",
        DATR = b"datr",
        CODR = b"codr",
        RSSI = b"rssi",
        RSSIS = b"rssis",
        LSNR = b"lsnr",
        FOFF = b"foff",
        SIZE = b"size",
        DATA = b"data",
        RSIG = b"rsig",
        ANT = b"ant",
        RSSIC = b"rssic",
        RSSISD = b"rssisd",
        ETIME = b"etime",
        FTSTAT = b"ftstat",
        FTVER = b"ftver",
        FTDELTA = b"ftdelta",
    );
}

/// Marks member `bit` seen; a second occurrence is serde's "duplicate field".
fn once(seen: &mut u32, bit: u32) -> R<()> {
    let m = 1u32 << bit;
    if *seen & m != 0 {
        return Err(ScanMiss);
    }
    *seen |= m;
    Ok(())
}

/// A known member: marks it seen and reads its value with `read`.
fn field<'a, T>(
    c: &mut Cursor<'a>,
    seen: &mut u32,
    bit: u32,
    slot: &mut Option<T>,
    read: fn(&mut Cursor<'a>) -> R<Option<T>>,
) -> R<()> {
    once(seen, bit)?;
    *slot = read(c)?;
    Ok(())
}

/// An unknown member: its key must be UTF-8 (serde_json reads it as `str`), its value is skipped.
fn unknown(c: &mut Cursor<'_>, key: &[u8]) -> R<()> {
    std::str::from_utf8(key).map_err(|_| ScanMiss)?;
    c.skip_value()
}

/// `Option<integer>`: `null`, or an integer token within `T` (floats are a type error in serde).
fn int<T: TryFrom<u64> + TryFrom<i64>>(c: &mut Cursor<'_>) -> R<Option<T>> {
    if c.null() {
        return Ok(None);
    }
    let v = match c.number()? {
        Num::U(u) => T::try_from(u).ok(),
        Num::I(i) => T::try_from(i).ok(),
        Num::F(_) => None,
    };
    v.map(Some).ok_or(ScanMiss)
}

/// `Option<f32>`: serde casts each number kind straight to `f32`; a value past `f32`'s range
/// is left to serde, which refuses it (found by `mutated_bodies_agree`: `-100e41` as `lsnr`).
fn f32_(c: &mut Cursor<'_>) -> R<Option<f32>> {
    if c.null() {
        return Ok(None);
    }
    let v = match c.number()? {
        Num::U(u) => u as f32,
        Num::I(i) => i as f32,
        Num::F(f) => f as f32,
    };
    if v.is_finite() {
        Ok(Some(v))
    } else {
        Err(ScanMiss)
    }
}

/// `Option<f64>`.
fn f64_(c: &mut Cursor<'_>) -> R<Option<f64>> {
    if c.null() {
        return Ok(None);
    }
    Ok(Some(match c.number()? {
        Num::U(u) => u as f64,
        Num::I(i) => i as f64,
        Num::F(f) => f,
    }))
}

/// `Option<Cow<str>>`, escape-free.
fn str_<'a>(c: &mut Cursor<'a>) -> R<Option<Cow<'a, str>>> {
    if c.null() {
        return Ok(None);
    }
    c.plain_str().map(|s| Some(Cow::Borrowed(s)))
}

/// `datr`: a LoRa data-rate string or an FSK bit rate, as the serde visitor reads it.
fn datr<'a>(c: &mut Cursor<'a>) -> R<Option<Datr<'a>>> {
    if c.null() {
        return Ok(None);
    }
    if c.peek() == Some(b'"') {
        return c.plain_str().map(|s| Some(Datr::Text(Cow::Borrowed(s))));
    }
    match c.number()? {
        Num::U(u) => Ok(Some(Datr::Number(u))),
        Num::I(_) => Err(ScanMiss),
        Num::F(v) if v.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&v) => {
            Ok(Some(Datr::Number(v as u64)))
        }
        Num::F(_) => Err(ScanMiss),
    }
}

/// One `rxpk` object's members.
fn rxpk<'a>(c: &mut Cursor<'a>) -> R<RxPkJson<'a>> {
    let mut j = RxPkJson::default();
    let mut seen = 0u32;
    c.members(|c, key| {
        match packed(key) {
            k::TIME => field(c, &mut seen, 0, &mut j.time, str_)?,
            k::TMMS => field(c, &mut seen, 1, &mut j.tmms, int)?,
            k::TMST => field(c, &mut seen, 2, &mut j.tmst, int)?,
            k::FTIME => field(c, &mut seen, 3, &mut j.ftime, int)?,
            k::FREQ => field(c, &mut seen, 4, &mut j.freq, f64_)?,
            k::CHAN => field(c, &mut seen, 5, &mut j.chan, int)?,
            k::RFCH => field(c, &mut seen, 6, &mut j.rfch, int)?,
            k::BRD => field(c, &mut seen, 7, &mut j.brd, int)?,
            k::STAT => field(c, &mut seen, 8, &mut j.stat, int)?,
            k::MODU => field(c, &mut seen, 9, &mut j.modu, str_)?,
            k::DATR => field(c, &mut seen, 10, &mut j.datr, datr)?,
            k::CODR => field(c, &mut seen, 11, &mut j.codr, str_)?,
            k::RSSI => field(c, &mut seen, 12, &mut j.rssi, int)?,
            k::RSSIS => field(c, &mut seen, 13, &mut j.rssis, int)?,
            k::LSNR => field(c, &mut seen, 14, &mut j.lsnr, f32_)?,
            k::FOFF => field(c, &mut seen, 15, &mut j.foff, int)?,
            k::SIZE => field(c, &mut seen, 16, &mut j.size, int)?,
            k::DATA => field(c, &mut seen, 17, &mut j.data, str_)?,
            k::RSIG => {
                once(&mut seen, 18)?;
                if !c.null() {
                    let mut list = Vec::new();
                    c.elements(|c| {
                        list.push(rsig(c)?);
                        Ok(())
                    })?;
                    j.rsig = Some(list);
                }
            }
            _ => unknown(c, key)?,
        };
        Ok(())
    })?;
    Ok(j)
}

/// One `rsig` object's members.
fn rsig<'a>(c: &mut Cursor<'a>) -> R<RSigJson<'a>> {
    let mut j = RSigJson::default();
    let mut seen = 0u32;
    c.members(|c, key| {
        match packed(key) {
            k::ANT => field(c, &mut seen, 0, &mut j.ant, int)?,
            k::CHAN => field(c, &mut seen, 1, &mut j.chan, int)?,
            k::RSSIC => field(c, &mut seen, 2, &mut j.rssic, int)?,
            k::RSSIS => field(c, &mut seen, 3, &mut j.rssis, int)?,
            k::RSSISD => field(c, &mut seen, 4, &mut j.rssisd, int)?,
            k::LSNR => field(c, &mut seen, 5, &mut j.lsnr, f32_)?,
            k::ETIME => field(c, &mut seen, 6, &mut j.etime, str_)?,
            k::FTIME => field(c, &mut seen, 7, &mut j.ftime, int)?,
            k::FOFF => field(c, &mut seen, 8, &mut j.foff, int)?,
            k::FTSTAT => field(c, &mut seen, 9, &mut j.ftstat, int)?,
            k::FTVER => field(c, &mut seen, 10, &mut j.ftver, int)?,
            k::FTDELTA => field(c, &mut seen, 11, &mut j.ftdelta, int)?,
            _ => unknown(c, key)?,
        };
        Ok(())
    })?;
    Ok(j)
}

#[cfg(test)]
mod tests;
