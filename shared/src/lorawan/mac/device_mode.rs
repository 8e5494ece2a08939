//! `DeviceModeInd` / `DeviceModeConf` (CID 0x20, class C, LoRaWAN 1.1 §17.1): the device says
//! which class it switches to and the network confirms. Both carry one `Class` byte: 0x00 class
//! A, 0x02 class C; 0x01 and 0x03..0xFF are RFU and parse as [`MacError::InvalidField`], which
//! stops the FOpts iterator like any malformed command.

use super::MacError;

const CID: u8 = 0x20;

/// Device class named by `DeviceModeInd` / `DeviceModeConf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceClass {
    /// Class A (`Class` = 0x00).
    A,
    /// Class C (`Class` = 0x02).
    C,
}

impl DeviceClass {
    fn from_wire(b: u8) -> Result<Self, MacError> {
        match b {
            0x00 => Ok(Self::A),
            0x02 => Ok(Self::C),
            _ => Err(MacError::InvalidField {
                cid: CID,
                field: "Class",
            }),
        }
    }

    fn to_wire(self) -> u8 {
        match self {
            Self::A => 0x00,
            Self::C => 0x02,
        }
    }
}

/// Payload of `DeviceModeInd` (uplink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceModeInd {
    /// The class the device operates in from now on.
    pub class: DeviceClass,
}

/// Payload of `DeviceModeConf` (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceModeConf {
    /// The class the network confirms.
    pub class: DeviceClass,
}

impl DeviceModeInd {
    /// Decodes the 1-byte payload; RFU class values are errors.
    pub fn from_wire(b: [u8; 1]) -> Result<Self, MacError> {
        Ok(Self {
            class: DeviceClass::from_wire(b[0])?,
        })
    }

    /// Encodes the 1-byte payload.
    pub fn to_wire(&self) -> [u8; 1] {
        [self.class.to_wire()]
    }
}

impl DeviceModeConf {
    /// Decodes the 1-byte payload; RFU class values are errors.
    pub fn from_wire(b: [u8; 1]) -> Result<Self, MacError> {
        Ok(Self {
            class: DeviceClass::from_wire(b[0])?,
        })
    }

    /// Encodes the 1-byte payload.
    pub fn to_wire(&self) -> [u8; 1] {
        [self.class.to_wire()]
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::check;
    use super::super::{MacCommand as M, parse_downlink, parse_uplink};
    use super::*;
    use proptest::prelude::*;

    pub(in super::super) fn arb_class() -> impl Strategy<Value = DeviceClass> {
        prop_oneof![Just(DeviceClass::A), Just(DeviceClass::C)]
    }

    #[test]
    fn bytes() {
        check(&[
            // TTS pkg/encoding/lorawan/mac_test.go and lrwn 4.13 maccommand.rs.
            (
                "tts/lrwn DeviceModeInd A",
                M::DeviceModeInd(DeviceModeInd {
                    class: DeviceClass::A,
                }),
                &[0x20, 0x00],
            ),
            (
                "lrwn DeviceModeInd C",
                M::DeviceModeInd(DeviceModeInd {
                    class: DeviceClass::C,
                }),
                &[0x20, 0x02],
            ),
            (
                "lrwn DeviceModeConf A",
                M::DeviceModeConf(DeviceModeConf {
                    class: DeviceClass::A,
                }),
                &[0x20, 0x00],
            ),
            (
                "tts/lrwn DeviceModeConf C",
                M::DeviceModeConf(DeviceModeConf {
                    class: DeviceClass::C,
                }),
                &[0x20, 0x02],
            ),
        ]);
        let rfu = Err(MacError::InvalidField {
            cid: CID,
            field: "Class",
        });
        for b in [0x01, 0x03, 0xFF] {
            assert_eq!(
                parse_uplink(&[0x20, b, 0x02]).collect::<Vec<_>>(),
                vec![rfu]
            );
            assert_eq!(parse_downlink(&[0x20, b]).collect::<Vec<_>>(), vec![rfu]);
        }
    }

    proptest! {
        #[test]
        fn round_trip(class in arb_class()) {
            let ind = DeviceModeInd { class };
            let conf = DeviceModeConf { class };
            prop_assert_eq!(DeviceModeInd::from_wire(ind.to_wire()), Ok(ind));
            prop_assert_eq!(DeviceModeConf::from_wire(conf.to_wire()), Ok(conf));
        }
    }
}
