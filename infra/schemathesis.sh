#!/usr/bin/env bash
# `make test` step: Schemathesis (schema-driven API fuzzing, from infra/requirements.txt)
# against the local gateway over its own moto, authenticated as the demo practice (the key
# `make run` seeds). Bounded: SCHEMATHESIS_EXAMPLES examples per operation (default 5), the
# checks that matter for a contract (no 5xx, documented status codes, responses that match
# their schemas, documented content types). The operator's onboarding route and the public
# preference pages (no practice key) are left out. Exit status 0 when nothing is found.
set -euo pipefail
. "$(dirname "$0")/common.sh"
enter_project
st="${SCHEMATHESIS_BIN:-$FRONTDESK_VENV/bin/schemathesis}"
[ -x "$st" ] || die "schemathesis is not installed in $FRONTDESK_VENV (make venv)"

log "==> cargo build -p local-gateway"
cargo build --quiet -p local-gateway
port="$(free_port)"
moto_port="$(free_port)"
while [ "$moto_port" = "$port" ]; do moto_port="$(free_port)"; done
logdir="${FRONTDESK_LOG_DIR:-$FRONTDESK_ROOT/.local}"
mkdir -p "$logdir"
gwlog="$logdir/schemathesis-gateway-$port.log"
env -u AWS_PROFILE -u AWS_SESSION_TOKEN \
  FRONTDESK_PORT="$port" MOTO_PORT="$moto_port" OPERATOR_SECRET=schemathesis-operator \
  AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" \
  "${CARGO_TARGET_DIR:-$FRONTDESK_ROOT/target}/debug/local-gateway" >"$gwlog" 2>&1 &
gw_pid=$!
# Stops the gateway this script started (its moto is its child and stops with it).
cleanup() { kill "$gw_pid" 2>/dev/null || true; wait "$gw_pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 600); do
  grep -q 'demo API key:' "$gwlog" 2>/dev/null && break
  kill -0 "$gw_pid" 2>/dev/null || { tail -n 30 "$gwlog" >&2; die "the gateway stopped (log: $gwlog)"; }
  sleep 0.1
done
key="$(sed -n 's/.*demo API key:  *\([^ ]*\).*/\1/p' "$gwlog" | head -n 1)"
[ -n "$key" ] || die "no demo API key in the gateway's banner (log: $gwlog)"
log "gateway on 127.0.0.1:$port (log $gwlog); running schemathesis"

"$st" run "$FRONTDESK_ROOT/functions/practice-api/openapi.yaml" \
  --url "http://127.0.0.1:$port" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-5}" \
  --exclude-path '/v1/practices' \
  --exclude-path-regex '^/public/' \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --no-color "$@"
