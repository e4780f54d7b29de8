#!/usr/bin/env bash
# Sets everything up and runs Aero2 locally on the real Workers runtime
# (workerd via wrangler), with local D1 and Durable Objects persisted under
# .wrangler/state. Ctrl-C stops it; state survives restarts.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$AERO2_ROOT"
PORT="${PORT:-8787}"
STATE_DIR="${AERO2_STATE_DIR:-$AERO2_ROOT/.wrangler/state}"

"$AERO2_ROOT/scripts/setup.sh"
"$AERO2_ROOT/scripts/build.sh"

# Local secrets live in .dev.vars (git-ignored), generated once.
if [ ! -f .dev.vars ] || ! grep -q '^AERO2_BOOTSTRAP_SECRET=' .dev.vars; then
  umask 077
  echo "AERO2_BOOTSTRAP_SECRET=aero2_op_$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" >> .dev.vars
fi
if ! grep -q '^AERO2_KEY_ENCRYPTION_KEY=' .dev.vars; then
  umask 077
  echo "AERO2_KEY_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)" >> .dev.vars
fi
OPERATOR_SECRET="$(grep '^AERO2_BOOTSTRAP_SECRET=' .dev.vars | head -n1 | cut -d= -f2-)"

wrangler d1 migrations apply DB --local --persist-to "$STATE_DIR"

cat <<MSG

  Aero2 is starting: open the Dashboard at http://dashboard.localhost:$PORT
  (sign up there; state: $STATE_DIR)
  Operator credential (from .dev.vars; local only, never commit it):
    export AERO2_OPERATOR=$OPERATOR_SECRET
  Try:
    curl -H "Authorization: Bearer \$AERO2_OPERATOR" http://dashboard.localhost:$PORT/api/v1/applications
  Mail (password resets) is not sent locally; read it in each application's outbox:
    curl -H "Authorization: Bearer \$AERO2_OPERATOR" http://dashboard.localhost:$PORT/api/v1/applications/<id>/outbox

MSG
exec wrangler dev --ip 127.0.0.1 --port "$PORT" --inspector-port 0 --persist-to "$STATE_DIR" \
  --show-interactive-dev-session=false --log-level warn \
  --var "DASHBOARD_ORIGIN:http://dashboard.localhost:$PORT"
