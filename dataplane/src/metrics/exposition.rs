//! The Prometheus text exposition format, version 0.0.4 (the Prometheus "Exposition formats"
//! document): `# HELP`, `# TYPE`, then `name{label="value",…} value` lines, one family at a time.

use std::fmt::Write;

/// A family's `# TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Monotonic counter (`_total`).
    Counter,
    /// Value that goes up and down.
    Gauge,
    /// Cumulative buckets plus `_sum` and `_count`.
    Histogram,
}

impl MetricKind {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
        }
    }
}

/// Builds one exposition body. Metric and label names are the caller's static identifiers;
/// label values are escaped.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a family: its `# HELP` and `# TYPE` lines.
    pub fn family(&mut self, name: &str, help: &str, kind: MetricKind) {
        let _ = writeln!(self.out, "# HELP {name} {}", escape(help, false));
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.as_str());
    }

    /// One integer sample.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: u64) {
        self.labels(name, labels);
        let _ = writeln!(self.out, " {value}");
    }

    /// One floating-point sample (`+Inf`, `-Inf` and `NaN` spelled as the format wants).
    pub fn sample_f64(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.labels(name, labels);
        let _ = writeln!(self.out, " {}", format_f64(value));
    }

    /// The finished body.
    pub fn finish(self) -> String {
        self.out
    }

    fn labels(&mut self, name: &str, labels: &[(&str, &str)]) {
        self.out.push_str(name);
        if labels.is_empty() {
            return;
        }
        self.out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            let _ = write!(self.out, "{k}=\"{}\"", escape(v, true));
        }
        self.out.push('}');
    }
}

/// Formats a float as the exposition format spells it.
pub(crate) fn format_f64(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

/// Escapes `\` and newline (and `"` inside label values).
fn escape(s: &str, quote: bool) -> std::borrow::Cow<'_, str> {
    if !s.contains(['\\', '\n', '"']) {
        return s.into();
    }
    let mut o = String::with_capacity(s.len() + 4);
    for ch in s.chars() {
        match ch {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '"' if quote => o.push_str("\\\""),
            c => o.push(c),
        }
    }
    o.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_families_and_samples() {
        type Case = (&'static str, fn(&mut Exposition), &'static str);
        let cases: &[Case] = &[
            (
                "counter without labels",
                |e| {
                    e.family("x_total", "An x.", MetricKind::Counter);
                    e.sample("x_total", &[], 3);
                },
                "# HELP x_total An x.\n# TYPE x_total counter\nx_total 3\n",
            ),
            (
                "two labels",
                |e| e.sample("y", &[("a", "1"), ("b", "two")], 0),
                "y{a=\"1\",b=\"two\"} 0\n",
            ),
            (
                "escaped label value",
                |e| e.sample("y", &[("a", "q\"b\\n\n")], 1),
                "y{a=\"q\\\"b\\\\n\\n\"} 1\n",
            ),
            (
                "help escapes",
                |e| e.family("z", "a\\b\nc", MetricKind::Gauge),
                "# HELP z a\\\\b\\nc\n# TYPE z gauge\n",
            ),
            (
                "infinity",
                |e| e.sample_f64("h", &[("le", "+Inf")], f64::INFINITY),
                "h{le=\"+Inf\"} +Inf\n",
            ),
            ("fraction", |e| e.sample_f64("h", &[], 0.25), "h 0.25\n"),
        ];
        for (name, f, want) in cases {
            let mut e = Exposition::new();
            f(&mut e);
            assert_eq!(e.finish(), *want, "{name}");
        }
    }
}
