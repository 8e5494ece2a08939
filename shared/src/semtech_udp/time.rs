//! Time fields of PROTOCOL.TXT v2: the rxpk `time` in ISO 8601 "compact" form
//! (`2013-03-31T16:21:17.528002Z`) and the stat `time` in "expanded" form
//! (`2014-01-12 08:59:28 GMT`). Civil-date arithmetic is the proleptic Gregorian
//! days-from-civil conversion; no clock is read.

use std::fmt::Write as _;

/// A UTC instant as seconds and nanoseconds since the Unix epoch (no leap seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct UtcTime {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub secs: i64,
    /// Nanoseconds into that second, `0..1_000_000_000`.
    pub nanos: u32,
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    s.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Parses `YYYY-MM-DD?hh:mm:ss` (with `sep` between date and time); returns the instant and the
/// rest of the text.
fn parse_civil(b: &[u8], sep: u8) -> Option<(UtcTime, &[u8])> {
    let (y, mo, d) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    let (h, mi, s) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    let punct = [(4, b'-'), (7, b'-'), (10, sep), (13, b':'), (16, b':')];
    if punct.iter().any(|&(i, c)| b.get(i) != Some(&c)) {
        return None;
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(i64::from(y), mo, d);
    if civil_from_days(days) != (i64::from(y), mo, d) {
        return None; // 31 April and the like
    }
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + s);
    Some((UtcTime { secs, nanos: 0 }, b.get(19..)?))
}

impl UtcTime {
    /// Parses the compact form `YYYY-MM-DDThh:mm:ss[.f{1,9}]Z` (a lower-case `t`/`z` or a
    /// `+00:00` suffix is accepted too).
    pub fn parse_compact(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let (b, sep) = match b.get(10) {
            Some(b'T') => (b, b'T'),
            Some(b't') => (b, b't'),
            _ => return None,
        };
        let (mut t, mut rest) = parse_civil(b, sep)?;
        if let Some((b'.', frac)) = rest.split_first() {
            let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            let v = digits(frac, 0, n)?;
            t.nanos = v * 10u32.pow(9 - n as u32);
            rest = frac.get(n..)?;
        }
        matches!(rest, b"Z" | b"z" | b"+00:00").then_some(t)
    }

    /// Parses the expanded form `YYYY-MM-DD hh:mm:ss GMT` (or `UTC`); falls back to the compact
    /// form, which some forwarders send in `stat` too.
    pub fn parse_expanded(s: &str) -> Option<Self> {
        match parse_civil(s.as_bytes(), b' ') {
            Some((t, b" GMT" | b" UTC")) => Some(t),
            _ => Self::parse_compact(s),
        }
    }

    fn write_civil(self, out: &mut String, sep: char) {
        let (y, m, d) = civil_from_days(self.secs.div_euclid(86_400));
        let sod = self.secs.rem_euclid(86_400);
        let _ = write!(
            out,
            "{y:04}-{m:02}-{d:02}{sep}{:02}:{:02}:{:02}",
            sod / 3600,
            sod % 3600 / 60,
            sod % 60
        );
    }

    /// The compact form, microseconds as the packet forwarder writes them, nanoseconds when the
    /// instant needs them.
    pub fn to_compact(self) -> String {
        let mut s = String::with_capacity(30);
        self.write_civil(&mut s, 'T');
        let _ = if self.nanos.is_multiple_of(1000) {
            write!(s, ".{:06}Z", self.nanos / 1000)
        } else {
            write!(s, ".{:09}Z", self.nanos)
        };
        s
    }

    /// The expanded form (`2014-01-12 08:59:28 GMT`); sub-second digits are dropped.
    pub fn to_expanded(self) -> String {
        let mut s = String::with_capacity(23);
        self.write_civil(&mut s, ' ');
        s.push_str(" GMT");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_cases() {
        let cases = [
            (
                "protocol.txt rxpk",
                "2013-03-31T16:21:17.528002Z",
                Some((1_364_746_877, 528_002_000)),
            ),
            ("no fraction", "1970-01-01T00:00:00Z", Some((0, 0))),
            (
                "nanoseconds",
                "2000-02-29T23:59:59.123456789Z",
                Some((951_868_799, 123_456_789)),
            ),
            (
                "offset suffix",
                "2013-03-31T16:21:17+00:00",
                Some((1_364_746_877, 0)),
            ),
            ("no zone", "2013-03-31T16:21:17.528002", None),
            (
                "ten fraction digits",
                "2013-03-31T16:21:17.1234567890Z",
                None,
            ),
            ("31 April", "2013-04-31T16:21:17Z", None),
            ("hour 24", "2013-03-31T24:00:00Z", None),
            ("short", "2013-03-31T16", None),
            ("non ascii", "2013-03-31T16:21:1é.5Z", None),
        ];
        for (name, s, want) in cases {
            let got = UtcTime::parse_compact(s).map(|t| (t.secs, t.nanos));
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn expanded_cases() {
        let t = UtcTime::parse_expanded("2014-01-12 08:59:28 GMT").unwrap();
        assert_eq!(
            t,
            UtcTime {
                secs: 1_389_517_168,
                nanos: 0
            }
        );
        assert_eq!(t.to_expanded(), "2014-01-12 08:59:28 GMT");
        assert_eq!(
            UtcTime::parse_expanded("2017-06-08 09:40:42 GMT")
                .unwrap()
                .secs,
            1_496_914_842
        );
        assert!(UtcTime::parse_expanded("2014-01-12 08:59:28").is_none());
        assert!(UtcTime::parse_expanded("2014-01-12T08:59:28Z").is_some());
    }

    #[test]
    fn compact_round_trips() {
        for (secs, nanos) in [
            (0, 0),
            (1_364_746_877, 528_002_000),
            (4_102_444_799, 1),
            (-86_400, 999_999_000),
        ] {
            let t = UtcTime { secs, nanos };
            assert_eq!(
                UtcTime::parse_compact(&t.to_compact()),
                Some(t),
                "{}",
                t.to_compact()
            );
        }
        assert_eq!(
            UtcTime {
                secs: 1_364_746_877,
                nanos: 528_002_000
            }
            .to_compact(),
            "2013-03-31T16:21:17.528002Z"
        );
    }
}
