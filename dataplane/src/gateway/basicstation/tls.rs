//! `wss://` for the LNS endpoint (Basic Station docs "Authentication Modes": server
//! authentication with the station's `tc.trust`): one `rustls` server session per connection,
//! driven sans-IO like the WebSocket above it. Ciphertext from the socket goes in
//! ([`TlsLayer::decrypt`], giving plaintext for the [`Connection`](super::connection::Connection)),
//! the connection's output goes through [`TlsLayer::encrypt`], and [`TlsLayer::output`] is what
//! the socket is to write. No socket, no clock: the server drives it.
//!
//! [`StationTls::load`] reads the PEM certificate chain and private key of `[basicstation]`
//! `tls_cert`/`tls_key`. Protocols are TLS 1.3 and 1.2 (stations on mbedTLS 2.x speak 1.2 only);
//! client certificates (the station's `tc.crt`) are not asked for: stations authenticate with
//! their `Authorization` token ([`auth`](super::auth)).

use rustls::ServerConnection;
use rustls::server::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why the TLS settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    /// Only one of `tls_cert` and `tls_key` is set.
    #[error("basicstation: tls_cert and tls_key go together")]
    Incomplete,
    /// A PEM file could not be read or holds nothing usable.
    #[error("basicstation: reading {path}: {reason}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// rustls refused the certificate and key (mismatch, unsupported key type).
    #[error("basicstation: TLS certificate/key: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Why a connection's TLS failed (it is closed, counted `tls`).
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The peer's records were malformed or the handshake failed.
    #[error("tls: {0}")]
    Protocol(#[from] rustls::Error),
    /// Reading ciphertext into the session failed.
    #[error("tls: {0}")]
    Io(#[from] io::Error),
}

/// The server's TLS settings, shared by every connection of every core.
#[derive(Clone)]
pub struct StationTls(Arc<ServerConfig>);

impl std::fmt::Debug for StationTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StationTls")
    }
}

impl PartialEq for StationTls {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for StationTls {}

impl StationTls {
    /// Settings from a DER certificate chain (leaf first) and its private key.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, TlsConfigError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        Ok(Self(Arc::new(config)))
    }

    /// Loads `cert` (PEM chain) and `key` (PEM PKCS#8, PKCS#1 or SEC1 key).
    pub fn load(cert: &Path, key: &Path) -> Result<Self, TlsConfigError> {
        let pem = |path: &Path, e: &dyn std::fmt::Display| TlsConfigError::Pem {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        let chain = CertificateDer::pem_file_iter(cert)
            .map_err(|e| pem(cert, &e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pem(cert, &e))?;
        if chain.is_empty() {
            return Err(pem(cert, &"no CERTIFICATE block"));
        }
        let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| pem(key, &e))?;
        Self::new(chain, key_der)
    }

    /// Loads the optional pair of `[basicstation]`: `None` when neither is set.
    pub fn from_paths(
        cert: Option<&Path>,
        key: Option<&Path>,
    ) -> Result<Option<Self>, TlsConfigError> {
        match (cert, key) {
            (None, None) => Ok(None),
            (Some(c), Some(k)) => Self::load(c, k).map(Some),
            _ => Err(TlsConfigError::Incomplete),
        }
    }
}

/// One connection's TLS session over in-memory buffers.
pub struct TlsLayer {
    session: ServerConnection,
    out: Vec<u8>,
    notified: bool,
}

impl TlsLayer {
    /// A fresh server session expecting a ClientHello.
    pub fn new(tls: &StationTls) -> Result<Self, TlsError> {
        let mut session = ServerConnection::new(Arc::clone(&tls.0))?;
        // The connection's `max_pending_out` bounds what waits; rustls need not bound it twice.
        session.set_buffer_limit(None);
        Ok(Self {
            session,
            out: Vec::new(),
            notified: false,
        })
    }

    /// Takes ciphertext from the peer and appends the plaintext it carried to `plain`.
    /// `Ok(true)`: the peer said close_notify (no more data will come).
    pub fn decrypt(&mut self, mut data: &[u8], plain: &mut Vec<u8>) -> Result<bool, TlsError> {
        let mut closed = false;
        while !data.is_empty() {
            let n = self.session.read_tls(&mut data)?;
            let state = self.session.process_new_packets();
            // An alert may be waiting for the peer even when the records were bad.
            self.pump();
            let state = state?;
            closed |= state.peer_has_closed();
            self.drain_plaintext(plain)?;
            if n == 0 {
                break;
            }
        }
        Ok(closed)
    }

    fn drain_plaintext(&mut self, plain: &mut Vec<u8>) -> Result<(), TlsError> {
        let mut chunk = [0u8; 4096];
        loop {
            match self.session.reader().read(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => plain.extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Queues plaintext for the peer (held back until the handshake completes).
    pub fn encrypt(&mut self, plain: &[u8]) {
        if !plain.is_empty() && !self.notified {
            // The buffer is unbounded (see `new`), so the write takes everything.
            let _ = self.session.writer().write_all(plain);
        }
        self.pump();
    }

    /// Says close_notify (once); nothing is sent after it.
    pub fn close_notify(&mut self) {
        if !self.notified {
            self.notified = true;
            self.session.send_close_notify();
        }
        self.pump();
    }

    /// Whether the handshake is still going on.
    pub fn is_handshaking(&self) -> bool {
        self.session.is_handshaking()
    }

    fn pump(&mut self) {
        while self.session.wants_write() {
            match self.session.write_tls(&mut self.out) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }

    /// Ciphertext waiting for the socket.
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// Forgets the first `n` bytes of [`TlsLayer::output`] (written).
    pub fn consume_output(&mut self, n: usize) {
        self.out.drain(..n.min(self.out.len()));
    }
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
