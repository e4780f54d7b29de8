# Sourced by the other scripts: pinned tool versions and an offline-safe
# environment. Node 22 and wrangler come from node_modules/.bin.
AERO2_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AERO2_ROOT
export WORKER_BUILD_VERSION=0.8.7
export WASM_BINDGEN_VERSION=0.2.129
# The API reference's viewer (scripts/setup.sh fetches its one file).
export SCALAR_VERSION=1.76.0
export SCALAR_INTEGRITY=sha512-pjqwnzmA9YK3ZX+IZSICMsywm4qI6HLSngR2py9H6TvFApHHuJjkTAd+gFJfnqJDzJuro8k7ji6JCtJ2U+Byng==
export PATH="$AERO2_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# worker-build would download these from the internet; use the pinned local ones.
export WASM_BINDGEN_BIN="$HOME/.cargo/bin/wasm-bindgen"
export WASM_OPT_BIN="$AERO2_ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$AERO2_ROOT/node_modules/.bin/esbuild"
# Keep wrangler and miniflare off the network.
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_HIDE_BANNER=true
export X_LOCAL_OBSERVABILITY=false
export X_LOCAL_EXPLORER=false
