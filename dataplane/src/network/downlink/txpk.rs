//! A [`ScheduledDownlink`] as the Semtech UDP PULL_RESP `txpk` (PROTOCOL.TXT v2 §6): `tmst`
//! timing for class A, `imme` for class C and `tmms` (GPS ms) for class B, as The Things Stack
//! writes them (`pkg/ttnpb/udp/translation.go`: `tmms` when an absolute time is known, `imme`
//! when neither it nor a concentrator timestamp is), `freq`, `rfch` 0 (the TX-capable chain of SX1301/SX1302 reference designs, as The
//! Things Stack and ChirpStack send), `powe`, LoRa `datr`/`codr` 4/5 with `ipol` true, or FSK
//! `datr` with `fdev` (25 kHz for LoRaWAN's 50 kbit/s GFSK, RP002-1.0.3), and `ncrc` true
//! (LoRaWAN downlinks carry no PHY CRC, 1.0.4 §3.1). `ipol` is always written (false for FSK):
//! strict parsers such as the `semtech-udp` crate require it.

use super::ScheduledDownlink;
use super::schedule::SlotTiming;
use shared::region::Modulation;
use shared::semtech_udp::{
    CodingRate, DataRate, Packet, ProtocolVersion, Token, TxPk, TxTiming, UdpError,
};

/// The `txpk` for a scheduled downlink; `None` for a modulation Semtech UDP cannot carry.
pub fn to_txpk(d: &ScheduledDownlink) -> Option<TxPk> {
    let s = &d.slot;
    let (data_rate, coding_rate, fdev, ipol) = match s.modulation {
        Modulation::LoRa {
            spreading_factor,
            bandwidth_hz,
        } => (
            DataRate::Lora {
                spreading_factor,
                bandwidth_khz: u16::try_from(bandwidth_hz / 1000).ok()?,
            },
            Some(CodingRate::Cr4_5),
            None,
            Some(s.iq_inverted),
        ),
        Modulation::Fsk { bit_rate } => (
            DataRate::Fsk { bitrate: bit_rate },
            None,
            Some(bit_rate / 2),
            Some(false),
        ),
        Modulation::LrFhss { .. } => return None,
    };
    Some(TxPk {
        timing: match s.timing {
            SlotTiming::Concentrator => TxTiming::Tmst(s.tmst),
            SlotTiming::Immediate => TxTiming::Immediate,
            SlotTiming::Gps(us) => TxTiming::Tmms(us / 1000),
        },
        freq_hz: u64::from(s.frequency_hz),
        rfch: 0,
        powe: Some(s.power_dbm),
        brd: None,
        ant: None,
        data_rate,
        coding_rate,
        fdev,
        ipol,
        prea: None,
        ncrc: Some(true),
        payload: d.phy_payload,
    })
}

/// Appends the PULL_RESP datagram for `d` with `token` (echoed by the TX_ACK) to `out`.
pub fn emit_pull_resp(
    d: &ScheduledDownlink,
    version: ProtocolVersion,
    token: Token,
    out: &mut Vec<u8>,
) -> Result<(), UdpError> {
    let txpk = to_txpk(d).ok_or(UdpError::InvalidField("modu"))?;
    Packet::PullResp {
        version,
        token,
        txpk,
    }
    .emit(out)
}
