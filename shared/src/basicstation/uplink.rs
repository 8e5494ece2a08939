//! Uplink frames as Basic Station forwards them (Basic Station docs "The LNS Protocol"
//! §Uplink Data Frame / §Join Request / §Proprietary Frame; `src/lora.c`
//! `s2e_parse_lora_frame`): the PHYPayload split into named fields (`updf`, `jreq`) or carried
//! whole (`propdf`), plus the radio metadata every uplink shares.
//!
//! Wire conventions (from `lora.c`): `DevAddr` and `MIC` are the little-endian air bytes read
//! as a *signed* 32-bit integer; `FCnt` and `DevNonce` are the 16-bit air values; `FOpts` and
//! `FRMPayload` are hex; `FPort` is -1 when the frame has none; `FCtrl` is the air byte with its
//! FOptsLen nibble. [`UplinkDataFrame::phy_payload`] and [`JoinRequestFrame::phy_payload`]
//! rebuild the exact PHYPayload from those fields (the data plane needs the bytes for MIC check
//! and deduplication). TTS sends `FCtrl` without the FOptsLen nibble (`getFCtrlAsUint`), so the
//! rebuild always writes the nibble from the `FOpts` length.

use super::BasicStationError;
use super::eui::dash;
use super::json::ObjectWriter;
use super::time::XTime;
use crate::lorawan::{DataFrame, JoinRequest};
use crate::semtech_udp::{InlineBytes, Payload};
use crate::types::{DevAddr, DevEui, Eui64, JoinEui};

/// FOpts bytes (at most 15).
pub type FOptsBytes = InlineBytes<15>;

/// Largest PHYPayload a LoRa frame carries.
pub const MAX_PHY_PAYLOAD_LEN: usize = 255;

/// Reception metadata (`upinfo`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct UpInfo {
    /// Receive context: the radio unit (`rctx`), to be echoed in the reply.
    pub rctx: i64,
    /// Concentrator time of reception (`xtime`).
    pub xtime: XTime,
    /// GPS time of reception in µs (`gpstime`, 0 when the station has no GPS sync).
    pub gpstime: i64,
    /// Fine timestamp in ns (`fts`, -1 or absent: none).
    pub fts: Option<i32>,
    /// RSSI in dBm (`rssi`; Basic Station writes an integer, TTS a float).
    pub rssi: f32,
    /// SNR in dB (`snr`).
    pub snr: f32,
    /// Station's UTC time of reception, fractional Unix seconds (`rxtime`, 0 when absent).
    pub rxtime: f64,
}

/// Fields every uplink carries besides the frame.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RadioMeta {
    /// Station's estimate of the server's `MuxTime` at sending (`RefTime`, 0 when unknown),
    /// for round-trip measurement.
    pub ref_time: f64,
    /// Data-rate index of the region (`DR`); see `DrTable` for (SF, BW).
    pub dr: u8,
    /// Frequency in Hz (`Freq`).
    pub freq_hz: u32,
    /// Reception metadata.
    pub upinfo: UpInfo,
}

/// `updf`: an uplink data frame split into its fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UplinkDataFrame {
    /// MHDR byte (`MHdr`).
    pub mhdr: u8,
    /// Device address (`DevAddr`).
    pub dev_addr: DevAddr,
    /// FCtrl byte (`FCtrl`) as sent; see the module doc for the FOptsLen nibble.
    pub fctrl: u8,
    /// 16-bit frame counter (`FCnt`).
    pub fcnt: u16,
    /// FOpts (`FOpts`, hex).
    pub fopts: FOptsBytes,
    /// FPort (`FPort`, -1 on the wire when absent).
    pub fport: Option<u8>,
    /// FRMPayload (`FRMPayload`, hex, still encrypted).
    pub frm_payload: Payload,
    /// MIC air bytes (`MIC`, little-endian read as a signed 32-bit integer on the wire).
    pub mic: [u8; 4],
    /// Radio metadata.
    pub meta: RadioMeta,
}

/// `jreq`: a join-request split into its fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JoinRequestFrame {
    /// MHDR byte (`MHdr`).
    pub mhdr: u8,
    /// JoinEUI (`JoinEui`, or `JoinEUI` when the server asked for that spelling).
    pub join_eui: JoinEui,
    /// DevEUI (`DevEui` / `DevEUI`).
    pub dev_eui: DevEui,
    /// DevNonce (`DevNonce`).
    pub dev_nonce: u16,
    /// MIC air bytes (`MIC`, signed 32-bit on the wire).
    pub mic: [u8; 4],
    /// Radio metadata.
    pub meta: RadioMeta,
}

/// `propdf`: a proprietary frame, carried whole in `FRMPayload`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProprietaryFrame {
    /// The whole PHYPayload.
    pub payload: Payload,
    /// Radio metadata.
    pub meta: RadioMeta,
}

/// The MIC as Basic Station writes it: the little-endian air bytes as a signed integer.
pub fn mic_to_wire(mic: [u8; 4]) -> i32 {
    i32::from_le_bytes(mic)
}

/// The MIC air bytes from the wire integer (signed, or unsigned as some servers write it).
pub fn mic_from_wire(v: i64) -> Option<[u8; 4]> {
    let v = i32::try_from(v)
        .ok()
        .or_else(|| u32::try_from(v).ok().map(|u| u as i32))?;
    Some(v.to_le_bytes())
}

impl UplinkDataFrame {
    /// Rebuilds the PHYPayload: MHDR | DevAddr | FCtrl (FOptsLen from `fopts`) | FCnt | FOpts |
    /// [FPort | FRMPayload] | MIC.
    pub fn phy_payload(&self) -> Result<Payload, BasicStationError> {
        if self.fport.is_none() && !self.frm_payload.as_slice().is_empty() {
            return Err(BasicStationError::InvalidField("FPort"));
        }
        let fopts = self.fopts.as_slice();
        let frm = self.frm_payload.as_slice();
        let len = 12 + fopts.len() + usize::from(self.fport.is_some()) + frm.len();
        if len > MAX_PHY_PAYLOAD_LEN {
            return Err(BasicStationError::TooLong {
                field: "FRMPayload",
                len,
            });
        }
        let mut buf = [0u8; MAX_PHY_PAYLOAD_LEN];
        let mut w = Cursor {
            buf: &mut buf,
            at: 0,
        };
        w.put(&[self.mhdr]);
        w.put(&self.dev_addr.to_wire_bytes());
        w.put(&[(self.fctrl & 0xF0) | fopts.len() as u8]);
        w.put(&self.fcnt.to_le_bytes());
        w.put(fopts);
        if let Some(p) = self.fport {
            w.put(&[p]);
        }
        w.put(frm);
        w.put(&self.mic);
        let at = w.at;
        Payload::new(buf.get(..at).unwrap_or_default()).ok_or(BasicStationError::TooLong {
            field: "FRMPayload",
            len,
        })
    }

    /// Splits a parsed data frame into `updf` fields (what a simulated station sends).
    pub fn from_frame(frame: &DataFrame<'_>, meta: RadioMeta) -> Self {
        Self {
            mhdr: frame.mhdr().to_byte(),
            dev_addr: frame.dev_addr(),
            fctrl: frame.fctrl().to_byte(),
            fcnt: frame.fcnt(),
            fopts: FOptsBytes::new(frame.fopts()).unwrap_or_default(),
            fport: frame.fport(),
            frm_payload: Payload::new(frame.frm_payload()).unwrap_or_default(),
            mic: frame.mic(),
            meta,
        }
    }

    /// Appends the `updf` message.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), BasicStationError> {
        let mut w = ObjectWriter::message(out, "updf");
        w.int("MHdr", self.mhdr);
        w.int("DevAddr", self.dev_addr.to_u32() as i32);
        w.int("FCtrl", self.fctrl);
        w.int("FCnt", self.fcnt);
        w.hex("FOpts", self.fopts.as_slice());
        w.int("FPort", self.fport.map_or(-1, i16::from));
        w.hex("FRMPayload", self.frm_payload.as_slice());
        w.int("MIC", mic_to_wire(self.mic));
        self.meta.emit(&mut w)?;
        w.end();
        Ok(())
    }
}

impl JoinRequestFrame {
    /// Rebuilds the 23-byte PHYPayload: MHDR | JoinEUI | DevEUI | DevNonce | MIC.
    pub fn phy_payload(&self) -> [u8; 23] {
        let mut buf = [0u8; 23];
        let mut w = Cursor {
            buf: &mut buf,
            at: 0,
        };
        w.put(&[self.mhdr]);
        w.put(&self.join_eui.to_wire_bytes());
        w.put(&self.dev_eui.to_wire_bytes());
        w.put(&self.dev_nonce.to_le_bytes());
        w.put(&self.mic);
        buf
    }

    /// Splits a parsed join-request into `jreq` fields.
    pub fn from_frame(frame: &JoinRequest<'_>, meta: RadioMeta) -> Self {
        Self {
            mhdr: frame.mhdr().to_byte(),
            join_eui: frame.join_eui(),
            dev_eui: frame.dev_eui(),
            dev_nonce: frame.dev_nonce(),
            mic: frame.mic(),
            meta,
        }
    }

    /// Appends the `jreq` message (EUIs in the dash form Basic Station writes).
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), BasicStationError> {
        let mut w = ObjectWriter::message(out, "jreq");
        w.int("MHdr", self.mhdr);
        w.plain_str("JoinEui", &dash(Eui64::from_u64(self.join_eui.to_u64())));
        w.plain_str("DevEui", &dash(Eui64::from_u64(self.dev_eui.to_u64())));
        w.int("DevNonce", self.dev_nonce);
        w.int("MIC", mic_to_wire(self.mic));
        self.meta.emit(&mut w)?;
        w.end();
        Ok(())
    }
}

impl ProprietaryFrame {
    /// Appends the `propdf` message.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), BasicStationError> {
        let mut w = ObjectWriter::message(out, "propdf");
        w.hex("FRMPayload", self.payload.as_slice());
        self.meta.emit(&mut w)?;
        w.end();
        Ok(())
    }
}

impl RadioMeta {
    /// Writes `RefTime`, `DR`, `Freq` and `upinfo`.
    fn emit(&self, w: &mut ObjectWriter<'_>) -> Result<(), BasicStationError> {
        w.float("RefTime", self.ref_time)?;
        w.int("DR", self.dr);
        w.int("Freq", self.freq_hz);
        let u = &self.upinfo;
        let mut inner = ObjectWriter::begin(w.key("upinfo"));
        inner.int("rctx", u.rctx);
        inner.int("xtime", u.xtime.0);
        inner.int("gpstime", u.gpstime);
        inner.opt_int("fts", u.fts);
        inner.float32("rssi", u.rssi)?;
        inner.float32("snr", u.snr)?;
        inner.float("rxtime", u.rxtime)?;
        inner.end();
        Ok(())
    }
}

/// Writes consecutive byte runs into a fixed buffer whose size the caller checked.
struct Cursor<'b> {
    buf: &'b mut [u8],
    at: usize,
}

impl Cursor<'_> {
    fn put(&mut self, b: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.at..self.at + b.len()) {
            dst.copy_from_slice(b);
        }
        self.at += b.len();
    }
}
