//! `dnmsg`: a downlink for the station to transmit (Basic Station docs "The LNS Protocol"
//! §Downlink Message; `src/s2e.c` `handle_dnmsg`).
//!
//! Timing as the station applies it: for class A (`dC` 0) and class C (`dC` 2) the server
//! echoes the *uplink's* `xtime` and the station adds `RxDelay` seconds for RX1 and one more
//! for RX2 (an `xtime` of 0 on class C means "as soon as possible on RX2"); RX1 and RX2 are
//! each given as a `DR`+`Freq` pair or left out. For class B (`dC` 1) the server gives the
//! absolute `gpstime` (µs) with a single `DR`/`Freq`. `rctx` defaults to the radio unit in
//! `xtime`; `priority` (0–255) breaks ties between overlapping downlinks.

use super::BasicStationError;
use super::eui::dash;
use super::json::ObjectWriter;
use super::time::XTime;
use crate::semtech_udp::Payload;
use crate::types::{DevEui, Eui64};

/// Device class (`dC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceClass {
    /// Class A (`dC` 0).
    A,
    /// Class B (`dC` 1).
    B,
    /// Class C (`dC` 2).
    C,
}

impl DeviceClass {
    /// The wire value.
    pub const fn to_wire(self) -> u8 {
        match self {
            Self::A => 0,
            Self::B => 1,
            Self::C => 2,
        }
    }
    /// From the wire value.
    pub const fn from_wire(v: i64) -> Option<Self> {
        match v {
            0 => Some(Self::A),
            1 => Some(Self::B),
            2 => Some(Self::C),
            _ => None,
        }
    }
}

/// A data rate and frequency to transmit on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TxWindow {
    /// Data-rate index.
    pub dr: u8,
    /// Frequency in Hz.
    pub freq_hz: u32,
}

/// When the station transmits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnTiming {
    /// Relative to an uplink: RX1 at `xtime + rx_delay` s, RX2 one second later (class A, C).
    Windows {
        /// The uplink's `xtime` (0 on class C: transmit on RX2 as soon as possible).
        xtime: XTime,
        /// RX1 delay in seconds (`RxDelay`, 1–15; the station maps 0 to 1).
        rx_delay: u8,
        /// RX1 parameters (`RX1DR`, `RX1Freq`).
        rx1: Option<TxWindow>,
        /// RX2 parameters (`RX2DR`, `RX2Freq`).
        rx2: Option<TxWindow>,
    },
    /// At an absolute GPS time (class B ping slot): `DR`, `Freq`, `gpstime`.
    Absolute {
        /// GPS time in µs.
        gpstime: i64,
        /// Data rate and frequency.
        window: TxWindow,
    },
}

/// `{"msgtype":"dnmsg", …}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DownlinkMessage {
    /// The device (`DevEui`; the station needs it to send `dntxed`).
    pub dev_eui: DevEui,
    /// Device class (`dC`).
    pub device_class: DeviceClass,
    /// Downlink id echoed in `dntxed` (`diid`).
    pub diid: i64,
    /// The PHYPayload (`pdu`, hex).
    pub pdu: Payload,
    /// Scheduling priority (`priority`, 0–255).
    pub priority: Option<u8>,
    /// Radio unit to transmit on (`rctx`; the uplink's `upinfo.rctx`).
    pub rctx: Option<i64>,
    /// Server time for round-trip measurement (`MuxTime`).
    pub mux_time: Option<f64>,
    /// When to transmit.
    pub timing: DnTiming,
}

impl DownlinkMessage {
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
        let mut w = ObjectWriter::message(out, "dnmsg");
        w.plain_str("DevEui", &dash(Eui64::from_u64(self.dev_eui.to_u64())));
        w.int("dC", self.device_class.to_wire());
        w.int("diid", self.diid);
        w.hex("pdu", self.pdu.as_slice());
        w.opt_int("priority", self.priority);
        w.opt_int("rctx", self.rctx);
        match self.timing {
            DnTiming::Windows {
                xtime,
                rx_delay,
                rx1,
                rx2,
            } => {
                w.int("RxDelay", rx_delay);
                if let Some(r) = rx1 {
                    w.int("RX1DR", r.dr);
                    w.int("RX1Freq", r.freq_hz);
                }
                if let Some(r) = rx2 {
                    w.int("RX2DR", r.dr);
                    w.int("RX2Freq", r.freq_hz);
                }
                w.int("xtime", xtime.0);
            }
            DnTiming::Absolute { gpstime, window } => {
                w.int("DR", window.dr);
                w.int("Freq", window.freq_hz);
                w.int("gpstime", gpstime);
            }
        }
        w.opt_float("MuxTime", self.mux_time)?;
        w.end();
        Ok(())
    }
}
