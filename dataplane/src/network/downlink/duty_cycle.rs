//! Duty-cycle accounting per gateway and regulatory sub-band over a sliding window
//! (RP002-1.0.3 §2.x.2 per region; EU868: ETSI EN 300 220 / ERC 70-03 sub-bands at 0.1 %, 1 %
//! and 10 %, see `shared::region` eu868.rs). A gateway's time on air in a sub-band over the last
//! window (one hour by default, as ETSI measures it) must stay within `window · duty cycle`.
//!
//! Entries are kept per (gateway, region, sub-band index) in transmit order and pruned from the
//! front as the window slides; sub-bands without a limit (1000 ‰) are not recorded. Time is the
//! caller's [`Micros`]: no clock reads.

use super::super::Micros;
use shared::region::Band;
use shared::types::Eui64;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DutyCycleConfig {
    /// Sliding window length.
    pub window: Duration,
    /// Whether limits are enforced at all (off: everything is allowed, nothing recorded).
    pub enforce: bool,
}

impl Default for DutyCycleConfig {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(3600),
            enforce: true,
        }
    }
}

/// Why a transmission is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DutyCycleError {
    /// The frequency lies in none of the region's sub-bands.
    #[error("{0} Hz is in no sub-band of the region")]
    NoSubBand(u32),
    /// The sub-band's budget over the window would be exceeded.
    #[error("sub-band budget exceeded: {used_us} µs used of {budget_us} µs")]
    Exhausted {
        /// Time on air already used in the window, in µs.
        used_us: u64,
        /// Budget over the window, in µs.
        budget_us: u64,
    },
}

type Key = (Eui64, shared::region::RegionId, u8);

#[derive(Debug, Default)]
struct Usage {
    /// (transmit start, time on air) in µs, in the order recorded.
    entries: VecDeque<(u64, u64)>,
    sum_us: u64,
}

impl Usage {
    fn prune(&mut self, now: u64, window: u64) {
        while let Some(&(at, toa)) = self.entries.front() {
            if at.saturating_add(window) > now {
                break;
            }
            self.entries.pop_front();
            self.sum_us -= toa;
        }
    }
}

/// Per-gateway, per-sub-band time-on-air ledger of one core.
#[derive(Debug, Default)]
pub struct DutyCycle {
    config: DutyCycleConfig,
    usage: HashMap<Key, Usage>,
}

impl DutyCycle {
    /// An empty ledger.
    pub fn new(config: DutyCycleConfig) -> Self {
        Self {
            config,
            usage: HashMap::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &DutyCycleConfig {
        &self.config
    }

    fn key_budget(
        &self,
        gateway: Eui64,
        band: &Band,
        freq_hz: u32,
    ) -> Result<Option<(Key, u64)>, DutyCycleError> {
        let (i, sb) = band
            .sub_bands
            .iter()
            .enumerate()
            .find(|(_, s)| s.contains(freq_hz))
            .ok_or(DutyCycleError::NoSubBand(freq_hz))?;
        if !self.config.enforce || sb.duty_cycle_permille >= 1000 {
            return Ok(None);
        }
        let window = u64::try_from(self.config.window.as_micros()).unwrap_or(u64::MAX);
        let budget = window / 1000 * u64::from(sb.duty_cycle_permille);
        let idx = u8::try_from(i).unwrap_or(u8::MAX);
        Ok(Some(((gateway, band.id, idx), budget)))
    }

    fn window_us(&self) -> u64 {
        u64::try_from(self.config.window.as_micros()).unwrap_or(u64::MAX)
    }

    /// Whether `gateway` may transmit `airtime` on `freq_hz` starting at `at`.
    pub fn check(
        &mut self,
        gateway: Eui64,
        band: &Band,
        freq_hz: u32,
        at: Micros,
        airtime: Duration,
    ) -> Result<(), DutyCycleError> {
        let Some((key, budget_us)) = self.key_budget(gateway, band, freq_hz)? else {
            return Ok(());
        };
        let window = self.window_us();
        let used_us = match self.usage.get_mut(&key) {
            Some(u) => {
                u.prune(at.0, window);
                u.sum_us
            }
            None => 0,
        };
        let toa = u64::try_from(airtime.as_micros()).unwrap_or(u64::MAX);
        match used_us.saturating_add(toa) <= budget_us {
            true => Ok(()),
            false => Err(DutyCycleError::Exhausted { used_us, budget_us }),
        }
    }

    /// Checks, then records the transmission.
    pub fn record(
        &mut self,
        gateway: Eui64,
        band: &Band,
        freq_hz: u32,
        at: Micros,
        airtime: Duration,
    ) -> Result<(), DutyCycleError> {
        self.check(gateway, band, freq_hz, at, airtime)?;
        if let Some((key, _)) = self.key_budget(gateway, band, freq_hz)? {
            let toa = u64::try_from(airtime.as_micros()).unwrap_or(u64::MAX);
            let u = self.usage.entry(key).or_default();
            u.entries.push_back((at.0, toa));
            u.sum_us = u.sum_us.saturating_add(toa);
        }
        Ok(())
    }

    /// Gives back a recorded transmission that did not happen (refused by the gateway).
    pub fn refund(
        &mut self,
        gateway: Eui64,
        band: &Band,
        freq_hz: u32,
        at: Micros,
        airtime: Duration,
    ) {
        let Ok(Some((key, _))) = self.key_budget(gateway, band, freq_hz) else {
            return;
        };
        let toa = u64::try_from(airtime.as_micros()).unwrap_or(u64::MAX);
        if let Some(u) = self.usage.get_mut(&key)
            && let Some(i) = u.entries.iter().rposition(|e| *e == (at.0, toa))
        {
            u.entries.remove(i);
            u.sum_us -= toa;
        }
    }

    /// Time on air used in the window ending at `now` by `gateway` in the sub-band of `freq_hz`.
    pub fn used(&mut self, gateway: Eui64, band: &Band, freq_hz: u32, now: Micros) -> Duration {
        let Ok(Some((key, _))) = self.key_budget(gateway, band, freq_hz) else {
            return Duration::ZERO;
        };
        let window = self.window_us();
        self.usage.get_mut(&key).map_or(Duration::ZERO, |u| {
            u.prune(now.0, window);
            Duration::from_micros(u.sum_us)
        })
    }

    /// Drops entries that left the window and ledgers left empty; call now and then.
    pub fn prune(&mut self, now: Micros) {
        let window = self.window_us();
        self.usage.retain(|_, u| {
            u.prune(now.0, window);
            !u.entries.is_empty()
        });
    }

    /// Number of (gateway, sub-band) ledgers held.
    pub fn ledgers(&self) -> usize {
        self.usage.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::region::RegionId;

    const S: u64 = 1_000_000;

    fn gw(n: u64) -> Eui64 {
        Eui64::from_u64(n)
    }

    #[test]
    fn eu868_sub_band_budgets_by_table() {
        // RP002-1.0.3 §2.4.2 / ERC 70-03: g1 (868.0-868.6) 1 %, g2 (868.7-869.2) 0.1 %,
        // g3 (869.4-869.65) 10 %: per hour 36 s, 3.6 s, 360 s.
        let band = RegionId::Eu868.band();
        let cases = [
            ("868.1 MHz 1 %", 868_100_000, 36 * S),
            ("868.9 MHz 0.1 %", 868_900_000, 3_600_000),
            ("869.525 MHz (RX2) 10 %", 869_525_000, 360 * S),
            ("867.1 MHz (865-868) 1 %", 867_100_000, 36 * S),
        ];
        for (name, f, budget) in cases {
            let mut d = DutyCycle::new(DutyCycleConfig::default());
            let t = Micros(10 * S);
            let toa = Duration::from_micros(budget);
            assert_eq!(
                d.record(gw(1), band, f, t, toa),
                Ok(()),
                "{name}: budget fits"
            );
            assert_eq!(
                d.check(gw(1), band, f, t, Duration::from_micros(1)),
                Err(DutyCycleError::Exhausted {
                    used_us: budget,
                    budget_us: budget
                }),
                "{name}: one µs more does not"
            );
            assert_eq!(
                d.check(gw(2), band, f, t, toa),
                Ok(()),
                "{name}: other gateway"
            );
        }
    }

    #[test]
    fn window_slides_on_virtual_clock() {
        let band = RegionId::Eu868.band();
        let f = 868_100_000;
        let mut d = DutyCycle::new(DutyCycleConfig::default());
        let toa = Duration::from_secs(12);
        // Three 12 s transmissions fill the 36 s hourly budget of 868.1 MHz.
        for t in [0, 600, 1200] {
            assert_eq!(
                d.record(gw(1), band, f, Micros(t * S), toa),
                Ok(()),
                "t={t}"
            );
        }
        assert!(d.check(gw(1), band, f, Micros(1800 * S), toa).is_err());
        // Same gateway, other sub-band: its own budget.
        assert_eq!(
            d.check(gw(1), band, 869_525_000, Micros(1800 * S), toa),
            Ok(())
        );
        // One hour after the first, it has left the window.
        assert!(d.check(gw(1), band, f, Micros(3600 * S - 1), toa).is_err());
        assert_eq!(d.check(gw(1), band, f, Micros(3600 * S), toa), Ok(()));
        assert_eq!(
            d.used(gw(1), band, f, Micros(3600 * S)),
            Duration::from_secs(24)
        );
        d.refund(gw(1), band, f, Micros(1200 * S), toa);
        assert_eq!(
            d.used(gw(1), band, f, Micros(3600 * S)),
            Duration::from_secs(12)
        );
        d.prune(Micros(5000 * S));
        assert_eq!(d.ledgers(), 0);
    }

    #[test]
    fn no_limit_or_no_sub_band() {
        let us = RegionId::Us915.band();
        let mut d = DutyCycle::new(DutyCycleConfig::default());
        let hour = Duration::from_secs(3600);
        assert_eq!(d.record(gw(1), us, 923_300_000, Micros(0), hour), Ok(()));
        assert_eq!(d.record(gw(1), us, 923_300_000, Micros(0), hour), Ok(()));
        assert_eq!(d.ledgers(), 0, "US915: no duty cycle, nothing recorded");
        let eu = RegionId::Eu868.band();
        assert_eq!(
            d.check(gw(1), eu, 868_650_000, Micros(0), Duration::ZERO),
            Err(DutyCycleError::NoSubBand(868_650_000))
        );
        let mut off = DutyCycle::new(DutyCycleConfig {
            enforce: false,
            ..Default::default()
        });
        assert_eq!(off.record(gw(1), eu, 868_100_000, Micros(0), hour), Ok(()));
        assert_eq!(off.ledgers(), 0);
    }
}
