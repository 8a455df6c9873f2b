#!/usr/bin/env bash
# Cold-start benchmark: builds the release `frontdesk` binary (every function, the one
# template.yaml deploys) and the hello-world `lambda_runtime` floor in the same run, with
# the release profile and flags `make build` uses, then runs `cold-start`
# (infra/cold-start): a loopback Lambda Runtime API stub timing process start to the
# first /invocation/next and to the first result posted, interleaved, median of RUNS (11).
# The functions talk to a local moto (started here, or FRONTDESK_MOTO_ENDPOINT).
#
#   infra/cold-start.sh            # RUNS=21 infra/cold-start.sh for more samples
#   SKIP_BUILD=1 infra/cold-start.sh   # time the release binaries already in target/
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/release-flags.sh"
cd "$FRONTDESK_ROOT"

ensure_venv
use_dummy_aws
triple="$(uname -m)-unknown-linux-gnu"
OWN_MOTO=false
cleanup() { $OWN_MOTO && stop_moto; return 0; }
trap cleanup EXIT

# Two builds, not one `-p frontdesk-lambda -p cold-start`: built together, cargo unifies the
# packages' features (the bench's tokio `net`/`process`, axum's), and the `frontdesk` measured
# would not be the one `make build` deploys. SKIP_BUILD=1 times the binaries already built.
if [ -z "${SKIP_BUILD:-}" ]; then
  log "==> cargo build --release (frontdesk, as make build builds it)"
  start=$SECONDS
  cargo build --release --target "$triple" -p frontdesk-lambda --bin frontdesk
  log "    built in $((SECONDS - start))s"
  log "==> cargo build --release (the hello-lambda floor and the bench)"
  start=$SECONDS
  cargo build --release --target "$triple" -p cold-start --bins
  log "    built in $((SECONDS - start))s"
fi
out="target/$triple/release"

if [ -z "${FRONTDESK_MOTO_ENDPOINT:-}" ]; then
  start_moto
  OWN_MOTO=true
fi
cargo build -q -p local-stack --bin table
table="coldstart-$$"
target/debug/table create --endpoint "$FRONTDESK_MOTO_ENDPOINT" --table-name "$table" >/dev/null

functions=()
for name in $(grep -E '^\s+FRONTDESK_FUNCTION: ' template.yaml | awk '{print $2}'); do
  functions+=("$name=$out/frontdesk")
done
[ ${#functions[@]} -gt 0 ] || die "no FRONTDESK_FUNCTION in template.yaml"

env AWS_ENDPOINT_URL="$FRONTDESK_MOTO_ENDPOINT" TABLE_NAME="$table" \
  OPERATOR_SECRET=cold-start-operator-secret SES_CONFIGURATION_SET=frontdesk-cold-start \
  AWS_LAMBDA_LOG_FORMAT=JSON AWS_LAMBDA_LOG_LEVEL=INFO \
  "$out/cold-start" --runs "${RUNS:-11}" --floor "$out/hello-lambda" "${functions[@]}"
