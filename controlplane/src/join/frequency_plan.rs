//! Frequency plans and the radio fields of a join-accept: CFList, DLSettings and RxDelay
//! (LoRaWAN 1.1 §6.2.3; RP002-1.0.3 §2.x.4 "CFList" and §2.x.7 "Receive windows").
//!
//! A plan names a region and what the network adds to its defaults: up to five extra channel
//! frequencies for CFListType-0 regions (EU868, AS923, KR920, IN865, RU864), or the enabled
//! uplink channels for CFListType-1 regions (US915, AU915, CN470), sent as channel masks. The
//! region's tables (`shared::region`) say which CFList type applies, which frequencies lie in the
//! band, how many channels exist and which RX1DROffset and RX2 data rates are valid. A bare
//! region id ("EU868") is a plan that sends no CFList.

use super::state::RxSettings;
use serde::{Deserialize, Deserializer};
use shared::lorawan::{CF_LIST_MAX_FREQUENCY, CfList, DlSettings};
use shared::region::{Band, CfListType, RegionId};
use std::collections::BTreeMap;

/// Most extra channels a type-0 CFList carries.
pub const MAX_EXTRA_CHANNELS: usize = 5;

/// A network's channel plan within a region.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FrequencyPlan {
    /// The region ("EU868", "US915", …).
    #[serde(deserialize_with = "region_from_str")]
    pub region: RegionId,
    /// Extra channel frequencies in Hz for a CFListType-0 region (at most five).
    #[serde(default)]
    pub extra_channels_hz: Vec<u32>,
    /// Enabled uplink channel indices for a CFListType-1 region; empty sends no CFList.
    #[serde(default)]
    pub enabled_channels: Vec<u16>,
}

fn region_from_str<'de, D: Deserializer<'de>>(d: D) -> Result<RegionId, D::Error> {
    let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    s.parse()
        .map_err(|_| serde::de::Error::custom(format!("unknown region {s:?}")))
}

/// Why a plan or RX setting cannot go into a join-accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrequencyPlanError {
    /// No plan with this id and not a region id either.
    #[error("unknown frequency plan {0:?}")]
    UnknownPlan(String),
    /// More extra channels than a CFList holds.
    #[error("{0} extra channels; a CFList holds at most 5")]
    TooManyChannels(usize),
    /// An extra channel outside the region's sub-bands or not encodable (100 Hz steps).
    #[error("extra channel {0} Hz is not a valid frequency for the region")]
    InvalidFrequency(u32),
    /// An enabled channel index beyond the region's uplink channels.
    #[error("channel {0} does not exist in the region")]
    ChannelOutOfRange(u16),
    /// Extra frequencies for a channel-mask region, or a mask for a frequency-list region.
    #[error("{0} takes the other CFList type")]
    WrongCfListType(RegionId),
    /// RX1DROffset not defined for the region.
    #[error("RX1DROffset {0} not allowed in the region")]
    InvalidRx1DrOffset(u8),
    /// RX2 data rate not a downlink data rate of the region.
    #[error("RX2 data rate {0} not allowed in the region")]
    InvalidRx2DataRate(u8),
    /// RX1 delay outside 1–15 s.
    #[error("RX1 delay {0} s outside 1-15")]
    InvalidRx1Delay(u8),
}

impl FrequencyPlan {
    /// A plan with the region's defaults only (no CFList).
    pub fn region_only(region: RegionId) -> Self {
        Self {
            region,
            extra_channels_hz: Vec::new(),
            enabled_channels: Vec::new(),
        }
    }

    /// The region's tables.
    pub fn band(&self) -> &'static Band {
        self.region.band()
    }

    /// The CFList this plan sends, checked against the region; `None` when it adds nothing.
    pub fn cf_list(&self) -> Result<Option<CfList>, FrequencyPlanError> {
        let band = self.band();
        match band.cflist_type {
            CfListType::Frequencies => {
                if !self.enabled_channels.is_empty() {
                    return Err(FrequencyPlanError::WrongCfListType(self.region));
                }
                let n = self.extra_channels_hz.len();
                if n > MAX_EXTRA_CHANNELS {
                    return Err(FrequencyPlanError::TooManyChannels(n));
                }
                if n == 0 {
                    return Ok(None);
                }
                let mut fs = [0u32; MAX_EXTRA_CHANNELS];
                for (slot, &f) in fs.iter_mut().zip(&self.extra_channels_hz) {
                    let encodable = f % 100 == 0 && f <= CF_LIST_MAX_FREQUENCY;
                    if !encodable || band.sub_band(f).is_none() {
                        return Err(FrequencyPlanError::InvalidFrequency(f));
                    }
                    *slot = f;
                }
                Ok(Some(CfList::Frequencies(fs)))
            }
            CfListType::ChannelMask => {
                if !self.extra_channels_hz.is_empty() {
                    return Err(FrequencyPlanError::WrongCfListType(self.region));
                }
                if self.enabled_channels.is_empty() {
                    return Ok(None);
                }
                let count = band.uplink_channel_count();
                let mut masks = [0u16; 7];
                for &ch in &self.enabled_channels {
                    let block = masks.get_mut(usize::from(ch / 16));
                    match block {
                        Some(m) if ch < count => *m |= 1 << (ch % 16),
                        _ => return Err(FrequencyPlanError::ChannelOutOfRange(ch)),
                    }
                }
                Ok(Some(CfList::ChannelMasks(masks)))
            }
        }
    }
}

/// DLSettings and the RxDelay octet for `rx` in `band`; `opt_neg` is set for a 1.1 device.
pub fn downlink_settings(
    band: &Band,
    rx: &RxSettings,
    opt_neg: bool,
) -> Result<(DlSettings, u8), FrequencyPlanError> {
    // The RX1 table's row for the lowest uplink DR lists every offset the region defines.
    let offsets = band.rx1_data_rate.first().map_or(0, |row| row.len());
    if usize::from(rx.rx1_dr_offset) >= offsets {
        return Err(FrequencyPlanError::InvalidRx1DrOffset(rx.rx1_dr_offset));
    }
    let rx2 = rx.rx2_data_rate.unwrap_or(band.rx2.data_rate);
    if !band.data_rate(rx2).is_some_and(|r| r.is_downlink()) {
        return Err(FrequencyPlanError::InvalidRx2DataRate(rx2));
    }
    if !(1..=15).contains(&rx.rx1_delay_secs) {
        return Err(FrequencyPlanError::InvalidRx1Delay(rx.rx1_delay_secs));
    }
    let dl = DlSettings {
        opt_neg,
        rx1_dr_offset: rx.rx1_dr_offset,
        rx2_data_rate: rx2,
    };
    Ok((dl, rx.rx1_delay_secs))
}

/// Plans every server knows, named as in The Things Stack's `lorawan-frequency-plans`:
/// `EU_863_870` (867.1–867.9 MHz extra), `US_902_928_FSB_2` and `AU_915_928_FSB_2` (channels
/// 8–15 and 65, the second sub-band most gateways listen on).
pub fn builtin_plans() -> BTreeMap<String, FrequencyPlan> {
    let fsb2: Vec<u16> = (8..=15).chain([65]).collect();
    let plans = [
        (
            "EU_863_870",
            FrequencyPlan {
                extra_channels_hz: vec![
                    867_100_000,
                    867_300_000,
                    867_500_000,
                    867_700_000,
                    867_900_000,
                ],
                ..FrequencyPlan::region_only(RegionId::Eu868)
            },
        ),
        (
            "US_902_928_FSB_2",
            FrequencyPlan {
                enabled_channels: fsb2.clone(),
                ..FrequencyPlan::region_only(RegionId::Us915)
            },
        ),
        (
            "AU_915_928_FSB_2",
            FrequencyPlan {
                enabled_channels: fsb2,
                ..FrequencyPlan::region_only(RegionId::Au915)
            },
        ),
    ];
    plans
        .into_iter()
        .map(|(id, p)| (id.to_owned(), p))
        .collect()
}

#[cfg(test)]
#[path = "frequency_plan_tests.rs"]
mod tests;
