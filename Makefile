# Frontdesk. The two commands: `make run` (local stack) and `make test` (everything CI checks).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV := $(ROOT)/.venv
# cargo-lambda, zig (via the ziglang package), sam and moto_server come from the venv.
export PATH := $(VENV)/bin:$(PATH)
export SAM_CLI_TELEMETRY := 0

FRONTDESK_PORT ?= 3000
MOTO_PORT ?= 5000
OPERATOR_SECRET ?= local-operator-secret

.PHONY: help venv run test build validate contract-test events fmt clippy clean-local faults cold-start

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

venv: ## Create/refresh .venv (moto, aws-sam-cli, cargo-lambda, zig); idempotent.
	@$(ROOT)/infra/venv.sh

run: venv ## Local stack: moto + gateway on http://127.0.0.1:$(FRONTDESK_PORT) (Ctrl-C stops both).
	cd $(ROOT) && env -u AWS_PROFILE -u AWS_SESSION_TOKEN \
	  FRONTDESK_PORT=$(FRONTDESK_PORT) MOTO_PORT=$(MOTO_PORT) OPERATOR_SECRET='$(OPERATOR_SECRET)' \
	  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
	  AWS_ENDPOINT_URL=http://127.0.0.1:$(MOTO_PORT) AWS_EC2_METADATA_DISABLED=true \
	  cargo run -p local-gateway

test: ## fmt, clippy, cargo test (one moto), sam validate --lint, runtime contract tests.
	@$(ROOT)/infra/test.sh

build: ## sam build (release, cargo-lambda): arm64 if the aarch64 std is installed, else x86_64.
	@$(ROOT)/infra/build.sh

validate: venv ## sam validate --lint, offline.
	cd $(ROOT) && AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test sam validate --lint

faults: venv ## Fault injection: a simulated day at 20% faults (about 30 min), prints the counts.
	cd $(ROOT) && FRONTDESK_VENV=$(VENV) cargo test -p e2e-tests --test fault_injection -- --ignored --nocapture

cold-start: venv ## Cold-start benchmark of the release binary against a hello-world floor.
	@$(ROOT)/infra/cold-start.sh

contract-test: ## Only the runtime contract tests (function binaries under aws-lambda-rie).
	@$(ROOT)/infra/contract-test.sh

events: venv ## Regenerate the event fixtures in infra/events/.
	@$(ROOT)/infra/events.sh

fmt: ## cargo fmt --all.
	cargo fmt --all

clippy: ## cargo clippy as make test runs it.
	cargo clippy --workspace --all-targets -- -D warnings

clean-local: ## Remove local build and run leftovers (.aws-sam, .local). Not target/.
	rm -rf $(ROOT)/.aws-sam $(ROOT)/.local
