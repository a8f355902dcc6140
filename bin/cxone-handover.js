#!/usr/bin/env node
// The admin CLI from a checkout: the bundled build (./build.sh) when there is one, else the TypeScript via ts-node.
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const bundled = join(__dirname, "..", "build", "cli.js");
if (existsSync(bundled)) {
  require(bundled);
} else {
  require("ts-node").register({ transpileOnly: true });
  require("../src/cli/main.ts");
}
