#!/usr/bin/env bash
# Builds a real Kubernetes API server and etcd for the real-upstream tier, from the Go module
# proxy, into the machine's cache (never the repo):
#   ${HOMELAB_CACHE:-$HOME/.cache/homelab}/kubernetes/<version>/bin/{kube-apiserver,etcd}
# No binary of either is packaged for Debian. k8s.io/kubernetes keeps `replace` directives that
# point its staging modules (k8s.io/api, k8s.io/apimachinery, ...) at folders inside its own
# repository, so `go install k8s.io/kubernetes/cmd/kube-apiserver@v1.35.4` refuses it. The
# documented way to consume it as a module (kubernetes/kubernetes issue 79384) is a wrapper
# module that requires k8s.io/kubernetes and replaces each staging module with its published
# v0.N.x release; this script writes that throwaway wrapper into the cache and builds there.
# etcd is built in the same wrapper from go.etcd.io/etcd/server/v3's etcdmain package, at the
# version that k8s.io/kubernetes itself pins (a 3-line main: the same code as the etcd binary).
# Only kube-apiserver and etcd are built (2 cores): -trimpath, -ldflags='-s -w', CGO off.
# Idempotent: binaries whose stamp matches this recipe and Go version, and that report the pinned
# versions, return in well under a second. Progress goes to stderr; any failure exits non-zero
# with the reason. A cold build (modules and compile) took 185-198 s on a 2-core machine.
# Go: the machine's Go >= 1.25 (k8s.io/kubernetes v1.35 declares go 1.25.0); GOPATH, GOCACHE and
# GOMODCACHE live under ${HOMELAB_CACHE:-$HOME/.cache/homelab}/go.
set -euo pipefail

K8S_VERSION=v1.35.4
# The published release of every staging module for K8S_VERSION (tag kubernetes-1.35.4).
STAGING_VERSION=v0.35.4
# The etcd release k8s.io/kubernetes v1.35.4 requires (go.etcd.io/etcd/server/v3 in its go.mod).
ETCD_VERSION=v3.6.5
# The `replace` block of k8s.io/kubernetes v1.35.4's go.mod: every module it points at ./staging.
STAGING_MODULES=(
  api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
  cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api
  cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms
  kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
  mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller
)

SCRIPT_NAME=kubernetes.sh
# shellcheck source=scripts/real-upstreams/go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-build.sh"
handle_args "$0" "$@"

root="${HOMELAB_CACHE:-$HOME/.cache/homelab}/kubernetes/$K8S_VERSION"
src="$root/src"
bin="$root/bin"
go_setup "$root" 25 "k8s.io/kubernetes $K8S_VERSION"
export GOFLAGS="-mod=mod -buildvcs=false"
mkdir -p "$bin"

# The wrapper module. `tool` keeps kube-apiserver's packages in the module graph for `go mod tidy`;
# etcd/main.go is etcd's own main (go.etcd.io/etcd/server/v3/main.go) importing etcdmain.
go_mod="module homelab.local/kubernetes-build

go 1.25.0

// The same GODEBUG defaults as k8s.io/kubernetes $K8S_VERSION's own go.mod.
godebug default=go1.25

tool k8s.io/kubernetes/cmd/kube-apiserver

require (
	go.etcd.io/etcd/server/v3 $ETCD_VERSION
	k8s.io/kubernetes $K8S_VERSION
)

replace (
$(for m in "${STAGING_MODULES[@]}"; do printf '\tk8s.io/%s => k8s.io/%s %s\n' "$m" "$m" "$STAGING_VERSION"; done)
)
"
etcd_main='// etcd, built from go.etcd.io/etcd/server/v3 (the same main as the upstream etcd binary).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
'
# What the release build passes (hack/lib/version.sh), so /version reports the real release.
build_date="2026-01-01T00:00:00Z"
version_flags=""
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  version_flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=35"
  version_flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done
ldflags="-s -w$version_flags"
# kube-apiserver's release tags (hack/lib/golang.sh: selinux,notest plus grpcnotrace).
tags="selinux,notest,grpcnotrace"

# binaries_answer SUFFIX: both binaries (with that file name suffix) run and report the pinned versions.
binaries_answer() {
  "$bin/kube-apiserver$1" --version 2>&1 | grep -qx "Kubernetes $K8S_VERSION" &&
    "$bin/etcd$1" --version 2>&1 | grep -qx "etcd Version: ${ETCD_VERSION#v}"
}

stamp="$(printf '%s\n' "$go_version" "$go_mod" "$etcd_main" "$ldflags" "$tags" | sha256sum | cut -d' ' -f1)"
if [ -x "$bin/kube-apiserver" ] && [ -x "$bin/etcd" ] &&
  [ "$(cat "$root/.homelab-stamp" 2>/dev/null)" = "$stamp" ] && binaries_answer ""; then
  log "kube-apiserver $K8S_VERSION and etcd $ETCD_VERSION are up to date ($bin)"
  exit 0
fi

started=$SECONDS
log "building kube-apiserver $K8S_VERSION and etcd $ETCD_VERSION with $go_version in $src"
log "a cold build downloads about 170 modules and compiles for about 3 minutes on 2 cores; later runs reuse $cache/go"
rm -f "$root/.homelab-stamp"
mkdir -p "$src/etcd"
printf '%s' "$go_mod" >"$src/go.mod"
printf '%s' "$etcd_main" >"$src/etcd/main.go"
cd "$src"

log "resolving modules (go mod tidy)"
go mod tidy >&2 || fail "go mod tidy in $src failed (see above): is the Go module proxy reachable, and does $K8S_VERSION still list these staging modules?"
log "modules resolved in $((SECONDS - started)) s"

step=$SECONDS
log "compiling kube-apiserver"
go build -trimpath -tags="$tags" -ldflags="$ldflags" -o "$bin/kube-apiserver.new" k8s.io/kubernetes/cmd/kube-apiserver >&2 ||
  fail "go build k8s.io/kubernetes/cmd/kube-apiserver failed (see above)"
log "kube-apiserver compiled in $((SECONDS - step)) s"

step=$SECONDS
log "compiling etcd"
go build -trimpath -ldflags="-s -w" -o "$bin/etcd.new" ./etcd >&2 ||
  fail "go build of etcd ($src/etcd, go.etcd.io/etcd/server/v3/etcdmain) failed (see above)"
log "etcd compiled in $((SECONDS - step)) s"

binaries_answer .new ||
  fail "the built binaries report '$("$bin/kube-apiserver.new" --version 2>&1 | head -1)' and '$("$bin/etcd.new" --version 2>&1 | head -1)', not Kubernetes $K8S_VERSION and etcd ${ETCD_VERSION#v}"
mv -f "$bin/kube-apiserver.new" "$bin/kube-apiserver"
mv -f "$bin/etcd.new" "$bin/etcd"
printf '%s\n' "$stamp" >"$root/.homelab-stamp"
log "built in $((SECONDS - started)) s: $bin/kube-apiserver ($K8S_VERSION), $bin/etcd ($ETCD_VERSION)"
