#!/usr/bin/env bash
# Runs the whole stack on this machine, with no external service: the control plane (embedded
# store in var/, HTTP API on 127.0.0.1:8885, plane API on 127.0.0.1:8884) and a data plane that
# follows it (Semtech UDP on port 1700, Basic Station on 1887, events and /metrics on
# 127.0.0.1:8081). Ctrl-C or
# SIGTERM stops both. On first start the control plane prints the admin's API key once.
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${STACK_PROFILE:-release}"          # STACK_PROFILE=dev for a quick debug build
dir="${CARGO_TARGET_DIR:-target}/$([ "$profile" = dev ] && echo debug || echo "$profile")"
cargo build --profile "$profile" -p controlplane -p dataplane --bins
mkdir -p var
pids=()
stop() { kill -TERM "${pids[@]}" 2>/dev/null || true; wait; }
trap stop EXIT INT TERM
"$dir/controlplane" --config deploy/config/controlplane.toml & pids+=($!)
"$dir/dataplane" --config deploy/config/stack-dataplane.toml & pids+=($!)
wait -n
