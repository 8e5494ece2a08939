//! Channels as data: default and join channel lists written as evenly spaced grids
//! (RP002-1.0.3 §2.x.2 "Default Channels" / "Channel Frequencies"), the RX1 frequency rule
//! (§2.x.7 "Receive Windows") and the regulatory sub-bands used for duty cycle.

/// One channel: centre frequency and the data rates it allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Channel {
    /// Centre frequency in Hz.
    pub frequency_hz: u32,
    /// Lowest allowed data rate.
    pub min_dr: u8,
    /// Highest allowed data rate.
    pub max_dr: u8,
}

/// `count` channels at `first_hz + i * step_hz`, all with the same data-rate range. A list of
/// irregular channels (IN865) is a list of grids with `count` 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelGrid {
    /// Frequency of the first channel in Hz.
    pub first_hz: u32,
    /// Spacing in Hz.
    pub step_hz: u32,
    /// Number of channels.
    pub count: u8,
    /// Lowest allowed data rate.
    pub min_dr: u8,
    /// Highest allowed data rate.
    pub max_dr: u8,
}

impl ChannelGrid {
    /// A grid of `count` channels.
    pub const fn new(first_hz: u32, step_hz: u32, count: u8, min_dr: u8, max_dr: u8) -> Self {
        Self {
            first_hz,
            step_hz,
            count,
            min_dr,
            max_dr,
        }
    }

    /// The same grid moved down by `offset_hz` (AS923_FREQ_OFFSET_HZ).
    pub const fn shifted_down(self, offset_hz: u32) -> Self {
        Self {
            first_hz: self.first_hz - offset_hz,
            ..self
        }
    }

    /// The channel at `i` within this grid.
    pub fn get(&self, i: u16) -> Option<Channel> {
        if i >= u16::from(self.count) {
            return None;
        }
        let frequency_hz = self
            .first_hz
            .checked_add(self.step_hz.checked_mul(u32::from(i))?)?;
        Some(Channel {
            frequency_hz,
            min_dr: self.min_dr,
            max_dr: self.max_dr,
        })
    }

    /// The position of `frequency_hz` within this grid.
    pub fn position(&self, frequency_hz: u32) -> Option<u16> {
        let delta = frequency_hz.checked_sub(self.first_hz)?;
        let i = if self.step_hz == 0 {
            (delta == 0).then_some(0)?
        } else {
            (delta % self.step_hz == 0).then_some(delta / self.step_hz)?
        };
        let i = u16::try_from(i).ok()?;
        (i < u16::from(self.count)).then_some(i)
    }

    /// The channels of this grid in order.
    pub fn channels(&self) -> impl Iterator<Item = Channel> + '_ {
        (0..u16::from(self.count)).filter_map(|i| self.get(i))
    }
}

/// The channel at a global `index` across consecutive grids.
pub(crate) fn channel_at(grids: &[ChannelGrid], index: u16) -> Option<Channel> {
    let mut rest = index;
    for g in grids {
        let n = u16::from(g.count);
        if rest < n {
            return g.get(rest);
        }
        rest -= n;
    }
    None
}

/// The global index of the first channel on `frequency_hz` across consecutive grids.
pub(crate) fn channel_index(grids: &[ChannelGrid], frequency_hz: u32) -> Option<u16> {
    let mut base = 0u16;
    for g in grids {
        if let Some(i) = g.position(frequency_hz) {
            return base.checked_add(i);
        }
        base = base.checked_add(u16::from(g.count))?;
    }
    None
}

/// How the RX1 downlink frequency follows from the uplink (RP002-1.0.3 §2.x.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rx1FrequencyRule {
    /// RX1 uses the uplink frequency (EU868, AS923, KR920, IN865, RU864).
    SameAsUplink,
    /// RX1 channel = uplink channel index mod `count`, looked up in the downlink channel list
    /// (US915/AU915: mod 8; CN470 26 MHz plans: mod 24; CN470 20 MHz plans: mod 64).
    ChannelModulo {
        /// The modulus: number of downlink channels.
        count: u16,
    },
}

/// A regulatory sub-band: frequency range (inclusive), duty cycle and max EIRP.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SubBand {
    /// Lowest frequency in Hz.
    pub min_hz: u32,
    /// Highest frequency in Hz.
    pub max_hz: u32,
    /// Maximum duty cycle in parts per thousand (1000: no limit).
    pub duty_cycle_permille: u16,
    /// Maximum EIRP in dBm.
    pub max_eirp_dbm: f32,
}

impl SubBand {
    /// A sub-band.
    pub const fn new(
        min_hz: u32,
        max_hz: u32,
        duty_cycle_permille: u16,
        max_eirp_dbm: f32,
    ) -> Self {
        Self {
            min_hz,
            max_hz,
            duty_cycle_permille,
            max_eirp_dbm,
        }
    }

    /// Whether `frequency_hz` lies in this sub-band (bounds inclusive).
    pub fn contains(&self, frequency_hz: u32) -> bool {
        (self.min_hz..=self.max_hz).contains(&frequency_hz)
    }

    /// The duty cycle as a fraction (0.01 = 1 %).
    pub fn duty_cycle(&self) -> f32 {
        f32::from(self.duty_cycle_permille) / 1000.0
    }
}
