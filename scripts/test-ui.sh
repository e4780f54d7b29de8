#!/usr/bin/env bash
# The hosted-page templates in real headless Chromium (tests/ui/pages.test.mjs,
# node:test + playwright-core): CSP, form fields, phone width, contrast,
# escaping, and how form-action treats redirects. Needs no Worker build.
# scripts/setup.sh installs Debian's chromium and the npm packages.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$AERO2_ROOT"

chromium_bin="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium_bin" ] || [ ! -d node_modules/playwright-core ]; then
  echo "test-ui: need $chromium_bin and node_modules/playwright-core; run scripts/setup.sh" >&2
  exit 1
fi
export CHROMIUM="$chromium_bin"
node --test --test-reporter=spec tests/ui/pages.test.mjs
