#!/usr/bin/env bash
# The real-upstream tier. Each test starts the real service it needs on 127.0.0.1 and fails
# with a clear message when that service's binary is missing (never a silent skip); .ci/run
# installs the machine packages first, and this script installs (or finds warm in the cache)
# the pinned Home Assistant and builds (or finds warm in the cache) kube-apiserver and etcd, and
# MinIO, from the Go module proxy (cold builds take about 3.5 and 2.5 minutes on 2 cores). Run
# through scripts/test.mjs for the same closing count line.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=("prometheus-alertmanager (apt-get install prometheus-alertmanager)")
hass="${HOMELAB_CACHE:-$HOME/.cache/homelab}/home-assistant/venv/bin/hass"
if ! bash scripts/real-upstreams/home-assistant.sh; then
  missing+=("Home Assistant (bash scripts/real-upstreams/home-assistant.sh failed; see above)")
elif [ ! -x "$hass" ]; then
  missing+=("Home Assistant: $hass is missing after bash scripts/real-upstreams/home-assistant.sh")
fi
# kubernetes.sh exits 0 only with both binaries built, stamped and answering --version.
bash scripts/real-upstreams/kubernetes.sh ||
  missing+=("kube-apiserver and etcd (bash scripts/real-upstreams/kubernetes.sh failed; see above)")
# minio.sh exits 0 only with the binary built, stamped and answering --version.
bash scripts/real-upstreams/minio.sh ||
  missing+=("MinIO (bash scripts/real-upstreams/minio.sh failed; see above)")
command -v openssl >/dev/null 2>&1 || missing+=("openssl, for the fake kubelet's certificate (apt-get install openssl)")
[ -x /usr/bin/chromium ] || missing+=("Chromium, for the web console test (apt-get install chromium)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'test-real: missing real upstreams:\n' >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
node scripts/test.mjs vitest.real.config.ts
