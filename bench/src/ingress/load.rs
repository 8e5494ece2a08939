//! The offered load, prepared once before any timing: `N` ABP LoRaWAN 1.0 sessions (EU868), their
//! unconfirmed data uplinks with correct MICs and AppSKey-encrypted FRMPayloads (built with
//! `shared` crypto), each uplink heard by `k` gateways and wrapped, one `rxpk` per datagram, in a
//! Semtech UDP PUSH_DATA as a packet forwarder writes it. Also builds the same per-core pipeline
//! a node assembles ([`Worker`]: ingress, owner routing over a one-core mesh, network core).

use base64::Engine;
use dataplane::application::event::ApplicationEvent;
use dataplane::gateway::registry::{GatewayRecord, GatewayRegistry};
use dataplane::gateway::udp::ingress::{JsonParser, SemtechUdpIngress};
use dataplane::metrics::CoreCounters;
use dataplane::network::{
    DedupConfig, LorawanVersion, NetworkConfig, NetworkCore, Session, SessionKeys,
};
use dataplane::runtime::mesh;
use dataplane::worker::persist::Durability;
use dataplane::worker::{EventSink, NetworkOwner, Router, Worker};
use shared::crypto::{CipherKey, MicKey, data_uplink_mic_v10, frm_payload_crypt};
use shared::lorawan::{DataFrameMut, DataFrameRepr, FCtrl, FOpts, MType};
use shared::region::RegionId;
use shared::types::{Aes128Key, DevAddr, Direction, Eui64};
use std::sync::Arc;
use std::time::Duration;

/// First DevAddr; session `s` has `BASE_ADDR + s`.
pub const BASE_ADDR: u32 = 0x2601_0000;
/// First gateway EUI; gateway `g` has `BASE_EUI + g`.
const BASE_EUI: u64 = 0xAA55_5A00_0000_0100;
/// A typical sensor payload (Cayenne LPP temperature, humidity, analog), 12 bytes.
const PAYLOAD: [u8; 12] = *b"\x01\x67\x00\xE1\x02\x68\x50\x03\x02\x01\x2C\x00";

/// The shape of the load.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// ABP sessions (one DevAddr each).
    pub sessions: u32,
    /// Gateways hearing each uplink (copies per uplink).
    pub k: u32,
    /// Distinct uplinks in the pool.
    pub uplinks: u32,
}

impl Shape {
    /// The uplink index of a delivered event (`None` for one outside the pool).
    pub fn uplink_of(&self, dev_addr: DevAddr, fcnt: u32) -> Option<usize> {
        let s = dev_addr.to_u32().checked_sub(BASE_ADDR)?;
        (s < self.sessions)
            .then(|| fcnt as usize * self.sessions as usize + s as usize)
            .filter(|&u| u < self.uplinks as usize)
    }
}

/// Every datagram of a run, back to back; uplink `u`'s copies are datagrams `u*k .. u*k+k`.
/// Uplink `u` is session `u % sessions` at FCnt `u / sessions`.
pub struct Load {
    /// The shape it was built with.
    pub shape: Shape,
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl Load {
    /// Builds the pool (MIC and encryption done here, once).
    pub fn build(shape: Shape) -> Self {
        let n = shape.sessions.max(1);
        let keys: Vec<(MicKey, CipherKey)> = (0..n)
            .map(|s| (MicKey::new(&nwk_key(s)), CipherKey::new(&app_key(s))))
            .collect();
        let copies = (shape.uplinks as usize) * shape.k as usize;
        let mut bytes = Vec::with_capacity(copies * 300);
        let mut ends = Vec::with_capacity(copies);
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut text = String::new();
        for u in 0..shape.uplinks {
            let (s, fcnt) = (u % n, u / n);
            let (mic, app) = &keys[s as usize];
            let phy = frame(mic, app, DevAddr::from_u32(BASE_ADDR + s), fcnt);
            text.clear();
            b64.encode_string(&phy, &mut text);
            for g in 0..shape.k {
                let token = (u.wrapping_mul(3).wrapping_add(g) & 0xFFFF) as u16;
                bytes.extend_from_slice(&[2, (token >> 8) as u8, token as u8, 0]);
                bytes.extend_from_slice(&(BASE_EUI + u64::from(g)).to_be_bytes());
                let tmst = u.wrapping_mul(1000).wrapping_add(g * 7);
                let json = format!(
                    r#"{{"rxpk":[{{"time":"2025-03-01T10:00:00.{:06}Z","tmst":{tmst},"chan":0,"rfch":0,"freq":868.100000,"stat":1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","lsnr":{:.1},"rssi":{},"size":{},"data":"{text}"}}]}}"#,
                    u % 1_000_000,
                    7.5 - f64::from(g),
                    -60 - g as i32,
                    phy.len(),
                );
                bytes.extend_from_slice(json.as_bytes());
                ends.push(bytes.len() as u32);
            }
        }
        Self { shape, bytes, ends }
    }

    /// Number of datagrams.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Datagram `i` (empty past the end).
    pub fn datagram(&self, i: usize) -> &[u8] {
        let start = i.checked_sub(1).map_or(0, |j| self.ends[j] as usize);
        self.ends
            .get(i)
            .and_then(|&e| self.bytes.get(start..e as usize))
            .unwrap_or(&[])
    }

    /// Mean datagram size in bytes.
    pub fn mean_size(&self) -> f64 {
        self.bytes.len() as f64 / self.len().max(1) as f64
    }
}

fn nwk_key(s: u32) -> Aes128Key {
    let mut k = [0x2B; 16];
    k[..4].copy_from_slice(&s.to_be_bytes());
    Aes128Key::from_bytes(k)
}

fn app_key(s: u32) -> Aes128Key {
    let mut k = [0x11; 16];
    k[..4].copy_from_slice(&s.to_be_bytes());
    Aes128Key::from_bytes(k)
}

/// An unconfirmed 1.0 data uplink on FPort 1 with ADR set, payload encrypted, MIC set.
fn frame(mic: &MicKey, app: &CipherKey, addr: DevAddr, fcnt: u32) -> Vec<u8> {
    let mut enc = PAYLOAD;
    frm_payload_crypt(app, Direction::Uplink, addr, fcnt, &mut enc);
    let repr = DataFrameRepr {
        mtype: MType::UnconfirmedDataUp,
        dev_addr: addr,
        fctrl: FCtrl::from_byte(0x80),
        fcnt: fcnt as u16,
        fopts: FOpts::default(),
        fport: Some(1),
        frm_payload: &enc,
        mic: [0; 4],
    };
    let mut buf = vec![0u8; repr.buffer_len()];
    repr.emit(&mut buf).expect("buffer of buffer_len()");
    let mut f = DataFrameMut::parse(&mut buf).expect("emitted frame parses");
    let m = data_uplink_mic_v10(mic, addr, fcnt, f.mic_input());
    f.set_mic(m);
    buf
}

/// The dedup settings of a run: `window` and `cooldown`, and room for `entries` entries. The
/// default 32,768 entries carry at most 32,768 / 200 ms ≈ 164k uplinks/s before copies are
/// refused as `dedup_full`, so the benchmark defaults to 2^18.
pub fn dedup_config(window: Duration, cooldown: Duration, entries: usize) -> DedupConfig {
    DedupConfig {
        window,
        cooldown,
        max_entries: entries,
        ..DedupConfig::default()
    }
}

/// The `k` gateways of the load.
pub fn registry(k: u32) -> GatewayRegistry {
    GatewayRegistry::new((0..k).map(|g| GatewayRecord {
        eui: Eui64::from_u64(BASE_EUI + u64::from(g)),
        id: format!("gw{g}"),
        region: Some("EU868".into()),
        auth_token_hash: None,
    }))
    .expect("unique EUIs")
}

/// One core's pipeline as `dataplane::node` assembles it, with `shape`'s sessions and gateways
/// and `events` as its sink (one core: every frame is owned locally).
pub fn worker<E: EventSink>(shape: Shape, dedup: DedupConfig, events: E) -> Worker<E> {
    worker_with(shape, dedup, events, JsonParser::default(), None)
}

/// [`worker`] with PUSH_DATA parsed by `parser`, journaling counters with `durable` when given
/// (`dataplane::worker::persist`).
pub fn worker_with<E: EventSink>(
    shape: Shape,
    dedup: DedupConfig,
    events: E,
    parser: JsonParser,
    durable: Option<Durability>,
) -> Worker<E> {
    let registry = registry(shape.k);
    let mut core = NetworkCore::new(NetworkConfig {
        dedup,
        ..NetworkConfig::default()
    });
    for s in 0..shape.sessions {
        let keys = SessionKeys::v1_0(&nwk_key(s), Some(&app_key(s)));
        let addr = DevAddr::from_u32(BASE_ADDR + s);
        let session = Session::new(
            addr,
            "bench",
            format!("dev{s}"),
            LorawanVersion::V1_0,
            keys,
            RegionId::Eu868,
        );
        core.insert_session(session)
            .expect("one session per DevAddr");
    }
    let ep = mesh::mesh(1, 1024).pop().expect("one endpoint");
    let mut owner = NetworkOwner::new(core, events);
    if let Some(d) = durable {
        owner = owner.with_durability(d);
    }
    let ingress =
        SemtechUdpIngress::new(Arc::new(registry), Router::new(ep, owner)).with_parser(parser);
    Worker::new(ingress, Arc::new(CoreCounters::new(0)))
}

/// The (DevAddr, FCnt) of an event, if it is an uplink.
pub fn event_key(ev: &ApplicationEvent) -> Option<(DevAddr, u32)> {
    match ev {
        ApplicationEvent::Uplink(u) => Some((u.dev_addr, u.fcnt)),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uplink_index_round_trips_by_table() {
        let shape = Shape {
            sessions: 10,
            k: 3,
            uplinks: 25,
        };
        let cases = [
            ("first", BASE_ADDR, 0, Some(0)),
            ("second session", BASE_ADDR + 1, 0, Some(1)),
            ("second round", BASE_ADDR + 4, 2, Some(24)),
            ("past the pool", BASE_ADDR + 5, 2, None),
            ("unknown session", BASE_ADDR + 10, 0, None),
            ("below the base", BASE_ADDR - 1, 0, None),
        ];
        for (name, addr, fcnt, want) in cases {
            assert_eq!(
                shape.uplink_of(DevAddr::from_u32(addr), fcnt),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn every_datagram_is_a_push_data_with_one_good_frame() {
        let load = Load::build(Shape {
            sessions: 4,
            k: 3,
            uplinks: 10,
        });
        assert_eq!(load.len(), 30);
        for i in 0..load.len() {
            let p = shared::semtech_udp::Packet::parse(load.datagram(i)).expect("parses");
            let shared::semtech_udp::Packet::PushData { data, .. } = p else {
                panic!("datagram {i} is not PUSH_DATA");
            };
            assert_eq!(data.rxpk.len(), 1, "datagram {i}");
        }
        assert!(load.datagram(30).is_empty(), "past the end");
    }
}
