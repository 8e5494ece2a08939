//! `dnsched`: a list of downlinks at absolute times, for class C/B multicast and beacons the
//! server plans itself (Basic Station docs "The LNS Protocol" §Downlink Schedule; `src/s2e.c`
//! `handle_dnsched`). Each entry needs `DR`, `Freq`, `pdu` and a time: `gpstime` (µs) or
//! `xtime`. The station sends no `dntxed` for these (they carry no DevEui).

use super::BasicStationError;
use super::json::ObjectWriter;
use super::time::XTime;
use crate::semtech_udp::Payload;

/// When a scheduled downlink goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedTime {
    /// GPS time in µs (`gpstime`).
    Gps(i64),
    /// Concentrator time (`xtime`).
    XTime(XTime),
}

/// One `schedule` entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScheduleEntry {
    /// Downlink id (`diid`).
    pub diid: i64,
    /// Priority (`priority`, 0–255).
    pub priority: Option<u8>,
    /// Data-rate index (`DR`).
    pub dr: u8,
    /// Frequency in Hz (`Freq`).
    pub freq_hz: u32,
    /// Transmit time.
    pub time: SchedTime,
    /// PHYPayload (`pdu`, hex).
    pub pdu: Payload,
    /// Radio unit (`rctx`).
    pub rctx: Option<i64>,
}

/// `{"msgtype":"dnsched","schedule":[…]}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DownlinkSchedule {
    /// The downlinks.
    pub schedule: Vec<ScheduleEntry>,
    /// Server time (`MuxTime`).
    pub mux_time: Option<f64>,
}

impl DownlinkSchedule {
    /// Appends the message.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), BasicStationError> {
        let mut w = ObjectWriter::message(out, "dnsched");
        w.opt_float("MuxTime", self.mux_time)?;
        let arr = w.key("schedule");
        arr.push(b'[');
        for (i, e) in self.schedule.iter().enumerate() {
            if i > 0 {
                arr.push(b',');
            }
            let mut o = ObjectWriter::begin(arr);
            o.int("diid", e.diid);
            o.opt_int("priority", e.priority);
            o.int("DR", e.dr);
            o.int("Freq", e.freq_hz);
            match e.time {
                SchedTime::Gps(t) => o.int("gpstime", t),
                SchedTime::XTime(x) => o.int("xtime", x.0),
            }
            o.hex("pdu", e.pdu.as_slice());
            o.opt_int("rctx", e.rctx);
            o.end();
        }
        arr.push(b']');
        w.end();
        Ok(())
    }
}
