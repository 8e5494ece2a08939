//! The `sx1301_conf` object of router_config (Basic Station docs "The LNS Protocol" §Router
//! Config; keys as `src/sx130xconf.c` reads them): two radios (`radio_0`, `radio_1`: `enable`,
//! `freq`, optional `antenna_gain`), eight multi-SF 125 kHz channels (`chan_multiSF_0..7`), one
//! single-SF LoRa channel (`chan_Lora_std`: 250/500 kHz) and one FSK channel (`chan_FSK`), each
//! as `radio` + `if` (offset from that radio's centre, Hz).
//!
//! [`Sx1301Conf::build`] turns a channel plan (frequency + DR range per channel, as RP002
//! default channels or a CFList give them) into that layout. Channels whose DR range includes a
//! 125 kHz LoRa rate are multi-SF; a single 250/500 kHz LoRa rate is the LoRa-std channel; a
//! single FSK rate is the FSK channel (rates the station cannot express, LR-FHSS, are skipped). With [`RadioPlacement::Auto`] the radio centres are
//! chosen greedily in frequency order: each channel admits centres within `±max_if` of its
//! frequency, where `max_if = (radio bandwidth - channel bandwidth) / 2` with the SX1301 HAL's
//! radio bandwidths of 925/1000/1100 kHz for 125/250/500 kHz channels (max |IF| 400/375/300
//! kHz); a radio takes channels while those windows still intersect and sits at the middle of
//! the intersection. This reproduces Semtech's own US902 block-0 configuration
//! (`examples/station2pkfwd/router_config.py`, checked in `tests/basicstation_router_config.rs`).
//! With [`RadioPlacement::Fixed`] the caller gives the radios (and optionally a radio per
//! channel), as TTS frequency plans do; offsets are then not range-checked.

use super::BasicStationError;
use super::dr_table::{DrDef, DrTable};

/// One channel of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanChannel {
    /// Centre frequency in Hz.
    pub freq_hz: u32,
    /// Lowest data rate.
    pub min_dr: u8,
    /// Highest data rate.
    pub max_dr: u8,
    /// Radio to put it on (only with [`RadioPlacement::Fixed`]; `None`: the nearer one).
    pub radio: Option<u8>,
}

/// One radio (`radio_N`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RadioConf {
    /// Whether the radio receives (`enable`).
    pub enable: bool,
    /// Centre frequency in Hz (`freq`).
    pub freq_hz: u32,
    /// Antenna gain in dBi (`antenna_gain`), reducing TX power.
    pub antenna_gain: Option<f32>,
}

/// How the radios are placed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RadioPlacement {
    /// Computed from the channels (see the module doc); both radios get this antenna gain.
    Auto {
        /// Antenna gain in dBi.
        antenna_gain: Option<f32>,
    },
    /// Given by the caller.
    Fixed([RadioConf; 2]),
}

/// A channel on a radio (`radio`, `if`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfChannel {
    /// Radio index 0/1.
    pub radio: u8,
    /// Offset from the radio centre in Hz.
    pub if_hz: i32,
}

/// The single-SF LoRa channel (`chan_Lora_std`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoraStdChannel {
    /// Radio and offset.
    pub at: IfChannel,
    /// Bandwidth in Hz (`bandwidth`).
    pub bandwidth_hz: u32,
    /// Spreading factor (`spread_factor`).
    pub spread_factor: u8,
}

/// The FSK channel (`chan_FSK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FskChannel {
    /// Radio and offset.
    pub at: IfChannel,
    /// Bit rate (`datarate`).
    pub datarate: u32,
}

/// One concentrator's configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sx1301Conf {
    /// `radio_0`, `radio_1`.
    pub radios: [RadioConf; 2],
    /// `chan_multiSF_0..7` (`None`: disabled).
    pub multi_sf: [Option<IfChannel>; 8],
    /// `chan_Lora_std`.
    pub lora_std: Option<LoraStdChannel>,
    /// `chan_FSK`.
    pub fsk: Option<FskChannel>,
}

/// FSK bit rate of LoRaWAN's FSK data rate.
const FSK_BITRATE: u32 = 50_000;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Multi,
    Std { sf: u8, bw_khz: u16 },
    Fsk,
}

impl Kind {
    fn max_if(self) -> i64 {
        match self {
            Self::Multi | Self::Fsk => 400_000,
            Self::Std { bw_khz: 250, .. } => 375_000,
            Self::Std { .. } => 300_000,
        }
    }
}

fn classify(c: &PlanChannel, drs: &DrTable) -> Result<Kind, BasicStationError> {
    // Rates the station cannot express (LR-FHSS, RFU) are skipped: US915's 500 kHz channels
    // allow DR4 and the LR-FHSS DR6.
    let mut defined = (c.min_dr..=c.max_dr)
        .map(|d| drs.get(d))
        .filter(|d| !matches!(d, DrDef::Undefined | DrDef::Lora { dn_only: true, .. }));
    let first = defined.next();
    let rest: Vec<DrDef> = defined.collect();
    let all = first.iter().chain(rest.iter());
    if all
        .clone()
        .any(|d| matches!(d, DrDef::Lora { bw_khz: 125, .. }))
    {
        return Ok(Kind::Multi);
    }
    match (first, rest.is_empty()) {
        (Some(DrDef::Lora { sf, bw_khz, .. }), true) => Ok(Kind::Std { sf, bw_khz }),
        (Some(DrDef::Fsk { .. }), true) => Ok(Kind::Fsk),
        _ => Err(BasicStationError::ChannelPlan(
            "channel DR range fits no SX1301 channel type",
        )),
    }
}

impl Sx1301Conf {
    /// Lays out a channel plan on one SX1301 (see the module doc).
    pub fn build(
        channels: &[PlanChannel],
        drs: &DrTable,
        placement: RadioPlacement,
    ) -> Result<Self, BasicStationError> {
        let mut kinds = Vec::with_capacity(channels.len());
        for c in channels {
            kinds.push((c, classify(c, drs)?));
        }
        let radios = match placement {
            RadioPlacement::Fixed(r) => r,
            RadioPlacement::Auto { antenna_gain } => auto_radios(&kinds, antenna_gain)?,
        };
        let fixed = matches!(placement, RadioPlacement::Fixed(_));
        let mut conf = Self {
            radios,
            multi_sf: [None; 8],
            lora_std: None,
            fsk: None,
        };
        let mut used = [false; 2];
        let mut n_multi = 0;
        for (c, kind) in kinds {
            let at = place(c, kind, &radios, fixed)?;
            if let Some(u) = used.get_mut(usize::from(at.radio)) {
                *u = true;
            }
            match kind {
                Kind::Multi => {
                    let slot =
                        conf.multi_sf
                            .get_mut(n_multi)
                            .ok_or(BasicStationError::ChannelPlan(
                                "more than 8 multi-SF channels",
                            ))?;
                    *slot = Some(at);
                    n_multi += 1;
                }
                Kind::Std { sf, bw_khz } => {
                    if conf.lora_std.is_some() {
                        return Err(BasicStationError::ChannelPlan(
                            "more than one LoRa-std channel",
                        ));
                    }
                    conf.lora_std = Some(LoraStdChannel {
                        at,
                        bandwidth_hz: u32::from(bw_khz) * 1000,
                        spread_factor: sf,
                    });
                }
                Kind::Fsk => {
                    if conf.fsk.is_some() {
                        return Err(BasicStationError::ChannelPlan("more than one FSK channel"));
                    }
                    conf.fsk = Some(FskChannel {
                        at,
                        datarate: FSK_BITRATE,
                    });
                }
            }
        }
        if !fixed {
            for (r, u) in conf.radios.iter_mut().zip(used) {
                r.enable = u;
            }
        }
        Ok(conf)
    }
}

/// Greedy radio centres over channels sorted by frequency.
fn auto_radios(
    kinds: &[(&PlanChannel, Kind)],
    antenna_gain: Option<f32>,
) -> Result<[RadioConf; 2], BasicStationError> {
    let mut sorted: Vec<(i64, i64)> = kinds
        .iter()
        .map(|(c, k)| (i64::from(c.freq_hz), k.max_if()))
        .collect();
    sorted.sort_unstable();
    let mut centres: Vec<i64> = Vec::with_capacity(2);
    let mut window: Option<(i64, i64)> = None;
    for (f, m) in sorted {
        let (lo, hi) = (f - m, f + m);
        window = match window {
            Some((a, b)) if lo.max(a) <= hi.min(b) => Some((lo.max(a), hi.min(b))),
            Some((a, b)) => {
                centres.push((a + b) / 2);
                Some((lo, hi))
            }
            None => Some((lo, hi)),
        };
    }
    let (a, b) = window.ok_or(BasicStationError::ChannelPlan("no channels"))?;
    centres.push((a + b) / 2);
    if centres.len() > 2 {
        return Err(BasicStationError::ChannelPlan(
            "channels span more than two radios",
        ));
    }
    let freq = |i: usize| {
        centres
            .get(i)
            .or(centres.first())
            .and_then(|&c| u32::try_from(c).ok())
            .ok_or(BasicStationError::ChannelPlan(
                "radio frequency out of range",
            ))
    };
    let radio = |freq_hz| RadioConf {
        enable: true,
        freq_hz,
        antenna_gain,
    };
    Ok([radio(freq(0)?), radio(freq(1)?)])
}

/// Puts a channel on a radio: the one named, or the nearest one that can receive it.
fn place(
    c: &PlanChannel,
    kind: Kind,
    radios: &[RadioConf; 2],
    fixed: bool,
) -> Result<IfChannel, BasicStationError> {
    let offset = |r: &RadioConf| i64::from(c.freq_hz) - i64::from(r.freq_hz);
    let chosen = match (fixed, c.radio) {
        (true, Some(r)) => Some(r),
        _ => (0u8..2)
            .filter(|&i| {
                radios
                    .get(usize::from(i))
                    .is_some_and(|r| fixed || offset(r).abs() <= kind.max_if())
            })
            .min_by_key(|&i| {
                radios
                    .get(usize::from(i))
                    .map_or(i64::MAX, |r| offset(r).abs())
            }),
    };
    let r = chosen.ok_or(BasicStationError::ChannelPlan(
        "channel outside both radios",
    ))?;
    let radio = radios
        .get(usize::from(r))
        .ok_or(BasicStationError::ChannelPlan("radio index above 1"))?;
    let if_hz = i32::try_from(offset(radio))
        .map_err(|_| BasicStationError::ChannelPlan("IF offset out of range"))?;
    Ok(IfChannel { radio: r, if_hz })
}
