//! Application downlink pushes on their way from the async side (the HTTP API) to the core
//! that owns the device's queue: one single-producer single-consumer ring per core, drained on
//! the core's turn, and a one-shot reply per request. The packet path takes no lock: the core
//! pops from its ring and answers through the one-shot channel (an atomic hand-off).
//!
//! The async side does not know which core owns a device (DevAddr changes as sessions are
//! pushed), so a push goes to every core and the one holding the session answers with the
//! queue item's id; the others answer [`PushError::UnknownDevice`]. Pushes are rare next to
//! uplinks, so the copies cost nothing that matters.

use crate::network::downlink::QueueError;
use ringbuf::{HeapCons, HeapProd, HeapRb, traits::*};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::oneshot;

/// One application downlink for a device's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRequest {
    /// Application id.
    pub application_id: String,
    /// Device id.
    pub device_id: String,
    /// FPort, 1..=223.
    pub fport: u8,
    /// FRMPayload in plaintext.
    pub payload: Vec<u8>,
    /// Confirmed data down.
    pub confirmed: bool,
}

/// Why a push was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// No core holds a session for this device.
    #[error("unknown device")]
    UnknownDevice,
    /// The device's queue refused the item.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The cores did not answer in time, or are stopping.
    #[error("data plane unavailable")]
    Unavailable,
}

/// A push as a core receives it, with where to answer.
#[derive(Debug)]
pub struct PushMsg {
    /// The request.
    pub request: PushRequest,
    /// The answer: the queue item's id.
    pub reply: oneshot::Sender<Result<u64, PushError>>,
}

/// The async side's ends: a producer per core (behind a lock held only on the async side).
pub struct PushSender {
    to: Mutex<Vec<HeapProd<PushMsg>>>,
}

/// A core's end.
pub struct PushReceiver {
    from: HeapCons<PushMsg>,
}

/// A ring of `capacity` pushes per core.
pub fn channel(cores: usize, capacity: usize) -> (PushSender, Vec<PushReceiver>) {
    let (to, from) = (0..cores)
        .map(|_| {
            let (p, c) = HeapRb::new(capacity.max(1)).split();
            (p, PushReceiver { from: c })
        })
        .unzip();
    (PushSender { to: Mutex::new(to) }, from)
}

/// How long a push waits for the cores.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);

impl PushSender {
    /// Hands `request` to every core and returns the owner's answer.
    pub async fn push(&self, request: PushRequest) -> Result<u64, PushError> {
        let mut answers = Vec::new();
        {
            let Ok(mut to) = self.to.lock() else {
                return Err(PushError::Unavailable);
            };
            for p in to.iter_mut() {
                let (tx, rx) = oneshot::channel();
                let msg = PushMsg {
                    request: request.clone(),
                    reply: tx,
                };
                // A full ring means that core is far behind; it cannot answer in time anyway.
                if p.try_push(msg).is_ok() {
                    answers.push(rx);
                }
            }
        }
        let all = futures_util::future::join_all(answers);
        let answers = tokio::time::timeout(ANSWER_WITHIN, all)
            .await
            .map_err(|_| PushError::Unavailable)?;
        let mut out = Err(PushError::UnknownDevice);
        for a in answers {
            match a {
                Ok(Ok(id)) => return Ok(id),
                Ok(Err(PushError::UnknownDevice)) => {}
                Ok(Err(e)) => out = Err(e),
                Err(_) => out = out.or(Err(PushError::Unavailable)),
            }
        }
        out
    }
}

impl PushReceiver {
    /// Takes up to `max` waiting pushes.
    pub fn drain(&mut self, max: usize) -> impl Iterator<Item = PushMsg> + '_ {
        self.from.pop_iter().take(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> PushRequest {
        PushRequest {
            application_id: "app".into(),
            device_id: "dev".into(),
            fport: 1,
            payload: vec![1],
            confirmed: false,
        }
    }

    #[test]
    fn the_owner_core_answers() {
        let (tx, mut rx) = channel(3, 4);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let cores = std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            let mut seen = 0;
            while seen < 3 && std::time::Instant::now() < deadline {
                for (i, r) in rx.iter_mut().enumerate() {
                    for m in r.drain(8) {
                        seen += 1;
                        let answer = match i {
                            1 => Ok(42),
                            _ => Err(PushError::UnknownDevice),
                        };
                        let _ = m.reply.send(answer);
                    }
                }
                std::thread::yield_now();
            }
            seen
        });
        assert_eq!(rt.block_on(tx.push(req())), Ok(42));
        assert_eq!(cores.join().unwrap(), 3);
    }

    #[test]
    fn no_owner_is_unknown_and_queue_errors_pass_through() {
        let (tx, mut rx) = channel(2, 4);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for (name, core1, want) in [
            (
                "nobody",
                Err(PushError::UnknownDevice),
                Err(PushError::UnknownDevice),
            ),
            (
                "queue full",
                Err(PushError::Queue(QueueError::Full(16))),
                Err(PushError::Queue(QueueError::Full(16))),
            ),
        ] {
            let got = rt.block_on(async {
                let push = tx.push(req());
                let answer = async {
                    // The rings are filled before the first await of `push`.
                    tokio::task::yield_now().await;
                    for (i, r) in rx.iter_mut().enumerate() {
                        for m in r.drain(8) {
                            let _ = m.reply.send(match i {
                                1 => core1,
                                _ => Err(PushError::UnknownDevice),
                            });
                        }
                    }
                };
                tokio::join!(push, answer).0
            });
            assert_eq!(got, want, "{name}");
        }
    }
}
