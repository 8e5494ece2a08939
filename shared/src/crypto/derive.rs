//! Key derivation: session keys after a join (LoRaWAN 1.0.4 §6.2.5, 1.1 §6.2.3 "Join-accept"
//! key derivation) and the Join Server's lifetime keys JSIntKey and JSEncKey (1.1 §6.1.1.3).
//!
//! Every key is one AES-128 encryption of a padded block under a root key:
//! `aes128_encrypt(root, type | fields… | pad16)`, with JoinNonce, NetID, JoinEUI, DevEUI and
//! DevNonce in their little-endian air order. The functions run at join time, not per frame, so
//! they take the unprepared [`Aes128Key`].

use crate::types::{Aes128Key, DevEui, JoinEui, NetId};
use aes::Aes128Enc;
use aes::cipher::{BlockEncrypt, KeyInit};

/// Session keys of a LoRaWAN 1.0.x device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionKeysV10 {
    /// NwkSKey: MICs and FOpts/port-0 encryption.
    pub nwk_s_key: Aes128Key,
    /// AppSKey: FRMPayload encryption for FPort > 0.
    pub app_s_key: Aes128Key,
}

/// Session keys of a LoRaWAN 1.1 device (join-accept with OptNeg set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionKeysV11 {
    /// FNwkSIntKey: the `cmacF` half of uplink MICs.
    pub f_nwk_s_int_key: Aes128Key,
    /// SNwkSIntKey: the `cmacS` half of uplink MICs and downlink MICs.
    pub s_nwk_s_int_key: Aes128Key,
    /// NwkSEncKey: FOpts and FPort-0 FRMPayload encryption.
    pub nwk_s_enc_key: Aes128Key,
    /// AppSKey: FRMPayload encryption for FPort > 0.
    pub app_s_key: Aes128Key,
}

/// The Join Server's keys for a LoRaWAN 1.1 device, derived from NwkKey and DevEUI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsKeys {
    /// JSIntKey: rejoin-request type 1 and join-accept (OptNeg) MICs.
    pub js_int_key: Aes128Key,
    /// JSEncKey: encrypts join-accepts that answer a rejoin-request.
    pub js_enc_key: Aes128Key,
}

fn encrypt(cipher: &Aes128Enc, block: [u8; 16]) -> Aes128Key {
    let mut b = aes::Block::from(block);
    cipher.encrypt_block(&mut b);
    Aes128Key::from_bytes(b.into())
}

/// `type | JoinNonce | mid[..] | DevNonce | pad16`; JoinNonce is the low 24 bits of `join_nonce`.
fn s_block(kind: u8, join_nonce: u32, mid: &[u8], dev_nonce: u16) -> [u8; 16] {
    let mut b = [0u8; 16];
    let j = join_nonce.to_le_bytes();
    let d = dev_nonce.to_le_bytes();
    let fields = [kind, j[0], j[1], j[2]]
        .into_iter()
        .chain(mid.iter().copied())
        .chain(d);
    for (slot, v) in b.iter_mut().zip(fields) {
        *slot = v;
    }
    b
}

/// LoRaWAN 1.0.x session keys (1.0.4 §6.2.5): `NwkSKey = aes128_encrypt(AppKey, 0x01 | JoinNonce |
/// NetID | DevNonce | pad16)`, AppSKey likewise with 0x02. `join_nonce` (AppNonce before 1.0.4)
/// uses its low 24 bits.
pub fn session_keys_v10(
    app_key: &Aes128Key,
    join_nonce: u32,
    net_id: NetId,
    dev_nonce: u16,
) -> SessionKeysV10 {
    let c = Aes128Enc::new(&app_key.to_bytes().into());
    let n = net_id.to_wire_bytes();
    SessionKeysV10 {
        nwk_s_key: encrypt(&c, s_block(0x01, join_nonce, &n, dev_nonce)),
        app_s_key: encrypt(&c, s_block(0x02, join_nonce, &n, dev_nonce)),
    }
}

/// LoRaWAN 1.1 session keys (1.1 §6.2.3): FNwkSIntKey (0x01), SNwkSIntKey (0x03) and NwkSEncKey
/// (0x04) from NwkKey, AppSKey (0x02) from AppKey, each over `type | JoinNonce | JoinEUI |
/// DevNonce | pad16`.
pub fn session_keys_v11(
    nwk_key: &Aes128Key,
    app_key: &Aes128Key,
    join_nonce: u32,
    join_eui: JoinEui,
    dev_nonce: u16,
) -> SessionKeysV11 {
    let nwk = Aes128Enc::new(&nwk_key.to_bytes().into());
    let app = Aes128Enc::new(&app_key.to_bytes().into());
    let e = join_eui.to_wire_bytes();
    let block = |kind| s_block(kind, join_nonce, &e, dev_nonce);
    SessionKeysV11 {
        f_nwk_s_int_key: encrypt(&nwk, block(0x01)),
        app_s_key: encrypt(&app, block(0x02)),
        s_nwk_s_int_key: encrypt(&nwk, block(0x03)),
        nwk_s_enc_key: encrypt(&nwk, block(0x04)),
    }
}

/// JSIntKey and JSEncKey (1.1 §6.1.1.3): `aes128_encrypt(NwkKey, 0x06 | DevEUI | pad16)` and
/// likewise with 0x05.
pub fn js_keys(nwk_key: &Aes128Key, dev_eui: DevEui) -> JsKeys {
    let c = Aes128Enc::new(&nwk_key.to_bytes().into());
    let e = dev_eui.to_wire_bytes();
    let block = |kind: u8| {
        let mut b = [0u8; 16];
        b[0] = kind;
        b[1..9].copy_from_slice(&e);
        b
    };
    JsKeys {
        js_int_key: encrypt(&c, block(0x06)),
        js_enc_key: encrypt(&c, block(0x05)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Aes128Key {
        s.parse().unwrap()
    }

    /// The Things Stack pkg/crypto/key_derivation_test.go `TestKeyDerivation`: one root key for
    /// every derivation. TTS writes JoinNonce, NetID, DevNonce and EUIs big-endian.
    #[test]
    fn tts_key_derivation() {
        let root = k("BEC499C69E9C939E413B663961636C61");
        let (jn, dn) = (0xAE3B1C, 0x7369);
        let join_eui: JoinEui = "0000001223224242".parse().unwrap();
        let dev_eui: DevEui = "0042004213424341".parse().unwrap();
        let v11 = session_keys_v11(&root, &root, jn, join_eui, dn);
        let v10 = session_keys_v10(&root, jn, "020101".parse().unwrap(), dn);
        let js = js_keys(&root, dev_eui);
        let cases = [
            ("AppSKey", v11.app_s_key, "B035CCE24E4A040EB5CECBF21724412D"),
            (
                "FNwkSIntKey",
                v11.f_nwk_s_int_key,
                "379084E7CE22FF191BFF4B77536F2AA3",
            ),
            (
                "SNwkSIntKey",
                v11.s_nwk_s_int_key,
                "63C59309D53485BC5164DBF71627AEB9",
            ),
            (
                "NwkSEncKey",
                v11.nwk_s_enc_key,
                "CE07A009A3970AC0519A099ED53E550B",
            ),
            (
                "legacy AppSKey",
                v10.app_s_key,
                "8C1E0543A229088DE6F84E74BB46BD62",
            ),
            (
                "legacy NwkSKey",
                v10.nwk_s_key,
                "0DB924EE6AF90698E05FC7CE48303C01",
            ),
            (
                "JSIntKey",
                js.js_int_key,
                "CB8E9EE114C3FB5CE472A5AA13AB1855",
            ),
            (
                "JSEncKey",
                js.js_enc_key,
                "BB711EEFB9829B4A75866F8616BACD6D",
            ),
        ];
        for (name, got, want) in cases {
            assert_eq!(got.expose_hex(), want, "{name}");
        }
    }

    #[test]
    fn join_nonce_uses_low_24_bits() {
        let root = Aes128Key::from_bytes([9; 16]);
        let n = NetId::from_u32(0x13);
        assert_eq!(
            session_keys_v10(&root, 0xFF12_3456, n, 1),
            session_keys_v10(&root, 0x12_3456, n, 1)
        );
    }
}
