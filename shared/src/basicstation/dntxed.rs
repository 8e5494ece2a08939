//! `dntxed`: the station's confirmation that a downlink left the antenna (Basic Station docs
//! "The LNS Protocol" §Transmit Confirmation; `src/s2e.c` `send_dntxed`). A downlink counts as
//! sent only on this message; `diid` names the `dnmsg` it confirms.

use super::BasicStationError;
use super::eui::dash;
use super::json::ObjectWriter;
use super::time::XTime;
use crate::types::{DevEui, Eui64};

/// `{"msgtype":"dntxed", …}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TxConfirmation {
    /// Downlink id of the confirmed `dnmsg` (`diid`; older stations also write it as `seqno`).
    pub diid: i64,
    /// The device the frame was for (`DevEui`).
    pub dev_eui: Option<DevEui>,
    /// Radio unit that transmitted (`rctx`).
    pub rctx: i64,
    /// Concentrator time of transmission (`xtime`).
    pub xtime: XTime,
    /// Station UTC time of transmission, fractional Unix seconds (`txtime`).
    pub txtime: f64,
    /// GPS time of transmission in µs (`gpstime`, 0 without GPS).
    pub gpstime: i64,
    /// Data rate used (`DR`), when the station reports it.
    pub dr: Option<u8>,
    /// Frequency used in Hz (`Freq`), when the station reports it.
    pub freq_hz: Option<u32>,
}

impl TxConfirmation {
    /// Appends the message.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), BasicStationError> {
        let mut w = ObjectWriter::message(out, "dntxed");
        w.int("diid", self.diid);
        w.opt_int("DR", self.dr);
        w.opt_int("Freq", self.freq_hz);
        if let Some(e) = self.dev_eui {
            w.plain_str("DevEui", &dash(Eui64::from_u64(e.to_u64())));
        }
        w.int("rctx", self.rctx);
        w.int("xtime", self.xtime.0);
        w.float("txtime", self.txtime)?;
        w.int("gpstime", self.gpstime);
        w.end();
        Ok(())
    }
}
