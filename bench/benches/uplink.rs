//! The data uplink hot path: parse a LoRaWAN 1.0 unconfirmed data uplink, verify its MIC and
//! decrypt its FRMPayload, for this crate (borrowed view, prepared keys, in-place decryption) beside
//! `lrwn` (ChirpStack's codec) and the `lorawan` crate (lora-rs), measured in the same run.
#![allow(missing_docs)]

use bench::{criterion, print_ratios};
use criterion::Criterion;
use shared::crypto::{CipherKey, MicKey, data_uplink_mic_v10, frm_payload_crypt, mic_eq};
use shared::lorawan::{DataFrame, DataFrameMut, DataFrameRepr, FCtrl, FOpts, MType};
use shared::types::{Aes128Key, DevAddr, Direction};
use std::hint::black_box;

const NWK_S_KEY: [u8; 16] = [
    0x2B, 0x7E, 0x15, 0x16, 0x28, 0xAE, 0xD2, 0xA6, 0xAB, 0xF7, 0x15, 0x88, 0x09, 0xCF, 0x4F, 0x3C,
];
const APP_S_KEY: [u8; 16] = [0x11; 16];
const FCNT: u16 = 0x1234;

/// A 12-byte-payload uplink (a typical sensor frame), MIC set with the prepared key.
fn frame() -> Vec<u8> {
    let payload = *b"\x01\x67\x00\xE1\x02\x68\x50\x03\x02\x01\x2C\x00";
    let addr = DevAddr::from_u32(0x2601_1BDA);
    let mut enc = payload;
    frm_payload_crypt(
        &CipherKey::new(&Aes128Key(APP_S_KEY)),
        Direction::Uplink,
        addr,
        FCNT.into(),
        &mut enc,
    );
    let repr = DataFrameRepr {
        mtype: MType::UnconfirmedDataUp,
        dev_addr: addr,
        fctrl: FCtrl::from_byte(0x80),
        fcnt: FCNT,
        fopts: FOpts::default(),
        fport: Some(1),
        frm_payload: &enc,
        mic: [0; 4],
    };
    let mut buf = vec![0u8; repr.buffer_len()];
    repr.emit(&mut buf).unwrap();
    let mut f = DataFrameMut::parse(&mut buf).unwrap();
    let mic = data_uplink_mic_v10(
        &MicKey::new(&Aes128Key(NWK_S_KEY)),
        addr,
        FCNT.into(),
        f.mic_input(),
    );
    f.set_mic(mic);
    buf
}

/// Ours: view, MIC check; returns whether the MIC holds.
fn ours_mic(bytes: &[u8], key: &MicKey) -> bool {
    let Ok(f) = DataFrame::parse(bytes) else {
        return false;
    };
    let mic = data_uplink_mic_v10(key, f.dev_addr(), f.fcnt().into(), f.mic_input());
    mic_eq(&mic, &f.mic())
}

/// Ours: view, MIC check, FRMPayload decrypted in place in the caller's buffer.
fn ours_full(bytes: &[u8], key: &MicKey, app: &CipherKey, buf: &mut [u8; 256]) -> Option<usize> {
    let out = buf.get_mut(..bytes.len())?;
    out.copy_from_slice(bytes);
    let mut f = DataFrameMut::parse(out).ok()?;
    let (addr, fcnt) = (f.frame().dev_addr(), u32::from(f.frame().fcnt()));
    let mic = data_uplink_mic_v10(key, addr, fcnt, f.mic_input());
    if !mic_eq(&mic, &f.frame().mic()) {
        return None;
    }
    let p = f.frm_payload_mut();
    frm_payload_crypt(app, Direction::Uplink, addr, fcnt, p);
    Some(p.len())
}

fn lrwn_mic(bytes: &[u8], key: &lrwn::AES128Key) -> bool {
    let Ok(p) = lrwn::PhyPayload::from_slice(bytes) else {
        return false;
    };
    p.validate_uplink_data_mic(lrwn::MACVersion::LoRaWAN1_0, 0, 0, 0, key, key)
        .unwrap_or(false)
}

fn lrwn_full(bytes: &[u8], key: &lrwn::AES128Key, app: &lrwn::AES128Key) -> Option<usize> {
    let mut p = lrwn::PhyPayload::from_slice(bytes).ok()?;
    if !p
        .validate_uplink_data_mic(lrwn::MACVersion::LoRaWAN1_0, 0, 0, 0, key, key)
        .ok()?
    {
        return None;
    }
    p.decrypt_frm_payload(app).ok()?;
    match p.payload {
        lrwn::Payload::MACPayload(pl) => pl.frm_payload.map(|f| f.to_vec().map_or(0, |v| v.len())),
        _ => None,
    }
}

fn lorawan_mic(bytes: &[u8], key: &lorawan::keys::AES128) -> bool {
    let mut buf = [0u8; 256];
    let Some(b) = buf.get_mut(..bytes.len()) else {
        return false;
    };
    b.copy_from_slice(bytes);
    match lorawan::parser::parse(b) {
        Ok(lorawan::parser::PhyPayload::Data(lorawan::parser::DataPayload::Encrypted(e))) => {
            e.validate_mic(key, u32::from(FCNT))
        }
        _ => false,
    }
}

fn lorawan_full(
    bytes: &[u8],
    key: &lorawan::keys::AES128,
    app: &lorawan::keys::AES128,
) -> Option<usize> {
    let mut buf = [0u8; 256];
    let b = buf.get_mut(..bytes.len())?;
    b.copy_from_slice(bytes);
    let lorawan::parser::PhyPayload::Data(lorawan::parser::DataPayload::Encrypted(e)) =
        lorawan::parser::parse(b).ok()?
    else {
        return None;
    };
    if !e.validate_mic(key, u32::from(FCNT)) {
        return None;
    }
    let d = e.decrypt(Some(key), Some(app), u32::from(FCNT)).ok()?;
    match d.frm_payload() {
        lorawan::parser::FRMPayload::Data(p) => Some(p.len()),
        _ => None,
    }
}

fn uplink(c: &mut Criterion) {
    let bytes = frame();
    let mic_key = MicKey::new(&Aes128Key(NWK_S_KEY));
    let app_key = CipherKey::new(&Aes128Key(APP_S_KEY));
    let l_key = lrwn::AES128Key::from_bytes(NWK_S_KEY);
    let l_app = lrwn::AES128Key::from_bytes(APP_S_KEY);
    let r_key = lorawan::keys::AES128(NWK_S_KEY);
    let r_app = lorawan::keys::AES128(APP_S_KEY);
    let mut buf = [0u8; 256];
    // All three agree on the frame before anything is timed.
    assert!(ours_mic(&bytes, &mic_key) && lrwn_mic(&bytes, &l_key) && lorawan_mic(&bytes, &r_key));
    assert_eq!(ours_full(&bytes, &mic_key, &app_key, &mut buf), Some(12));
    assert_eq!(lrwn_full(&bytes, &l_key, &l_app), Some(12));
    assert_eq!(lorawan_full(&bytes, &r_key, &r_app), Some(12));

    let mut g = c.benchmark_group("uplink_parse_mic");
    g.bench_function("ours", |b| b.iter(|| ours_mic(black_box(&bytes), &mic_key)));
    g.bench_function("lrwn", |b| b.iter(|| lrwn_mic(black_box(&bytes), &l_key)));
    g.bench_function("lorawan", |b| {
        b.iter(|| lorawan_mic(black_box(&bytes), &r_key))
    });
    g.finish();

    let mut g = c.benchmark_group("uplink_parse_mic_decrypt");
    g.bench_function("ours", |b| {
        b.iter(|| ours_full(black_box(&bytes), &mic_key, &app_key, &mut buf))
    });
    g.bench_function("lrwn", |b| {
        b.iter(|| lrwn_full(black_box(&bytes), &l_key, &l_app))
    });
    g.bench_function("lorawan", |b| {
        b.iter(|| lorawan_full(black_box(&bytes), &r_key, &r_app))
    });
    g.finish();
}

fn main() {
    let mut c = criterion();
    uplink(&mut c);
    c.final_summary();
    for g in ["uplink_parse_mic", "uplink_parse_mic_decrypt"] {
        print_ratios(g, "lrwn", &["ours", "lrwn", "lorawan"]);
    }
}
