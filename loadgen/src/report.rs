//! The run's report: one [`Report`] written as `report.json`, `report.md`, `latency.svg`
//! (latency by percentile) and `throughput.svg` (uplinks sent and events received per second).

use crate::svg::{Chart, Series};
use crate::tracker::{MAX_MERGED, MatchCounts, Tracker};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// What was offered.
#[derive(Debug, Clone, Serialize)]
pub struct Setup {
    /// Devices in the fleet.
    pub devices: u32,
    /// Gateways in the fleet.
    pub gateways: u32,
    /// Gateways per uplink, `a..b`.
    pub k: String,
    /// Target rate (`max` or uplinks/s).
    pub rate: String,
    /// Generation time in seconds.
    pub duration_s: f64,
    /// Fraction of confirmed uplinks.
    pub confirmed: f64,
    /// Jitter between copies, ms.
    pub jitter_ms: f64,
    /// Sender threads × sockets each.
    pub threads: usize,
    /// Sockets per sender thread.
    pub sockets: usize,
    /// Semtech UDP target.
    pub target: String,
    /// gRPC events endpoint.
    pub events: String,
}

/// Latency percentiles from first gateway send to event receipt, ms.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Latency {
    /// Events measured.
    pub count: u64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Largest.
    pub max_ms: f64,
    /// Smallest.
    pub min_ms: f64,
    /// Mean.
    pub mean_ms: f64,
}

/// Losses by kind.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Losses {
    /// Uplinks with no application event.
    pub no_event: u64,
    /// Events repeating a delivered uplink.
    pub duplicate_event: u64,
    /// Events for uplinks never sent.
    pub unknown_event: u64,
    /// Events the stream reported lost to this slow consumer (the cause of as many `no_event`).
    pub lagged_event: u64,
    /// PUSH_DATA without PUSH_ACK.
    pub push_ack_missing: u64,
    /// PULL_DATA without PULL_ACK.
    pub pull_ack_missing: u64,
    /// Datagrams the kernel refused to send.
    pub send_errors: u64,
    /// Events that merged fewer gateways than copies were sent (not a loss of the uplink).
    pub merged_fewer: u64,
    /// Events that merged more gateways than copies were sent.
    pub merged_more: u64,
}

impl Losses {
    /// Every kind that means something went missing or doubled, summed (`lagged_event` is left
    /// out: each lagged event is also an uplink with no event).
    pub fn total(&self) -> u64 {
        self.no_event
            + self.duplicate_event
            + self.unknown_event
            + self.push_ack_missing
            + self.pull_ack_missing
            + self.send_errors
    }
}

/// loadgen's own cost.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Cost {
    /// User + system CPU seconds spent by loadgen during the run.
    pub cpu_s: f64,
    /// Of which user space (loadgen's own code).
    pub user_s: f64,
    /// Of which kernel: syscalls, and on loopback the receiver's UDP input path too, which
    /// runs in the sending thread's softirq context.
    pub sys_s: f64,
    /// CPU µs per uplink (all its copies, acks, its event).
    pub cpu_us_per_uplink: f64,
    /// CPU µs per datagram sent.
    pub cpu_us_per_datagram: f64,
    /// Peak resident set, MiB.
    pub max_rss_mib: f64,
}

/// One second of the run.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Second {
    /// Seconds since start (end of the interval).
    pub t: u32,
    /// Uplinks sent in it.
    pub uplinks: u64,
    /// Datagrams sent in it.
    pub datagrams: u64,
    /// Events received in it.
    pub events: u64,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What was offered.
    pub setup: Setup,
    /// Uplinks sent (first copies).
    pub uplinks_sent: u64,
    /// Uplink copies (rxpk) sent.
    pub copies_sent: u64,
    /// Datagrams sent.
    pub datagrams_sent: u64,
    /// Uplinks delivered as events.
    pub events_delivered: u64,
    /// Uplinks sent per second of generation.
    pub uplinks_per_s: f64,
    /// Events received per second of generation.
    pub events_per_s: f64,
    /// Latency.
    pub latency: Latency,
    /// Losses by kind.
    pub losses: Losses,
    /// Events by gateways merged (`[gateways, events]`, non-zero rows).
    pub merged_gateways: Vec<[u64; 2]>,
    /// PULL_RESP received (answered with TX_ACK).
    pub downlinks: u64,
    /// Uplinks the rate asked for that backpressure held back.
    pub throttled: u64,
    /// loadgen's own cost.
    pub cost: Cost,
    /// Per-second series.
    pub per_second: Vec<Second>,
    /// Latency by percentile, `[percentile, ms]`, for plotting.
    pub latency_curve: Vec<[f64; 2]>,
}

/// Latency summary of a tracker's histogram.
pub fn latency(t: &Tracker) -> Latency {
    let h = t.latency_us();
    if h.is_empty() {
        return Latency::default();
    }
    let ms = |v: u64| v as f64 / 1000.0;
    Latency {
        count: h.len(),
        p50_ms: ms(h.value_at_quantile(0.5)),
        p90_ms: ms(h.value_at_quantile(0.9)),
        p99_ms: ms(h.value_at_quantile(0.99)),
        p999_ms: ms(h.value_at_quantile(0.999)),
        max_ms: ms(h.max()),
        min_ms: ms(h.min()),
        mean_ms: h.mean() / 1000.0,
    }
}

/// Latency at percentiles 0..99.99, spaced evenly in "nines".
pub fn latency_curve(t: &Tracker) -> Vec<[f64; 2]> {
    let h = t.latency_us();
    if h.is_empty() {
        return Vec::new();
    }
    (0..=40)
        .map(|i| {
            let q = 1.0 - 10f64.powf(-f64::from(i) / 10.0);
            [q * 100.0, h.value_at_quantile(q) as f64 / 1000.0]
        })
        .collect()
}

/// The merged-gateways table of a tracker.
pub fn merged(t: &Tracker) -> Vec<[u64; 2]> {
    t.merged()
        .iter()
        .enumerate()
        .take(MAX_MERGED + 1)
        .filter(|(_, n)| **n > 0)
        .map(|(g, n)| [g as u64, *n])
        .collect()
}

/// The event-side loss counts of a tracker's counts.
pub fn event_losses(c: MatchCounts) -> Losses {
    Losses {
        no_event: c.no_event,
        duplicate_event: c.duplicate_event,
        unknown_event: c.unknown_event,
        lagged_event: c.lagged_event,
        merged_fewer: c.merged_fewer,
        merged_more: c.merged_more,
        ..Losses::default()
    }
}

impl Report {
    /// Writes the four files into `dir` (created if needed).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("report.json"), json + "\n")?;
        std::fs::write(dir.join("report.md"), self.markdown())?;
        std::fs::write(dir.join("latency.svg"), self.latency_chart().render())?;
        std::fs::write(dir.join("throughput.svg"), self.throughput_chart().render())?;
        Ok(())
    }

    /// The Markdown summary.
    pub fn markdown(&self) -> String {
        let s = &self.setup;
        let (l, x, c) = (&self.latency, &self.losses, &self.cost);
        let mut m = String::new();
        let _ = writeln!(m, "# loadgen report\n");
        let _ = writeln!(
            m,
            "{} devices, {} gateways, k = {}, rate {}, {:.1} s, {:.0} % confirmed, jitter {} ms, {} sender thread(s) × {} socket(s); target {} (events {}).\n",
            s.devices,
            s.gateways,
            s.k,
            s.rate,
            s.duration_s,
            s.confirmed * 100.0,
            s.jitter_ms,
            s.threads,
            s.sockets,
            s.target,
            s.events
        );
        let _ = writeln!(m, "| Throughput | |\n|---|---:|");
        let _ = writeln!(
            m,
            "| uplinks sent | {} ({:.0}/s) |",
            self.uplinks_sent, self.uplinks_per_s
        );
        let _ = writeln!(
            m,
            "| events delivered | {} ({:.0}/s) |",
            self.events_delivered, self.events_per_s
        );
        let _ = writeln!(
            m,
            "| uplink copies / datagrams sent | {} / {} |",
            self.copies_sent, self.datagrams_sent
        );
        let _ = writeln!(m, "| held back by backpressure | {} |", self.throttled);
        let _ = writeln!(
            m,
            "| downlinks (PULL_RESP → TX_ACK) | {} |\n",
            self.downlinks
        );
        let _ = writeln!(
            m,
            "| Latency, first gateway send → event | ms |\n|---|---:|"
        );
        for (k, v) in [
            ("p50", l.p50_ms),
            ("p90", l.p90_ms),
            ("p99", l.p99_ms),
            ("p99.9", l.p999_ms),
            ("max", l.max_ms),
            ("mean", l.mean_ms),
        ] {
            let _ = writeln!(m, "| {k} | {v:.2} |");
        }
        let _ = writeln!(m, "\n| Losses | count |\n|---|---:|");
        for (k, v) in [
            ("no event", x.no_event),
            ("duplicate event", x.duplicate_event),
            ("unknown event", x.unknown_event),
            ("lagged (stream dropped)", x.lagged_event),
            ("PUSH_ACK missing", x.push_ack_missing),
            ("PULL_ACK missing", x.pull_ack_missing),
            ("send errors", x.send_errors),
            ("merged fewer gateways than sent", x.merged_fewer),
            ("merged more gateways than sent", x.merged_more),
        ] {
            let _ = writeln!(m, "| {k} | {v} |");
        }
        let _ = writeln!(m, "\n| Gateways merged per event | events |\n|---:|---:|");
        for [g, n] in &self.merged_gateways {
            let _ = writeln!(m, "| {g} | {n} |");
        }
        let _ = writeln!(
            m,
            "\nloadgen's own CPU: {:.2} s ({:.2} s user, {:.2} s kernel incl. loopback delivery), {:.2} µs per uplink, {:.2} µs per datagram; peak RSS {:.1} MiB.\n",
            c.cpu_s, c.user_s, c.sys_s, c.cpu_us_per_uplink, c.cpu_us_per_datagram, c.max_rss_mib
        );
        let _ = writeln!(m, "![latency](latency.svg) ![throughput](throughput.svg)\n");
        let _ = writeln!(
            m,
            "| second | uplinks | datagrams | events |\n|---:|---:|---:|---:|"
        );
        for p in &self.per_second {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} |",
                p.t, p.uplinks, p.datagrams, p.events
            );
        }
        m
    }

    fn latency_chart(&self) -> Chart<'static> {
        let nines = |p: f64| -(1.0 - p / 100.0).max(1e-6).log10();
        Chart {
            title: "Latency, first gateway send to application event",
            x_label: "percentile",
            y_label: "latency (ms)",
            x_ticks: [0.0, 90.0, 99.0, 99.9, 99.99]
                .into_iter()
                .map(|p| (nines(p), format!("{p}")))
                .collect(),
            series: vec![Series {
                name: "latency",
                color: "#1f77b4",
                points: self
                    .latency_curve
                    .iter()
                    .map(|[p, ms]| (nines(*p), *ms))
                    .collect(),
            }],
        }
    }

    fn throughput_chart(&self) -> Chart<'static> {
        let pts = |f: fn(&Second) -> u64| {
            self.per_second
                .iter()
                .map(|s| (f64::from(s.t), f(s) as f64))
                .collect()
        };
        Chart {
            title: "Throughput per second",
            x_label: "time (s)",
            y_label: "per second",
            x_ticks: Vec::new(),
            series: vec![
                Series {
                    name: "uplinks sent",
                    color: "#1f77b4",
                    points: pts(|s| s.uplinks),
                },
                Series {
                    name: "events received",
                    color: "#d62728",
                    points: pts(|s| s.events),
                },
            ],
        }
    }
}
