//! MAC commands: the FOpts / port-0 `FRMPayload` codec of LoRaWAN 1.0.4 §5 and 1.1 §5, the class B
//! commands of LoRaWAN 1.1 §12 (with 1.0.x `BeaconTimingReq/Ans`, deprecated since), and the class
//! C `DeviceModeInd/Conf` of LoRaWAN 1.1 §17.1. Relay commands (TS011, CID 0x40 and up) are out of
//! scope and parse as unknown CIDs.
//!
//! The spec is data: [`CID_TABLE`] has one row per CID with each direction's command name and
//! payload length; the parser takes lengths from it and [`MacCommand::encoded_len`] reads them
//! back. The same CID carries different commands each way (`0x02` uplink is `LinkCheckReq` with no
//! payload, downlink `LinkCheckAns` with two bytes), so every parse names a [`Direction`].
//!
//! [`parse_uplink`] / [`parse_downlink`] iterate over a buffer and yield
//! `Result<MacCommand, MacError>`; they stop after the first error, since after an unknown CID or
//! a truncated command nothing later can be framed. [`MacCommand::emit`] writes the CID and
//! payload into a caller's buffer; [`emit_all`] writes a sequence. No allocation anywhere.
//!
//! Conventions, one per field kind:
//! - RFU bits are ignored when parsing and written as zero when emitting, so
//!   `parse(emit(x)) == x` for every command and re-emitting normalises RFU bits to zero.
//! - Bit fields are `u8` values checked against their width by `emit`
//!   ([`MacError::InvalidField`]); parsing cannot produce an out-of-range value.
//! - Frequencies are `u32` Hz; on air they are 24-bit little-endian multiples of 100 Hz, so emit
//!   rejects values that are not a multiple of 100 Hz or exceed [`MAX_FREQUENCY_HZ`].
//! - Where oracles disagree the choice is written on the command (`ForceRejoinReq` byte order,
//!   `DevStatusAns` margin sign encoding); see `shared/tests/mac_differential.rs`.
//!
//! One file per command holds its payload structs and byte tests; `codec.rs` maps
//! (direction, CID) to them; `reader.rs` holds the bounds-checked helpers.

mod adr_param_setup;
mod beacon_freq;
mod beacon_timing;
mod codec;
mod dev_status;
mod device_mode;
mod device_time;
mod dl_channel;
mod duty_cycle;
mod force_rejoin;
mod link_adr;
mod link_check;
mod new_channel;
mod ping_slot_channel;
mod ping_slot_info;
mod reader;
mod rejoin_param_setup;
mod rekey;
mod reset;
mod rx_param_setup;
mod rx_timing_setup;
mod tx_param_setup;

#[cfg(test)]
mod tests;

pub use adr_param_setup::AdrParamSetupReq;
pub use beacon_freq::{BeaconFreqAns, BeaconFreqReq};
pub use beacon_timing::BeaconTimingAns;
pub use dev_status::DevStatusAns;
pub use device_mode::{DeviceClass, DeviceModeConf, DeviceModeInd};
pub use device_time::{DeviceTimeAns, FRACTION_NANOS};
pub use dl_channel::{DlChannelAns, DlChannelReq};
pub use duty_cycle::DutyCycleReq;
pub use force_rejoin::ForceRejoinReq;
pub use link_adr::{LinkAdrAns, LinkAdrReq};
pub use link_check::LinkCheckAns;
pub use new_channel::{NewChannelAns, NewChannelReq};
pub use ping_slot_channel::{PingSlotChannelAns, PingSlotChannelReq};
pub use ping_slot_info::PingSlotInfoReq;
pub use reader::MAX_FREQUENCY_HZ;
pub use rejoin_param_setup::{RejoinParamSetupAns, RejoinParamSetupReq};
pub use rekey::{RekeyConf, RekeyInd};
pub use reset::{ResetConf, ResetInd};
pub use rx_param_setup::{RxParamSetupAns, RxParamSetupReq};
pub use rx_timing_setup::RxTimingSetupReq;
pub use tx_param_setup::{MAX_EIRP_DBM, TxParamSetupReq};

pub use crate::types::Direction;

/// One direction of a CID: the spec's command name and its payload length (CID excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// Command name as the spec writes it (`LinkADRReq`).
    pub name: &'static str,
    /// Payload length in bytes, not counting the CID byte.
    pub len: u8,
}

/// One row of the CID table: what a CID means uplink and downlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CidDescriptor {
    /// Command identifier.
    pub cid: u8,
    /// The command an end device sends with this CID, if any.
    pub uplink: Option<CommandSpec>,
    /// The command the network sends with this CID, if any.
    pub downlink: Option<CommandSpec>,
}

const fn row(
    cid: u8,
    up: Option<(&'static str, u8)>,
    down: Option<(&'static str, u8)>,
) -> CidDescriptor {
    const fn spec(s: Option<(&'static str, u8)>) -> Option<CommandSpec> {
        match s {
            Some((name, len)) => Some(CommandSpec { name, len }),
            None => None,
        }
    }
    CidDescriptor {
        cid,
        uplink: spec(up),
        downlink: spec(down),
    }
}

/// Every CID of LoRaWAN 1.0.4 and 1.1 (classes A, B and C) with both directions' names and
/// payload lengths (LoRaWAN 1.1 §5 Table 16, §12, §17; 1.0.x class B for 0x12).
pub const CID_TABLE: [CidDescriptor; 20] = [
    row(0x01, Some(("ResetInd", 1)), Some(("ResetConf", 1))),
    row(0x02, Some(("LinkCheckReq", 0)), Some(("LinkCheckAns", 2))),
    row(0x03, Some(("LinkADRAns", 1)), Some(("LinkADRReq", 4))),
    row(0x04, Some(("DutyCycleAns", 0)), Some(("DutyCycleReq", 1))),
    row(
        0x05,
        Some(("RXParamSetupAns", 1)),
        Some(("RXParamSetupReq", 4)),
    ),
    row(0x06, Some(("DevStatusAns", 2)), Some(("DevStatusReq", 0))),
    row(0x07, Some(("NewChannelAns", 1)), Some(("NewChannelReq", 5))),
    row(
        0x08,
        Some(("RXTimingSetupAns", 0)),
        Some(("RXTimingSetupReq", 1)),
    ),
    row(
        0x09,
        Some(("TxParamSetupAns", 0)),
        Some(("TxParamSetupReq", 1)),
    ),
    row(0x0A, Some(("DlChannelAns", 1)), Some(("DlChannelReq", 4))),
    row(0x0B, Some(("RekeyInd", 1)), Some(("RekeyConf", 1))),
    row(
        0x0C,
        Some(("ADRParamSetupAns", 0)),
        Some(("ADRParamSetupReq", 1)),
    ),
    row(0x0D, Some(("DeviceTimeReq", 0)), Some(("DeviceTimeAns", 5))),
    row(0x0E, None, Some(("ForceRejoinReq", 2))),
    row(
        0x0F,
        Some(("RejoinParamSetupAns", 1)),
        Some(("RejoinParamSetupReq", 1)),
    ),
    row(
        0x10,
        Some(("PingSlotInfoReq", 1)),
        Some(("PingSlotInfoAns", 0)),
    ),
    row(
        0x11,
        Some(("PingSlotChannelAns", 1)),
        Some(("PingSlotChannelReq", 4)),
    ),
    row(
        0x12,
        Some(("BeaconTimingReq", 0)),
        Some(("BeaconTimingAns", 3)),
    ),
    row(0x13, Some(("BeaconFreqAns", 1)), Some(("BeaconFreqReq", 3))),
    row(
        0x20,
        Some(("DeviceModeInd", 1)),
        Some(("DeviceModeConf", 1)),
    ),
];

/// `CID_TABLE` row index per CID value (`u8::MAX` = unknown), built at compile time.
const INDEX: [u8; 256] = {
    let mut index = [u8::MAX; 256];
    let mut i = 0;
    while i < CID_TABLE.len() {
        index[CID_TABLE[i].cid as usize] = i as u8;
        i += 1;
    }
    index
};

/// The table row for `cid`, if LoRaWAN 1.0.4/1.1 defines it.
pub fn descriptor(cid: u8) -> Option<&'static CidDescriptor> {
    const TABLE: &[CidDescriptor] = &CID_TABLE;
    TABLE.get(usize::from(INDEX[usize::from(cid)]))
}

/// The command `cid` names in `direction`, if any.
pub fn command_spec(cid: u8, direction: Direction) -> Option<CommandSpec> {
    let d = descriptor(cid)?;
    match direction {
        Direction::Uplink => d.uplink,
        Direction::Downlink => d.downlink,
    }
}

/// Why a MAC command sequence could not be parsed or emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MacError {
    /// A CID with no command in this direction; the rest of the buffer cannot be framed.
    #[error("unknown CID 0x{cid:02X} at offset {offset}")]
    UnknownCid {
        /// The CID byte.
        cid: u8,
        /// Its offset in the parsed buffer.
        offset: usize,
    },
    /// The buffer ends inside a command's payload.
    #[error("CID 0x{cid:02X} needs {needed} payload bytes, {got} left")]
    Truncated {
        /// The command's CID.
        cid: u8,
        /// Payload bytes the command needs.
        needed: usize,
        /// Payload bytes left in the buffer.
        got: usize,
    },
    /// A field holds a value its wire format cannot carry (emit), or an RFU value (parse).
    #[error("invalid {field} in CID 0x{cid:02X}")]
    InvalidField {
        /// The command's CID.
        cid: u8,
        /// The spec's field name.
        field: &'static str,
    },
    /// The output buffer is shorter than the encoding.
    #[error("buffer too small: need {needed} bytes, have {got}")]
    BufferTooSmall {
        /// Bytes the encoding needs.
        needed: usize,
        /// Bytes the buffer has.
        got: usize,
    },
}

/// One MAC command with its typed payload; the variant fixes both CID and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacCommand {
    /// 0x01 up (1.1 §5.1): the device's LoRaWAN minor version after a reset (ABP).
    ResetInd(ResetInd),
    /// 0x01 down (1.1 §5.1): the server's LoRaWAN minor version.
    ResetConf(ResetConf),
    /// 0x02 up (1.0.4 §5.1): asks for link margin and gateway count.
    LinkCheckReq,
    /// 0x02 down (1.0.4 §5.1): margin in dB and gateway count.
    LinkCheckAns(LinkCheckAns),
    /// 0x03 down (1.0.4 §5.2): data rate, TX power, channel mask, NbTrans.
    LinkAdrReq(LinkAdrReq),
    /// 0x03 up (1.0.4 §5.2): which LinkADRReq parts were accepted.
    LinkAdrAns(LinkAdrAns),
    /// 0x04 down (1.0.4 §5.3): aggregated duty-cycle limit.
    DutyCycleReq(DutyCycleReq),
    /// 0x04 up (1.0.4 §5.3): acknowledges DutyCycleReq.
    DutyCycleAns,
    /// 0x05 down (1.0.4 §5.4): RX1 data-rate offset, RX2 data rate and frequency.
    RxParamSetupReq(RxParamSetupReq),
    /// 0x05 up (1.0.4 §5.4): which RXParamSetupReq parts were accepted.
    RxParamSetupAns(RxParamSetupAns),
    /// 0x06 down (1.0.4 §5.5): asks for battery level and margin.
    DevStatusReq,
    /// 0x06 up (1.0.4 §5.5): battery level and demodulation margin.
    DevStatusAns(DevStatusAns),
    /// 0x07 down (1.0.4 §5.6.1): creates, changes or disables a channel.
    NewChannelReq(NewChannelReq),
    /// 0x07 up (1.0.4 §5.6.1): whether frequency and data-rate range were accepted.
    NewChannelAns(NewChannelAns),
    /// 0x08 down (1.0.4 §5.7): RX1 delay.
    RxTimingSetupReq(RxTimingSetupReq),
    /// 0x08 up (1.0.4 §5.7): acknowledges RXTimingSetupReq.
    RxTimingSetupAns,
    /// 0x09 down (1.0.4 §5.8): dwell times and maximum EIRP.
    TxParamSetupReq(TxParamSetupReq),
    /// 0x09 up (1.0.4 §5.8): acknowledges TxParamSetupReq.
    TxParamSetupAns,
    /// 0x0A down (1.0.4 §5.6.2): moves a channel's RX1 downlink frequency.
    DlChannelReq(DlChannelReq),
    /// 0x0A up (1.0.4 §5.6.2): whether the DlChannelReq was accepted.
    DlChannelAns(DlChannelAns),
    /// 0x0B up (1.1 §5.10): the device's LoRaWAN minor version after an OTAA join.
    RekeyInd(RekeyInd),
    /// 0x0B down (1.1 §5.10): the server's LoRaWAN minor version.
    RekeyConf(RekeyConf),
    /// 0x0C down (1.1 §5.11): ADR_ACK_LIMIT and ADR_ACK_DELAY exponents.
    AdrParamSetupReq(AdrParamSetupReq),
    /// 0x0C up (1.1 §5.11): acknowledges ADRParamSetupReq.
    AdrParamSetupAns,
    /// 0x0D up (1.0.4 §5.9): asks for the network time.
    DeviceTimeReq,
    /// 0x0D down (1.0.4 §5.9): GPS time of the end of the uplink.
    DeviceTimeAns(DeviceTimeAns),
    /// 0x0E down (1.1 §5.13): asks the device to send Rejoin-Requests.
    ForceRejoinReq(ForceRejoinReq),
    /// 0x0F down (1.1 §5.14): periodic Rejoin-Request type 0 limits.
    RejoinParamSetupReq(RejoinParamSetupReq),
    /// 0x0F up (1.1 §5.14): whether the time limit was accepted.
    RejoinParamSetupAns(RejoinParamSetupAns),
    /// 0x10 up (1.1 §12.1, class B): ping-slot periodicity.
    PingSlotInfoReq(PingSlotInfoReq),
    /// 0x10 down (1.1 §12.1, class B): acknowledges PingSlotInfoReq.
    PingSlotInfoAns,
    /// 0x11 down (1.1 §12.3, class B): ping-slot frequency and data rate.
    PingSlotChannelReq(PingSlotChannelReq),
    /// 0x11 up (1.1 §12.3, class B): which PingSlotChannelReq parts were accepted.
    PingSlotChannelAns(PingSlotChannelAns),
    /// 0x12 up (1.0.x class B, deprecated in 1.1 §12.4): asks for the next beacon's timing.
    BeaconTimingReq,
    /// 0x12 down (1.0.x class B, deprecated in 1.1 §12.4): delay and channel of the next beacon.
    BeaconTimingAns(BeaconTimingAns),
    /// 0x13 down (1.1 §12.2, class B): beacon frequency.
    BeaconFreqReq(BeaconFreqReq),
    /// 0x13 up (1.1 §12.2, class B): whether the beacon frequency was accepted.
    BeaconFreqAns(BeaconFreqAns),
    /// 0x20 up (1.1 §17.1, class C): the class the device switches to.
    DeviceModeInd(DeviceModeInd),
    /// 0x20 down (1.1 §17.1, class C): the class the server confirms.
    DeviceModeConf(DeviceModeConf),
}

impl MacCommand {
    /// The command's CID.
    pub fn cid(&self) -> u8 {
        codec::key(self).1
    }

    /// Which way the command travels.
    pub fn direction(&self) -> Direction {
        codec::key(self).0
    }

    /// The spec's name for the command, from [`CID_TABLE`].
    pub fn name(&self) -> &'static str {
        let (direction, cid) = codec::key(self);
        command_spec(cid, direction).map_or("?", |s| s.name)
    }

    /// Bytes [`emit`](Self::emit) writes: the CID plus the table's payload length.
    pub fn encoded_len(&self) -> usize {
        let (direction, cid) = codec::key(self);
        1 + command_spec(cid, direction).map_or(0, |s| usize::from(s.len))
    }

    /// Writes CID and payload at the start of `buf`; returns the number of bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, MacError> {
        codec::emit(self, buf)
    }
}

/// Total encoded length of a command sequence.
pub fn encoded_len_all(commands: &[MacCommand]) -> usize {
    commands.iter().map(MacCommand::encoded_len).sum()
}

/// Writes `commands` back to back at the start of `buf`; returns the number of bytes written.
///
/// ```
/// use shared::lorawan::mac::{emit_all, LinkAdrReq, MacCommand};
///
/// let adr = LinkAdrReq { data_rate: 5, tx_power: 2, ch_mask: 0x00FF, ch_mask_cntl: 0, nb_trans: 1 };
/// let mut fopts = [0u8; 15];
/// let n = emit_all(&[MacCommand::LinkAdrReq(adr), MacCommand::DevStatusReq], &mut fopts)?;
/// assert_eq!(&fopts[..n], &[0x03, 0x52, 0xFF, 0x00, 0x01, 0x06]);
/// # Ok::<(), shared::lorawan::mac::MacError>(())
/// ```
pub fn emit_all(commands: &[MacCommand], buf: &mut [u8]) -> Result<usize, MacError> {
    let needed = encoded_len_all(commands);
    if buf.len() < needed {
        return Err(MacError::BufferTooSmall {
            needed,
            got: buf.len(),
        });
    }
    let mut at = 0;
    for command in commands {
        let rest = buf.get_mut(at..).unwrap_or_default();
        at += command.emit(rest)?;
    }
    Ok(at)
}

/// Iterator over the MAC commands of a buffer; stops after the first error.
#[derive(Debug, Clone)]
pub struct MacCommands<'a> {
    buf: &'a [u8],
    offset: usize,
    direction: Direction,
    failed: bool,
}

impl<'a> MacCommands<'a> {
    /// Offset of the next command, or of the error once one was returned.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The bytes not yet parsed (from the failing command on, after an error).
    pub fn remaining(&self) -> &'a [u8] {
        self.buf.get(self.offset..).unwrap_or_default()
    }
}

impl Iterator for MacCommands<'_> {
    type Item = Result<MacCommand, MacError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let (&cid, rest) = self.remaining().split_first()?;
        let result = match command_spec(cid, self.direction) {
            None => Err(MacError::UnknownCid {
                cid,
                offset: self.offset,
            }),
            Some(spec) => match rest.get(..usize::from(spec.len)) {
                None => Err(MacError::Truncated {
                    cid,
                    needed: usize::from(spec.len),
                    got: rest.len(),
                }),
                Some(payload) => codec::decode(self.direction, cid, payload)
                    .inspect(|_| self.offset += 1 + payload.len()),
            },
        };
        self.failed = result.is_err();
        Some(result)
    }
}

impl core::iter::FusedIterator for MacCommands<'_> {}

/// Parses the MAC commands in `buf` as sent in `direction` (FOpts or a port-0 FRMPayload).
pub fn parse(buf: &[u8], direction: Direction) -> MacCommands<'_> {
    MacCommands {
        buf,
        offset: 0,
        direction,
        failed: false,
    }
}

/// Parses MAC commands sent by an end device.
///
/// ```
/// use shared::lorawan::mac::{parse_uplink, DevStatusAns, MacCommand, MacError};
///
/// // LinkCheckReq, DevStatusAns (battery 255, margin 30 dB), then an unknown CID 0x55.
/// let mut it = parse_uplink(&[0x02, 0x06, 0xFF, 0x1E, 0x55]);
/// assert_eq!(it.next(), Some(Ok(MacCommand::LinkCheckReq)));
/// assert_eq!(it.next(), Some(Ok(MacCommand::DevStatusAns(DevStatusAns { battery: 255, margin: 30 }))));
/// assert_eq!(it.next(), Some(Err(MacError::UnknownCid { cid: 0x55, offset: 4 })));
/// assert_eq!(it.next(), None);
/// ```
pub fn parse_uplink(buf: &[u8]) -> MacCommands<'_> {
    parse(buf, Direction::Uplink)
}

/// Parses MAC commands sent by the network.
pub fn parse_downlink(buf: &[u8]) -> MacCommands<'_> {
    parse(buf, Direction::Downlink)
}
