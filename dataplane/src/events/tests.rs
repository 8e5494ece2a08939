//! Hub behaviour driven by hand (`Drainer::drain`, no runtime): filtering, lag notices in the
//! position of the gap, drops counted at both stages, departed subscribers forgotten.

use std::sync::Arc;

use shared::types::DevAddr;

use super::*;
use crate::application::event::{ApplicationUplink, RadioSettings};

fn uplink(app: &str, fcnt: u32) -> ApplicationEvent {
    ApplicationEvent::Uplink(ApplicationUplink {
        application_id: app.into(),
        device_id: "dev1".into(),
        dev_eui: None,
        dev_addr: DevAddr::from_u32(0x2601_1BDA),
        fcnt,
        fport: 1,
        frm_payload: vec![0xAB, fcnt as u8],
        frm_payload_encrypted: false,
        confirmed: false,
        settings: RadioSettings {
            frequency_hz: 868_100_000,
            spreading_factor: 7,
            bandwidth_hz: 125_000,
            bit_rate: 0,
        },
        rx_metadata: vec![],
        received_at_ms: 1,
    })
}

fn fcnt(item: Option<SubscriptionItem>) -> Option<u32> {
    match item? {
        SubscriptionItem::Event(e) => match &e.event {
            ApplicationEvent::Uplink(u) => Some(u.fcnt),
            other => panic!("unexpected event {other:?}"),
        },
        SubscriptionItem::Lagged(n) => panic!("unexpected lag notice ({n})"),
    }
}

fn config(queue: usize) -> HubConfig {
    HubConfig {
        ring_capacity: 8,
        subscriber_queue: queue,
        ..HubConfig::default()
    }
}

#[test]
fn fans_out_by_application_only() {
    let (mut pubs, hub, mut drainer) = hub(2, config(16));
    let mut a1 = hub.subscribe("app-a").unwrap();
    let mut a2 = hub.subscribe("app-a").unwrap();
    let mut b = hub.subscribe("app-b").unwrap();
    pubs[0].publish(uplink("app-a", 1)).unwrap();
    pubs[1].publish(uplink("app-c", 2)).unwrap();
    pubs[1].publish(uplink("app-b", 3)).unwrap();
    assert_eq!(drainer.drain(), (3, false));
    assert_eq!(fcnt(a1.try_recv()), Some(1));
    assert_eq!(fcnt(a2.try_recv()), Some(1));
    assert_eq!(fcnt(b.try_recv()), Some(3));
    assert!(a1.try_recv().is_none() && a2.try_recv().is_none() && b.try_recv().is_none());
    let stats = hub.stats();
    assert_eq!(
        (stats.published(), stats.delivered(), stats.subscribers()),
        (3, 3, 3)
    );
    if let Some(SubscriptionItem::Event(e)) = {
        pubs[0].publish(uplink("app-b", 4)).unwrap();
        drainer.drain();
        b.try_recv()
    } {
        assert!(e.json.get().is_none(), "the drainer serialises nothing");
        let v: serde_json::Value = serde_json::from_str(e.json()).unwrap();
        assert!(std::ptr::eq(e.json(), e.json()), "serialised once");
        assert_eq!(
            (v["type"].as_str(), v["fcnt"].as_u64()),
            (Some("uplink"), Some(4))
        );
        assert_eq!(v["frm_payload"], "AB04");
    } else {
        panic!("app-b missed its event");
    }
}

#[test]
fn slow_subscriber_gets_the_gap_where_it_happened() {
    let (mut pubs, hub, mut drainer) = hub(1, config(2));
    let mut slow = hub.subscribe("app-a").unwrap();
    for n in 1..=5 {
        pubs[0].publish(uplink("app-a", n)).unwrap();
    }
    drainer.drain();
    assert_eq!(hub.stats().dropped_slow_consumer(), 3);
    assert_eq!(
        (fcnt(slow.try_recv()), fcnt(slow.try_recv())),
        (Some(1), Some(2))
    );
    assert!(slow.try_recv().is_none());
    pubs[0].publish(uplink("app-a", 6)).unwrap();
    drainer.drain();
    assert!(matches!(slow.try_recv(), Some(SubscriptionItem::Lagged(3))));
    assert_eq!(fcnt(slow.try_recv()), Some(6));
    assert_eq!(hub.stats().dropped_slow_consumer(), 3);
}

#[test]
fn lag_notice_waits_for_room_and_counts_later_losses() {
    let (mut pubs, hub, mut drainer) = hub(1, config(1));
    let mut slow = hub.subscribe("app-a").unwrap();
    for n in 1..=3 {
        pubs[0].publish(uplink("app-a", n)).unwrap();
    }
    drainer.drain();
    // Queue holds event 1; 2 and 3 lost. The notice cannot be queued yet, nor can event 4.
    pubs[0].publish(uplink("app-a", 4)).unwrap();
    drainer.drain();
    assert_eq!(hub.stats().dropped_slow_consumer(), 3);
    assert_eq!(fcnt(slow.try_recv()), Some(1));
    drainer.maintain();
    assert!(matches!(slow.try_recv(), Some(SubscriptionItem::Lagged(3))));
    assert!(slow.try_recv().is_none());
}

#[test]
fn full_ring_hands_the_event_back_and_counts() {
    let (mut pubs, hub, mut drainer) = hub(2, config(16));
    let mut sub = hub.subscribe("app-a").unwrap();
    let refused = (0..20)
        .filter(|&n| pubs[1].publish(uplink("app-a", n)).is_err())
        .count();
    assert_eq!(refused, 12);
    assert_eq!(pubs[1].stats().hub_full(), 12);
    assert_eq!(pubs[1].queued(), 8);
    assert_eq!(
        (hub.stats().dropped_hub_full(), hub.stats().published()),
        (12, 8)
    );
    assert_eq!(hub.stats().publisher(0).map(|p| p.hub_full()), Some(0));
    drainer.drain();
    let got: Vec<_> = std::iter::from_fn(|| fcnt(sub.try_recv())).collect();
    assert_eq!(got, (0..8).collect::<Vec<_>>(), "the first eight, in order");
}

#[test]
fn departed_subscribers_are_forgotten_and_limit_applies() {
    let cfg = HubConfig {
        max_subscribers: 2,
        ..config(4)
    };
    let (mut pubs, hub, mut drainer) = hub(1, cfg);
    let a = hub.subscribe("app-a").unwrap();
    let _b = hub.subscribe("app-b").unwrap();
    assert_eq!(
        hub.subscribe("app-c").unwrap_err(),
        SubscribeError::TooManySubscribers
    );
    assert_eq!(a.application_id(), "app-a");
    drop(a);
    pubs[0].publish(uplink("app-a", 1)).unwrap();
    drainer.drain();
    assert_eq!(hub.stats().subscribers(), 1, "noticed on fan-out");
    assert_eq!(hub.stats().delivered(), 0);
    let _c = hub.subscribe("app-c").unwrap();
    assert_eq!(hub.stats().subscribers(), 2);
}

#[test]
fn drainer_ends_streams_when_publishers_are_gone() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let (mut pubs, hub, drainer) = hub(1, config(4));
    let mut sub = hub.subscribe("app-a").unwrap();
    pubs[0].publish(uplink("app-a", 7)).unwrap();
    drop(pubs);
    rt.block_on(async {
        tokio::time::timeout(std::time::Duration::from_secs(5), drainer.run())
            .await
            .unwrap();
        assert_eq!(fcnt(sub.recv().await), Some(7), "queued items still arrive");
        assert!(sub.recv().await.is_none());
    });
    assert_eq!(hub.subscribe("app-a").unwrap_err(), SubscribeError::Closed);
    assert_eq!(hub.stats().subscribers(), 0);
    let _: Arc<dyn crate::metrics::Collect> = hub.collector();
}
