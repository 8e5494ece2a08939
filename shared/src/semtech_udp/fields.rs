//! Radio fields shared by `rxpk` and `txpk` (PROTOCOL.TXT v2 §4 and §6): frequency in MHz,
//! modulation with its data rate (`modu` + `datr`), coding rate (`codr`), CRC status (`stat`)
//! and base64 payloads held inline (a LoRa or FSK frame is at most 255 bytes).

use super::UdpError;
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::de::{self, Deserializer, Visitor};
use std::borrow::Cow;
use std::fmt;

/// Standard alphabet; padding optional and stray trailing bits tolerated on input (PROTOCOL.TXT
/// §6 "padding optional"; its own txpk example ends in non-zero trailing bits), padding written
/// on output (§4 "padded").
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Highest accepted frequency; anything above is not a LoRa channel (and guards the conversion).
const MAX_FREQ_HZ: u64 = 10_000_000_000;

/// Converts a `freq` in MHz (a JSON float with Hz precision) to whole hertz.
pub(crate) fn freq_to_hz(mhz: f64, field: &'static str) -> Result<u64, UdpError> {
    let hz = (mhz * 1e6).round();
    if !hz.is_finite() || hz <= 0.0 || hz > MAX_FREQ_HZ as f64 {
        return Err(UdpError::InvalidField(field));
    }
    Ok(hz as u64)
}

/// Up to `N` bytes held inline: payloads and encrypted fine timestamps without a heap allocation.
#[derive(Clone, Copy)]
pub struct InlineBytes<const N: usize> {
    len: usize,
    buf: [u8; N],
}

/// A radio frame payload (`data`), at most 255 bytes.
pub type Payload = InlineBytes<255>;

impl<const N: usize> InlineBytes<N> {
    /// Copies `b`; `None` when it is longer than `N`.
    pub fn new(b: &[u8]) -> Option<Self> {
        let mut buf = [0u8; N];
        buf.get_mut(..b.len())?.copy_from_slice(b);
        Some(Self { len: b.len(), buf })
    }
    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
    /// Decodes base64 text from field `field`.
    pub(crate) fn from_base64(s: &str, field: &'static str) -> Result<Self, UdpError> {
        let mut buf = [0u8; N];
        match B64.decode_slice(s.as_bytes(), &mut buf) {
            Ok(len) => Ok(Self { len, buf }),
            Err(base64::DecodeSliceError::OutputSliceTooSmall) => Err(UdpError::TooLong {
                field,
                len: base64::decoded_len_estimate(s.len()),
            }),
            Err(base64::DecodeSliceError::DecodeError(_)) => Err(UdpError::InvalidBase64(field)),
        }
    }
    /// Appends the padded base64 text, quoted.
    pub(crate) fn write_base64(&self, out: &mut Vec<u8>) {
        out.push(b'"');
        let start = out.len();
        out.resize(start + base64::encoded_len(self.len, true).unwrap_or(0), 0);
        let n = B64
            .encode_slice(self.as_slice(), &mut out[start..])
            .unwrap_or(0);
        out.truncate(start + n);
        out.push(b'"');
    }
}

impl<const N: usize> Default for InlineBytes<N> {
    fn default() -> Self {
        Self {
            len: 0,
            buf: [0; N],
        }
    }
}
impl<const N: usize> PartialEq for InlineBytes<N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}
impl<const N: usize> Eq for InlineBytes<N> {}
impl<const N: usize> fmt::Debug for InlineBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice()
            .iter()
            .try_for_each(|b| write!(f, "{b:02X}"))
    }
}

/// Modulation and data rate (`modu` with `datr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataRate {
    /// `"modu":"LORA"`, `"datr":"SF7BW125"`.
    Lora {
        /// Spreading factor, 5–12.
        spreading_factor: u8,
        /// Bandwidth in kHz (125, 250, 500; 800/1600 at 2.4 GHz).
        bandwidth_khz: u16,
    },
    /// `"modu":"FSK"`, `"datr":50000` (bits per second).
    Fsk {
        /// Bit rate in bits per second.
        bitrate: u32,
    },
}

/// The `datr` field as sent: a string for LoRa, a number for FSK.
#[derive(Debug)]
pub(crate) enum Datr<'a> {
    Text(Cow<'a, str>),
    Number(u64),
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Datr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Datr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a LoRa data rate string or an FSK bit rate")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Datr::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Datr::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Datr::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map(Datr::Number)
                    .map_err(|_| E::custom("negative datr"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                if v.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&v) {
                    Ok(Datr::Number(v as u64))
                } else {
                    Err(E::custom("fractional datr"))
                }
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl DataRate {
    /// Builds from `modu` and `datr`.
    pub(crate) fn from_wire(modu: &str, datr: &Datr<'_>) -> Result<Self, UdpError> {
        match (modu, datr) {
            ("LORA", Datr::Text(s)) => Self::parse_lora(s).ok_or(UdpError::InvalidField("datr")),
            ("FSK", Datr::Number(n)) => match u32::try_from(*n) {
                Ok(bitrate) if bitrate > 0 => Ok(Self::Fsk { bitrate }),
                _ => Err(UdpError::InvalidField("datr")),
            },
            ("LORA" | "FSK", _) => Err(UdpError::InvalidField("datr")),
            _ => Err(UdpError::InvalidField("modu")),
        }
    }

    fn parse_lora(s: &str) -> Option<Self> {
        let rest = s.strip_prefix("SF")?;
        // The first "BW", found bytewise (`split_once` builds a substring searcher per call).
        let at = rest.as_bytes().windows(2).position(|w| w == b"BW")?;
        let (sf, bw) = (rest.get(..at)?, rest.get(at + 2..)?);
        let num = |t: &str| {
            (!t.is_empty() && t.len() <= 4 && t.bytes().all(|c| c.is_ascii_digit()))
                .then(|| t.parse::<u16>().ok())
                .flatten()
        };
        let spreading_factor: u8 = num(sf)?.try_into().ok()?;
        let bandwidth_khz: u16 = num(bw)?;
        ((5..=12).contains(&spreading_factor) && bandwidth_khz > 0).then_some(Self::Lora {
            spreading_factor,
            bandwidth_khz,
        })
    }

    /// Appends `"modu":…,"datr":…` (without a leading comma).
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        use std::io::Write as _;
        let _ = match *self {
            Self::Lora {
                spreading_factor,
                bandwidth_khz,
            } => {
                write!(
                    out,
                    r#""modu":"LORA","datr":"SF{spreading_factor}BW{bandwidth_khz}""#
                )
            }
            Self::Fsk { bitrate } => write!(out, r#""modu":"FSK","datr":{bitrate}"#),
        };
    }
}

/// LoRa forward error correction rate (`codr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodingRate {
    /// `"4/5"`.
    Cr4_5,
    /// `"4/6"`.
    Cr4_6,
    /// `"4/7"`.
    Cr4_7,
    /// `"4/8"`.
    Cr4_8,
    /// `"OFF"`: the SX1302 forwarder's word for an undefined coding rate.
    Off,
}

impl CodingRate {
    /// Parses the `codr` text.
    pub fn parse(s: &str) -> Result<Self, UdpError> {
        Ok(match s {
            "4/5" => Self::Cr4_5,
            "4/6" | "2/3" => Self::Cr4_6,
            "4/7" => Self::Cr4_7,
            "4/8" | "1/2" => Self::Cr4_8,
            "OFF" => Self::Off,
            _ => return Err(UdpError::InvalidField("codr")),
        })
    }
    /// The `codr` text.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cr4_5 => "4/5",
            Self::Cr4_6 => "4/6",
            Self::Cr4_7 => "4/7",
            Self::Cr4_8 => "4/8",
            Self::Off => "OFF",
        }
    }
}

/// CRC status of a received packet (`stat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrcStatus {
    /// `1`: CRC present and valid.
    Ok,
    /// `-1`: CRC present and wrong.
    Fail,
    /// `0`: no CRC.
    NoCrc,
}

impl CrcStatus {
    /// Reads `stat`.
    pub const fn from_wire(v: i8) -> Result<Self, UdpError> {
        match v {
            1 => Ok(Self::Ok),
            -1 => Ok(Self::Fail),
            0 => Ok(Self::NoCrc),
            _ => Err(UdpError::InvalidField("stat")),
        }
    }
    /// The `stat` number.
    pub const fn to_wire(self) -> i8 {
        match self {
            Self::Ok => 1,
            Self::Fail => -1,
            Self::NoCrc => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freq_cases() {
        let cases = [
            ("protocol.txt", 866.349812, Ok(866_349_812)),
            ("tts uplink", 868.099975, Ok(868_099_975)),
            ("us915", 902.3, Ok(902_300_000)),
            ("2.4 GHz", 2403.0, Ok(2_403_000_000)),
            ("zero", 0.0, Err(UdpError::InvalidField("freq"))),
            ("negative", -868.1, Err(UdpError::InvalidField("freq"))),
            ("huge", 1e300, Err(UdpError::InvalidField("freq"))),
            ("nan", f64::NAN, Err(UdpError::InvalidField("freq"))),
        ];
        for (name, mhz, want) in cases {
            assert_eq!(freq_to_hz(mhz, "freq"), want, "{name}");
        }
    }

    #[test]
    fn datr_cases() {
        let lora = |s: &'static str| Datr::Text(Cow::Borrowed(s));
        let cases = [
            (
                "sf7bw125",
                "LORA",
                lora("SF7BW125"),
                Ok(DataRate::Lora {
                    spreading_factor: 7,
                    bandwidth_khz: 125,
                }),
            ),
            (
                "sf12bw500",
                "LORA",
                lora("SF12BW500"),
                Ok(DataRate::Lora {
                    spreading_factor: 12,
                    bandwidth_khz: 500,
                }),
            ),
            (
                "fsk",
                "FSK",
                Datr::Number(50_000),
                Ok(DataRate::Fsk { bitrate: 50_000 }),
            ),
            (
                "sf13",
                "LORA",
                lora("SF13BW125"),
                Err(UdpError::InvalidField("datr")),
            ),
            (
                "sf signs",
                "LORA",
                lora("SF+7BW125"),
                Err(UdpError::InvalidField("datr")),
            ),
            (
                "no bw",
                "LORA",
                lora("SF7"),
                Err(UdpError::InvalidField("datr")),
            ),
            (
                "lora number",
                "LORA",
                Datr::Number(5),
                Err(UdpError::InvalidField("datr")),
            ),
            (
                "fsk string",
                "FSK",
                lora("50000"),
                Err(UdpError::InvalidField("datr")),
            ),
            (
                "fsk zero",
                "FSK",
                Datr::Number(0),
                Err(UdpError::InvalidField("datr")),
            ),
            (
                "lr-fhss",
                "LR-FHSS",
                lora("M0CW137"),
                Err(UdpError::InvalidField("modu")),
            ),
        ];
        for (name, modu, datr, want) in cases {
            assert_eq!(DataRate::from_wire(modu, &datr), want, "{name}");
        }
    }

    #[test]
    fn base64_cases() {
        let p = Payload::from_base64("VEVTVF9QQUNLRVRfMTIzNA==", "data").unwrap();
        assert_eq!(p.as_slice(), b"TEST_PACKET_1234");
        let unpadded =
            Payload::from_base64("H3P3N2i9qc4yt7rK7ldqoeCVJGBybzPY5h1Dd7P7p8v", "data").unwrap();
        assert_eq!(unpadded.as_slice().len(), 32);
        // PROTOCOL.TXT's first rxpk example uses '-', outside the standard alphabet.
        let bad = Payload::from_base64("-DS4CGaDCdG+48eJNM3Vai-zDpsR71Pn9CPA9uCON84", "data");
        assert_eq!(bad, Err(UdpError::InvalidBase64("data")));
        let long = "A".repeat(400);
        assert!(matches!(
            Payload::from_base64(&long, "data"),
            Err(UdpError::TooLong { field: "data", .. })
        ));
        let mut out = Vec::new();
        p.write_base64(&mut out);
        assert_eq!(out, b"\"VEVTVF9QQUNLRVRfMTIzNA==\"");
    }
}
