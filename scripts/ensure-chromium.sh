#!/usr/bin/env bash
# Makes sure Debian's headless Chromium is present for the browser tests
# (playwright-core drives it; Playwright's own browser download is not used).
# Installs it with apt-get when missing and we are root; otherwise says what to do.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium package" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: chromium is not installed; install it (Debian: apt-get install chromium) or set CHROMIUM_PATH" >&2
exit 1
