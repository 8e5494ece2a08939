//! Byte-array and round-trip tests for `join_accept.rs`.

use super::*;
use crate::lorawan::cflist::tests::arb_cf_list;
use proptest::prelude::*;

pub(crate) fn arb_join_accept() -> impl Strategy<Value = JoinAcceptRepr> {
    (
        0u32..0x100_0000,
        0u32..0x100_0000,
        any::<u32>(),
        any::<u8>(),
        any::<u8>(),
        prop::option::of(arb_cf_list()),
        any::<[u8; 4]>(),
    )
        .prop_map(
            |(join_nonce, net, addr, dl, rx_delay, cf_list, mic)| JoinAcceptRepr {
                join_nonce,
                net_id: NetId::from_u32(net),
                dev_addr: DevAddr::from_u32(addr),
                dl_settings: DlSettings::from_byte(dl),
                rx_delay,
                cf_list,
                mic,
            },
        )
}

fn tts_repr(cf_list: Option<CfList>) -> JoinAcceptRepr {
    JoinAcceptRepr {
        join_nonce: 0x42FFFF,
        net_id: "42FFFF".parse().unwrap(),
        dev_addr: "42FFFFFF".parse().unwrap(),
        dl_settings: DlSettings {
            opt_neg: true,
            rx1_dr_offset: 6,
            rx2_data_rate: 15,
        },
        rx_delay: 0x42,
        cf_list,
        mic: [1, 2, 3, 4],
    }
}

#[test]
fn test_parse_and_emit() {
    // TTS pkg/encoding/lorawan/lorawan_test.go TestLoRaWANEncodingRawJoinAcceptPayload (the
    // MACPayload there; MHDR 0x20 and MIC 01020304 added here).
    let cases = [
        (
            "tts no cflist",
            "20ffff42ffff42ffffff42ef4201020304",
            tts_repr(None),
        ),
        (
            "tts cflist freq",
            "20ffff42ffff42ffffff42ef4242ffffffffffffffffffffff0000000001020304",
            tts_repr(Some(CfList::Frequencies([
                0xFFFF42 * 100,
                0xFFFFFF * 100,
                0xFFFFFF * 100,
                0xFFFFFF * 100,
                0,
            ]))),
        ),
        (
            "tts cflist chmask",
            "20ffff42ffff42ffffff42ef4242ffffffffffffffffffffff0000000101020304",
            tts_repr(Some(CfList::ChannelMasks([
                0xFF42, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0,
            ]))),
        ),
        // lrwn 4.13 phy_payload.rs doc "LoRaWAN 1.0.x Join-accept example", decrypted form.
        (
            "lrwn 1.0",
            "200101010202020403020100003449f212",
            JoinAcceptRepr {
                join_nonce: 65793,
                net_id: "020202".parse().unwrap(),
                dev_addr: "01020304".parse().unwrap(),
                dl_settings: DlSettings::default(),
                rx_delay: 0,
                cf_list: None,
                mic: [0x34, 0x49, 0xF2, 0x12],
            },
        ),
    ];
    for (name, h, repr) in cases {
        let b = hex::decode(h).unwrap();
        let f = JoinAccept::parse(&b).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(JoinAcceptRepr::parse(&f), repr, "{name}");
        assert_eq!(f.mic_input(), &b[..b.len() - 4], "{name}");
        assert_eq!(f.mhdr().mtype(), MType::JoinAccept, "{name}");
        let mut out = [0u8; 40];
        let n = repr.emit(&mut out).unwrap();
        assert_eq!(hex::encode(&out[..n]), h, "{name}");
    }
    let b = hex::decode(cases[0].1).unwrap();
    assert_eq!(JoinAccept::parse(&b).unwrap().rx1_delay_secs(), 2);
}

#[test]
fn test_encrypted() {
    // lrwn 4.13 phy_payload.rs doc: the 1.0.x and 1.1 join-accepts as sent (encrypted).
    for h in [
        "2023cf335489aae3183c0be0baa8dee5f3",
        "207abeea06b02920f11c02d0348fcf1815",
    ] {
        let b = hex::decode(h).unwrap();
        let f = EncryptedJoinAccept::parse(&b).unwrap();
        assert_eq!(f.encrypted(), &b[1..]);
        assert!(!f.has_cf_list());
        let repr = EncryptedJoinAcceptRepr::parse(&f);
        let mut out = [0u8; 17];
        assert_eq!(repr.emit(&mut out), Ok(17));
        assert_eq!(out[..], b[..]);
        let mut m = b.clone();
        assert_eq!(
            EncryptedJoinAccept::encrypted_mut(&mut m).unwrap().len(),
            16
        );
    }
}

#[test]
fn test_malformed() {
    let cases: [(&str, &str, FrameError); 4] = [
        // TTS TestUnmarshalResilience: "too little join-accept payload".
        ("tts short", "2001020304", FrameError::JoinAcceptLength(5)),
        (
            "18 bytes",
            "20ffff42ffff42ffffff42ef420102030400",
            FrameError::JoinAcceptLength(18),
        ),
        (
            "data mtype",
            "40ffff42ffff42ffffff42ef4201020304",
            FrameError::WrongMType(MType::UnconfirmedDataUp),
        ),
        (
            "cflist type 2",
            "20ffff42ffff42ffffff42ef4242ffffffffffffffffffffff0000000201020304",
            FrameError::InvalidCfListType(2),
        ),
    ];
    for (name, h, err) in cases {
        assert_eq!(
            JoinAccept::parse(&hex::decode(h).unwrap()),
            Err(err),
            "{name}"
        );
    }
    // The encrypted view does not look inside, so an unknown CFListType is only found after
    // decryption.
    assert!(EncryptedJoinAccept::parse(&hex::decode(cases[3].1).unwrap()).is_ok());
    let over = JoinAcceptRepr {
        join_nonce: 0x100_0000,
        ..tts_repr(None)
    };
    assert_eq!(
        over.emit(&mut [0; 17]),
        Err(FrameError::FieldOverflow {
            field: "JoinNonce",
            value: 0x100_0000
        })
    );
    let bad = EncryptedJoinAcceptRepr {
        encrypted: &[0; 15],
    };
    assert_eq!(
        bad.emit(&mut [0; 17]),
        Err(FrameError::JoinAcceptLength(16))
    );
}

proptest! {
    #[test]
    fn round_trip(repr in arb_join_accept()) {
        let mut buf = [0u8; 33];
        let n = repr.emit(&mut buf).unwrap();
        prop_assert_eq!(n, repr.buffer_len());
        prop_assert_eq!(JoinAcceptRepr::parse(&JoinAccept::parse(&buf[..n]).unwrap()), repr);
        let enc = EncryptedJoinAccept::parse(&buf[..n]).unwrap();
        prop_assert_eq!(enc.has_cf_list(), repr.cf_list.is_some());
    }
}
