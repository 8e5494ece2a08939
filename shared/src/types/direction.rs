//! Link direction, the `Dir` field of the crypto blocks (LoRaWAN 1.1 §4.3.3, §4.4).

/// Which way a frame travels; its value is the `Dir` byte of the A and B0 blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Direction {
    /// End device to network (`Dir` = 0).
    Uplink = 0,
    /// Network to end device (`Dir` = 1).
    Downlink = 1,
}
