#!/usr/bin/env bash
# Installs everything Aero2 needs on a fresh Debian machine; each step is
# skipped when already done. Safe to run repeatedly.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$AERO2_ROOT"

# chromium: the real browser the hosted-page tests drive (playwright-core).
apt_packages=(pkg-config libssl-dev chromium)
# Python 3 with venv, for the API fuzzer (any python3 that can make a venv).
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || apt_packages+=(python3 python3-venv)
missing=()
for p in "${apt_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  echo "setup: cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked --force
fi
if ! worker-build --version 2>/dev/null | grep -q "$WORKER_BUILD_VERSION"; then
  echo "setup: cargo install worker-build $WORKER_BUILD_VERSION (a few minutes, once)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked --force
fi

if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
# The API reference's viewer (Scalar's browser bundle, one file of its npm
# package): fetched from the npm registry as the pinned tarball, checked
# against its integrity, unpacked into target/vendor. Not a dependency of
# the workspace: the package's full dependency tree is ~300 MB, of which
# the built page needs this one file.
scalar_dir="target/vendor/scalar-api-reference-$SCALAR_VERSION"
if [ ! -f "$scalar_dir/standalone.js" ]; then
  echo "setup: @scalar/api-reference $SCALAR_VERSION (the API reference's viewer)"
  tmp="$(mktemp -d)"
  npm pack --silent "@scalar/api-reference@$SCALAR_VERSION" --pack-destination "$tmp" >/dev/null
  got="$(node -e 'process.stdout.write("sha512-" + require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tmp/scalar-api-reference-$SCALAR_VERSION.tgz")"
  if [ "$got" != "$SCALAR_INTEGRITY" ]; then echo "setup: @scalar/api-reference integrity mismatch: $got" >&2; rm -rf "$tmp"; exit 1; fi
  tar -xzf "$tmp"/scalar-api-reference-"$SCALAR_VERSION".tgz -C "$tmp" package/dist/browser/standalone.js
  mkdir -p "$scalar_dir"
  mv "$tmp/package/dist/browser/standalone.js" "$scalar_dir/"
  rm -rf "$tmp"
fi

# schemathesis (PyPI), which fuzzes the API from its OpenAPI document in the
# black-box tests: a virtual environment in target/venv with the pinned
# set, rebuilt when the set changes.
venv="target/venv"
if [ ! -x "$venv/bin/schemathesis" ] || ! cmp -s tests/openapi/requirements.txt "$venv/requirements.txt"; then
  echo "setup: Python packages for the API fuzzer (tests/openapi/requirements.txt)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary=:all: -r tests/openapi/requirements.txt
  cp tests/openapi/requirements.txt "$venv/requirements.txt"
fi

node --version | grep -q '^v22\.' || { echo "setup: expected Node 22 from node_modules/.bin, got $(node --version)" >&2; exit 1; }
