// Writes the package.json and package-lock.json that go into the upload tarball. The bundle carries every dependency,
// so the packed manifest declares none, and the lockfile pins exactly that: whichever npm install step Cognigy runs
// on upload (undocumented) has nothing to fetch and succeeds. author and keywords are there because nearly every
// public extension ships them.
const fs = require("node:fs");
const path = require("node:path");

function packedManifest(pkg) {
  return {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    author: pkg.author,
    keywords: pkg.keywords,
    main: pkg.main,
    license: pkg.license,
    bundled: Object.keys(pkg.dependencies).filter((d) => ["axios", "zod", "@cognigy/extension-tools"].includes(d)),
  };
}

function packedLockfile(manifest) {
  return {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages: { "": { name: manifest.name, version: manifest.version, license: manifest.license } },
  };
}

function writePackedManifest(dir, pkg = require(path.join(__dirname, "..", "package.json"))) {
  const manifest = packedManifest(pkg);
  fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, "package-lock.json"), `${JSON.stringify(packedLockfile(manifest), null, 2)}\n`);
}

module.exports = { packedManifest, packedLockfile, writePackedManifest };

if (require.main === module) writePackedManifest(process.argv[2]);
