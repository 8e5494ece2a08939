//! The packet-forwarder side of Semtech UDP (PROTOCOL.TXT v2): PUSH_DATA with one `rxpk` or a
//! `stat` (§4), PULL_DATA keepalives (§5.2), TX_ACK answers to PULL_RESP (§5.5, §6), and the
//! server's replies parsed back — all through `shared::semtech_udp::Packet`.
//!
//! [`AckTracker`] matches PUSH_ACK/PULL_ACK to their requests by token. A socket carries many
//! gateways (the gateway is named in each datagram's header, and the data plane's registry
//! matches that EUI, never the source address — `dataplane/src/gateway/udp/ingress.rs`), so
//! tokens are drawn per socket from a counter, not per gateway at random: 65 536 tokens in
//! flight per socket and kind at most. Unacknowledged requests count as lost after a timeout,
//! or when their token comes round again.

use crate::radio::{RadioChoice, Signal};
use shared::semtech_udp::{
    CodingRate, CrcStatus, DataRate, Packet, Payload, ProtocolVersion, PushData, RxPk, Stat, Token,
    UdpError,
};
use shared::types::Eui64;

/// One gateway's reception of a frame, as its `rxpk` reports it.
#[derive(Debug, Clone, Copy)]
pub struct Reception<'a> {
    /// Concentrator timestamp (µs).
    pub tmst: u32,
    /// Channel and data rate.
    pub radio: RadioChoice,
    /// RSSI and SNR.
    pub signal: Signal,
    /// The PHYPayload.
    pub frame: &'a [u8],
}

/// Appends a PUSH_DATA carrying `rx` as one `rxpk` with CRC OK.
pub fn push_data(
    out: &mut Vec<u8>,
    token: Token,
    gateway: Eui64,
    rx: &Reception<'_>,
) -> Result<(), UdpError> {
    let payload = Payload::new(rx.frame).ok_or(UdpError::InvalidField("data"))?;
    let rxpk = RxPk {
        time: None,
        tmms: None,
        tmst: rx.tmst,
        ftime: None,
        freq_hz: u64::from(rx.radio.frequency_hz),
        chan: Some(rx.radio.channel),
        rfch: Some(0),
        brd: None,
        crc: Some(CrcStatus::Ok),
        data_rate: DataRate::Lora {
            spreading_factor: rx.radio.spreading_factor,
            bandwidth_khz: rx.radio.bandwidth_khz,
        },
        coding_rate: Some(CodingRate::Cr4_5),
        rssi: Some(rx.signal.rssi_dbm),
        rssis: None,
        lsnr: Some(rx.signal.snr_db),
        foff: None,
        payload,
        rsig: Vec::new(),
    };
    Packet::PushData {
        version: ProtocolVersion::V2,
        token,
        gateway_eui: gateway,
        data: PushData {
            rxpk: vec![rxpk],
            stat: None,
        },
    }
    .emit(out)
}

/// Appends a PUSH_DATA carrying only a `stat` report.
pub fn push_stat(
    out: &mut Vec<u8>,
    token: Token,
    gateway: Eui64,
    stat: Stat,
) -> Result<(), UdpError> {
    Packet::PushData {
        version: ProtocolVersion::V2,
        token,
        gateway_eui: gateway,
        data: PushData {
            rxpk: Vec::new(),
            stat: Some(stat),
        },
    }
    .emit(out)
}

/// Appends a PULL_DATA keepalive.
pub fn pull_data(out: &mut Vec<u8>, token: Token, gateway: Eui64) {
    let p = Packet::PullData {
        version: ProtocolVersion::V2,
        token,
        gateway_eui: gateway,
    };
    // A header-only packet has no value that can fail to encode.
    let _ = p.emit(out);
}

/// Appends a TX_ACK accepting the PULL_RESP with `token` (empty body: accepted, §5.5).
pub fn tx_ack(out: &mut Vec<u8>, token: Token, gateway: Eui64) {
    let p = Packet::TxAck {
        version: ProtocolVersion::V2,
        token,
        gateway_eui: gateway,
        ack: None,
    };
    let _ = p.emit(out);
}

/// A datagram from the server, as a gateway sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// PUSH_ACK.
    PushAck(Token),
    /// PULL_ACK.
    PullAck(Token),
    /// PULL_RESP: a frame to transmit.
    PullResp {
        /// Token to echo in the TX_ACK.
        token: Token,
        /// The downlink PHYPayload (boxed: 255 bytes inline, and downlinks are rare).
        frame: Box<Payload>,
    },
    /// A gateway-to-server kind a server must not send.
    Unexpected,
}

/// Parses a server datagram.
pub fn parse_reply(buf: &[u8]) -> Result<Reply, UdpError> {
    Ok(match Packet::parse(buf)? {
        Packet::PushAck { token, .. } => Reply::PushAck(token),
        Packet::PullAck { token, .. } => Reply::PullAck(token),
        Packet::PullResp { token, txpk, .. } => Reply::PullResp {
            token,
            frame: Box::new(txpk.payload),
        },
        _ => Reply::Unexpected,
    })
}

/// Counters of one [`AckTracker`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AckStats {
    /// Requests sent.
    pub sent: u64,
    /// Acknowledged in time.
    pub acked: u64,
    /// Never acknowledged (timed out, token reused, or still open at the end).
    pub lost: u64,
    /// Acknowledgements matching no open request (late or duplicated).
    pub stray: u64,
}

/// Open requests of one kind on one socket, by token.
#[derive(Debug, Clone)]
pub struct AckTracker {
    /// Send time + 1 in ns per token (0: no open request).
    open: Vec<u64>,
    next: u16,
    in_flight: u32,
    window: u32,
    timeout_ns: u64,
    /// Counters.
    pub stats: AckStats,
}

impl AckTracker {
    /// A tracker allowing `window` open requests (at most 65 535), each acknowledged within
    /// `timeout_ns`.
    pub fn new(window: u32, timeout_ns: u64) -> Self {
        Self {
            open: vec![0; 1 << 16],
            next: 0,
            in_flight: 0,
            window: window.clamp(1, u32::from(u16::MAX)),
            timeout_ns,
            stats: AckStats::default(),
        }
    }

    /// Whether another request may be sent now.
    pub fn has_room(&self) -> bool {
        self.in_flight < self.window
    }

    /// Requests awaiting their acknowledgement.
    pub fn in_flight(&self) -> u32 {
        self.in_flight
    }

    /// Opens a request sent at `now_ns` and returns its token.
    pub fn open(&mut self, now_ns: u64) -> Token {
        let t = self.next;
        self.next = self.next.wrapping_add(1);
        let slot = &mut self.open[usize::from(t)];
        if *slot != 0 {
            // The token came round before its ack: that request is lost.
            self.stats.lost += 1;
            self.in_flight -= 1;
        }
        *slot = now_ns + 1;
        self.in_flight += 1;
        self.stats.sent += 1;
        Token::from_u16(t)
    }

    /// Closes the request with `token`; returns its round trip in ns, `None` for a stray ack.
    pub fn ack(&mut self, token: Token, now_ns: u64) -> Option<u64> {
        let slot = &mut self.open[usize::from(token.to_u16())];
        if *slot == 0 {
            self.stats.stray += 1;
            return None;
        }
        let sent = *slot - 1;
        *slot = 0;
        self.in_flight -= 1;
        self.stats.acked += 1;
        Some(now_ns.saturating_sub(sent))
    }

    /// Counts requests older than the timeout as lost.
    pub fn expire(&mut self, now_ns: u64) {
        let limit = now_ns.saturating_sub(self.timeout_ns);
        for slot in self.open.iter_mut().filter(|s| **s != 0) {
            if *slot - 1 < limit {
                *slot = 0;
                self.in_flight -= 1;
                self.stats.lost += 1;
            }
        }
    }

    /// Counts every open request as lost (end of run).
    pub fn close_all(&mut self) {
        self.expire(u64::MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reception(frame: &[u8]) -> Reception<'_> {
        Reception {
            tmst: 1234,
            radio: RadioChoice {
                frequency_hz: 868_300_000,
                channel: 1,
                dr: 5,
                spreading_factor: 7,
                bandwidth_khz: 125,
            },
            signal: Signal {
                rssi_dbm: -97,
                snr_db: 7.25,
            },
            frame,
        }
    }

    #[test]
    fn datagrams_parse_back() {
        let gw = Eui64::from_u64(0x4C47_0000_0000_0003);
        let mut out = Vec::new();
        push_data(
            &mut out,
            Token::from_u16(7),
            gw,
            &reception(&[0x40, 1, 2, 3]),
        )
        .unwrap();
        let Packet::PushData {
            token,
            gateway_eui,
            data,
            ..
        } = Packet::parse(&out).unwrap()
        else {
            panic!("not PUSH_DATA");
        };
        assert_eq!((token.to_u16(), gateway_eui), (7, gw));
        let rx = &data.rxpk[0];
        assert_eq!(rx.freq_hz, 868_300_000);
        assert_eq!(rx.crc, Some(CrcStatus::Ok));
        assert_eq!(
            (rx.rssi, rx.lsnr, rx.chan),
            (Some(-97), Some(7.25), Some(1))
        );
        assert_eq!(rx.payload.as_slice(), [0x40, 1, 2, 3]);
        out.clear();
        pull_data(&mut out, Token::from_u16(9), gw);
        assert!(
            matches!(Packet::parse(&out), Ok(Packet::PullData { gateway_eui, .. }) if gateway_eui == gw)
        );
        out.clear();
        tx_ack(&mut out, Token::from_u16(10), gw);
        assert!(matches!(
            Packet::parse(&out),
            Ok(Packet::TxAck { ack: None, .. })
        ));
        assert!(push_data(&mut out, Token::default(), gw, &reception(&[0; 300])).is_err());
    }

    #[test]
    fn replies() {
        // PROTOCOL.TXT §5.3 / §5.5: PUSH_ACK and PULL_ACK are 4-byte headers.
        assert_eq!(
            parse_reply(&[2, 0x12, 0x34, 1]).unwrap(),
            Reply::PushAck(Token::from_u16(0x1234))
        );
        assert_eq!(
            parse_reply(&[2, 0, 5, 4]).unwrap(),
            Reply::PullAck(Token::from_u16(5))
        );
        let resp = br#"{"txpk":{"imme":true,"freq":869.525,"rfch":0,"powe":14,"modu":"LORA","datr":"SF9BW125","codr":"4/5","ipol":true,"size":4,"data":"YAECAw=="}}"#;
        let mut d = vec![2, 0, 9, 3];
        d.extend_from_slice(resp);
        let Reply::PullResp { token, frame } = parse_reply(&d).unwrap() else {
            panic!("not PULL_RESP");
        };
        assert_eq!(
            (token.to_u16(), frame.as_slice()),
            (9, &[0x60, 1, 2, 3][..])
        );
        let mut pd = Vec::new();
        pull_data(&mut pd, Token::default(), Eui64::default());
        assert_eq!(parse_reply(&pd).unwrap(), Reply::Unexpected);
        assert!(parse_reply(&[2, 0]).is_err());
    }

    #[test]
    fn tracker_counts_acks_losses_and_strays() {
        let mut t = AckTracker::new(2, 100);
        let a = t.open(0);
        let b = t.open(10);
        assert!(!t.has_room());
        assert_eq!(t.ack(a, 30), Some(30));
        assert_eq!(t.ack(a, 31), None, "second ack is stray");
        assert!(t.has_room());
        t.expire(105);
        assert_eq!(t.in_flight(), 1, "b is 95 ns old");
        t.expire(111);
        assert_eq!(t.in_flight(), 0);
        assert_eq!(t.ack(b, 120), None, "late ack is stray");
        let _ = t.open(200);
        t.close_all();
        assert_eq!(
            t.stats,
            AckStats {
                sent: 3,
                acked: 1,
                lost: 2,
                stray: 2
            }
        );
    }

    #[test]
    fn token_reuse_counts_the_old_request_lost() {
        let mut t = AckTracker::new(u32::MAX, u64::MAX);
        for i in 0..(1u64 << 16) {
            t.open(i);
        }
        assert_eq!(t.stats.lost, 0);
        let again = t.open(1 << 16);
        assert_eq!(again.to_u16(), 0);
        assert_eq!(t.stats.lost, 1);
        assert_eq!(t.in_flight(), 65_536);
    }
}
