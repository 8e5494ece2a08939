//! One core's LNS endpoint: its [`TcpPoller`] (a `SO_REUSEPORT` listener, so the kernel spreads
//! stations across cores), the [`Connection`]s it accepted, and which gateway each traffic
//! connection serves. Driven once per loop turn ([`StationServer::turn`]) with the core's
//! [`UplinkSink`] (the router): uplinks and `dntxed`s go to it like Semtech UDP's, and each
//! station's arrival or departure goes to every core as a [`StationRoute`]. Downlinks for this
//! core's stations arrive as [`StationDown`]s ([`StationServer::downlink`]). A gateway removed
//! from the registry (the control plane's watch) loses its connection on the next turn.
//!
//! With TLS configured, each connection has a [`TlsLayer`] between the socket and the
//! [`Connection`]: socket bytes are decrypted before the connection sees them, and the
//! connection's output is encrypted on its way out (a failed TLS session closes, counted `tls`).

use super::connection::{ConnEvent, Connection};
use super::metrics::StationStats;
use super::tls::TlsLayer;
use super::traffic::Inbound;
use super::{StationConfig, StationDown, StationRoute};
use crate::gateway::registry::GatewayRegistry;
use crate::gateway::{TxAck, UplinkSink};
use crate::runtime::tcp::{TcpEvent, TcpPoller};
use shared::semtech_udp::{Token, TxError};
use shared::types::Eui64;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Bytes read from one connection per turn at most (the rest waits: fairness between stations).
const READ_PER_TURN: usize = 64 * 1024;

/// One accepted connection: the LNS protocol, under TLS when configured.
struct Peer {
    conn: Connection,
    tls: Option<TlsLayer>,
}

/// One core's Basic Station connections.
pub struct StationServer {
    tcp: TcpPoller,
    conns: HashMap<u64, Peer>,
    stations: HashMap<Eui64, u64>,
    registry: Arc<GatewayRegistry>,
    config: StationConfig,
    core: u16,
    tcp_events: Vec<TcpEvent>,
    conn_events: Vec<ConnEvent>,
    buf: Vec<u8>,
    plain: Vec<u8>,
    recheck: bool,
    /// This core's LNS counters.
    pub stats: StationStats,
}

fn unix_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

impl StationServer {
    /// Binds the LNS port on core `core`, serving `registry`'s gateways.
    pub fn bind(
        addr: SocketAddr,
        registry: Arc<GatewayRegistry>,
        core: usize,
        config: StationConfig,
    ) -> std::io::Result<Self> {
        Ok(Self {
            tcp: TcpPoller::bind(addr)?,
            conns: HashMap::new(),
            stations: HashMap::new(),
            registry,
            config,
            core: u16::try_from(core).unwrap_or(u16::MAX),
            tcp_events: Vec::new(),
            conn_events: Vec::new(),
            buf: vec![0; 16 * 1024],
            plain: Vec::new(),
            recheck: false,
            stats: StationStats::default(),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }

    /// The descriptor the core's ring watches to wake on LNS traffic.
    pub fn wake_fd(&self) -> RawFd {
        self.tcp.wake_fd()
    }

    /// Swaps in a new registry snapshot: new connections are checked against it, and on the
    /// next [`StationServer::turn`] the stations of gateways it no longer has are disconnected.
    pub fn set_registry(&mut self, registry: Arc<GatewayRegistry>) {
        self.registry = registry;
        self.recheck = true;
    }

    /// Closes the traffic connections of gateways the registry no longer has (counted
    /// `gateway_removed`; a reconnecting station is then refused as unknown).
    fn drop_removed(&mut self, sink: &mut impl UplinkSink) {
        self.recheck = false;
        let gone: Vec<u64> = self
            .stations
            .iter()
            .filter(|(eui, _)| self.registry.get(eui).is_none())
            .map(|(_, id)| *id)
            .collect();
        for id in gone {
            self.stats.drop("gateway_removed");
            self.close(id, sink);
        }
    }

    /// Accepts, reads and writes whatever is ready; what stations said goes to `sink`.
    pub fn turn(&mut self, now: Instant, sink: &mut impl UplinkSink) {
        if self.recheck {
            self.drop_removed(sink);
        }
        let mut events = std::mem::take(&mut self.tcp_events);
        events.clear();
        self.tcp.poll(&mut events);
        for ev in events.drain(..) {
            match ev {
                TcpEvent::Accepted(id, _) => {
                    self.stats.accepted += 1;
                    let conn = Connection::new(Arc::clone(&self.registry), &self.config);
                    let tls = match self.config.tls.as_ref().map(TlsLayer::new) {
                        None => None,
                        Some(Ok(t)) => Some(t),
                        Some(Err(e)) => {
                            tracing::warn!(error = %e, "basic station: TLS session");
                            self.stats.drop("tls");
                            self.tcp.close(id);
                            continue;
                        }
                    };
                    self.conns.insert(id, Peer { conn, tls });
                }
                TcpEvent::Readable(id) => self.read(id, now, sink),
                TcpEvent::Writable(id) => self.flush(id, sink),
            }
        }
        self.tcp_events = events;
    }

    fn read(&mut self, id: u64, now: Instant, sink: &mut impl UplinkSink) {
        let mut taken = 0;
        let unix = unix_us();
        while taken < READ_PER_TURN {
            let n = match self.tcp.read(id, &mut self.buf) {
                Ok(0) => return self.close(id, sink),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return self.close(id, sink),
            };
            taken += n;
            let Some(p) = self.conns.get_mut(&id) else {
                return;
            };
            let mut data = self.buf.get(..n).unwrap_or_default();
            let mut peer_closed = false;
            if let Some(t) = &mut p.tls {
                self.plain.clear();
                match t.decrypt(data, &mut self.plain) {
                    Ok(closed) => peer_closed = closed,
                    Err(e) => {
                        tracing::debug!(error = %e, "basic station: TLS failed");
                        self.stats.drop("tls");
                        // The alert (if any) goes out, then the connection closes.
                        let alert = t.output().to_vec();
                        let _ = self.tcp.write(id, &alert);
                        return self.close(id, sink);
                    }
                }
                data = &self.plain;
            }
            if !data.is_empty() {
                p.conn
                    .receive(data, &self.registry, unix, &mut self.conn_events);
                self.handle_events(id, now, sink);
            }
            if peer_closed {
                self.flush(id, sink);
                return self.close(id, sink);
            }
            if self.conns.get(&id).is_none_or(|p| p.conn.is_closing()) {
                break;
            }
        }
        self.flush(id, sink);
    }

    fn handle_events(&mut self, id: u64, now: Instant, sink: &mut impl UplinkSink) {
        let mut events = std::mem::take(&mut self.conn_events);
        for ev in events.drain(..) {
            match ev {
                ConnEvent::Opened(eui) => {
                    // A station that reconnects replaces its old connection.
                    if let Some(old) = self.stations.insert(eui, id)
                        && old != id
                    {
                        self.conns.remove(&old);
                        self.tcp.close(old);
                        self.stats.connections = self.stats.connections.saturating_sub(1);
                    }
                    self.stats.connections += 1;
                    sink.station_route(StationRoute {
                        eui,
                        core: Some(self.core),
                    });
                }
                ConnEvent::Traffic(kind, r) => {
                    if let Some(k) = kind {
                        self.stats.message(k);
                    }
                    match r {
                        Ok(Inbound::Uplink(up)) => sink.uplink(now, up),
                        Ok(Inbound::TxAck(ack)) => {
                            self.stats.dntxed_in += 1;
                            sink.tx_ack(now, ack);
                        }
                        Ok(Inbound::Reply | Inbound::Proprietary) => {}
                        Err(d) => {
                            tracing::debug!(error = %d, "basic station: dropped message");
                            self.stats.drop(d.label());
                        }
                    }
                }
                ConnEvent::Discovery(true) => self.stats.discovery_ok += 1,
                ConnEvent::Discovery(false) => self.stats.discovery_error += 1,
                ConnEvent::Dropped(reason) => self.stats.drop(reason),
            }
        }
        self.conn_events = events;
    }

    fn flush(&mut self, id: u64, sink: &mut impl UplinkSink) {
        let Some(p) = self.conns.get_mut(&id) else {
            return;
        };
        if let Some(t) = &mut p.tls {
            let plain = p.conn.output();
            let n = plain.len();
            t.encrypt(plain);
            p.conn.consume_output(n);
            if p.conn.is_closing() {
                t.close_notify();
            }
        }
        let mut failed = false;
        loop {
            let out = match &p.tls {
                Some(t) => t.output(),
                None => p.conn.output(),
            };
            if out.is_empty() {
                break;
            }
            match self.tcp.write(id, out) {
                Ok(0) => break,
                Ok(n) => match &mut p.tls {
                    Some(t) => t.consume_output(n),
                    None => p.conn.consume_output(n),
                },
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        let left = match &p.tls {
            Some(t) => t.output().len(),
            None => p.conn.output().len(),
        };
        if failed || (left == 0 && p.conn.is_closing()) {
            return self.close(id, sink);
        }
        if left > self.config.max_pending_out {
            self.stats.drop("output_full");
            return self.close(id, sink);
        }
        self.tcp.want_write(id, left > 0);
    }

    fn close(&mut self, id: u64, sink: &mut impl UplinkSink) {
        let Some(p) = self.conns.remove(&id) else {
            return;
        };
        self.tcp.close(id);
        if let Some(eui) = p.conn.station()
            && self.stations.get(&eui) == Some(&id)
        {
            self.stations.remove(&eui);
            self.stats.connections = self.stats.connections.saturating_sub(1);
            sink.station_route(StationRoute { eui, core: None });
        }
    }

    /// Writes a scheduled downlink to its station as `dnmsg`; one that cannot be written is
    /// answered to its owner core as a TOO_LATE TX_ACK (RX2 is then tried, or it fails).
    pub fn downlink(&mut self, now: Instant, d: StationDown, sink: &mut impl UplinkSink) {
        let id = self.stations.get(&d.eui).copied();
        let r = match id.and_then(|id| self.conns.get_mut(&id)) {
            Some(p) => p.conn.downlink(&d, unix_us()),
            None => Err("dnmsg_no_connection"),
        };
        match (r, id) {
            (Ok(()), Some(id)) => {
                self.stats.dnmsg_out += 1;
                self.flush(id, sink);
            }
            (r, _) => {
                self.stats.drop(r.err().unwrap_or("dnmsg_no_connection"));
                sink.tx_ack(
                    now,
                    TxAck {
                        eui: d.eui,
                        token: Token::from_u16(d.token),
                        error: Some(TxError::TooLate),
                    },
                );
            }
        }
    }

    /// Open TCP connections (any phase).
    pub fn connections(&self) -> usize {
        self.conns.len()
    }
}
