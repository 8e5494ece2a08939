//! The requests the network makes (LoRaWAN 1.0.4 §5.2 LinkADRReq, §5.4 RXParamSetupReq, §5.5
//! DevStatusReq, §5.7 RXTimingSetupReq): one per [`RequestKind`] whose `desired` value differs
//! from `current` (DevStatusReq: every [`RequestConfig::dev_status_every`] uplinks), until the
//! device answers or [`RequestConfig::max_tries`] downlinks carried it unanswered.
//!
//! LinkADRReq channel masks follow the region (RP002-1.0.3 "LinkAdrReq command"):
//! - dynamic plans (16 channels at most): one command, `ChMaskCntl` 0, `ChMask` channels 0..15;
//! - US915/AU915 (72 channels): all 64 125 kHz channels on: one command with `ChMaskCntl` 6
//!   and the 500 kHz channels 64..71 in `ChMask`; otherwise `ChMaskCntl` 7 (125 kHz all off,
//!   `ChMask` = channels 64..71) followed by one command per non-empty block of 16 with
//!   `ChMaskCntl` 0..3 — a block the device applies as a whole, answering each command;
//! - CN470 (96 channels): `ChMaskCntl` 0..5, one per block of 16.
//!
//! Every command of a block carries the same DataRate, TXPower and NbTrans (the device applies
//! the last one's).

use super::state::{MacParams, MacState, RequestKind};
use shared::lorawan::mac::{LinkAdrReq, MacCommand, RxParamSetupReq, RxTimingSetupReq};
use shared::region::RegionId;

/// When requests are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestConfig {
    /// Ask for the device status every this many uplinks (0: never). The Things Stack's
    /// default status count periodicity is 200.
    pub dev_status_every: u32,
    /// Downlinks a request rides unanswered before the network gives up on it.
    pub max_tries: u8,
}

impl Default for RequestConfig {
    fn default() -> Self {
        Self {
            dev_status_every: 200,
            max_tries: 3,
        }
    }
}

fn adr_req(p: &MacParams, mask: u16, cntl: u8) -> MacCommand {
    MacCommand::LinkAdrReq(LinkAdrReq {
        data_rate: p.data_rate,
        tx_power: p.tx_power_index,
        ch_mask: mask,
        ch_mask_cntl: cntl,
        nb_trans: p.nb_trans,
    })
}

fn block16(mask: u128, i: u32) -> u16 {
    (mask >> (16 * i)) as u16
}

/// The LinkADRReq commands that set `p` in `region`.
pub fn link_adr_block(region: RegionId, p: &MacParams, out: &mut Vec<MacCommand>) {
    let mask = p.channel_mask;
    match region {
        RegionId::Us915 | RegionId::Au915 => {
            let wide = (mask >> 64) as u16 & 0xFF;
            if mask as u64 == u64::MAX {
                out.push(adr_req(p, wide, 6));
                return;
            }
            out.push(adr_req(p, wide, 7));
            for i in 0..4 {
                let b = block16(mask, i);
                if b != 0 {
                    out.push(adr_req(p, b, i as u8));
                }
            }
        }
        r if r.band().uplink_channel_count() > 16 => {
            let blocks = u32::from(r.band().uplink_channel_count().div_ceil(16)).min(8);
            for i in 0..blocks {
                out.push(adr_req(p, block16(mask, i), i as u8));
            }
        }
        _ => out.push(adr_req(p, block16(mask, 0), 0)),
    }
}

fn wants(state: &MacState, kind: RequestKind, cfg: &RequestConfig) -> bool {
    state.tries.get(kind.index()).copied().unwrap_or(u8::MAX) < cfg.max_tries
}

/// The requests to send now, in emission order, appended to `out`; `fcnt` is the uplink
/// being answered.
pub fn requests(
    state: &MacState,
    region: RegionId,
    fcnt: u32,
    cfg: &RequestConfig,
    out: &mut Vec<MacCommand>,
) {
    let (c, d) = (&state.current, &state.desired);
    for kind in RequestKind::ALL {
        if !wants(state, kind, cfg) {
            continue;
        }
        match kind {
            RequestKind::RxTimingSetup if c.rx1_delay_s != d.rx1_delay_s => {
                out.push(MacCommand::RxTimingSetupReq(RxTimingSetupReq {
                    delay: d.rx1_delay_s,
                }));
            }
            RequestKind::RxParamSetup
                if (c.rx1_dr_offset, c.rx2_data_rate, c.rx2_frequency_hz)
                    != (d.rx1_dr_offset, d.rx2_data_rate, d.rx2_frequency_hz) =>
            {
                out.push(MacCommand::RxParamSetupReq(RxParamSetupReq {
                    rx1_dr_offset: d.rx1_dr_offset,
                    rx2_data_rate: d.rx2_data_rate,
                    frequency: d.rx2_frequency_hz,
                }));
            }
            RequestKind::LinkAdr
                if (c.data_rate, c.tx_power_index, c.nb_trans, c.channel_mask)
                    != (d.data_rate, d.tx_power_index, d.nb_trans, d.channel_mask) =>
            {
                link_adr_block(region, d, out);
            }
            RequestKind::DevStatus
                if cfg.dev_status_every > 0
                    && fcnt >= state.dev_status_asked_at.unwrap_or(0) + cfg.dev_status_every =>
            {
                out.push(MacCommand::DevStatusReq);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::session::LorawanVersion;

    fn masks(region: RegionId, mask: u128) -> Vec<(u8, u16)> {
        let mut p = MacParams::region_defaults(region);
        p.channel_mask = mask;
        let mut out = Vec::new();
        link_adr_block(region, &p, &mut out);
        out.iter()
            .map(|c| match c {
                MacCommand::LinkAdrReq(r) => (r.ch_mask_cntl, r.ch_mask),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn channel_mask_blocks_by_region() {
        let sub_band_2 = 0xFF00u128 | (1 << 65);
        let cases: [(&str, RegionId, u128, Vec<(u8, u16)>); 5] = [
            (
                "EU868 three default channels",
                RegionId::Eu868,
                0b111,
                vec![(0, 0b111)],
            ),
            (
                "US915 all on: ChMaskCntl 6",
                RegionId::Us915,
                MacParams::region_defaults(RegionId::Us915).channel_mask,
                vec![(6, 0xFF)],
            ),
            (
                "US915 sub-band 2 (channels 8..15 and 65): 7 then block 0",
                RegionId::Us915,
                sub_band_2,
                vec![(7, 0b10), (0, 0xFF00)],
            ),
            (
                "AU915 blocks 1 and 3",
                RegionId::Au915,
                (0x00F0u128 << 16) | (0x0F00u128 << 48),
                vec![(7, 0), (1, 0x00F0), (3, 0x0F00)],
            ),
            (
                "CN470 six blocks of 16",
                RegionId::Cn470Plan20A,
                MacParams::region_defaults(RegionId::Cn470Plan20A).channel_mask,
                {
                    let n = RegionId::Cn470Plan20A.band().uplink_channel_count();
                    let all = MacParams::region_defaults(RegionId::Cn470Plan20A).channel_mask;
                    (0..n.div_ceil(16) as u32)
                        .map(|i| (i as u8, block16(all, i)))
                        .collect()
                },
            ),
        ];
        for (name, region, mask, want) in cases {
            assert_eq!(masks(region, mask), want, "{name}");
        }
        assert_eq!(
            MacParams::region_defaults(RegionId::Us915).channel_mask,
            (1u128 << 72) - 1,
            "US915: 72 channels"
        );
    }

    #[test]
    fn requests_follow_desired_and_tries() {
        let cfg = RequestConfig::default();
        let base = MacState::new(RegionId::Eu868, LorawanVersion::V1_0);
        let mut adr = base.clone();
        adr.desired.data_rate = 5;
        let mut rx = base.clone();
        rx.desired.rx1_delay_s = 2;
        rx.desired.rx2_data_rate = 3;
        let mut tired = adr.clone();
        tired.tries[RequestKind::LinkAdr.index()] = cfg.max_tries;
        let mut asked = base.clone();
        asked.dev_status_asked_at = Some(150);
        let cases: [(&str, &MacState, u32, Vec<u8>); 6] = [
            ("nothing differs", &base, 10, vec![]),
            ("ADR change", &adr, 10, vec![0x03]),
            ("RX timing then RX params", &rx, 10, vec![0x08, 0x05]),
            ("tries exhausted", &tired, 10, vec![]),
            ("device status every 200 uplinks", &base, 200, vec![0x06]),
            (
                "device status asked at 150: not at 300",
                &asked,
                300,
                vec![],
            ),
        ];
        for (name, s, fcnt, cids) in cases {
            let mut out = Vec::new();
            requests(s, RegionId::Eu868, fcnt, &cfg, &mut out);
            let got: Vec<u8> = out.iter().map(MacCommand::cid).collect();
            assert_eq!(got, cids, "{name}");
        }
    }
}
