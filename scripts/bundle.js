// The one definition of how build/module.js is bundled; used by build.sh and by the demo, which loads the bundle
// exactly as Cognigy would.
const path = require("node:path");
const { builtinModules } = require("node:module");

const root = path.join(__dirname, "..");

function bundle(outfile = path.join(root, "build", "module.js")) {
  const esbuild = require("esbuild");
  const result = esbuild.buildSync({
    entryPoints: [path.join(root, "src", "module.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    minify: true,
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    // axios imports form-data for multipart bodies we never send; the real package drags in mime-db (134 KB).
    alias: { "form-data": path.join(root, "src", "bundle", "form-data-unused.js") },
  });
  // Cognigy installs no dependencies for the bundle: it may require Node built-ins only.
  const external = Object.values(result.metafile.outputs)
    .flatMap((o) => o.imports)
    .filter((i) => i.external)
    .map((i) => i.path.replace(/^node:/, ""))
    .filter((p) => !builtinModules.includes(p));
  if (external.length) throw new Error(`bundle requires non-builtin modules: ${[...new Set(external)].join(", ")}`);
  return outfile;
}

module.exports = { bundle };

if (require.main === module) bundle(process.argv[2] && path.resolve(process.argv[2]));
