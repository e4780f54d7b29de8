#!/usr/bin/env bash
# Benchmarks Aero2 (the built Worker on workerd, through Miniflare's Node API,
# not wrangler dev) against panva's oidc-provider, interleaved, and prints the
# table (also written to bench/results/latest.md). See bench/README.md.
# Arguments go to bench/run.mjs (e.g. --requests 500 --only client_credentials).
# BENCH_NO_BUILD=1 benchmarks the existing build/ without rebuilding.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$AERO2_ROOT"
"$AERO2_ROOT/scripts/setup.sh"
if [ "${BENCH_NO_BUILD:-}" != "1" ]; then
  "$AERO2_ROOT/scripts/build.sh"
  # The runtime's floor in Rust (bench/floor-rust, the worker crate as
  # Aero2 uses it), beside Aero2's build. Optional: without it the Rust
  # floor rows read "setup failed" and the rest runs.
  source "$AERO2_ROOT/scripts/build-steps.sh"
  build_unless_unchanged "the Rust floor" build/floor-rust/index.js target/.aero2-floor-rust-build "$(fingerprint Cargo.toml Cargo.lock bench/floor-rust)" \
    worker-build --release --out-dir "$AERO2_ROOT/build/floor-rust" bench/floor-rust ||
    echo "bench: the Rust floor did not build; its rows will be missing" >&2
fi
exec node "$AERO2_ROOT/bench/run.mjs" "$@"
