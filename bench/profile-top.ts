import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * `npx ts-node --transpile-only bench/profile-top.ts <dir>/relay [n]` (or `<dir>/bare`): the top entries of a CPU
 * profile written by `BENCH_CPU_PROF=<dir> npm run bench -- relay`, by function and by module. The servers run as
 * esbuild bundles (copied beside the profile); their `// node_modules/…` and `// src/…` comments name each line's
 * module.
 */

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const dir = process.argv[2];
const top = Number(process.argv[3] ?? 15);
if (!dir) throw new Error("usage: profile-top.ts <dir> [n]");
const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;

// Module of each bundle line, from esbuild's path comments.
const moduleOfLine: string[] = [];
let current = "(bundle)";
const bundleFile = readdirSync(dir).find((f) => f.endsWith(".js"));
if (!bundleFile) throw new Error(`no bundle (.js) in ${dir}`);
readFileSync(join(dir, bundleFile), "utf8")
  .split("\n")
  .forEach((line, i) => {
    const m = /^\/\/ ((?:node_modules|src)\/\S+)$/.exec(line);
    if (m) current = m[1].replace(/^node_modules\/((?:@[^/]+\/)?[^/]+).*/, "$1");
    moduleOfLine[i] = current;
  });

const total = profile.samples.length;
const moduleOf = (node: ProfileNode) => {
  const { url, lineNumber } = node.callFrame;
  return url.endsWith(bundleFile) ? (moduleOfLine[lineNumber] ?? "(bundle)") : url ? "node:internal" : "(vm)";
};

// Inclusive: a sample counts once for every module on its stack (what a module costs with everything it calls).
const inclusive = new Map<string, number>();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const walk = (node: ProfileNode, above: Set<string>): number => {
  const here = new Set(above).add(moduleOf(node));
  let hits = node.hitCount ?? 0;
  for (const child of node.children ?? []) hits += walk(byId.get(child)!, here);
  // Each module on this stack gets this node's own hits; callers' sets already include theirs.
  for (const m of here) if (!above.has(m)) inclusive.set(m, (inclusive.get(m) ?? 0) + hits);
  return hits;
};
walk(profile.nodes[0], new Set());
const byFunction = new Map<string, number>();
const byModule = new Map<string, number>();
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  if (!hits) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = moduleOf(node);
  const name = `${functionName || "(anonymous)"} [${where}${url.endsWith(bundleFile) ? `:${lineNumber + 1}` : ""}]`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  byModule.set(where, (byModule.get(where) ?? 0) + hits);
}
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
};
console.log(`${file}: ${total} samples over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s`);
print("self time by function", byFunction);
print("self time by module", byModule);
print("inclusive time by module (with everything it calls)", inclusive);
