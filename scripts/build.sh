#!/usr/bin/env bash
# Builds the Worker (front Worker + Durable Objects, one wasm module) into build/.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$AERO2_ROOT"
worker-build --release --out-dir "$AERO2_ROOT/build" src/worker
