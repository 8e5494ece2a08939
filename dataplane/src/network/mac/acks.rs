//! The device's answers to the network's requests (LoRaWAN 1.0.4 §5.2–§5.8, 1.1 §5.11–§5.14,
//! §12): each is matched with the request of the last downlink (`MacState::pending`) and moves
//! `desired` into `current` only when the device accepted every part.
//!
//! - `LinkADRAns`: a LinkADRReq block (US915 `ChMaskCntl` 7 then 0..3) is answered by as many
//!   LinkADRAns with the same bits (1.0.4 §5.3); the first one settles the block, the others
//!   are consumed. A refusal (any bit clear) leaves `current`, puts `desired` back to it and
//!   empties the ADR history, so the request is not repeated before ADR has a new full history
//!   (The Things Stack records rejected data rates and powers for the same reason).
//! - `RXParamSetupAns`, `RXTimingSetupAns`, `DlChannelAns` are sticky (1.0.4 §5.4, §5.7,
//!   §5.6.2): the device repeats them in every uplink until it receives a class A downlink.
//!   A repeat without a pending request changes nothing but marks that a downlink is owed.
//! - `DevStatusAns`: kept (battery, margin, FCnt) whether or not it was asked for.
//! - `ADRParamSetupAns`, `RejoinParamSetupAns` (time part), `PingSlotChannelAns`,
//!   `NewChannelAns`, `DutyCycleAns`, `TxParamSetupAns`, `BeaconFreqAns` settle their request.

use super::state::{DevStatus, MacState, RequestKind};
use shared::lorawan::mac::MacCommand;

/// What an answer did to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckOutcome {
    /// The device accepted: `current` changed.
    Accepted(RequestKind),
    /// The device refused.
    Refused(RequestKind),
    /// Recorded (device status, a settled request with no parameter here).
    Recorded,
    /// A sticky answer repeated, or an answer to nothing pending.
    Unsolicited,
    /// Not an answer.
    NotAnAnswer,
}

fn take_pending(state: &mut MacState, pred: impl Fn(&MacCommand) -> bool) -> usize {
    let before = state.pending.len();
    state.pending.retain(|c| !pred(c));
    before - state.pending.len()
}

/// Handles one device answer at uplink `fcnt`.
pub fn on_answer(state: &mut MacState, cmd: &MacCommand, fcnt: u32) -> AckOutcome {
    match cmd {
        MacCommand::LinkAdrAns(a) => {
            if take_pending(state, |c| matches!(c, MacCommand::LinkAdrReq(_))) == 0 {
                return AckOutcome::Unsolicited;
            }
            let (c, d) = (&mut state.current, &mut state.desired);
            state.tries[RequestKind::LinkAdr.index()] = 0;
            if a.power_ack && a.data_rate_ack && a.channel_mask_ack {
                c.data_rate = d.data_rate;
                c.tx_power_index = d.tx_power_index;
                c.nb_trans = d.nb_trans;
                c.channel_mask = d.channel_mask;
                state.history.clear();
                state.dirty = true;
                AckOutcome::Accepted(RequestKind::LinkAdr)
            } else {
                d.data_rate = c.data_rate;
                d.tx_power_index = c.tx_power_index;
                d.nb_trans = c.nb_trans;
                d.channel_mask = c.channel_mask;
                // ADR decides again only on a new full history.
                state.history.clear();
                state.dirty = true;
                AckOutcome::Refused(RequestKind::LinkAdr)
            }
        }
        MacCommand::RxParamSetupAns(a) => {
            if take_pending(state, |c| matches!(c, MacCommand::RxParamSetupReq(_))) == 0 {
                state.sticky = true;
                return AckOutcome::Unsolicited;
            }
            state.sticky = true;
            state.tries[RequestKind::RxParamSetup.index()] = 0;
            let (c, d) = (&mut state.current, &mut state.desired);
            state.dirty = true;
            if a.rx1_dr_offset_ack && a.rx2_data_rate_ack && a.channel_ack {
                c.rx1_dr_offset = d.rx1_dr_offset;
                c.rx2_data_rate = d.rx2_data_rate;
                c.rx2_frequency_hz = d.rx2_frequency_hz;
                AckOutcome::Accepted(RequestKind::RxParamSetup)
            } else {
                d.rx1_dr_offset = c.rx1_dr_offset;
                d.rx2_data_rate = c.rx2_data_rate;
                d.rx2_frequency_hz = c.rx2_frequency_hz;
                AckOutcome::Refused(RequestKind::RxParamSetup)
            }
        }
        MacCommand::RxTimingSetupAns => {
            state.sticky = true;
            if take_pending(state, |c| matches!(c, MacCommand::RxTimingSetupReq(_))) == 0 {
                return AckOutcome::Unsolicited;
            }
            state.tries[RequestKind::RxTimingSetup.index()] = 0;
            state.current.rx1_delay_s = state.desired.rx1_delay_s;
            state.dirty = true;
            AckOutcome::Accepted(RequestKind::RxTimingSetup)
        }
        MacCommand::DlChannelAns(_) => {
            state.sticky = true;
            match take_pending(state, |c| matches!(c, MacCommand::DlChannelReq(_))) {
                0 => AckOutcome::Unsolicited,
                _ => AckOutcome::Recorded,
            }
        }
        MacCommand::DevStatusAns(a) => {
            take_pending(state, |c| matches!(c, MacCommand::DevStatusReq));
            state.tries[RequestKind::DevStatus.index()] = 0;
            state.dev_status = Some(DevStatus {
                battery: a.battery,
                margin: a.margin,
                fcnt,
            });
            state.dirty = true;
            AckOutcome::Recorded
        }
        MacCommand::AdrParamSetupAns => {
            let mut found = None;
            state.pending.retain(|c| match c {
                MacCommand::AdrParamSetupReq(r) => {
                    found = Some(*r);
                    false
                }
                _ => true,
            });
            match found {
                Some(r) => {
                    state.current.adr_ack_limit_exp = r.limit_exp;
                    state.current.adr_ack_delay_exp = r.delay_exp;
                    state.dirty = true;
                    AckOutcome::Recorded
                }
                None => AckOutcome::Unsolicited,
            }
        }
        MacCommand::RejoinParamSetupAns(a) => {
            let mut found = None;
            state.pending.retain(|c| match c {
                MacCommand::RejoinParamSetupReq(r) => {
                    found = Some(*r);
                    false
                }
                _ => true,
            });
            match found {
                Some(r) => {
                    state.current.rejoin_max_count_n = r.max_count_n;
                    if a.time_ok {
                        state.current.rejoin_max_time_n = r.max_time_n;
                    }
                    state.dirty = true;
                    AckOutcome::Recorded
                }
                None => AckOutcome::Unsolicited,
            }
        }
        MacCommand::PingSlotChannelAns(_)
        | MacCommand::NewChannelAns(_)
        | MacCommand::DutyCycleAns
        | MacCommand::TxParamSetupAns
        | MacCommand::BeaconFreqAns(_) => {
            let cid = cmd.cid();
            match take_pending(state, |c| c.cid() == cid) {
                0 => AckOutcome::Unsolicited,
                _ => AckOutcome::Recorded,
            }
        }
        _ => AckOutcome::NotAnAnswer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::session::LorawanVersion;
    use shared::lorawan::mac::{
        AdrParamSetupReq, DevStatusAns, LinkAdrAns, LinkAdrReq, RxParamSetupAns, RxParamSetupReq,
        RxTimingSetupReq,
    };
    use shared::region::RegionId;

    fn adr_req() -> MacCommand {
        MacCommand::LinkAdrReq(LinkAdrReq {
            data_rate: 5,
            tx_power: 1,
            ch_mask: 7,
            ch_mask_cntl: 0,
            nb_trans: 1,
        })
    }

    fn with_desired() -> MacState {
        let mut s = MacState::new(RegionId::Eu868, LorawanVersion::V1_0);
        s.desired.data_rate = 5;
        s.desired.tx_power_index = 1;
        s.desired.rx1_delay_s = 3;
        s.desired.rx2_data_rate = 3;
        s.desired.adr_ack_limit_exp = 4;
        s
    }

    fn adr_ans(p: bool, d: bool, c: bool) -> MacCommand {
        MacCommand::LinkAdrAns(LinkAdrAns {
            power_ack: p,
            data_rate_ack: d,
            channel_mask_ack: c,
        })
    }

    fn rx_ans(all: bool) -> MacCommand {
        MacCommand::RxParamSetupAns(RxParamSetupAns {
            rx1_dr_offset_ack: true,
            rx2_data_rate_ack: all,
            channel_ack: true,
        })
    }

    fn rx_req() -> MacCommand {
        MacCommand::RxParamSetupReq(RxParamSetupReq {
            rx1_dr_offset: 0,
            rx2_data_rate: 3,
            frequency: 869_525_000,
        })
    }

    #[test]
    fn answers_update_current_only_when_accepted() {
        type Check = fn(&MacState) -> bool;
        let cases: [(&str, Vec<MacCommand>, MacCommand, AckOutcome, Check); 9] = [
            (
                "LinkADRAns accepted",
                vec![adr_req()],
                adr_ans(true, true, true),
                AckOutcome::Accepted(RequestKind::LinkAdr),
                |s| s.current.data_rate == 5 && s.current.tx_power_index == 1,
            ),
            (
                "LinkADRAns power refused: nothing applied, desired reverted",
                vec![adr_req()],
                adr_ans(false, true, true),
                AckOutcome::Refused(RequestKind::LinkAdr),
                |s| s.current.data_rate == 0 && s.desired.data_rate == 0,
            ),
            (
                "LinkADRAns with nothing pending",
                vec![],
                adr_ans(true, true, true),
                AckOutcome::Unsolicited,
                |s| s.current.data_rate == 0 && !s.dirty,
            ),
            (
                "LinkADRAns settles a whole block",
                vec![adr_req(), adr_req(), MacCommand::DevStatusReq],
                adr_ans(true, true, true),
                AckOutcome::Accepted(RequestKind::LinkAdr),
                |s| s.pending == [MacCommand::DevStatusReq],
            ),
            (
                "RXParamSetupAns accepted",
                vec![rx_req()],
                rx_ans(true),
                AckOutcome::Accepted(RequestKind::RxParamSetup),
                |s| s.current.rx2_data_rate == 3 && s.sticky,
            ),
            (
                "RXParamSetupAns refused",
                vec![rx_req()],
                rx_ans(false),
                AckOutcome::Refused(RequestKind::RxParamSetup),
                |s| s.current.rx2_data_rate == 0 && s.desired.rx2_data_rate == 0,
            ),
            (
                "RXParamSetupAns repeated (sticky): a downlink is owed, nothing changes",
                vec![],
                rx_ans(true),
                AckOutcome::Unsolicited,
                |s| s.sticky && s.current.rx2_data_rate == 0,
            ),
            (
                "RXTimingSetupAns",
                vec![MacCommand::RxTimingSetupReq(RxTimingSetupReq { delay: 3 })],
                MacCommand::RxTimingSetupAns,
                AckOutcome::Accepted(RequestKind::RxTimingSetup),
                |s| s.current.rx1_delay_s == 3,
            ),
            (
                "ADRParamSetupAns",
                vec![MacCommand::AdrParamSetupReq(AdrParamSetupReq {
                    limit_exp: 4,
                    delay_exp: 2,
                })],
                MacCommand::AdrParamSetupAns,
                AckOutcome::Recorded,
                |s| s.current.adr_ack_limit_exp == 4 && s.current.adr_ack_delay_exp == 2,
            ),
        ];
        for (name, pending, ans, want, check) in cases {
            let mut s = with_desired();
            s.pending = pending;
            assert_eq!(on_answer(&mut s, &ans, 9), want, "{name}");
            assert!(check(&s), "{name}: {s:?}");
        }
    }

    #[test]
    fn dev_status_kept_unasked() {
        let mut s = with_desired();
        let ans = MacCommand::DevStatusAns(DevStatusAns {
            battery: 254,
            margin: -3,
        });
        assert_eq!(on_answer(&mut s, &ans, 12), AckOutcome::Recorded);
        assert_eq!(
            s.dev_status,
            Some(DevStatus {
                battery: 254,
                margin: -3,
                fcnt: 12
            })
        );
        assert_eq!(
            on_answer(&mut s, &MacCommand::LinkCheckReq, 13),
            AckOutcome::NotAnAnswer
        );
    }
}
