#!/usr/bin/env bash
# Builds the upload tarball: type-check, bundle src/module.ts into ONE self-contained CommonJS file, pack it.
set -euo pipefail
cd "$(dirname "$0")"

echo "› type-check"
npx tsc --noEmit -p tsconfig.json

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
# The packed package.json declares no dependencies because the bundle carries them all.
node -e '
  const p = require("./package.json");
  const packed = { name: p.name, version: p.version, description: p.description, main: p.main, license: p.license,
    bundled: Object.keys(p.dependencies).filter((d) => ["axios", "zod", "@cognigy/extension-tools"].includes(d)) };
  require("node:fs").writeFileSync(process.argv[1], JSON.stringify(packed, null, 2) + "\n");
' "$stage/package.json"
tar -czf nice-cxone-handover.tar.gz -C "$stage" build/module.js package.json README.md icon.png

printf '› done: build/module.js %s bytes, nice-cxone-handover.tar.gz %s bytes\n' \
  "$(wc -c < build/module.js)" "$(wc -c < nice-cxone-handover.tar.gz)"
