//! `GET /metrics` over a real socket: the body is well-formed Prometheus text exposition 0.0.4
//! (checked line by line by a small independent parser), counters written by two core threads
//! are summed, and histogram buckets are cumulative and end at `_count`.

mod events_support;

use std::{collections::HashMap, time::Duration};

use dataplane::{events::HubConfig, metrics::DropReason};
use events_support::*;

/// One parsed sample: metric name, labels, value.
type Sample = (String, Vec<(String, String)>, f64);

fn valid_name(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses the text format strictly enough for what we emit; panics with the offending line.
fn parse(text: &str) -> (HashMap<String, String>, Vec<Sample>) {
    let mut types = HashMap::new();
    let mut samples = Vec::new();
    assert!(text.ends_with('\n'), "body ends with a newline");
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest
                .split_once(' ')
                .unwrap_or_else(|| panic!("HELP: {line}"));
            assert!(valid_name(name), "{line}");
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest
                .split_once(' ')
                .unwrap_or_else(|| panic!("TYPE: {line}"));
            assert!(valid_name(name), "{line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(
                types.insert(name.to_owned(), kind.to_owned()).is_none(),
                "duplicate family {name}"
            );
        } else {
            let (series, value) = line
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("sample: {line}"));
            let value = match value {
                "+Inf" => f64::INFINITY,
                v => v
                    .parse::<f64>()
                    .unwrap_or_else(|_| panic!("value in {line}")),
            };
            let (name, labels) = match series.split_once('{') {
                None => (series, Vec::new()),
                Some((name, rest)) => {
                    let body = rest
                        .strip_suffix('}')
                        .unwrap_or_else(|| panic!("labels: {line}"));
                    let labels = body
                        .split(',')
                        .map(|kv| {
                            let (k, v) = kv
                                .split_once('=')
                                .unwrap_or_else(|| panic!("label: {line}"));
                            let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                            assert!(valid_name(k), "{line}");
                            (
                                k.to_owned(),
                                v.unwrap_or_else(|| panic!("quotes: {line}")).to_owned(),
                            )
                        })
                        .collect();
                    (name, labels)
                }
            };
            assert!(valid_name(name), "{line}");
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| {
                    name.strip_suffix(s)
                        .filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
                })
                .unwrap_or(name);
            assert!(
                types.contains_key(family),
                "sample before its # TYPE: {line}"
            );
            samples.push((name.to_owned(), labels, value));
        }
    }
    (types, samples)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_text_parses_and_sums_two_cores() {
    let server = start(2, HubConfig::default(), false).await;
    let cores: Vec<_> = (0..2)
        .map(|i| server.metrics.core(i).expect("core"))
        .collect();
    // Each core thread writes only its own counters.
    let threads: Vec<_> = cores
        .into_iter()
        .map(|c| {
            std::thread::spawn(move || {
                let i = c.core() as u64;
                c.add_packets_in(3 + i);
                c.add_packets_out(1);
                c.add_uplinks_delivered(2 * (i + 1));
                c.count_drop(DropReason::MicMismatch);
                if i == 1 {
                    c.count_drop(DropReason::Parse);
                }
                c.add_busy(Duration::from_millis(500 * (i + 1)));
                c.add_idle(Duration::from_millis(250));
                let mut lat = c.latency_recorder();
                lat.record(Duration::from_micros(800 + 1000 * i));
                assert!(lat.flush(), "no scrape is running");
            })
        })
        .collect();
    for t in threads {
        t.join().expect("core thread");
    }

    let (status, head, text) = get(server.addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        head.contains("content-type: text/plain; version=0.0.4; charset=utf-8"),
        "{head}"
    );
    for line in [
        "# TYPE dataplane_packets_in_total counter",
        "dataplane_packets_in_total 7",
        "dataplane_packets_out_total 2",
        "dataplane_uplinks_delivered_total 6",
        "dataplane_drops_total{reason=\"mic_mismatch\"} 2",
        "dataplane_drops_total{reason=\"parse\"} 1",
        "dataplane_drops_total{reason=\"replay\"} 0",
        "dataplane_cores 2",
        "dataplane_core_busy_seconds_total{core=\"0\"} 0.5",
        "dataplane_core_busy_seconds_total{core=\"1\"} 1",
        "dataplane_core_idle_seconds_total{core=\"1\"} 0.25",
        "# TYPE dataplane_uplink_latency_seconds histogram",
        "dataplane_uplink_latency_seconds_bucket{le=\"0.001\"} 1",
        "dataplane_uplink_latency_seconds_bucket{le=\"0.0025\"} 2",
        "dataplane_uplink_latency_seconds_count 2",
        "dataplane_uplink_latency_seconds_sum 0.0026",
        "dataplane_events_dropped_total{reason=\"hub_full\"} 0",
        "dataplane_events_subscribers 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }

    let (types, samples) = parse(&text);
    assert_eq!(types["dataplane_events_dropped_total"], "counter");
    let reasons: Vec<_> = samples
        .iter()
        .filter(|(n, _, _)| n == "dataplane_drops_total")
        .map(|(_, l, _)| l[0].1.clone())
        .collect();
    let all: Vec<_> = DropReason::ALL
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    assert_eq!(reasons, all, "one series per drop reason");
    let buckets: Vec<_> = samples
        .iter()
        .filter(|(n, _, _)| n == "dataplane_uplink_latency_seconds_bucket")
        .map(|(_, l, v)| (l[0].1.clone(), *v))
        .collect();
    assert!(
        buckets.windows(2).all(|w| w[0].1 <= w[1].1),
        "cumulative: {buckets:?}"
    );
    assert_eq!(
        buckets.last().map(|(le, v)| (le.as_str(), *v)),
        Some(("+Inf", 2.0))
    );
}
