//! `LinkADRReq` / `LinkADRAns` (CID 0x03, LoRaWAN 1.0.4 §5.2, 1.1 §5.3): the network sets data
//! rate, TX power, enabled channels and repetitions; the device acknowledges each part.
//!
//! `LinkADRReq` (4 bytes): `DataRate_TXPower` (DR bits 7:4, TXPower 3:0), `ChMask` (16 bits,
//! little-endian, bit n = channel n of the bank `ChMaskCntl` selects), `Redundancy` (bit 7 RFU,
//! `ChMaskCntl` 6:4, `NbTrans` 3:0). `LinkADRAns` (1 byte): bit 2 power ACK, bit 1 data-rate ACK,
//! bit 0 channel-mask ACK, bits 7:3 RFU. RFU bits are ignored on parse and zero on emit.

use super::MacError;
use super::reader::{bit, bits, flag};

const CID: u8 = 0x03;

/// Payload of `LinkADRReq` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkAdrReq {
    /// Data-rate index (4 bits; 0xF = keep the current one, 1.0.4).
    pub data_rate: u8,
    /// TX power index (4 bits; 0xF = keep the current one, 1.0.4).
    pub tx_power: u8,
    /// Channel mask: bit n enables channel n of the selected bank.
    pub ch_mask: u16,
    /// How `ch_mask` applies (3 bits; meaning per region).
    pub ch_mask_cntl: u8,
    /// Transmissions per uplink (4 bits; 0 = keep the current value).
    pub nb_trans: u8,
}

/// Payload of `LinkADRAns` (uplink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkAdrAns {
    /// Bit 2: the TX power was accepted.
    pub power_ack: bool,
    /// Bit 1: the data rate was accepted.
    pub data_rate_ack: bool,
    /// Bit 0: the channel mask was accepted.
    pub channel_mask_ack: bool,
}

impl LinkAdrReq {
    /// Decodes the 4-byte payload.
    pub fn from_wire(b: [u8; 4]) -> Self {
        Self {
            data_rate: b[0] >> 4,
            tx_power: b[0] & 0x0F,
            ch_mask: u16::from_le_bytes([b[1], b[2]]),
            ch_mask_cntl: (b[3] >> 4) & 0x07,
            nb_trans: b[3] & 0x0F,
        }
    }

    /// Encodes the 4-byte payload.
    pub fn to_wire(&self) -> Result<[u8; 4], MacError> {
        let dr = bits(CID, "DataRate", self.data_rate, 4)?;
        let power = bits(CID, "TXPower", self.tx_power, 4)?;
        let cntl = bits(CID, "ChMaskCntl", self.ch_mask_cntl, 3)?;
        let nb = bits(CID, "NbTrans", self.nb_trans, 4)?;
        let [m0, m1] = self.ch_mask.to_le_bytes();
        Ok([dr << 4 | power, m0, m1, cntl << 4 | nb])
    }
}

impl LinkAdrAns {
    /// Decodes the 1-byte status.
    pub fn from_wire(b: [u8; 1]) -> Self {
        Self {
            power_ack: bit(b[0], 2),
            data_rate_ack: bit(b[0], 1),
            channel_mask_ack: bit(b[0], 0),
        }
    }

    /// Encodes the 1-byte status.
    pub fn to_wire(&self) -> [u8; 1] {
        [flag(self.power_ack, 2) | flag(self.data_rate_ack, 1) | flag(self.channel_mask_ack, 0)]
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::{check, check_parse};
    use super::super::{Direction, MacCommand as M};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_req() -> impl Strategy<Value = LinkAdrReq> {
        (0u8..16, 0u8..16, any::<u16>(), 0u8..8, 0u8..16).prop_map(
            |(data_rate, tx_power, ch_mask, ch_mask_cntl, nb_trans)| LinkAdrReq {
                data_rate,
                tx_power,
                ch_mask,
                ch_mask_cntl,
                nb_trans,
            },
        )
    }

    pub(in super::super) fn arb_ans() -> impl Strategy<Value = LinkAdrAns> {
        any::<u8>().prop_map(|b| LinkAdrAns::from_wire([b]))
    }

    const fn ans(power_ack: bool, data_rate_ack: bool, channel_mask_ack: bool) -> M {
        M::LinkAdrAns(LinkAdrAns {
            power_ack,
            data_rate_ack,
            channel_mask_ack,
        })
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go "LinkADRReq": DR 5, power 2, channels 2 and 9,
            // ChMaskCntl 1, NbTrans 1.
            (
                "tts LinkADRReq",
                M::LinkAdrReq(LinkAdrReq {
                    data_rate: 5,
                    tx_power: 2,
                    ch_mask: 0x0204,
                    ch_mask_cntl: 1,
                    nb_trans: 1,
                }),
                &[0x03, 0x52, 0x04, 0x02, 0x11],
            ),
            // lrwn 4.13 maccommand.rs: DR 1, power 2, channel 2, ChMaskCntl 4, NbRep 5.
            (
                "lrwn LinkADRReq",
                M::LinkAdrReq(LinkAdrReq {
                    data_rate: 1,
                    tx_power: 2,
                    ch_mask: 0x0004,
                    ch_mask_cntl: 4,
                    nb_trans: 5,
                }),
                &[0x03, 0x12, 0x04, 0x00, 0x45],
            ),
            (
                "tts LinkADRAns all ack",
                ans(true, true, true),
                &[0x03, 0x07],
            ),
            (
                "lrwn LinkADRAns ch mask",
                ans(false, false, true),
                &[0x03, 0x01],
            ),
            ("lrwn LinkADRAns dr", ans(false, true, false), &[0x03, 0x02]),
            (
                "lrwn LinkADRAns power",
                ans(true, false, false),
                &[0x03, 0x04],
            ),
        ]);
        check_parse(&[
            (
                "Redundancy RFU bit ignored",
                Direction::Downlink,
                &[0x03, 0x52, 0x04, 0x02, 0x91],
                M::LinkAdrReq(LinkAdrReq {
                    data_rate: 5,
                    tx_power: 2,
                    ch_mask: 0x0204,
                    ch_mask_cntl: 1,
                    nb_trans: 1,
                }),
            ),
            (
                "status RFU bits ignored",
                Direction::Uplink,
                &[0x03, 0xF8],
                ans(false, false, false),
            ),
        ]);
        let bad = LinkAdrReq {
            data_rate: 16,
            tx_power: 0,
            ch_mask: 0,
            ch_mask_cntl: 0,
            nb_trans: 0,
        };
        assert_eq!(
            bad.to_wire(),
            Err(MacError::InvalidField {
                cid: CID,
                field: "DataRate"
            })
        );
        let bad = LinkAdrReq {
            ch_mask_cntl: 8,
            data_rate: 0,
            ..bad
        };
        assert_eq!(
            bad.to_wire(),
            Err(MacError::InvalidField {
                cid: CID,
                field: "ChMaskCntl"
            })
        );
    }

    proptest! {
        #[test]
        fn round_trip(req in arb_req(), ans in arb_ans()) {
            prop_assert_eq!(LinkAdrReq::from_wire(req.to_wire().unwrap()), req);
            prop_assert_eq!(LinkAdrAns::from_wire(ans.to_wire()), ans);
        }
    }
}
