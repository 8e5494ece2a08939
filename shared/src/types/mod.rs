//! Identifiers and keys of LoRaWAN: EUIs, DevAddr, NetID, AES-128 keys and the MAC version.
//!
//! Byte order is explicit: `from_wire_bytes`/`to_wire_bytes` use the little-endian order of the
//! air interface (LoRaWAN 1.1 §4); `from_be_bytes` and the textual forms use the big-endian order
//! people read (`70B3D57ED0000001`).

mod dev_addr;
mod direction;
mod eui;
mod hexfmt;
mod key;
mod mac_version;
mod net_id;

pub use dev_addr::{DevAddr, DevAddrPrefix};
pub use direction::Direction;
pub use eui::{DevEui, Eui64, JoinEui};
pub use hexfmt::ParseHexError;
pub use key::{Aes128Key, AppKey, AppSKey, NwkKey};
pub use mac_version::{MacVersion, UnknownMacVersion};
pub use net_id::NetId;
