//! Placeholder: filled in by the benchmark's owner.
#![allow(missing_docs)]
fn main() {}
