#!/usr/bin/env bash
# The relay's Redis tests run a real redis-server on loopback (each test file starts its own). Install it from
# Debian's packages when missing, so `npm test` works on a fresh machine with no manual step.
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "redis-server is missing: install Debian's redis-server package (sudo apt-get install redis-server)" >&2
  exit 1
fi
echo "› installing redis-server (Debian package) for the relay's Redis tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
