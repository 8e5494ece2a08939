//! Shared by the events and metrics integration tests: a server on an ephemeral loopback port,
//! a fake core thread owning a `Publisher`, and minimal HTTP/SSE clients over raw TCP. Every
//! wait is bounded.

#![allow(dead_code)]

use std::{
    net::SocketAddr,
    sync::{Arc, mpsc as std_mpsc},
    thread::JoinHandle,
    time::Duration,
};

use dataplane::{
    application::event::{ApplicationEvent, ApplicationUplink, RadioSettings},
    events::{self, Drainer, HubConfig, HubHandle, Publisher},
    http::{self, ApiConfig, ApiState},
    metrics::Registry,
};
use shared::types::{DevAddr, DevEui};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::{Instant, timeout},
};

/// Longest any single wait in these tests may take.
pub const WAIT: Duration = Duration::from_secs(10);

/// An uplink for `app` with frame counter `fcnt`.
pub fn uplink(app: &str, fcnt: u32) -> ApplicationEvent {
    ApplicationEvent::Uplink(ApplicationUplink {
        application_id: app.into(),
        device_id: format!("{app}-dev"),
        dev_eui: Some(DevEui::from_u64(0x70B3_D57E_D000_0001)),
        dev_addr: DevAddr::from_u32(0x2601_1BDA),
        fcnt,
        fport: 10,
        frm_payload: fcnt.to_be_bytes().to_vec(),
        frm_payload_encrypted: false,
        confirmed: false,
        settings: RadioSettings {
            frequency_hz: 868_100_000,
            spreading_factor: 7,
            bandwidth_hz: 125_000,
            bit_rate: 0,
        },
        rx_metadata: vec![],
        received_at_ms: 1_700_000_000_000,
    })
}

/// A running API server with its hub and registry.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The hub's handle.
    pub hub: HubHandle,
    /// The metrics registry (hub collector registered).
    pub metrics: Arc<Registry>,
    /// One publisher per core, to hand to fake cores.
    pub publishers: Vec<Publisher>,
    /// The drainer, when the test starts it itself.
    pub drainer: Option<Drainer>,
}

/// Starts a hub for `cores` cores and the API on an ephemeral port; spawns the drainer unless
/// `hold_drainer`.
pub async fn start(cores: usize, config: HubConfig, hold_drainer: bool) -> Server {
    let (publishers, hub, drainer) = events::hub(cores, config);
    let mut registry = Registry::new(cores);
    registry.register(hub.collector());
    let metrics = Arc::new(registry);
    let drainer = if hold_drainer {
        Some(drainer)
    } else {
        tokio::spawn(drainer.run());
        None
    };
    let cfg = ApiConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let listener = http::bind(&cfg).await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let state = ApiState {
        hub: hub.clone(),
        metrics: Arc::clone(&metrics),
        pushes: None,
    };
    tokio::spawn(http::serve(listener, state, std::future::pending()));
    Server {
        addr,
        hub,
        metrics,
        publishers,
        drainer,
    }
}

/// Waits until the hub has `n` subscribers.
pub async fn wait_subscribers(hub: &HubHandle, n: u64) {
    let deadline = Instant::now() + WAIT;
    while hub.stats().subscribers() != n {
        assert!(Instant::now() < deadline, "never reached {n} subscribers");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// A fake core: a thread owning a `Publisher`, publishing each batch it is sent and answering
/// how many the ring refused.
pub struct FakeCore {
    tx: Option<std_mpsc::Sender<Vec<ApplicationEvent>>>,
    rx: std_mpsc::Receiver<usize>,
    thread: Option<JoinHandle<Publisher>>,
}

impl FakeCore {
    /// Spawns the thread owning `publisher`.
    pub fn spawn(mut publisher: Publisher) -> Self {
        let (tx, batches) = std_mpsc::channel::<Vec<ApplicationEvent>>();
        let (done, rx) = std_mpsc::channel();
        let thread = std::thread::spawn(move || {
            for batch in batches {
                let refused = batch
                    .into_iter()
                    .filter(|e| publisher.publish(e.clone()).is_err());
                let _ = done.send(refused.count());
            }
            publisher
        });
        Self {
            tx: Some(tx),
            rx,
            thread: Some(thread),
        }
    }

    /// Publishes `batch` on the core thread; returns how many the ring refused.
    pub fn publish(&self, batch: Vec<ApplicationEvent>) -> usize {
        self.tx
            .as_ref()
            .expect("running")
            .send(batch)
            .expect("core alive");
        self.rx.recv_timeout(WAIT).expect("core answered")
    }

    /// Stops the thread and gives the publisher back.
    pub fn stop(mut self) -> Publisher {
        self.tx = None;
        self.thread
            .take()
            .expect("running")
            .join()
            .expect("core thread")
    }
}

/// Sends a GET and reads the whole response: (status, lower-cased head, body).
pub async fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    request(addr, "GET", path, "").await
}

/// Sends `method path` with extra header lines and reads the whole response.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
) -> (u16, String, String) {
    request_with_body(addr, method, path, headers, "").await
}

/// `POST path` with a JSON `body`; reads the whole response.
pub async fn post(addr: SocketAddr, path: &str, body: &str) -> (u16, String, String) {
    let headers = format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    request_with_body(addr, "POST", path, &headers, body).await
}

/// Sends `method path` with extra header lines and `body`, and reads the whole response.
pub async fn request_with_body(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\n{headers}Connection: close\r\n\r\n{body}"
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    timeout(WAIT, s.read_to_end(&mut raw))
        .await
        .expect("response in time")
        .expect("read");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
    let head = head.to_ascii_lowercase();
    let body = if head.contains("transfer-encoding: chunked") {
        let mut dec = Dechunker::default();
        dec.push(body.as_bytes());
        String::from_utf8(dec.body).expect("utf-8 body")
    } else {
        body.to_owned()
    };
    (status_of(&head), head, body)
}

fn status_of(head: &str) -> u16 {
    head.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line")
}

/// HTTP/1.1 chunked transfer decoding, fed as bytes arrive.
#[derive(Default)]
struct Dechunker {
    raw: Vec<u8>,
    body: Vec<u8>,
}

impl Dechunker {
    fn push(&mut self, bytes: &[u8]) {
        self.raw.extend_from_slice(bytes);
        loop {
            let Some(eol) = self.raw.windows(2).position(|w| w == b"\r\n") else {
                return;
            };
            let line = std::str::from_utf8(&self.raw[..eol]).expect("chunk size line");
            let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                .expect("hex chunk size");
            if self.raw.len() < eol + 2 + size + 2 {
                return;
            }
            self.body
                .extend_from_slice(&self.raw[eol + 2..eol + 2 + size]);
            self.raw.drain(..eol + 2 + size + 2);
        }
    }
}

/// A Server-Sent Events client over raw TCP, yielding each event's `data` as JSON.
pub struct SseClient {
    stream: TcpStream,
    head: Option<String>,
    pending: Vec<u8>,
    chunks: Dechunker,
}

impl SseClient {
    /// Connects and sends the request; the response is read lazily.
    pub async fn connect(addr: SocketAddr, path: &str) -> Self {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let req = format!("GET {path} HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n");
        stream.write_all(req.as_bytes()).await.expect("write");
        Self {
            stream,
            head: None,
            pending: Vec::new(),
            chunks: Dechunker::default(),
        }
    }

    async fn read_more(&mut self, deadline: Instant) {
        let mut buf = [0u8; 8192];
        let n = tokio::time::timeout_at(deadline, self.stream.read(&mut buf))
            .await
            .expect("SSE data in time")
            .expect("read");
        assert!(n > 0, "SSE stream closed");
        match self.head {
            Some(_) => self.chunks.push(&buf[..n]),
            None => {
                self.pending.extend_from_slice(&buf[..n]);
                if let Some(end) = self.pending.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&self.pending[..end]).to_ascii_lowercase();
                    assert_eq!(status_of(&head), 200, "{head}");
                    assert!(head.contains("content-type: text/event-stream"), "{head}");
                    assert!(head.contains("transfer-encoding: chunked"), "{head}");
                    let rest = self.pending.split_off(end + 4);
                    self.head = Some(head);
                    self.chunks.push(&rest);
                }
            }
        }
    }

    /// The next event's data as JSON (keep-alive comments skipped).
    pub async fn next(&mut self) -> serde_json::Value {
        self.next_by(Instant::now() + WAIT).await
    }

    /// The next event if one arrives within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<serde_json::Value> {
        tokio::time::timeout(wait, self.next_by(Instant::now() + WAIT))
            .await
            .ok()
    }

    async fn next_by(&mut self, deadline: Instant) -> serde_json::Value {
        loop {
            while let Some(end) = self.chunks.body.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.chunks.body.drain(..end + 2).collect();
                let block = String::from_utf8(block).expect("utf-8 event");
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                if !data.is_empty() {
                    return serde_json::from_str(&data.join("\n")).expect("JSON data");
                }
            }
            self.read_more(deadline).await;
        }
    }
}

/// Frame counter and application of a streamed uplink.
pub fn fcnt_app(v: &serde_json::Value) -> (u64, String) {
    assert_eq!(v["type"], "uplink", "{v}");
    let fcnt = v["fcnt"].as_u64().expect("fcnt");
    (
        fcnt,
        v["application_id"]
            .as_str()
            .expect("application_id")
            .to_owned(),
    )
}
