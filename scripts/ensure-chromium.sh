#!/usr/bin/env bash
# The browser test (test/web-demo.test.ts) drives the demo page in a real headless Chromium. Install Debian's
# chromium package when no Chromium is there, the way ensure-redis.sh installs Redis, so `npm test` needs no manual
# step and npm never downloads a browser. Where it cannot be installed this script only warns: the browser test then
# skips with one line saying why (it never passes silently).
set -uo pipefail
for bin in "${CHROMIUM_PATH:-}" chromium chromium-browser; do
  [ -n "$bin" ] && command -v "$bin" >/dev/null 2>&1 && exit 0
done
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing: install Debian's chromium package (sudo apt-get install chromium) or set CHROMIUM_PATH" >&2
  exit 0
fi
echo "› installing chromium (Debian package) for the browser test of the web demo"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; }; then
  echo "chromium could not be installed with apt-get: the browser test will skip" >&2
fi
exit 0
