//! Downlinks, sans-IO: class A below; class B ([`class_b`], [`ping_slot`], [`beacon`]) and
//! class C ([`class_c`]) reuse its frame building, gateway ranking and duty-cycle ledger and
//! give a [`ScheduledDownlink`] of the same type whose [`SlotTiming`] says how the gateway is
//! told the time (concentrator `tmst`, immediately, or GPS time).
//!
//! Class A downlinks (LoRaWAN 1.0.4 §3.3 "Receive windows", §4; 1.1 §3.3, §4;
//! RP002-1.0.3 "Receive windows" per region): facts about an accepted uplink and `now` in, a
//! [`ScheduledDownlink`] (gateway, concentrator `tmst`, frequency, data rate, power, PHYPayload,
//! window, hand-off deadline) or a typed [`NoDownlink`] out.
//!
//! The steps, in the order [`class_a::schedule_data_downlink`] runs them:
//! 1. [`schedule::windows`]: RX1 (uplink tmst + RxDelay, region RX1 DR offset table, region RX1
//!    frequency rule) and RX2 (session RX2 DR and frequency); JOIN_ACCEPT_DELAY1/2 for joins.
//! 2. [`build::compose`]: what the frame carries (ACK, FPending, MAC bytes in FOpts or on
//!    FPort 0, the head of the [`queue`]) within the smallest max payload of the usable windows,
//!    so the same bytes can be retried in RX2 after a TX_ACK refusal.
//! 3. [`schedule::select`]: the gateway (best SNR margin over the uplink DR's demodulation
//!    floor, able to transmit, in time given its round trip and a margin, inside the
//!    [`duty_cycle`] budget of its sub-band) and the window (RX1 first).
//! 4. [`build::seal`]: spends the frame counter (1.0 FCntDown; 1.1 NFCntDown for FPort 0 or
//!    none, AFCntDown for application ports), encrypts FRMPayload and 1.1 FOpts, writes the MIC
//!    (1.1: ConfFCnt of the acknowledged uplink).
//! 5. [`txpk`]: the Semtech UDP PULL_RESP for it; [`tx_ack`]: what the gateway's TX_ACK means
//!    (sent, retry in RX2, failure) and the confirmed-downlink ACK/NACK on the next uplink.
//!
//! The counter is spent in step 4, when the frame is handed to a gateway, and never reused
//! (`design.md`): a retry in RX2 resends the same bytes; a new frame takes a new counter.
//! [`airtime`] gives LoRa/FSK time on air for duty-cycle accounting.

pub mod airtime;
pub mod beacon;
pub mod build;
pub mod class_a;
pub mod class_b;
pub mod class_c;
pub mod duty_cycle;
pub mod ping_slot;
pub mod queue;
pub mod schedule;
pub mod tx_ack;
pub mod txpk;

pub use beacon::GpsTime;
pub use build::{BuildError, FCntKind, FrameCounters, FrameSpec, SessionCrypto};
pub use class_a::{DataDownlinkInput, schedule_data_downlink, schedule_join_accept};
pub use class_b::{ClassBInput, PingSlotSettings, schedule_class_b};
pub use class_c::{ClassCInput, ClassCWait, schedule_class_c};
pub use duty_cycle::{DutyCycle, DutyCycleConfig, DutyCycleError};
pub use queue::{DownlinkId, DownlinkQueue, QueueError, QueueItem};
pub use schedule::{
    Reception, RxSettings, ScheduleConfig, Slot, SlotTiming, UplinkFacts, UplinkKind, Window,
    WindowParams,
};
pub use tx_ack::{AckEvent, ConfirmedTracker, FailureReason, TxAckOutcome, handle_tx_ack};
pub use txpk::{emit_pull_resp, to_txpk};

use super::Micros;
use shared::semtech_udp::Payload;

/// A downlink ready to hand to a gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledDownlink {
    /// Where and when it goes out: gateway, window, tmst, frequency, DR, power, deadline.
    pub slot: Slot,
    /// The RX2 slot on the same gateway to retry in after a TX_ACK refusal of an RX1 slot.
    pub rx2_fallback: Option<Slot>,
    /// The PHYPayload, encrypted and MIC'd.
    pub phy_payload: Payload,
    /// The frame counter it spent (full 32 bits).
    pub fcnt: u32,
    /// Which counter that was.
    pub counter: FCntKind,
    /// Confirmed data down.
    pub confirmed: bool,
    /// The queue item it carries, taken off the queue (done on TX_ACK, or on the device's
    /// ACK when confirmed).
    pub item: Option<QueueItem>,
}

impl ScheduledDownlink {
    /// Latest instant to hand it to the gateway.
    pub fn deadline(&self) -> Micros {
        self.slot.deadline
    }
}

/// Why nothing is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoDownlink {
    /// No ACK owed, no MAC command, empty queue, nothing forced.
    #[error("nothing to send")]
    NothingToSend,
    /// The uplink's data rate or channel gives no RX1 and the RX2 settings are invalid.
    #[error("no receive window: {0}")]
    NoWindow(schedule::WindowError),
    /// No receiving gateway is able to transmit.
    #[error("no gateway able to transmit")]
    NoGateway,
    /// Every window's hand-off deadline has passed.
    #[error("too late for every receive window")]
    TooLate,
    /// Every usable gateway and window is out of duty-cycle budget.
    #[error("duty cycle exhausted")]
    DutyCycle,
    /// The frame could not be built (counter exhausted, MAC too long, no AppSKey, too large).
    #[error("frame: {0}")]
    Build(#[from] BuildError),
    /// Class B: none of the gateways that heard the device keeps GPS time.
    #[error("no gateway with GPS time for a ping slot")]
    NoGpsGateway,
    /// Class B: no ping slot (periodicity above 7, no ping-slot channel in the region).
    #[error("no ping slot")]
    NoPingSlot,
}

impl NoDownlink {
    /// A short label for metrics (`downlink_skipped_total{reason=…}`).
    pub fn label(&self) -> &'static str {
        match self {
            Self::NothingToSend => "nothing_to_send",
            Self::NoWindow(_) => "no_window",
            Self::NoGateway => "no_gateway",
            Self::TooLate => "too_late",
            Self::DutyCycle => "duty_cycle",
            Self::Build(e) => e.label(),
            Self::NoGpsGateway => "no_gps_gateway",
            Self::NoPingSlot => "no_ping_slot",
        }
    }
}
