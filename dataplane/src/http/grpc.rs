//! The gRPC server stream of application events (tonic, `proto/events.proto`): the same
//! [`Subscription`] as the SSE and WebSocket routes, as typed protobuf messages.

use std::{future::Future, pin::Pin};

use futures_util::Stream;
use tokio::net::TcpListener;
use tonic::{Request, Response, Status, transport::server::TcpIncoming};

use super::events::valid_application_id;
use crate::{
    application::event::{
        ApplicationDownlink, ApplicationEvent, ApplicationUplink, RadioSettings, RxMetadata,
    },
    events::{HubHandle, SubscribeError, Subscription, SubscriptionItem},
};

/// Code generated from `proto/events.proto` (package `dataplane.events.v1`).
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod proto {
    tonic::include_proto!("dataplane.events.v1");
}

use proto::{
    StreamItem, StreamRequest,
    application_events_server::{ApplicationEvents, ApplicationEventsServer},
    stream_item::Item,
};

/// The `ApplicationEvents` service over the events hub.
#[derive(Debug, Clone)]
pub struct EventsService {
    hub: HubHandle,
}

impl EventsService {
    /// A service subscribing through `hub`.
    pub fn new(hub: HubHandle) -> Self {
        Self { hub }
    }
}

/// The stream answered to `Stream`.
pub type ItemStream = Pin<Box<dyn Stream<Item = Result<StreamItem, Status>> + Send>>;

#[tonic::async_trait]
impl ApplicationEvents for EventsService {
    type StreamStream = ItemStream;

    async fn stream(
        &self,
        request: Request<StreamRequest>,
    ) -> Result<Response<ItemStream>, Status> {
        let id = request.into_inner().application_id;
        if !valid_application_id(&id) {
            return Err(Status::invalid_argument("invalid application id"));
        }
        let sub = self.hub.subscribe(&id).map_err(|e| match e {
            SubscribeError::TooManySubscribers => {
                Status::resource_exhausted("too many subscribers")
            }
            _ => Status::unavailable("events hub closed"),
        })?;
        let stream = futures_util::stream::unfold(sub, |mut sub: Subscription| async move {
            let item = sub.recv().await?;
            Some((Ok(to_proto(&item)), sub))
        });
        Ok(Response::new(Box::pin(stream)))
    }
}

/// Serves the gRPC API on `listener` until `shutdown` resolves.
pub async fn serve_grpc(
    listener: TcpListener,
    hub: HubHandle,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    tonic::transport::Server::builder()
        .serve_with_incoming_shutdown(
            ApplicationEventsServer::new(EventsService::new(hub)),
            TcpIncoming::from(listener),
            shutdown,
        )
        .await
}

/// The protobuf form of a subscription item.
pub fn to_proto(item: &SubscriptionItem) -> StreamItem {
    let item = match item {
        SubscriptionItem::Lagged(missed) => Item::Lagged(proto::Lagged { missed: *missed }),
        SubscriptionItem::Event(e) => match &e.event {
            ApplicationEvent::Uplink(u) => Item::Uplink(uplink(u)),
            ApplicationEvent::DownlinkQueued(d) => Item::DownlinkQueued(downlink(d)),
            ApplicationEvent::DownlinkSent(d) => Item::DownlinkSent(downlink(d)),
            ApplicationEvent::DownlinkFailed(d) => Item::DownlinkFailed(downlink(d)),
            ApplicationEvent::DownlinkAck(d) => Item::DownlinkAck(downlink(d)),
            ApplicationEvent::DownlinkNack(d) => Item::DownlinkNack(downlink(d)),
        },
    };
    StreamItem { item: Some(item) }
}

fn uplink(u: &ApplicationUplink) -> proto::ApplicationUplink {
    let RadioSettings {
        frequency_hz,
        spreading_factor,
        bandwidth_hz,
        bit_rate,
    } = u.settings;
    proto::ApplicationUplink {
        application_id: u.application_id.clone(),
        device_id: u.device_id.clone(),
        dev_eui: u
            .dev_eui
            .map(|e| e.to_be_bytes().to_vec())
            .unwrap_or_default(),
        dev_addr: u.dev_addr.to_be_bytes().to_vec(),
        fcnt: u.fcnt,
        fport: u32::from(u.fport),
        frm_payload: u.frm_payload.clone(),
        frm_payload_encrypted: u.frm_payload_encrypted,
        confirmed: u.confirmed,
        settings: Some(proto::RadioSettings {
            frequency_hz,
            spreading_factor: u32::from(spreading_factor),
            bandwidth_hz,
            bit_rate,
        }),
        rx_metadata: u.rx_metadata.iter().map(rx_metadata).collect(),
        received_at_ms: u.received_at_ms,
    }
}

fn downlink(d: &ApplicationDownlink) -> proto::ApplicationDownlink {
    proto::ApplicationDownlink {
        application_id: d.application_id.clone(),
        device_id: d.device_id.clone(),
        dev_eui: d
            .dev_eui
            .map(|e| e.to_be_bytes().to_vec())
            .unwrap_or_default(),
        dev_addr: d.dev_addr.to_be_bytes().to_vec(),
        id: d.id,
        fport: d.fport.map(u32::from),
        confirmed: d.confirmed,
        fcnt: d.fcnt,
        tx: d.tx.map(|t| proto::DownlinkTx {
            gateway_eui: t.gateway_eui.to_be_bytes().to_vec(),
            window: t.window.to_owned(),
            timestamp_us: t.timestamp_us,
            frequency_hz: t.frequency_hz,
            data_rate: u32::from(t.data_rate),
        }),
        reason: d.reason.clone().unwrap_or_default(),
    }
}

fn rx_metadata(m: &RxMetadata) -> proto::RxMetadata {
    proto::RxMetadata {
        gateway_eui: m.gateway_eui.to_be_bytes().to_vec(),
        timestamp_us: m.timestamp_us,
        gps_time_ms: m.gps_time_ms,
        fine_timestamp_ns: m.fine_timestamp_ns,
        rssi_dbm: m.rssi_dbm,
        snr_db: m.snr_db,
        channel: m.channel.map(u32::from),
        rf_chain: m.rf_chain.map(u32::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_notice_maps_to_lagged() {
        let item = to_proto(&SubscriptionItem::Lagged(9));
        assert_eq!(item.item, Some(Item::Lagged(proto::Lagged { missed: 9 })));
    }
}
