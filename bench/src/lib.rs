//! Shared plumbing for the benchmarks in `benches/`: every benchmark measures this stack's function
//! beside a baseline in the same run, and [`print_ratios`] prints each figure as a ratio to that
//! baseline (absolute numbers on these shared VMs are noisy; same-run ratios hold).

use criterion::Criterion;
use std::path::PathBuf;

/// Where criterion writes its estimates for this process (a fixed folder under the target dir).
fn output_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target.join("criterion")
}

/// A criterion configured to write where [`print_ratios`] reads.
pub fn criterion() -> Criterion {
    Criterion::default()
        .output_directory(&output_dir())
        .configure_from_args()
}

/// The median estimate in nanoseconds of `group/function` from the last run.
pub fn median_ns(group: &str, function: &str) -> Option<f64> {
    let path = output_dir()
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["median"]["point_estimate"].as_f64()
}

/// Prints a table of each function's median and its speed-up over `baseline` in `group`.
pub fn print_ratios(group: &str, baseline: &str, functions: &[&str]) {
    let Some(base) = median_ns(group, baseline) else {
        println!("{group}: no estimate for baseline {baseline}");
        return;
    };
    println!("\n{group} (median; speed-up = {baseline} time / time)");
    for f in functions {
        match median_ns(group, f) {
            Some(ns) => println!("  {f:<28} {ns:>10.1} ns   x{:.2}", base / ns),
            None => println!("  {f:<28} (not measured)"),
        }
    }
}

pub mod ingress;
