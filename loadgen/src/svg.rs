//! A small SVG line-chart writer for the report's two plots (latency by percentile, throughput
//! over time). Hand-written: two charts need axes, ticks and polylines, which is ~150 lines,
//! against `plotters`' dependency tree even with only its SVG backend.

use std::fmt::Write as _;

const W: f64 = 720.0;
const H: f64 = 400.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// Legend text.
    pub name: &'a str,
    /// CSS colour.
    pub color: &'a str,
    /// Points (x, y) in data units, in x order.
    pub points: Vec<(f64, f64)>,
}

/// A chart: title, axis labels, and tick labels on x given as (position, text).
#[derive(Debug, Clone)]
pub struct Chart<'a> {
    /// Title on top.
    pub title: &'a str,
    /// X axis label.
    pub x_label: &'a str,
    /// Y axis label.
    pub y_label: &'a str,
    /// Explicit x ticks (position in data units, label); empty: five even ticks.
    pub x_ticks: Vec<(f64, String)>,
    /// The lines.
    pub series: Vec<Series<'a>>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A "nice" upper bound for an axis (1, 2 or 5 times a power of ten, at least `v`).
pub fn nice_max(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * p)
}

fn fmt_num(v: f64) -> String {
    if v.abs() >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

impl Chart<'_> {
    /// The SVG document.
    pub fn render(&self) -> String {
        let pts = self.series.iter().flat_map(|s| s.points.iter());
        let (mut x0, mut x1, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
        for &(x, y) in pts {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        if !(x0.is_finite() && x1.is_finite()) {
            (x0, x1) = (0.0, 1.0);
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        let y1 = nice_max(y1);
        let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
        let sx = |x: f64| LEFT + (x - x0) / (x1 - x0) * pw;
        let sy = |y: f64| TOP + ph - (y / y1).clamp(0.0, 1.0) * ph;
        let mut s = String::with_capacity(8192);
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/><text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>"#,
            W / 2.0,
            escape(self.title)
        );
        for i in 0..=5 {
            let y = y1 * f64::from(i) / 5.0;
            let (gy, right, lx) = (sy(y), W - RIGHT, LEFT - 6.0);
            let _ = write!(
                s,
                r##"<line x1="{LEFT}" x2="{right}" y1="{gy:.1}" y2="{gy:.1}" stroke="#ddd"/><text x="{lx}" y="{ty:.1}" text-anchor="end">{label}</text>"##,
                ty = gy + 4.0,
                label = fmt_num(y)
            );
        }
        let ticks: Vec<(f64, String)> = if self.x_ticks.is_empty() {
            (0..=5)
                .map(|i| {
                    let x = x0 + (x1 - x0) * f64::from(i) / 5.0;
                    (x, fmt_num(x))
                })
                .collect()
        } else {
            self.x_ticks.clone()
        };
        for (x, label) in ticks.iter().filter(|(x, _)| (x0..=x1).contains(x)) {
            let _ = write!(
                s,
                r##"<line x1="{0:.1}" x2="{0:.1}" y1="{TOP}" y2="{1}" stroke="#eee"/><text x="{0:.1}" y="{2}" text-anchor="middle">{3}</text>"##,
                sx(*x),
                TOP + ph,
                TOP + ph + 18.0,
                escape(label)
            );
        }
        let _ = write!(
            s,
            r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/><text x="{}" y="{}" text-anchor="middle">{}</text><text transform="translate(16 {}) rotate(-90)" text-anchor="middle">{}</text>"##,
            LEFT + pw / 2.0,
            H - 14.0,
            escape(self.x_label),
            TOP + ph / 2.0,
            escape(self.y_label)
        );
        for (i, ser) in self.series.iter().enumerate() {
            let path: Vec<String> = ser
                .points
                .iter()
                .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
                .collect();
            let _ = write!(
                s,
                r#"<polyline fill="none" stroke="{0}" stroke-width="2" points="{1}"/><rect x="{2}" y="{3}" width="12" height="3" fill="{0}"/><text x="{4}" y="{5}">{6}</text>"#,
                escape(ser.color),
                path.join(" "),
                LEFT + 10.0,
                TOP + 12.0 + 16.0 * i as f64,
                LEFT + 26.0,
                TOP + 16.0 + 16.0 * i as f64,
                escape(ser.name)
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_well_formed_svg() {
        let c = Chart {
            title: "a <b> & c",
            x_label: "x",
            y_label: "y",
            x_ticks: vec![(1.0, "one".into())],
            series: vec![Series {
                name: "s",
                color: "#1f77b4",
                points: vec![(0.0, 1.0), (1.0, 3.0), (2.0, 2.0)],
            }],
        };
        let svg = c.render();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("a &lt;b&gt; &amp; c"));
        assert!(svg.contains("<polyline") && svg.contains(">one<"));
        assert_eq!(svg.matches("<svg").count(), 1);
        let empty = Chart {
            series: vec![],
            ..c
        };
        assert!(empty.render().contains("</svg>"));
    }

    #[test]
    fn nice_bounds() {
        let cases = [
            (0.0, 1.0),
            (0.7, 1.0),
            (3.0, 5.0),
            (12.0, 20.0),
            (1000.0, 1000.0),
            (-1.0, 1.0),
        ];
        for (v, want) in cases {
            assert_eq!(nice_max(v), want, "{v}");
        }
    }
}
