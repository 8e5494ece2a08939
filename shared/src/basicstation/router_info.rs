//! Discovery (Basic Station docs "The LNS Protocol" §Querying the LNS, `src/tc.c`): the station
//! opens `/router-info`, sends `{"router": <EUI>}` and reads `{"router","muxs","uri"}` or
//! `{"router","error"}` back, then connects to `uri` for traffic. The station writes its EUI in
//! ID6 form; other forms (dash, plain hex, integer) are accepted as TTS does.

use super::BasicStationError;
use super::eui::{EuiField, id6};
use super::json::{ObjectWriter, from_slice, req};
use crate::types::Eui64;
use serde::Deserialize;
use std::borrow::Cow;

/// `{"router": <EUI>}` from a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouterInfoRequest {
    /// The station's EUI.
    pub router: Eui64,
}

#[derive(Deserialize)]
struct RequestJson {
    router: Option<EuiField>,
}

impl RouterInfoRequest {
    /// Parses the request; unknown fields are ignored.
    pub fn parse(text: &[u8]) -> Result<Self, BasicStationError> {
        let j: RequestJson = from_slice(text)?;
        Ok(Self {
            router: req(j.router, "router")?.get("router")?,
        })
    }

    /// Appends the request (as a station writes it: the EUI in ID6 form).
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut w = ObjectWriter::begin(out);
        w.plain_str("router", &id6(self.router));
        w.end();
    }
}

/// The server's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouterInfoResponse<'a> {
    /// Where to connect for traffic.
    Ok {
        /// The station's EUI, echoed.
        router: Eui64,
        /// The traffic server's id (Basic Station only logs it; TTS sends zero).
        muxs: Eui64,
        /// WebSocket URI of the traffic endpoint (`wss://host:8887/traffic/eui-…`).
        uri: Cow<'a, str>,
    },
    /// Discovery failed; `error` is shown in the station log.
    Error {
        /// The station's EUI, echoed (zero when the request had none).
        router: Eui64,
        /// Human-readable reason.
        error: Cow<'a, str>,
    },
}

#[derive(Deserialize)]
struct ResponseJson<'a> {
    router: Option<EuiField>,
    muxs: Option<EuiField>,
    #[serde(borrow)]
    uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error: Option<Cow<'a, str>>,
}

impl<'a> RouterInfoResponse<'a> {
    /// Appends the response; EUIs in ID6 form as the station's own tools write them.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut w = ObjectWriter::begin(out);
        match self {
            Self::Ok { router, muxs, uri } => {
                w.plain_str("router", &id6(*router));
                w.plain_str("muxs", &id6(*muxs));
                w.str("uri", uri);
            }
            Self::Error { router, error } => {
                w.plain_str("router", &id6(*router));
                w.str("error", error);
            }
        }
        w.end();
    }

    /// Parses a response (what a simulated station reads).
    pub fn parse(text: &'a [u8]) -> Result<Self, BasicStationError> {
        let j: ResponseJson<'a> = from_slice(text)?;
        let router = j.router.map_or(Ok(Eui64::default()), |e| e.get("router"))?;
        if let Some(error) = j.error {
            return Ok(Self::Error { router, error });
        }
        Ok(Self::Ok {
            router,
            muxs: j.muxs.map_or(Ok(Eui64::default()), |e| e.get("muxs"))?,
            uri: req(j.uri, "uri")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_forms() {
        let want = Eui64::from_u64(0xb827_ebff_fe61_51ab);
        let cases: [(&str, &[u8]); 5] = [
            ("id6", br#"{"router":"b827:ebff:fe61:51ab"}"#),
            ("dash", br#"{"router":"b8-27-eb-ff-fe-61-51-ab"}"#),
            ("plain hex", br#"{"router":"b827ebfffe6151ab","extra":1}"#),
            ("integer", br#"{"router":13269834311787434411}"#),
            (
                "prefixed id6",
                br#"{"router":"router-b827:ebff:fe61:51ab"}"#,
            ),
        ];
        for (name, text) in cases {
            assert_eq!(
                RouterInfoRequest::parse(text),
                Ok(RouterInfoRequest { router: want }),
                "{name}"
            );
        }
        // TTS ws_test.go TestDiscover: empty query and a misspelt key carry no EUI.
        for text in [&b"{}"[..], br#"{"route":"01-02-03-04-05-06-07-08"}"#] {
            assert_eq!(
                RouterInfoRequest::parse(text),
                Err(BasicStationError::MissingField("router"))
            );
        }
        for text in [
            &br#"{"router":"01-02-03-04-05-06-07-08-09"}"#[..],
            br#"{"router":"01:02:03:04:05:06:07:08:09"}"#,
            br#"{"router":"01:02:03:04:05:06:07-08"}"#,
        ] {
            assert_eq!(
                RouterInfoRequest::parse(text),
                Err(BasicStationError::InvalidEui("router"))
            );
        }
    }

    #[test]
    fn response_shapes() {
        let r = RouterInfoResponse::Ok {
            router: Eui64::from_u64(0x1111_1111_1111_1111),
            muxs: Eui64::default(),
            uri: "wss://thethings.example.com:8887/traffic/eui-1111111111111111".into(),
        };
        let mut out = Vec::new();
        r.emit(&mut out);
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"router":"1111:1111:1111:1111","muxs":"::0","uri":"wss://thethings.example.com:8887/traffic/eui-1111111111111111"}"#
        );
        assert_eq!(RouterInfoResponse::parse(&out).unwrap(), r);
        // TTS's form of the same answer (discover_test.go) prefixes the ids; it parses alike.
        let tts = br#"{"router":"router-1111:1111:1111:1111","muxs":"muxs-::0","uri":"wss://thethings.example.com:8887/traffic/eui-1111111111111111"}"#;
        assert_eq!(RouterInfoResponse::parse(tts).unwrap(), r);
        let e = RouterInfoResponse::Error {
            router: Eui64::default(),
            error: "Empty router EUI provided".into(),
        };
        out.clear();
        e.emit(&mut out);
        assert_eq!(RouterInfoResponse::parse(&out).unwrap(), e);
    }
}
