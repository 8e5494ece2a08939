//! The TLS layer against an independent client (rustls' `ClientConnection` trusting a
//! certificate rcgen made), all in memory.

use super::*;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore};

struct Pair {
    server: TlsLayer,
    client: ClientConnection,
}

fn cert() -> rcgen::CertifiedKey<rcgen::KeyPair> {
    rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap()
}

fn client_config(ck: &rcgen::CertifiedKey<rcgen::KeyPair>, v12: bool) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(ck.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = if v12 {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13]
    };
    let c = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(c)
}

fn server_tls(ck: &rcgen::CertifiedKey<rcgen::KeyPair>) -> StationTls {
    let key = PrivateKeyDer::try_from(ck.signing_key.serialize_der()).unwrap();
    StationTls::new(vec![ck.cert.der().clone()], key).unwrap()
}

impl Pair {
    fn new(v12: bool) -> Self {
        let ck = cert();
        let name = ServerName::try_from("localhost").unwrap();
        Self {
            server: TlsLayer::new(&server_tls(&ck)).unwrap(),
            client: ClientConnection::new(client_config(&ck, v12), name).unwrap(),
        }
    }

    /// Moves bytes both ways until neither side has anything to say; returns the plaintext
    /// the server received.
    fn exchange(&mut self) -> Vec<u8> {
        let mut plain = Vec::new();
        for _ in 0..16 {
            let mut wire = Vec::new();
            while self.client.wants_write() {
                self.client.write_tls(&mut wire).unwrap();
            }
            if !wire.is_empty() {
                self.server.decrypt(&wire, &mut plain).unwrap();
            }
            let out = self.server.output().to_vec();
            self.server.consume_output(out.len());
            if !out.is_empty() {
                let mut rd = out.as_slice();
                while !rd.is_empty() {
                    self.client.read_tls(&mut rd).unwrap();
                    self.client.process_new_packets().unwrap();
                }
            }
            if wire.is_empty() && out.is_empty() {
                break;
            }
        }
        plain
    }

    fn client_reads(&mut self) -> Vec<u8> {
        let mut got = Vec::new();
        let _ = self.client.reader().read_to_end(&mut got);
        got
    }
}

#[test]
fn handshake_and_data_both_ways_tls13_and_tls12() {
    for (name, v12) in [("tls1.3", false), ("tls1.2", true)] {
        let mut p = Pair::new(v12);
        // Written before the handshake: held back, then delivered.
        p.client.writer().write_all(b"GET /router-info").unwrap();
        let got = p.exchange();
        assert!(!p.server.is_handshaking(), "{name}");
        assert!(!p.client.is_handshaking(), "{name}");
        assert_eq!(got, b"GET /router-info", "{name}");
        p.server.encrypt(b"HTTP/1.1 101");
        p.exchange();
        assert_eq!(p.client_reads(), b"HTTP/1.1 101", "{name}");
    }
}

#[test]
fn server_output_written_before_the_handshake_waits_for_it() {
    let mut p = Pair::new(false);
    p.server.encrypt(b"early");
    p.exchange();
    assert_eq!(p.client_reads(), b"early");
}

#[test]
fn close_notify_both_ways() {
    let mut p = Pair::new(false);
    p.exchange();
    p.client.send_close_notify();
    let mut wire = Vec::new();
    while p.client.wants_write() {
        p.client.write_tls(&mut wire).unwrap();
    }
    let mut plain = Vec::new();
    assert!(p.server.decrypt(&wire, &mut plain).unwrap(), "peer closed");
    p.server.close_notify();
    p.server.encrypt(b"after close");
    let out = p.server.output().to_vec();
    let mut rd = out.as_slice();
    p.client.read_tls(&mut rd).unwrap();
    let st = p.client.process_new_packets().unwrap();
    assert!(st.peer_has_closed());
    assert!(p.client_reads().is_empty(), "nothing after close_notify");
}

#[test]
fn garbage_is_an_error_with_an_alert_for_the_peer() {
    let ck = cert();
    let cases: &[(&str, &[u8])] = &[
        (
            "plain http",
            b"GET /router-info HTTP/1.1\r\nHost: x\r\n\r\n",
        ),
        ("bad record", &[0x16, 0x03, 0x01, 0xff, 0xff, 0, 0, 0]),
    ];
    for (name, bytes) in cases {
        let mut s = TlsLayer::new(&server_tls(&ck)).unwrap();
        let mut plain = Vec::new();
        assert!(s.decrypt(bytes, &mut plain).is_err(), "{name}");
        assert!(plain.is_empty(), "{name}");
        assert!(!s.output().is_empty(), "{name}: an alert is queued");
    }
}

#[test]
fn loads_pem_files_and_refuses_bad_settings() {
    let ck = cert();
    let other = cert();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let crt = write("crt.pem", &ck.cert.pem());
    let key = write("key.pem", &ck.signing_key.serialize_pem());
    let other_key = write("other.pem", &other.signing_key.serialize_pem());
    let empty = write("empty.pem", "");
    let missing = dir.path().join("missing.pem");

    assert!(StationTls::from_paths(None, None).unwrap().is_none());
    assert!(
        StationTls::from_paths(Some(&crt), Some(&key))
            .unwrap()
            .is_some()
    );
    let cases: &[(&str, Option<&Path>, Option<&Path>)] = &[
        ("cert only", Some(&crt), None),
        ("key only", None, Some(&key)),
        ("missing cert", Some(&missing), Some(&key)),
        ("empty cert", Some(&empty), Some(&key)),
        ("key is a cert", Some(&crt), Some(&crt)),
        ("key of another cert", Some(&crt), Some(&other_key)),
    ];
    for (name, c, k) in cases {
        assert!(StationTls::from_paths(*c, *k).is_err(), "{name}");
    }
}
