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
fi
# The runtime's floor in Rust (bench/floor-rust, the worker crate as Aero2
# uses it), built beside Aero2's build when missing or not built from
# these sources.
floor_print=$(cat bench/floor-rust/Cargo.toml bench/floor-rust/src/*.rs Cargo.lock | sha256sum | cut -d' ' -f1)
if [ "$(cat build/floor-rust/.built-from 2>/dev/null)" != "$floor_print" ]; then
  worker-build --release --out-dir "$AERO2_ROOT/build/floor-rust" bench/floor-rust
  echo "$floor_print" > build/floor-rust/.built-from
fi
exec node "$AERO2_ROOT/bench/run.mjs" "$@"
