//! Rejoin-requests end to end (LoRaWAN 1.1 §6.2.4): the real control plane in-process (Join
//! Server over an embedded store), a whole node following it (2 cores), a `semtech-udp`
//! gateway, and a 1.1 device played by ChirpStack's `lrwn` 4.13.
//!
//! `lrwn` encodes the rejoin-request bodies (`RejoinRequestType02Payload`,
//! `RejoinRequestType1Payload`) but computes no rejoin MIC; the test computes it as the spec
//! writes it, `aes128_cmac(key, MHDR | payload)[0..4]` (§6.2.4.3: SNwkSIntKey for types 0/2,
//! JSIntKey for type 1), with the RustCrypto `cmac` crate. `lrwn` decrypts the answer with
//! JSEncKey, checks its MIC with the JoinReqType and RJcount, and derives the new keys.
//!
//! - Type 0: the accept comes in RX1 at tmst + JOIN_ACCEPT_DELAY1; the old session keeps
//!   serving until the device's first uplink under the new one, which is delivered under the
//!   new DevAddr and keys; the old session then serves no more.
//! - The same RJcount0 again is refused (`rejoin_replay`), a forged MIC too (`mic_mismatch`),
//!   and neither gets an accept.
//! - Type 1: accepted by the Join Server (JSIntKey MIC, RJcount1), the new session serves; the
//!   same RJcount1 again is refused by the Join Server (`already_exists`).

mod e2e_support;
mod events_support;
mod join_support;

use aes::Aes128;
use cmac::{Cmac, Mac};
use e2e_support::*;
use join_support::*;
use lrwn::EUI64;
use std::time::Duration;

/// A rejoin-request: `lrwn` encodes MHDR and body, the MIC is the spec's CMAC under `key`.
fn rejoin(payload: lrwn::Payload, key: &[u8; 16]) -> Vec<u8> {
    let phy = lrwn::PhyPayload {
        mhdr: lrwn::MHDR {
            f_type: lrwn::FType::RejoinRequest,
            major: lrwn::Major::LoRaWANR1,
        },
        payload,
        mic: None,
    };
    let mut bytes = phy.to_vec().expect("lrwn encodes");
    let mut mac = <Cmac<Aes128> as Mac>::new_from_slice(key).expect("key length");
    mac.update(&bytes);
    let tag = mac.finalize().into_bytes();
    bytes.extend_from_slice(&tag[..4]);
    bytes
}

/// A type 0 rejoin-request of `otaa` on network `net_id` with `rj_count0`, MIC'd under
/// `s_nwk_s_int_key`.
fn rejoin_0(otaa: &Otaa, net_id: [u8; 3], rj_count0: u16, s_nwk_s_int_key: &[u8; 16]) -> Vec<u8> {
    let body = lrwn::RejoinRequestType02Payload {
        rejoin_type: lrwn::JoinType::RejoinType0,
        netid: lrwn::NetID::from_be_bytes(net_id),
        dev_eui: EUI64::from_be_bytes(otaa.dev_eui.to_be_bytes()),
        rj_count_0: rj_count0,
    };
    rejoin(lrwn::Payload::RejoinRequestType02(body), s_nwk_s_int_key)
}

/// A type 1 rejoin-request of `otaa` with `rj_count1`, MIC'd under its JSIntKey.
fn rejoin_1(otaa: &Otaa, rj_count1: u16) -> Vec<u8> {
    let dev_eui = EUI64::from_be_bytes(otaa.dev_eui.to_be_bytes());
    let js_int = lrwn::keys::get_js_int_key(&dev_eui, &otaa.join_key()).expect("JSIntKey");
    let body = lrwn::RejoinRequestType1Payload {
        rejoin_type: lrwn::JoinType::RejoinType1,
        join_eui: EUI64::from_be_bytes(JOIN_EUI.to_be_bytes()),
        dev_eui,
        rj_count_1: rj_count1,
    };
    rejoin(lrwn::Payload::RejoinRequestType1(body), &js_int.to_bytes())
}

/// The NetID a join-accept carries (HomeNetID), read by `lrwn`.
fn home_net_id(otaa: &Otaa, accept: &[u8]) -> [u8; 3] {
    let mut phy = lrwn::PhyPayload::from_slice(accept).expect("lrwn parses");
    phy.decrypt_join_accept_payload(&otaa.join_key())
        .expect("lrwn decrypts");
    let lrwn::Payload::JoinAccept(ja) = &phy.payload else {
        panic!("not a join-accept")
    };
    let mut b = ja.home_netid.to_le_bytes();
    b.reverse();
    b
}

/// Sends `dev`'s uplink `fcnt` and expects no application event for it.
async fn refused(g: &Gateway, sse: &mut SseClient, dev: &Device, fcnt: u32) {
    g.send(&dev.frame(fcnt, 7, b"stale", false, false), 5.0)
        .await;
    assert_quiet(sse, Duration::from_millis(400)).await;
}

#[test]
fn rejoin_types_0_and_1_rekey_a_device_and_the_old_session_serves_until_the_new_one_is_used() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let otaa = Otaa::new("rejoiner", 0x70B3_D500_0000_0D04, true, "EU_863_870");
    let cp = rt.block_on(async {
        let cp = ControlPlane::start().await;
        cp.add_gateway(GW, "EU_863_870").await;
        cp.add_device(&otaa).await;
        cp
    });
    let node = start_node_with(&cp);
    rt.block_on(async {
        let mut g = connect_gateway(&node, GW).await;
        let mut sse = subscribe(&node, 1).await;
        // Join first: the session the rejoins replace.
        g.send(&otaa.join_request(1), 5.0).await;
        let req = g.downlink().await;
        let old = otaa.accept(req.txpk().data.data(), 1);
        let net_id = home_net_id(&otaa, req.txpk().data.data());
        req.ack().await.expect("TX_ACK");
        deliver(&g, &mut sse, &old, 0, b"first").await;
        wait_metric(&node, "pushed session", 1, |t| {
            sample(t, "dataplane_sync_sessions", "").unwrap_or(0)
        })
        .await;

        // Type 0, RJcount0 = 1, under the session's SNwkSIntKey.
        g.send(&rejoin_0(&otaa, net_id, 1, &old.keys[1]), 5.0).await;
        let req = g.downlink().await;
        assert_join_rx1_eu868(&req, GW);
        let new = otaa.accept_as(req.txpk().data.data(), lrwn::JoinType::RejoinType0, 1);
        req.ack().await.expect("TX_ACK");
        assert_ne!(new.keys, old.keys, "new session keys");
        // The watch pushes the new session; the old one still serves meanwhile.
        tokio::time::sleep(Duration::from_millis(300)).await;
        deliver(&g, &mut sse, &old, 1, b"still old").await;

        // The same RJcount0 again: refused, no accept. A forged MIC neither.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let before = metrics(&node).await;
        g.send(&rejoin_0(&otaa, net_id, 1, &old.keys[1]), 5.0).await;
        wait_drops(&node, "rejoin_replay", drops(&before, "rejoin_replay") + 1).await;
        g.send(&rejoin_0(&otaa, net_id, 2, &[0x55; 16]), 5.0).await;
        wait_drops(&node, "mic_mismatch", drops(&before, "mic_mismatch") + 1).await;
        assert!(
            g.downlink_within(Duration::from_millis(300))
                .await
                .is_none(),
            "no accept for a replayed or forged rejoin-request"
        );

        // The first uplink under the new session switches to it, under the new DevAddr.
        deliver(&g, &mut sse, &new, 0, b"rekeyed").await;
        refused(&g, &mut sse, &old, 2).await;

        // Type 1 (Join Server's): RJcount1 = 1 under JSIntKey.
        tokio::time::sleep(Duration::from_millis(300)).await;
        g.send(&rejoin_1(&otaa, 1), 5.0).await;
        let req = g.downlink().await;
        assert_join_rx1_eu868(&req, GW);
        let third = otaa.accept_as(req.txpk().data.data(), lrwn::JoinType::RejoinType1, 1);
        req.ack().await.expect("TX_ACK");
        deliver(&g, &mut sse, &third, 0, b"type one").await;
        // The same RJcount1 again: the Join Server refuses it.
        tokio::time::sleep(Duration::from_millis(400)).await;
        g.send(&rejoin_1(&otaa, 1), 5.0).await;
        wait_metric(&node, "replayed RJcount1", 1, |t| {
            joins_refused(t, "already_exists")
        })
        .await;
        let text = metrics(&node).await;
        assert_eq!(join_accepts(&text, "sent"), 3, "{text}");
        g.close().await;
    });
    drop(node);
    drop(cp);
}
