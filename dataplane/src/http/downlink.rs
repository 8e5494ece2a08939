//! `POST /api/v1/applications/{application_id}/devices/{device_id}/down/push`: puts one
//! application downlink into the device's queue on the core that owns it.
//!
//! Body: `{"f_port": 1, "frm_payload": "<base64>", "confirmed": false}` (`confirmed` optional,
//! unknown fields refused). Answers `202 {"id": "<queue item id>"}`; `400` with
//! `{"error": "invalid request", "fields": {"<field>": "<why>"}}` naming every bad field;
//! `404` for a device no core holds; `409` when its queue is full; `503` when the cores do not
//! answer. What becomes of the item is told on the events stream (`downlink_queued`,
//! `downlink_sent`, `downlink_failed`, `downlink_ack`, `downlink_nack`).

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use serde_json::{Map, Value};

use super::{ApiState, error, valid_application_id};
use crate::application::queue::{PushError, PushRequest};
use crate::network::downlink::QueueError;
use crate::network::downlink::queue::MAX_FRM_PAYLOAD;

fn json(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Parses and validates the body; the error maps each bad field to why.
pub fn parse_push(body: &[u8]) -> Result<(u8, Vec<u8>, bool), Map<String, Value>> {
    let mut bad = Map::new();
    let v: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            bad.insert("body".into(), format!("not JSON: {e}").into());
            return Err(bad);
        }
    };
    let Some(obj) = v.as_object() else {
        bad.insert("body".into(), "not a JSON object".into());
        return Err(bad);
    };
    for k in obj.keys() {
        if !matches!(k.as_str(), "f_port" | "frm_payload" | "confirmed") {
            bad.insert(k.clone(), "unknown field".into());
        }
    }
    let fport = match obj.get("f_port").map(Value::as_u64) {
        None => {
            bad.insert("f_port".into(), "required".into());
            None
        }
        Some(Some(p @ 1..=223)) => u8::try_from(p).ok(),
        Some(_) => {
            bad.insert("f_port".into(), "an integer in 1..=223".into());
            None
        }
    };
    let payload = match obj.get("frm_payload") {
        None => {
            bad.insert("frm_payload".into(), "required".into());
            None
        }
        Some(Value::String(s)) => match base64::engine::general_purpose::STANDARD.decode(s) {
            Ok(p) if p.len() <= MAX_FRM_PAYLOAD => Some(p),
            Ok(p) => {
                let why = format!("{} bytes, at most {MAX_FRM_PAYLOAD}", p.len());
                bad.insert("frm_payload".into(), why.into());
                None
            }
            Err(_) => {
                bad.insert("frm_payload".into(), "not base64".into());
                None
            }
        },
        Some(_) => {
            bad.insert("frm_payload".into(), "a base64 string".into());
            None
        }
    };
    let confirmed = match obj.get("confirmed") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            bad.insert("confirmed".into(), "a boolean".into());
            false
        }
    };
    match (fport, payload, bad.is_empty()) {
        (Some(f), Some(p), true) => Ok((f, p, confirmed)),
        _ => Err(bad),
    }
}

/// The push handler.
pub(super) async fn push(
    State(state): State<ApiState>,
    Path((application_id, device_id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if !valid_application_id(&application_id) {
        return error(StatusCode::BAD_REQUEST, "invalid application id");
    }
    if !valid_application_id(&device_id) {
        return error(StatusCode::BAD_REQUEST, "invalid device id");
    }
    let (fport, payload, confirmed) = match parse_push(&body) {
        Ok(p) => p,
        Err(fields) => {
            let body = serde_json::json!({ "error": "invalid request", "fields": fields });
            return json(StatusCode::BAD_REQUEST, body);
        }
    };
    let Some(pushes) = &state.pushes else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "downlinks not served here");
    };
    let request = PushRequest {
        application_id,
        device_id,
        fport,
        payload,
        confirmed,
    };
    match pushes.push(request).await {
        Ok(id) => json(
            StatusCode::ACCEPTED,
            serde_json::json!({ "id": id.to_string() }),
        ),
        Err(PushError::UnknownDevice) => error(StatusCode::NOT_FOUND, "unknown device"),
        Err(PushError::Queue(QueueError::Full(_))) => {
            error(StatusCode::CONFLICT, "downlink queue full")
        }
        Err(e @ PushError::Queue(_)) => error(StatusCode::BAD_REQUEST, &e.to_string()),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parsed push, or the names of the bad fields.
    type Want = Result<(u8, Vec<u8>, bool), &'static [&'static str]>;

    #[test]
    fn bodies_by_table() {
        let cases: &[(&str, &str, Want)] = &[
            (
                "minimal",
                r#"{"f_port":1,"frm_payload":"AQI="}"#,
                Ok((1, vec![1, 2], false)),
            ),
            (
                "confirmed, empty payload",
                r#"{"f_port":223,"frm_payload":"","confirmed":true}"#,
                Ok((223, vec![], true)),
            ),
            (
                "port 0",
                r#"{"f_port":0,"frm_payload":""}"#,
                Err(&["f_port"]),
            ),
            (
                "port 224",
                r#"{"f_port":224,"frm_payload":""}"#,
                Err(&["f_port"]),
            ),
            (
                "port text",
                r#"{"f_port":"1","frm_payload":""}"#,
                Err(&["f_port"]),
            ),
            ("missing both", r#"{}"#, Err(&["f_port", "frm_payload"])),
            (
                "bad base64 and bool",
                r#"{"f_port":1,"frm_payload":"***","confirmed":1}"#,
                Err(&["confirmed", "frm_payload"]),
            ),
            (
                "unknown field",
                r#"{"f_port":1,"frm_payload":"","fport":2}"#,
                Err(&["fport"]),
            ),
            ("not json", "f_port=1", Err(&["body"])),
            ("array", "[1]", Err(&["body"])),
        ];
        for (name, body, want) in cases {
            let got = parse_push(body.as_bytes());
            match (got, want) {
                (Ok(g), Ok(w)) => assert_eq!(&g, w, "{name}"),
                (Err(g), Err(w)) => {
                    let keys: Vec<&str> = g.keys().map(String::as_str).collect();
                    assert_eq!(&keys, w, "{name}");
                }
                (g, w) => panic!("{name}: got {g:?}, want {w:?}"),
            }
        }
        let big = base64::engine::general_purpose::STANDARD.encode([0u8; 243]);
        let body = format!(r#"{{"f_port":1,"frm_payload":"{big}"}}"#);
        assert!(
            parse_push(body.as_bytes())
                .unwrap_err()
                .contains_key("frm_payload")
        );
    }
}
