#!/usr/bin/env node
// `cxone-handover` from a checkout (npm link / npx): the admin CLI's TypeScript run through ts-node. The relay's
// Docker image carries a bundled copy instead (scripts/bundle-image.js).
require("ts-node").register({ transpileOnly: true, projectSearchDir: require("node:path").join(__dirname, "..") });
require("../src/cli/main.ts").runFromProcess();
