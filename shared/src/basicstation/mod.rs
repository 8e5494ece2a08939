//! The LoRa Basics Station LNS protocol (Basic Station docs, doc.sm.tc/station/tcproto.html
//! and glossary; Basic Station 2.0.6 `src/s2e.c`, `src/lora.c`, `src/ral.h` as the reference
//! for field names and semantics): JSON text messages in, values out, values in, JSON out. No
//! WebSocket and no clock: the data plane's adapter owns the connection and passes `now`.
//!
//! - `router_info.rs`: discovery on `/router-info`.
//! - `version.rs`, `router_config.rs` (+ `dr_table.rs`, `sx1301.rs`): session set-up.
//! - `uplink.rs` (`updf`, `jreq`, `propdf` and their PHYPayload), `upstream.rs` (parsing),
//!   `dntxed.rs`, `timesync.rs`: station → server.
//! - `downlink.rs` (`dnmsg`), `dnsched.rs`, `downstream.rs`: server → station.
//! - `eui.rs` (ID6 and the other EUI forms), `time.rs` (GPS time, leap seconds, `xtime`),
//!   `json.rs` (the parser seam and an appending writer).
//!
//! An adapter reads a text frame, calls [`parse_upstream`] (borrowing the frame; an uplink
//! costs no allocation), and writes replies with `emit(&mut Vec<u8>)` into a buffer it owns.
//! Every error is a [`BasicStationError`]: `Copy`, allocation-free, naming the field.
//!
//! Deviations from The Things Stack (`pkg/gatewayserver/io/semtechws/lbslns`,
//! `pkg/pfconfig/lbslns`), each following Basic Station's own source instead: undefined `DRs`
//! rows are `[-1,0,0]` (TTS writes `[0,0,0]`, which the station reads as FSK); downlink-only
//! rows carry DNONLY 1; region names are the current ones (`EU868` for TTS's `EU863`); an
//! `updf` with `FPort` -1 and a non-empty `FRMPayload` is rejected (TTS rebuilds it with port
//! 0, which changes the MIC input); discovery answers write plain ID6 without the `router-`/
//! `muxs-` prefixes TTS adds (the station only logs them). See `shared/tests/fixtures/lbs/`.

mod dnsched;
mod dntxed;
mod downlink;
mod downstream;
mod dr_table;
mod error;
mod eui;
mod json;
mod router_config;
mod router_info;
mod sx1301;
mod time;
mod timesync;
mod uplink;
mod upstream;
mod version;

pub use dnsched::{DownlinkSchedule, SchedTime, ScheduleEntry};
pub use dntxed::TxConfirmation;
pub use downlink::{DeviceClass, DnTiming, DownlinkMessage, TxWindow};
pub use downstream::{Downstream, parse_downstream};
pub use dr_table::{DrDef, DrTable};
pub use error::{BasicStationError, JsonErrorKind};
pub use eui::{dash, id6, parse_eui, write_id6};
pub use router_config::{
    Beaconing, RouterConfig, RouterConfigInput, canonical_region, default_channels, station_region,
};
pub use router_info::{RouterInfoRequest, RouterInfoResponse};
pub use sx1301::{
    FskChannel, IfChannel, LoraStdChannel, PlanChannel, RadioConf, RadioPlacement, Sx1301Conf,
};
pub use time::{
    GPS_EPOCH_UNIX_SECS, LEAP_SECONDS, XTime, gps_to_unix_micros, gps_utc_offset,
    secs_to_unix_micros, unix_micros_to_gps, unix_micros_to_secs,
};
pub use timesync::{TimeSyncDown, TimeSyncRequest};
pub use uplink::{
    FOptsBytes, JoinRequestFrame, MAX_PHY_PAYLOAD_LEN, ProprietaryFrame, RadioMeta, UpInfo,
    UplinkDataFrame, mic_from_wire, mic_to_wire,
};
pub use upstream::{Upstream, parse_upstream};
pub use version::Version;
