//! Uniqueness of DevEUI (per JoinEUI), gateway EUI and email, under concurrent creates; the
//! Join Server state's compare-and-set.

use super::Ctx;
use super::fixtures::*;
use crate::store::StoreError;
use crate::store::id::{ApplicationId, DeviceId};
use crate::store::model::JoinState;
use shared::types::{DevEui, JoinEui};

/// Taken unique values are refused on create and update; released ones can be taken again.
pub async fn uniqueness(c: Ctx) {
    let s = &c.store;
    let (app, app2) = (c.id("uniq-app"), c.id("uniq-app2"));
    let d = device(&app, "dev-1", c.eui(0x300), c.eui(0x301));
    s.create_end_device(d.clone()).await.unwrap();
    let clash = device(&app2, "dev-9", c.eui(0x300), c.eui(0x301));
    let r = s.create_end_device(clash.clone()).await;
    assert!(
        matches!(
            r,
            Err(StoreError::AlreadyExists {
                unique: "dev_eui",
                ..
            })
        ),
        "{r:?}"
    );
    // Same DevEUI under another JoinEUI is a different device.
    s.create_end_device(device(&app2, "dev-8", c.eui(0x302), c.eui(0x301)))
        .await
        .unwrap();
    // An update moving dev-1 to a new DevEUI frees the old one.
    let mut moved = d.clone();
    moved.dev_eui = DevEui::from_u64(c.eui(0x303));
    s.update_end_device(moved.clone()).await.unwrap();
    s.create_end_device(clash.clone()).await.unwrap();
    // ...and an update onto a taken DevEUI fails and changes nothing.
    let mut onto = moved.clone();
    onto.dev_eui = clash.dev_eui;
    let r = s.update_end_device(onto).await;
    assert!(
        matches!(
            r,
            Err(StoreError::AlreadyExists {
                unique: "dev_eui",
                ..
            })
        ),
        "{r:?}"
    );
    assert_eq!(
        s.get_end_device(&moved.application_id, &moved.device_id)
            .await
            .unwrap(),
        moved
    );

    let g = gateway(&c.id("uniq-gw"), c.eui(0x310));
    s.create_gateway(g.clone()).await.unwrap();
    let r = s
        .create_gateway(gateway(&c.id("uniq-gw2"), c.eui(0x310)))
        .await;
    assert!(
        matches!(
            r,
            Err(StoreError::AlreadyExists {
                unique: "gateway_eui",
                ..
            })
        ),
        "{r:?}"
    );
    s.delete_gateway(&g.gateway_id).await.unwrap();
    s.create_gateway(gateway(&c.id("uniq-gw2"), c.eui(0x310)))
        .await
        .unwrap();

    let u = user(&c.id("uniq-user"));
    s.create_user(u.clone()).await.unwrap();
    let mut u2 = user(&c.id("uniq-user2"));
    u2.email = u.email.to_uppercase();
    let r = s.create_user(u2).await;
    assert!(
        matches!(
            r,
            Err(StoreError::AlreadyExists {
                unique: "email",
                ..
            })
        ),
        "{r:?}"
    );
}

/// Concurrent creates of one EUI or one id: exactly one wins, the others get `AlreadyExists`.
pub async fn uniqueness_races(c: Ctx) {
    const N: usize = 16;
    let app = c.id("race-app");
    let mut tasks = Vec::new();
    for i in 0..N {
        let s = c.store.clone();
        let d = device(&app, &format!("dev-{i}"), c.eui(0x400), c.eui(0x401));
        tasks.push(tokio::spawn(async move { s.create_end_device(d).await }));
    }
    count_one_winner(tasks, "dev_eui").await;

    let mut tasks = Vec::new();
    for i in 0..N {
        let s = c.store.clone();
        let d = device(&app, "same-id", c.eui(0x410), c.eui(0x500 + i as u64));
        tasks.push(tokio::spawn(async move { s.create_end_device(d).await }));
    }
    count_one_winner(tasks, "end_device").await;
    // The losers' DevEUIs were not left claimed.
    let winner = c
        .store
        .get_end_device(
            &ApplicationId::new(app.clone()).unwrap(),
            &DeviceId::new("same-id").unwrap(),
        )
        .await
        .unwrap();
    for i in 0..N as u64 {
        let d = device(&app, &format!("free-{i}"), c.eui(0x410), c.eui(0x500 + i));
        if d.dev_eui != winner.dev_eui {
            c.store.create_end_device(d).await.unwrap();
        }
    }

    let mut tasks = Vec::new();
    for i in 0..N {
        let s = c.store.clone();
        let g = gateway(&c.id(&format!("race-gw{i}")), c.eui(0x420));
        tasks.push(tokio::spawn(async move { s.create_gateway(g).await }));
    }
    count_one_winner(tasks, "gateway_eui").await;
}

async fn count_one_winner<T: std::fmt::Debug>(
    tasks: Vec<tokio::task::JoinHandle<Result<T, StoreError>>>,
    unique: &str,
) {
    let (mut won, mut lost) = (0, 0);
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => won += 1,
            Err(StoreError::AlreadyExists { unique: u, .. }) if u == unique => lost += 1,
            Err(e) => panic!("unexpected error in race on {unique}: {e}"),
        }
    }
    assert_eq!((won, lost), (1, 15), "race on {unique}");
}

/// Compare-and-set of the Join Server state, alone and under contention.
pub async fn join_state_cas(c: Ctx) {
    let s = &c.store;
    let (je, de) = (
        JoinEui::from_u64(c.eui(0x600)),
        DevEui::from_u64(c.eui(0x601)),
    );
    assert_eq!(s.get_join_state(je, de).await.unwrap(), None);
    let mut st = JoinState::new(je, de);
    st.nonces.last_dev_nonce = Some(7);
    st.nonces.used_dev_nonces.push(7);
    st.nonces.last_join_nonce = Some(1);
    let v1 = s.cas_join_state(st.clone(), None).await.unwrap();
    assert_eq!(v1.version, 1);
    assert_eq!(s.get_join_state(je, de).await.unwrap(), Some(v1.clone()));
    let r = s.cas_join_state(st.clone(), None).await;
    assert!(
        matches!(
            r,
            Err(StoreError::Conflict {
                expected: None,
                found: Some(1),
                ..
            })
        ),
        "{r:?}"
    );
    let mut next = v1.clone();
    next.nonces.last_dev_nonce = Some(8);
    next.nonces.used_dev_nonces.push(8);
    next.nonces.last_join_nonce = Some(2);
    let v2 = s.cas_join_state(next, Some(1)).await.unwrap();
    assert_eq!((v2.version, v2.nonces.last_join_nonce), (2, Some(2)));
    let r = s.cas_join_state(v1.clone(), Some(1)).await;
    assert!(
        matches!(
            r,
            Err(StoreError::Conflict {
                expected: Some(1),
                found: Some(2),
                ..
            })
        ),
        "{r:?}"
    );
    assert_eq!(s.get_join_state(je, de).await.unwrap(), Some(v2.clone()));

    // 16 racers on the same expected version: exactly one wins.
    let mut tasks = Vec::new();
    for i in 0..16u16 {
        let (s, mut st) = (c.store.clone(), v2.clone());
        st.nonces.last_dev_nonce = Some(100 + i);
        tasks.push(tokio::spawn(
            async move { s.cas_join_state(st, Some(2)).await },
        ));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => won += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);

    // 8 racers each issuing one JoinNonce with read-CAS-retry: no JoinNonce is issued twice.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = c.store.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..200 {
                let cur = s.get_join_state(je, de).await?.expect("stored");
                let mut st = cur.clone();
                st.nonces.last_join_nonce = st.nonces.last_join_nonce.map(|n| n + 1);
                match s.cas_join_state(st, Some(cur.version)).await {
                    Ok(done) => return Ok(done.nonces.last_join_nonce),
                    Err(StoreError::Conflict { .. }) => tokio::task::yield_now().await,
                    Err(e) => return Err(e),
                }
            }
            panic!("no progress after 200 tries");
        }));
    }
    let mut issued = Vec::new();
    for t in tasks {
        issued.push(t.await.expect("task").unwrap());
    }
    issued.sort_unstable();
    assert_eq!(issued, (3..=10).map(Some).collect::<Vec<Option<u32>>>());
}
