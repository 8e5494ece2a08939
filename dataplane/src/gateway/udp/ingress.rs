//! Semtech UDP ingress on one core: PUSH_DATA and PULL_DATA are acknowledged at once, registered
//! gateways' `rxpk`s become [`GatewayUplink`]s for the sink, `stat` reports and the downlink
//! address (from the last PULL_DATA) are kept per gateway and, when new or changed, handed to the
//! sink as a [`DownlinkRoute`] (the sink tells every core); TX_ACKs go to the sink, which routes
//! them to the core that sent the PULL_RESP. Everything else is a counted drop.
//!
//! PUSH_DATA bodies go through the scanner fast path (`PushData::parse_into`, which falls back
//! to serde for anything unusual and answers exactly as serde does) into one `PushData` reused
//! for every datagram, so a datagram costs no allocation here; [`JsonParser::Serde`] keeps the
//! old `Packet::parse` path callable for same-run comparison (`bench --bin ingress --parser`).

use crate::application::event::{RadioSettings, RxMetadata};
use crate::drop::DropReason;
use crate::gateway::{DownlinkRoute, GatewayUplink, TxAck, UplinkSink, registry::GatewayRegistry};
use crate::runtime::udp::{DatagramHandler, Outbox, UdpStats};
use shared::semtech_udp::{
    CrcStatus, DataRate, Header, Identifier, Packet, ProtocolVersion, PushData, RxPk, Stat, Token,
};
use shared::types::Eui64;
use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Instant};

/// What this core knows about a gateway that talks to it.
#[derive(Debug, Clone)]
pub struct GatewayLink {
    /// Where downlinks go: the source of the last PULL_DATA.
    pub downlink_addr: Option<SocketAddr>,
    /// When the gateway was last heard (any packet).
    pub last_seen: Instant,
    /// The last `stat` report and when it came (kept for the NOC).
    pub last_status: Option<(Instant, Stat)>,
}

/// Counters of this ingress; drops carry their reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct IngressStats {
    /// PUSH_DATA datagrams acknowledged.
    pub push_data: u64,
    /// PULL_DATA datagrams acknowledged.
    pub pull_data: u64,
    /// TX_ACK datagrams received.
    pub tx_ack: u64,
    /// Frames handed to the sink.
    pub uplinks: u64,
    /// Status reports kept.
    pub status: u64,
    /// Datagrams that did not parse (bad header, JSON, base64, field).
    pub drop_parse: u64,
    /// Datagrams from gateways not in the registry.
    pub drop_unknown_gateway: u64,
    /// Frames received with a failed CRC (or none when one was required).
    pub drop_crc: u64,
    /// Server-bound kinds a gateway must not send (PUSH_ACK, PULL_ACK, PULL_RESP).
    pub drop_unexpected: u64,
}

/// Which PUSH_DATA parser the ingress runs (both give the same result).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JsonParser {
    /// The scanner fast path, serde when it declines (default).
    #[default]
    Scan,
    /// serde_json through `Packet::parse` (the reference, kept for comparison).
    Serde,
}

/// The Semtech UDP Gateway Server adapter for one core.
pub struct SemtechUdpIngress<S> {
    registry: Arc<GatewayRegistry>,
    /// Keyed aHash (SipHash cost ~200 instructions a lookup on the packet path).
    links: HashMap<Eui64, GatewayLink, ahash::RandomState>,
    sink: S,
    reply: Vec<u8>,
    parser: JsonParser,
    push: PushData,
    /// This ingress's counters.
    pub stats: IngressStats,
}

impl<S: UplinkSink> SemtechUdpIngress<S> {
    /// An ingress serving `registry`'s gateways and delivering frames to `sink`.
    pub fn new(registry: Arc<GatewayRegistry>, sink: S) -> Self {
        Self {
            registry,
            links: HashMap::default(),
            sink,
            reply: Vec::with_capacity(16),
            parser: JsonParser::default(),
            push: PushData::default(),
            stats: IngressStats::default(),
        }
    }

    /// Chooses the PUSH_DATA parser.
    pub fn with_parser(mut self, parser: JsonParser) -> Self {
        self.parser = parser;
        self
    }

    /// Swaps in a new registry snapshot (from the control plane's watch).
    pub fn set_registry(&mut self, registry: Arc<GatewayRegistry>) {
        self.links.retain(|eui, _| registry.get(eui).is_some());
        self.registry = registry;
    }

    /// What this core knows about `eui`.
    pub fn link(&self, eui: &Eui64) -> Option<&GatewayLink> {
        self.links.get(eui)
    }

    /// Counters of this ingress as drops by reason.
    pub fn drops(&self) -> impl Iterator<Item = (DropReason, u64)> {
        let s = self.stats;
        [
            (DropReason::Parse, s.drop_parse),
            (DropReason::UnknownGateway, s.drop_unknown_gateway),
            (DropReason::CrcFailed, s.drop_crc),
            (DropReason::UnexpectedPacket, s.drop_unexpected),
        ]
        .into_iter()
    }

    /// The sink frames go to.
    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// Mutable access to the sink (the core drives its timers through it).
    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    fn touch(&mut self, eui: Eui64, now: Instant) -> &mut GatewayLink {
        let link = self.links.entry(eui).or_insert(GatewayLink {
            downlink_addr: None,
            last_seen: now,
            last_status: None,
        });
        link.last_seen = now;
        link
    }

    fn ack(&mut self, packet: &Packet<'_>, to: SocketAddr, out: &mut Outbox) {
        if let Some(ack) = packet.ack() {
            self.reply.clear();
            if ack.emit(&mut self.reply).is_ok() {
                out.send(to, &self.reply);
            }
        }
    }
}

impl<S: UplinkSink> DatagramHandler for SemtechUdpIngress<S> {
    fn on_turn(&mut self, now: Instant, out: &mut Outbox, _stats: &UdpStats) {
        self.sink.on_turn(now, out);
    }

    fn on_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8], out: &mut Outbox) {
        if self.parser == JsonParser::Scan
            && let Ok((h, body)) = Header::parse(data)
            && h.identifier == Identifier::PushData
        {
            let mut push = std::mem::take(&mut self.push);
            match PushData::parse_into(body, &mut push) {
                Ok(()) => {
                    let eui = h.gateway_eui.unwrap_or_default();
                    self.push_data(now, from, h.version, h.token, eui, &push, out);
                }
                Err(e) => {
                    self.stats.drop_parse += 1;
                    tracing::debug!(%from, error = %e, "semtech udp: dropped datagram");
                }
            }
            self.push = push;
            return;
        }
        let packet = match Packet::parse(data) {
            Ok(p) => p,
            Err(e) => {
                self.stats.drop_parse += 1;
                tracing::debug!(%from, error = %e, "semtech udp: dropped datagram");
                return;
            }
        };
        match &packet {
            Packet::PushData {
                version,
                token,
                gateway_eui,
                data,
            } => self.push_data(now, from, *version, *token, *gateway_eui, data, out),
            Packet::PullData {
                gateway_eui,
                version,
                ..
            } => {
                if self.registry.get(gateway_eui).is_none() {
                    self.stats.drop_unknown_gateway += 1;
                    return;
                }
                self.ack(&packet, from, out);
                self.stats.pull_data += 1;
                let (eui, version) = (*gateway_eui, *version);
                let link = self.touch(eui, now);
                if link.downlink_addr.replace(from) != Some(from) {
                    self.sink.downlink_route(DownlinkRoute {
                        eui,
                        addr: from,
                        version,
                    });
                }
            }
            Packet::TxAck {
                gateway_eui,
                token,
                ack,
                ..
            } => {
                if self.registry.get(gateway_eui).is_none() {
                    self.stats.drop_unknown_gateway += 1;
                    return;
                }
                self.stats.tx_ack += 1;
                let eui = *gateway_eui;
                self.touch(eui, now);
                let error = ack.as_ref().and_then(|a| a.error);
                self.sink.tx_ack(
                    now,
                    TxAck {
                        eui,
                        token: *token,
                        error,
                    },
                );
            }
            Packet::PushAck { .. } | Packet::PullAck { .. } | Packet::PullResp { .. } => {
                self.stats.drop_unexpected += 1;
            }
        }
    }
}

impl<S: UplinkSink> SemtechUdpIngress<S> {
    /// A parsed PUSH_DATA: acknowledged, its status kept, its good frames handed on.
    #[allow(clippy::too_many_arguments)]
    fn push_data(
        &mut self,
        now: Instant,
        from: SocketAddr,
        version: ProtocolVersion,
        token: Token,
        eui: Eui64,
        data: &PushData,
        out: &mut Outbox,
    ) {
        if self.registry.get(&eui).is_none() {
            self.stats.drop_unknown_gateway += 1;
            return;
        }
        self.reply.clear();
        let ack = Packet::PushAck { version, token };
        if ack.emit(&mut self.reply).is_ok() {
            out.send(from, &self.reply);
        }
        self.stats.push_data += 1;
        let link = self.touch(eui, now);
        if let Some(stat) = &data.stat {
            link.last_status = Some((now, stat.clone()));
            self.stats.status += 1;
        }
        for rx in &data.rxpk {
            if rx.crc != Some(CrcStatus::Ok) {
                self.stats.drop_crc += 1;
                continue;
            }
            self.stats.uplinks += 1;
            self.sink.uplink(now, gateway_uplink(eui, rx));
        }
    }
}

/// One `rxpk` as the network core sees it. Multi-antenna (`rsig`) gateways report the best
/// antenna's signal when the top-level fields are absent.
fn gateway_uplink(gateway_eui: Eui64, rx: &RxPk) -> GatewayUplink {
    let best = rx.rsig.iter().max_by(|a, b| {
        a.lsnr
            .unwrap_or(f32::MIN)
            .total_cmp(&b.lsnr.unwrap_or(f32::MIN))
    });
    let settings = match rx.data_rate {
        DataRate::Lora {
            spreading_factor,
            bandwidth_khz,
        } => RadioSettings {
            frequency_hz: rx.freq_hz,
            spreading_factor,
            bandwidth_hz: u32::from(bandwidth_khz) * 1000,
            bit_rate: 0,
        },
        DataRate::Fsk { bitrate } => RadioSettings {
            frequency_hz: rx.freq_hz,
            spreading_factor: 0,
            bandwidth_hz: 0,
            bit_rate: bitrate,
        },
    };
    GatewayUplink {
        phy_payload: rx.payload,
        rx: RxMetadata {
            gateway_eui,
            timestamp_us: rx.tmst,
            gps_time_ms: rx.tmms,
            fine_timestamp_ns: rx.ftime.or_else(|| best.and_then(|b| b.ftime)),
            rssi_dbm: rx
                .rssi
                .or_else(|| best.and_then(|b| b.rssic))
                .map(f32::from),
            snr_db: rx.lsnr.or_else(|| best.and_then(|b| b.lsnr)),
            channel: rx.chan.or_else(|| best.map(|b| b.chan)),
            rf_chain: rx.rfch,
        },
        settings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::registry::GatewayRecord;
    use shared::semtech_udp::TxError;

    #[derive(Default)]
    struct Collect(Vec<GatewayUplink>);
    impl UplinkSink for Collect {
        fn uplink(&mut self, _now: Instant, up: GatewayUplink) {
            self.0.push(up);
        }
    }

    const GW: u64 = 0xAA55_5A00_0000_0101;
    const FROM: &str = "127.0.0.1:40000";

    fn ingress() -> SemtechUdpIngress<Collect> {
        let reg = GatewayRegistry::new([GatewayRecord {
            eui: Eui64::from_u64(GW),
            id: "gw".into(),
            region: None,
            auth_token_hash: None,
        }])
        .unwrap();
        SemtechUdpIngress::new(Arc::new(reg), Collect::default())
    }

    fn datagram(kind: u8, eui: u64, json: &str) -> Vec<u8> {
        let mut d = vec![2, 0x12, 0x34, kind];
        d.extend_from_slice(&eui.to_be_bytes());
        d.extend_from_slice(json.as_bytes());
        d
    }

    fn replies(
        out: &mut Outbox,
        ing: &mut SemtechUdpIngress<Collect>,
        data: &[u8],
    ) -> Vec<Vec<u8>> {
        // Route through a real handler call, then read what it queued.
        ing.on_datagram(Instant::now(), FROM.parse().unwrap(), data, out);
        out.drain().map(|(_, b)| b).collect()
    }

    const RXPK: &str = r#"{"rxpk":[{"tmst":3512348611,"chan":2,"rfch":0,"freq":866.349812,"stat":1,"modu":"LORA","datr":"SF7BW125","codr":"4/6","rssi":-35,"lsnr":5.1,"size":18,"data":"QAQDAgGAAQABppRkJhXWw7WC"},{"tmst":3512348612,"freq":868.1,"stat":-1,"modu":"LORA","datr":"SF12BW125","codr":"4/5","rssi":-100,"lsnr":-10,"size":3,"data":"AAAA"}],"stat":{"time":"2014-01-12 08:59:28 GMT","lati":46.24,"long":3.2523,"alti":145,"rxnb":2,"rxok":2,"rxfw":2,"ackr":100.0,"dwnb":2,"txnb":2}}"#;

    #[test]
    fn push_data_is_acked_and_good_frames_delivered() {
        let (mut ing, mut out) = (ingress(), Outbox::default());
        let r = replies(&mut out, &mut ing, &datagram(0, GW, RXPK));
        assert_eq!(r, vec![vec![2, 0x12, 0x34, 1]], "PUSH_ACK echoes the token");
        assert_eq!(ing.sink().0.len(), 1, "the CRC-failed frame is dropped");
        let up = &ing.sink().0[0];
        assert_eq!(up.phy_payload.as_slice()[0], 0x40);
        assert_eq!(up.rx.gateway_eui, Eui64::from_u64(GW));
        assert_eq!(
            (
                up.rx.timestamp_us,
                up.rx.channel,
                up.rx.rssi_dbm,
                up.rx.snr_db
            ),
            (3512348611, Some(2), Some(-35.0), Some(5.1))
        );
        assert_eq!(
            (
                up.settings.frequency_hz,
                up.settings.spreading_factor,
                up.settings.bandwidth_hz
            ),
            (866_349_812, 7, 125_000)
        );
        assert_eq!(
            (
                ing.stats.push_data,
                ing.stats.uplinks,
                ing.stats.drop_crc,
                ing.stats.status
            ),
            (1, 1, 1, 1)
        );
        let link = ing.link(&Eui64::from_u64(GW)).unwrap();
        assert_eq!(link.last_status.as_ref().unwrap().1.rxnb, 2);
        assert_eq!(link.downlink_addr, None);
    }

    #[test]
    fn pull_data_is_acked_and_sets_downlink_address() {
        let (mut ing, mut out) = (ingress(), Outbox::default());
        let r = replies(&mut out, &mut ing, &datagram(2, GW, ""));
        assert_eq!(r, vec![vec![2, 0x12, 0x34, 4]], "PULL_ACK echoes the token");
        assert_eq!(
            ing.link(&Eui64::from_u64(GW)).unwrap().downlink_addr,
            Some(FROM.parse().unwrap())
        );
    }

    #[test]
    fn bad_input_is_a_counted_drop_without_reply() {
        let (mut ing, mut out) = (ingress(), Outbox::default());
        let cases: &[(&str, Vec<u8>)] = &[
            ("unknown gateway", datagram(0, GW + 1, RXPK)),
            ("unknown gateway pull", datagram(2, GW + 1, "")),
            ("broken json", datagram(0, GW, "{\"rxpk\":[")),
            ("bad base64", datagram(0, GW, &RXPK.replace("QAQD", "Q*QD"))),
            ("short header", vec![2, 0]),
            ("unknown version", vec![9, 0, 0, 0]),
            ("server-bound kind", vec![2, 0x12, 0x34, 1]),
        ];
        for (name, d) in cases {
            assert!(replies(&mut out, &mut ing, d).is_empty(), "{name}");
        }
        assert!(ing.sink().0.is_empty());
        let s = ing.stats;
        assert_eq!(
            (s.drop_unknown_gateway, s.drop_parse, s.drop_unexpected),
            (2, 4, 1)
        );
    }

    #[derive(Default)]
    struct Downlinks {
        routes: Vec<DownlinkRoute>,
        acks: Vec<TxAck>,
    }
    impl UplinkSink for Downlinks {
        fn uplink(&mut self, _now: Instant, _up: GatewayUplink) {}
        fn downlink_route(&mut self, route: DownlinkRoute) {
            self.routes.push(route);
        }
        fn tx_ack(&mut self, _now: Instant, ack: TxAck) {
            self.acks.push(ack);
        }
    }

    #[test]
    fn routes_are_reported_when_new_or_moved_and_tx_acks_go_to_the_sink() {
        let reg = GatewayRegistry::new([GatewayRecord {
            eui: Eui64::from_u64(GW),
            id: "gw".into(),
            region: None,
            auth_token_hash: None,
        }])
        .unwrap();
        let mut ing = SemtechUdpIngress::new(Arc::new(reg), Downlinks::default());
        let mut out = Outbox::default();
        let (a, b): (SocketAddr, SocketAddr) = (
            "127.0.0.1:40000".parse().unwrap(),
            "127.0.0.1:40001".parse().unwrap(),
        );
        for from in [a, a, b] {
            ing.on_datagram(Instant::now(), from, &datagram(2, GW, ""), &mut out);
        }
        let addrs: Vec<SocketAddr> = ing.sink().routes.iter().map(|r| r.addr).collect();
        assert_eq!(addrs, vec![a, b], "a repeated PULL_DATA is not news");
        let acks: &[(&str, Option<TxError>)] = &[
            ("", None),
            (r#"{"txpk_ack":{"error":"NONE"}}"#, Some(TxError::None)),
            (
                r#"{"txpk_ack":{"error":"TOO_LATE"}}"#,
                Some(TxError::TooLate),
            ),
        ];
        for (json, _) in acks {
            ing.on_datagram(Instant::now(), b, &datagram(5, GW, json), &mut out);
        }
        ing.on_datagram(Instant::now(), b, &datagram(5, GW + 1, ""), &mut out);
        let got: Vec<(u16, Option<TxError>)> = ing
            .sink()
            .acks
            .iter()
            .map(|a| (a.token.to_u16(), a.error))
            .collect();
        let want: Vec<(u16, Option<TxError>)> = acks.iter().map(|(_, e)| (0x1234, *e)).collect();
        assert_eq!(got, want, "unknown gateways' TX_ACKs are dropped");
        assert_eq!(ing.stats.tx_ack, 3);
    }
}
