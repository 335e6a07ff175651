#!/usr/bin/env bash
# Install the npm package `lighthouse` (pinned) under .data/lighthouse for tests/e2e_browser/
# lighthouse_check.py, whose lighthouse_run.mjs loads it from there (idempotent; `make lighthouse`,
# run by CI after `make test`). Lighthouse brings no browser: it drives Debian's Chromium
# (CHROME_PATH=/usr/bin/chromium, installed by services/audit/tests/browser_setup.sh); its
# dependencies have no install scripts, and none is run (--ignore-scripts), so nothing downloads
# a binary here or at run time.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=12.8.2
PREFIX=.data/lighthouse
if [ -x "$PREFIX/node_modules/.bin/lighthouse" ] \
    && [ "$("$PREFIX/node_modules/.bin/lighthouse" --version)" = "$VERSION" ]; then
    exit 0
fi
command -v npm >/dev/null || {
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq nodejs npm
}
mkdir -p "$PREFIX"
PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$PREFIX" --no-audit --no-fund --ignore-scripts \
    "lighthouse@$VERSION"
