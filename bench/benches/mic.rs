//! AES-CMAC MIC of a 1.0 data uplink (13-byte frame): the prepared `MicKey` (key schedule and
//! subkeys computed once) beside the `cmac` crate, both a cloned prepared state and a fresh key per
//! MIC, in the same run. The figure behind the hand-written CMAC in `shared/src/crypto/aes_cmac.rs`.
#![allow(missing_docs)]

use aes::Aes128;
use cmac::{Cmac, Mac};
use criterion::{Criterion, criterion_group, criterion_main};
use shared::crypto::{MicKey, data_uplink_mic_v10};
use shared::types::{Aes128Key, DevAddr};
use std::hint::black_box;

const KEY: [u8; 16] = [1; 16];
const MSG: [u8; 13] = [0x40, 4, 3, 2, 1, 0, 1, 0, 1, 1, 2, 3, 4];
const ADDR: u32 = 0x0102_0304;

/// The B0 block and message through a `cmac` crate state, truncated to the MIC.
fn cmac_crate_mic(mut m: Cmac<Aes128>, fcnt: u32) -> [u8; 4] {
    let mut b0 = [0u8; 16];
    b0[0] = 0x49;
    b0[6..10].copy_from_slice(&ADDR.to_le_bytes());
    b0[10..14].copy_from_slice(&fcnt.to_le_bytes());
    b0[15] = MSG.len() as u8;
    m.update(&b0);
    m.update(&MSG);
    let t = m.finalize().into_bytes();
    [t[0], t[1], t[2], t[3]]
}

fn mic(c: &mut Criterion) {
    let addr = DevAddr::from_u32(ADDR);
    let prepared = MicKey::new(&Aes128Key::from_bytes(KEY));
    let template = <Cmac<Aes128> as Mac>::new_from_slice(&KEY).unwrap();
    assert_eq!(
        data_uplink_mic_v10(&prepared, addr, 7, &MSG),
        cmac_crate_mic(template.clone(), 7)
    );

    let mut g = c.benchmark_group("uplink_mic_v10_13B");
    g.bench_function("MicKey (this crate)", |b| {
        b.iter(|| data_uplink_mic_v10(&prepared, addr, black_box(7), black_box(&MSG)))
    });
    g.bench_function("cmac crate, cloned prepared state (baseline)", |b| {
        b.iter(|| cmac_crate_mic(template.clone(), black_box(7)))
    });
    g.bench_function("cmac crate, fresh key (baseline)", |b| {
        b.iter(|| {
            cmac_crate_mic(
                <Cmac<Aes128> as Mac>::new_from_slice(&KEY).unwrap(),
                black_box(7),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, mic);
criterion_main!(benches);
