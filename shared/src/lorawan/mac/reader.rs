//! Bounds-checked helpers shared by the command codecs: fixed-size payload reads, 24-bit
//! frequencies (LoRaWAN 1.1 §5.7: `Freq` is a 24-bit little-endian value in units of 100 Hz)
//! and bit-field range checks for `emit`.
//!
//! Nothing here indexes a slice directly, so no helper can panic on short input.

use super::MacError;

/// Largest frequency a 24-bit `Freq` field can carry, in Hz.
pub const MAX_FREQUENCY_HZ: u32 = 0x00FF_FFFF * 100;

/// Copies exactly `N` bytes of `payload` into an array, or reports a truncated command.
pub(crate) fn array<const N: usize>(cid: u8, payload: &[u8]) -> Result<[u8; N], MacError> {
    payload
        .get(..N)
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .ok_or(MacError::Truncated {
            cid,
            needed: N,
            got: payload.len(),
        })
}

/// Writes `bytes` at the start of `out`, or reports that `out` is too small.
pub(crate) fn put<const N: usize>(out: &mut [u8], bytes: [u8; N]) -> Result<(), MacError> {
    let got = out.len();
    out.get_mut(..N)
        .ok_or(MacError::BufferTooSmall { needed: N, got })?
        .copy_from_slice(&bytes);
    Ok(())
}

/// Decodes a 24-bit little-endian `Freq` field into Hz.
pub(crate) fn frequency_from_wire(b: [u8; 3]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], 0]) * 100
}

/// Encodes Hz as a 24-bit `Freq` field; the value must be a multiple of 100 Hz that fits.
pub(crate) fn frequency_to_wire(
    cid: u8,
    field: &'static str,
    hz: u32,
) -> Result<[u8; 3], MacError> {
    if !hz.is_multiple_of(100) || hz > MAX_FREQUENCY_HZ {
        return Err(MacError::InvalidField { cid, field });
    }
    let [a, b, c, _] = (hz / 100).to_le_bytes();
    Ok([a, b, c])
}

/// Checks that `value` fits in a `bits`-wide field before it is packed for `emit`.
pub(crate) fn bits(cid: u8, field: &'static str, value: u8, bits: u32) -> Result<u8, MacError> {
    if u32::from(value) >> bits == 0 {
        Ok(value)
    } else {
        Err(MacError::InvalidField { cid, field })
    }
}

/// Sets bit `n` when `flag` is true.
pub(crate) fn flag(flag: bool, n: u32) -> u8 {
    u8::from(flag) << n
}

/// Reads bit `n` of `b`.
pub(crate) fn bit(b: u8, n: u32) -> bool {
    (b >> n) & 1 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequency_cases() {
        // (name, Hz, wire bytes): lrwn maccommand.rs DlChannelReq case, TTS mac_test.go 0x42ffff.
        let cases: [(&str, u32, [u8; 3]); 4] = [
            ("eu868 868.1 MHz", 868_100_000, [0x28, 0x76, 0x84]),
            ("tts 0x42ffff", 0x42_FFFF * 100, [0xFF, 0xFF, 0x42]),
            ("zero disables", 0, [0, 0, 0]),
            ("max", MAX_FREQUENCY_HZ, [0xFF, 0xFF, 0xFF]),
        ];
        for (name, hz, wire) in cases {
            assert_eq!(frequency_to_wire(0x07, "Freq", hz), Ok(wire), "{name}");
            assert_eq!(frequency_from_wire(wire), hz, "{name}");
        }
    }

    #[test]
    fn frequency_rejects() {
        for hz in [868_100_050, MAX_FREQUENCY_HZ + 100, u32::MAX] {
            assert!(frequency_to_wire(0x07, "Freq", hz).is_err(), "{hz}");
        }
    }

    #[test]
    fn short_reads_are_errors() {
        assert_eq!(
            array::<4>(0x03, &[1, 2]),
            Err(MacError::Truncated {
                cid: 0x03,
                needed: 4,
                got: 2
            })
        );
        assert!(put(&mut [0u8; 1], [1u8, 2]).is_err());
        assert_eq!(
            bits(0x03, "DR", 16, 4),
            Err(MacError::InvalidField {
                cid: 0x03,
                field: "DR"
            })
        );
        assert_eq!(bits(0x03, "DR", 15, 4), Ok(15));
    }
}
