//! In-memory byte pipes that tungstenite reads and writes as if they were a socket, so the
//! WebSocket and HTTP upgrade logic stays sans-IO: the server copies socket bytes into `input`
//! and drains `output` into the socket. An empty input reads as `WouldBlock`, which tungstenite
//! turns into "come back with more bytes".

use std::io::{self, Read, Write};

/// A connection's two byte queues.
#[derive(Debug, Default)]
pub struct MemStream {
    input: Vec<u8>,
    read_at: usize,
    output: Vec<u8>,
}

impl MemStream {
    /// Appends bytes received from the peer.
    pub fn push_input(&mut self, data: &[u8]) {
        if self.read_at == self.input.len() {
            self.input.clear();
            self.read_at = 0;
        }
        self.input.extend_from_slice(data);
    }

    /// Bytes received and not read yet.
    pub fn pending_input(&self) -> usize {
        self.input.len() - self.read_at
    }

    /// Bytes written for the peer and not sent yet.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// Forgets the first `n` output bytes (sent).
    pub fn consume_output(&mut self, n: usize) {
        self.output.drain(..n.min(self.output.len()));
    }
}

impl Read for MemStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.input.get(self.read_at..).unwrap_or_default();
        if rest.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.read_at += n;
        Ok(n)
    }
}

impl Write for MemStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_was_pushed_then_would_block_and_keeps_output() {
        let mut s = MemStream::default();
        let mut b = [0u8; 3];
        assert_eq!(
            s.read(&mut b).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        s.push_input(b"abcd");
        assert_eq!(s.read(&mut b).unwrap(), 3);
        assert_eq!(&b, b"abc");
        s.push_input(b"e");
        assert_eq!(s.pending_input(), 2);
        assert_eq!(s.read(&mut b).unwrap(), 2);
        assert_eq!(&b[..2], b"de");
        assert!(s.read(&mut b).is_err());
        s.write_all(b"xyz").unwrap();
        s.consume_output(1);
        assert_eq!(s.output(), b"yz");
        s.consume_output(9);
        assert!(s.output().is_empty());
    }
}
