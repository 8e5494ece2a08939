use super::*;
use crate::gateway::registry::GatewayRecord;

const NOW_US: i64 = 1_700_000_000_000_000;

fn registry() -> Arc<GatewayRegistry> {
    let rec = |eui, hash: Option<String>| GatewayRecord {
        eui: Eui64::from_u64(eui),
        id: String::new(),
        region: Some("EU868".into()),
        auth_token_hash: hash,
    };
    Arc::new(
        GatewayRegistry::new([rec(1, None), rec(2, Some(super::auth::tests::hash("tok")))])
            .unwrap(),
    )
}

fn request(path: &str, auth: Option<&str>) -> Vec<u8> {
    let auth = auth.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
    format!(
        "GET {path} HTTP/1.1\r\nHost: lns.example:1887\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{auth}\r\n"
    )
    .into_bytes()
}

/// A client frame (RFC 6455 §5.2: masked), `opcode` 1 text, 2 binary.
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [1u8, 2, 3, 4];
    let mut f = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => f.push(0x80 | n as u8),
        n if n < 65536 => {
            f.push(0x80 | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(0x80 | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(&mask);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

/// Server frames (unmasked) after the HTTP response: `(opcode, payload)`.
fn frames(mut b: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while b.len() >= 2 {
        let op = b[0] & 0x0F;
        let (len, at) = match b[1] & 0x7F {
            126 => (u16::from_be_bytes([b[2], b[3]]) as usize, 4),
            127 => (
                u64::from_be_bytes(b[2..10].try_into().unwrap()) as usize,
                10,
            ),
            n => (n as usize, 2),
        };
        out.push((op, b[at..at + len].to_vec()));
        b = &b[at + len..];
    }
    out
}

struct Client {
    conn: Connection,
    reg: Arc<GatewayRegistry>,
    events: Vec<ConnEvent>,
}

impl Client {
    fn new() -> Self {
        let reg = registry();
        Self {
            conn: Connection::new(Arc::clone(&reg), &StationConfig::default()),
            reg,
            events: Vec::new(),
        }
    }
    fn send(&mut self, b: &[u8]) -> Vec<u8> {
        self.conn.receive(b, &self.reg, NOW_US, &mut self.events);
        let out = self.conn.output().to_vec();
        self.conn.consume_output(out.len());
        out
    }
    /// Upgrades; returns the HTTP response head.
    fn upgrade(&mut self, path: &str, auth: Option<&str>) -> String {
        let out = self.send(&request(path, auth));
        String::from_utf8_lossy(&out).into_owned()
    }
    fn dropped(&self) -> Vec<&'static str> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ConnEvent::Dropped(r) => Some(*r),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn discovery_answers_the_traffic_uri_then_closes() {
    for (router, want_ok) in [
        ("\"::1\"", true),
        ("1", true),
        ("\"::9\"", false),
        ("true", false),
    ] {
        let mut c = Client::new();
        assert!(c.upgrade("/router-info", None).starts_with("HTTP/1.1 101"));
        let out = c.send(&frame(1, format!("{{\"router\":{router}}}").as_bytes()));
        let f = frames(&out);
        assert_eq!(f[0].0, 1, "text");
        let v: serde_json::Value = serde_json::from_slice(&f[0].1).unwrap();
        if want_ok {
            assert_eq!(v["uri"], "ws://lns.example:1887/traffic/0000000000000001");
            assert_eq!(v["router"], "::1");
        } else {
            assert!(v["error"].is_string(), "{v}");
        }
        assert_eq!(f[1].0, 8, "then a close frame");
        assert!(c.conn.is_closing());
        assert!(matches!(c.events[..], [ConnEvent::Discovery(ok)] if ok == want_ok));
    }
}

#[test]
fn refused_upgrades_get_their_status_and_a_counted_drop() {
    let cases: &[(&str, &str, Option<&str>, &str, &str)] = &[
        (
            "unknown gateway",
            "/traffic/0000000000000009",
            None,
            "404",
            "unknown_gateway",
        ),
        ("unreadable EUI", "/traffic/xyz", None, "400", "bad_eui"),
        ("no such path", "/api", None, "404", "unknown_path"),
        (
            "missing auth",
            "/traffic/0000000000000002",
            None,
            "401",
            "missing_auth",
        ),
        (
            "bad auth",
            "/traffic/0000000000000002",
            Some("Bearer nope"),
            "403",
            "bad_auth",
        ),
    ];
    for (name, path, auth, status, reason) in cases {
        let mut c = Client::new();
        let head = c.upgrade(path, *auth);
        assert!(
            head.starts_with(&format!("HTTP/1.1 {status}")),
            "{name}: {head}"
        );
        assert_eq!(c.dropped(), vec![*reason], "{name}");
        assert!(c.conn.is_closing(), "{name}");
    }
    let mut c = Client::new();
    assert!(
        c.send(b"NOT HTTP AT ALL\r\n\r\n")
            .starts_with(b"HTTP/1.1 400")
    );
    assert_eq!(c.dropped(), vec!["bad_handshake"]);
    let mut c = Client::new();
    let huge = format!(
        "GET /router-info HTTP/1.1\r\nX: {}\r\n",
        "a".repeat(MAX_REQUEST)
    );
    assert!(c.send(huge.as_bytes()).starts_with(b"HTTP/1.1 431"));
    assert_eq!(c.dropped(), vec!["bad_handshake"]);
}

#[test]
fn traffic_opens_with_token_and_closes_on_binary_or_oversize() {
    for auth in ["tok", "Bearer tok"] {
        let mut c = Client::new();
        assert!(
            c.upgrade("/traffic/0000000000000002", Some(auth))
                .starts_with("HTTP/1.1 101")
        );
        assert!(matches!(c.events[..], [ConnEvent::Opened(e)] if e == Eui64::from_u64(2)));
        assert_eq!(c.conn.station(), Some(Eui64::from_u64(2)));
    }
    let mut c = Client::new();
    c.upgrade("/traffic/::1", None);
    let out = c.send(&frame(1, br#"{"msgtype":"version","station":"test"}"#));
    let f = frames(&out);
    let v: serde_json::Value = serde_json::from_slice(&f[0].1).unwrap();
    assert_eq!(v["msgtype"], "router_config");
    // Broken JSON and an unknown msgtype are drops; the connection stays.
    c.send(&frame(1, b"{not json"));
    c.send(&frame(1, br#"{"msgtype":"nope"}"#));
    assert!(!c.conn.is_closing());
    let drops: Vec<_> = c
        .events
        .iter()
        .filter_map(|e| match e {
            ConnEvent::Traffic(_, Err(d)) => Some(d.label()),
            _ => None,
        })
        .collect();
    assert_eq!(drops, vec!["malformed", "unknown_msgtype"]);
    let out = c.send(&frame(2, b"\x00\x01"));
    assert_eq!(frames(&out).last().map(|f| f.0), Some(8), "close frame");
    assert!(c.conn.is_closing());
    assert_eq!(c.dropped(), vec!["binary"]);

    let mut c = Client::new();
    c.upgrade("/traffic/::1", None);
    let big = vec![b' '; StationConfig::default().max_message + 1];
    c.send(&frame(1, &big));
    assert!(c.conn.is_closing());
    assert_eq!(c.dropped(), vec!["oversize"]);
}
