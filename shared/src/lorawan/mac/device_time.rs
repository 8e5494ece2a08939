//! `DeviceTimeReq` / `DeviceTimeAns` (CID 0x0D, LoRaWAN 1.0.4 §5.9, 1.1 §5.12): the device asks
//! for network time. The request has no payload; the answer (5 bytes) is the GPS time at the end
//! of the uplink that carried the request: 32-bit little-endian seconds since the GPS epoch, then
//! fractional seconds in 1/256 s steps.
//!
//! The `lorawan` 0.9 crate reads the seconds big-endian (`DeviceTimeAnsPayload::seconds`); lrwn,
//! TTS and LoRaMac-node read them little-endian, as this codec does.

/// Nanoseconds per 1/256 s step of the fractional field.
pub const FRACTION_NANOS: u32 = 3_906_250;

/// Payload of `DeviceTimeAns` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceTimeAns {
    /// Whole seconds since the GPS epoch (1980-01-06T00:00:00Z), modulo 2^32.
    pub seconds_since_gps_epoch: u32,
    /// Fractional second in 1/256 s steps.
    pub fractional: u8,
}

impl DeviceTimeAns {
    /// Decodes the 5-byte payload.
    pub fn from_wire(b: [u8; 5]) -> Self {
        Self {
            seconds_since_gps_epoch: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            fractional: b[4],
        }
    }

    /// Encodes the 5-byte payload (every value fits).
    pub fn to_wire(&self) -> [u8; 5] {
        let [s0, s1, s2, s3] = self.seconds_since_gps_epoch.to_le_bytes();
        [s0, s1, s2, s3, self.fractional]
    }

    /// The fractional part in nanoseconds.
    pub fn fractional_nanos(&self) -> u32 {
        u32::from(self.fractional) * FRACTION_NANOS
    }

    /// Builds the answer from GPS time in nanoseconds, truncating to 1/256 s.
    pub fn from_gps_nanos(nanos: u64) -> Self {
        let secs = nanos / 1_000_000_000;
        let sub = (nanos % 1_000_000_000) as u32;
        Self {
            seconds_since_gps_epoch: secs as u32,
            fractional: (sub / FRACTION_NANOS) as u8,
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::MacCommand as M;
    use super::super::tests::check;
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_ans() -> impl Strategy<Value = DeviceTimeAns> {
        any::<[u8; 5]>().prop_map(DeviceTimeAns::from_wire)
    }

    const fn ans(seconds_since_gps_epoch: u32, fractional: u8) -> M {
        M::DeviceTimeAns(DeviceTimeAns {
            seconds_since_gps_epoch,
            fractional,
        })
    }

    #[test]
    fn bytes() {
        check(&[
            ("tts/lrwn DeviceTimeReq", M::DeviceTimeReq, &[0x0D]),
            // TTS pkg/encoding/lorawan/mac_test.go: 0x42ffffff s + 0x42/256 s.
            (
                "tts DeviceTimeAns",
                ans(0x42FF_FFFF, 0x42),
                &[0x0D, 0xFF, 0xFF, 0xFF, 0x42, 0x42],
            ),
            // lrwn 4.13 maccommand.rs: 1 s, and 1 s + 2/256 s.
            ("lrwn 1 s", ans(1, 0), &[0x0D, 0x01, 0x00, 0x00, 0x00, 0x00]),
            (
                "lrwn 1 s + 2/256",
                ans(1, 2),
                &[0x0D, 0x01, 0x00, 0x00, 0x00, 0x02],
            ),
        ]);
        let a = DeviceTimeAns::from_gps_nanos(1_000_000_000 + 2 * u64::from(FRACTION_NANOS) + 1);
        assert_eq!(
            (
                a.seconds_since_gps_epoch,
                a.fractional,
                a.fractional_nanos()
            ),
            (1, 2, 7_812_500)
        );
    }

    proptest! {
        #[test]
        fn round_trip(ans in arb_ans()) {
            prop_assert_eq!(DeviceTimeAns::from_wire(ans.to_wire()), ans);
        }
    }
}
