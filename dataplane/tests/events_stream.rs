//! Application events over real loopback sockets: an SSE subscriber and a WebSocket subscriber
//! receive what a fake core thread publishes through its `Publisher`, each only for its own
//! application; bad requests get 4xx answers and the server keeps serving.

mod events_support;

use dataplane::events::HubConfig;
use events_support::*;
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

const A: &str = "/api/v1/applications/app-a/events";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_and_websocket_receive_their_application_only() {
    let mut server = start(2, HubConfig::default(), false).await;
    let mut sse_a = SseClient::connect(server.addr, A).await;
    let mut sse_b = SseClient::connect(server.addr, "/api/v1/applications/app-b/events").await;
    let url = format!("ws://{}{A}/ws", server.addr);
    let (mut ws_a, resp) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
        .await
        .expect("ws handshake in time")
        .expect("ws handshake");
    assert_eq!(resp.status(), 101);
    wait_subscribers(&server.hub, 3).await;

    let core1 = FakeCore::spawn(server.publishers.pop().expect("core 1"));
    let mut batch = Vec::new();
    for n in 1..=5 {
        batch.push(uplink("app-a", n));
        batch.push(uplink("app-b", 100 + n));
        batch.push(uplink("app-c", 200 + n));
    }
    batch.push(uplink("app-a", 6)); // last: everything before it has been fanned out
    batch.push(uplink("app-b", 106));
    assert_eq!(core1.publish(batch), 0, "nothing refused");

    let want_a: Vec<_> = (1..=6).map(|n| (n, "app-a".to_owned())).collect();
    let mut got = Vec::new();
    for _ in 1..=6 {
        got.push(fcnt_app(&sse_a.next().await));
    }
    assert_eq!(got, want_a, "SSE subscriber of app-a");
    let mut got = Vec::new();
    while got.len() < 6 {
        let msg = tokio::time::timeout(WAIT, ws_a.next())
            .await
            .expect("ws message in time");
        match msg.expect("ws open").expect("ws message") {
            Message::Text(t) => got.push(fcnt_app(&serde_json::from_str(&t).expect("JSON"))),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(got, want_a, "WebSocket subscriber of app-a");
    let mut got = Vec::new();
    for _ in 1..=6 {
        got.push(fcnt_app(&sse_b.next().await));
    }
    let want_b: Vec<_> = (101..=106).map(|n| (n, "app-b".to_owned())).collect();
    assert_eq!(got, want_b, "SSE subscriber of app-b");

    let v = sse_a
        .next_within(std::time::Duration::from_millis(200))
        .await;
    assert!(v.is_none(), "nothing more for app-a: {v:?}");
    let stats = server.hub.stats();
    assert_eq!((stats.published(), stats.delivered()), (17, 18));
    assert_eq!(stats.dropped_slow_consumer() + stats.dropped_hub_full(), 0);

    ws_a.close(None).await.expect("close");
    drop(sse_b);
    // The hub forgets departed subscribers at its next tick.
    wait_subscribers(&server.hub, 1).await;
    core1.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_4xx_and_the_server_keeps_serving() {
    let server = start(1, HubConfig::default(), false).await;
    let ws_headers = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
                      Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let cases: &[(&str, &str, &str, &str, u16)] = &[
        ("unknown route", "GET", "/nope", "", 404),
        (
            "unknown api route",
            "GET",
            "/api/v1/applications/app-a",
            "",
            404,
        ),
        (
            "upper-case id",
            "GET",
            "/api/v1/applications/App-A/events",
            "",
            400,
        ),
        (
            "too short id",
            "GET",
            "/api/v1/applications/ab/events",
            "",
            400,
        ),
        (
            "non-UTF-8 id",
            "GET",
            "/api/v1/applications/%FF%FE/events",
            "",
            400,
        ),
        (
            "bad id over ws",
            "GET",
            "/api/v1/applications/a_b/events/ws",
            ws_headers,
            400,
        ),
        (
            "ws without upgrade",
            "GET",
            "/api/v1/applications/app-a/events/ws",
            "",
            400,
        ),
        (
            "wrong method",
            "POST",
            "/api/v1/applications/app-a/events",
            "",
            405,
        ),
    ];
    for (name, method, path, headers, want) in cases {
        let (status, head, body) = request(server.addr, method, path, headers).await;
        assert_eq!(status, *want, "{name}: {head}\n{body}");
        if *want == 400 && !name.contains("UTF-8") && !name.contains("upgrade") {
            let v: serde_json::Value = serde_json::from_str(&body).expect("JSON error");
            assert_eq!(v["error"], "invalid application id", "{name}");
        }
    }
    let (status, _, body) = get(server.addr, "/nope").await;
    assert_eq!((status, body.as_str()), (404, r#"{"error":"not found"}"#));
    let (status, head, _) = get(server.addr, "/metrics").await;
    assert_eq!(status, 200, "still serving");
    assert!(
        head.contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    assert_eq!(
        server.hub.stats().subscribers(),
        0,
        "refused requests left no subscriber"
    );
}
