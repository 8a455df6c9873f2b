#!/usr/bin/env bash
# Cold-start benchmark: builds the release `frontdesk` binary (every function, the one
# template.yaml deploys) and the hello-world `lambda_runtime` floor in the same run, with
# the release profile and flags `make build` uses, then runs `cold-start`
# (infra/cold-start): a loopback Lambda Runtime API stub timing process start to the
# first /invocation/next and to the first result posted, interleaved, median of RUNS (11).
# The functions talk to a local moto (started here, or FRONTDESK_MOTO_ENDPOINT).
#
#   infra/cold-start.sh            # RUNS=21 infra/cold-start.sh for more samples
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

log "==> cargo build --release (frontdesk, the hello-lambda floor, the bench)"
start=$SECONDS
cargo build --release --target "$triple" -p frontdesk-lambda -p cold-start --bins
log "    built in $((SECONDS - start))s"
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
