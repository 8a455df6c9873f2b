# Shared helpers for the infra scripts. Source it: `. "$(dirname "$0")/common.sh"`.
# Everything local binds to 127.0.0.1 and talks to moto with dummy credentials.

FRONTDESK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FRONTDESK_VENV="$FRONTDESK_ROOT/.venv"
export PATH="$FRONTDESK_VENV/bin:$PATH"
# SAM CLI: no telemetry, no colours in logs.
export SAM_CLI_TELEMETRY=0

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Make sure the project venv (moto, sam, cargo-lambda, zig) exists and is current.
ensure_venv() { "$FRONTDESK_ROOT/infra/venv.sh"; }

# Every script's start: the project root, the venv, dummy AWS credentials.
enter_project() {
  cd "$FRONTDESK_ROOT"
  ensure_venv
  use_dummy_aws
}

# Dummy AWS credentials and region, and nothing that could reach a real account.
use_dummy_aws() {
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_DEFAULT_PROFILE
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_DEFAULT_REGION="${AWS_REGION:-us-east-1}"
  export AWS_EC2_METADATA_DISABLED=true
}

# A TCP port that is free on loopback right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL SECONDS: poll until URL answers (any HTTP status) or time runs out.
wait_http() {
  local url="$1" secs="${2:-30}" i
  for ((i = 0; i < secs * 10; i++)); do
    if curl -s -o /dev/null --max-time 1 "$url"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# start_moto [PORT]: start one moto server on loopback in the background.
# Sets MOTO_PID and exports FRONTDESK_MOTO_ENDPOINT. Pair with stop_moto (use a trap).
start_moto() {
  local port="${1:-$(free_port)}"
  local logfile="${FRONTDESK_LOG_DIR:-$FRONTDESK_ROOT/.local}/moto-$port.log"
  mkdir -p "$(dirname "$logfile")"
  # moto_server applying one request at a time, as DynamoDB serialises writes to an item
  # (see infra/moto_serial.py).
  "$FRONTDESK_VENV/bin/python" "$FRONTDESK_ROOT/infra/moto_serial.py" -H 127.0.0.1 -p "$port" >"$logfile" 2>&1 &
  MOTO_PID=$!
  export FRONTDESK_MOTO_ENDPOINT="http://127.0.0.1:$port"
  if ! wait_http "$FRONTDESK_MOTO_ENDPOINT/moto-api/" 30; then
    tail -n 20 "$logfile" >&2 || true
    stop_moto
    die "moto did not start on 127.0.0.1:$port (log: $logfile)"
  fi
  log "moto (pid $MOTO_PID) on $FRONTDESK_MOTO_ENDPOINT, log $logfile"
}

stop_moto() {
  if [ -n "${MOTO_PID:-}" ]; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
    MOTO_PID=
  fi
}

# moto_secrets_key: creates a KMS key in the running moto and prints its ARN, for a
# function's SECRETS_KEY_ID (deployed, template.yaml passes the stack's SecretsKey).
moto_secrets_key() {
  "$FRONTDESK_VENV/bin/python" -c 'import sys, boto3
kms = boto3.client("kms", endpoint_url=sys.argv[1], region_name=sys.argv[2],
                   aws_access_key_id="test", aws_secret_access_key="test")
print(kms.create_key(Description="Frontdesk: seals per-practice secrets")["KeyMetadata"]["Arn"])' \
    "$FRONTDESK_MOTO_ENDPOINT" "${AWS_REGION:-us-east-1}"
}

# The architecture `make build` targets: arm64 when the aarch64 Rust std is installed.
lambda_architecture() {
  if [ -n "${ARCHITECTURE:-}" ]; then echo "$ARCHITECTURE"; return; fi
  local libdir
  libdir="$(rustc --print target-libdir --target aarch64-unknown-linux-gnu 2>/dev/null || true)"
  if [ -n "$libdir" ] && compgen -G "$libdir/libstd-*.rlib" >/dev/null; then
    echo arm64
  else
    echo x86_64
  fi
}
