//! The radio side of an uplink: channel and data rate drawn from the region's default uplink
//! channels and their LoRa data rates (RP002-1.0.3, e.g. §2.4.2 for EU868: 868.1/868.3/868.5 MHz,
//! DR0..DR5), and the signal each gateway reports.
//!
//! Link model (log-distance path loss, a common urban fit): `PL = 120 dB + 27·log10(d / 1 km)`
//! with the device at 14 dBm EIRP, plus per-uplink Gaussian fading of σ = 4 dB; RSSI is clamped
//! at the SX1301 sensitivity floor (-137 dBm) and SNR is RSSI minus a noise floor of -117 dBm
//! (thermal noise in 125 kHz, -123 dBm, plus a 6 dB noise figure), clamped to -20..+13.5 dB
//! as concentrators report it.

use crate::rng::Rng;
use shared::region::{Band, Modulation, RegionId};

/// One uplink's channel and data rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RadioChoice {
    /// Centre frequency in Hz.
    pub frequency_hz: u32,
    /// Channel index in the region's default plan (reported as `chan`).
    pub channel: u8,
    /// Region data-rate index.
    pub dr: u8,
    /// LoRa spreading factor.
    pub spreading_factor: u8,
    /// Bandwidth in kHz.
    pub bandwidth_khz: u16,
}

/// A region's default uplink channels with their LoRa data rates, for drawing uplinks.
#[derive(Debug, Clone)]
pub struct ChannelPlan {
    choices: Vec<RadioChoice>,
}

impl ChannelPlan {
    /// Every (default channel, LoRa uplink DR) pair of `region`.
    pub fn new(region: RegionId) -> Self {
        let band: &Band = region.band();
        let mut choices = Vec::new();
        for (i, ch) in band.uplink_channels().enumerate() {
            for dr in ch.min_dr..=ch.max_dr {
                let Some(rate) = band.data_rate(dr).filter(|r| r.is_uplink()) else {
                    continue;
                };
                if let Modulation::LoRa {
                    spreading_factor,
                    bandwidth_hz,
                } = rate.modulation
                {
                    choices.push(RadioChoice {
                        frequency_hz: ch.frequency_hz,
                        channel: u8::try_from(i).unwrap_or(u8::MAX),
                        dr,
                        spreading_factor,
                        bandwidth_khz: u16::try_from(bandwidth_hz / 1000).unwrap_or(125),
                    });
                }
            }
        }
        Self { choices }
    }

    /// A uniformly drawn (channel, DR); `None` if the region has no LoRa uplink channel.
    pub fn draw(&self, rng: &mut Rng) -> Option<RadioChoice> {
        let n = self.choices.len() as u64;
        self.choices.get(rng.below(n) as usize).copied()
    }

    /// Every choice.
    pub fn choices(&self) -> &[RadioChoice] {
        &self.choices
    }
}

/// What a gateway reports for one reception.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signal {
    /// RSSI in dBm.
    pub rssi_dbm: i16,
    /// SNR in dB.
    pub snr_db: f32,
}

/// The signal of a device `distance_km` away, with fresh fading from `rng`.
pub fn signal(distance_km: f64, rng: &mut Rng) -> Signal {
    let path_loss = 120.0 + 27.0 * distance_km.max(0.01).log10();
    let rssi = (14.0 - path_loss + 4.0 * rng.normal()).clamp(-137.0, -30.0);
    let snr = (rssi + 117.0).clamp(-20.0, 13.5);
    Signal {
        rssi_dbm: rssi.round() as i16,
        snr_db: ((snr * 4.0).round() / 4.0) as f32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eu868_plan_is_three_channels_dr0_to_dr5() {
        let p = ChannelPlan::new(RegionId::Eu868);
        assert_eq!(p.choices().len(), 3 * 6);
        let freqs: std::collections::BTreeSet<u32> =
            p.choices().iter().map(|c| c.frequency_hz).collect();
        assert_eq!(
            freqs.into_iter().collect::<Vec<_>>(),
            [868_100_000, 868_300_000, 868_500_000]
        );
        let dr5 = p.choices().iter().find(|c| c.dr == 5).unwrap();
        assert_eq!((dr5.spreading_factor, dr5.bandwidth_khz), (7, 125));
        let dr0 = p.choices().iter().find(|c| c.dr == 0).unwrap();
        assert_eq!(dr0.spreading_factor, 12);
        let mut rng = Rng::new(3);
        for _ in 0..100 {
            assert!(p.choices().contains(&p.draw(&mut rng).unwrap()));
        }
    }

    #[test]
    fn signal_falls_with_distance_and_stays_in_range() {
        let mut rng = Rng::new(1);
        let mean = |km: f64, rng: &mut Rng| {
            (0..2000)
                .map(|_| f64::from(signal(km, rng).rssi_dbm))
                .sum::<f64>()
                / 2000.0
        };
        let (near, far) = (mean(0.2, &mut rng), mean(5.0, &mut rng));
        assert!(near > far + 30.0, "{near} {far}");
        for km in [0.001, 0.1, 1.0, 10.0, 1000.0] {
            let s = signal(km, &mut rng);
            assert!((-137..=-30).contains(&s.rssi_dbm), "{s:?}");
            assert!((-20.0..=13.5).contains(&s.snr_db), "{s:?}");
        }
    }
}
