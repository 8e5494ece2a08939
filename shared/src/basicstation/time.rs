//! Times of the Basic Station protocol (Basic Station docs "Glossary" and `src/ral.h`,
//! `src/timesync.c`): GPS time in microseconds, the 64-bit `xtime` concentrator clock, and
//! `MuxTime`/`RefTime`/`rxtime` as fractional Unix seconds. Pure arithmetic: no clock is read,
//! the caller passes `now`.
//!
//! **GPS time** counts SI seconds since the GPS epoch 1980-01-06T00:00:00Z with no leap
//! seconds, so GPS = UTC + (leap seconds inserted since 1980). The table below is IERS Bulletin C
//! (the list also published as `leap-seconds.list` by IETF/NIST and by USNO as "GPS-UTC"):
//! TAI-UTC went from 19 s at the GPS epoch to 37 s from 2017-01-01, hence GPS-UTC = 18 s since
//! then; none has been inserted since. A new entry goes at the end of [`LEAP_SECONDS`] when a
//! Bulletin C announces one.
//!
//! **xtime** (`src/ral.h`, "Encoding of xtime"): bit 63 is the sign (always 0), bits 62–56 the
//! radio unit the time stamp came from (`rctx` is this value), bits 55–48 a random session id
//! that changes whenever the concentrator restarts (never 0, so a valid xtime is never 0), bits
//! 47–0 microseconds since the concentrator started. The low 32 bits are the SX1301 `tmst`
//! counter the Semtech UDP protocol carries. A server must echo an uplink's upper 16 bits in
//! the `xtime` of a reply; the station drops a downlink whose session byte is stale.

/// Unix time (seconds) of the GPS epoch, 1980-01-06T00:00:00Z.
pub const GPS_EPOCH_UNIX_SECS: i64 = 315_964_800;

/// Leap seconds since the GPS epoch: `(Unix time the new offset takes effect, GPS-UTC from
/// then on)`, from IERS Bulletin C (see the module doc).
pub const LEAP_SECONDS: [(i64, i64); 18] = [
    (362_793_600, 1),    // 1981-07-01
    (394_329_600, 2),    // 1982-07-01
    (425_865_600, 3),    // 1983-07-01
    (489_024_000, 4),    // 1985-07-01
    (567_993_600, 5),    // 1988-01-01
    (631_152_000, 6),    // 1990-01-01
    (662_688_000, 7),    // 1991-01-01
    (709_948_800, 8),    // 1992-07-01
    (741_484_800, 9),    // 1993-07-01
    (773_020_800, 10),   // 1994-07-01
    (820_454_400, 11),   // 1996-01-01
    (867_715_200, 12),   // 1997-07-01
    (915_148_800, 13),   // 1999-01-01
    (1_136_073_600, 14), // 2006-01-01
    (1_230_768_000, 15), // 2009-01-01
    (1_341_100_800, 16), // 2012-07-01
    (1_435_708_800, 17), // 2015-07-01
    (1_483_228_800, 18), // 2017-01-01
];

/// GPS-UTC in seconds at Unix time `unix_secs` (0 before the first leap second after 1980).
pub fn gps_utc_offset(unix_secs: i64) -> i64 {
    LEAP_SECONDS
        .iter()
        .rev()
        .find(|&&(at, _)| unix_secs >= at)
        .map_or(0, |&(_, off)| off)
}

/// GPS time in microseconds for a Unix time in microseconds.
pub fn unix_micros_to_gps(unix_us: i64) -> i64 {
    let secs = unix_us.div_euclid(1_000_000);
    unix_us - GPS_EPOCH_UNIX_SECS * 1_000_000 + gps_utc_offset(secs) * 1_000_000
}

/// Unix time in microseconds for a GPS time in microseconds. During an inserted leap second
/// (GPS second that UTC writes as 23:59:60) this returns the following second's start.
pub fn gps_to_unix_micros(gps_us: i64) -> i64 {
    let approx = gps_us + GPS_EPOCH_UNIX_SECS * 1_000_000;
    // Find the offset in force at the UTC instant this GPS time names.
    let mut off = 0;
    for &(at, o) in &LEAP_SECONDS {
        if approx - o * 1_000_000 >= at * 1_000_000 {
            off = o;
        }
    }
    approx - off * 1_000_000
}

/// Fractional Unix seconds (`MuxTime`, `RefTime`, `rxtime`) from microseconds.
pub fn unix_micros_to_secs(unix_us: i64) -> f64 {
    unix_us as f64 / 1e6
}

/// Microseconds from fractional Unix seconds, rounded; `None` for NaN or out of range.
pub fn secs_to_unix_micros(secs: f64) -> Option<i64> {
    let us = (secs * 1e6).round();
    (us.is_finite() && us.abs() < 9.0e18).then_some(us as i64)
}

/// A 64-bit `xtime`: radio unit, session and concentrator microseconds (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct XTime(pub i64);

impl XTime {
    const MICROS_MASK: i64 = 0xFFFF_FFFF_FFFF;

    /// Builds from radio unit (7 bits), session (8 bits) and microseconds (48 bits); excess
    /// bits are masked off.
    pub const fn from_parts(txunit: u8, session: u8, micros: u64) -> Self {
        Self(
            ((txunit as i64 & 0x7F) << 56)
                | ((session as i64) << 48)
                | (micros as i64 & Self::MICROS_MASK),
        )
    }
    /// Radio unit (bits 62–56), the `rctx` a reply should name.
    pub const fn txunit(self) -> u8 {
        ((self.0 >> 56) & 0x7F) as u8
    }
    /// Session byte (bits 55–48).
    pub const fn session(self) -> u8 {
        ((self.0 >> 48) & 0xFF) as u8
    }
    /// Microseconds since the concentrator started (bits 47–0).
    pub const fn micros(self) -> u64 {
        (self.0 & Self::MICROS_MASK) as u64
    }
    /// The 32-bit concentrator counter (`tmst` of Semtech UDP).
    pub const fn tmst(self) -> u32 {
        self.0 as u32
    }
    /// The same radio unit and session at `delta_us` microseconds later (wrapping in 48 bits).
    pub const fn add_micros(self, delta_us: i64) -> Self {
        Self((self.0 & !Self::MICROS_MASK) | ((self.0 + delta_us) & Self::MICROS_MASK))
    }
    /// Whether this is a valid xtime (positive: a live session byte is never 0).
    pub const fn is_valid(self) -> bool {
        self.0 > 0 && self.session() != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gps_named_cases() {
        // (name, unix µs, gps µs): TTS `semtechws/time_test.go` TestTimePtrFromUpInfo and the
        // `lbslns/upstream_test.go` FromUplinkDataFrame pair (RxTime 1548059982 ↔ GPSTime
        // 1232095200000000).
        let cases = [
            ("before GPS epoch", 123_456_000, -315_964_676_544_000),
            ("gps 123.456 s", 315_964_923_456_000, 123_456_000),
            (
                "TTS updf RxTime",
                1_548_059_982_000_000,
                1_232_095_200_000_000,
            ),
            ("GPS epoch", GPS_EPOCH_UNIX_SECS * 1_000_000, 0),
            (
                "just before 2017 leap",
                1_483_228_799_000_000,
                1_167_264_016_000_000,
            ),
            ("2017-01-01", 1_483_228_800_000_000, 1_167_264_018_000_000),
        ];
        for (name, unix, gps) in cases {
            assert_eq!(unix_micros_to_gps(unix), gps, "{name} → gps");
            assert_eq!(gps_to_unix_micros(gps), unix, "{name} → unix");
        }
        // The inserted second 2016-12-31T23:59:60 (GPS 1167264017 s) maps to the next second.
        assert_eq!(
            gps_to_unix_micros(1_167_264_017_000_000),
            1_483_228_800_000_000
        );
        assert_eq!(gps_utc_offset(0), 0);
        assert_eq!(gps_utc_offset(1_700_000_000), 18);
    }

    #[test]
    fn leap_table_is_ordered_and_on_day_boundaries() {
        let mut prev = (GPS_EPOCH_UNIX_SECS, 0);
        for &(at, off) in &LEAP_SECONDS {
            assert!(at > prev.0 && off == prev.1 + 1, "{at}");
            assert_eq!(at % 86_400, 0, "{at} is midnight UTC");
            prev = (at, off);
        }
    }

    #[test]
    fn xtime_layout() {
        // TTS fixtures: xtime 12666373963464220 carries session 0x2D on radio unit 0.
        let x = XTime(12_666_373_963_464_220);
        assert_eq!((x.txunit(), x.session()), (0, 0x2D));
        assert_eq!(x.tmst(), (12_666_373_963_464_220u64 & 0xFFFF_FFFF) as u32);
        assert_eq!(XTime::from_parts(0, 0x2D, x.micros()), x);
        let y = XTime::from_parts(3, 0x11, 1_553_300_787);
        assert_eq!(
            (y.txunit(), y.session(), y.micros()),
            (3, 0x11, 1_553_300_787)
        );
        assert_eq!(y.add_micros(1_000_000).micros(), 1_554_300_787);
        let wrap = XTime::from_parts(1, 2, 0xFFFF_FFFF_FFFF).add_micros(1);
        assert_eq!((wrap.txunit(), wrap.session(), wrap.micros()), (1, 2, 0));
        assert!(x.is_valid() && !XTime(0).is_valid() && !XTime(-1).is_valid());
        assert_eq!(
            secs_to_unix_micros(1554300787.123456),
            Some(1_554_300_787_123_456)
        );
        assert_eq!(secs_to_unix_micros(f64::NAN), None);
    }
}
