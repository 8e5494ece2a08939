//! Fuzzes the PUSH_DATA scanner against the serde path with arbitrary JSON bodies: neither may
//! panic, whatever the scanner accepts serde must accept with an equal value, and
//! `PushData::parse_into` (scanner, serde on a miss) must answer exactly as serde does.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::semtech_udp::PushData;

fuzz_target!(|body: &[u8]| {
    let serde = PushData::parse_serde(body);
    let mut scanned = PushData::default();
    if PushData::scan_into(body, &mut scanned).is_ok() {
        assert_eq!(serde.as_ref(), Ok(&scanned), "scanner accepted what serde did not");
    }
    let mut out = PushData::default();
    match (PushData::parse_into(body, &mut out), serde) {
        (Ok(()), Ok(v)) => assert_eq!(out, v),
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("parse_into {a:?} but serde {b:?}"),
    }
});
