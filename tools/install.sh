#!/usr/bin/env bash
# Builds the pinned tools the dev stack and the tests need into .bin/ (once; later calls return at once).
# The single place where their versions are pinned. Safe when several test binaries call it at once.
set -euo pipefail
VERSITYGW_VERSION=v1.8.0
OAPI_CODEGEN_VERSION=v2.5.1

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.bin"
mkdir -p "$bin"
exec 9>"$bin/.install.lock"
flock 9

stamp() { [ -x "$bin/$1" ] && [ "$(cat "$bin/$1.version" 2>/dev/null)" = "$2" ]; }

if ! stamp versitygw "$VERSITYGW_VERSION"; then
  echo "install.sh: building versitygw $VERSITYGW_VERSION (first time only, a few minutes)" >&2
  GOBIN="$bin" GOFLAGS=-buildvcs=false go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
  echo "$VERSITYGW_VERSION" > "$bin/versitygw.version"
fi
if ! stamp oapi-codegen "$OAPI_CODEGEN_VERSION"; then
  GOBIN="$bin" go install "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@$OAPI_CODEGEN_VERSION"
  echo "$OAPI_CODEGEN_VERSION" > "$bin/oapi-codegen.version"
fi
# Debian packages the tests exercise: heif-convert renders HEIC photos (libheif-examples).
need=()
command -v heif-convert >/dev/null || need+=(libheif-examples)
if [ ${#need[@]} -gt 0 ]; then
  echo "install.sh: installing Debian packages: ${need[*]}" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >&2 || {
    echo "install.sh: could not install ${need[*]}; install them with apt-get (Debian 12)" >&2; exit 1; }
fi
# devstack: rebuilt when its sources change.
sum=$(cat "$root/tools/devstack/go.mod" "$root/tools/devstack/go.sum" "$root"/tools/devstack/*.go | sha256sum | cut -c1-16)
if ! stamp devstack "$sum"; then
  echo "install.sh: building devstack (embedded FerretDB v1.24.2)" >&2
  (cd "$root/tools/devstack" && go build -o "$bin/devstack" .)
  echo "$sum" > "$bin/devstack.version"
fi
# chromium: the public map page's browser test drives Debian's chromium (installed as root when missing).
if ! command -v chromium >/dev/null 2>&1; then
  echo "install.sh: installing Debian's chromium for the map page test" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >&2
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >&2; fi
fi
