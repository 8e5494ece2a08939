//! The JSON tokenizer under the PUSH_DATA scanner (RFC 8259 grammar, with serde_json 1.0's
//! choices where the grammar leaves room): whitespace, plain strings, numbers classified as
//! serde_json classifies them, `null`, and skipping any value. It never allocates and never
//! indexes out of bounds; anything it does not take on returns [`ScanMiss`].

use super::ScanMiss;

/// Result of a scanner step.
pub(super) type R<T> = Result<T, ScanMiss>;

/// A JSON number as serde_json 1.0 hands it to a visitor: an integer token is `U` when
/// non-negative and within `u64`, `I` when negative, non-zero and within `i64`; everything else
/// (fractions, exponents, `-0`, integers out of range) is `F` (serde_json `ParserNumber`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Num {
    /// Non-negative integer.
    U(u64),
    /// Negative integer.
    I(i64),
    /// Float.
    F(f64),
}

/// A scanned number token: its text, its sign, its value as (decimal significand, power of
/// ten) when small enough, and whether it is an integer token.
type NumberParts<'a> = (&'a [u8], bool, Option<(u64, i32)>, bool);

/// Deepest nesting of an ignored value the scanner follows (deeper: left to serde).
const MAX_SKIP_DEPTH: u32 = 120;

/// Bytes that end an escape-free string scan: `"`, `\\` and control characters.
const STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Powers of ten exact in `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A read position over a JSON body.
pub(super) struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    /// At the start of `b`.
    pub(super) fn new(b: &'a [u8]) -> Self {
        Self { b, i: 0 }
    }

    /// Whether only whitespace is left.
    pub(super) fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    fn byte(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.byte() {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    pub(super) fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.byte()
    }

    /// Consumes `c` (after whitespace).
    pub(super) fn expect(&mut self, c: u8) -> R<()> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(ScanMiss)
        }
    }

    /// Consumes `null` when it comes next.
    pub(super) fn null(&mut self) -> bool {
        if self.peek() == Some(b'n') && self.b.get(self.i..self.i + 4) == Some(b"null") {
            self.i += 4;
            true
        } else {
            false
        }
    }

    /// A string without escapes: the bytes between the quotes. Control characters are invalid
    /// JSON; escapes are left to serde (they change the text). One table lookup per byte (the
    /// strings are short: measured faster here than eight bytes per step).
    pub(super) fn plain_bytes(&mut self) -> R<&'a [u8]> {
        self.expect(b'"')?;
        let start = self.i;
        let mut j = start;
        loop {
            let c = *self.b.get(j).ok_or(ScanMiss)?;
            if STOP[usize::from(c)] {
                if c != b'"' {
                    return Err(ScanMiss);
                }
                break;
            }
            j += 1;
        }
        self.i = j + 1;
        self.b.get(start..j).ok_or(ScanMiss)
    }

    /// A string without escapes, as UTF-8 (serde_json validates strings it hands out).
    pub(super) fn plain_str(&mut self) -> R<&'a str> {
        std::str::from_utf8(self.plain_bytes()?).map_err(|_| ScanMiss)
    }

    /// Skips a string whose opening quote is consumed, as serde_json ignores one: escapes
    /// checked, control characters refused, UTF-8 not checked.
    fn skip_str_body(&mut self) -> R<()> {
        loop {
            let c = self.byte().ok_or(ScanMiss)?;
            self.i += 1;
            match c {
                b'"' => return Ok(()),
                b'\\' => {
                    let e = self.byte().ok_or(ScanMiss)?;
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            let hex = self.b.get(self.i..self.i + 4).ok_or(ScanMiss)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return Err(ScanMiss);
                            }
                            self.i += 4;
                        }
                        _ => return Err(ScanMiss),
                    }
                }
                0..=0x1F => return Err(ScanMiss),
                _ => {}
            }
        }
    }

    /// Consumes digits, folding them into `m` while it fits; returns how many there were and
    /// whether `m` overflowed.
    fn digits(&mut self, m: &mut u64) -> (u32, bool) {
        let (mut n, mut overflow) = (0, false);
        while let Some(c @ b'0'..=b'9') = self.byte() {
            self.i += 1;
            n += 1;
            match m
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(c - b'0')))
            {
                Some(v) => *m = v,
                None => overflow = true,
            }
        }
        (n, overflow)
    }

    /// Scans a number token in one pass (JSON grammar); returns the token and, when it is small
    /// enough, its value's parts: sign, decimal significand, power of ten, and whether it is an
    /// integer token (no fraction, no exponent).
    fn number_parts(&mut self) -> R<NumberParts<'a>> {
        self.skip_ws();
        let start = self.i;
        let neg = self.byte() == Some(b'-');
        if neg {
            self.i += 1;
        }
        let mut m = 0u64;
        let mut overflow = match self.byte() {
            Some(b'0') => {
                self.i += 1;
                if let Some(b'0'..=b'9') = self.byte() {
                    return Err(ScanMiss);
                }
                false
            }
            Some(b'1'..=b'9') => self.digits(&mut m).1,
            _ => return Err(ScanMiss),
        };
        let (mut integer, mut scale) = (true, 0i32);
        if self.byte() == Some(b'.') {
            self.i += 1;
            integer = false;
            let (n, o) = self.digits(&mut m);
            if n == 0 {
                return Err(ScanMiss);
            }
            overflow |= o;
            scale = i32::try_from(n).unwrap_or(i32::MAX);
        }
        let mut exp = 0i32;
        if let Some(b'e' | b'E') = self.byte() {
            self.i += 1;
            integer = false;
            let eneg = match self.byte() {
                Some(b'-') => {
                    self.i += 1;
                    true
                }
                Some(b'+') => {
                    self.i += 1;
                    false
                }
                _ => false,
            };
            let mut e = 0u64;
            let (n, o) = self.digits(&mut e);
            if n == 0 {
                return Err(ScanMiss);
            }
            overflow |= o || e > 10_000;
            let e = i32::try_from(e.min(10_000)).unwrap_or(0);
            exp = if eneg { -e } else { e };
        }
        let token = self.b.get(start..self.i).ok_or(ScanMiss)?;
        let parts = (!overflow).then_some((m, exp.saturating_sub(scale)));
        Ok((token, neg, parts, integer))
    }

    /// Skips a number token.
    fn number_token(&mut self) -> R<()> {
        self.number_parts().map(drop)
    }

    /// A number, classified as serde_json classifies it. Floats are correctly rounded: exactly
    /// (one IEEE operation on exact operands, Clinger's fast path) when the significand fits
    /// 2^53 and the power of ten 10^±22, by `f64::from_str` otherwise; out of `f64` range is
    /// refused (serde_json: "number out of range").
    pub(super) fn number(&mut self) -> R<Num> {
        let (token, neg, parts, integer) = self.number_parts()?;
        match parts {
            Some((sig, _)) if integer => {
                if !neg {
                    return Ok(Num::U(sig));
                }
                let n = (sig as i64).wrapping_neg();
                return Ok(if n < 0 {
                    Num::I(n)
                } else {
                    Num::F(-(sig as f64))
                });
            }
            Some((sig, e)) if sig <= 1 << 53 && (-22..=22).contains(&e) => {
                let p = POW10
                    .get(e.unsigned_abs() as usize)
                    .copied()
                    .ok_or(ScanMiss)?;
                let f = if e < 0 {
                    sig as f64 / p
                } else {
                    sig as f64 * p
                };
                return Ok(Num::F(if neg { -f } else { f }));
            }
            _ => {}
        }
        let text = std::str::from_utf8(token).map_err(|_| ScanMiss)?;
        let f: f64 = text.parse().map_err(|_| ScanMiss)?;
        if f.is_finite() {
            Ok(Num::F(f))
        } else {
            Err(ScanMiss)
        }
    }

    fn literal(&mut self, word: &[u8]) -> R<()> {
        if self.b.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(ScanMiss)
        }
    }

    /// Skips an object key and its colon (inside an ignored object).
    fn skip_key(&mut self) -> R<()> {
        self.expect(b'"')?;
        self.skip_str_body()?;
        self.expect(b':')
    }

    /// Skips one value of any kind, checked as serde_json checks an ignored value.
    pub(super) fn skip_value(&mut self) -> R<()> {
        // Bit `d` of `objects`: whether the container at depth `d` is an object.
        let (mut objects, mut depth) = (0u128, 0u32);
        loop {
            match self.peek().ok_or(ScanMiss)? {
                b'n' => self.literal(b"null")?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'-' | b'0'..=b'9' => {
                    self.number_token()?;
                }
                b'"' => {
                    self.i += 1;
                    self.skip_str_body()?;
                }
                open @ (b'[' | b'{') => {
                    self.i += 1;
                    if depth >= MAX_SKIP_DEPTH {
                        return Err(ScanMiss);
                    }
                    let object = open == b'{';
                    objects = (objects << 1) | u128::from(object);
                    depth += 1;
                    let close = if object { b'}' } else { b']' };
                    if self.peek() != Some(close) {
                        if object {
                            self.skip_key()?;
                        }
                        continue;
                    }
                    self.i += 1;
                    objects >>= 1;
                    depth -= 1;
                }
                _ => return Err(ScanMiss),
            }
            // After a value: close containers until a comma opens the next value.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                let object = objects & 1 == 1;
                match self.peek() {
                    Some(b',') => {
                        self.i += 1;
                        if object {
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(b'}') if object => {}
                    Some(b']') if !object => {}
                    _ => return Err(ScanMiss),
                }
                self.i += 1;
                objects >>= 1;
                depth -= 1;
            }
        }
    }

    /// Walks an object's members, handing each key (escape-free, UTF-8) to `f` with the cursor
    /// before its value; `f` must consume the value.
    pub(super) fn members(&mut self, mut f: impl FnMut(&mut Self, &'a [u8]) -> R<()>) -> R<()> {
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            let key = self.plain_bytes()?;
            self.expect(b':')?;
            f(self, key)?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(ScanMiss),
            }
        }
    }

    /// Walks an array's elements; `f` must consume each.
    pub(super) fn elements(&mut self, mut f: impl FnMut(&mut Self) -> R<()>) -> R<()> {
        self.expect(b'[')?;
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            f(self)?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(ScanMiss),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_classify_like_serde_json() {
        let cases: &[(&str, &str, Option<Num>)] = &[
            ("zero", "0", Some(Num::U(0))),
            ("minus zero is a float", "-0", Some(Num::F(-0.0))),
            ("u64 max", "18446744073709551615", Some(Num::U(u64::MAX))),
            (
                "past u64",
                "18446744073709551616",
                Some(Num::F(18446744073709551616.0)),
            ),
            ("i64 min", "-9223372036854775808", Some(Num::I(i64::MIN))),
            (
                "past i64",
                "-9223372036854775809",
                Some(Num::F(-9223372036854775809.0)),
            ),
            ("fraction", "868.1", Some(Num::F(868.1))),
            ("exponent", "1E+2", Some(Num::F(100.0))),
            ("overflow", "1e400", None),
            ("leading zero", "01", None),
            ("bare minus", "-", None),
            ("dot without digits", "1.", None),
            ("exponent without digits", "1e", None),
            ("plus sign", "+1", None),
        ];
        for &(name, text, want) in cases {
            let mut c = Cursor::new(text.as_bytes());
            let got = c.number().ok().filter(|_| c.at_end());
            assert_eq!(got, want, "{name}");
            if let Some(Num::F(w)) = want {
                assert_eq!(
                    got.map(|g| matches!(g, Num::F(f) if f.to_bits() == w.to_bits())),
                    Some(true),
                    "{name} sign"
                );
            }
        }
    }

    #[test]
    fn skip_value_follows_the_grammar() {
        let cases: [(&str, &[u8], bool); 10] = [
            ("nested", br#"{"a":[1,{"b":"c\u00e9\n"},[]],"d":{}} "#, true),
            ("literals", b"[true,false,null]", true),
            ("invalid utf-8 ignored", b"\"\xff\"", true),
            ("trailing comma", b"[1,]", false),
            ("bad escape", br#""\x""#, false),
            ("control char", b"\"a\x01\"", false),
            ("key not a string", b"{1:2}", false),
            ("unclosed", b"[[1]", false),
            ("mismatched", b"[1}", false),
            ("bad literal", b"nul", false),
        ];
        for (name, text, ok) in cases {
            let mut c = Cursor::new(text);
            assert_eq!(c.skip_value().is_ok() && c.at_end(), ok, "{name}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(
            Cursor::new(deep.as_bytes()).skip_value().is_err(),
            "too deep"
        );
    }
}
