//! The `version` message a station sends first on the traffic connection (Basic Station docs
//! "The LNS Protocol" §Connecting to the LNS): its version strings, the protocol version and a
//! space-separated feature list (`prod` marks a production build, which ignores the debug
//! flags `nocca`, `nodc`, `nodwell` of router_config).

use super::BasicStationError;
use super::json::ObjectWriter;
use std::borrow::Cow;

/// `{"msgtype":"version", …}`; every field is optional on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Version<'a> {
    /// Station version (`station`).
    pub station: Option<Cow<'a, str>>,
    /// Firmware version (`firmware`).
    pub firmware: Option<Cow<'a, str>>,
    /// Package version (`package`).
    pub package: Option<Cow<'a, str>>,
    /// Platform / model (`model`).
    pub model: Option<Cow<'a, str>>,
    /// Protocol version (`protocol`, 2 for current stations).
    pub protocol: Option<u32>,
    /// Space-separated features (`features`, e.g. `"rmtsh gps prod"`).
    pub features: Option<Cow<'a, str>>,
}

impl Version<'_> {
    /// Whether the station is a production build (`prod` among the features).
    pub fn is_production(&self) -> bool {
        self.has_feature("prod")
    }

    /// Whether `name` is one of the space-separated features.
    pub fn has_feature(&self, name: &str) -> bool {
        self.features
            .as_deref()
            .is_some_and(|f| f.split_ascii_whitespace().any(|x| x == name))
    }

    /// Appends the message.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), BasicStationError> {
        let mut w = ObjectWriter::message(out, "version");
        for (k, v) in [
            ("station", &self.station),
            ("firmware", &self.firmware),
            ("package", &self.package),
            ("model", &self.model),
        ] {
            if let Some(v) = v {
                w.str(k, v);
            }
        }
        w.opt_int("protocol", self.protocol);
        if let Some(v) = &self.features {
            w.str("features", v);
        }
        w.end();
        Ok(())
    }
}
