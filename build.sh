#!/usr/bin/env bash
# Builds the upload tarball: type-check, bundle src/module.ts into ONE self-contained CommonJS file, pack it.
set -euo pipefail
cd "$(dirname "$0")"

echo "› type-check"
npx tsc --noEmit -p tsconfig.json
npx tsc --noEmit -p testbed/demo/web/page/tsconfig.json

echo "› bundle build/module.js"
rm -rf build
node scripts/bundle.js

echo "› pack nice-cxone-handover.tar.gz"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/build"
cp build/module.js "$stage/build/"
cp README.md "$stage/"
cp icons/icon.png "$stage/icon.png"
# The packed package.json declares no dependencies because the bundle carries them all; the lockfile says the same.
node scripts/pack-manifest.js "$stage"
tar -czf nice-cxone-handover.tar.gz -C "$stage" build/module.js package.json package-lock.json README.md icon.png

printf '› done: build/module.js %s bytes, nice-cxone-handover.tar.gz %s bytes\n' \
  "$(wc -c < build/module.js)" "$(wc -c < nice-cxone-handover.tar.gz)"
