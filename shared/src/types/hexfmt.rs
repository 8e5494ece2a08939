//! Hex text for fixed-size identifiers: upper-case out, either case in, optional `-`/`:` separators.

use std::fmt;

/// Why a hex string did not parse into a fixed-size identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseHexError {
    /// The string holds the wrong number of hex digits.
    #[error("expected {expected} hex digits, got {got}")]
    Length {
        /// Digits the type needs.
        expected: usize,
        /// Digits found.
        got: usize,
    },
    /// A character is neither a hex digit nor an accepted separator.
    #[error("invalid character {0:?}")]
    InvalidChar(char),
}

/// Parses `s` (hex digits with optional `-`, `:` or `_` separators) into exactly `N` bytes.
pub(crate) fn parse<const N: usize>(s: &str) -> Result<[u8; N], ParseHexError> {
    let mut out = [0u8; N];
    let mut nibbles = 0usize;
    for c in s.chars() {
        if matches!(c, '-' | ':' | '_') {
            continue;
        }
        let v = c.to_digit(16).ok_or(ParseHexError::InvalidChar(c))? as u8;
        if nibbles < 2 * N {
            out[nibbles / 2] |= if nibbles % 2 == 0 { v << 4 } else { v };
        }
        nibbles += 1;
    }
    if nibbles != 2 * N {
        return Err(ParseHexError::Length {
            expected: 2 * N,
            got: nibbles,
        });
    }
    Ok(out)
}

/// Writes `bytes` as upper-case hex.
pub(crate) fn write(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(f, "{b:02X}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_separators_and_either_case() {
        assert_eq!(parse::<2>("aB-cd"), Ok([0xAB, 0xCD]));
        assert_eq!(parse::<2>("ab:CD"), Ok([0xAB, 0xCD]));
    }

    #[test]
    fn rejects_bad_length_and_chars() {
        assert_eq!(
            parse::<2>("abc"),
            Err(ParseHexError::Length {
                expected: 4,
                got: 3
            })
        );
        assert_eq!(
            parse::<2>("abcdef"),
            Err(ParseHexError::Length {
                expected: 4,
                got: 6
            })
        );
        assert_eq!(parse::<2>("abxd"), Err(ParseHexError::InvalidChar('x')));
    }
}
