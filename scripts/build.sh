#!/usr/bin/env bash
# Builds the Dashboard's web app (ui/dashboard → ui/dashboard/dist, the
# Worker's static assets), the SDKs (packages/*/dist) and the Worker
# (front Worker + Durable Objects, one wasm module) into build/.
#
# Each is skipped when its inputs are byte for byte those of
# its last build (a fingerprint of their contents, kept beside the
# output), so a start with nothing changed takes a second, not the
# minute wasm-bindgen and wasm-opt take. AERO2_REBUILD=1 builds anyway.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$AERO2_ROOT"

source "$(dirname "$0")/build-steps.sh"

spa_inputs=(ui/dashboard package.json package-lock.json)
# Everything the wasm module is compiled from (include_str! reads ui/ and
# two documents), and package-lock.json (wasm-opt and esbuild).
worker_inputs=(Cargo.toml Cargo.lock package-lock.json src durable ':(exclude)ui/dashboard' ui wrangler.toml README.md docs/op-api.md)

mkdir -p target
build_unless_unchanged "the Dashboard web app" ui/dashboard/dist/index.html target/.aero2-dashboard-build "$(fingerprint "${spa_inputs[@]}")" \
  npm run --silent build -w @aero2/dashboard
# The API reference's viewer (scripts/setup.sh unpacked it) beside the
# page that draws it, ui/dashboard/public/api/reference.html.
cp "target/vendor/scalar-api-reference-$SCALAR_VERSION/standalone.js" ui/dashboard/dist/api/scalar.js
# The SDKs (packages/*) and the example SPA: their tests run against the Worker.
build_unless_unchanged "the SDKs" packages/hono/dist/index.js target/.aero2-sdks-build "$(fingerprint packages examples package.json package-lock.json)" \
  npm run --silent build -w @aero2/sdk-js -w @aero2/react -w @aero2/node -w @aero2/hono -w @aero2/example-react-spa
build_unless_unchanged "the Worker" build/worker/shim.mjs build/.aero2-build "$(fingerprint "${worker_inputs[@]}")" \
  worker-build --release --out-dir "$AERO2_ROOT/build" src/worker
# The Worker's entry (src/worker/js/entry.mjs: the answers the wasm marked
# reusable, given again without entering it), beside the module it imports.
cp src/worker/js/entry.mjs build/entry.mjs
