#!/usr/bin/env bash
# Runtime contract tests: the deployable function binaries, run under AWS's own Lambda
# Runtime Interface Emulator (shipped inside aws-sam-cli), on loopback only, against moto.
# This proves the binary speaks the Lambda Runtime API and serves API Gateway v2 events,
# not just that the handler function works.
#
#   infra/contract-test.sh            # builds practice-api (debug) and runs every case
#
# Env: FRONTDESK_MOTO_ENDPOINT  reuse this moto (make test sets it); else one is started.
#      PRACTICE_API_BIN         run this binary instead of building practice-api.
#      OPERATOR_SECRET          operator secret given to the function (default: random).
#      CONTRACT_KEEP=1          keep the events, responses and function log (kept on failure).
set -euo pipefail
. "$(dirname "$0")/common.sh"

ensure_venv
use_dummy_aws

work="$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-contract.XXXXXX")"
export FRONTDESK_LOG_DIR="$work"
RIE_PID="" TABLE_NAME="" TABLE_BIN="" OWN_MOTO=false passed=0 failed=0

cleanup() {
  local rc=$?
  if [ -n "$RIE_PID" ]; then
    kill "$RIE_PID" 2>/dev/null || true
    wait "$RIE_PID" 2>/dev/null || true
  fi
  if [ -n "$TABLE_NAME" ] && ! $OWN_MOTO; then
    "$TABLE_BIN" delete --endpoint "$FRONTDESK_MOTO_ENDPOINT" \
      --table-name "$TABLE_NAME" >/dev/null 2>&1 || true
  fi
  $OWN_MOTO && stop_moto
  if [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ -z "${CONTRACT_KEEP:-}" ]; then rm -rf "$work"; else log "contract test files kept in $work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the function's host binary ------------------------------------------------------
build_bin() { # build_bin PACKAGE BIN -> path of the debug executable
  cargo build -p "$1" --bin "$2" --message-format=json-render-diagnostics \
    | jq -r --arg bin "$2" 'select(.reason == "compiler-artifact" and .target.name == $bin
                                   and (.target.kind | index("bin"))) | .executable' \
    | tail -n 1
}
if [ -n "${PRACTICE_API_BIN:-}" ]; then
  bin="$PRACTICE_API_BIN"
else
  log "==> cargo build -p practice-api"
  bin="$(build_bin practice-api practice-api)"
fi
[ -x "$bin" ] || die "practice-api binary not found (got '$bin')"
declare -A BINS=([practice-api]="$bin")
for f in inbound-sms reminders no-shows review-requests outreach staff-console; do
  log "==> cargo build -p $f"
  BINS[$f]="$(build_bin "$f" "$f")"
  [ -x "${BINS[$f]}" ] || die "$f binary not found (got '${BINS[$f]}')"
done
# The answer-deadline sweep is a second binary of practice-api.
log "==> cargo build -p practice-api --bin answer-sla"
BINS[answer-sla]="$(build_bin practice-api answer-sla)"
[ -x "${BINS[answer-sla]}" ] || die "answer-sla binary not found (got '${BINS[answer-sla]}')"
# The webhooks job too (outbox delivery).
log "==> cargo build -p practice-api --bin webhooks"
BINS[webhooks]="$(build_bin practice-api webhooks)"
[ -x "${BINS[webhooks]}" ] || die "webhooks binary not found (got '${BINS[webhooks]}')"

# The one table builder (local-stack's `table`), from template.yaml's own definition.
log "==> cargo build -p local-stack --bin table"
TABLE_BIN="$(build_bin local-stack table)"
[ -x "$TABLE_BIN" ] || die "local-stack's table binary not found (got '$TABLE_BIN')"

# --- moto and a fresh table from template.yaml ------------------------------------------
if [ -z "${FRONTDESK_MOTO_ENDPOINT:-}" ]; then
  start_moto
  OWN_MOTO=true
fi
TABLE_NAME="frontdesk-contract-$$-$RANDOM"
"$TABLE_BIN" create --endpoint "$FRONTDESK_MOTO_ENDPOINT" --table-name "$TABLE_NAME" >/dev/null
SECRETS_KEY_ID="$(moto_secrets_key)" || die "could not create the secrets key in moto"
OPERATOR_SECRET="${OPERATOR_SECRET:-contract-$(python3 -c 'import secrets; print(secrets.token_hex(16))')}"

# --- the Runtime Interface Emulator, on loopback only ----------------------------------
case "$(uname -m)" in
  x86_64) rie_arch=x86_64 ;;
  aarch64 | arm64) rie_arch=arm64 ;;
  *) die "no Runtime Interface Emulator for $(uname -m)" ;;
esac
rie="$(compgen -G "$FRONTDESK_VENV/lib/python3*/site-packages/samcli/local/rapid/aws-lambda-rie-$rie_arch" | head -n 1 || true)"
[ -n "$rie" ] || die "aws-lambda-rie-$rie_arch not found in the venv's aws-sam-cli package"
chmod +x "$rie" 2>/dev/null || true

# start_function NAME: runs that function's binary under the RIE (loopback only) and sets
# invoke_url; stop_function stops it. One function at a time.
start_function() {
  local name="$1"
  rie_port="$(free_port)"
  runtime_api_port="$(free_port)"
  while [ "$runtime_api_port" = "$rie_port" ]; do runtime_api_port="$(free_port)"; done
  invoke_url="http://127.0.0.1:$rie_port/2015-03-31/functions/function/invocations"
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" \
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION="$AWS_REGION" AWS_DEFAULT_REGION="$AWS_REGION" \
    AWS_ENDPOINT_URL="$FRONTDESK_MOTO_ENDPOINT" AWS_EC2_METADATA_DISABLED=true \
    AWS_LAMBDA_FUNCTION_NAME="$name" AWS_LAMBDA_FUNCTION_VERSION='$LATEST' \
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256 AWS_LAMBDA_FUNCTION_TIMEOUT=30 \
    AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/$name" AWS_LAMBDA_LOG_STREAM_NAME=contract-test \
    AWS_LAMBDA_LOG_FORMAT=JSON AWS_LAMBDA_LOG_LEVEL=INFO RUST_LOG="${RUST_LOG:-info}" \
    TABLE_NAME="$TABLE_NAME" OPERATOR_SECRET="$OPERATOR_SECRET" SES_CONFIGURATION_SET=frontdesk-contract \
    THREAD_ID_SECRET="contract-test-thread-id-secret-$RANDOM-$RANDOM-$RANDOM" \
    SECRETS_KEY_ID="$SECRETS_KEY_ID" \
    "$rie" --runtime-interface-emulator-address "127.0.0.1:$rie_port" \
           --runtime-api-address "127.0.0.1:$runtime_api_port" \
           "${BINS[$name]}" >"$work/function-$name.log" 2>&1 &
  RIE_PID=$!
  if ! wait_http "http://127.0.0.1:$rie_port/" 20; then
    tail -n 30 "$work/function-$name.log" >&2 || true
    die "the Runtime Interface Emulator did not start $name on 127.0.0.1:$rie_port"
  fi
  CURRENT_FUNCTION="$name"
  log "$name under the RIE at 127.0.0.1:$rie_port (runtime API 127.0.0.1:$runtime_api_port), table $TABLE_NAME"
}
stop_function() {
  if [ -n "$RIE_PID" ]; then
    kill "$RIE_PID" 2>/dev/null || true
    wait "$RIE_PID" 2>/dev/null || true
    RIE_PID=""
  fi
}
start_function practice-api

# --- cases ----------------------------------------------------------------------------
# invoke NAME EVENT_ARGS... : writes $work/NAME.event.json and $work/NAME.response.json
invoke() {
  local name="$1"; shift
  "$FRONTDESK_ROOT/infra/http-event.sh" "$@" >"$work/$name.event.json"
  curl -sS --max-time 30 -XPOST "$invoke_url" -d @"$work/$name.event.json" \
    -o "$work/$name.response.json" -w '%{http_code}' >"$work/$name.http" \
    || echo '{"curl":"failed"}' >"$work/$name.response.json"
}
# invoke_file NAME FILE : invokes the current function with a prepared event.
invoke_file() {
  local name="$1"
  cp "$2" "$work/$name.event.json"
  curl -sS --max-time 60 -XPOST "$invoke_url" -d @"$work/$name.event.json" \
    -o "$work/$name.response.json" -w '%{http_code}' >"$work/$name.http" \
    || echo '{"curl":"failed"}' >"$work/$name.response.json"
}
status_of() { jq -r '.statusCode // empty' "$work/$1.response.json" 2>/dev/null || true; }
# The response body as JSON (decoding base64 if the function set isBase64Encoded).
body_of() {
  jq -r 'if .isBase64Encoded == true then (.body | @base64d) else (.body // "") end' \
    "$work/$1.response.json" 2>/dev/null || true
}
pass() { passed=$((passed + 1)); printf 'PASS  %s\n' "$1"; }
fail() {
  failed=$((failed + 1))
  printf 'FAIL  %s: %s\n' "$1" "$2"
  printf '      invoke HTTP %s, response: %s\n' "$(cat "$work/$1.http" 2>/dev/null)" \
    "$(head -c 600 "$work/$1.response.json" 2>/dev/null)"
}
# check NAME JQ_EXPR DESCRIPTION : the response body must satisfy JQ_EXPR
check_body() {
  body_of "$1" | jq -e "$2" >/dev/null 2>&1
}

echo "Runtime contract tests: practice-api under aws-lambda-rie"

name=get-practice-without-auth
invoke "$name" GET /v1/practice
st="$(status_of "$name")"
if [ "$st" = 401 ] && check_body "$name" '.error.code | type == "string"' \
   && check_body "$name" '.error.message | type == "string"'; then
  pass "$name (401, error body)"
else
  fail "$name" "want 401 with {\"error\":{\"code\",\"message\"}}, got status '${st}'"
fi

name=create-practice-wrong-operator-secret
invoke "$name" POST /v1/practices --header "Authorization: Bearer not-the-secret" \
  --body '{"name":"Contract Dental","time_zone":"America/Chicago"}'
st="$(status_of "$name")"
if { [ "$st" = 401 ] || [ "$st" = 403 ]; } && check_body "$name" '.error.code | type == "string"'; then
  pass "$name ($st)"
else
  fail "$name" "want 401 or 403 with an error body, got status '${st}'"
fi

name=create-practice
invoke "$name" POST /v1/practices --header "Authorization: Bearer $OPERATOR_SECRET" \
  --body '{"name":"Contract Dental","time_zone":"America/Chicago","sms_number":"+13125550143"}'
st="$(status_of "$name")"
api_key="$(body_of "$name" | jq -r '.api_key // empty' 2>/dev/null || true)"
if [ "$st" = 201 ] && [ -n "$api_key" ] \
   && check_body "$name" '(.practice_id | type == "string") and (.api_key | type == "string")'; then
  pass "$name (201, practice_id and api_key)"
else
  fail "$name" "want 201 with practice_id and api_key, got status '${st}'"
fi

name=get-practice-with-api-key
if [ -n "$api_key" ]; then
  invoke "$name" GET /v1/practice --header "Authorization: Bearer $api_key"
  st="$(status_of "$name")"
  if [ "$st" = 200 ] && check_body "$name" '.name == "Contract Dental"'; then
    pass "$name (200, name matches)"
  else
    fail "$name" "want 200 with name \"Contract Dental\", got status '${st}'"
  fi
else
  failed=$((failed + 1))
  printf 'FAIL  %s: skipped, create-practice returned no api_key\n' "$name"
fi

stop_function

echo "Runtime contract tests: staff-console under aws-lambda-rie"
start_function staff-console
name=console-sign-in-page
invoke "$name" GET /console/sign-in --route 'ANY /console/{proxy+}'
st="$(status_of "$name")"
if [ "$st" = 200 ] && body_of "$name" | grep -q '<h1>Sign in</h1>' \
   && jq -e '.headers["content-security-policy"] | test("script-src .self.")' "$work/$name.response.json" >/dev/null 2>&1; then
  pass "$name (200, the page with its CSP)"
else
  fail "$name" "want 200 with the sign-in page and a Content-Security-Policy, got status '${st}'"
fi
name=console-inbox-signed-out
invoke "$name" GET /console/inbox --route 'ANY /console/{proxy+}'
st="$(status_of "$name")"
if [ "$st" = 303 ]; then pass "$name (303 to sign in)"; else fail "$name" "want 303, got status '${st}'"; fi
stop_function

echo "Runtime contract tests: inbound-sms under aws-lambda-rie"
start_function inbound-sms
name=inbound-webhook-unsigned
invoke "$name" POST /webhooks/sms/twilio/prc_unknown --route 'POST /webhooks/sms/{provider}/{practice_id}' \
  --header "Content-Type: application/x-www-form-urlencoded" --body 'From=%2B13125550188&To=%2B13125550143&Body=hi&MessageSid=SMcontract'
st="$(status_of "$name")"
if [ "$st" = 403 ]; then pass "$name (403, nothing stored)"; else fail "$name" "want 403 for an unsigned webhook, got status '${st}'"; fi

name=inbound-sns-two-way
message="$(jq -cn '{originationNumber: "+13125550188", destinationNumber: "+13125550143", messageKeyword: "KEYWORD_CONTRACT", messageBody: "Hello, is the office open?", inboundMessageId: "contract-1", previousPublishedMessageId: "none"}')"
# sam's --message is pasted into its template unescaped, so set the JSON message with jq.
sam local generate-event sns notification 2>/dev/null \
  | jq --arg m "$message" '.Records[0].Sns.Message = $m' >"$work/sns.json"
invoke_file "$name" "$work/sns.json"
if jq -e '.records == 1' "$work/$name.response.json" >/dev/null 2>&1; then
  pass "$name (SNS record processed)"
else
  fail "$name" "want {\"records\":1}"
fi
stop_function

for f in reminders no-shows review-requests outreach; do
  echo "Runtime contract tests: $f under aws-lambda-rie"
  start_function "$f"
  name="$f-scheduled-event"
  sam local generate-event cloudwatch scheduled-event 2>/dev/null \
    | jq --arg t "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '.time = $t' >"$work/scheduled.json"
  invoke_file "$name" "$work/scheduled.json"
  # outreach's schedule runs each of its jobs: one sweep report per job.
  if jq -e 'def ok: (.claimed | type == "number") and (.failures == []);
            if has("broadcasts") then (.broadcasts | ok) and (.waitlist | ok) and (.birthdays | ok) and (.recall | ok) else ok end' \
    "$work/$name.response.json" >/dev/null 2>&1; then
    pass "$name (sweep report, no failures)"
  else
    fail "$name" "want a sweep report with no failures"
  fi
  stop_function
done

echo "Runtime contract tests: answer-sla under aws-lambda-rie"
start_function answer-sla
sam local generate-event cloudwatch scheduled-event 2>/dev/null \
  | jq --arg t "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '.time = $t' >"$work/scheduled.json"
invoke_file answer-sla-scheduled-event "$work/scheduled.json"
if jq -e '(.found | type == "number") and (.failures == [])' "$work/answer-sla-scheduled-event.response.json" >/dev/null 2>&1; then
  pass "answer-sla-scheduled-event (answer report, no failures)"
else
  fail "answer-sla-scheduled-event" "want an answer report with no failures"
fi
stop_function

echo "Runtime contract tests: webhooks under aws-lambda-rie"
start_function webhooks
invoke_file webhooks-scheduled-event "$work/scheduled.json"
if jq -e '(.due | type == "number") and (.failures == [])' "$work/webhooks-scheduled-event.response.json" >/dev/null 2>&1; then
  pass "webhooks-scheduled-event (delivery report, no failures)"
else
  fail "webhooks-scheduled-event" "want a delivery report with no failures"
fi
stop_function

if [ "$failed" -gt 0 ]; then
  echo "--- function log (last 40 lines) ---"
  tail -n 40 "$work/function-${CURRENT_FUNCTION:-practice-api}.log" || true
fi
echo "contract: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
