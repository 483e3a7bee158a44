#!/usr/bin/env bash
# Builds the pinned tools the dev stack and the tests need into .bin/ (once; later calls return at once).
# The single place where their versions are pinned. Safe when several test binaries call it at once.
set -euo pipefail
VERSITYGW_VERSION=v1.8.0
OAPI_CODEGEN_VERSION=v2.5.1
FERRETDB_VERSION=v1.24.2 # also in tools/devstack/go.mod (require and replace)
FERRETDB_SUM=h1:trrUU0LbmusMbyubhPS1IELncvrIwKrsRT2LW1UUWCw= # its module's hash, which ferretdb.patch is applied to

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
# devstack: rebuilt when its sources or the FerretDB patch change. It embeds FerretDB $FERRETDB_VERSION from the Go
# module proxy with tools/devstack/ferretdb.patch applied (see the patch for what and why), in .bin/src/, which
# tools/devstack/go.mod's replace directive points at.
dev="$root/tools/devstack"
sum=$(cat "$dev/go.mod" "$dev/go.sum" "$dev"/*.go "$dev/ferretdb.patch" | sha256sum | cut -c1-16)
if ! stamp devstack "$sum"; then
  echo "install.sh: building devstack (embedded FerretDB $FERRETDB_VERSION + ferretdb.patch)" >&2
  fsrc="$bin/src/ferretdb-$FERRETDB_VERSION"
  json=$(cd "$dev" && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION") || {
    echo "install.sh: FATAL: go mod download github.com/FerretDB/FerretDB@$FERRETDB_VERSION failed" >&2; exit 1; }
  modDir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")
  [ -n "$modDir" ] && [ -d "$modDir" ] && grep -qF "\"Sum\": \"$FERRETDB_SUM\"" <<<"$json" || {
    echo "install.sh: FATAL: no FerretDB $FERRETDB_VERSION module source with hash $FERRETDB_SUM in: $json" >&2; exit 1; }
  rm -rf "$fsrc"
  mkdir -p "$(dirname "$fsrc")"
  cp -R "$modDir" "$fsrc"
  chmod -R u+w "$fsrc"
  if ! patch -d "$fsrc" -p1 --forward --batch --fuzz=0 --no-backup-if-mismatch < "$dev/ferretdb.patch" >&2 ||
     [ -n "$(find "$fsrc" -name '*.rej' -o -name '*.orig' | head -1)" ]; then
    echo "install.sh: FATAL: tools/devstack/ferretdb.patch does not apply cleanly to FerretDB $FERRETDB_VERSION" >&2
    exit 1
  fi
  (cd "$dev" && go build -o "$bin/devstack.tmp" .)
  mv "$bin/devstack.tmp" "$bin/devstack"
  echo "$sum" > "$bin/devstack.version"
fi
# chromium: the public map page's browser test drives Debian's chromium (installed as root when missing).
if ! command -v chromium >/dev/null 2>&1; then
  echo "install.sh: installing Debian's chromium for the map page test" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >&2
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >&2; fi
fi
