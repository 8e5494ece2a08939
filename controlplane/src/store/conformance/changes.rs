//! The change log: revisions increase in commit order, `changes_since` returns the deltas of
//! gateways and end devices in that order, and compaction makes older positions `Compacted`.

use super::Ctx;
use super::fixtures::*;
use crate::store::StoreError;
use crate::store::revision::{Change, Delta, Revision};

fn mine(c: &Ctx, ch: &Change) -> bool {
    let id = match &ch.delta {
        Delta::GatewayPut(g) => g.gateway_id.to_string(),
        Delta::GatewayDeleted { gateway_id } => gateway_id.to_string(),
        Delta::EndDevicePut(d) => d.application_id.to_string(),
        Delta::EndDeviceDeleted { application_id, .. } => application_id.to_string(),
    };
    id.ends_with(&format!("-{}", c.run)) && id.starts_with("rev-")
}

/// All changes after `after` (paged by `limit`), filtered to this run's.
async fn read_all(c: &Ctx, after: Revision, limit: u32) -> Vec<Change> {
    let (mut out, mut at) = (Vec::new(), after);
    for _ in 0..100_000 {
        let batch = c
            .store
            .changes_since(at, limit)
            .await
            .expect("changes_since");
        assert!(batch.len() <= limit as usize);
        let Some(last) = batch.last() else { return out };
        assert!(
            batch.windows(2).all(|w| w[0].revision < w[1].revision),
            "out of order"
        );
        assert!(batch[0].revision > at, "at or before the position asked");
        at = last.revision;
        out.extend(batch.into_iter().filter(|ch| mine(c, ch)));
    }
    panic!("change log did not end");
}

/// Writes get increasing revisions; `changes_since` returns exactly them, in order, whole.
pub async fn revisions_and_changes(c: Ctx) {
    let s = &c.store;
    let start = s.current_revision().await.unwrap();
    let app = c.id("rev-app");
    let g = gateway(&c.id("rev-gw"), c.eui(0x800));
    let mut d = device(&app, "dev-1", c.eui(0x801), c.eui(0x802));

    let mut revs = vec![s.create_gateway(g.clone()).await.unwrap().expect("logged")];
    revs.push(
        s.create_end_device(d.clone())
            .await
            .unwrap()
            .expect("logged"),
    );
    d.session = Some(session(0x2601_0001, 10));
    revs.push(
        s.update_end_device(d.clone())
            .await
            .unwrap()
            .expect("logged"),
    );
    revs.push(
        s.delete_gateway(&g.gateway_id)
            .await
            .unwrap()
            .expect("logged"),
    );
    revs.push(
        s.delete_end_device(&d.application_id, &d.device_id)
            .await
            .unwrap()
            .expect("logged"),
    );
    assert_eq!(s.create_user(user(&c.id("rev-user"))).await.unwrap(), None);
    assert!(revs.windows(2).all(|w| w[0] < w[1]), "{revs:?}");
    assert!(revs[0] > start);
    c.wait_revision(*revs.last().unwrap()).await;

    let want = vec![
        Delta::GatewayPut(Box::new(g.clone())),
        Delta::EndDevicePut(Box::new(device(&app, "dev-1", c.eui(0x801), c.eui(0x802)))),
        Delta::EndDevicePut(Box::new(d.clone())),
        Delta::GatewayDeleted {
            gateway_id: g.gateway_id.clone(),
        },
        Delta::EndDeviceDeleted {
            application_id: d.application_id.clone(),
            device_id: d.device_id.clone(),
        },
    ];
    for limit in [1, 2, 1000] {
        let got = read_all(&c, start, limit).await;
        assert_eq!(
            got.iter().map(|ch| ch.revision).collect::<Vec<_>>(),
            revs,
            "limit {limit}"
        );
        assert_eq!(
            got.into_iter().map(|ch| ch.delta).collect::<Vec<_>>(),
            want,
            "limit {limit}"
        );
    }
    // Resuming in the middle returns only the later changes.
    let tail = read_all(&c, revs[2], 1000).await;
    assert_eq!(
        tail.iter().map(|ch| ch.revision).collect::<Vec<_>>(),
        revs[3..].to_vec()
    );
}

/// Compaction: below the floor is `Compacted`; at and above it the log still answers.
pub async fn compaction(c: Ctx) {
    let s = &c.store;
    let before = s.current_revision().await.unwrap();
    let mut revs = Vec::new();
    for i in 0..4u64 {
        let g = gateway(&c.id(&format!("rev-cgw{i}")), c.eui(0x900 + i));
        revs.push(s.create_gateway(g).await.unwrap().expect("logged"));
    }
    c.wait_revision(revs[3]).await;
    s.compact(revs[1]).await.unwrap();
    let r = s.changes_since(before, 10).await;
    assert!(
        matches!(r, Err(StoreError::Compacted { floor, .. }) if floor >= revs[1]),
        "{r:?}"
    );
    let r = s.changes_since(Revision(revs[1].0 - 1), 10).await;
    assert!(matches!(r, Err(StoreError::Compacted { .. })), "{r:?}");
    let after: Vec<_> = read_all(&c, revs[1], 10)
        .await
        .iter()
        .map(|ch| ch.revision)
        .collect();
    assert_eq!(after, revs[2..].to_vec());
    // Compacting again below the floor is a no-op, not an error.
    s.compact(revs[0]).await.unwrap();
    assert!(read_all(&c, revs[1], 10).await.len() == 2);
}
