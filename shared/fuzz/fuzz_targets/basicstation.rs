//! Fuzzes the Basic Station codec (`parse_upstream`, `parse_downstream`, discovery) with
//! arbitrary text: it must never panic, whatever it accepts must survive emit → parse
//! unchanged, and a parsed `updf`/`jreq` must rebuild a PHYPayload or fail with a typed error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::basicstation::{
    RouterInfoRequest, RouterInfoResponse, Upstream, parse_downstream, parse_upstream,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = parse_upstream(data) {
        match &m {
            Upstream::UplinkData(u) => {
                let _ = u.phy_payload();
            }
            Upstream::JoinRequest(j) => {
                let _ = j.phy_payload();
            }
            _ => {}
        }
        let mut out = Vec::new();
        m.emit(&mut out).expect("parsed values are finite");
        let again = parse_upstream(&out).expect("emitted message must parse");
        let mut out2 = Vec::new();
        again.emit(&mut out2).expect("re-emit");
        assert_eq!(out, out2);
    }
    if let Ok(m) = parse_downstream(data) {
        let mut out = Vec::new();
        m.emit(&mut out).expect("parsed values are finite");
        let again = parse_downstream(&out).expect("emitted message must parse");
        let mut out2 = Vec::new();
        again.emit(&mut out2).expect("re-emit");
        assert_eq!(out, out2);
    }
    if let Ok(r) = RouterInfoRequest::parse(data) {
        let mut out = Vec::new();
        r.emit(&mut out);
        assert_eq!(RouterInfoRequest::parse(&out), Ok(r));
    }
    if let Ok(r) = RouterInfoResponse::parse(data) {
        let mut out = Vec::new();
        r.emit(&mut out);
        assert_eq!(RouterInfoResponse::parse(&out).as_ref(), Ok(&r));
    }
});
