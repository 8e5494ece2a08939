//! CFList, the optional 16-byte channel list of a join-accept (LoRaWAN 1.0.4 §6.2.5, 1.1
//! §6.2.3; RP002-1.0.x §2.x "CFList"). The last byte is CFListType:
//! - type 0: five 24-bit little-endian frequencies in units of 100 Hz (0 = no channel), then
//!   CFListType;
//! - type 1: channel masks, 16 bits each, little-endian, bit i = channel 16·k + i; seven blocks
//!   fit the 14 bytes before an RFU byte. Regions with fewer blocks (US915: five) leave the rest
//!   zero. The RFU byte is ignored on parse and written as zero.

use super::FrameError;
use super::error::array;

/// Length of a CFList.
pub const CF_LIST_LEN: usize = 16;
/// The largest frequency a type-0 CFList can carry, in Hz.
pub const CF_LIST_MAX_FREQUENCY: u32 = 0xFF_FFFF * 100;

/// A join-accept's channel list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CfList {
    /// CFListType 0: five extra channel frequencies in Hz (0 = unused slot).
    Frequencies([u32; 5]),
    /// CFListType 1: channel mask blocks ChMask0..ChMask6.
    ChannelMasks([u16; 7]),
}

impl CfList {
    /// Parses the 16 CFList bytes.
    pub fn parse(b: &[u8; CF_LIST_LEN]) -> Result<Self, FrameError> {
        match b[15] {
            0 => Ok(Self::Frequencies(std::array::from_fn(|i| {
                let [x, y, z] = array::<3>(b, 3 * i);
                u32::from_le_bytes([x, y, z, 0]) * 100
            }))),
            1 => Ok(Self::ChannelMasks(std::array::from_fn(|i| {
                u16::from_le_bytes(array(b, 2 * i))
            }))),
            t => Err(FrameError::InvalidCfListType(t)),
        }
    }
    /// The CFListType byte.
    pub const fn cf_list_type(&self) -> u8 {
        match self {
            Self::Frequencies(_) => 0,
            Self::ChannelMasks(_) => 1,
        }
    }
    /// Bytes `emit` writes (always 16).
    pub const fn buffer_len(&self) -> usize {
        CF_LIST_LEN
    }
    /// The 16 bytes; fails for a frequency that is not a multiple of 100 Hz or above
    /// [`CF_LIST_MAX_FREQUENCY`].
    pub fn to_bytes(&self) -> Result<[u8; CF_LIST_LEN], FrameError> {
        let mut out = [0u8; CF_LIST_LEN];
        match self {
            Self::Frequencies(fs) => {
                for (chunk, &f) in out.chunks_exact_mut(3).zip(fs) {
                    if f % 100 != 0 || f > CF_LIST_MAX_FREQUENCY {
                        return Err(FrameError::InvalidFrequency(f));
                    }
                    chunk.copy_from_slice(&(f / 100).to_le_bytes()[..3]);
                }
            }
            Self::ChannelMasks(masks) => {
                for (chunk, m) in out.chunks_exact_mut(2).zip(masks) {
                    chunk.copy_from_slice(&m.to_le_bytes());
                }
            }
        }
        out[15] = self.cf_list_type();
        Ok(out)
    }
    /// Writes the 16 bytes into the start of `buf`; returns 16.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, FrameError> {
        let bytes = self.to_bytes()?;
        super::error::out_buf(buf, CF_LIST_LEN)?.copy_from_slice(&bytes);
        Ok(CF_LIST_LEN)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn arb_cf_list() -> impl Strategy<Value = CfList> {
        prop_oneof![
            any::<[u32; 5]>().prop_map(|fs| CfList::Frequencies(fs.map(|f| (f & 0xFF_FFFF) * 100))),
            any::<[u16; 7]>().prop_map(CfList::ChannelMasks),
        ]
    }

    fn bytes(h: &str) -> [u8; 16] {
        hex::decode(h).unwrap().try_into().unwrap()
    }

    #[test]
    fn test_parse() {
        let cases = [
            // TTS pkg/encoding/lorawan/lorawan_test.go TestLoRaWANEncodingRawJoinAcceptPayload
            // "CFListFreq": 0xffff42 × 100 Hz, then 0xffffff × 100 Hz.
            (
                "tts frequencies",
                "42ffffffffffffffffffffff00000000",
                CfList::Frequencies([
                    0xFFFF42 * 100,
                    0xFFFFFF * 100,
                    0xFFFFFF * 100,
                    0xFFFFFF * 100,
                    0,
                ]),
            ),
            // Same file, "CFListChMask": channels 1 and 6 of block 0, then channels 8..95 enabled.
            (
                "tts channel masks",
                "42ffffffffffffffffffffff00000001",
                CfList::ChannelMasks([0xFF42, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0]),
            ),
            // The usual EU868 extra channels 867.1–867.9 MHz (TTN plan): 867100000/100 = 0x844F18.
            (
                "eu868 867.x",
                "184f84e85684b85e84886684586e8400",
                CfList::Frequencies([
                    867_100_000,
                    867_300_000,
                    867_500_000,
                    867_700_000,
                    867_900_000,
                ]),
            ),
        ];
        for (name, h, want) in cases {
            assert_eq!(CfList::parse(&bytes(h)), Ok(want), "{name}");
            assert_eq!(
                want.to_bytes().map(hex::encode),
                Ok(h.to_string()),
                "{name}"
            );
        }
    }

    #[test]
    fn test_errors() {
        assert_eq!(
            CfList::parse(&bytes("00000000000000000000000000000002")),
            Err(FrameError::InvalidCfListType(2))
        );
        let cases = [868_100_050, CF_LIST_MAX_FREQUENCY + 100];
        for f in cases {
            assert_eq!(
                CfList::Frequencies([f, 0, 0, 0, 0]).to_bytes(),
                Err(FrameError::InvalidFrequency(f))
            );
        }
        // The RFU byte of a type-1 list is ignored.
        assert_eq!(
            CfList::parse(&bytes("ff000000000000000000000000007701")),
            Ok(CfList::ChannelMasks([0xFF, 0, 0, 0, 0, 0, 0]))
        );
    }

    proptest! {
        #[test]
        fn round_trip(c in arb_cf_list()) {
            let mut buf = [0u8; 16];
            prop_assert_eq!(c.emit(&mut buf), Ok(16));
            prop_assert_eq!(CfList::parse(&buf), Ok(c));
        }
    }
}
