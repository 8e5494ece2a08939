//! Durable sessions at the system level: the real `dataplane` binary runs as a child process
//! with its journal in a scratch directory and is killed with SIGKILL at random moments, then
//! restarted, in a bounded loop. A gateway made of a plain UDP socket speaks Semtech UDP
//! (PROTOCOL.TXT of `lora-net/packet_forwarder`: PUSH_DATA, PULL_DATA, PULL_RESP answered
//! with TX_ACK) with frames built and MIC'd by ChirpStack's `lrwn`; events are read from the SSE
//! stream. Checked from the outside:
//!
//! 1. after each restart, re-sending frames whose events were seen before the kill (the last
//!    one and an older one) yields no event, and the node counts them as replays or
//!    retransmissions;
//! 2. no NFCntDown value appears twice across every PULL_RESP seen (decoded and MIC-checked by
//!    `lrwn` under the device's key);
//! 3. no event is ever delivered for an FCnt at or below one already delivered.

use base64::Engine;
use lrwn::{AES128Key, MACVersion};
use std::collections::BTreeSet;
use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const GW: u64 = 0x00C0_0000_0000_0001;
const DEV_ADDR: u32 = 0x2601_00C1;
const NWK_S_KEY: [u8; 16] = [0x2B; 16];
const APP_S_KEY: [u8; 16] = [0x11; 16];
const APP: &str = "app-crash";
const ITERATIONS: usize = 10;
/// Every wait is bounded by this.
const WAIT: Duration = Duration::from_secs(10);

fn free_tcp() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("free TCP port");
    l.local_addr().expect("addr").port()
}

fn free_udp() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").expect("free UDP port");
    s.local_addr().expect("addr").port()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// Writes the config, gateways and sessions files for a run on `udp`, `http`, `grpc`.
fn write_config(dir: &Path, udp: u16, http: u16, grpc: u16) -> std::path::PathBuf {
    let gateways = dir.join("gateways.toml");
    std::fs::write(
        &gateways,
        format!("[[gateways]]\neui = \"{GW:016X}\"\nid = \"gw-crash\"\nregion = \"EU868\"\n"),
    )
    .expect("gateways file");
    let sessions = dir.join("sessions.toml");
    std::fs::write(
        &sessions,
        format!(
            "[[sessions]]\napplication_id = \"{APP}\"\ndevice_id = \"dev\"\n\
             dev_eui = \"70B3D5000000C101\"\ndev_addr = \"{DEV_ADDR:08X}\"\n\
             lorawan_version = \"1.0.3\"\nregion = \"EU868\"\nnwk_s_key = \"{}\"\n\
             app_s_key = \"{}\"\n",
            hex(&NWK_S_KEY),
            hex(&APP_S_KEY)
        ),
    )
    .expect("sessions file");
    let config = dir.join("dataplane.toml");
    std::fs::write(
        &config,
        format!(
            "workers = 2\npin_workers = false\nlog = \"warn\"\n\
             gateways_file = \"{}\"\nsessions_file = \"{}\"\n\
             [network]\ndedup_window_ms = 40\ndedup_cooldown_ms = 100\n\
             [udp]\nbind = \"127.0.0.1:{udp}\"\n\
             [api]\nhttp_bind = \"127.0.0.1:{http}\"\ngrpc_bind = \"127.0.0.1:{grpc}\"\n\
             [persist]\ndir = \"{}\"\nlease_block = 8\n",
            gateways.display(),
            sessions.display(),
            dir.join("journal").display()
        ),
    )
    .expect("config file");
    config
}

/// A data uplink built, encrypted and MIC'd by `lrwn`.
fn uplink(fcnt: u32, confirmed: bool) -> Vec<u8> {
    let mut phy = lrwn::PhyPayload {
        mhdr: lrwn::MHDR {
            f_type: match confirmed {
                true => lrwn::FType::ConfirmedDataUp,
                false => lrwn::FType::UnconfirmedDataUp,
            },
            major: lrwn::Major::LoRaWANR1,
        },
        payload: lrwn::Payload::MACPayload(lrwn::MACPayload {
            fhdr: lrwn::FHDR {
                devaddr: lrwn::DevAddr::from_be_bytes(DEV_ADDR.to_be_bytes()),
                f_ctrl: lrwn::FCtrl::default(),
                f_cnt: fcnt,
                f_opts: lrwn::MACCommandSet::new(vec![]),
            },
            f_port: Some(1),
            frm_payload: Some(lrwn::FRMPayload::Raw(fcnt.to_be_bytes().to_vec())),
        }),
        mic: None,
    };
    let (nwk, app) = (
        AES128Key::from_bytes(NWK_S_KEY),
        AES128Key::from_bytes(APP_S_KEY),
    );
    phy.encrypt_frm_payload(&app).expect("lrwn encrypts");
    phy.set_uplink_data_mic(MACVersion::LoRaWAN1_0, 0, 5, 0, &nwk, &nwk)
        .expect("lrwn MIC");
    phy.to_vec().expect("lrwn encodes")
}

/// A Semtech UDP header: version 2, token, identifier, gateway EUI.
fn header(token: u16, ident: u8) -> Vec<u8> {
    let mut b = vec![2];
    b.extend_from_slice(&token.to_be_bytes());
    b.push(ident);
    b.extend_from_slice(&GW.to_be_bytes());
    b
}

fn push_data(token: u16, phy: &[u8]) -> Vec<u8> {
    let mut b = header(token, 0x00);
    let rxpk = serde_json::json!({"rxpk": [{
        "tmst": 1_000_000u32, "chan": 0, "rfch": 0, "freq": 868.1, "stat": 1,
        "modu": "LORA", "datr": "SF7BW125", "codr": "4/5", "rssi": -60, "lsnr": 5.0,
        "size": phy.len(), "data": base64::engine::general_purpose::STANDARD.encode(phy),
    }]});
    b.extend_from_slice(rxpk.to_string().as_bytes());
    b
}

/// The gateway: sends PULL_DATA until acknowledged, then answers every PULL_RESP with a TX_ACK
/// and reports its frame's bytes.
struct Gateway {
    socket: UdpSocket,
    server: SocketAddr,
    token: u16,
}

impl Gateway {
    fn connect(&mut self) {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            self.token = self.token.wrapping_add(1);
            let _ = self.socket.send_to(&header(self.token, 0x02), self.server);
            let mut buf = [0u8; 64];
            if let Ok((n, _)) = self.socket.recv_from(&mut buf)
                && n >= 4
                && buf[3] == 0x04
            {
                return;
            }
        }
        panic!("no PULL_ACK from the restarted node");
    }

    fn send(&mut self, phy: &[u8]) {
        self.token = self.token.wrapping_add(1);
        self.socket
            .send_to(&push_data(self.token, phy), self.server)
            .expect("PUSH_DATA");
    }

    /// Reads what the node sent for `wait`: PULL_RESP frames are answered and returned.
    fn pump(&mut self, wait: Duration, frames: &mut Vec<Vec<u8>>) {
        let deadline = Instant::now() + wait;
        let mut buf = [0u8; 2048];
        while Instant::now() < deadline {
            let Ok((n, _)) = self.socket.recv_from(&mut buf) else {
                continue;
            };
            let Some(dgram) = buf.get(..n) else { continue };
            if dgram.len() > 4 && dgram[3] == 0x03 {
                let v: serde_json::Value =
                    serde_json::from_slice(&dgram[4..]).expect("PULL_RESP JSON");
                let data = v["txpk"]["data"].as_str().expect("txpk.data");
                frames.push(
                    base64::engine::general_purpose::STANDARD
                        .decode(data)
                        .expect("base64"),
                );
                let mut ack = vec![2, dgram[1], dgram[2], 0x05];
                ack.extend_from_slice(&GW.to_be_bytes());
                ack.extend_from_slice(br#"{"txpk_ack":{"error":"NONE"}}"#);
                let _ = self.socket.send_to(&ack, self.server);
            }
        }
    }
}

/// Reads the SSE stream on its own thread until the connection ends, sending each event's
/// `fcnt` (uplinks only).
fn sse(http: SocketAddr) -> mpsc::Receiver<u64> {
    let deadline = Instant::now() + WAIT;
    let mut stream = loop {
        match TcpStream::connect(http) {
            Ok(s) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("node's HTTP API never came up: {e}"),
        }
    };
    let req = format!("GET /api/v1/applications/{APP}/events HTTP/1.1\r\nHost: t\r\n\r\n");
    stream.write_all(req.as_bytes()).expect("SSE request");
    let mut reader = std::io::BufReader::new(stream);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("SSE head");
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Chunked transfer encoding (RFC 9112 §7.1), then SSE blocks of `data:` lines.
        let mut body = Vec::new();
        loop {
            let mut size = String::new();
            if reader.read_line(&mut size).unwrap_or(0) == 0 {
                return;
            }
            let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
                return;
            };
            let mut chunk = vec![0u8; n + 2];
            if n == 0 || reader.read_exact(&mut chunk).is_err() {
                return;
            }
            body.extend_from_slice(&chunk[..n]);
            while let Some(end) = body.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = body.drain(..end + 2).collect();
                let text = String::from_utf8_lossy(&block);
                for data in text.lines().filter_map(|l| l.strip_prefix("data: ")) {
                    let v: serde_json::Value = serde_json::from_str(data).expect("event JSON");
                    if v["type"] == "uplink" {
                        let _ = tx.send(v["fcnt"].as_u64().expect("fcnt"));
                    }
                }
            }
        }
    });
    rx
}

/// A `/metrics` sample's value (0 when absent).
fn metric(http: SocketAddr, line_prefix: &str) -> u64 {
    let mut s = TcpStream::connect(http).expect("metrics connect");
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .expect("metrics request");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.lines()
        .find_map(|l| l.strip_prefix(line_prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn start(config: &Path, log: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("log file");
    Command::new(env!("CARGO_BIN_EXE_dataplane"))
        .arg("--config")
        .arg(config)
        .env_remove("RUST_LOG")
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .spawn()
        .expect("dataplane starts")
}

#[test]
fn counters_survive_sigkill() {
    let seed = fastrand::u64(..);
    let mut rng = fastrand::Rng::with_seed(seed);
    eprintln!("seed {seed}");
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("dataplane.log");
    let udp = free_udp();
    let socket = UdpSocket::bind("127.0.0.1:0").expect("gateway socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(5)))
        .expect("timeout");
    let mut gw = Gateway {
        socket,
        server: SocketAddr::from(([127, 0, 0, 1], udp)),
        token: 0,
    };
    let started = Instant::now();
    let mut delivered: Vec<u64> = Vec::new();
    let mut frames = Vec::new();
    let mut next_fcnt = 1u32;
    let mut replays_sent = 0u64;
    for iteration in 0..ITERATIONS {
        let http = SocketAddr::from(([127, 0, 0, 1], free_tcp()));
        let config = write_config(dir.path(), udp, http.port(), free_tcp());
        let mut child = start(&config, &log);
        let events = sse(http);
        gw.connect();

        // (1) Frames delivered before the last kill are refused now.
        if let Some(&last) = delivered.last() {
            let mut olds = vec![last as u32];
            if let Some(&older) = delivered.iter().rev().nth(1) {
                olds.push(older as u32);
            }
            for &f in &olds {
                gw.send(&uplink(f, f.is_multiple_of(2)));
                replays_sent += 1;
            }
            gw.pump(Duration::from_millis(60), &mut frames);
            // A fresh frame marks the end: its event comes after any (wrong) replayed one.
            let marker = next_fcnt;
            next_fcnt += 1;
            gw.send(&uplink(marker, false));
            let deadline = Instant::now() + WAIT;
            loop {
                gw.pump(Duration::from_millis(10), &mut frames);
                match events.try_recv() {
                    Ok(f) => {
                        assert!(!olds.contains(&(f as u32)), "replayed FCnt {f} delivered");
                        delivered.push(f);
                        if f == u64::from(marker) {
                            break;
                        }
                    }
                    Err(_) => assert!(Instant::now() < deadline, "marker event missing"),
                }
            }
            // Counters reach /metrics every 50 ms.
            let deadline = Instant::now() + WAIT;
            loop {
                let refused = metric(http, "dataplane_drops_total{reason=\"replay\"} ")
                    + metric(http, "dataplane_drops_total{reason=\"retransmission\"} ");
                if refused == olds.len() as u64 {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "iteration {iteration}: {refused} replays counted of {}",
                    olds.len()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }

        // Traffic, then SIGKILL at a random moment.
        let uplinks = rng.usize(2..8);
        for _ in 0..uplinks {
            gw.send(&uplink(next_fcnt, next_fcnt.is_multiple_of(2)));
            next_fcnt += 1;
            gw.pump(Duration::from_millis(rng.u64(10..70)), &mut frames);
        }
        gw.pump(Duration::from_millis(rng.u64(0..60)), &mut frames);
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        // Events that reached the socket before the kill; the reader ends at EOF.
        while let Ok(f) = events.recv_timeout(WAIT) {
            delivered.push(f);
        }
        gw.pump(Duration::from_millis(5), &mut frames);
    }

    // (3) Every delivered FCnt is above every one delivered before it.
    for w in delivered.windows(2) {
        assert!(
            w[1] > w[0],
            "event for FCnt {} after {}: {delivered:?}",
            w[1],
            w[0]
        );
    }
    // (2) No NFCntDown twice.
    let key = AES128Key::from_bytes(NWK_S_KEY);
    let mut seen = BTreeSet::new();
    for bytes in &frames {
        let mut phy = lrwn::PhyPayload::from_slice(bytes).expect("lrwn parses the downlink");
        assert!(
            phy.validate_downlink_data_mic(MACVersion::LoRaWAN1_0, 0, &key)
                .expect("MIC computable"),
            "downlink MIC under the device's key"
        );
        let lrwn::Payload::MACPayload(p) = &phy.payload else {
            panic!("not a data downlink");
        };
        assert!(
            seen.insert(p.fhdr.f_cnt),
            "NFCntDown {} reused",
            p.fhdr.f_cnt
        );
    }
    eprintln!(
        "{ITERATIONS} kills in {:?}: {} events, {} downlinks (NFCntDown {:?}), {replays_sent} replays refused",
        started.elapsed(),
        delivered.len(),
        frames.len(),
        seen,
    );
    assert!(
        delivered.len() >= ITERATIONS,
        "events flowed: {delivered:?}"
    );
    assert!(frames.len() >= ITERATIONS / 2, "downlinks flowed");
}
