//! Event streams for one application: Server-Sent Events and WebSocket, both reading one
//! [`Subscription`] each and writing [`SubscriptionItem::json`].

use std::convert::Infallible;

use axum::{
    extract::{
        Path, State,
        ws::{Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection},
    },
    http::StatusCode,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};

use super::{ApiState, error};
use crate::events::{SubscribeError, Subscription, SubscriptionItem};

/// Whether `id` is an application identifier as The Things Stack spells them: 3–36 lowercase
/// letters and digits, single dashes allowed between them.
pub fn valid_application_id(id: &str) -> bool {
    let b = id.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    (3..=36).contains(&b.len())
        && b.first().is_some_and(alnum)
        && b.last().is_some_and(alnum)
        && b.iter().all(|c| alnum(c) || *c == b'-')
        && !id.contains("--")
}

/// Validates the id and subscribes, or says why not.
fn subscribe(
    state: &ApiState,
    application_id: &str,
) -> Result<Subscription, (StatusCode, &'static str)> {
    if !valid_application_id(application_id) {
        return Err((StatusCode::BAD_REQUEST, "invalid application id"));
    }
    state.hub.subscribe(application_id).map_err(|e| match e {
        SubscribeError::TooManySubscribers => {
            (StatusCode::SERVICE_UNAVAILABLE, "too many subscribers")
        }
        _ => (StatusCode::SERVICE_UNAVAILABLE, "events hub closed"),
    })
}

/// `GET …/events`: Server-Sent Events, one `data:` JSON object per item.
pub(super) async fn sse(
    State(state): State<ApiState>,
    Path(application_id): Path<String>,
) -> Response {
    let sub = match subscribe(&state, &application_id) {
        Ok(sub) => sub,
        Err((status, message)) => return error(status, message),
    };
    let stream = futures_util::stream::unfold(sub, |mut sub| async move {
        let item = sub.recv().await?;
        Some((Ok::<_, Infallible>(Event::default().data(item.json())), sub))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// `GET …/events/ws`: a WebSocket sending one JSON text message per item.
pub(super) async fn websocket(
    State(state): State<ApiState>,
    Path(application_id): Path<String>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    // The upgrade is checked first so a refused handshake never holds a subscription.
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    match subscribe(&state, &application_id) {
        Ok(sub) => upgrade.on_upgrade(move |socket| session(socket, sub)),
        Err((status, message)) => error(status, message),
    }
}

/// Forwards the subscription until either side ends; the client's messages are ignored (pings
/// are answered by the WebSocket layer).
async fn session(mut socket: WebSocket, mut sub: Subscription) {
    loop {
        tokio::select! {
            item = sub.recv() => {
                let Some(item) = item else {
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                };
                let text = item_text(&item);
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            msg = socket.recv() => match msg {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

fn item_text(item: &SubscriptionItem) -> String {
    item.json().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_ids() {
        let cases = [
            ("plain", "app1", true),
            ("dashes", "my-app-01", true),
            ("shortest", "abc", true),
            ("longest", "a23456789012345678901234567890123456", true),
            ("too short", "ab", false),
            ("too long", "a234567890123456789012345678901234567", false),
            ("upper case", "App1", false),
            ("leading dash", "-app", false),
            ("trailing dash", "app-", false),
            ("double dash", "my--app", false),
            ("underscore", "my_app", false),
            ("non-ascii", "äpp1", false),
            ("empty", "", false),
        ];
        for (name, id, want) in cases {
            assert_eq!(valid_application_id(id), want, "{name}: {id:?}");
        }
    }
}
