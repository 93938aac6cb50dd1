#!/usr/bin/env bash
# Builds a real MinIO server for the real-upstream tier, from the Go module proxy, into the
# machine's cache (never the repo):
#   ${HOMELAB_CACHE:-$HOME/.cache/homelab}/minio/<module version>/bin/minio
# No MinIO binary is packaged for Debian, and MinIO's community edition is source-only (its
# repository was archived on 2026-02-13). MinIO tags its releases RELEASE.<time>, which are not Go
# module versions, so the proxy only knows github.com/minio/minio by pseudo-versions; the one it
# serves here is the last commit of the archived repository (7aac2a2c5b7c, 2026-02-12: the
# RELEASE.2025-10-15T17-29-55Z code plus 11 commits). Release tags and other commits are refused
# by the proxy ("This module version is not available"). Its go.mod has no `replace` directives,
# so a plain `go install github.com/minio/minio@<version>` builds it, with MinIO's own pinned
# dependency versions (checked against the Go checksum database).
# The binary is stamped the way MinIO's own `make build` stamps a commit that is not a release
# (buildscripts/gen-ldflags.go): Version = the commit time, ReleaseTag = DEVELOPMENT.<commit time>,
# CommitID = the commit; build tag kqueue as in its Makefile. So `minio --version` reports
#   minio version DEVELOPMENT.2026-02-12T20-18-48Z (commit-id=7aac2a2c5b7c...)
# MinIO is GNU AGPLv3: it runs here as a separate, unmodified test upstream, never linked or shipped.
# Lean build (2 cores): -trimpath, -ldflags '-s -w', CGO off.
# Idempotent: a binary whose stamp matches this recipe and Go version, and that reports the pinned
# version, returns in well under a second. Progress goes to stderr; any failure exits non-zero
# with the reason. A cold build (empty module and build caches: 242 modules, 1.2 GB of module cache,
# 1 GB of build cache, a 107 MiB binary) took 137 s on a 2-core machine; 164 s into a cache that
# kubernetes.sh had warmed (few modules overlap; run-to-run noise dominates); warm: 0.2 s.
# Go: the machine's Go >= 1.24 (MinIO's go.mod declares go 1.24.0); GOPATH, GOCACHE and
# GOMODCACHE live under ${HOMELAB_CACHE:-$HOME/.cache/homelab}/go (shared with kubernetes.sh).
set -euo pipefail

MINIO_MODULE=github.com/minio/minio
# The only version of github.com/minio/minio the Go module proxy serves here (its `latest`).
MINIO_MODULE_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_COMMIT=7aac2a2c5b7c882e68c1ce017d8256be2feea27f
# The commit time, as MinIO's gen-ldflags.go turns it into Version and ReleaseTag.
MINIO_COMMIT_TIME=2026-02-12T20:18:48Z
MINIO_RELEASE_TAG="DEVELOPMENT.${MINIO_COMMIT_TIME//:/-}"

SCRIPT_NAME=minio.sh
# shellcheck source=scripts/real-upstreams/go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-build.sh"
handle_args "$0" "$@"

root="${HOMELAB_CACHE:-$HOME/.cache/homelab}/minio/$MINIO_MODULE_VERSION"
bin="$root/bin"
go_setup "$root" 24 "$MINIO_MODULE $MINIO_MODULE_VERSION"
# `go install pkg@version` ignores the current folder's module; -mod must stay unset for it.
export GOFLAGS="-buildvcs=false"
mkdir -p "$bin"

pkg=github.com/minio/minio/cmd
ldflags="-s -w -X $pkg.Version=$MINIO_COMMIT_TIME -X $pkg.ReleaseTag=$MINIO_RELEASE_TAG"
ldflags+=" -X $pkg.CommitID=$MINIO_COMMIT -X $pkg.ShortCommitID=${MINIO_COMMIT:0:12}"
ldflags+=" -X $pkg.CopyrightYear=${MINIO_COMMIT_TIME:0:4}"
tags=kqueue
expected="minio version $MINIO_RELEASE_TAG (commit-id=$MINIO_COMMIT)"

# binary_answers FILE: it runs and reports the pinned version and commit.
binary_answers() {
  "$1" --version 2>&1 | head -1 | grep -qxF "$expected"
}

stamp="$(printf '%s\n' "$go_version" "$MINIO_MODULE@$MINIO_MODULE_VERSION" "$ldflags" "$tags" | sha256sum | cut -d' ' -f1)"
if [ -x "$bin/minio" ] && [ "$(cat "$root/.homelab-stamp" 2>/dev/null)" = "$stamp" ] &&
  binary_answers "$bin/minio"; then
  log "minio $MINIO_RELEASE_TAG is up to date ($bin/minio)"
  exit 0
fi

started=$SECONDS
log "building minio $MINIO_RELEASE_TAG ($MINIO_MODULE@$MINIO_MODULE_VERSION) with $go_version"
log "a cold build downloads about 240 modules and compiles for 2-3 minutes on 2 cores; later runs reuse $cache/go"
rm -f "$root/.homelab-stamp"
staging="$root/bin.new"
rm -rf "$staging"
mkdir -p "$staging"
# Run from the cache folder, so no go.mod or go.work around the caller's folder is in play.
cd "$root"
GOBIN="$staging" go install -trimpath -tags="$tags" -ldflags="$ldflags" "$MINIO_MODULE@$MINIO_MODULE_VERSION" >&2 ||
  fail "go install $MINIO_MODULE@$MINIO_MODULE_VERSION failed (see above): is the Go module proxy reachable, and does it still serve this version?"
binary_answers "$staging/minio" ||
  fail "the built binary reports '$("$staging/minio" --version 2>&1 | head -1)', not '$expected'"
mv -f "$staging/minio" "$bin/minio"
rm -rf "$staging"
printf '%s\n' "$stamp" >"$root/.homelab-stamp"
log "built in $((SECONDS - started)) s: $bin/minio ($MINIO_RELEASE_TAG)"
