//! Adaptive data rate, network side (LoRaWAN 1.0.4 §4.3.1.1; Semtech's recommended algorithm
//! as The Things Stack `pkg/networkserver/mac/adr.go` and ChirpStack `chirpstack/src/adr/
//! default.rs` implement it):
//!
//! 1. SNRmax = the best SNR over the last [`AdrConfig::history`] uplinks (20 in both).
//! 2. margin = SNRmax − the demodulation floor of the uplink's spreading factor − the
//!    installation margin ([`AdrConfig::margin_db`]; The Things Stack's default 15 dB).
//! 3. NStep = trunc(margin / [`AdrConfig::step_db`]) (2.5 dB in The Things Stack's
//!    documentation, 3 dB in ChirpStack).
//! 4. Positive steps raise the data rate up to the region's ADR maximum, then lower the power
//!    (raise the TXPower index) up to the region's last index; negative steps raise the power
//!    (never lower the data rate: the device's own ADR backoff does that).
//! 5. NbTrans from the loss rate over the history's FCnt gaps (ChirpStack's table: < 5 %,
//!    < 10 %, < 30 %, else; by the current NbTrans 1..=3).
//!
//! Nothing is decided before the history is full, so a fresh or just-changed device is left
//! alone until 20 uplinks at its current settings are in.

use super::state::{AdrUplink, MacParams};
use crate::network::downlink::schedule::demodulation_floor_db;
use shared::region::{Band, Modulation};
use std::collections::VecDeque;

/// ADR settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdrConfig {
    /// Run ADR for devices that set FCtrl.ADR.
    pub enabled: bool,
    /// Installation margin in dB.
    pub margin_db: f32,
    /// dB per step.
    pub step_db: f32,
    /// Uplinks needed before a decision.
    pub history: usize,
}

impl Default for AdrConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            margin_db: 15.0,
            step_db: 2.5,
            history: super::state::ADR_HISTORY,
        }
    }
}

/// Data rate, TXPower index and NbTrans: what a LinkADRReq sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdrParams {
    /// Data rate index.
    pub data_rate: u8,
    /// TXPower index.
    pub tx_power_index: u8,
    /// NbTrans.
    pub nb_trans: u8,
}

/// Applies `steps` to (data rate, TXPower index) within the maxima.
pub fn apply_steps(steps: i32, dr: u8, power: u8, max_dr: u8, max_power: u8) -> (u8, u8) {
    let (mut dr, mut power) = (dr, power);
    if steps > 0 {
        for _ in 0..steps {
            if dr < max_dr {
                dr += 1;
            } else if power < max_power {
                power += 1;
            }
        }
    } else {
        for _ in steps..0 {
            power = power.saturating_sub(1);
        }
    }
    (dr, power)
}

/// Lost uplinks over the history as a percentage of its length (FCnt gaps).
pub fn loss_percent(history: &VecDeque<AdrUplink>) -> f32 {
    if history.len() < 2 {
        return 0.0;
    }
    let lost: u64 = history
        .iter()
        .zip(history.iter().skip(1))
        .map(|(a, b)| u64::from(b.fcnt.saturating_sub(a.fcnt).saturating_sub(1)))
        .sum();
    lost as f32 / history.len() as f32 * 100.0
}

/// NbTrans for a loss rate, given the current NbTrans.
pub fn nb_trans(current: u8, loss_percent: f32) -> u8 {
    const TABLE: [[u8; 3]; 4] = [[1, 1, 2], [1, 2, 3], [2, 3, 3], [3, 3, 3]];
    let col = usize::from(current.clamp(1, 3) - 1);
    let row = match loss_percent {
        l if l < 5.0 => 0,
        l if l < 10.0 => 1,
        l if l < 30.0 => 2,
        _ => 3,
    };
    TABLE[row][col]
}

/// Demodulation floor of a LoRa data rate in `band`.
pub fn required_snr_db(band: &Band, dr: u8) -> Option<f32> {
    match band.data_rate(dr)?.modulation {
        Modulation::LoRa {
            spreading_factor, ..
        } => demodulation_floor_db(spreading_factor),
        _ => None,
    }
}

/// The ADR decision for a device whose last uplink used `uplink_dr`, at `current` settings;
/// `None` when there is not enough history or the data rate is not LoRa.
pub fn decide(
    cfg: &AdrConfig,
    band: &Band,
    history: &VecDeque<AdrUplink>,
    current: &MacParams,
    uplink_dr: u8,
) -> Option<AdrParams> {
    if !cfg.enabled || history.len() < cfg.history.max(1) {
        return None;
    }
    let snr_max = history
        .iter()
        .map(|h| h.max_snr_db)
        .fold(f32::NEG_INFINITY, f32::max);
    let floor = required_snr_db(band, uplink_dr)?;
    let margin = snr_max - floor - cfg.margin_db;
    let steps = (margin / cfg.step_db.max(0.1)).trunc() as i32;
    let max_dr = band.max_adr_data_rate.max(uplink_dr);
    let max_power = u8::try_from(band.tx_power_offsets_db.len().saturating_sub(1)).unwrap_or(0);
    let (data_rate, tx_power_index) = apply_steps(
        steps,
        uplink_dr,
        current.tx_power_index.min(max_power),
        max_dr,
        max_power,
    );
    Some(AdrParams {
        data_rate,
        tx_power_index,
        nb_trans: nb_trans(current.nb_trans, loss_percent(history)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::region::RegionId;

    #[test]
    fn steps_by_chirpstack_vectors() {
        // ChirpStack `adr/default.rs` test_get_ideal_tx_power_index_and_dr: (name, steps,
        // power, dr, max power, max dr) → (power, dr).
        let cases = [
            ("nothing to do", 0, 1, 3, 5, 5, 1, 3),
            ("one step: DR up", 1, 1, 4, 5, 5, 1, 5),
            ("one step: power down", 1, 1, 5, 5, 5, 2, 5),
            ("two steps: DR up twice", 2, 1, 3, 5, 5, 1, 5),
            ("two steps: DR up, power down", 2, 1, 4, 5, 5, 2, 5),
            ("two steps: power down twice", 2, 1, 5, 5, 5, 3, 5),
            ("two steps at the minimum power", 2, 5, 5, 5, 5, 5, 5),
            ("one negative step: power up", -1, 1, 5, 5, 5, 0, 5),
            ("negative step never lowers DR", -1, 0, 4, 5, 5, 0, 4),
            ("ten negative steps at max power", -10, 0, 4, 5, 5, 0, 4),
        ];
        for (name, steps, power, dr, max_p, max_dr, want_p, want_dr) in cases {
            assert_eq!(
                apply_steps(steps, dr, power, max_dr, max_p),
                (want_dr, want_p),
                "{name}"
            );
        }
    }

    #[test]
    fn nb_trans_by_chirpstack_vectors() {
        // ChirpStack test_get_nb_trans.
        let cases = [
            ("4.99 % at 3", 4.99, 3, 2),
            ("9.99 % at 2", 9.99, 2, 2),
            ("30 % at 3", 30.0, 3, 3),
            ("0 % at 1", 0.0, 1, 1),
            ("50 % at 1", 50.0, 1, 3),
        ];
        for (name, loss, cur, want) in cases {
            assert_eq!(nb_trans(cur, loss), want, "{name}");
        }
    }

    fn history(fcnts: impl Iterator<Item = u32>, snr: f32, dr: u8) -> VecDeque<AdrUplink> {
        fcnts
            .map(|fcnt| AdrUplink {
                fcnt,
                max_snr_db: snr,
                data_rate: dr,
                tx_power_index: 0,
            })
            .collect()
    }

    #[test]
    fn loss_by_chirpstack_vector() {
        // ChirpStack test_get_packet_loss_percentage: 20 uplinks, FCnt 0..4, 6..10, 12..21:
        // 2 lost = 10 %.
        let fcnts = (0..20u32).map(|i| match i {
            0..5 => i,
            5..10 => i + 1,
            _ => i + 2,
        });
        assert_eq!(loss_percent(&history(fcnts, 0.0, 0)), 10.0);
    }

    #[test]
    fn decisions_by_tts_documentation() {
        // The Things Stack ADR reference ("Configuring ADR Margin" examples): SNRmax 7 dB at
        // DR3 (SF9, floor −12.5 dB), step 2.5 dB. Margin 15: NStep 1 → DR4; margin 18: NStep
        // 0 → unchanged; margin 25: negative → power up (here from index 1 to 0).
        let band = RegionId::Eu868.band();
        let h = history(1..=20, 7.0, 3);
        let mut current = MacParams::region_defaults(RegionId::Eu868);
        current.tx_power_index = 1;
        let cases = [
            ("margin 15: DR up", 15.0, 4, 1),
            ("margin 18: unchanged", 18.0, 3, 1),
            ("margin 25: power up", 25.0, 3, 0),
        ];
        for (name, margin_db, dr, power) in cases {
            let cfg = AdrConfig {
                margin_db,
                ..AdrConfig::default()
            };
            let got = decide(&cfg, band, &h, &current, 3).expect(name);
            assert_eq!(
                (got.data_rate, got.tx_power_index, got.nb_trans),
                (dr, power, 1),
                "{name}"
            );
        }
    }

    #[test]
    fn waits_for_a_full_history_and_caps_at_max_dr() {
        let band = RegionId::Eu868.band();
        let current = MacParams::region_defaults(RegionId::Eu868);
        let cfg = AdrConfig::default();
        assert_eq!(
            decide(&cfg, band, &history(1..=19, 10.0, 0), &current, 0),
            None
        );
        // SF12 at SNR 10: margin 10 + 20 − 15 = 15 dB = 6 steps: DR0 → DR5 (EU868's ADR
        // maximum), then one power step.
        let got = decide(&cfg, band, &history(1..=20, 10.0, 0), &current, 0).unwrap();
        assert_eq!(
            (got.data_rate, got.tx_power_index),
            (band.max_adr_data_rate, 1)
        );
        assert_eq!(band.max_adr_data_rate, 5);
        let off = AdrConfig {
            enabled: false,
            ..cfg
        };
        assert_eq!(
            decide(&off, band, &history(1..=20, 10.0, 0), &current, 0),
            None
        );
    }
}
