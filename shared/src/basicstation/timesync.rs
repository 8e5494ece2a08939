//! `timesync` in both directions (Basic Station docs "The LNS Protocol" §Timesync; `src/s2e.c`
//! `handle_timesync`, `src/timesync.c`). The station sends its monotonic `txtime` (µs); the
//! server echoes it with the GPS time at reception, from which the station estimates its GPS
//! offset. The server may also push `{xtime, gpstime}` pairs it learned from GPS-synchronised
//! uplinks, or just a `MuxTime` (TTS `lbslns/downstream.go` `TransferTime`).

use super::BasicStationError;
use super::json::ObjectWriter;
use super::time::{XTime, unix_micros_to_gps};

/// Station → server `{"msgtype":"timesync","txtime":…}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeSyncRequest {
    /// Station's monotonic time in µs at sending (`txtime`; TTS tests send fractions, so kept
    /// as a number and echoed unchanged).
    pub txtime: f64,
}

impl TimeSyncRequest {
    /// The answer for a request received at `now_unix_us` (server UTC, microseconds).
    pub fn respond(&self, now_unix_us: i64) -> TimeSyncDown {
        TimeSyncDown::Response {
            txtime: self.txtime,
            gpstime: unix_micros_to_gps(now_unix_us),
            mux_time: None,
        }
    }

    /// Appends the message.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), BasicStationError> {
        let mut w = ObjectWriter::message(out, "timesync");
        w.float("txtime", self.txtime)?;
        w.end();
        Ok(())
    }
}

/// Server → station `timesync`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeSyncDown {
    /// Answer to a [`TimeSyncRequest`].
    Response {
        /// The request's `txtime`, echoed.
        txtime: f64,
        /// GPS time in µs when the server received the request.
        gpstime: i64,
        /// Server time (`MuxTime`, fractional Unix seconds), if sent.
        mux_time: Option<f64>,
    },
    /// Server-initiated transfer: this concentrator time was this GPS time.
    Transfer {
        /// Concentrator time (session and radio unit of a recent uplink).
        xtime: XTime,
        /// GPS time in µs at `xtime`.
        gpstime: i64,
        /// Server time (`MuxTime`), if sent.
        mux_time: Option<f64>,
    },
    /// Only the server time, for round-trip measurement (no GPS reference known).
    MuxTime {
        /// Server time (`MuxTime`, fractional Unix seconds).
        mux_time: f64,
    },
}

impl TimeSyncDown {
    /// Appends the message.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), BasicStationError> {
        let mut w = ObjectWriter::message(out, "timesync");
        match *self {
            Self::Response {
                txtime,
                gpstime,
                mux_time,
            } => {
                w.float("txtime", txtime)?;
                w.int("gpstime", gpstime);
                w.opt_float("MuxTime", mux_time)?;
            }
            Self::Transfer {
                xtime,
                gpstime,
                mux_time,
            } => {
                w.int("xtime", xtime.0);
                w.int("gpstime", gpstime);
                w.opt_float("MuxTime", mux_time)?;
            }
            Self::MuxTime { mux_time } => w.float("MuxTime", mux_time)?,
        }
        w.end();
        Ok(())
    }
}
