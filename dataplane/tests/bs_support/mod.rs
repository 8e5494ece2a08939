//! A LoRa Basics Station written from the Basic Station documentation ("The LNS Protocol",
//! doc.sm.tc/station/tcproto.html; glossary for `xtime`/`rctx`), with `tokio-tungstenite` as its
//! WebSocket client, over plain TCP (`ws://`) or `tokio-rustls` (`wss://`, trusting a given
//! certificate). It discovers its traffic URI on `/router-info`, connects with its token in
//! `Authorization`, and sends `version`, `updf`, `jreq`, `timesync`, `dntxed` as JSON it writes
//! itself; replies are read as plain JSON. Shared by the `e2e_basicstation*` tests, which must
//! declare `mod bs_support;` beside `mod e2e_support;`.
#![allow(dead_code)] // each test file uses a part

use crate::e2e_support::WAIT;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// A plain `ws://` client stream.
pub type Plain = tokio_tungstenite::MaybeTlsStream<TcpStream>;
/// A `wss://` client stream.
pub type Tls = TlsStream<TcpStream>;

/// argon2id of `token` at the Identity Server's token cost, as the control plane pushes it.
pub fn token_hash(token: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let params = argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap();
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::from_b64("ZTJlc2FsdHNhbHQ").unwrap();
    a.hash_password(token.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

/// A station: its traffic connection.
pub struct Station<S> {
    /// The WebSocket.
    pub ws: WebSocketStream<S>,
}

/// The discovery request for `eui` (`router` in ID6-free plain hex).
fn router_info(eui: u64) -> Message {
    Message::text(json!({ "router": format!("{eui:016x}") }).to_string())
}

impl Station<Plain> {
    /// Discovery on `ws://addr/router-info`, then the traffic URI with `auth`.
    pub async fn connect(addr: SocketAddr, eui: u64, auth: Option<&str>) -> Result<Self, WsError> {
        let (mut d, _) =
            tokio_tungstenite::connect_async(format!("ws://{addr}/router-info")).await?;
        d.send(router_info(eui)).await?;
        let answer = next_json(&mut d).await;
        let uri = answer["uri"]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}"))
            .to_owned();
        assert!(uri.starts_with("ws://"), "{answer}");
        Self::open(&uri, auth).await
    }

    /// Opens `uri` (a traffic URI) with `auth`.
    pub async fn open(uri: &str, auth: Option<&str>) -> Result<Self, WsError> {
        let mut req = uri.into_client_request()?;
        if let Some(a) = auth {
            req.headers_mut()
                .insert("Authorization", a.parse().expect("header value"));
        }
        let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req))
            .await
            .expect("connect in time")?;
        Ok(Self { ws })
    }
}

/// A TLS client trusting only `ca` (ring, TLS 1.2 and 1.3).
pub fn tls_connector(ca: CertificateDer<'static>) -> TlsConnector {
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.add(ca).expect("trust anchor");
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

impl Station<Tls> {
    /// Discovery on `wss://host/router-info` at `addr`, then the `wss://` traffic URI.
    pub async fn connect_tls(
        tls: &TlsConnector,
        addr: SocketAddr,
        host: &str,
        eui: u64,
        auth: Option<&str>,
    ) -> Result<(Self, String), WsError> {
        let mut d = Self::open_tls(tls, addr, &format!("wss://{host}/router-info"), None).await?;
        d.ws.send(router_info(eui)).await?;
        let answer = next_json(&mut d.ws).await;
        let uri = answer["uri"]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}"))
            .to_owned();
        let st = Self::open_tls(tls, addr, &uri, auth).await?;
        Ok((st, uri))
    }

    /// Opens `uri` over TLS to `addr` (the name checked is `uri`'s host).
    pub async fn open_tls(
        tls: &TlsConnector,
        addr: SocketAddr,
        uri: &str,
        auth: Option<&str>,
    ) -> Result<Self, WsError> {
        let mut req = uri.into_client_request()?;
        if let Some(a) = auth {
            req.headers_mut()
                .insert("Authorization", a.parse().expect("header value"));
        }
        let host = req.uri().host().unwrap_or_default().to_owned();
        let name = ServerName::try_from(host).expect("server name");
        let connect = async {
            let tcp = TcpStream::connect(addr).await?;
            let stream = tls.connect(name, tcp).await?;
            let (ws, _) = tokio_tungstenite::client_async(req, stream).await?;
            Ok::<_, WsError>(ws)
        };
        let ws = tokio::time::timeout(WAIT, connect)
            .await
            .expect("connect in time")?;
        Ok(Self { ws })
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Station<S> {
    /// Sends `v` as a text message.
    pub async fn send(&mut self, v: Value) {
        self.ws
            .send(Message::text(v.to_string()))
            .await
            .expect("send");
    }

    /// The next JSON message.
    pub async fn recv(&mut self) -> Value {
        next_json(&mut self.ws).await
    }

    /// `version`, answered by `router_config` (returned).
    pub async fn version(&mut self) -> Value {
        self.send(json!({"msgtype":"version","station":"2.0.6(rpi/std)","firmware":null,"package":null,"model":"rpi","protocol":2,"features":"rmtsh"})).await;
        let rc = self.recv().await;
        assert_eq!(rc["msgtype"], "router_config", "{rc}");
        rc
    }

    /// `updf` for the lrwn-built `phy` (LNS protocol "Uplink Data Frame": fields of the
    /// PHYPayload, FOpts/FRMPayload hex, DevAddr and MIC as signed 32-bit integers).
    pub async fn updf(&mut self, phy: &[u8], xtime: i64) {
        let n = phy.len();
        let fopts_len = usize::from(phy[5] & 0x0F);
        let port_at = 8 + fopts_len;
        let (fport, frm) = if n - 4 > port_at {
            (i64::from(phy[port_at]), hex(&phy[port_at + 1..n - 4]))
        } else {
            (-1, String::new())
        };
        self.send(json!({
            "msgtype": "updf",
            "MHdr": phy[0],
            "DevAddr": i32::from_le_bytes(phy[1..5].try_into().unwrap()),
            "FCtrl": phy[5],
            "FCnt": u16::from_le_bytes([phy[6], phy[7]]),
            "FOpts": hex(&phy[8..port_at]),
            "FPort": fport,
            "FRMPayload": frm,
            "MIC": i32::from_le_bytes(phy[n - 4..].try_into().unwrap()),
            "RefTime": 0.0,
            "DR": 5,
            "Freq": 868_100_000,
            "upinfo": upinfo(xtime),
        }))
        .await;
    }

    /// `jreq` for the lrwn-built join-request `phy` (LNS protocol "Join Request": EUIs in dash
    /// form, DevNonce as the 16-bit air value, MIC as a signed 32-bit integer).
    pub async fn jreq(&mut self, phy: &[u8], xtime: i64) {
        assert_eq!(phy.len(), 23, "a join-request PHYPayload");
        let eui = |b: &[u8]| {
            let v: Vec<String> = b.iter().rev().map(|x| format!("{x:02X}")).collect();
            v.join("-")
        };
        self.send(json!({
            "msgtype": "jreq",
            "MHdr": phy[0],
            "JoinEui": eui(&phy[1..9]),
            "DevEui": eui(&phy[9..17]),
            "DevNonce": u16::from_le_bytes([phy[17], phy[18]]),
            "MIC": i32::from_le_bytes(phy[19..23].try_into().unwrap()),
            "RefTime": 0.0,
            "DR": 5,
            "Freq": 868_100_000,
            "upinfo": upinfo(xtime),
        }))
        .await;
    }
}

fn upinfo(xtime: i64) -> Value {
    json!({
        "rctx": 0, "xtime": xtime, "gpstime": 0, "fts": -1,
        "rssi": -42, "snr": 7.5, "rxtime": 1_700_000_000.0
    })
}

/// Upper-case hex of `b`.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// The bytes of a hex string (a `dnmsg`'s `pdu`).
pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

/// The next JSON text message on `ws` (pings skipped), within [`WAIT`].
pub async fn next_json<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>) -> Value {
    loop {
        let m = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a message in time")
            .expect("stream open")
            .expect("message");
        match m {
            Message::Text(t) => return serde_json::from_str(t.as_str()).expect("JSON"),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// An EUI as the LNS writes it (dash form or plain hex) as a number.
pub fn hex_u64(v: &Value) -> u64 {
    u64::from_str_radix(&v.as_str().unwrap().replace(['-', ':'], ""), 16).unwrap()
}
