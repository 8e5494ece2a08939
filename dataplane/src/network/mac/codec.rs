//! The journaled form of a session's MAC state (the blob of `persist::Change::MacState`):
//! what must survive a restart is what the device was told and accepted (current parameters),
//! what the network still wants (desired), and the last device status. Pending requests,
//! owed answers and the ADR history are not kept: a restart re-sends what `desired` still
//! differs in, and ADR collects its uplinks again.
//!
//! Layout, version 1 (integers little-endian):
//! `version: u8 = 1 | current: params | desired: params | flags: u8 (bit 0: device status) |
//! battery: u8 | margin: i8 | fcnt: u32`, where `params` is `DR, TXPower, NbTrans: u8 |
//! channel mask: u128 | RX1 delay, RX1DROffset, RX2 DR: u8 | RX2 frequency: u32 |
//! ADR_ACK limit exp, delay exp: u8 | ping-slot periodicity: u8 (0xFF: none) | rejoin MaxTimeN,
//! MaxCountN: u8` (31 bytes): 70 bytes in all.

use super::state::{DevStatus, MacParams, MacState};
use crate::network::session::LorawanVersion;
use shared::region::RegionId;

/// The version byte this build writes.
pub const VERSION: u8 = 1;
const PARAMS_LEN: usize = 31;
/// Bytes of an encoded state.
pub const ENCODED_LEN: usize = 1 + 2 * PARAMS_LEN + 1 + 6;

/// Why a blob could not be read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A version this build does not read.
    #[error("unknown MAC state version {0}")]
    Version(u8),
    /// Shorter or longer than the version's layout, or an out-of-range field.
    #[error("malformed MAC state")]
    Malformed,
}

fn put_params(p: &MacParams, out: &mut Vec<u8>) {
    out.extend_from_slice(&[p.data_rate, p.tx_power_index, p.nb_trans]);
    out.extend_from_slice(&p.channel_mask.to_le_bytes());
    out.extend_from_slice(&[p.rx1_delay_s, p.rx1_dr_offset, p.rx2_data_rate]);
    out.extend_from_slice(&p.rx2_frequency_hz.to_le_bytes());
    out.extend_from_slice(&[
        p.adr_ack_limit_exp,
        p.adr_ack_delay_exp,
        p.ping_slot_periodicity.unwrap_or(0xFF),
        p.rejoin_max_time_n,
        p.rejoin_max_count_n,
    ]);
}

fn get_params(b: &[u8]) -> Result<MacParams, DecodeError> {
    let b: &[u8; PARAMS_LEN] = b.try_into().map_err(|_| DecodeError::Malformed)?;
    let mut mask = [0u8; 16];
    mask.copy_from_slice(&b[3..19]);
    let mut freq = [0u8; 4];
    freq.copy_from_slice(&b[22..26]);
    let p = MacParams {
        data_rate: b[0],
        tx_power_index: b[1],
        nb_trans: b[2],
        channel_mask: u128::from_le_bytes(mask),
        rx1_delay_s: b[19],
        rx1_dr_offset: b[20],
        rx2_data_rate: b[21],
        rx2_frequency_hz: u32::from_le_bytes(freq),
        adr_ack_limit_exp: b[26],
        adr_ack_delay_exp: b[27],
        ping_slot_periodicity: (b[28] != 0xFF).then_some(b[28]),
        rejoin_max_time_n: b[29],
        rejoin_max_count_n: b[30],
    };
    let valid = p.data_rate < 16
        && p.tx_power_index < 16
        && (1..=15).contains(&p.nb_trans)
        && (1..=15).contains(&p.rx1_delay_s)
        && p.rx1_dr_offset < 8
        && p.rx2_data_rate < 16
        && p.ping_slot_periodicity.is_none_or(|x| x < 8);
    match valid {
        true => Ok(p),
        false => Err(DecodeError::Malformed),
    }
}

/// Appends the journaled form of `state` to `out` ([`ENCODED_LEN`] bytes).
pub fn encode(state: &MacState, out: &mut Vec<u8>) {
    out.push(VERSION);
    put_params(&state.current, out);
    put_params(&state.desired, out);
    match state.dev_status {
        Some(d) => {
            out.extend_from_slice(&[1, d.battery, d.margin as u8]);
            out.extend_from_slice(&d.fcnt.to_le_bytes());
        }
        None => out.extend_from_slice(&[0; 7]),
    }
}

/// Reads a journaled state back into a fresh state for `region` and `version`.
pub fn decode(
    blob: &[u8],
    region: RegionId,
    version: LorawanVersion,
) -> Result<MacState, DecodeError> {
    let (&v, rest) = blob.split_first().ok_or(DecodeError::Malformed)?;
    if v != VERSION {
        return Err(DecodeError::Version(v));
    }
    if rest.len() != ENCODED_LEN - 1 {
        return Err(DecodeError::Malformed);
    }
    let (cur, rest) = rest.split_at(PARAMS_LEN);
    let (des, rest) = rest.split_at(PARAMS_LEN);
    let mut s = MacState::new(region, version);
    s.current = get_params(cur)?;
    s.desired = get_params(des)?;
    s.dev_status = match rest {
        [0, 0, 0, 0, 0, 0, 0] => None,
        [1, battery, margin, f0, f1, f2, f3] => Some(DevStatus {
            battery: *battery,
            margin: *margin as i8,
            fcnt: u32::from_le_bytes([*f0, *f1, *f2, *f3]),
        }),
        _ => return Err(DecodeError::Malformed),
    };
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed() -> MacState {
        let mut s = MacState::new(RegionId::Us915, LorawanVersion::V1_1);
        s.current.data_rate = 3;
        s.current.tx_power_index = 2;
        s.current.nb_trans = 2;
        s.current.channel_mask = 0xFF00 | (1 << 65);
        s.current.rx1_delay_s = 5;
        s.current.ping_slot_periodicity = Some(7);
        s.desired = s.current;
        s.desired.rx2_frequency_hz = 923_300_000;
        s.dev_status = Some(DevStatus {
            battery: 200,
            margin: -5,
            fcnt: 77,
        });
        s
    }

    #[test]
    fn round_trips() {
        let cases = [
            (
                "EU868 defaults",
                MacState::new(RegionId::Eu868, LorawanVersion::V1_0),
            ),
            ("US915 changed, device status", changed()),
        ];
        for (name, s) in cases {
            let mut b = Vec::new();
            encode(&s, &mut b);
            assert_eq!(b.len(), ENCODED_LEN, "{name}");
            let back = decode(&b, RegionId::Eu868, LorawanVersion::V1_0).expect(name);
            assert_eq!(
                (back.current, back.desired, back.dev_status),
                (s.current, s.desired, s.dev_status),
                "{name}"
            );
        }
    }

    #[test]
    fn refuses_bad_blobs() {
        let mut good = Vec::new();
        encode(&changed(), &mut good);
        let mut bad_version = good.clone();
        bad_version[0] = 2;
        let mut bad_nb_trans = good.clone();
        bad_nb_trans[3] = 0;
        let mut bad_flags = good.clone();
        bad_flags[63] = 3;
        let cases: [(&str, &[u8], DecodeError); 5] = [
            ("empty", &[], DecodeError::Malformed),
            ("future version", &bad_version, DecodeError::Version(2)),
            ("truncated", &good[..40], DecodeError::Malformed),
            ("NbTrans 0", &bad_nb_trans, DecodeError::Malformed),
            ("flags", &bad_flags, DecodeError::Malformed),
        ];
        for (name, b, want) in cases {
            assert_eq!(
                decode(b, RegionId::Eu868, LorawanVersion::V1_0),
                Err(want),
                "{name}"
            );
        }
    }
}
