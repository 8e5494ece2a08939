//! `LinkCheckReq` / `LinkCheckAns` (CID 0x02, LoRaWAN 1.0.4 §5.1, 1.1 §5.2): the device asks
//! how well its last uplink was heard. The request has no payload; the answer carries `Margin`
//! (dB above the demodulation floor, 0..254; 255 reserved) and `GwCnt`, one byte each.

/// Payload of `LinkCheckAns` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkCheckAns {
    /// Link margin in dB of the last `LinkCheckReq` (0..254; 255 is reserved).
    pub margin: u8,
    /// Number of gateways that received the last `LinkCheckReq`.
    pub gw_cnt: u8,
}

impl LinkCheckAns {
    /// Decodes the 2-byte payload.
    pub fn from_wire(b: [u8; 2]) -> Self {
        Self {
            margin: b[0],
            gw_cnt: b[1],
        }
    }

    /// Encodes the 2-byte payload (every value fits).
    pub fn to_wire(&self) -> [u8; 2] {
        [self.margin, self.gw_cnt]
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::MacCommand as M;
    use super::super::tests::check;
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_ans() -> impl Strategy<Value = LinkCheckAns> {
        any::<[u8; 2]>().prop_map(LinkCheckAns::from_wire)
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go "LinkCheckReq" / "LinkCheckAns".
            ("tts LinkCheckReq", M::LinkCheckReq, &[0x02]),
            (
                "tts LinkCheckAns 20 dB 3 gw",
                M::LinkCheckAns(LinkCheckAns {
                    margin: 20,
                    gw_cnt: 3,
                }),
                &[0x02, 20, 3],
            ),
            // lrwn 4.13 maccommand.rs test_command.
            (
                "lrwn LinkCheckAns 10 dB 15 gw",
                M::LinkCheckAns(LinkCheckAns {
                    margin: 10,
                    gw_cnt: 15,
                }),
                &[0x02, 0x0A, 0x0F],
            ),
        ]);
    }

    proptest! {
        #[test]
        fn round_trip(ans in arb_ans()) {
            prop_assert_eq!(LinkCheckAns::from_wire(ans.to_wire()), ans);
        }
    }
}
