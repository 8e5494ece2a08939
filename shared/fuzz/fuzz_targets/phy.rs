//! Fuzz `shared::lorawan::PhyPayload::parse`: arbitrary bytes must never panic; whatever parses
//! has every accessor exercised, re-emits through its Repr to the same bytes (MHDR RFU bits
//! aside) and parses back to the same Repr. Join-accepts are also read as if already decrypted.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::lorawan::*;

fn exercise(p: &PhyPayload<'_>) {
    let _ = (p.mhdr().mtype(), p.mhdr().major(), p.mhdr().rfu(), p.mic());
    match p {
        PhyPayload::Data(f) => {
            let _ = (
                f.mtype(),
                f.is_uplink(),
                f.is_confirmed(),
                f.dev_addr(),
                f.fctrl(),
                f.fcnt(),
            );
            let _ = (f.fport(), f.mic(), f.fhdr().dev_addr(), f.fhdr().fcnt());
            assert_eq!(f.fopts().len(), f.fctrl().f_opts_len() as usize);
            assert_eq!(f.fhdr().fopts(), f.fopts());
            assert_eq!(f.mic_input().len() + 4, f.as_bytes().len());
            assert!(f.fport().is_some() || f.frm_payload().is_empty());
            assert!(f.fport() != Some(0) || f.fopts().is_empty());
            let mut copy = f.as_bytes().to_vec();
            let mut m = DataFrameMut::parse(&mut copy).expect("mutable view agrees");
            m.fopts_mut().iter_mut().for_each(|b| *b ^= 0xFF);
            m.frm_payload_mut().iter_mut().for_each(|b| *b ^= 0xFF);
            m.set_mic([0; 4]);
            assert_eq!(m.frame().fport(), f.fport());
        }
        PhyPayload::JoinRequest(f) => {
            let _ = (f.join_eui(), f.dev_eui(), f.dev_nonce(), f.mic());
            assert_eq!(f.mic_input().len(), 19);
        }
        PhyPayload::JoinAccept(f) => {
            let _ = (f.encrypted(), f.has_cf_list());
            if let Ok(ja) = JoinAccept::parse(f.as_bytes()) {
                let _ = (
                    ja.join_nonce(),
                    ja.net_id(),
                    ja.dev_addr(),
                    ja.dl_settings(),
                    ja.rx_delay(),
                );
                let _ = (ja.rx1_delay_secs(), ja.cf_list(), ja.mic(), ja.mic_input());
                let repr = JoinAcceptRepr::parse(&ja);
                let mut out = [0u8; 33];
                let n = repr.emit(&mut out).expect("parsed join-accept re-emits");
                let again = JoinAccept::parse(&out[..n]).expect("re-emitted join-accept parses");
                assert_eq!(JoinAcceptRepr::parse(&again), repr);
                // Byte for byte, except the RFU byte of a type-1 CFList (written as zero).
                let rfu = matches!(repr.cf_list, Some(CfList::ChannelMasks(_))).then_some(27);
                for (i, (a, b)) in out[1..n].iter().zip(&ja.as_bytes()[1..]).enumerate() {
                    assert!(
                        a == b || Some(i + 1) == rfu,
                        "join-accept byte {} differs",
                        i + 1
                    );
                }
            }
        }
        PhyPayload::RejoinRequest(f) => {
            let _ = (
                f.rejoin_type(),
                f.net_id(),
                f.join_eui(),
                f.dev_eui(),
                f.rj_count(),
                f.mic(),
            );
            assert!(f.net_id().is_some() != f.join_eui().is_some());
            assert_eq!(f.mic_input().len() + 4, f.as_bytes().len());
        }
        PhyPayload::Proprietary(f) => assert_eq!(f.payload().len() + 1, f.as_bytes().len()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(p) = PhyPayload::parse(data) else {
        return;
    };
    exercise(&p);
    let repr = p.to_repr();
    let mut out = [0u8; 512];
    let Some(buf) = out.get_mut(..repr.buffer_len()) else {
        return;
    };
    let n = repr.emit(buf).expect("a parsed frame re-emits");
    assert_eq!(n, data.len());
    assert_eq!(out[0], data[0] & !0x1C, "only MHDR RFU bits may change");
    assert_eq!(out[1..n], data[1..]);
    let again = PhyPayload::parse(&out[..n]).expect("re-emitted frame parses");
    assert_eq!(again.to_repr(), repr);
});
