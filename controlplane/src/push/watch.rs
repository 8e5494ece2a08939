//! The watch the data-plane nodes follow (`PlaneSync.Watch`): a snapshot at a store revision
//! (every gateway with an EUI, every device with a session), then the change log after it, in
//! revision order, polled from the store so that several control-plane instances in front of
//! one ScyllaDB serve the same stream. A node that resumes from a revision still in the log
//! gets only what follows; one below the compaction floor gets a new snapshot. Quiet streams
//! carry heartbeats so a node can tell them from dead ones.

use super::PlaneService;
use super::records;
use crate::store::{Change, Delta, PageRequest, Revision, StoreError, model::EndDevice};
use shared::api::{self, watch_event::Event};
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tonic::Status;

/// Items a stream may have queued before the follower waits for the node.
pub const STREAM_BUFFER: usize = 1024;
const PAGE: u32 = 500;

type Tx = mpsc::Sender<Result<api::WatchEvent, Status>>;

/// The stream ended because the node went away.
struct Gone;

async fn send(tx: &Tx, revision: Revision, event: Event) -> Result<(), Gone> {
    tx.send(Ok(api::WatchEvent {
        revision: revision.0,
        event: Some(event),
    }))
    .await
    .map_err(|_| Gone)
}

impl PlaneService {
    /// Follows the store for one node from `from` (0: snapshot first) until the node leaves.
    pub(super) async fn follow(self, from: u64, tx: Tx) {
        self.metrics.watchers.fetch_add(1, Relaxed);
        match self.follow_inner(Revision(from), &tx).await {
            Ok(()) | Err(None) => {}
            Err(Some(e)) => {
                tracing::warn!(error = %e, "watch stream failed");
                let _ = tx.send(Err(Status::unavailable(e.to_string()))).await;
            }
        }
        self.metrics.watchers.fetch_sub(1, Relaxed);
    }

    async fn follow_inner(&self, from: Revision, tx: &Tx) -> Result<(), Option<StoreError>> {
        let gone = |_: Gone| None;
        let mut rev = if from.0 == 0 {
            self.snapshot(tx).await?
        } else {
            from
        };
        let mut last_sent = Instant::now();
        loop {
            match self.store.changes_since(rev, PAGE).await {
                Err(StoreError::Compacted { .. }) => {
                    rev = self.snapshot(tx).await?;
                    last_sent = Instant::now();
                }
                Err(e) => return Err(Some(e)),
                Ok(changes) => {
                    let full = changes.len() == PAGE as usize;
                    for c in changes {
                        rev = c.revision;
                        if let Some(event) = self.delta(c) {
                            send(tx, rev, event).await.map_err(gone)?;
                            self.metrics.deltas.fetch_add(1, Relaxed);
                            last_sent = Instant::now();
                        }
                    }
                    if full {
                        continue;
                    }
                }
            }
            if last_sent.elapsed() >= self.config.heartbeat_interval {
                send(tx, rev, Event::Heartbeat(api::Heartbeat {}))
                    .await
                    .map_err(gone)?;
                last_sent = Instant::now();
            }
            if tx.is_closed() {
                return Ok(());
            }
            tokio::time::sleep(self.config.poll_interval).await;
        }
    }

    /// Sends a snapshot at the current revision; returns that revision.
    async fn snapshot(&self, tx: &Tx) -> Result<Revision, Option<StoreError>> {
        let gone = |_: Gone| None;
        let started = Instant::now();
        let rev = self.store.current_revision().await?;
        send(tx, rev, Event::SnapshotBegin(api::SnapshotBegin {}))
            .await
            .map_err(gone)?;
        let mut page = PageRequest::first(PAGE);
        loop {
            let p = self.store.list_gateways(page.clone()).await?;
            for g in p.items.iter().filter_map(|g| records::gateway(&self.js, g)) {
                send(tx, rev, Event::GatewayUpsert(g)).await.map_err(gone)?;
            }
            let Some(token) = p.next_token else { break };
            page.token = Some(token);
        }
        let (mut sessions, mut apps) = (0u64, PageRequest::first(PAGE));
        loop {
            let a = self.store.list_applications(apps.clone()).await?;
            for app in &a.items {
                let mut devs = PageRequest::first(PAGE);
                loop {
                    let d = self
                        .store
                        .list_end_devices(&app.application_id, devs.clone())
                        .await?;
                    for dev in &d.items {
                        if let Some(s) = self.session_of(dev) {
                            send(tx, rev, Event::SessionUpsert(s)).await.map_err(gone)?;
                            sessions += 1;
                        }
                    }
                    let Some(token) = d.next_token else { break };
                    devs.token = Some(token);
                }
            }
            let Some(token) = a.next_token else { break };
            apps.token = Some(token);
        }
        send(tx, rev, Event::SnapshotEnd(api::SnapshotEnd {}))
            .await
            .map_err(gone)?;
        self.metrics.snapshots.fetch_add(1, Relaxed);
        tracing::info!(revision = rev.0, sessions, took = ?started.elapsed(), "snapshot sent");
        Ok(rev)
    }

    fn session_of(&self, d: &EndDevice) -> Option<api::Session> {
        match records::session(&self.js, &self.vault, d) {
            Ok(s) => s,
            Err(e) => {
                self.metrics.refused.fetch_add(1, Relaxed);
                tracing::warn!(application = %d.application_id, device = %d.device_id, error = %e, "session not pushed");
                None
            }
        }
    }

    /// The watch event for one change; `None` when there is nothing for a data plane in it.
    fn delta(&self, c: Change) -> Option<Event> {
        Some(match c.delta {
            Delta::GatewayPut(g) => Event::GatewayUpsert(records::gateway(&self.js, &g)?),
            Delta::GatewayDeleted { gateway_id } => {
                Event::GatewayDelete(gateway_id.as_str().to_owned())
            }
            Delta::EndDevicePut(d) => match self.session_of(&d) {
                Some(s) => Event::SessionUpsert(s),
                // A device without a session (not joined yet, or its session cleared).
                None => Event::SessionDelete(device_ref(&d)),
            },
            Delta::EndDeviceDeleted {
                application_id,
                device_id,
            } => Event::SessionDelete(api::DeviceRef {
                application_id: application_id.as_str().to_owned(),
                device_id: device_id.as_str().to_owned(),
            }),
        })
    }
}

fn device_ref(d: &EndDevice) -> api::DeviceRef {
    api::DeviceRef {
        application_id: d.application_id.as_str().to_owned(),
        device_id: d.device_id.as_str().to_owned(),
    }
}

/// How the watch polls and keeps streams alive.
#[derive(Debug, Clone, Copy)]
pub struct WatchSettings {
    /// How often the change log is read while a stream is idle.
    pub poll_interval: Duration,
    /// A heartbeat goes out after this long without an event.
    pub heartbeat_interval: Duration,
}

impl Default for WatchSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(10),
            heartbeat_interval: Duration::from_secs(10),
        }
    }
}
