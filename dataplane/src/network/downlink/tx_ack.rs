//! What a gateway's TX_ACK means for a downlink (Semtech PROTOCOL.TXT v2 §5.5 `txpk_ack`), and
//! the device's acknowledgement of a confirmed downlink (LoRaWAN 1.0.4 §4.3.1.2, 1.1 §4.3.1.2).
//!
//! - `NONE` (or an empty body): the downlink is sent; an unconfirmed item is done, a confirmed
//!   one waits for the device ([`ConfirmedTracker`]).
//! - `TOO_LATE`, `TOO_EARLY`, `COLLISION_PACKET`, `COLLISION_BEACON`, `TX_FREQ`, `TX_POWER`,
//!   `GPS_UNLOCKED` on an RX1 slot: retried in RX2 on the same gateway with the same bytes
//!   when its hand-off deadline has not passed and its sub-band has budget; otherwise, and for
//!   `FULL`/`EMPTY` (the gateway's queue state, which RX2 would not change), a failure.
//! - The frame counter is never given back: it was spent when the frame was handed over
//!   (`design.md`), and a retry resends the same frame, not a new one with the old counter.
//!   A refused slot's time on air is refunded to the duty-cycle ledger.

use super::super::Micros;
use super::ScheduledDownlink;
use super::duty_cycle::DutyCycle;
use super::queue::DownlinkId;
use super::schedule::Window;
use shared::region::RegionId;
use shared::semtech_udp::TxError;

/// Why a downlink finally failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureReason {
    /// The gateway refused it and no retry was possible (RX2 refused, or not retryable).
    Gateway(TxError),
    /// RX1 was refused and RX2's hand-off deadline has passed.
    TooLateForRx2(TxError),
    /// RX1 was refused and RX2's sub-band has no duty-cycle budget left.
    DutyCycle(TxError),
}

/// What to do after a TX_ACK.
#[derive(Debug, Clone, PartialEq)]
pub enum TxAckOutcome {
    /// Transmitted; the downlink is done (confirmed: track it until the device answers).
    Sent(ScheduledDownlink),
    /// Hand this RX2 version to the gateway now.
    RetryRx2(ScheduledDownlink),
    /// Failed: report to the application.
    Failed {
        /// The downlink, with its item.
        downlink: ScheduledDownlink,
        /// Why.
        reason: FailureReason,
    },
}

/// Whether a refusal of an RX1 slot is worth a retry in RX2.
pub fn retryable(e: TxError) -> bool {
    matches!(
        e,
        TxError::TooLate
            | TxError::TooEarly
            | TxError::CollisionPacket
            | TxError::CollisionBeacon
            | TxError::TxFreq
            | TxError::TxPower
            | TxError::GpsUnlocked
    )
}

/// Handles the TX_ACK for `sent` (`error` `None` or `Some(TxError::None)`: accepted).
pub fn handle_tx_ack(
    now: Micros,
    region: RegionId,
    sent: ScheduledDownlink,
    error: Option<TxError>,
    duty: &mut DutyCycle,
) -> TxAckOutcome {
    let e = match error {
        None | Some(TxError::None) => return TxAckOutcome::Sent(sent),
        Some(e) => e,
    };
    let band = region.band();
    let s = sent.slot;
    duty.refund(s.gateway, band, s.frequency_hz, s.tx_at, s.airtime);
    let fail = |downlink, reason| TxAckOutcome::Failed { downlink, reason };
    let rx2 = match (s.window, sent.rx2_fallback) {
        (Window::Rx1, Some(rx2)) if retryable(e) => rx2,
        _ => return fail(sent, FailureReason::Gateway(e)),
    };
    if now > rx2.deadline {
        return fail(sent, FailureReason::TooLateForRx2(e));
    }
    if duty
        .record(rx2.gateway, band, rx2.frequency_hz, rx2.tx_at, rx2.airtime)
        .is_err()
    {
        return fail(sent, FailureReason::DutyCycle(e));
    }
    TxAckOutcome::RetryRx2(ScheduledDownlink {
        slot: rx2,
        rx2_fallback: None,
        ..sent
    })
}

/// A confirmed downlink's fate, decided by the device's next uplink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckEvent {
    /// The next uplink had ACK set.
    Acked {
        /// The item.
        id: DownlinkId,
        /// The downlink's FCnt.
        fcnt: u32,
    },
    /// The next uplink came without ACK: the device missed it.
    Nacked {
        /// The item.
        id: DownlinkId,
        /// The downlink's FCnt.
        fcnt: u32,
    },
}

/// The confirmed downlink a device has been sent and not yet answered (at most one: class A
/// devices acknowledge in their next uplink).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConfirmedTracker {
    pending: Option<(DownlinkId, u32)>,
}

impl ConfirmedTracker {
    /// Records a sent downlink; only a confirmed one with an item is tracked. Returns the
    /// previous one if it was never answered (reported as not acknowledged).
    pub fn sent(&mut self, d: &ScheduledDownlink) -> Option<AckEvent> {
        let (true, Some(item)) = (d.confirmed, d.item.as_ref()) else {
            return None;
        };
        self.pending
            .replace((item.id, d.fcnt))
            .map(|(id, fcnt)| AckEvent::Nacked { id, fcnt })
    }

    /// The device's next accepted uplink, with its FCtrl.ACK.
    pub fn on_uplink(&mut self, ack: bool) -> Option<AckEvent> {
        let (id, fcnt) = self.pending.take()?;
        Some(match ack {
            true => AckEvent::Acked { id, fcnt },
            false => AckEvent::Nacked { id, fcnt },
        })
    }

    /// The downlink awaiting the device's ACK.
    pub fn pending(&self) -> Option<(DownlinkId, u32)> {
        self.pending
    }

    /// Gives up waiting for the ACK of the downlink with `fcnt` (class B/C ACK timeout):
    /// reported not acknowledged; `None` if it was answered or replaced meanwhile.
    pub fn expire(&mut self, fcnt: u32) -> Option<AckEvent> {
        let (id, f) = self.pending.filter(|(_, f)| *f == fcnt)?;
        self.pending = None;
        Some(AckEvent::Nacked { id, fcnt: f })
    }
}
