#!/usr/bin/env bash
# Builds the upload tarball: type-check, bundle src/module.ts into ONE self-contained CommonJS file, pack it.
set -euo pipefail
cd "$(dirname "$0")"

echo "› type-check"
npx tsc --noEmit -p tsconfig.json

echo "› bundle build/module.js"
rm -rf build && mkdir -p build
npx esbuild src/module.ts --bundle --platform=node --target=node18 --format=cjs --minify \
  --alias:form-data=./src/bundle/form-data-unused.js \
  --legal-comments=none --log-level=warning --metafile=build/meta.json --outfile=build/module.js

# The bundle must need nothing but Node built-ins: Cognigy installs no dependencies for it.
node -e '
  const { builtinModules } = require("node:module");
  const meta = require("./build/meta.json");
  const external = Object.values(meta.outputs).flatMap((o) => o.imports).filter((i) => i.external)
    .map((i) => i.path.replace(/^node:/, "")).filter((p) => !builtinModules.includes(p));
  if (external.length) { console.error("bundle requires non-builtin modules:", [...new Set(external)]); process.exit(1); }
'
rm build/meta.json

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
