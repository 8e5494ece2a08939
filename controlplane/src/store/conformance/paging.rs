//! Pagination: every item seen exactly once across pages, for several page sizes, per parent.

use super::Ctx;
use super::fixtures::*;
use crate::store::id::ApplicationId;
use crate::store::model::EndDevice;
use crate::store::{PageRequest, StoreResult};
use std::collections::BTreeSet;

/// Walks every page of `list` and returns the items in order, checking termination.
async fn walk<T, F, Fut>(limit: u32, mut list: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = StoreResult<crate::store::Page<T>>>,
{
    let mut out = Vec::new();
    let mut token = None;
    for _ in 0..10_000 {
        let page = list(PageRequest {
            token: token.take(),
            limit,
        })
        .await
        .expect("list");
        assert!(page.items.len() <= limit as usize, "page over limit");
        out.extend(page.items);
        match page.next_token {
            Some(t) => token = Some(t),
            None => return out,
        }
    }
    panic!("pagination did not end");
}

/// Devices of one application (257, an odd count) and users (root kind) through pages of 1, 7,
/// 100 and 1000: each seen once, nothing from another parent.
pub async fn pagination(c: Ctx) {
    const N: u64 = 257;
    let s = &c.store;
    let app = ApplicationId::new(c.id("page-app")).unwrap();
    let mut want = BTreeSet::new();
    for i in 0..N {
        let d = device(
            app.as_str(),
            &format!("dev-{i:04}"),
            c.eui(0x700),
            c.eui(0x1000 + i),
        );
        want.insert(d.device_id.clone());
        s.create_end_device(d).await.unwrap();
    }
    // A neighbour application whose devices must not leak in.
    let neighbour = c.id("page-app0");
    s.create_end_device(device(&neighbour, "dev-0000", c.eui(0x700), c.eui(0x2000)))
        .await
        .unwrap();

    for limit in [1, 7, 100, 1000] {
        let got: Vec<EndDevice> = walk(limit, |p| s.list_end_devices(&app, p)).await;
        let ids: Vec<_> = got.iter().map(|d| d.device_id.clone()).collect();
        let unique: BTreeSet<_> = ids.iter().cloned().collect();
        assert_eq!(ids.len(), unique.len(), "limit {limit}: an item came twice");
        assert_eq!(unique, want, "limit {limit}: items missing or foreign");
        assert!(got.iter().all(|d| d.application_id == app));
    }
    let empty = ApplicationId::new(c.id("page-none")).unwrap();
    let page = s
        .list_end_devices(&empty, PageRequest::first(10))
        .await
        .unwrap();
    assert!(page.items.is_empty() && page.next_token.is_none());

    // Root kind: other runs may share the table; ours must each come exactly once.
    let mut mine = BTreeSet::new();
    for i in 0..23 {
        let u = user(&c.id(&format!("page-u{i:02}")));
        mine.insert(u.user_id.clone());
        s.create_user(u).await.unwrap();
    }
    for limit in [5, 1000] {
        let all = walk(limit, |p| s.list_users(p)).await;
        let ids: Vec<_> = all.iter().map(|u| u.user_id.clone()).collect();
        let unique: BTreeSet<_> = ids.iter().cloned().collect();
        assert_eq!(ids.len(), unique.len(), "limit {limit}: a user came twice");
        assert!(mine.is_subset(&unique), "limit {limit}: users missing");
    }
}
