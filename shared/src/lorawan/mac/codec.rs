//! Maps (direction, CID) to the per-command codecs: decoding a framed payload into a
//! [`MacCommand`] and emitting one into a caller's buffer. Payload lengths come from
//! [`CID_TABLE`](super::CID_TABLE); each command file checks the length it expects through
//! `reader::array`, and `tests.rs` checks that table and codecs agree.

use super::reader::{array, put};
use super::*;

use Direction::{Downlink, Uplink};
use MacCommand as M;

/// The (direction, CID) pair a command is sent with.
pub(super) fn key(command: &MacCommand) -> (Direction, u8) {
    match command {
        M::ResetInd(_) => (Uplink, 0x01),
        M::ResetConf(_) => (Downlink, 0x01),
        M::LinkCheckReq => (Uplink, 0x02),
        M::LinkCheckAns(_) => (Downlink, 0x02),
        M::LinkAdrAns(_) => (Uplink, 0x03),
        M::LinkAdrReq(_) => (Downlink, 0x03),
        M::DutyCycleAns => (Uplink, 0x04),
        M::DutyCycleReq(_) => (Downlink, 0x04),
        M::RxParamSetupAns(_) => (Uplink, 0x05),
        M::RxParamSetupReq(_) => (Downlink, 0x05),
        M::DevStatusAns(_) => (Uplink, 0x06),
        M::DevStatusReq => (Downlink, 0x06),
        M::NewChannelAns(_) => (Uplink, 0x07),
        M::NewChannelReq(_) => (Downlink, 0x07),
        M::RxTimingSetupAns => (Uplink, 0x08),
        M::RxTimingSetupReq(_) => (Downlink, 0x08),
        M::TxParamSetupAns => (Uplink, 0x09),
        M::TxParamSetupReq(_) => (Downlink, 0x09),
        M::DlChannelAns(_) => (Uplink, 0x0A),
        M::DlChannelReq(_) => (Downlink, 0x0A),
        M::RekeyInd(_) => (Uplink, 0x0B),
        M::RekeyConf(_) => (Downlink, 0x0B),
        M::AdrParamSetupAns => (Uplink, 0x0C),
        M::AdrParamSetupReq(_) => (Downlink, 0x0C),
        M::DeviceTimeReq => (Uplink, 0x0D),
        M::DeviceTimeAns(_) => (Downlink, 0x0D),
        M::ForceRejoinReq(_) => (Downlink, 0x0E),
        M::RejoinParamSetupAns(_) => (Uplink, 0x0F),
        M::RejoinParamSetupReq(_) => (Downlink, 0x0F),
        M::PingSlotInfoReq(_) => (Uplink, 0x10),
        M::PingSlotInfoAns => (Downlink, 0x10),
        M::PingSlotChannelAns(_) => (Uplink, 0x11),
        M::PingSlotChannelReq(_) => (Downlink, 0x11),
        M::BeaconTimingReq => (Uplink, 0x12),
        M::BeaconTimingAns(_) => (Downlink, 0x12),
        M::BeaconFreqAns(_) => (Uplink, 0x13),
        M::BeaconFreqReq(_) => (Downlink, 0x13),
        M::DeviceModeInd(_) => (Uplink, 0x20),
        M::DeviceModeConf(_) => (Downlink, 0x20),
    }
}

/// Decodes the payload `p` (already framed by the table's length) of `cid` sent in `direction`.
pub(super) fn decode(direction: Direction, cid: u8, p: &[u8]) -> Result<MacCommand, MacError> {
    Ok(match (direction, cid) {
        (Uplink, 0x01) => M::ResetInd(ResetInd::from_wire(array(cid, p)?)),
        (Downlink, 0x01) => M::ResetConf(ResetConf::from_wire(array(cid, p)?)),
        (Uplink, 0x02) => M::LinkCheckReq,
        (Downlink, 0x02) => M::LinkCheckAns(LinkCheckAns::from_wire(array(cid, p)?)),
        (Uplink, 0x03) => M::LinkAdrAns(LinkAdrAns::from_wire(array(cid, p)?)),
        (Downlink, 0x03) => M::LinkAdrReq(LinkAdrReq::from_wire(array(cid, p)?)),
        (Uplink, 0x04) => M::DutyCycleAns,
        (Downlink, 0x04) => M::DutyCycleReq(DutyCycleReq::from_wire(array(cid, p)?)),
        (Uplink, 0x05) => M::RxParamSetupAns(RxParamSetupAns::from_wire(array(cid, p)?)),
        (Downlink, 0x05) => M::RxParamSetupReq(RxParamSetupReq::from_wire(array(cid, p)?)),
        (Uplink, 0x06) => M::DevStatusAns(DevStatusAns::from_wire(array(cid, p)?)),
        (Downlink, 0x06) => M::DevStatusReq,
        (Uplink, 0x07) => M::NewChannelAns(NewChannelAns::from_wire(array(cid, p)?)),
        (Downlink, 0x07) => M::NewChannelReq(NewChannelReq::from_wire(array(cid, p)?)),
        (Uplink, 0x08) => M::RxTimingSetupAns,
        (Downlink, 0x08) => M::RxTimingSetupReq(RxTimingSetupReq::from_wire(array(cid, p)?)),
        (Uplink, 0x09) => M::TxParamSetupAns,
        (Downlink, 0x09) => M::TxParamSetupReq(TxParamSetupReq::from_wire(array(cid, p)?)),
        (Uplink, 0x0A) => M::DlChannelAns(DlChannelAns::from_wire(array(cid, p)?)),
        (Downlink, 0x0A) => M::DlChannelReq(DlChannelReq::from_wire(array(cid, p)?)),
        (Uplink, 0x0B) => M::RekeyInd(RekeyInd::from_wire(array(cid, p)?)),
        (Downlink, 0x0B) => M::RekeyConf(RekeyConf::from_wire(array(cid, p)?)),
        (Uplink, 0x0C) => M::AdrParamSetupAns,
        (Downlink, 0x0C) => M::AdrParamSetupReq(AdrParamSetupReq::from_wire(array(cid, p)?)),
        (Uplink, 0x0D) => M::DeviceTimeReq,
        (Downlink, 0x0D) => M::DeviceTimeAns(DeviceTimeAns::from_wire(array(cid, p)?)),
        (Downlink, 0x0E) => M::ForceRejoinReq(ForceRejoinReq::from_wire(array(cid, p)?)),
        (Uplink, 0x0F) => M::RejoinParamSetupAns(RejoinParamSetupAns::from_wire(array(cid, p)?)),
        (Downlink, 0x0F) => M::RejoinParamSetupReq(RejoinParamSetupReq::from_wire(array(cid, p)?)),
        (Uplink, 0x10) => M::PingSlotInfoReq(PingSlotInfoReq::from_wire(array(cid, p)?)),
        (Downlink, 0x10) => M::PingSlotInfoAns,
        (Uplink, 0x11) => M::PingSlotChannelAns(PingSlotChannelAns::from_wire(array(cid, p)?)),
        (Downlink, 0x11) => M::PingSlotChannelReq(PingSlotChannelReq::from_wire(array(cid, p)?)),
        (Uplink, 0x12) => M::BeaconTimingReq,
        (Downlink, 0x12) => M::BeaconTimingAns(BeaconTimingAns::from_wire(array(cid, p)?)),
        (Uplink, 0x13) => M::BeaconFreqAns(BeaconFreqAns::from_wire(array(cid, p)?)),
        (Downlink, 0x13) => M::BeaconFreqReq(BeaconFreqReq::from_wire(array(cid, p)?)),
        (Uplink, 0x20) => M::DeviceModeInd(DeviceModeInd::from_wire(array(cid, p)?)?),
        (Downlink, 0x20) => M::DeviceModeConf(DeviceModeConf::from_wire(array(cid, p)?)?),
        _ => return Err(MacError::UnknownCid { cid, offset: 0 }),
    })
}

/// Writes `command` (CID then payload) at the start of `buf`.
pub(super) fn emit(command: &MacCommand, buf: &mut [u8]) -> Result<usize, MacError> {
    let needed = command.encoded_len();
    let got = buf.len();
    let out = buf
        .get_mut(..needed)
        .ok_or(MacError::BufferTooSmall { needed, got })?;
    let Some((cid_byte, p)) = out.split_first_mut() else {
        return Err(MacError::BufferTooSmall { needed, got });
    };
    *cid_byte = command.cid();
    match command {
        M::LinkCheckReq
        | M::DutyCycleAns
        | M::DevStatusReq
        | M::RxTimingSetupAns
        | M::TxParamSetupAns
        | M::AdrParamSetupAns
        | M::DeviceTimeReq
        | M::PingSlotInfoAns
        | M::BeaconTimingReq => {}
        M::ResetInd(c) => put(p, c.to_wire()?)?,
        M::ResetConf(c) => put(p, c.to_wire()?)?,
        M::LinkCheckAns(c) => put(p, c.to_wire())?,
        M::LinkAdrReq(c) => put(p, c.to_wire()?)?,
        M::LinkAdrAns(c) => put(p, c.to_wire())?,
        M::DutyCycleReq(c) => put(p, c.to_wire()?)?,
        M::RxParamSetupReq(c) => put(p, c.to_wire()?)?,
        M::RxParamSetupAns(c) => put(p, c.to_wire())?,
        M::DevStatusAns(c) => put(p, c.to_wire()?)?,
        M::NewChannelReq(c) => put(p, c.to_wire()?)?,
        M::NewChannelAns(c) => put(p, c.to_wire())?,
        M::RxTimingSetupReq(c) => put(p, c.to_wire()?)?,
        M::TxParamSetupReq(c) => put(p, c.to_wire()?)?,
        M::DlChannelReq(c) => put(p, c.to_wire()?)?,
        M::DlChannelAns(c) => put(p, c.to_wire())?,
        M::RekeyInd(c) => put(p, c.to_wire()?)?,
        M::RekeyConf(c) => put(p, c.to_wire()?)?,
        M::AdrParamSetupReq(c) => put(p, c.to_wire()?)?,
        M::DeviceTimeAns(c) => put(p, c.to_wire())?,
        M::ForceRejoinReq(c) => put(p, c.to_wire()?)?,
        M::RejoinParamSetupReq(c) => put(p, c.to_wire()?)?,
        M::RejoinParamSetupAns(c) => put(p, c.to_wire())?,
        M::PingSlotInfoReq(c) => put(p, c.to_wire()?)?,
        M::PingSlotChannelReq(c) => put(p, c.to_wire()?)?,
        M::PingSlotChannelAns(c) => put(p, c.to_wire())?,
        M::BeaconTimingAns(c) => put(p, c.to_wire())?,
        M::BeaconFreqReq(c) => put(p, c.to_wire()?)?,
        M::BeaconFreqAns(c) => put(p, c.to_wire())?,
        M::DeviceModeInd(c) => put(p, c.to_wire())?,
        M::DeviceModeConf(c) => put(p, c.to_wire())?,
    }
    Ok(needed)
}
