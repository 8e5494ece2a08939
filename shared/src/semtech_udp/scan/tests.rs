//! The scanner against the serde path: named cases, every published fixture, and a differential
//! property over generated PUSH_DATA bodies (random members, unknown members of any shape,
//! whitespace, ordering, escapes, every number form, `null`s, duplicates) and byte mutations of
//! them. The oracle is serde_json (the path `Packet::parse` has always used).

use super::*;
use proptest::prelude::*;

/// The scanner's verdict beside serde's: when the scanner accepts, serde accepts the same value;
/// `parse_into` always answers as serde does. Returns whether the scanner accepted.
fn agree(body: &[u8]) -> bool {
    let serde = PushData::parse_serde(body);
    let mut scanned = PushData {
        rxpk: vec![],
        stat: None,
    };
    let fast = PushData::scan_into(body, &mut scanned);
    if fast.is_ok() {
        assert_eq!(
            serde.as_ref(),
            Ok(&scanned),
            "scanner accepted what serde did not: {}",
            String::from_utf8_lossy(body)
        );
    }
    let mut out = PushData::default();
    // A stale value in the reused buffer must not leak through.
    out.rxpk
        .push(scanned.rxpk.first().cloned().unwrap_or_else(sample));
    let r = PushData::parse_into(body, &mut out);
    match &serde {
        Ok(v) => assert_eq!((r, &out), (Ok(()), v), "{}", String::from_utf8_lossy(body)),
        Err(e) => {
            assert_eq!(r, Err(*e));
            assert!(out.rxpk.is_empty() && out.stat.is_none());
        }
    }
    fast.is_ok()
}

fn sample() -> RxPk {
    let body = br#"{"rxpk":[{"tmst":1,"freq":868.1,"stat":1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","data":"QAE="}]}"#;
    PushData::parse_serde(body).unwrap().rxpk.remove(0)
}

#[test]
fn named_cases() {
    const OK: &str =
        r#""tmst":1,"freq":868.1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","data":"QAE=""#;
    let rx = |extra: &str| format!(r#"{{"rxpk":[{{{OK}{extra}}}]}}"#);
    // (name, body, scanner takes it on)
    let cases: Vec<(&str, String, bool)> = vec![
        ("minimal", rx(""), true),
        ("empty object", "{}".into(), true),
        ("rxpk null", r#"{"rxpk":null}"#.into(), true),
        ("empty rxpk", r#" { "rxpk" : [ ] } "#.into(), true),
        ("trailing nuls", format!("{}\0\0", rx("")), true),
        ("unknown members", rx(r#","x":{"a":[1,"\"",null]},"y":-1.5e3"#), true),
        ("rsig", rx(r#","rsig":[{"ant":0,"chan":1,"lsnr":-2.25,"etime":"AAEC"}]"#), true),
        ("rsig without ant", rx(r#","rsig":[{"chan":1}]"#), false),
        ("null member", rx(r#","rssi":null"#), true),
        ("fsk float datr", r#"{"rxpk":[{"tmst":1,"freq":868.8,"modu":"FSK","datr":5e4,"data":""}]}"#.into(), true),
        ("stat left to serde", r#"{"stat":{"time":"2014-01-12 08:59:28 GMT","rxnb":1,"rxok":1,"rxfw":1,"dwnb":0,"txnb":0}}"#.into(), false),
        ("escape in a known string", rx(r#","time":"2013-03-31T16:21:17.528002\u005A""#), false),
        ("escape in a key", rx(r#","\u0074mst":2"#), false),
        ("duplicate", rx(r#","tmst":2"#), false),
        ("struct as array", "[[]]".into(), false),
        ("float tmst", format!(r#"{{"rxpk":[{{"tmst":1.0,{}}}]}}"#, &OK[9..]), false),
        ("minus zero rssi", rx(r#","rssi":-0"#), false),
        ("rssi out of range", rx(r#","rssi":40000"#), false),
        ("trailing comma", rx(","), false),
        ("trailing text", format!("{} x", rx("")), false),
        ("missing freq", r#"{"rxpk":[{"tmst":1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","data":"QAE="}]}"#.into(), false),
        ("invalid utf-8 in an unknown string", "{\"x\":\"\u{80}\"}".into(), true),
    ];
    for (name, body, fast) in cases {
        assert_eq!(agree(body.as_bytes()), fast, "{name}");
    }
    let invalid_key: &[u8] = b"{\"\xff\":1}";
    assert!(!agree(invalid_key), "a key that is not UTF-8");
    let invalid_ignored: &[u8] = b"{\"x\":\"\xff\"}";
    assert!(
        agree(invalid_ignored),
        "an ignored string is not UTF-8-checked by serde either"
    );
}

#[test]
fn every_fixture_agrees() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/semtech-udp");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let body = std::fs::read(&path).unwrap();
        let fast = agree(&body);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let serde_ok = PushData::parse_serde(&body).is_ok();
        let has_stat = String::from_utf8_lossy(&body).contains("\"stat\":{");
        if name.contains("rxpk") || name.contains("uplink") || name.contains("jver2") {
            assert_eq!(
                fast,
                serde_ok && !has_stat,
                "{name}: the fast path reads rxpk fixtures"
            );
        }
        n += 1;
    }
    assert!(n >= 10, "fixtures found: {n}");
}

fn ws() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "", "", " ", "\n\t", "\r\n  "])
}

/// Number text in every JSON form (and a few non-numbers).
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-300i64..70_000).prop_map(|v| v.to_string()),
        2 => any::<u32>().prop_map(|v| v.to_string()),
        1 => any::<i64>().prop_map(|v| v.to_string()),
        1 => any::<u64>().prop_map(|v| v.to_string()),
        2 => (-200.0f64..1000.0).prop_map(|v| format!("{v}")),
        1 => (0u32..1000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b:03}")),
        1 => (1u32..99, -5i32..12, any::<bool>())
            .prop_map(|(m, e, up)| format!("{m}{}{e}", if up { "E" } else { "e" })),
        1 => prop::sample::select(vec![
            "-0", "0.0", "-0.0", "1e400", "18446744073709551616", "-9223372036854775809",
            "01", "1.", ".5", "+1", "1e+2", "4.5E-1", "null", "true", "\"5\"", "-", "[]",
        ])
        .prop_map(str::to_string),
    ]
}

/// A JSON string literal, sometimes with escapes.
fn string_lit(base: &'static [&'static str]) -> impl Strategy<Value = String> {
    let plain = prop::sample::select(base.to_vec()).prop_map(|s| format!("\"{s}\""));
    prop_oneof![
        8 => plain,
        1 => prop::sample::select(base.to_vec()).prop_map(|s| format!("\"{}\\u0041\"", s)),
        1 => Just("null".to_string()),
        1 => Just("7".to_string()),
    ]
}

/// Any JSON value (for unknown members), escapes and nesting included.
fn any_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        number(),
        prop::sample::select(vec![
            "\"\"",
            "\"a\\\"b\"",
            "\"\\\\\"",
            "\"\\u00e9\\n\"",
            "\"é\"",
            "\"\\q\"",
            "\"\\u12\"",
            "true",
            "false",
            "null",
        ])
        .prop_map(str::to_string),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[a-z]{0,3}", inner), 0..4).prop_map(|v| {
                let m: Vec<_> = v.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", m.join(","))
            }),
        ]
    })
}

fn datr_value() -> impl Strategy<Value = String> {
    prop_oneof![
        string_lit(&["SF7BW125", "SF12BW500", "SF13BW125", "SF7", "50000"]),
        number(),
    ]
}

fn base64_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..40).prop_map(|v| {
            use base64::Engine as _;
            format!(
                "\"{}\"",
                base64::engine::general_purpose::STANDARD.encode(v)
            )
        }),
        string_lit(&["QAE=", "QAE", "Q*E=", ""]),
    ]
}

fn rsig_object() -> impl Strategy<Value = String> {
    let members = vec![
        ("ant", number().boxed()),
        ("chan", number().boxed()),
        ("rssic", number().boxed()),
        ("lsnr", number().boxed()),
        ("etime", base64_value().boxed()),
        ("ftime", number().boxed()),
        ("ftdelta", number().boxed()),
    ];
    object(members)
}

/// An object of a random subset of `members` plus unknown ones, shuffled, with whitespace.
fn object(members: Vec<(&'static str, BoxedStrategy<String>)>) -> BoxedStrategy<String> {
    let known: Vec<_> = members
        .into_iter()
        .map(|(k, v)| {
            prop::option::weighted(0.8, v).prop_map(move |v| v.map(|v| (k.to_string(), v)))
        })
        .collect();
    let unknown = prop::collection::vec(
        (
            prop::sample::select(vec!["x", "brd2", "é", "", "Tmst", "meta", "tmst"]),
            any_value(),
        ),
        0..3,
    );
    (known, unknown, ws(), ws())
        .prop_flat_map(|(known, unknown, a, b)| {
            let mut all: Vec<(String, String)> = known.into_iter().flatten().collect();
            all.extend(unknown.into_iter().map(|(k, v)| (k.to_string(), v)));
            Just(all).prop_shuffle().prop_map(move |m| {
                let m: Vec<_> = m
                    .iter()
                    .map(|(k, v)| format!("{a}\"{k}\"{b}:{a}{v}"))
                    .collect();
                format!("{{{}{b}}}", m.join(&format!("{b},")))
            })
        })
        .boxed()
}

fn rxpk_object() -> BoxedStrategy<String> {
    let opt = |s: BoxedStrategy<String>| s;
    let members = vec![
        (
            "time",
            string_lit(&["2013-03-31T16:21:17.528002Z", "2013-03-31T16:21:17Z", "bad"]).boxed(),
        ),
        ("tmms", number().boxed()),
        ("tmst", number().boxed()),
        ("ftime", number().boxed()),
        ("freq", number().boxed()),
        ("chan", number().boxed()),
        ("rfch", number().boxed()),
        ("stat", prop_oneof![Just("1".to_string()), number()].boxed()),
        (
            "modu",
            string_lit(&["LORA", "LORA", "FSK", "LR-FHSS"]).boxed(),
        ),
        ("datr", datr_value().boxed()),
        (
            "codr",
            string_lit(&["4/5", "4/6", "2/3", "OFF", "5/4"]).boxed(),
        ),
        ("rssi", number().boxed()),
        ("rssis", number().boxed()),
        ("lsnr", number().boxed()),
        ("foff", number().boxed()),
        ("size", number().boxed()),
        ("data", base64_value().boxed()),
        (
            "rsig",
            opt(prop::collection::vec(rsig_object(), 0..3)
                .prop_map(|v| format!("[{}]", v.join(",")))
                .boxed()),
        ),
    ];
    object(members)
}

/// A forwarder-shaped rxpk whose every member is valid (so serde accepts it).
fn valid_rxpk() -> impl Strategy<Value = String> {
    (any::<u32>(), 0u32..1000, -140i16..0, -200i32..150, prop::collection::vec(any::<u8>(), 0..64), ws())
        .prop_map(|(tmst, khz, rssi, snr, data, w)| {
            use base64::Engine as _;
            let d = base64::engine::general_purpose::STANDARD.encode(&data);
            format!(
                r#"{{{w}"tmst":{tmst},"chan":0,"freq":{w}868.{khz:03},"stat":1,"modu":"LORA","datr":"SF9BW125","codr":"4/5","lsnr":{snr}e-1,"rssi":{rssi},"size":{},"data":"{d}","x":[{{"y":"\u00e9"}}]}}"#,
                data.len()
            )
        })
}

fn body() -> impl Strategy<Value = String> {
    let rxpks = prop::collection::vec(prop_oneof![rxpk_object(), valid_rxpk().boxed()], 0..4);
    (rxpks, prop::option::of(any_value()), ws()).prop_map(|(rx, extra, w)| {
        let extra = extra.map_or(String::new(), |v| format!(",{w}\"other\":{v}"));
        format!(
            "{w}{{\"rxpk\":{w}[{}]{extra}}}{w}",
            rx.join(&format!(",{w}"))
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_bodies_agree(b in body()) {
        agree(b.as_bytes());
    }

    #[test]
    fn valid_bodies_take_the_fast_path(rx in prop::collection::vec(valid_rxpk(), 1..5)) {
        let b = format!("{{\"rxpk\":[{}]}}", rx.join(","));
        prop_assert!(PushData::parse_serde(b.as_bytes()).is_ok(), "{}", b);
        prop_assert!(agree(b.as_bytes()), "valid body left to serde: {}", b);
    }

    #[test]
    fn mutated_bodies_agree(b in body(), edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4)) {
        let mut bytes = b.into_bytes();
        for (at, byte, op) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                _ => bytes.insert(i, byte),
            }
        }
        agree(&bytes);
    }
}
