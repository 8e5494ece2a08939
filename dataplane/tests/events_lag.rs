//! Back-pressure over real sockets: a subscriber that stops reading loses events, is told how
//! many, and the loss is counted, while a fast SSE subscriber still gets everything; a full core
//! ring refuses (and counts) events without ever blocking its publisher.

mod events_support;

use std::time::{Duration, Instant};

use dataplane::events::{HubConfig, SubscriptionItem};
use events_support::*;

const QUEUE: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_subscriber_lags_while_fast_subscriber_gets_everything() {
    let config = HubConfig {
        subscriber_queue: QUEUE,
        ..HubConfig::default()
    };
    let mut server = start(1, config, false).await;
    let mut fast = SseClient::connect(server.addr, "/api/v1/applications/app-a/events").await;
    // Deliberately slow: subscribed, then not read until every burst is out.
    let mut slow = server.hub.subscribe("app-a").expect("subscribe");
    wait_subscribers(&server.hub, 2).await;

    let core = FakeCore::spawn(server.publishers.pop().expect("core 0"));
    let bursts = 5u32;
    for b in 0..bursts {
        let first = b * QUEUE as u32;
        let batch = (first..first + QUEUE as u32)
            .map(|n| uplink("app-a", n))
            .collect();
        assert_eq!(core.publish(batch), 0);
        // The fast subscriber keeps up: read the whole burst before the next one.
        for n in first..first + QUEUE as u32 {
            let v = fast.next().await;
            assert_eq!(
                fcnt_app(&v),
                (u64::from(n), "app-a".to_owned()),
                "fast got {v}"
            );
        }
    }
    let total = u64::from(bursts) * QUEUE as u64;
    let lost = total - QUEUE as u64;
    assert_eq!(server.hub.stats().dropped_slow_consumer(), lost);

    let (_, _, text) = get(server.addr, "/metrics").await;
    for line in [
        format!("dataplane_events_dropped_total{{reason=\"slow_consumer\"}} {lost}"),
        "dataplane_events_dropped_total{reason=\"hub_full\"} 0".to_owned(),
        format!("dataplane_events_published_total {total}"),
        format!("dataplane_events_delivered_total {}", total + QUEUE as u64),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }

    // The slow subscriber: its first QUEUE events, then the notice once its queue has room.
    for n in 0..QUEUE as u32 {
        match slow.try_recv() {
            Some(SubscriptionItem::Event(e)) => {
                assert!(e.json().contains(&format!("\"fcnt\":{n},")))
            }
            other => panic!("slow subscriber item {n}: {other:?}"),
        }
    }
    let notice = tokio::time::timeout(WAIT, slow.recv())
        .await
        .expect("lag notice in time");
    match notice {
        Some(item @ SubscriptionItem::Lagged(_)) => {
            assert_eq!(
                item.json(),
                format!(r#"{{"type":"lagged","missed":{lost}}}"#)
            );
        }
        other => panic!("expected a lag notice, got {other:?}"),
    }
    // Nothing missed by the fast one; it never saw a notice.
    assert!(fast.next_within(Duration::from_millis(100)).await.is_none());
    core.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_core_ring_counts_drops_without_blocking() {
    let config = HubConfig {
        ring_capacity: 8,
        ..HubConfig::default()
    };
    let mut server = start(2, config, true).await;
    let mut sse = SseClient::connect(server.addr, "/api/v1/applications/app-a/events").await;
    wait_subscribers(&server.hub, 1).await;

    // No drainer yet: the ring fills after 8 and every later publish returns at once.
    let core = FakeCore::spawn(server.publishers.pop().expect("core 1"));
    let started = Instant::now();
    let refused = core.publish((0..10_000).map(|n| uplink("app-a", n)).collect());
    let took = started.elapsed();
    assert_eq!(refused, 10_000 - 8);
    assert!(
        took < Duration::from_secs(5),
        "publisher blocked for {took:?}"
    );
    let publisher = core.stop();
    assert_eq!(publisher.stats().hub_full(), 9_992);
    assert_eq!(publisher.queued(), 8);

    let (_, _, text) = get(server.addr, "/metrics").await;
    assert!(
        text.lines()
            .any(|l| l == "dataplane_events_dropped_total{reason=\"hub_full\"} 9992"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l == "dataplane_events_published_total 8"),
        "{text}"
    );

    // Start the drainer: the eight that fit arrive, in order.
    tokio::spawn(server.drainer.take().expect("held drainer").run());
    for n in 0..8 {
        assert_eq!(fcnt_app(&sse.next().await), (n, "app-a".to_owned()));
    }
    assert!(sse.next_within(Duration::from_millis(100)).await.is_none());
    drop(publisher);
}
