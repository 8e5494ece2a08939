//! Shared by the API tests: a real server on 127.0.0.1:0 over the embedded store in a temp
//! dir, a minimal hyper HTTP/1 client, and a log capture to check that no secret is logged.

#![allow(dead_code)]

pub mod grpc;
pub mod matrix;

use controlplane::api::http::{ApiState, router};
use controlplane::identity::{IdentityServer, bootstrap};
use controlplane::join::KeyVault;
use controlplane::store::embedded::EmbeddedStore;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use shared::types::Aes128Key;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Everything logged by the test process.
pub fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let w = buf.clone();
        let sub = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(w.clone()))
            .finish();
        let _ = tracing::subscriber::set_global_default(sub);
        buf
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A running API server.
pub struct Server {
    pub addr: SocketAddr,
    pub admin_key: String,
    pub state: ApiState,
    _dir: tempfile::TempDir,
}

/// The KEK label device keys are wrapped with in the tests.
pub const KEK_LABEL: &str = "test-kek";

pub async fn start() -> Server {
    logs();
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path().join("cp.redb")).unwrap();
    let mut vault = KeyVault::default();
    vault.insert(KEK_LABEL, Aes128Key::from_bytes([0x42; 16]));
    let is = IdentityServer::new(Arc::new(store), vault, KEK_LABEL);
    let boot = bootstrap(&is, "admin", Some("admin-password-1".into()))
        .await
        .unwrap()
        .expect("first start bootstraps");
    assert!(
        bootstrap(&is, "admin", None).await.unwrap().is_none(),
        "second start does not"
    );
    let state = ApiState::new(is);
    let app = router(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Server {
        addr,
        admin_key: boot.api_key,
        state,
        _dir: dir,
    }
}

/// A response: status, JSON body (Null when empty), headers.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub headers: hyper::HeaderMap,
}

impl Server {
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        self.call_with(method, path, token, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let (mut tx, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        let mut b = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost");
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let payload = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(&v).unwrap())
            }
            None => Bytes::new(),
        };
        let req = b.body(Full::new(payload)).unwrap();
        let resp = tokio::time::timeout(Duration::from_secs(30), tx.send_request(req))
            .await
            .expect("response within 30 s")
            .unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            body,
            text,
            headers,
        }
    }
}
