# Sourced by scripts/build.sh and scripts/bench.sh (after env.sh, from the
# project's root): a build step runs only when its inputs changed.

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
  "$@" || return
  [ -z "$print" ] || echo "$print" > "$stamp"
}
