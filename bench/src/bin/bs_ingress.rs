//! Basic Station LNS ingress against Semtech UDP ingress, in ONE run, through a whole data-plane
//! node (`dataplane::node::start`: every worker's io_uring loop, the TCP/epoll LNS listener, the
//! WebSocket + JSON `updf` path, owner routing, dedup, MIC, FCnt, decryption, delivery).
//!
//! The load is the ingress benchmark's ([`bench::ingress::load`]): `--sessions` ABP LoRaWAN 1.0
//! sessions, valid uplinks with MIC and encrypted payload, each heard by ONE gateway (no dedup
//! merging). Two phases, on the same node, each `--uplinks` distinct uplinks (FCnts of the second
//! phase follow the first's):
//!
//! 1. UDP: one socket per gateway blasting PUSH_DATA datagrams (one `rxpk` each) over loopback;
//!    datagrams the kernel drops at saturation are lost (reported; the CPU they cost the
//!    senders and the kernel lowers the delivered rate, so `--udp-rate N` paces the senders to
//!    N datagrams/s in all, to find the loss-free rate);
//! 2. Basic Station: `--conns` stations (one thread and one blocking tungstenite WebSocket each,
//!    after `version`/`router_config`) writing `updf` messages as fast as TCP takes them;
//!    session `s` always goes through station `s % conns`, so its FCnts arrive in order.
//!
//! Each phase's figure is uplinks delivered (the node's `dataplane_uplinks_delivered_total`)
//! over the time from its first send to its last delivery. Senders run on the same machine as
//! the node and compete for its cores, as they do in the UDP ingress benchmark.
//!
//! Measured on the 2-vCPU dev VM under load ~6 from other builds (one run each, 2 workers,
//! 2,000 sessions, 100,000 uplinks per phase, 4 gateways/stations; figures vary ±20%):
//! Basic Station 72–92k uplinks/s with no loss (TCP pushes back on the stations); Semtech UDP
//! loss-free at 57k/s when paced at 60k/s (`--udp-rate 60000`), and 28–44k/s delivered with
//! 40–56% of datagrams lost when unpaced or paced at 80k/s. With one station/socket: 71k vs
//! 60k (UDP lost 18%).
//!
//! ```text
//! cargo run --release -p bench --bin bs_ingress -- [--sessions 2000] [--uplinks 200000] \
//!     [--conns 4] [--workers 2] [--window-ms 50] [--udp-rate 0]
//! ```

use base64::Engine;
use bench::ingress::load::{BASE_ADDR, app_key, frame, nwk_key};
use dataplane::config::{BasicStationSection, Config};
use dataplane::gateway::registry::{GatewayRecord, GatewayRegistry};
use dataplane::node::{self, Node};
use dataplane::sync::session_file::SessionRecord;
use shared::crypto::{CipherKey, MicKey};
use shared::types::{DevAddr, Eui64};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};
use tungstenite::Message;
use tungstenite::client::IntoClientRequest;

/// First gateway EUI; station/socket `c` is `BASE_EUI + c`.
const BASE_EUI: u64 = 0x00B5_BE0C_0000_0000;

struct Opts {
    sessions: u32,
    uplinks: u32,
    conns: u32,
    workers: usize,
    window_ms: u64,
    udp_rate: u64,
}

fn opts() -> Result<Opts, String> {
    let mut o = Opts {
        sessions: 2000,
        uplinks: 200_000,
        conns: 4,
        workers: 2,
        window_ms: 50,
        udp_rate: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        if a == "--bench" {
            continue;
        }
        let v = it.next().ok_or(format!("{a} needs a value"))?;
        let n = v.parse::<u64>().map_err(|e| format!("{a} {v}: {e}"))?;
        match a.as_str() {
            "--sessions" => o.sessions = n.max(1) as u32,
            "--uplinks" => o.uplinks = n.max(1) as u32,
            "--conns" => o.conns = n.max(1) as u32,
            "--workers" => o.workers = n.max(1) as usize,
            "--window-ms" => o.window_ms = n,
            "--udp-rate" => o.udp_rate = n,
            _ => return Err(format!("unknown option {a}")),
        }
    }
    Ok(o)
}

/// Uplink `u` of phase `phase`: (session, FCnt, PHYPayload).
fn uplink(o: &Opts, keys: &[(MicKey, CipherKey)], phase: u32, u: u32) -> (u32, u32, Vec<u8>) {
    let s = u % o.sessions;
    let per_phase = o.uplinks.div_ceil(o.sessions);
    let fcnt = phase * per_phase + u / o.sessions;
    let (mic, app) = &keys[s as usize];
    (
        s,
        fcnt,
        frame(mic, app, DevAddr::from_u32(BASE_ADDR + s), fcnt),
    )
}

fn push_data(eui: u64, token: u16, u: u32, phy: &[u8]) -> Vec<u8> {
    let data = base64::engine::general_purpose::STANDARD.encode(phy);
    let mut d = vec![2, (token >> 8) as u8, token as u8, 0];
    d.extend_from_slice(&eui.to_be_bytes());
    d.extend_from_slice(format!(
        r#"{{"rxpk":[{{"time":"2025-03-01T10:00:00.{:06}Z","tmst":{},"chan":0,"rfch":0,"freq":868.100000,"stat":1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","lsnr":7.5,"rssi":-60,"size":{},"data":"{data}"}}]}}"#,
        u % 1_000_000,
        u.wrapping_mul(1000),
        phy.len()
    ).as_bytes());
    d
}

/// `updf` as a station writes it (LNS protocol "Uplink Data Frame").
fn updf(u: u32, phy: &[u8]) -> String {
    let n = phy.len();
    let port_at = 8 + usize::from(phy[5] & 0x0F);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
    let (fport, frm) = if n - 4 > port_at {
        (i64::from(phy[port_at]), hex(&phy[port_at + 1..n - 4]))
    } else {
        (-1, String::new())
    };
    format!(
        r#"{{"msgtype":"updf","MHdr":{},"DevAddr":{},"FCtrl":{},"FCnt":{},"FOpts":"{}","FPort":{fport},"FRMPayload":"{frm}","MIC":{},"RefTime":0.0,"DR":5,"Freq":868100000,"upinfo":{{"rctx":0,"xtime":{},"gpstime":0,"fts":-1,"rssi":-60,"snr":7.5,"rxtime":1700000000.0}}}}"#,
        phy[0],
        i32::from_le_bytes([phy[1], phy[2], phy[3], phy[4]]),
        phy[5],
        u16::from_le_bytes([phy[6], phy[7]]),
        hex(&phy[8..port_at]),
        i32::from_le_bytes([phy[n - 4], phy[n - 3], phy[n - 2], phy[n - 1]]),
        (1i64 << 48) | (i64::from(u) * 1000),
    )
}

fn delivered(node: &Node) -> u64 {
    let text = node.metrics.render();
    text.lines()
        .find_map(|l| l.strip_prefix("dataplane_uplinks_delivered_total "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

/// Waits until `target` uplinks are delivered (or 1 s without progress); returns how many
/// arrived and when the last did.
fn wait_delivered(node: &Node, target: u64) -> (u64, Instant) {
    let (mut last, mut at) = (delivered(node), Instant::now());
    while last < target && at.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(10));
        let now = delivered(node);
        if now != last {
            (last, at) = (now, Instant::now());
        }
    }
    (last, at)
}

fn main() -> anyhow::Result<()> {
    let o = opts().map_err(anyhow::Error::msg)?;
    let keys: Vec<(MicKey, CipherKey)> = (0..o.sessions)
        .map(|s| (MicKey::new(&nwk_key(s)), CipherKey::new(&app_key(s))))
        .collect();
    let conns = o.conns as usize;
    // Phase 0 (UDP): datagrams per gateway socket; phase 1 (LNS): updf texts per station.
    let mut datagrams: Vec<Vec<Vec<u8>>> = vec![Vec::new(); conns];
    let mut texts: Vec<Vec<String>> = vec![Vec::new(); conns];
    for u in 0..o.uplinks {
        let (s, _, phy) = uplink(&o, &keys, 0, u);
        let c = (s % o.conns) as usize;
        datagrams[c].push(push_data(BASE_EUI + c as u64, u as u16, u, &phy));
        let (s, _, phy) = uplink(&o, &keys, 1, u);
        texts[(s % o.conns) as usize].push(updf(u, &phy));
    }

    let registry = GatewayRegistry::new((0..o.conns).map(|c| GatewayRecord {
        eui: Eui64::from_u64(BASE_EUI + u64::from(c)),
        id: format!("gw{c}"),
        region: Some("EU868".into()),
        auth_token_hash: None,
    }))?;
    let sessions: Vec<SessionRecord> = (0..o.sessions)
        .map(|s| SessionRecord {
            application_id: "bench".into(),
            device_id: format!("dev{s}"),
            dev_eui: None,
            dev_addr: DevAddr::from_u32(BASE_ADDR + s),
            lorawan_version: "1.0.3".into(),
            region: "EU868".into(),
            nwk_s_key: Some(nwk_key(s)),
            f_nwk_s_int_key: None,
            s_nwk_s_int_key: None,
            nwk_s_enc_key: None,
            app_s_key: Some(app_key(s)),
            fcnt_up: None,
            device_class: None,
        })
        .collect();
    let mut config = Config {
        workers: o.workers,
        pin_workers: false,
        ..Config::default()
    };
    let lo = |p| SocketAddr::from(([127, 0, 0, 1], p));
    config.udp.bind = lo(0);
    config.api.http_bind = lo(0);
    config.api.grpc_bind = lo(0);
    config.network.dedup_window_ms = o.window_ms;
    config.network.dedup_cooldown_ms = o.window_ms;
    config.network.dedup_max_entries = 1 << 18;
    config.basicstation = Some(BasicStationSection {
        listen: lo(0),
        max_message: 64 * 1024,
        ..Default::default()
    });
    let node = node::start(&config, registry, sessions)?;
    let bs_addr = node.bs_addr.ok_or(anyhow::anyhow!("no LNS address"))?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "bs_ingress: {cores} cores, {} workers, {} sessions, {} uplinks per phase, {} gateways/stations, dedup window {} ms, UDP rate {}",
        o.workers,
        o.sessions,
        o.uplinks,
        o.conns,
        o.window_ms,
        if o.udp_rate == 0 {
            "unpaced".to_owned()
        } else {
            format!("{}/s", o.udp_rate)
        }
    );

    // Phase 1: Semtech UDP.
    let udp_addr = node.udp_addr;
    let base = delivered(&node);
    let t0 = Instant::now();
    // Datagrams per sender per millisecond (0: as fast as the socket takes them).
    let per_ms = o.udp_rate.div_ceil(1000 * u64::from(o.conns)) as usize;
    let senders: Vec<_> = datagrams
        .into_iter()
        .map(|ds| {
            std::thread::spawn(move || -> std::io::Result<()> {
                let sock = UdpSocket::bind(lo(0))?;
                let start = Instant::now();
                for (i, d) in ds.iter().enumerate() {
                    if per_ms > 0 && i % per_ms == 0 {
                        let due = start + Duration::from_millis((i / per_ms) as u64);
                        if let Some(w) = due.checked_duration_since(Instant::now()) {
                            std::thread::sleep(w);
                        }
                    }
                    let _ = sock.send_to(d, udp_addr);
                }
                Ok(())
            })
        })
        .collect();
    for s in senders {
        s.join().map_err(|_| anyhow::anyhow!("udp sender"))??;
    }
    let (n, at) = wait_delivered(&node, base + u64::from(o.uplinks));
    let udp = (n - base, at.duration_since(t0));

    // Phase 2: Basic Station over loopback WebSocket.
    let mut stations = Vec::new();
    for c in 0..o.conns {
        let uri = format!("ws://{bs_addr}/traffic/{:016X}", BASE_EUI + u64::from(c));
        let req = uri.into_client_request()?;
        let (mut ws, _) = tungstenite::client(req, TcpStream::connect(bs_addr)?)
            .map_err(|e| anyhow::anyhow!("station {c}: {e}"))?;
        ws.send(Message::text(r#"{"msgtype":"version","station":"bench"}"#))?;
        match ws.read()? {
            Message::Text(t) if t.as_str().contains("router_config") => {}
            other => anyhow::bail!("station {c}: expected router_config, got {other:?}"),
        }
        stations.push(ws);
    }
    let base = delivered(&node);
    let t0 = Instant::now();
    let senders: Vec<_> = stations
        .into_iter()
        .zip(texts)
        .map(|(mut ws, ts)| {
            std::thread::spawn(move || -> tungstenite::Result<_> {
                for t in ts {
                    ws.write(Message::text(t))?;
                }
                ws.flush()?;
                Ok(ws)
            })
        })
        .collect();
    let mut keep = Vec::new();
    for s in senders {
        keep.push(s.join().map_err(|_| anyhow::anyhow!("station sender"))??);
    }
    let (n, at) = wait_delivered(&node, base + u64::from(o.uplinks));
    let bs = (n - base, at.duration_since(t0));
    drop(keep);

    let rate = |(n, d): (u64, Duration)| n as f64 / d.as_secs_f64().max(1e-9);
    println!(
        "{:<16} {:>10} {:>9} {:>10} {:>14}",
        "ingress", "delivered", "lost", "seconds", "uplinks/s"
    );
    for (name, r) in [("semtech-udp", udp), ("basic-station", bs)] {
        println!(
            "{name:<16} {:>10} {:>9} {:>10.3} {:>14.0}",
            r.0,
            u64::from(o.uplinks) - r.0,
            r.1.as_secs_f64(),
            rate(r)
        );
    }
    println!(
        "basic-station / semtech-udp uplinks/s: {:.2}",
        rate(bs) / rate(udp)
    );
    node.stop();
    Ok(())
}
