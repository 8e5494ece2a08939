//! `BeaconTimingReq` / `BeaconTimingAns` (CID 0x12, class B of LoRaWAN 1.0.x; deprecated in
//! LoRaWAN 1.1 §12, where devices find the beacon with `DeviceTimeReq`). The request has no
//! payload; the answer (3 bytes) is `Delay`, a 16-bit little-endian count of 30 ms steps to the
//! next beacon's reserved window, and `Channel`, the beacon channel index.
//!
//! lrwn 4.13 does not know CID 0x12 and treats it as raw bytes; TTS and LoRaMac-node still define it.

/// Payload of `BeaconTimingAns` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BeaconTimingAns {
    /// Time to the next beacon in 30 ms steps.
    pub delay: u16,
    /// Beacon channel index.
    pub channel: u8,
}

impl BeaconTimingAns {
    /// Decodes the 3-byte payload.
    pub fn from_wire(b: [u8; 3]) -> Self {
        Self {
            delay: u16::from_le_bytes([b[0], b[1]]),
            channel: b[2],
        }
    }

    /// Encodes the 3-byte payload (every value fits).
    pub fn to_wire(&self) -> [u8; 3] {
        let [d0, d1] = self.delay.to_le_bytes();
        [d0, d1, self.channel]
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::MacCommand as M;
    use super::super::tests::check;
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_ans() -> impl Strategy<Value = BeaconTimingAns> {
        any::<[u8; 3]>().prop_map(BeaconTimingAns::from_wire)
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go "BeaconTimingReq" / "BeaconTimingAns".
            ("tts BeaconTimingReq", M::BeaconTimingReq, &[0x12]),
            (
                "tts BeaconTimingAns",
                M::BeaconTimingAns(BeaconTimingAns {
                    delay: 0x42FF,
                    channel: 0x42,
                }),
                &[0x12, 0xFF, 0x42, 0x42],
            ),
        ]);
    }

    proptest! {
        #[test]
        fn round_trip(ans in arb_ans()) {
            prop_assert_eq!(BeaconTimingAns::from_wire(ans.to_wire()), ans);
        }
    }
}
