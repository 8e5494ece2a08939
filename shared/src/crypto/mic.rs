//! Message integrity codes: join-request, rejoin-request, join-accept and data frames
//! (LoRaWAN 1.0.4 §4.4 and §6.2.5; LoRaWAN 1.1 §4.4 and §6.2.3–6.2.5).
//!
//! Each function takes the exact bytes the MIC covers as `msg` (for a data frame MHDR through
//! FRMPayload, for a join-request MHDR through DevNonce, and so on) and returns the first four
//! bytes of the AES-CMAC. Data MICs prepend the B0 (and, for a 1.1 uplink, B1) block built on the
//! stack. All functions are allocation-free and run over a prepared [`MicKey`].
//!
//! ```
//! use shared::crypto::{MicKey, data_uplink_mic_v10, mic_eq};
//! use shared::types::{Aes128Key, DevAddr};
//! // Unconfirmed uplink from 01020304, FCnt 1, FPort 1 (The Things Stack's pkg/crypto vector).
//! let phy = [0x40, 4, 3, 2, 1, 0, 1, 0, 1, 1, 2, 3, 4, 0x3B, 0x07, 0x31, 0x82];
//! let key = MicKey::new(&Aes128Key::from_bytes([1; 16]));
//! let (msg, mic) = phy.split_at(phy.len() - 4);
//! let got = data_uplink_mic_v10(&key, DevAddr::from_u32(0x0102_0304), 1, msg);
//! assert!(mic_eq(&got, mic.try_into().unwrap()));
//! ```
//!
//! `msg` is at most 255 bytes on air (a PHYPayload's limit); the B0 length byte is `len(msg)`
//! modulo 256, so a longer slice yields a MIC no valid frame carries.

pub use super::aes_cmac::MicKey;
use crate::types::{DevAddr, Direction, JoinEui};

/// A 4-byte MIC as carried at the end of a PHYPayload.
pub type Mic = [u8; 4];

fn first4(tag: [u8; 16]) -> Mic {
    [tag[0], tag[1], tag[2], tag[3]]
}

/// The B0/B1 block (1.1 §4.4): `0x49 | x[4] | Dir | DevAddr | FCnt | 0x00 | len(msg)`.
fn b_block(x: [u8; 4], dir: Direction, dev_addr: DevAddr, fcnt: u32, msg_len: usize) -> [u8; 16] {
    let a = dev_addr.to_wire_bytes();
    let f = fcnt.to_le_bytes();
    [
        0x49,
        x[0],
        x[1],
        x[2],
        x[3],
        dir as u8,
        a[0],
        a[1],
        a[2],
        a[3],
        f[0],
        f[1],
        f[2],
        f[3],
        0x00,
        msg_len as u8,
    ]
}

fn cmac_with_block(key: &MicKey, b: &[u8; 16], msg: &[u8]) -> [u8; 16] {
    let mut c = key.chain();
    c.block(b);
    c.update(msg);
    c.finish()
}

/// Join-request MIC: `aes128_cmac(NwkKey, MHDR | JoinEUI | DevEUI | DevNonce)` (1.1 §6.2.2;
/// AppKey in 1.0.x).
pub fn join_request_mic(key: &MicKey, msg: &[u8]) -> Mic {
    first4(key.cmac(msg))
}

/// Rejoin-request MIC over `MHDR | RejoinType | … | RJcount` (1.1 §6.2.4.4): SNwkSIntKey for
/// types 0 and 2, JSIntKey for type 1.
pub fn rejoin_request_mic(key: &MicKey, msg: &[u8]) -> Mic {
    first4(key.cmac(msg))
}

/// LoRaWAN 1.0.x join-accept MIC (1.0.4 §6.2.5), also 1.1 with OptNeg clear:
/// `aes128_cmac(AppKey, MHDR | JoinNonce | NetID | DevAddr | DLSettings | RxDelay | CFList)`.
pub fn join_accept_mic_v10(key: &MicKey, msg: &[u8]) -> Mic {
    first4(key.cmac(msg))
}

/// LoRaWAN 1.1 join-accept MIC with OptNeg set (1.1 §6.2.3):
/// `aes128_cmac(JSIntKey, JoinReqType | JoinEUI | DevNonce | MHDR | JoinNonce | NetID | DevAddr |
/// DLSettings | RxDelay | CFList)`; `join_req_type` is 0xFF for a join-request, else the rejoin
/// type. `msg` starts at MHDR.
pub fn join_accept_mic_v11(
    js_int_key: &MicKey,
    join_req_type: u8,
    join_eui: JoinEui,
    dev_nonce: u16,
    msg: &[u8],
) -> Mic {
    let e = join_eui.to_wire_bytes();
    let n = dev_nonce.to_le_bytes();
    let prefix = [
        join_req_type,
        e[0],
        e[1],
        e[2],
        e[3],
        e[4],
        e[5],
        e[6],
        e[7],
        n[0],
        n[1],
    ];
    let mut c = js_int_key.chain();
    c.update(&prefix);
    c.update(msg);
    first4(c.finish())
}

/// LoRaWAN 1.0.x uplink data MIC (1.0.4 §4.4): `aes128_cmac(NwkSKey, B0 | msg)[0..4]` with
/// `Dir` = 0 and the full 32-bit FCntUp.
pub fn data_uplink_mic_v10(key: &MicKey, dev_addr: DevAddr, fcnt: u32, msg: &[u8]) -> Mic {
    let b0 = b_block([0; 4], Direction::Uplink, dev_addr, fcnt, msg.len());
    first4(cmac_with_block(key, &b0, msg))
}

/// The two halves of a LoRaWAN 1.1 uplink MIC (1.1 §4.4): `cmacS` under SNwkSIntKey over B1 (which
/// carries ConfFCnt, TxDr, TxCh) and `cmacF` under FNwkSIntKey over B0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UplinkMicV11 {
    /// `cmacS[0..2]`: the first two bytes of the MIC, checked by the serving NS.
    pub s: [u8; 2],
    /// `cmacF[0..2]`: the last two bytes of the MIC, checked by the forwarding NS.
    pub f: [u8; 2],
}

impl UplinkMicV11 {
    /// The 4-byte MIC: `cmacS[0..2] | cmacF[0..2]`.
    pub fn mic(self) -> Mic {
        [self.s[0], self.s[1], self.f[0], self.f[1]]
    }
}

/// LoRaWAN 1.1 uplink data MIC in halves (1.1 §4.4). `conf_fcnt` is the FCnt of the confirmed
/// downlink being acknowledged (its low 16 bits), or 0 when the ACK bit is clear; `tx_dr` and
/// `tx_ch` are the data rate and channel index of the uplink.
#[allow(clippy::too_many_arguments)] // the spec's B1 fields, each its own parameter
pub fn data_uplink_mic_v11(
    f_nwk_s_int: &MicKey,
    s_nwk_s_int: &MicKey,
    conf_fcnt: u16,
    tx_dr: u8,
    tx_ch: u8,
    dev_addr: DevAddr,
    fcnt: u32,
    msg: &[u8],
) -> UplinkMicV11 {
    let b0 = b_block([0; 4], Direction::Uplink, dev_addr, fcnt, msg.len());
    let c = conf_fcnt.to_le_bytes();
    let b1 = b_block(
        [c[0], c[1], tx_dr, tx_ch],
        Direction::Uplink,
        dev_addr,
        fcnt,
        msg.len(),
    );
    let s = cmac_with_block(s_nwk_s_int, &b1, msg);
    let f = cmac_with_block(f_nwk_s_int, &b0, msg);
    UplinkMicV11 {
        s: [s[0], s[1]],
        f: [f[0], f[1]],
    }
}

/// Downlink data MIC (1.0.4 §4.4, 1.1 §4.4): `aes128_cmac(key, B0 | msg)[0..4]` with `Dir` = 1.
/// The key is NwkSKey (1.0.x) or SNwkSIntKey (1.1); `conf_fcnt` is the acknowledged uplink's
/// FCnt when a 1.1 downlink has ACK set, else 0 (always 0 for 1.0.x).
pub fn data_downlink_mic(
    key: &MicKey,
    conf_fcnt: u16,
    dev_addr: DevAddr,
    fcnt: u32,
    msg: &[u8],
) -> Mic {
    let c = conf_fcnt.to_le_bytes();
    let b0 = b_block(
        [c[0], c[1], 0, 0],
        Direction::Downlink,
        dev_addr,
        fcnt,
        msg.len(),
    );
    first4(cmac_with_block(key, &b0, msg))
}

/// Compares two MICs in constant time (no early exit on the first differing byte).
pub fn mic_eq(a: &Mic, b: &Mic) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Aes128Key;

    fn key(b: u8) -> MicKey {
        MicKey::new(&Aes128Key::from_bytes([b; 16]))
    }

    /// The frame of The Things Stack's `TestUplinkDownlinkMIC` (pkg/crypto/data_messages_test.go):
    /// unconfirmed uplink, DevAddr 01020304, FCnt 1, FPort 1, data 01020304.
    const TTS_FRAME: [u8; 13] = [0x40, 4, 3, 2, 1, 0, 1, 0, 1, 1, 2, 3, 4];

    #[test]
    fn data_mics_by_table() {
        let addr = DevAddr::from_be_bytes([1, 2, 3, 4]);
        let k = key(1);
        let cases: [(&str, Mic, Mic); 3] = [
            (
                "1.0 uplink",
                data_uplink_mic_v10(&k, addr, 1, &TTS_FRAME),
                [0x3B, 0x07, 0x31, 0x82],
            ),
            (
                "1.1 uplink, both keys equal, B1 zero",
                data_uplink_mic_v11(&k, &k, 0, 0, 0, addr, 1, &TTS_FRAME).mic(),
                [0x3B, 0x07, 0x3B, 0x07],
            ),
            (
                "downlink",
                data_downlink_mic(&k, 0, addr, 1, &TTS_FRAME),
                [0xA5, 0x60, 0x9F, 0xA9],
            ),
        ];
        for (name, got, want) in cases {
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn join_mics_by_table() {
        // The Things Stack pkg/crypto/join_messages_test.go, key 01×16.
        let k = key(1);
        let jr = [0u8, 8, 7, 6, 5, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1, 2, 1];
        assert_eq!(
            join_request_mic(&k, &jr),
            [0xe6, 0xe1, 0x0c, 0x55],
            "join-request"
        );
        let ja = [0x20u8, 3, 2, 1, 3, 2, 1, 4, 3, 2, 1, 0, 1];
        assert_eq!(
            join_accept_mic_v10(&k, &ja),
            [0x32, 0xf5, 0x4a, 0xb3],
            "1.0 join-accept"
        );
        let eui = JoinEui::from_be_bytes([8, 7, 6, 5, 4, 3, 2, 1]);
        let mic = join_accept_mic_v11(&k, 0xff, eui, 0x0201, &ja);
        assert_eq!(mic, [0x48, 0xe9, 0xbe, 0x5f], "1.1 join-accept");
    }

    #[test]
    fn halves_and_mic_eq() {
        let m = UplinkMicV11 {
            s: [1, 2],
            f: [3, 4],
        };
        assert_eq!(m.mic(), [1, 2, 3, 4]);
        assert!(mic_eq(&[1, 2, 3, 4], &[1, 2, 3, 4]));
        for i in 0..4 {
            let mut b = [1, 2, 3, 4];
            b[i] ^= 0x80;
            assert!(!mic_eq(&[1, 2, 3, 4], &b), "byte {i}");
        }
    }
}
