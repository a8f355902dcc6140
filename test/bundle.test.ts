import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The uploadable tarball, as an admin gets it: built by ./build.sh (here, unless CI built it already), unpacked into
 * an empty folder with no node_modules, its module required in a fresh process.
 */
const root = join(__dirname, "..");
const tarball = join(root, "nice-cxone-handover.tar.gz");

describe("the upload tarball", () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(tarball)) execFileSync(join(root, "build.sh"), { cwd: root, stdio: "ignore" });
    dir = mkdtempSync(join(tmpdir(), "cxone-upload-"));
    execFileSync("tar", ["-xzf", tarball, "-C", dir]);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("holds the bundle, package.json, README and a 64x64 PNG icon", () => {
    const listing = execFileSync("tar", ["-tzf", tarball]).toString().trim().split("\n").sort();
    expect(listing).toEqual(["README.md", "build/module.js", "icon.png", "package-lock.json", "package.json"]);
    const png = readFileSync(join(dir, "icon.png"));
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([64, 64]);
  });

  test("package.json points at the bundle, has author and keywords, and declares no dependencies to install", () => {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.main).toBe("build/module.js");
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.author).toEqual(expect.any(String));
    expect(pkg.keywords).toEqual(expect.arrayContaining(["cognigy", "cxone"]));
    const lock = JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8"));
    expect(lock).toMatchObject({ name: pkg.name, version: pkg.version, lockfileVersion: 3 });
  });

  test("an npm install step on upload succeeds without fetching anything", () => {
    // --offline: npm may not reach any registry, so success proves there is nothing to fetch.
    execFileSync("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: dir,
      stdio: "pipe",
    });
    expect(existsSync(join(dir, "build", "module.js"))).toBe(true);
  });

  test("the bundle loads from an empty folder and yields the extension", () => {
    const script = `const m = require("./build/module.js"); const e = m.default ?? m;
      console.log(JSON.stringify({ nodes: e.nodes.map((n) => n.type), connections: e.connections.map((c) => c.type), label: e.options.label }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ["-e", script], { cwd: dir, env: { PATH: process.env.PATH } }).toString(),
    );
    expect(out.connections).toEqual(["nice-cxone"]);
    expect(out.label).toBe("NiCE CXone Handover");
    expect(out.nodes).toEqual(
      expect.arrayContaining([
        "cxoneSendToAgent",
        "cxoneCheckAvailability",
        "cxoneHandover",
        "cxoneSendTranscript",
        "cxoneAgentDetails",
        "cxoneEndHandover",
      ]),
    );
  });

  test("loading the bundle pulls in no other module: HTTP and crypto load on the first CXone call", () => {
    // Cognigy loads extensions on every runtime start; each eager built-in (http, crypto, …) costs milliseconds there.
    const script = `const Module = require("node:module"); const seen = new Set();
      const load = Module._load; Module._load = function (request) { seen.add(request); return load.apply(this, arguments); };
      require("./build/module.js"); Module._load = load; console.log(JSON.stringify([...seen]));`;
    const loaded = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: dir }).toString());
    expect(loaded).toEqual(["./build/module.js"]);
  });
});
