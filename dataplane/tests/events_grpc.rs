//! The gRPC server stream over a real loopback socket: a tonic client receives its
//! application's events as protobuf (others never arrive), an invalid id is `InvalidArgument`.

mod events_support;

use dataplane::{
    events::HubConfig,
    http::grpc::{
        proto::{
            StreamRequest, application_events_client::ApplicationEventsClient, stream_item::Item,
        },
        serve_grpc,
    },
};
use events_support::*;
use tokio::{net::TcpListener, time::timeout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_stream_receives_its_application_only() {
    let mut server = start(1, HubConfig::default(), false).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(serve_grpc(
        listener,
        server.hub.clone(),
        std::future::pending(),
    ));
    let channel = timeout(
        WAIT,
        tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .expect("uri")
            .connect(),
    )
    .await
    .expect("connect in time")
    .expect("connect");
    let mut client = ApplicationEventsClient::new(channel);

    let bad = client
        .stream(StreamRequest {
            application_id: "App_A".into(),
        })
        .await;
    assert_eq!(
        bad.expect_err("rejected").code(),
        tonic::Code::InvalidArgument
    );

    let mut stream = client
        .stream(StreamRequest {
            application_id: "app-a".into(),
        })
        .await
        .expect("stream")
        .into_inner();
    wait_subscribers(&server.hub, 1).await;
    let core = FakeCore::spawn(server.publishers.pop().expect("core 0"));
    let batch = vec![
        uplink("app-b", 1),
        uplink("app-a", 2),
        uplink("app-c", 3),
        uplink("app-a", 4),
    ];
    assert_eq!(core.publish(batch), 0);

    for want in [2, 4] {
        let msg = timeout(WAIT, stream.message())
            .await
            .expect("in time")
            .expect("ok")
            .expect("item");
        match msg.item {
            Some(Item::Uplink(u)) => {
                assert_eq!((u.application_id.as_str(), u.fcnt), ("app-a", want));
                assert_eq!(u.frm_payload, want.to_be_bytes());
                assert_eq!(u.dev_addr, [0x26, 0x01, 0x1B, 0xDA]);
                assert_eq!(u.dev_eui, 0x70B3_D57E_D000_0001u64.to_be_bytes());
                assert_eq!(u.settings.map(|s| s.frequency_hz), Some(868_100_000));
            }
            other => panic!("expected an uplink, got {other:?}"),
        }
    }
    core.stop();
}
