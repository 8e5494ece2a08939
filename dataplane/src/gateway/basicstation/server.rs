//! One core's LNS endpoint: its [`TcpPoller`] (a `SO_REUSEPORT` listener, so the kernel spreads
//! stations across cores), the [`Connection`]s it accepted, and which gateway each traffic
//! connection serves. Driven once per loop turn ([`StationServer::turn`]) with the core's
//! [`UplinkSink`] (the router): uplinks and `dntxed`s go to it like Semtech UDP's, and each
//! station's arrival or departure goes to every core as a [`StationRoute`]. Downlinks for this
//! core's stations arrive as [`StationDown`]s ([`StationServer::downlink`]).

use super::connection::{ConnEvent, Connection};
use super::metrics::StationStats;
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

/// One core's Basic Station connections.
pub struct StationServer {
    tcp: TcpPoller,
    conns: HashMap<u64, Connection>,
    stations: HashMap<Eui64, u64>,
    registry: Arc<GatewayRegistry>,
    config: StationConfig,
    core: u16,
    tcp_events: Vec<TcpEvent>,
    conn_events: Vec<ConnEvent>,
    buf: Vec<u8>,
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

    /// Swaps in a new registry snapshot (new connections are checked against it).
    pub fn set_registry(&mut self, registry: Arc<GatewayRegistry>) {
        self.registry = registry;
    }

    /// Accepts, reads and writes whatever is ready; what stations said goes to `sink`.
    pub fn turn(&mut self, now: Instant, sink: &mut impl UplinkSink) {
        let mut events = std::mem::take(&mut self.tcp_events);
        events.clear();
        self.tcp.poll(&mut events);
        for ev in events.drain(..) {
            match ev {
                TcpEvent::Accepted(id, _) => {
                    self.stats.accepted += 1;
                    let c = Connection::new(Arc::clone(&self.registry), &self.config);
                    self.conns.insert(id, c);
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
            let Some(c) = self.conns.get_mut(&id) else {
                return;
            };
            let data = self.buf.get(..n).unwrap_or_default();
            c.receive(data, &self.registry, unix, &mut self.conn_events);
            self.handle_events(id, now, sink);
            if self.conns.get(&id).is_none_or(Connection::is_closing) {
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
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        let mut failed = false;
        while !c.output().is_empty() {
            match self.tcp.write(id, c.output()) {
                Ok(0) => break,
                Ok(n) => c.consume_output(n),
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        let left = c.output().len();
        if failed || (left == 0 && c.is_closing()) {
            return self.close(id, sink);
        }
        if left > self.config.max_pending_out {
            self.stats.drop("output_full");
            return self.close(id, sink);
        }
        self.tcp.want_write(id, left > 0);
    }

    fn close(&mut self, id: u64, sink: &mut impl UplinkSink) {
        let Some(c) = self.conns.remove(&id) else {
            return;
        };
        self.tcp.close(id);
        if let Some(eui) = c.station()
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
            Some(c) => c.downlink(&d, unix_us()),
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
