//! Join-requests on their way to the Join Server and back (LoRaWAN 1.0.4 §6.2.2–6.2.3, 1.1
//! §6.2.2–6.2.3; the node side of `PlaneSync.Join`, `shared/proto/plane.proto`).
//!
//! The packet path never awaits: the core that owns a DevEUI deduplicates the join-request and
//! hands a [`JoinJob`] to this module's task through a bounded queue (`try_send`: a full queue
//! is a counted drop on the core, never a wait). The task calls `Join` on the control plane over
//! one reused HTTP/2 connection (tonic `Channel`, connected lazily and re-established by tonic),
//! at most [`JoinSettings::concurrency`] calls at once, each bounded by
//! [`JoinSettings::timeout`] counted from when the core queued it (the join-accept must still
//! reach the gateway before JOIN_ACCEPT_DELAY1). Answers go back through one single-producer
//! single-consumer ring per core, drained on the core's turn:
//!
//! - the requesting core gets [`JoinAnswer::Accepted`] (the join-accept bytes to schedule in
//!   the join-request's windows) or [`JoinAnswer::Refused`];
//! - the core owning the new DevAddr gets [`JoinAnswer::Install`] with the session at once, and
//!   every other core [`JoinAnswer::Remove`] for the device's previous session. The watch
//!   pushes the same session later; the core sees the same DevAddr and keys and keeps its
//!   counters (`sync::control::apply_session`).
//! - A rejoin's session instead goes to its owner as [`JoinAnswer::InstallPending`] and every
//!   other core gets [`JoinAnswer::Hold`]: the old session keeps serving until the device's
//!   first uplink under the new one, when the owner sends [`JobKind::Switched`] and this task
//!   tells the other cores to [`JoinAnswer::Remove`] the old one (`worker::rejoin`).
//!
//! Refusals are counted by gRPC code (`not_found`: unknown device, `already_exists`: DevNonce
//! replayed, `unauthenticated`: MIC mismatch, `deadline_exceeded`: timeout, ...).

use super::convert;
use crate::metrics::{Collect, Exposition, MetricKind};
use crate::network::Session;
use crate::worker::owner_of;
use ringbuf::{HeapCons, HeapProd, HeapRb, traits::*};
use shared::api::{self, plane_sync_client::PlaneSyncClient};
use shared::region::RegionId;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc};

/// How the node calls the Join Server.
#[derive(Debug, Clone)]
pub struct JoinSettings {
    /// The control plane's gRPC URL.
    pub url: String,
    /// Longest time from queueing a join-request to its answer.
    pub timeout: Duration,
    /// Most `Join` calls in flight at once.
    pub concurrency: usize,
    /// The NetID the node serves (sent with each request).
    pub net_id: u32,
}

/// A deduplicated join-request for the Join Server.
#[derive(Debug)]
pub struct JoinJob {
    /// The core to answer.
    pub core: usize,
    /// The core's id for the join-request.
    pub id: u64,
    /// The request.
    pub request: api::JoinRequest,
    /// When the core queued it (the timeout counts from here).
    pub queued_at: Instant,
    /// A request for the Join Server, or a note between cores.
    pub kind: JobKind,
}

/// What a [`JoinJob`] asks of the task.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum JobKind {
    /// Call `Join` with the request (a join-request or a rejoin-request).
    #[default]
    Request,
    /// The device's rejoin session took over on the job's core: the other cores drop the old
    /// session (no call; `request` is empty).
    Switched {
        /// Application id.
        application_id: String,
        /// Device id.
        device_id: String,
    },
}

/// What comes back to a core.
#[derive(Debug)]
pub enum JoinAnswer {
    /// The join-request `id` was accepted: schedule `join_accept`.
    Accepted {
        /// The core's id for the join-request.
        id: u64,
        /// The encrypted join-accept PHYPayload.
        join_accept: Vec<u8>,
        /// The device's region (its frequency plan): the windows' parameters.
        region: RegionId,
        /// Application of the joined device.
        application_id: String,
        /// The joined device.
        device_id: String,
    },
    /// The join-request `id` was refused or timed out (counted on the async side).
    Refused {
        /// The core's id for the join-request.
        id: u64,
    },
    /// Install a joined session (this core owns its DevAddr).
    Install(Box<Session>),
    /// Keep a rejoin's session pending until the device's first uplink under it (this core
    /// owns its DevAddr).
    InstallPending(Box<Session>),
    /// Keep the device's current session serving until its rejoin session takes over (the
    /// watch's removal of it waits).
    Hold {
        /// Application id.
        application_id: String,
        /// Device id.
        device_id: String,
    },
    /// Remove a device's previous session (its new DevAddr belongs to another core).
    Remove {
        /// Application id.
        application_id: String,
        /// Device id.
        device_id: String,
    },
}

/// A core's ends: the queue to the Join Server task and its ring of answers.
pub struct JoinLink {
    /// Join-requests out.
    pub jobs: mpsc::Sender<JoinJob>,
    /// Answers in.
    pub answers: HeapCons<JoinAnswer>,
}

/// The task's ends.
pub struct JoinTaskEnds {
    pub(crate) jobs: mpsc::Receiver<JoinJob>,
    pub(crate) answers: Vec<HeapProd<JoinAnswer>>,
}

/// A queue of `queue` join-requests shared by `cores` cores and a ring of `ring` answers per
/// core.
pub fn channel(cores: usize, queue: usize, ring: usize) -> (Vec<JoinLink>, JoinTaskEnds) {
    let (tx, rx) = mpsc::channel(queue.max(1));
    let (links, answers) = (0..cores.max(1))
        .map(|_| {
            let (p, c) = HeapRb::new(ring.max(1)).split();
            (
                JoinLink {
                    jobs: tx.clone(),
                    answers: c,
                },
                p,
            )
        })
        .unzip();
    (links, JoinTaskEnds { jobs: rx, answers })
}

/// gRPC status codes by number (tonic `Code` as `i32`), as metric labels.
const CODES: [&str; 17] = [
    "ok",
    "cancelled",
    "unknown",
    "invalid_argument",
    "deadline_exceeded",
    "not_found",
    "already_exists",
    "permission_denied",
    "resource_exhausted",
    "failed_precondition",
    "aborted",
    "out_of_range",
    "unimplemented",
    "internal",
    "unavailable",
    "data_loss",
    "unauthenticated",
];

/// MType of a rejoin-request (LoRaWAN 1.1 §4.2.1).
const REJOIN_MTYPE: u8 = 0b110;

/// Refusal reasons: the gRPC codes, then an answer the node could not use.
const INVALID_ANSWER: usize = CODES.len();

/// One core's join-accept counters, as the core publishes them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JoinCoreStats {
    /// Join-accepts handed to a receive window.
    pub scheduled: u64,
    /// Join-accepts the gateway accepted (TX_ACK without error, or handed to a v1 forwarder).
    pub sent: u64,
    /// Join-accepts given up after scheduling (TX_ACK error in both windows, no TX_ACK, no route).
    pub failed: u64,
    /// Accepted joins that could not be scheduled (too late, no gateway, duty cycle) or whose
    /// answer came after the core stopped waiting.
    pub skipped: u64,
}

/// The join path's counters, for `/metrics`.
#[derive(Debug)]
pub struct JoinMetrics {
    forwarded: AtomicU64,
    accepted: AtomicU64,
    refused: [AtomicU64; CODES.len() + 1],
    answers_lost: AtomicU64,
    cores: Vec<[AtomicU64; 4]>,
}

impl JoinMetrics {
    /// Counters for a node of `cores` cores.
    pub fn new(cores: usize) -> Self {
        Self {
            forwarded: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
            refused: std::array::from_fn(|_| AtomicU64::new(0)),
            answers_lost: AtomicU64::new(0),
            cores: (0..cores.max(1))
                .map(|_| std::array::from_fn(|_| AtomicU64::new(0)))
                .collect(),
        }
    }

    /// Publishes core `core`'s join-accept counters.
    pub fn store(&self, core: usize, s: &JoinCoreStats) {
        if let Some(c) = self.cores.get(core) {
            for (slot, v) in c.iter().zip([s.scheduled, s.sent, s.failed, s.skipped]) {
                slot.store(v, Relaxed);
            }
        }
    }

    /// Join-requests accepted by the Join Server.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Relaxed)
    }

    /// Join-requests refused with this gRPC code label (or `invalid_answer`).
    pub fn refused(&self, reason: &str) -> u64 {
        let i = match reason {
            "invalid_answer" => Some(INVALID_ANSWER),
            r => CODES.iter().position(|c| *c == r),
        };
        i.and_then(|i| self.refused.get(i))
            .map_or(0, |v| v.load(Relaxed))
    }

    fn refuse(&self, index: usize) {
        if let Some(v) = self.refused.get(index) {
            v.fetch_add(1, Relaxed);
        }
    }
}

impl Collect for JoinMetrics {
    fn collect(&self, out: &mut Exposition) {
        use MetricKind::Counter;
        for (name, help, v) in [
            (
                "dataplane_joins_forwarded_total",
                "Deduplicated join-requests sent to the Join Server.",
                &self.forwarded,
            ),
            (
                "dataplane_joins_accepted_total",
                "Join-requests the Join Server accepted.",
                &self.accepted,
            ),
            (
                "dataplane_join_answers_lost_total",
                "Join answers lost to a full ring towards a core.",
                &self.answers_lost,
            ),
        ] {
            out.family(name, help, Counter);
            out.sample(name, &[], v.load(Relaxed));
        }
        let name = "dataplane_joins_refused_total";
        out.family(name, "Join-requests refused, by gRPC code.", Counter);
        let labels = CODES.iter().skip(1).copied().chain(["invalid_answer"]);
        for (v, label) in self.refused.iter().skip(1).zip(labels) {
            out.sample(name, &[("reason", label)], v.load(Relaxed));
        }
        let name = "dataplane_join_accepts_total";
        out.family(name, "Join-accepts, by result.", Counter);
        for (i, result) in ["scheduled", "sent", "failed", "skipped"]
            .into_iter()
            .enumerate()
        {
            let n = self
                .cores
                .iter()
                .filter_map(|c| c.get(i))
                .map(|v| v.load(Relaxed))
                .sum();
            out.sample(name, &[("result", result)], n);
        }
    }
}

/// The answers towards the cores, shared by the calls in flight (a lock held only on the async
/// side, never by a core).
struct Answers(Mutex<Vec<HeapProd<JoinAnswer>>>);

impl Answers {
    fn send(&self, core: usize, a: JoinAnswer, metrics: &JoinMetrics) {
        let pushed = self
            .0
            .lock()
            .ok()
            .and_then(|mut rings| rings.get_mut(core).map(|p| p.try_push(a).is_ok()));
        if pushed != Some(true) {
            metrics.answers_lost.fetch_add(1, Relaxed);
        }
    }

    fn cores(&self) -> usize {
        self.0.lock().map_or(0, |r| r.len())
    }
}

/// Serves join-requests until `stop` completes.
pub async fn run(
    settings: JoinSettings,
    ends: JoinTaskEnds,
    metrics: Arc<JoinMetrics>,
    stop: impl Future<Output = ()>,
) {
    let JoinTaskEnds { mut jobs, answers } = ends;
    let answers = Arc::new(Answers(Mutex::new(answers)));
    let endpoint = match tonic::transport::Endpoint::from_shared(settings.url.clone()) {
        Ok(e) => e.connect_timeout(settings.timeout),
        Err(e) => {
            tracing::error!(url = %settings.url, error = %e, "join server URL unusable");
            return;
        }
    };
    let client = PlaneSyncClient::new(endpoint.connect_lazy());
    let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    tokio::pin!(stop);
    loop {
        let job = tokio::select! {
            _ = &mut stop => break,
            j = jobs.recv() => match j {
                Some(j) => j,
                None => break,
            },
        };
        if let JobKind::Switched {
            application_id,
            device_id,
        } = &job.kind
        {
            for c in (0..answers.cores()).filter(|c| *c != job.core) {
                let remove = JoinAnswer::Remove {
                    application_id: application_id.clone(),
                    device_id: device_id.clone(),
                };
                answers.send(c, remove, &metrics);
            }
            continue;
        }
        let permit = tokio::select! {
            _ = &mut stop => break,
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (client, answers, metrics) = (client.clone(), answers.clone(), metrics.clone());
        let (timeout, net_id) = (settings.timeout, settings.net_id);
        tokio::spawn(async move {
            call(client, job, timeout, net_id, &answers, &metrics).await;
            drop(permit);
        });
    }
}

async fn call(
    mut client: PlaneSyncClient<tonic::transport::Channel>,
    mut job: JoinJob,
    timeout: Duration,
    net_id: u32,
    answers: &Answers,
    metrics: &JoinMetrics,
) {
    let (core, id) = (job.core, job.id);
    let rejoin = job.request.phy_payload.first().map(|b| b >> 5) == Some(REJOIN_MTYPE);
    let refuse = |index: usize| {
        metrics.refuse(index);
        answers.send(core, JoinAnswer::Refused { id }, metrics);
    };
    let left = timeout.saturating_sub(job.queued_at.elapsed());
    if left.is_zero() {
        return refuse(tonic::Code::DeadlineExceeded as usize);
    }
    job.request.net_id = net_id.to_be_bytes().get(1..).unwrap_or_default().to_vec();
    let mut request = tonic::Request::new(job.request);
    request.set_timeout(left);
    metrics.forwarded.fetch_add(1, Relaxed);
    let response = match tokio::time::timeout(left, client.join(request)).await {
        Err(_) => return refuse(tonic::Code::DeadlineExceeded as usize),
        Ok(Err(status)) => {
            tracing::debug!(code = ?status.code(), message = status.message(), "join refused");
            return refuse(status.code() as usize);
        }
        Ok(Ok(r)) => r.into_inner(),
    };
    let session = match response.session.as_ref().map(convert::session) {
        Some(Ok(s)) => s,
        _ => return refuse(INVALID_ANSWER),
    };
    metrics.accepted.fetch_add(1, Relaxed);
    let cores = answers.cores();
    let owner = owner_of(session.dev_addr, cores);
    let (application_id, device_id) = (session.application_id.clone(), session.device_id.clone());
    let region = session.region;
    for c in (0..cores).filter(|c| *c != owner) {
        let (application_id, device_id) = (application_id.clone(), device_id.clone());
        let other = match rejoin {
            true => JoinAnswer::Hold {
                application_id,
                device_id,
            },
            false => JoinAnswer::Remove {
                application_id,
                device_id,
            },
        };
        answers.send(c, other, metrics);
    }
    let install = match rejoin {
        true => JoinAnswer::InstallPending(Box::new(session)),
        false => JoinAnswer::Install(Box::new(session)),
    };
    answers.send(owner, install, metrics);
    let accepted = JoinAnswer::Accepted {
        id,
        join_accept: response.join_accept,
        region,
        application_id,
        device_id,
    };
    answers.send(core, accepted, metrics);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_in_tonic_order() {
        let cases = [
            (tonic::Code::Ok, "ok"),
            (tonic::Code::NotFound, "not_found"),
            (tonic::Code::AlreadyExists, "already_exists"),
            (tonic::Code::DeadlineExceeded, "deadline_exceeded"),
            (tonic::Code::Unauthenticated, "unauthenticated"),
            (tonic::Code::Unavailable, "unavailable"),
        ];
        for (code, label) in cases {
            assert_eq!(CODES.get(code as usize), Some(&label), "{code:?}");
        }
    }

    #[test]
    fn refusals_and_core_stats_are_exported_by_label() {
        let m = JoinMetrics::new(2);
        m.refuse(tonic::Code::AlreadyExists as usize);
        m.refuse(INVALID_ANSWER);
        m.store(
            1,
            &JoinCoreStats {
                scheduled: 2,
                sent: 1,
                ..Default::default()
            },
        );
        m.store(
            0,
            &JoinCoreStats {
                sent: 3,
                ..Default::default()
            },
        );
        assert_eq!(
            (m.refused("already_exists"), m.refused("invalid_answer")),
            (1, 1)
        );
        let mut out = Exposition::default();
        m.collect(&mut out);
        let text = out.finish();
        for line in [
            "dataplane_joins_refused_total{reason=\"already_exists\"} 1",
            "dataplane_joins_refused_total{reason=\"invalid_answer\"} 1",
            "dataplane_joins_refused_total{reason=\"not_found\"} 0",
            "dataplane_join_accepts_total{result=\"sent\"} 4",
            "dataplane_join_accepts_total{result=\"scheduled\"} 2",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }

    #[test]
    fn a_task_without_a_reachable_server_refuses_and_answers_every_job() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (mut links, ends) = channel(2, 4, 4);
        let metrics = Arc::new(JoinMetrics::new(2));
        let settings = JoinSettings {
            // Port 9 (discard) on loopback: nothing listens, the connection is refused.
            url: "http://127.0.0.1:9".into(),
            timeout: Duration::from_millis(500),
            concurrency: 2,
            net_id: 0,
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let m = metrics.clone();
        let job = |core, id| JoinJob {
            core,
            id,
            request: api::JoinRequest::default(),
            queued_at: Instant::now(),
            kind: JobKind::Request,
        };
        links[0].jobs.try_send(job(0, 7)).unwrap();
        links[1].jobs.try_send(job(1, 8)).unwrap();
        let answers = rt.block_on(async move {
            let task = tokio::spawn(run(settings, ends, m, async {
                let _ = stop_rx.await;
            }));
            let mut got = Vec::new();
            for _ in 0..200 {
                for (core, l) in links.iter_mut().enumerate() {
                    got.extend(l.answers.pop_iter().map(|a| match a {
                        JoinAnswer::Refused { id } => (core, id),
                        other => panic!("{other:?}"),
                    }));
                }
                if got.len() == 2 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let _ = stop_tx.send(());
            let _ = task.await;
            got
        });
        let mut answers = answers;
        answers.sort();
        assert_eq!(answers, vec![(0, 7), (1, 8)]);
        assert_eq!(
            metrics.refused("unavailable") + metrics.refused("deadline_exceeded"),
            2
        );
        assert_eq!(metrics.accepted(), 0);
    }
}
