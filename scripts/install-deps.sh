#!/usr/bin/env bash
# Installs the Debian packages wfmlink needs to build and test, and only the
# missing ones: fast when everything is already there.
# Usage: scripts/install-deps.sh [build|test]
set -euo pipefail
build_pkgs=(gcc make cmake pkg-config libcurl4-openssl-dev libjansson-dev
  libexpat1-dev libmicrohttpd-dev libwebsockets-dev libsqlite3-dev libpq-dev libsodium-dev
  tzdata ca-certificates)
test_pkgs=(libcmocka-dev curl sqlite3 python3 postgresql
  prometheus man-db) # promtool (/metrics tests), man and lexgrog (the man page)
# the browser tests (tests/e2e/browser.sh): Debian's Chromium, and Node.js with
# npm for playwright-core unless a Node.js with npm is already installed
# (NodeSource's nodejs bundles npm and conflicts with Debian's npm package)
browser_pkgs=(chromium)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  browser_pkgs+=(nodejs npm)
fi
want=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && want+=("${test_pkgs[@]}" "${browser_pkgs[@]}")
missing=()
for p in "${want[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
