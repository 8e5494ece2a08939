//! The printed table: for one load, the in-process pipeline's rate per core and cost per
//! datagram, then each socket ingress's receive rate, delivered uplinks, losses, CPU per datagram
//! and latency, as a fraction of the bare `recvmmsg` ceiling and as a ratio to tokio.

use super::load::Load;
use super::receivers::{Ingress, Received};
use super::run::{InProc, SocketRun};
use dataplane::runtime::udp::RecvMode;
use std::time::Duration;

fn per_s(n: u64, d: Duration) -> f64 {
    if d.is_zero() {
        0.0
    } else {
        n as f64 / d.as_secs_f64()
    }
}

fn ns_per(d: Duration, n: u64) -> f64 {
    d.as_nanos() as f64 / n.max(1) as f64
}

fn k(x: f64) -> String {
    format!("{:.1}k", x / 1e3)
}

fn drops(d: &[(&str, u64)]) -> String {
    if d.is_empty() {
        "-".into()
    } else {
        d.iter()
            .map(|(r, n)| format!("{r}={n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Prints the header of one load.
pub fn load_header(load: &Load) {
    let s = load.shape;
    println!(
        "\n=== k = {} gateway(s) per uplink: {} ABP sessions, {} uplinks, {} datagrams of {:.0} B mean ===",
        s.k,
        s.sessions,
        s.uplinks,
        load.len(),
        load.mean_size()
    );
}

/// Prints the in-process rows of PUSH_DATA parser `parser` (median of the runs by uplinks per
/// CPU-second) and returns the medians (pipeline, ingress only). Rates are per second of the
/// thread's CPU time, so time the shared machine gave to other processes does not count;
/// wall-clock rates are shown beside them.
pub fn in_process(
    parser: &str,
    full: &[InProc],
    ingress: &[InProc],
) -> (Option<InProc>, Option<InProc>) {
    let med = |runs: &[InProc]| -> Option<InProc> {
        let mut v = runs.to_vec();
        v.sort_by(|a, b| per_s(a.events, a.cpu).total_cmp(&per_s(b.events, b.cpu)));
        v.get(v.len() / 2).cloned()
    };
    println!(
        "in-process, one core, no sockets, parser {parser} (median of {} runs; per CPU-second of the thread, wall clock in brackets):",
        full.len()
    );
    let full_med = med(full);
    if let Some(r) = &full_med {
        println!(
            "  {:<30} {:>8} uplinks/s per core ({:>7} wall)  {:>6.0} ns/datagram  {:>6.0} ns/uplink  drops: {}",
            "pipeline (ingress+NS+events)",
            k(per_s(r.events, r.cpu)),
            k(per_s(r.events, r.elapsed)),
            ns_per(r.cpu, r.datagrams),
            ns_per(r.cpu, r.events),
            drops(&r.drops)
        );
    }
    let ingress_med = med(ingress);
    if let Some(r) = &ingress_med {
        println!(
            "  {:<30} {:>8} frames/s per core  ({:>7} wall)  {:>6.0} ns/datagram  (Semtech UDP parse + PUSH_ACK alone)  drops: {}",
            "ingress only",
            k(per_s(r.events, r.cpu)),
            k(per_s(r.events, r.elapsed)),
            ns_per(r.cpu, r.datagrams),
            drops(&r.drops)
        );
    }
    (full_med, ingress_med)
}

/// Prints the last parser's medians against the first's (same run): `x` times the uplinks per
/// CPU-second, and the ingress alone likewise.
pub fn parser_ratio(medians: &[(Option<InProc>, Option<InProc>)]) {
    let (Some(first), Some(last)) = (medians.first(), medians.last()) else {
        return;
    };
    if medians.len() < 2 {
        return;
    }
    let ratio = |a: &Option<InProc>, b: &Option<InProc>| match (a, b) {
        (Some(a), Some(b)) => format!(
            "x{:.2}",
            per_s(b.events, b.cpu) / per_s(a.events, a.cpu).max(1e-9)
        ),
        _ => "-".into(),
    };
    println!(
        "  same run, last parser vs first: pipeline uplinks/s per core {}, ingress frames/s {}",
        ratio(&first.0, &last.0),
        ratio(&first.1, &last.1)
    );
}

fn rate(r: &Received) -> f64 {
    per_s(r.datagrams, r.span)
}

/// Prints the socket rows of one pass (`title`) with their ratios.
pub fn sockets(title: &str, runs: &[SocketRun], window: Duration) {
    println!(
        "{title}; latency = send -> event minus the {} ms dedup window, µs:",
        window.as_millis()
    );
    println!(
        "  {:<24} {:>9} {:>10} {:>10} {:>8} {:>9} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7}  pipeline drops",
        "ingress",
        "sent/s",
        "received/s",
        "uplinks/s",
        "lost",
        "CPU ns/dg",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "ceiling"
    );
    let ceiling = runs
        .iter()
        .find(|r| r.ingress == Ingress::Recvmmsg)
        .map(|r| rate(&r.rx));
    for r in runs {
        let x = &r.rx;
        let lat = |q: f64| {
            x.latency_us
                .as_ref()
                .filter(|h| !h.is_empty())
                .map_or("-".into(), |h| h.value_at_quantile(q).to_string())
        };
        let max = x
            .latency_us
            .as_ref()
            .filter(|h| !h.is_empty())
            .map_or("-".into(), |h| h.max().to_string());
        let frac = ceiling
            .filter(|c| *c > 0.0)
            .map_or("-".into(), |c| format!("{:.2}", rate(x) / c));
        println!(
            "  {:<24} {:>9} {:>10} {:>10} {:>8} {:>9.0} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7}  {}{}",
            r.ingress.label(),
            k(per_s(r.sent.datagrams, r.sent.elapsed)),
            k(rate(x)),
            if matches!(r.ingress, Ingress::Recvmmsg | Ingress::RecvmmsgAck) {
                "-".into()
            } else {
                k(per_s(x.events, x.span))
            },
            r.sent.datagrams.saturating_sub(x.datagrams),
            ns_per(x.cpu, x.datagrams),
            lat(0.5),
            lat(0.9),
            lat(0.99),
            lat(0.999),
            max,
            frac,
            drops(&x.drops),
            if x.note.is_empty() {
                String::new()
            } else {
                format!(" ({})", x.note)
            }
        );
    }
    if let Some(b) = runs.iter().find(|r| r.ingress == Ingress::Recvmmsg) {
        let busy = b.rx.cpu.as_secs_f64() / b.rx.span.as_secs_f64().max(1e-9);
        println!(
            "  (the bare loop was busy {:.0}% of its span: {}bound by the one sending core)",
            100.0 * busy,
            if busy < 0.9 { "" } else { "not " }
        );
    }
    let find = |i: Ingress| runs.iter().find(|r| r.ingress == i).map(|r| &r.rx);
    if let Some(t) = find(Ingress::Tokio) {
        for other in [
            Ingress::Uring(RecvMode::Multishot),
            Ingress::Uring(RecvMode::Single),
            Ingress::TokioUring,
        ] {
            if let Some(u) = find(other) {
                println!(
                    "  {} vs tokio: received/s x{:.2}, uplinks/s x{:.2}, CPU per datagram x{:.2} less",
                    other.label(),
                    rate(u) / rate(t).max(1e-9),
                    per_s(u.events, u.span) / per_s(t.events, t.span).max(1e-9),
                    ns_per(t.cpu, t.datagrams) / ns_per(u.cpu, u.datagrams).max(1e-9),
                );
            }
        }
    }
}
