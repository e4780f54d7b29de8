#!/usr/bin/env bash
# Sets everything up and runs every test: lints, the core's purity check,
# the module graph's acyclicity, the hosted-page templates in headless
# Chromium, the Dashboard web app's component tests and size budget, native
# unit tests, and the
# black-box HTTP tests against the built Worker on workerd (wrangler dev,
# local D1 and Durable Objects), which include a real-browser sign-in.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$AERO2_ROOT"

"$AERO2_ROOT/scripts/setup.sh"

echo "== core purity: aero2-core must not depend on worker, js-sys, wasm-bindgen or web-sys"
impure=$(cargo tree -p aero2-core -e normal --prefix none | awk '{print $1}' | grep -xE 'worker|worker-sys|js-sys|wasm-bindgen|web-sys' || true)
if [ -n "$impure" ]; then echo "aero2-core depends on: $impure" >&2; exit 1; fi

echo "== module graph: no import cycles between modules"
node "$AERO2_ROOT/scripts/module-cycles.mjs" durable/src src/worker/src src/core/src

echo "== clippy (warnings are errors)"
cargo clippy -p aero2-core -p aero2-tests --all-targets -- -D warnings
cargo clippy -p aero2-worker -p aero2-durable -p aero2-bench-floor --target wasm32-unknown-unknown -- -D warnings

echo "== hosted-page templates in headless Chromium"
"$AERO2_ROOT/scripts/test-ui.sh"

echo "== the Worker's JavaScript entry (answers kept and given again)"
node --test src/worker/js/entry.test.mjs

echo "== the Dashboard web app: component tests (Vitest)"
npm run --silent test -w @aero2/dashboard

echo "== build the Dashboard web app and the Worker"
"$AERO2_ROOT/scripts/build.sh"
node "$AERO2_ROOT/scripts/dashboard-size.mjs"

echo "== tests"
cargo test
