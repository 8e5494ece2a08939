//! Answers to the requests and indications a device sends (LoRaWAN 1.0.4 §5.1 LinkCheck, §5.9
//! DeviceTime; 1.1 §5.1 Reset, §5.10 Rekey; 1.1 §12.1 PingSlotInfo), and which of them oblige
//! the network to send a class A downlink.
//!
//! - `LinkCheckAns`: Margin = the best reception's SNR over the demodulation floor of the
//!   uplink's spreading factor, in whole dB, 0..=254 (255 is reserved); GwCnt = the gateways
//!   deduplication merged (The Things Stack `HandleLinkCheckReq` does the same with its
//!   `demodulationFloor` table).
//! - `DeviceTimeAns`: the GPS time of the uplink, seconds and 1/256 s fractions: the gateway's
//!   GPS timestamp when one reception has it, else the network's receive time converted from
//!   Unix time with the leap-second table.
//! - `ResetInd` (1.1 ABP devices): `ResetConf` with the server's minor version (1) and the MAC
//!   state back to defaults; ignored from 1.0 sessions, which have no such command.
//! - `RekeyInd` (1.1 OTAA): `RekeyConf` with the server's minor version.

use super::state::MacState;
use crate::network::downlink::schedule::demodulation_floor_db;
use crate::network::session::LorawanVersion;
use shared::basicstation::unix_micros_to_gps;
use shared::lorawan::mac::{DeviceTimeAns, LinkCheckAns, MacCommand, RekeyConf, ResetConf};
use shared::region::{Modulation, RegionId};

/// The LoRaWAN minor version this server speaks with 1.1 devices.
pub const SERVER_MINOR: u8 = 1;

/// What one uplink tells the answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UplinkFacts {
    /// Full FCntUp.
    pub fcnt: u32,
    /// Data-rate index, when known.
    pub data_rate: Option<u8>,
    /// Best SNR among the receptions.
    pub max_snr_db: Option<f32>,
    /// Gateways that heard it (after deduplication).
    pub gateway_count: u16,
    /// GPS time of reception in microseconds since the GPS epoch.
    pub gps_time_us: i64,
    /// FCtrl.ADR.
    pub adr: bool,
    /// FCtrl.ADRACKReq.
    pub adr_ack_req: bool,
}

/// The GPS time (µs) of an uplink: a gateway's GPS timestamp, else `unix_ms` converted.
pub fn gps_time_us(gateway_gps_ms: Option<u64>, unix_ms: u64) -> i64 {
    match gateway_gps_ms {
        Some(ms) => i64::try_from(ms).unwrap_or(i64::MAX / 1000) * 1000,
        None => unix_micros_to_gps(i64::try_from(unix_ms).unwrap_or(0).saturating_mul(1000)),
    }
}

/// The LinkCheckAns for an uplink in `region`.
pub fn link_check(region: RegionId, up: &UplinkFacts) -> LinkCheckAns {
    let floor = up
        .data_rate
        .and_then(|dr| region.band().data_rate(dr))
        .and_then(|r| match r.modulation {
            Modulation::LoRa {
                spreading_factor, ..
            } => demodulation_floor_db(spreading_factor),
            _ => None,
        })
        .unwrap_or(0.0);
    let margin = up
        .max_snr_db
        .map_or(0.0, |snr| (snr - floor).floor().clamp(0.0, 254.0));
    LinkCheckAns {
        margin: margin as u8,
        gw_cnt: u8::try_from(up.gateway_count).unwrap_or(u8::MAX),
    }
}

/// The DeviceTimeAns for a GPS time in microseconds (negative: before the epoch, answered 0).
pub fn device_time(gps_us: i64) -> DeviceTimeAns {
    let us = gps_us.max(0);
    let secs = us / 1_000_000;
    let frac = (us % 1_000_000) * 256 / 1_000_000;
    DeviceTimeAns {
        seconds_since_gps_epoch: u32::try_from(secs).unwrap_or(u32::MAX),
        fractional: frac as u8,
    }
}

/// Handles one device request or indication: queues its answer on `state` and returns
/// `true` when it was one (`false`: not a request this module answers).
pub fn answer(
    state: &mut MacState,
    cmd: &MacCommand,
    region: RegionId,
    version: LorawanVersion,
    up: &UplinkFacts,
) -> bool {
    let v11 = version == LorawanVersion::V1_1;
    let ans = match cmd {
        MacCommand::LinkCheckReq => MacCommand::LinkCheckAns(link_check(region, up)),
        MacCommand::DeviceTimeReq => MacCommand::DeviceTimeAns(device_time(up.gps_time_us)),
        MacCommand::ResetInd(_) if v11 => {
            state.reset(region, version);
            MacCommand::ResetConf(ResetConf {
                serv_lorawan_minor: SERVER_MINOR,
            })
        }
        MacCommand::RekeyInd(_) if v11 => MacCommand::RekeyConf(RekeyConf {
            serv_lorawan_minor: SERVER_MINOR,
        }),
        MacCommand::PingSlotInfoReq(p) => {
            if state.current.ping_slot_periodicity != Some(p.periodicity) {
                state.current.ping_slot_periodicity = Some(p.periodicity);
                state.desired.ping_slot_periodicity = Some(p.periodicity);
                state.dirty = true;
            }
            MacCommand::PingSlotInfoAns
        }
        _ => return false,
    };
    state.answers.push(ans);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::lorawan::mac::{PingSlotInfoReq, RekeyInd, ResetInd};

    fn up(dr: u8, snr: Option<f32>, gws: u16) -> UplinkFacts {
        UplinkFacts {
            fcnt: 1,
            data_rate: Some(dr),
            max_snr_db: snr,
            gateway_count: gws,
            gps_time_us: 1_234_567_890_500_000,
            adr: false,
            adr_ack_req: false,
        }
    }

    #[test]
    fn link_check_margin_and_count() {
        // EU868 DR0 = SF12 (floor −20 dB), DR5 = SF7 (floor −7.5 dB).
        let cases = [
            ("SF12, SNR 5", up(0, Some(5.0), 2), 25, 2),
            ("SF7, SNR -7.5: no margin", up(5, Some(-7.5), 1), 0, 1),
            (
                "SF7, SNR -12: below floor clamps to 0",
                up(5, Some(-12.0), 1),
                0,
                1,
            ),
            ("SF7, SNR 3.9: whole dB down", up(5, Some(3.9), 3), 11, 3),
            ("no SNR", up(5, None, 1), 0, 1),
            ("300 gateways saturate", up(0, Some(0.0), 300), 20, 255),
        ];
        for (name, u, margin, gw) in cases {
            let a = link_check(RegionId::Eu868, &u);
            assert_eq!((a.margin, a.gw_cnt), (margin, gw), "{name}");
        }
    }

    #[test]
    fn device_time_fractions() {
        let cases = [
            ("whole second", 1_000_000_000_000, 1_000_000, 0),
            ("half second = 128/256", 1_000_000_500_000, 1_000_000, 128),
            ("1/256 s", 3_906, 0, 0),
            ("just over 1/256 s", 3_907, 0, 1),
            ("before the epoch", -5, 0, 0),
        ];
        for (name, us, secs, frac) in cases {
            let a = device_time(us);
            assert_eq!(
                (a.seconds_since_gps_epoch, a.fractional),
                (secs, frac),
                "{name}"
            );
        }
    }

    #[test]
    fn gps_time_from_unix_time() {
        // 2017-01-01T00:00:00Z = Unix 1483228800: GPS = Unix − 315964800 + 18 leap seconds.
        let gps = gps_time_us(None, 1_483_228_800_000);
        assert_eq!(gps, (1_483_228_800 - 315_964_800 + 18) * 1_000_000);
        assert_eq!(gps_time_us(Some(42_000), 0), 42_000_000, "gateway GPS wins");
    }

    #[test]
    fn requests_answered_by_version() {
        let cases: [(&str, MacCommand, LorawanVersion, Option<MacCommand>); 6] = [
            (
                "ResetInd 1.1",
                MacCommand::ResetInd(ResetInd {
                    dev_lorawan_minor: 1,
                }),
                LorawanVersion::V1_1,
                Some(MacCommand::ResetConf(ResetConf {
                    serv_lorawan_minor: 1,
                })),
            ),
            (
                "ResetInd 1.0 ignored",
                MacCommand::ResetInd(ResetInd {
                    dev_lorawan_minor: 1,
                }),
                LorawanVersion::V1_0,
                None,
            ),
            (
                "RekeyInd 1.1",
                MacCommand::RekeyInd(RekeyInd {
                    dev_lorawan_minor: 1,
                }),
                LorawanVersion::V1_1,
                Some(MacCommand::RekeyConf(RekeyConf {
                    serv_lorawan_minor: 1,
                })),
            ),
            (
                "PingSlotInfoReq",
                MacCommand::PingSlotInfoReq(PingSlotInfoReq { periodicity: 3 }),
                LorawanVersion::V1_0,
                Some(MacCommand::PingSlotInfoAns),
            ),
            (
                "DeviceTimeReq",
                MacCommand::DeviceTimeReq,
                LorawanVersion::V1_0,
                Some(MacCommand::DeviceTimeAns(DeviceTimeAns {
                    seconds_since_gps_epoch: 1_234_567_890,
                    fractional: 128,
                })),
            ),
            (
                "an answer is not a request",
                MacCommand::DutyCycleAns,
                LorawanVersion::V1_0,
                None,
            ),
        ];
        for (name, cmd, version, want) in cases {
            let mut s = MacState::new(RegionId::Eu868, version);
            let handled = answer(&mut s, &cmd, RegionId::Eu868, version, &up(0, Some(0.0), 1));
            assert_eq!(handled, want.is_some(), "{name}");
            assert_eq!(s.answers.first().copied(), want, "{name}");
        }
    }

    #[test]
    fn reset_ind_restores_defaults() {
        let mut s = MacState::new(RegionId::Eu868, LorawanVersion::V1_1);
        s.current.data_rate = 5;
        s.current.rx1_delay_s = 5;
        let cmd = MacCommand::ResetInd(ResetInd {
            dev_lorawan_minor: 1,
        });
        let v11 = LorawanVersion::V1_1;
        answer(
            &mut s,
            &MacCommand::LinkCheckReq,
            RegionId::Eu868,
            v11,
            &up(0, None, 1),
        );
        answer(&mut s, &cmd, RegionId::Eu868, v11, &up(0, None, 1));
        assert_eq!(s.answers.len(), 2, "the LinkCheckAns before it is kept");
        assert_eq!(s.current.data_rate, 0);
        assert_eq!(s.current.rx1_delay_s, 1);
        assert!(s.dirty, "journaled");
    }
}
