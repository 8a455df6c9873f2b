#!/usr/bin/env bash
# `make test`: formatting, lints, the workspace tests (each test binary starts its own moto), the SAM
# template lint, and the runtime contract tests. Stops at the first failing step.
set -euo pipefail
. "$(dirname "$0")/common.sh"
enter_project

steps=()
step_start=0
begin() { step_start=$SECONDS; printf '\n==> [%s] %s\n' "$1" "$2"; }
done_step() { steps+=("$(printf '%-28s %4ss' "$1" "$((SECONDS - step_start))")"); }
summary() {
  local rc=$?
  stop_moto
  if [ "${#steps[@]}" -gt 0 ]; then
    printf '\n==> make test steps done:\n'
    printf '    %s\n' "${steps[@]}"
  fi
  [ "$rc" -eq 0 ] && echo "==> make test: all steps passed" || echo "==> make test: FAILED (exit $rc)"
  exit "$rc"
}
trap summary EXIT
trap 'exit 130' INT TERM

begin 1/7 "cargo fmt --all -- --check"
cargo fmt --all -- --check
done_step "fmt"

begin 2/7 "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
done_step "clippy"

begin 3/7 "OpenAPI document (openapi-spec-validator, OpenAPI 3.1); the bench moto patch (pytest)"
"$FRONTDESK_VENV/bin/python" "$FRONTDESK_ROOT/infra/openapi_check.py" "$FRONTDESK_ROOT/functions/practice-api/openapi.yaml"
# The reminder bench's moto patch (functions/reminders/bench) answers queries as stock moto.
(cd "$FRONTDESK_ROOT/functions/reminders/bench" && "$FRONTDESK_VENV/bin/python" -m pytest -q -p no:cacheprovider test_moto_bench.py)
done_step "openapi document, bench moto patch"

begin 4/7 "cargo test --workspace (each test binary starts its own moto on loopback)"
# No shared server: every test binary gets its own moto (about 1.5 s to start), so one
# crate's sends can never show up in another crate's outbox assertions. Set
# FRONTDESK_MOTO_ENDPOINT yourself to reuse a running one while iterating.
unset FRONTDESK_MOTO_ENDPOINT
cargo test --workspace --no-fail-fast
done_step "cargo test"

begin 5/7 "sam validate --lint"
sam validate --lint --template "$FRONTDESK_ROOT/template.yaml"
done_step "sam validate --lint"

begin 6/7 "schemathesis: the practice API fuzzed from its OpenAPI document (local gateway, its own moto)"
"$FRONTDESK_ROOT/infra/schemathesis.sh"
done_step "schemathesis"

begin 7/7 "runtime contract tests (aws-lambda-rie, its own moto)"
"$FRONTDESK_ROOT/infra/contract-test.sh"
done_step "contract tests"
