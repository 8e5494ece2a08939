//! What the downlink path tells the application and the metrics: the [`ApplicationDownlink`]
//! of a queue item at each step, the ACK/NACK of a confirmed downlink, and the labels of skips
//! and failures.

use crate::application::event::{ApplicationDownlink, ApplicationEvent, DownlinkTx};
use crate::metrics::downlink::{FailLabel, SkipLabel};
use crate::network::Session;
use crate::network::downlink::{AckEvent, FailureReason, NoDownlink, QueueItem, ScheduledDownlink};
use crate::worker::EventSink;

pub(super) fn event_of(s: &Session, item: &QueueItem, fcnt: Option<u32>) -> ApplicationDownlink {
    ApplicationDownlink {
        application_id: s.application_id.clone(),
        device_id: s.device_id.clone(),
        dev_eui: s.dev_eui,
        dev_addr: s.dev_addr,
        id: item.id.0,
        fport: Some(item.fport),
        confirmed: item.confirmed,
        fcnt,
        tx: None,
        reason: None,
    }
}

pub(super) fn tx_of(d: &ScheduledDownlink) -> DownlinkTx {
    DownlinkTx {
        gateway_eui: d.slot.gateway,
        window: d.slot.window.as_str(),
        timestamp_us: d.slot.tmst,
        frequency_hz: d.slot.frequency_hz,
        data_rate: d.slot.data_rate,
    }
}

pub(super) fn skip_label(e: &NoDownlink) -> SkipLabel {
    match e {
        NoDownlink::NoGateway => SkipLabel::NoGateway,
        NoDownlink::TooLate => SkipLabel::TooLate,
        NoDownlink::DutyCycle => SkipLabel::DutyCycle,
        NoDownlink::NoWindow(_) => SkipLabel::NoWindow,
        _ => SkipLabel::Build,
    }
}

pub(super) fn fail_label(r: FailureReason) -> FailLabel {
    match r {
        FailureReason::Gateway(_) => FailLabel::Rejected,
        FailureReason::TooLateForRx2(_) => FailLabel::TooLateForRx2,
        FailureReason::DutyCycle(_) => FailLabel::DutyCycle,
    }
}

pub(super) fn publish_ack(s: &Session, ack: AckEvent, events: &mut impl EventSink) {
    let (id, fcnt, acked) = match ack {
        AckEvent::Acked { id, fcnt } => (id, fcnt, true),
        AckEvent::Nacked { id, fcnt } => (id, fcnt, false),
    };
    let e = ApplicationDownlink {
        application_id: s.application_id.clone(),
        device_id: s.device_id.clone(),
        dev_eui: s.dev_eui,
        dev_addr: s.dev_addr,
        id: id.0,
        fport: None,
        confirmed: true,
        fcnt: Some(fcnt),
        tx: None,
        reason: None,
    };
    events.publish(match acked {
        true => ApplicationEvent::DownlinkAck(e),
        false => ApplicationEvent::DownlinkNack(e),
    });
}
