//! Speed of the prepared MIC key against the two obvious alternatives, measured in the same run
//! (the figures quoted in `shared/src/crypto/aes_cmac.rs`). Ignored by default; run with
//! `cargo test --release -p shared --test crypto_speed -- --ignored --nocapture`.

use aes::Aes128;
use cmac::{Cmac, Mac};
use shared::crypto::{MicKey, data_uplink_mic_v10};
use shared::types::{Aes128Key, DevAddr};
use std::hint::black_box;
use std::time::Instant;

const N: u32 = 1_000_000;

/// Best of five runs of `N` calls, in nanoseconds per call.
fn ns_per_call(mut f: impl FnMut(u32) -> [u8; 4]) -> f64 {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            for i in 0..N {
                black_box(f(black_box(i)));
            }
            t.elapsed().as_nanos() as f64 / f64::from(N)
        })
        .fold(f64::INFINITY, f64::min)
}

fn b0(fcnt: u32, len: usize) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[0] = 0x49;
    b[6..10].copy_from_slice(&[4, 3, 2, 1]);
    b[10..14].copy_from_slice(&fcnt.to_le_bytes());
    b[15] = len as u8;
    b
}

fn first4(t: &[u8]) -> [u8; 4] {
    [t[0], t[1], t[2], t[3]]
}

#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn prepared_key_vs_cmac_crate() {
    let key = [1u8; 16];
    let msg = [0x40u8, 4, 3, 2, 1, 0, 1, 0, 1, 1, 2, 3, 4];
    let addr = DevAddr::from_u32(0x0102_0304);

    let prepared = MicKey::new(&Aes128Key::from_bytes(key));
    let ours = ns_per_call(|i| data_uplink_mic_v10(&prepared, addr, i, &msg));

    let template = <Cmac<Aes128> as Mac>::new_from_slice(&key).unwrap();
    let cloned = ns_per_call(|i| {
        let mut m = template.clone();
        m.update(&b0(i, msg.len()));
        m.update(&msg);
        first4(&m.finalize().into_bytes())
    });

    let fresh = ns_per_call(|i| {
        let mut m = <Cmac<Aes128> as Mac>::new_from_slice(&key).unwrap();
        m.update(&b0(i, msg.len()));
        m.update(&msg);
        first4(&m.finalize().into_bytes())
    });

    // Same MIC from all three.
    let mut m = template.clone();
    m.update(&b0(7, msg.len()));
    m.update(&msg);
    assert_eq!(
        data_uplink_mic_v10(&prepared, addr, 7, &msg),
        first4(&m.finalize().into_bytes())
    );

    println!(
        "1.0 uplink MIC, 13-byte frame: prepared MicKey {ours:.1} ns, cloned Cmac {cloned:.1} ns, fresh Cmac {fresh:.1} ns"
    );
    println!(
        "sizes: MicKey {} B, Cmac<Aes128> {} B",
        size_of::<MicKey>(),
        size_of::<Cmac<Aes128>>()
    );
}
