//! Shared by the `e2e_*` tests: a whole data-plane node (`dataplane::node::start`) on ephemeral
//! loopback ports, driven by code nobody here wrote:
//!
//! - gateways are `semtech-udp` 0.12 client runtimes (`client_runtime::UdpRuntime`), one UDP
//!   socket and one gateway EUI each, sending PUSH_DATA and their own PULL_DATA keepalives;
//! - frames are built, FRMPayload-encrypted and MIC'd by ChirpStack's `lrwn` 4.13 (LoRaWAN 1.0
//!   and 1.1), never by this project's codec;
//! - results are read where an application reads them: the SSE events stream (the raw-TCP client
//!   of `events_support`), and `/metrics` for drop counters.
//!
//! Every wait is bounded by [`WAIT`]. Tests must declare `mod events_support;` beside
//! `mod e2e_support;`.
#![allow(dead_code)] // each test file uses a part

pub use crate::events_support::{SseClient, WAIT, get};
use dataplane::config::Config;
use dataplane::gateway::registry::{GatewayRecord, GatewayRegistry};
use dataplane::node::{self, Node};
use dataplane::sync::session_file::SessionRecord;
use lrwn::{AES128Key, MACVersion};
use semtech_udp::client_runtime::{ClientRx, ClientTx, DownlinkRequest, Event, UdpRuntime};
use semtech_udp::push_data::{self, CRC, RxPk, RxPkV1};
use semtech_udp::{Bandwidth, CodingRate, DataRate, MacAddress, Modulation, SpreadingFactor};
use shared::types::{Aes128Key, DevAddr, DevEui, Eui64};
use std::{collections::BTreeSet, net::SocketAddr, time::Duration};
use tokio::time::Instant;

/// The application every test device belongs to.
pub const APP: &str = "app-e2e";
/// The events stream of [`APP`].
pub const EVENTS: &str = "/api/v1/applications/app-e2e/events";
/// EU868 channel 0 (RP002-1.0.3 §2.1.2), where every uplink is sent.
pub const FREQ_HZ: u64 = 868_100_000;
/// SF7BW125 is EU868 DR5 (the 1.1 MIC's TxDr).
pub const TX_DR: u8 = 5;
/// Channel 0 (the 1.1 MIC's TxCh).
pub const TX_CH: u8 = 0;

/// Dedup window and cooldown of the node under test, in ms.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// How long copies are collected after the first one.
    pub window_ms: u64,
    /// How long after the window a copy counts as late.
    pub cooldown_ms: u64,
}

/// Short enough to keep the suite fast, long enough for three loopback copies.
pub const FAST: Timing = Timing {
    window_ms: 100,
    cooldown_ms: 300,
};

/// The config of a node under test: 2 unpinned workers on ephemeral loopback ports.
pub fn node_config(timing: Timing) -> Config {
    let mut config = Config {
        workers: 2,
        pin_workers: false,
        ..Config::default()
    };
    config.udp.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.api.http_bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.api.grpc_bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.network.dedup_window_ms = timing.window_ms;
    config.network.dedup_cooldown_ms = timing.cooldown_ms;
    config
}

/// Starts a node with 2 unpinned workers on ephemeral loopback ports, serving `gateways` (EUIs)
/// and `sessions`. Call outside any async runtime (the node builds its own).
pub fn start_node(gateways: &[u64], sessions: Vec<SessionRecord>, timing: Timing) -> Node {
    let registry = GatewayRegistry::new(gateways.iter().map(|&eui| GatewayRecord {
        eui: Eui64::from_u64(eui),
        id: format!("gw-{eui:016x}"),
        region: Some("EU868".into()),
        auth_token_hash: None,
    }))
    .expect("unique gateway EUIs");
    node::start(&node_config(timing), registry, sessions).expect("node starts")
}

/// Runs the client side of a test on its own runtime (the node has its own threads).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime")
        .block_on(f)
}

/// A simulated gateway: a `semtech-udp` client runtime with its own socket and EUI.
pub struct Gateway {
    /// The gateway EUI (the Semtech UDP "MAC address").
    pub eui: u64,
    tx: ClientTx,
    events: ClientRx,
    stop: triggered::Trigger,
    task: tokio::task::JoinHandle<semtech_udp::client_runtime::Result>,
}

impl Gateway {
    /// Starts the runtime against `server`; it sends its first PULL_DATA at once.
    pub async fn connect(eui: u64, server: SocketAddr) -> Self {
        let mac = MacAddress::from(eui.to_be_bytes());
        let (tx, events, runtime) = UdpRuntime::new_with_outbound_socket(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            mac,
            server,
        )
        .await
        .expect("gateway socket");
        let (stop, listener) = triggered::trigger();
        let task = tokio::spawn(runtime.run(listener));
        Self {
            eui,
            tx,
            events,
            stop,
            task,
        }
    }

    /// Forwards `phy` as one [`rxpk`] with this gateway's `snr`.
    pub async fn send(&self, phy: &[u8], snr: f32) {
        let mac = MacAddress::from(self.eui.to_be_bytes());
        let packet = push_data::Packet::from_rxpk(mac, rxpk(self.eui, phy, snr));
        self.tx.send(packet).await.expect("gateway runtime running");
    }

    /// Forwards one `rxpk` as given (other channels and data rates than [`rxpk`]'s).
    pub async fn send_rxpk(&self, rx: RxPk) {
        let mac = MacAddress::from(self.eui.to_be_bytes());
        let packet = push_data::Packet::from_rxpk(mac, rx);
        self.tx.send(packet).await.expect("gateway runtime running");
    }

    /// The next PULL_RESP the server sends this gateway, within [`WAIT`].
    pub async fn downlink(&mut self) -> DownlinkRequest {
        self.downlink_within(WAIT)
            .await
            .unwrap_or_else(|| panic!("gateway {:016x}: no PULL_RESP in time", self.eui))
    }

    /// The next PULL_RESP if one comes within `wait`.
    pub async fn downlink_within(&mut self, wait: Duration) -> Option<DownlinkRequest> {
        let deadline = Instant::now() + wait;
        loop {
            let e = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .ok()??;
            match e {
                Event::DownlinkRequest(r) => return Some(r),
                Event::LostConnection | Event::UnableToParseUdpFrame(..) => {
                    panic!("gateway {:016x}: {e:?}", self.eui)
                }
                Event::Reconnected => {}
            }
        }
    }

    /// Stops the runtime and checks that it never lost the server nor got a datagram it could
    /// not parse (every PUSH_ACK and PULL_ACK was well formed).
    pub async fn close(mut self) {
        self.stop.trigger();
        let r = tokio::time::timeout(WAIT, &mut self.task)
            .await
            .expect("gateway runtime stops in time")
            .expect("gateway task");
        assert!(r.is_ok(), "gateway {:016x} runtime: {r:?}", self.eui);
        while let Ok(e) = self.events.try_recv() {
            match e {
                Event::LostConnection | Event::UnableToParseUdpFrame(..) => {
                    panic!("gateway {:016x}: {e:?}", self.eui)
                }
                Event::Reconnected | Event::DownlinkRequest(_) => {}
            }
        }
    }
}

/// One `rxpk` as gateway `eui` reports `phy`: CRC ok, 868.1 MHz, SF7BW125, channel 0, RF chain
/// 0, `tmst` = 1 000 000 + the EUI's low 32 bits, RSSI = −60 + `snr` (checked by
/// [`assert_uplink`]).
pub fn rxpk(eui: u64, phy: &[u8], snr: f32) -> RxPk {
    RxPk::V1(RxPkV1 {
        chan: 0,
        codr: Some(CodingRate::_4_5),
        data: phy.to_vec(),
        datr: DataRate::new(SpreadingFactor::_7, Bandwidth::_125KHz),
        freq: FREQ_HZ as f64 / 1e6,
        lsnr: snr,
        modu: Modulation::LORA,
        rfch: 0,
        rssi: -60 + snr as i32,
        rssis: None,
        size: phy.len() as u64,
        stat: CRC::OK,
        tmst: 1_000_000 + eui as u32,
        time: None,
    })
}

/// A device with an ABP session; its frames come from `lrwn`.
#[derive(Debug, Clone)]
pub struct Device {
    /// Device id within [`APP`].
    pub id: &'static str,
    /// DevAddr.
    pub addr: u32,
    /// Key seed (also the low byte of the DevEUI: devices sharing a DevAddr stay distinct).
    pub seed: u8,
    /// LoRaWAN 1.1 (else 1.0).
    pub v11: bool,
    /// FNwkSIntKey (1.0: NwkSKey), SNwkSIntKey, NwkSEncKey, AppSKey.
    pub keys: [[u8; 16]; 4],
}

impl Device {
    /// A device whose keys derive from `seed`.
    pub fn new(id: &'static str, addr: u32, v11: bool, seed: u8) -> Self {
        let k = |i: u8| std::array::from_fn(|j| seed ^ (i << 4) ^ (j as u8).wrapping_mul(17));
        Self {
            id,
            addr,
            seed,
            v11,
            keys: [k(1), k(2), k(3), k(4)],
        }
    }

    /// Its DevEUI: DevAddr and seed, so devices sharing a DevAddr stay distinct.
    pub fn dev_eui(&self) -> u64 {
        0x70B3_D500_0000_0000 | u64::from(self.addr) << 8 | u64::from(self.seed)
    }

    /// Its session as the node loads it, last accepted FCntUp `fcnt_up`.
    pub fn record(&self, fcnt_up: Option<u32>) -> SessionRecord {
        let key = |i: usize| Some(Aes128Key::from_bytes(self.keys[i]));
        let v11 = self.v11;
        SessionRecord {
            application_id: APP.into(),
            device_id: self.id.into(),
            dev_eui: Some(DevEui::from_u64(self.dev_eui())),
            dev_addr: DevAddr::from_u32(self.addr),
            lorawan_version: if v11 { "1.1" } else { "1.0.3" }.into(),
            region: "EU868".into(),
            nwk_s_key: if v11 { None } else { key(0) },
            f_nwk_s_int_key: if v11 { key(0) } else { None },
            s_nwk_s_int_key: if v11 { key(1) } else { None },
            nwk_s_enc_key: if v11 { key(2) } else { None },
            app_s_key: key(3),
            fcnt_up,
        }
    }

    /// An unconfirmed data uplink on `fport` carrying `payload`, with the full 32-bit `fcnt`
    /// in the MIC and cipher and its low 16 bits on air; built, encrypted and MIC'd by `lrwn`.
    pub fn uplink(&self, fcnt: u32, fport: u8, payload: &[u8]) -> Vec<u8> {
        self.frame(fcnt, fport, payload, false, false)
    }

    /// A data uplink, confirmed or not, with FCtrl.ACK as given; built by `lrwn` (the 1.1 MIC
    /// with ACK set uses ConfFCnt 0 here: tests acknowledge only 1.0 downlinks).
    pub fn frame(
        &self,
        fcnt: u32,
        fport: u8,
        payload: &[u8],
        confirmed: bool,
        ack: bool,
    ) -> Vec<u8> {
        let key = |i: usize| AES128Key::from_bytes(self.keys[i]);
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
                    devaddr: lrwn::DevAddr::from_be_bytes(self.addr.to_be_bytes()),
                    f_ctrl: lrwn::FCtrl {
                        ack,
                        ..Default::default()
                    },
                    f_cnt: fcnt,
                    f_opts: lrwn::MACCommandSet::new(vec![]),
                },
                f_port: Some(fport),
                frm_payload: Some(lrwn::FRMPayload::Raw(payload.to_vec())),
            }),
            mic: None,
        };
        phy.encrypt_frm_payload(&key(3)).expect("lrwn encrypts");
        let (version, f, s) = match self.v11 {
            true => (MACVersion::LoRaWAN1_1, key(0), key(1)),
            false => (MACVersion::LoRaWAN1_0, key(0), key(0)),
        };
        phy.set_uplink_data_mic(version, 0, TX_DR, TX_CH, &f, &s)
            .expect("lrwn MIC");
        let bytes = phy.to_vec().expect("lrwn encodes");
        assert_eq!(
            bytes.get(6..8),
            Some(&(fcnt as u16).to_le_bytes()[..]),
            "FCnt on air is the low 16 bits"
        );
        bytes
    }
}

/// Reads a hex string field as a number.
fn hex_field(v: &serde_json::Value, field: &str) -> u64 {
    let s = v[field].as_str().unwrap_or_else(|| panic!("{field}: {v}"));
    u64::from_str_radix(&s.replace(['-', ':'], ""), 16).unwrap_or_else(|_| panic!("{field}: {s}"))
}

/// Checks that `v` is exactly the uplink `dev` sent with `fcnt`, `fport` and `payload`, heard
/// by exactly `gateways` (one `rx_metadata` entry each).
pub fn assert_uplink(
    v: &serde_json::Value,
    dev: &Device,
    fcnt: u32,
    fport: u8,
    payload: &[u8],
    gateways: &[u64],
) {
    assert_eq!(v["type"], "uplink", "{v}");
    assert_eq!(v["application_id"], APP, "{v}");
    assert_eq!(v["device_id"], dev.id, "{v}");
    assert_eq!(hex_field(v, "dev_addr"), u64::from(dev.addr), "{v}");
    assert_eq!(hex_field(v, "dev_eui"), dev.dev_eui(), "{v}");
    assert_eq!(v["fcnt"].as_u64(), Some(u64::from(fcnt)), "{v}");
    assert_eq!(v["fport"].as_u64(), Some(u64::from(fport)), "{v}");
    let hex: String = payload.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(
        v["frm_payload"].as_str().map(str::to_ascii_uppercase),
        Some(hex),
        "decrypted payload: {v}"
    );
    assert_eq!(v["frm_payload_encrypted"], false, "{v}");
    assert_eq!(v["confirmed"], false, "{v}");
    let s = &v["settings"];
    assert_eq!(s["frequency_hz"].as_u64(), Some(FREQ_HZ), "{v}");
    assert_eq!(s["spreading_factor"].as_u64(), Some(7), "{v}");
    assert_eq!(s["bandwidth_hz"].as_u64(), Some(125_000), "{v}");
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64;
    let at = v["received_at_ms"].as_u64().expect("received_at_ms");
    assert!(
        at <= now_ms && now_ms - at < WAIT.as_millis() as u64,
        "received_at_ms {at}, now {now_ms}"
    );
    let rx = v["rx_metadata"].as_array().expect("rx_metadata");
    for r in rx {
        // What `Gateway::send` reported, per gateway.
        let (eui, snr) = (
            hex_field(r, "gateway_eui"),
            r["snr_db"].as_f64().expect("snr"),
        );
        assert_eq!(
            r["timestamp_us"].as_u64(),
            Some(1_000_000 + (eui & 0xFFFF_FFFF)),
            "{r}"
        );
        assert_eq!(
            r["rssi_dbm"].as_f64(),
            Some(f64::from(-60 + snr as i32)),
            "{r}"
        );
        assert_eq!(
            (r["channel"].as_u64(), r["rf_chain"].as_u64()),
            (Some(0), Some(0)),
            "{r}"
        );
    }
    let got: Vec<u64> = rx.iter().map(|r| hex_field(r, "gateway_eui")).collect();
    let unique: BTreeSet<u64> = got.iter().copied().collect();
    assert_eq!(got.len(), unique.len(), "one entry per gateway: {v}");
    assert_eq!(
        unique,
        gateways.iter().copied().collect::<BTreeSet<_>>(),
        "{v}"
    );
}

/// The `/metrics` text.
pub async fn metrics(node: &Node) -> String {
    let (status, _, body) = get(node.http_addr, "/metrics").await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The sample of `name{labels}` (or `name` alone when `labels` is empty) in `text`.
pub fn sample(text: &str, name: &str, labels: &str) -> Option<u64> {
    let key = match labels {
        "" => format!("{name} "),
        l => format!("{name}{{{l}}} "),
    };
    text.lines()
        .find_map(|l| l.strip_prefix(key.as_str()))
        .and_then(|v| v.trim().parse().ok())
}

/// `dataplane_drops_total{reason}` in `text` (0 when absent).
pub fn drops(text: &str, reason: &str) -> u64 {
    sample(
        text,
        "dataplane_drops_total",
        &format!("reason=\"{reason}\""),
    )
    .unwrap_or(0)
}

/// Waits until `metric(text) == want` (counters are published every ~50 ms); fails at once if
/// it passes `want`, or after [`WAIT`]. Returns the text.
pub async fn wait_metric(
    node: &Node,
    what: &str,
    want: u64,
    metric: impl Fn(&str) -> u64,
) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = metrics(node).await;
        let got = metric(&text);
        assert!(got <= want, "{what}: {got} > {want}\n{text}");
        if got == want {
            return text;
        }
        assert!(Instant::now() < deadline, "{what}: {got} != {want}\n{text}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until `dataplane_drops_total{reason}` is `want`.
pub async fn wait_drops(node: &Node, reason: &str, want: u64) -> String {
    wait_metric(node, reason, want, |t| drops(t, reason)).await
}

/// Subscribes to [`APP`]'s SSE stream and waits until the hub counts `subscribers` in all.
pub async fn subscribe(node: &Node, subscribers: u64) -> SseClient {
    let sse = SseClient::connect(node.http_addr, EVENTS).await;
    wait_subscribers(node, subscribers).await;
    sse
}

/// Waits until the hub counts `n` subscribers.
pub async fn wait_subscribers(node: &Node, n: u64) {
    wait_metric(node, "subscribers", n, |t| {
        sample(t, "dataplane_events_subscribers", "").unwrap_or(0)
    })
    .await;
}

/// Asserts no further event reaches `sse` within `quiet`.
pub async fn assert_quiet(sse: &mut SseClient, quiet: Duration) {
    let v = sse.next_within(quiet).await;
    assert!(v.is_none(), "unexpected event: {v:?}");
}
