# Sourced by the real upstreams built from the Go module proxy (kubernetes.sh, minio.sh): their
# logging, argument handling, the Go caches outside the repo, finding Go and checking its version,
# and the build lock, written once.
# Use: set SCRIPT_NAME, source this file, call `handle_args "$0" "$@"`, then
# `go_setup ROOT MIN_GO_MINOR "WHAT NEEDS IT"`; it sets $cache and exports GOPATH, GOCACHE,
# GOMODCACHE, GOTOOLCHAIN and CGO_ENABLED (set GOFLAGS yourself), and sets $go_version.

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

handle_args() {
  local script=$1
  shift
  case "${1:-}" in
    '') ;;
    -h | --help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$script" >&2
      exit 0
      ;;
    *) fail "unknown argument '$1' (usage: $script)" ;;
  esac
}

go_setup() {
  local root=$1 min_minor=$2 what=$3
  cache="${HOMELAB_CACHE:-$HOME/.cache/homelab}"
  export GOPATH="$cache/go/path" GOCACHE="$cache/go/build" GOMODCACHE="$cache/go/mod"
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" CGO_ENABLED=0
  # Go's official install folder may be missing from PATH in a non-login shell.
  if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1 ||
    fail "go is not on PATH (the polyglot machines have Go in /usr/local/go/bin; $what needs Go >= 1.$min_minor)"
  local minor
  go_version="$(go env GOVERSION)" || fail "'go env GOVERSION' failed"
  minor="$(printf '%s' "$go_version" | sed -E 's/^go1\.([0-9]+).*/\1/')"
  [[ "$minor" =~ ^[0-9]+$ ]] && [ "$minor" -ge "$min_minor" ] ||
    fail "$what needs Go >= 1.$min_minor; this machine has $go_version"
  mkdir -p "$root" "$GOPATH" "$GOCACHE" "$GOMODCACHE" || fail "cannot create $root or the Go cache under $cache/go"
  exec 9>"$root/.build.lock"
  flock 9 || fail "cannot lock $root/.build.lock"
}
