//! A subscriber's end: the bounded queue the drainer fills, read by one streaming connection.

use std::{
    borrow::Cow,
    sync::{Arc, OnceLock},
};

use tokio::sync::mpsc;

use super::ApplicationEvent;

/// An event as fanned out: the event, and its JSON serialised once, by the first subscriber
/// that asks (SSE, WebSocket), never by the drainer: gRPC subscribers never need it.
#[derive(Debug)]
pub struct SharedEvent {
    /// The event.
    pub event: ApplicationEvent,
    pub(super) json: OnceLock<String>,
}

impl SharedEvent {
    /// Wraps `event`; nothing is serialised yet.
    pub fn new(event: ApplicationEvent) -> Self {
        Self {
            event,
            json: OnceLock::new(),
        }
    }

    /// `serde_json` of the event, serialised on first use.
    pub fn json(&self) -> &str {
        self.json.get_or_init(|| {
            serde_json::to_string(&self.event).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "application event does not serialise");
                r#"{"type":"unserialisable"}"#.to_owned()
            })
        })
    }
}

/// What a subscription yields.
#[derive(Debug, Clone)]
pub enum SubscriptionItem {
    /// An event of the subscribed application.
    Event(Arc<SharedEvent>),
    /// This many events were lost here because the subscriber did not keep up.
    Lagged(u64),
}

impl SubscriptionItem {
    /// The item as streamed: the event's JSON, or `{"type":"lagged","missed":N}`.
    pub fn json(&self) -> Cow<'_, str> {
        match self {
            Self::Event(e) => Cow::Borrowed(e.json()),
            Self::Lagged(n) => Cow::Owned(format!(r#"{{"type":"lagged","missed":{n}}}"#)),
        }
    }
}

/// One subscriber's stream of an application's events. Dropping it unsubscribes (the drainer
/// notices the closed queue).
#[derive(Debug)]
pub struct Subscription {
    application_id: Box<str>,
    rx: mpsc::Receiver<SubscriptionItem>,
}

impl Subscription {
    pub(super) fn new(application_id: Box<str>, rx: mpsc::Receiver<SubscriptionItem>) -> Self {
        Self { application_id, rx }
    }

    /// The application subscribed to.
    pub fn application_id(&self) -> &str {
        &self.application_id
    }

    /// The next item; `None` once the hub has stopped and the queue is empty. Cancel-safe.
    pub async fn recv(&mut self) -> Option<SubscriptionItem> {
        self.rx.recv().await
    }

    /// The next item if one is queued.
    pub fn try_recv(&mut self) -> Option<SubscriptionItem> {
        self.rx.try_recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_notice_json() {
        assert_eq!(
            SubscriptionItem::Lagged(3).json(),
            r#"{"type":"lagged","missed":3}"#
        );
        let v: serde_json::Value =
            serde_json::from_str(&SubscriptionItem::Lagged(u64::MAX).json()).unwrap();
        assert_eq!(v["missed"], u64::MAX);
    }
}
