//! Fuzzes the MAC command parser (`shared::lorawan::mac`) in both directions over arbitrary
//! bytes: parsing must never panic, every parsed command must re-emit into exactly its
//! `encoded_len`, keep its CID, and parse back to itself; the whole parsed prefix re-emitted with
//! `emit_all` must parse back to the same sequence.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::lorawan::mac::{self, Direction, MacCommand};

fn check(data: &[u8], direction: Direction) {
    let mut parsed = [MacCommand::LinkCheckReq; 256];
    let mut count = 0;
    let mut consumed = 0;
    for item in mac::parse(data, direction) {
        let Ok(command) = item else { break };
        let mut buf = [0u8; 16];
        let n = command.emit(&mut buf).expect("a parsed command always re-emits");
        assert_eq!(n, command.encoded_len());
        assert_eq!(command.direction(), direction);
        assert_eq!(Some(&buf[0]), data.get(consumed), "CID preserved");
        let mut again = mac::parse(&buf[..n], direction);
        assert_eq!(again.next(), Some(Ok(command)), "round trip");
        assert_eq!(again.next(), None);
        consumed += n;
        if let Some(slot) = parsed.get_mut(count) {
            *slot = command;
            count += 1;
        }
    }
    let commands = &parsed[..count];
    let mut out = [0u8; 2048];
    let n = mac::emit_all(commands, &mut out).expect("sequence re-emits");
    assert_eq!(n, mac::encoded_len_all(commands));
    let mut reparsed = mac::parse(&out[..n], direction);
    for command in commands {
        assert_eq!(reparsed.next(), Some(Ok(*command)));
    }
    assert_eq!(reparsed.next(), None);
}

fuzz_target!(|data: &[u8]| {
    check(data, Direction::Uplink);
    check(data, Direction::Downlink);
});
