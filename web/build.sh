#!/usr/bin/env bash
# Rebuilds the public map page into internal/webui/dist (committed, so `go build` needs no npm).
#   web/build.sh               reinstall the pinned packages with `npm ci`, then bundle
#   web/build.sh --no-install  bundle with the node_modules already there
#   web/build.sh --check       reinstall, bundle into a temporary folder and fail when it differs
#                              from the committed internal/webui/dist (sources changed, no rebuild)
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-}"
case "$mode" in ""|--no-install|--check) ;; *) echo "usage: $0 [--no-install|--check]" >&2; exit 2 ;; esac
if [[ "$mode" != "--no-install" ]]; then
  # esbuild's postinstall only speeds up its start: the binary comes from its optional dependency.
  npm ci --no-audit --no-fund --ignore-scripts
fi
if [[ "$mode" == "--check" ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  WEBUI_OUTDIR="$tmp/dist" node build.mjs >/dev/null
  if ! diff -r "$tmp/dist" ../internal/webui/dist; then
    echo "internal/webui/dist is out of date with web/: run web/build.sh and commit the result" >&2
    exit 1
  fi
  echo "internal/webui/dist is up to date"
  exit 0
fi
node build.mjs
