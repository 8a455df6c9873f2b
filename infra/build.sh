#!/usr/bin/env bash
# `make build`: `sam build` of every function with cargo-lambda (release), for arm64 when
# the aarch64 Rust standard library is installed, otherwise for x86_64. Every function is
# the one multi-call binary `frontdesk` (functions/frontdesk), so it is compiled and
# linked once; the other functions' builds find it fresh. Prints the time taken and each
# function's binary size.
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/release-flags.sh"
enter_project

arch="$(lambda_architecture)"
if [ "$arch" = x86_64 ] && [ -z "${ARCHITECTURE:-}" ]; then
  echo "NOTE: the aarch64-unknown-linux-gnu Rust std is not installed (rustup target add aarch64-unknown-linux-gnu);"
  echo "NOTE: building for x86_64 instead of arm64. Deploy this build with the parameter Architecture=x86_64."
fi
echo "==> sam build (Architecture=$arch)"
start=$SECONDS
sam build --parameter-overrides "Architecture=$arch" "$@"
elapsed=$((SECONDS - start))
echo "$arch" >.aws-sam/frontdesk-architecture

echo
echo "==> built for $arch in ${elapsed}s"
printf '    %-28s %12s  %s\n' "function" "bytes" "binary"
for boot in .aws-sam/build/*/bootstrap; do
  [ -f "$boot" ] || continue
  fn="$(basename "$(dirname "$boot")")"
  bytes="$(stat -c %s "$boot")"
  kind="$(file -b "$boot" 2>/dev/null | cut -d, -f1-2 || true)"
  stripped="$(file -b "$boot" 2>/dev/null | grep -o 'not stripped\|stripped' | head -n 1 || true)"
  printf '    %-28s %12s  %s MiB, %s, %s\n' "$fn" "$bytes" "$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1048576 }')" "$kind" "${stripped:-?}"
done
if [ "$arch" != arm64 ]; then
  echo "    deploy: sam deploy --guided, and answer Architecture=$arch (the template's default is arm64)"
fi
