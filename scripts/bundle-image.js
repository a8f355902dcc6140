// The one definition of what the relay's Docker image runs: relay.js (the relay), cli.js (setup / doctor) and the
// entrypoint that picks one. Used by the Dockerfile and by the test that runs the bundled CLI.
const path = require("node:path");
const fs = require("node:fs");

const root = path.join(__dirname, "..");

function bundleImage(outdir) {
  const esbuild = require("esbuild");
  fs.mkdirSync(outdir, { recursive: true });
  for (const [entry, out] of [
    ["src/relay/main.ts", "relay.js"],
    ["src/cli/main.ts", "cli.js"],
  ]) {
    esbuild.buildSync({
      entryPoints: [path.join(root, entry)],
      outfile: path.join(outdir, out),
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      legalComments: "none",
      logLevel: "warning",
    });
  }
  const entrypoint = path.join(outdir, "entrypoint.sh");
  fs.copyFileSync(path.join(root, "scripts", "image-entrypoint.sh"), entrypoint);
  fs.chmodSync(entrypoint, 0o755);
  return outdir;
}

module.exports = { bundleImage };

if (require.main === module) bundleImage(path.resolve(process.argv[2] || "build/image"));
