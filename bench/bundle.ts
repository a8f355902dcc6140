import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { coldRequireMs, median, type Row, round } from "./util";

const root = join(__dirname, "..");
const RUNS = 20;

/**
 * The bundle against the unbundled baseline: size of build/module.js and the tarball, and the median cold require()
 * of each in fresh processes (tsc output resolving node_modules vs the self-contained bundle in an empty folder).
 */
export function benchBundle(): Row[] {
  execFileSync(join(root, "build.sh"), { cwd: root, stdio: "ignore" });
  const bundleBytes = statSync(join(root, "build", "module.js")).size;
  const tarballBytes = statSync(join(root, "nice-cxone-handover.tar.gz")).size;

  const tscOut = mkdtempSync(join(root, "build-tsc-bench-"));
  const upload = mkdtempSync(join(tmpdir(), "cxone-upload-"));
  try {
    execFileSync("npx", ["tsc", "-p", "tsconfig.json", "--outDir", tscOut, "--noEmit", "false"], {
      cwd: root,
      stdio: "ignore",
    });
    execFileSync("tar", ["-xzf", join(root, "nice-cxone-handover.tar.gz"), "-C", upload]);
    const unbundledKb = round(
      Number(
        execFileSync("du", ["-sk", join(root, "node_modules")])
          .toString()
          .split("\t")[0],
      ),
    );

    const bundled: number[] = [];
    const unbundled: number[] = [];
    // Interleaved so that machine noise hits both alike.
    for (let i = 0; i < RUNS; i++) {
      bundled.push(coldRequireMs("./build/module.js", upload));
      unbundled.push(coldRequireMs(join(tscOut, "src", "module.js"), root));
    }
    const b = median(bundled);
    const u = median(unbundled);
    return [
      { section: "bundle", metric: "build/module.js size (KB)", value: round(bundleBytes / 1024, 1) },
      {
        section: "bundle",
        metric: "tarball size (KB)",
        value: round(tarballBytes / 1024, 1),
        target: "< 250 KB",
        met: tarballBytes < 250 * 1024,
      },
      { section: "bundle", metric: "unbundled: node_modules on disk (KB)", value: unbundledKb },
      {
        section: "bundle",
        metric: `cold require, median of ${RUNS} (ms)`,
        value: round(b),
        baseline: round(u),
        ratio: round(b / u),
        target: "< 30 ms",
        met: b < 30,
      },
    ];
  } finally {
    rmSync(tscOut, { recursive: true, force: true });
    rmSync(upload, { recursive: true, force: true });
  }
}
