#!/usr/bin/env bash
# Builds the Dashboard's web app (ui/dashboard → ui/dashboard/dist, the
# Worker's static assets) and the Worker (front Worker + Durable Objects,
# one wasm module) into build/.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$AERO2_ROOT"
npm run --silent build -w @aero2/dashboard
worker-build --release --out-dir "$AERO2_ROOT/build" src/worker
