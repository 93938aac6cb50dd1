#!/usr/bin/env bash
# The real-upstream tier. Each test starts the real service it needs on 127.0.0.1 and fails
# with a clear message when that service's binary is missing (never a silent skip); .ci/run
# installs them first. Run through scripts/test.mjs for the same closing count line.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=("prometheus-alertmanager (apt-get install prometheus-alertmanager)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'test-real: missing real upstreams:\n' >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
node scripts/test.mjs vitest.real.config.ts
