//! One TCP connection of the LNS endpoint, sans-IO: bytes in ([`Connection::receive`]), bytes
//! out ([`Connection::output`]). The HTTP/1.1 upgrade and the WebSocket framing (RFC 6455) are
//! `tungstenite`'s, run over a [`MemStream`]; this file decides what the upgrade may open
//! ([`auth`](super::auth)) and what each message means: discovery on `/router-info` (one
//! `{"router":…}` in, the traffic URI or an error out, then close), or a station's
//! [`TrafficSession`] on `/traffic/<EUI>`.
//!
//! Bounds: the upgrade request may be at most [`MAX_REQUEST`] bytes; a WebSocket message or
//! frame above [`StationConfig::max_message`] closes the connection (close code 1009, counted
//! `oversize`), as does a binary message (1003, `binary`): the LNS protocol is text only. A bad
//! text message is a counted drop and the connection stays.

use super::auth::{self, Endpoint, Refusal};
use super::stream::MemStream;
use super::traffic::{Inbound, TrafficDrop, TrafficSession};
use super::{StationConfig, StationDown};
use crate::gateway::registry::GatewayRegistry;
use shared::basicstation::{RouterInfoRequest, RouterInfoResponse};
use shared::types::Eui64;
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use tungstenite::handshake::server::{ErrorResponse, Request, Response, ServerHandshake};
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tungstenite::{Error as WsError, Message, WebSocket};

/// Largest HTTP upgrade request accepted (a station's is a few hundred bytes).
pub const MAX_REQUEST: usize = 8 * 1024;

/// What the upgrade's callback decided.
#[derive(Debug, Clone)]
enum Admission {
    Discovery { host: String },
    Traffic { eui: Eui64, region: Option<String> },
    Refused(Refusal),
}

/// The upgrade callback: checks path, registry and token, and leaves its verdict behind.
struct Gate {
    registry: Arc<GatewayRegistry>,
    verdict: Arc<Mutex<Option<Admission>>>,
}

impl tungstenite::handshake::server::Callback for Gate {
    fn on_request(self, req: &Request, resp: Response) -> Result<Response, ErrorResponse> {
        let host = req
            .headers()
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let admission = match auth::endpoint(req.uri().path()) {
            Ok(Endpoint::RouterInfo) => Admission::Discovery { host },
            Ok(Endpoint::Traffic(eui)) => {
                let header = req.headers().get("authorization").map(|h| h.as_bytes());
                match auth::admit(&self.registry, eui, header) {
                    Ok(()) => Admission::Traffic {
                        eui,
                        region: self.registry.get(&eui).and_then(|r| r.region.clone()),
                    },
                    Err(r) => Admission::Refused(r),
                }
            }
            Err(r) => Admission::Refused(r),
        };
        let refused = match &admission {
            Admission::Refused(r) => Some(*r),
            _ => None,
        };
        if let Ok(mut v) = self.verdict.lock() {
            *v = Some(admission);
        }
        match refused {
            None => Ok(resp),
            Some(r) => {
                let mut e = ErrorResponse::new(Some(r.to_string()));
                *e.status_mut() = tungstenite::http::StatusCode::from_u16(r.status())
                    .unwrap_or(tungstenite::http::StatusCode::FORBIDDEN);
                Err(e)
            }
        }
    }
}

// One per connection, moved once per received batch: the traffic variant (WebSocket state and
// the uplink memory, ~1.4 KiB) stays inline rather than behind another pointer.
#[allow(clippy::large_enum_variant)]
enum Phase {
    Handshake(Box<MidHandshake<ServerHandshake<MemStream, Gate>>>),
    Discovery(WebSocket<MemStream>, String),
    Traffic(WebSocket<MemStream>, TrafficSession),
    /// Only output left to flush, then close.
    Closing(Vec<u8>),
}

/// What a connection reports to its core.
// An uplink rides inline (as in `CoreMsg`): boxing it would cost an allocation per frame.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum ConnEvent {
    /// A traffic connection opened for `eui`.
    Opened(Eui64),
    /// A traffic message of `msgtype` and what it asks of the core.
    Traffic(Option<&'static str>, Result<Inbound, TrafficDrop>),
    /// A discovery request was answered (`true`: with a traffic URI).
    Discovery(bool),
    /// The connection is refused or closed for `reason` (a [`super::metrics::DROPS`] label).
    Dropped(&'static str),
}

/// One LNS connection.
pub struct Connection {
    phase: Option<Phase>,
    verdict: Arc<Mutex<Option<Admission>>>,
    received: usize,
    reply: Vec<u8>,
    max_message: usize,
    public_host: String,
}

impl Connection {
    /// A fresh connection expecting an HTTP upgrade request.
    pub fn new(registry: Arc<GatewayRegistry>, config: &StationConfig) -> Self {
        let verdict = Arc::new(Mutex::new(None));
        let ws = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0)
            .max_message_size(Some(config.max_message))
            .max_frame_size(Some(config.max_message));
        let gate = Gate {
            registry,
            verdict: Arc::clone(&verdict),
        };
        let mid = match tungstenite::accept_hdr_with_config(MemStream::default(), gate, Some(ws)) {
            Err(HandshakeError::Interrupted(mid)) => Some(Phase::Handshake(Box::new(mid))),
            // Nothing was read yet, so the handshake can only be waiting.
            _ => Some(Phase::Closing(Vec::new())),
        };
        Self {
            phase: mid,
            verdict,
            received: 0,
            reply: Vec::with_capacity(512),
            max_message: config.max_message,
            public_host: config.public_host.clone(),
        }
    }

    /// The gateway of an open traffic connection.
    pub fn station(&self) -> Option<Eui64> {
        match &self.phase {
            Some(Phase::Traffic(_, s)) => Some(s.eui()),
            _ => None,
        }
    }

    /// Whether everything is said: close once [`Connection::output`] is empty.
    pub fn is_closing(&self) -> bool {
        matches!(self.phase, Some(Phase::Closing(_)) | None)
    }

    /// Bytes waiting for the peer.
    pub fn output(&self) -> &[u8] {
        match &self.phase {
            Some(Phase::Handshake(m)) => m.get_ref().get_ref().output(),
            Some(Phase::Discovery(ws, _) | Phase::Traffic(ws, _)) => ws.get_ref().output(),
            Some(Phase::Closing(b)) => b,
            None => &[],
        }
    }

    /// Forgets the first `n` bytes of [`Connection::output`] (written to the socket).
    pub fn consume_output(&mut self, n: usize) {
        match &mut self.phase {
            Some(Phase::Handshake(m)) => m.get_mut().get_mut().consume_output(n),
            Some(Phase::Discovery(ws, _) | Phase::Traffic(ws, _)) => ws.get_mut().consume_output(n),
            Some(Phase::Closing(b)) => {
                b.drain(..n.min(b.len()));
            }
            None => {}
        }
    }

    /// Takes bytes from the peer received at `now_unix_us`; what they mean goes into `events`.
    pub fn receive(
        &mut self,
        data: &[u8],
        registry: &GatewayRegistry,
        now_unix_us: i64,
        events: &mut Vec<ConnEvent>,
    ) {
        match self.phase.take() {
            Some(Phase::Handshake(mut mid)) => {
                self.received += data.len();
                if self.received > MAX_REQUEST {
                    events.push(ConnEvent::Dropped("bad_handshake"));
                    self.phase = Some(Phase::Closing(http_status(431)));
                    return;
                }
                mid.get_mut().get_mut().push_input(data);
                self.phase = Some(self.upgrade(*mid, events));
                // Bytes after the request (a pipelined first message) are in the stream.
                self.read_messages(registry, now_unix_us, events);
            }
            Some(mut p @ (Phase::Discovery(..) | Phase::Traffic(..))) => {
                if let Phase::Discovery(ws, _) | Phase::Traffic(ws, _) = &mut p {
                    ws.get_mut().push_input(data);
                }
                self.phase = Some(p);
                self.read_messages(registry, now_unix_us, events);
            }
            other => self.phase = other,
        }
    }

    fn upgrade(
        &mut self,
        mid: MidHandshake<ServerHandshake<MemStream, Gate>>,
        events: &mut Vec<ConnEvent>,
    ) -> Phase {
        match mid.handshake() {
            Err(HandshakeError::Interrupted(mid)) => Phase::Handshake(Box::new(mid)),
            Ok(ws) => {
                let verdict = self.verdict.lock().ok().and_then(|mut v| v.take());
                match verdict {
                    Some(Admission::Discovery { host }) => {
                        let host = if self.public_host.is_empty() {
                            host
                        } else {
                            self.public_host.clone()
                        };
                        Phase::Discovery(ws, host)
                    }
                    Some(Admission::Traffic { eui, region }) => {
                        events.push(ConnEvent::Opened(eui));
                        Phase::Traffic(ws, TrafficSession::new(eui, region.as_deref()))
                    }
                    _ => Phase::Closing(Vec::new()),
                }
            }
            Err(HandshakeError::Failure(e)) => {
                let verdict = self.verdict.lock().ok().and_then(|mut v| v.take());
                match (verdict, e) {
                    (Some(Admission::Refused(r)), WsError::Http(_)) => {
                        events.push(ConnEvent::Dropped(r.label()));
                        Phase::Closing(http_status(r.status()))
                    }
                    _ => {
                        events.push(ConnEvent::Dropped("bad_handshake"));
                        Phase::Closing(http_status(400))
                    }
                }
            }
        }
    }

    fn read_messages(
        &mut self,
        registry: &GatewayRegistry,
        now_unix_us: i64,
        events: &mut Vec<ConnEvent>,
    ) {
        loop {
            let reply = &mut self.reply;
            let (ws, session, host) = match &mut self.phase {
                Some(Phase::Traffic(ws, s)) => (ws, Some(s), None),
                Some(Phase::Discovery(ws, h)) => (ws, None, Some(h.as_str())),
                _ => return,
            };
            let close = match ws.read() {
                Ok(Message::Text(text)) => {
                    reply.clear();
                    match (session, host) {
                        (Some(s), _) => {
                            let (kind, r) = s.on_text(text.as_bytes(), now_unix_us, reply);
                            events.push(ConnEvent::Traffic(kind, r));
                            if !reply.is_empty() {
                                send_json(ws, reply);
                            }
                            None
                        }
                        (None, host) => {
                            let host = host.unwrap_or_default();
                            let ok = discovery(text.as_bytes(), registry, host, reply);
                            events.push(ConnEvent::Discovery(ok));
                            send_json(ws, reply);
                            Some((CloseCode::Normal, None))
                        }
                    }
                }
                Ok(Message::Binary(_)) => Some((CloseCode::Unsupported, Some("binary"))),
                Ok(Message::Close(_)) => Some((CloseCode::Normal, None)),
                Ok(_) => None,
                Err(WsError::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    let _ = ws.flush();
                    return;
                }
                Err(WsError::Capacity(_)) => Some((CloseCode::Size, Some("oversize"))),
                Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => {
                    Some((CloseCode::Normal, None))
                }
                Err(_) => Some((CloseCode::Protocol, Some("protocol"))),
            };
            if let Some((code, reason)) = close {
                if let Some(r) = reason {
                    events.push(ConnEvent::Dropped(r));
                }
                self.close(code);
                return;
            }
        }
    }

    /// Sends a close frame and moves to [`Phase::Closing`] with what is left to write.
    fn close(&mut self, code: CloseCode) {
        let bytes = match self.phase.take() {
            Some(Phase::Discovery(mut ws, _) | Phase::Traffic(mut ws, _)) => {
                let _ = ws.close(Some(CloseFrame {
                    code,
                    reason: "".into(),
                }));
                let _ = ws.flush();
                ws.get_ref().output().to_vec()
            }
            Some(Phase::Closing(b)) => b,
            _ => Vec::new(),
        };
        self.phase = Some(Phase::Closing(bytes));
    }

    /// Writes a `dnmsg` for `d`; `Err` names the drop reason.
    pub fn downlink(&mut self, d: &StationDown, now_unix_us: i64) -> Result<(), &'static str> {
        let Some(Phase::Traffic(ws, s)) = &mut self.phase else {
            return Err("dnmsg_no_connection");
        };
        self.reply.clear();
        s.dnmsg(d, now_unix_us, &mut self.reply)
            .map_err(|_| "dnmsg_no_uplink")?;
        send_json(ws, &self.reply);
        Ok(())
    }

    /// The largest message accepted.
    pub fn max_message(&self) -> usize {
        self.max_message
    }
}

/// Queues a JSON text message (always UTF-8: the writers escape everything).
fn send_json(ws: &mut WebSocket<MemStream>, json: &[u8]) {
    if let Ok(s) = std::str::from_utf8(json) {
        let _ = ws.send(Message::text(s.to_owned()));
    }
}

/// A bare HTTP response with `status` and no body, for refused upgrades.
fn http_status(status: u16) -> Vec<u8> {
    let reason = tungstenite::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    format!("HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .into_bytes()
}

/// Answers a discovery request; `true` when it named a registered gateway.
fn discovery(text: &[u8], registry: &GatewayRegistry, host: &str, out: &mut Vec<u8>) -> bool {
    let (router, error) = match RouterInfoRequest::parse(text) {
        Ok(r) if registry.get(&r.router).is_some() => {
            let uri = format!("ws://{host}/traffic/{:016X}", r.router.to_u64());
            RouterInfoResponse::Ok {
                router: r.router,
                muxs: Eui64::from_u64(0),
                uri: Cow::Owned(uri),
            }
            .emit(out);
            return true;
        }
        Ok(r) => (r.router, "unknown router"),
        Err(_) => (Eui64::from_u64(0), "invalid router-info request"),
    };
    RouterInfoResponse::Error {
        router,
        error: Cow::Borrowed(error),
    }
    .emit(out);
    false
}

#[cfg(test)]
#[path = "connection_tests.rs"]
mod tests;
