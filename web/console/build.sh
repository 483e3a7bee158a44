#!/usr/bin/env bash
# Rebuilds the staff console into internal/webui/console (committed, so `go build` needs no npm).
#   web/console/build.sh               reinstall the pinned packages with `npm ci`, then generate, type-check, bundle
#   web/console/build.sh --no-install  the same with the node_modules already there
#   web/console/build.sh --check       reinstall, build into a temporary folder and fail when the spec's types
#                                      break the console (tsc) or the result differs from the committed bundle
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
  WEBUI_OUTDIR="$tmp/console" node build.mjs >/dev/null
  if ! diff -r "$tmp/console" ../../internal/webui/console; then
    echo "internal/webui/console is out of date with web/console/: run web/console/build.sh and commit the result" >&2
    exit 1
  fi
  echo "internal/webui/console is up to date"
  exit 0
fi
node build.mjs
