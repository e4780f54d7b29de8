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

# The fingerprint of the files git would track under the given paths
# (committed or not, never ignored ones such as build outputs), plus the
# pinned tool versions. Empty outside a git checkout: then always build.
fingerprint() {
  git rev-parse --is-inside-work-tree >/dev/null 2>&1 || return 0
  {
    echo "worker-build $WORKER_BUILD_VERSION wasm-bindgen $WASM_BINDGEN_VERSION $(rustc -V)"
    git ls-files -z -co --exclude-standard -- "$@" | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}

# Runs "$@" unless `output` exists and `stamp` holds `print`; records
# `print` after success.
build_unless_unchanged() {
  local what="$1" output="$2" stamp="$3" print="$4"; shift 4
  if [ -n "$print" ] && [ "${AERO2_REBUILD:-0}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$print" ] && [ -e "$output" ]; then
    echo "build: $what unchanged since the last build, skipped"
    return 0
  fi
  rm -f "$stamp"
  "$@"
  [ -z "$print" ] || echo "$print" > "$stamp"
}

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
