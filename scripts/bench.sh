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
  # The runtime's floor in Rust (bench/floor-rust), beside Aero2's build:
  # with the worker crate's entry points as Aero2 uses them, and with
  # hand-written ones (feature `raw`). Optional: without a build its rows
  # read "setup failed" and the rest runs.
  source "$AERO2_ROOT/scripts/build-steps.sh"
  floor_print=$(fingerprint Cargo.toml Cargo.lock bench/floor-rust)
  for variant in floor-rust:"" floor-rust-raw:raw; do
    dir=${variant%%:*} features=${variant#*:}
    build_unless_unchanged "the Rust floor ($dir)" "build/$dir/index.js" "target/.aero2-$dir-build" "$floor_print" \
      worker-build --release --out-dir "$AERO2_ROOT/build/$dir" bench/floor-rust ${features:+--features "$features"} ||
      echo "bench: build/$dir did not build; its rows will be missing" >&2
  done
fi
exec node "$AERO2_ROOT/bench/run.mjs" "$@"
