#!/usr/bin/env bash
# Install Debian's headless Chromium for the dashboard browser test, and kcat for the PII leak scan
# of tests/security (idempotent; needs root).
set -euo pipefail
if [ -x /usr/bin/chromium ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1 && command -v kcat >/dev/null; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium fonts-noto-cjk kcat
