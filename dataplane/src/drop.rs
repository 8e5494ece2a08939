//! Why the data plane dropped a datagram, a frame or a copy of one: one enum for every component
//! (gateway ingress, hand-off between cores, network core), each variant one `reason` label of
//! `dataplane_drops_total` and one slot of the counters.

/// Where the cause of a drop lies, as Pingora's `ErrorSource`: decides who must act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropSource {
    /// The frame or its sender (bad bytes, forgery, replay, late copy): nothing to fix here.
    Uplink,
    /// A bound of this core was reached (memory caps): capacity planning.
    Capacity,
    /// Session or region data the core needs is missing or incomplete: provisioning.
    Config,
}

/// Why an uplink copy or a closed uplink was dropped. Each variant is one metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum DropReason {
    /// The gateway is not registered.
    #[error("gateway not registered")]
    UnknownGateway,
    /// The gateway reported the frame's CRC as failed (or absent).
    #[error("frame CRC failed")]
    CrcFailed,
    /// A packet kind a gateway must not send (Semtech UDP PUSH_ACK, PULL_ACK, PULL_RESP).
    #[error("unexpected packet kind from a gateway")]
    UnexpectedPacket,
    /// A frame kind this data plane does not handle yet (rejoin requests, proprietary).
    #[error("frame kind not handled")]
    UnhandledKind,
    /// The ring to the frame's owner core was full.
    #[error("ring to owner core full")]
    RingFull,
    /// Not a well-formed frame (or datagram) (`shared::lorawan::DataFrame::parse` failed or the
    /// PHYPayload is longer than 255 bytes).
    #[error("frame does not parse")]
    Parse,
    /// A well-formed frame that is not a data uplink (downlink, join, proprietary) reached the
    /// data-uplink path.
    #[error("not a data uplink")]
    NotDataUplink,
    /// No session on this core has the frame's DevAddr.
    #[error("no session for DevAddr")]
    UnknownDevAddr,
    /// The MIC (1.1: the FNwkSIntKey half) matches under no candidate session: a forgery or
    /// noise. Nothing is reset.
    #[error("MIC matches no session")]
    MicMismatch,
    /// LoRaWAN 1.1: the FNwkSIntKey half matched but the SNwkSIntKey half did not (wrong
    /// ConfFCnt, TxDr or TxCh, or a forgery).
    #[error("1.1 SNwkSIntKey MIC half mismatch")]
    MicSMismatch,
    /// The MIC matches an FCnt below the last accepted one: a replayed frame.
    #[error("frame counter replay")]
    Replay,
    /// The MIC matches the last accepted FCnt: a retransmission (NbTrans) on another channel
    /// or data rate, already handled.
    #[error("retransmission of the last accepted frame")]
    Retransmission,
    /// A session insert refused: its DevAddr already has the maximum number of sessions.
    #[error("too many sessions share the DevAddr")]
    TooManyCandidates,
    /// A copy arrived after its uplink's dedup window closed, within the cooldown.
    #[error("copy arrived after the dedup window")]
    DedupLate,
    /// The dedup table is at its cap of entries, all with open windows.
    #[error("dedup table full")]
    DedupFull,
    /// LoRaWAN 1.1: the uplink's modulation is no data rate of the session's region, so the
    /// S half of the MIC (TxDr) cannot be checked.
    #[error("uplink modulation is no data rate of the region")]
    UnknownDataRate,
    /// LoRaWAN 1.1: the uplink's frequency is none of the session's channels, so the S half of
    /// the MIC (TxCh) cannot be checked.
    #[error("uplink frequency is no channel of the session")]
    UnknownChannel,
    /// A join-request arrived and no control plane (Join Server) is configured.
    #[error("no join server configured")]
    NoJoinServer,
    /// The queue of join-requests waiting for the Join Server (or of joins awaiting their
    /// answer) is full.
    #[error("join queue full")]
    JoinQueueFull,
    /// A rejoin-request of type 0 or 2 names a DevEUI with no LoRaWAN 1.1 session here.
    #[error("rejoin-request without a session")]
    RejoinNoSession,
    /// A rejoin-request of type 0 or 2 whose RJcount0 is not above the last accepted.
    #[error("rejoin-request replayed")]
    RejoinReplay,
}

impl DropReason {
    /// Every reason, in declaration order (also the counter index order).
    pub const ALL: [DropReason; 21] = [
        Self::UnknownGateway,
        Self::CrcFailed,
        Self::UnexpectedPacket,
        Self::UnhandledKind,
        Self::RingFull,
        Self::Parse,
        Self::NotDataUplink,
        Self::UnknownDevAddr,
        Self::MicMismatch,
        Self::MicSMismatch,
        Self::Replay,
        Self::Retransmission,
        Self::TooManyCandidates,
        Self::DedupLate,
        Self::DedupFull,
        Self::UnknownDataRate,
        Self::UnknownChannel,
        Self::NoJoinServer,
        Self::JoinQueueFull,
        Self::RejoinNoSession,
        Self::RejoinReplay,
    ];

    /// Number of reasons.
    pub const COUNT: usize = Self::ALL.len();

    /// The metric label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UnknownGateway => "unknown_gateway",
            Self::CrcFailed => "crc_failed",
            Self::UnexpectedPacket => "unexpected_packet",
            Self::UnhandledKind => "unhandled_kind",
            Self::RingFull => "ring_full",
            Self::Parse => "parse",
            Self::NotDataUplink => "not_data_uplink",
            Self::UnknownDevAddr => "unknown_dev_addr",
            Self::MicMismatch => "mic_mismatch",
            Self::MicSMismatch => "mic_s_mismatch",
            Self::Replay => "replay",
            Self::Retransmission => "retransmission",
            Self::TooManyCandidates => "too_many_candidates",
            Self::DedupLate => "dedup_late",
            Self::DedupFull => "dedup_full",
            Self::UnknownDataRate => "unknown_data_rate",
            Self::UnknownChannel => "unknown_channel",
            Self::NoJoinServer => "no_join_server",
            Self::JoinQueueFull => "join_queue_full",
            Self::RejoinNoSession => "rejoin_no_session",
            Self::RejoinReplay => "rejoin_replay",
        }
    }

    /// Where the cause lies.
    pub const fn source(self) -> DropSource {
        match self {
            Self::TooManyCandidates | Self::DedupFull | Self::RingFull | Self::JoinQueueFull => {
                DropSource::Capacity
            }
            Self::UnknownDataRate | Self::UnknownChannel | Self::NoJoinServer => DropSource::Config,
            _ => DropSource::Uplink,
        }
    }

    /// Position in [`DropReason::ALL`] and in the counter array.
    pub const fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unique_snake_case_and_indexed_in_order() {
        for (i, r) in DropReason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i, "{r:?}");
            let s = r.as_str();
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s}"
            );
            assert_eq!(
                DropReason::ALL.iter().filter(|o| o.as_str() == s).count(),
                1,
                "{s}"
            );
        }
    }

    #[test]
    fn sources_by_table() {
        let cases = [
            (
                "forgery is the uplink's",
                DropReason::MicMismatch,
                DropSource::Uplink,
            ),
            (
                "late copy is the uplink's",
                DropReason::DedupLate,
                DropSource::Uplink,
            ),
            (
                "full table is capacity",
                DropReason::DedupFull,
                DropSource::Capacity,
            ),
            (
                "unknown channel is config",
                DropReason::UnknownChannel,
                DropSource::Config,
            ),
        ];
        for (name, r, want) in cases {
            assert_eq!(r.source(), want, "{name}");
        }
    }
}
