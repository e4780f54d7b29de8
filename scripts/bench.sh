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
exec node "$AERO2_ROOT/bench/run.mjs" "$@"
