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
enter_project
triple="$(uname -m)-unknown-linux-gnu"
OWN_MOTO=false
cleanup() { $OWN_MOTO && stop_moto; return 0; }
trap cleanup EXIT

# The binaries timed are built as `make build` builds them: `cargo lambda build --release`
# (zig as the linker, the release profile, release-flags.sh's non-PIE link), so the
# `frontdesk` measured is the one sam deploys. Three builds, not one: built together, cargo
# unifies the packages' features (the bench's tokio `net`/`process`, axum's), and the
# `frontdesk` measured would not be the deployed one. The bench itself is a host binary.
# SKIP_BUILD=1 times the binaries already built.
if [ -z "${SKIP_BUILD:-}" ]; then
  log "==> cargo lambda build --release (frontdesk, as make build builds it)"
  start=$SECONDS
  cargo lambda build --release --target "$triple" -p frontdesk-lambda --bin frontdesk
  log "    built in $((SECONDS - start))s"
  log "==> cargo lambda build --release (the hello-lambda floor)"
  start=$SECONDS
  cargo lambda build --release --target "$triple" -p cold-start --bin hello-lambda
  log "    built in $((SECONDS - start))s"
fi
# The rest are host builds: without --target, cargo would apply the Lambda triple's
# RUSTFLAGS (the non-PIE link) to host proc-macros too, which cannot link that way.
unset CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS
if [ -z "${SKIP_BUILD:-}" ]; then
  log "==> cargo build --release (the bench)"
  cargo build --release -p cold-start --bin cold-start
fi
bench="target/release/cold-start"
frontdesk="target/lambda/frontdesk/bootstrap"
floor="target/lambda/hello-lambda/bootstrap"

if [ -z "${FRONTDESK_MOTO_ENDPOINT:-}" ]; then
  start_moto
  OWN_MOTO=true
fi
cargo build -q -p local-stack --bin table
table="coldstart-$$"
target/debug/table create --endpoint "$FRONTDESK_MOTO_ENDPOINT" --table-name "$table" >/dev/null

# The sweeps' work-unit queue (the coordinators enqueue on it; the worker is handed a unit).
# (moto routes a query-protocol call by the credential scope's service: sqs.)
queue_url="$(curl -sf -X POST "$FRONTDESK_MOTO_ENDPOINT/" \
  -H 'Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0' \
  -d "Action=CreateQueue&QueueName=$table-sweep-work&Version=2012-11-05" \
  | sed -n 's:.*<QueueUrl>\(.*\)</QueueUrl>.*:\1:p')"
[ -n "$queue_url" ] || die "could not create the sweep work queue in moto"

secrets_key="$(moto_secrets_key)" || die "could not create the secrets key in moto"

functions=()
for name in $(grep -E '^\s+FRONTDESK_FUNCTION: ' template.yaml | awk '{print $2}'); do
  functions+=("$name=$frontdesk")
done
[ ${#functions[@]} -gt 0 ] || die "no FRONTDESK_FUNCTION in template.yaml"

env AWS_ENDPOINT_URL="$FRONTDESK_MOTO_ENDPOINT" TABLE_NAME="$table" \
  OPERATOR_SECRET=cold-start-operator-secret SES_CONFIGURATION_SET=frontdesk-cold-start \
  THREAD_ID_SECRET=cold-start-thread-id-secret-0123456789abcdef SECRETS_KEY_ID="$secrets_key" \
  UNSUBSCRIBE_SECRET=cold-start-unsubscribe-secret-0123456789abcdef \
  EMAIL_RECEIVING_DOMAIN=mail.frontdesk.test EMAIL_LINK_BASE_URL=http://127.0.0.1:3000 \
  INBOUND_EMAIL_BUCKET=frontdesk-cold-start-inbound SWEEP_QUEUE_URL="$queue_url" \
  AWS_LAMBDA_LOG_FORMAT=JSON AWS_LAMBDA_LOG_LEVEL=INFO \
  "$bench" --runs "${RUNS:-11}" --floor "$floor" "${functions[@]}"
