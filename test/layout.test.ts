import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { INodeDescriptor } from "@cognigy/extension-tools";
import extension from "../src/module";

/**
 * What ships (the extension bundle, the relay and the CLI: src/, nodes/, connections/) must never reach into testbed/,
 * or the sandbox and emulator would end up in build/module.js or the relay image and could agree with us by accident.
 */
const ROOT = resolve(__dirname, "..");
const SHIPPED = ["src", "nodes", "connections"];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import|require\()\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) =>
    relative(ROOT, resolve(dirname(file), m[1])),
  );
}

test("shipped code imports nothing from testbed/", () => {
  const files = SHIPPED.flatMap((dir) => sources(join(ROOT, dir)));
  expect(files.length).toBeGreaterThan(50);
  const offending = files.flatMap((file) =>
    relativeImports(file)
      .filter((target) => target.startsWith("testbed"))
      .map((target) => `${relative(ROOT, file)} -> ${target}`),
  );
  expect(offending).toEqual([]);
});

test("the import scan sees a testbed import when there is one", () => {
  const probe = join(ROOT, "test", "layout.test.ts");
  expect(relativeImports(probe)).toEqual(["src/module"]);
  const imports = relativeImports(join(ROOT, "test", "support", "sandbox.ts"));
  expect(imports.some((target) => target.startsWith("testbed/sandbox"))).toBe(true);
});

/**
 * The README's map ("Where things live") and its two recipes, checked against the tree: every path the map names
 * exists, every folder a newcomer would look for is on the map, and each recipe's steps are the real ones.
 */
const README = readFileSync(join(ROOT, "README.md"), "utf8");
/** Folders the map must name: top-level ones, and the parts of src/, src/relay/, testbed/ and test/. */
const MAPPED_LEVELS = [".", "src", "src/relay", "testbed", "test"];
const NOT_MAPPED = new Set(["node_modules", "build", "build-tsc", "coverage"]);

function mapEntries(): { path: string; mentions: string[] }[] {
  const lines = README.split("\n");
  const start = lines.findIndex((l) => l.startsWith("Where things live"));
  const entries: { path: string; mentions: string[] }[] = [];
  const parents: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (line.trim() === "") break;
    const item = /^( *)- `([^`]+)` — (.*)$/.exec(line);
    if (!item) {
      // A continuation line of the entry above.
      entries.at(-1)?.mentions.push(...[...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
      continue;
    }
    const depth = item[1].length / 2;
    const path = join(parents[depth - 1] ?? "", item[2]);
    parents[depth] = path;
    entries.push({ path, mentions: [...item[3].matchAll(/`([^`]+)`/g)].map((m) => m[1]) });
  }
  return entries;
}

/** A backticked word that names a file or folder (rather than a command, a function or a flag). */
const looksLikePath = (word: string) => /^[\w.-]+(\/[\w.-]+)*(\/|\.(ts|js|md|json))$/.test(word);

test("every path the README's map names exists", () => {
  const entries = mapEntries();
  expect(entries.length).toBeGreaterThan(20);
  const missing = entries.flatMap(({ path, mentions }) => {
    const folder = path.endsWith("/") ? path : dirname(path);
    const named = [path, ...mentions.filter(looksLikePath).map((m) => join(folder, m))];
    return named.filter((p) => !existsSync(join(ROOT, p)));
  });
  expect(missing).toEqual([]);
});

test("the README's map names every folder of the tree", () => {
  // A folder is on the map when it, or something in it, is.
  const mapped = new Set(
    mapEntries().flatMap((e) => {
      const parts = e.path.replace(/\/$/, "").split("/");
      return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    }),
  );
  const folders = MAPPED_LEVELS.flatMap((level) =>
    readdirSync(join(ROOT, level), { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !NOT_MAPPED.has(e.name))
      .map((e) => join(level, e.name)),
  );
  expect(folders.filter((f) => !mapped.has(f))).toEqual([]);
});

test("the README's recipes for a route and a node are the real steps", () => {
  const recipes = README.slice(README.indexOf("Add a relay route:"), README.indexOf("`.ci/run` is what CI runs"));
  const paths = [...recipes.matchAll(/`([^`]+\/[^`]+)`/g)].map((m) => m[1]).filter(looksLikePath);
  expect(paths.length).toBeGreaterThan(4);
  expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  // A route is a file and a line in one list; app.ts registers that list behind the bearer check.
  expect(readFileSync(join(ROOT, "src/relay/routes/index.ts"), "utf8")).toMatch(/export const bearerRoutes = \[/);
  expect(readFileSync(join(ROOT, "src/relay/app.ts"), "utf8")).toMatch(/for \(const route of bearerRoutes\)/);
  // Every file that makes a node (the recipe's template is one of them).
  const nodeFiles = readdirSync(join(ROOT, "nodes"))
    .filter((f) => !f.endsWith(".test.ts") && f.endsWith(".ts"))
    .filter((f) => readFileSync(join(ROOT, "nodes", f), "utf8").includes("= cxoneNode<"));
  expect(nodeFiles).toContain("sendTranscript.ts");
  expect(existsSync(join(ROOT, "nodes", "sendTranscript.test.ts"))).toBe(true);
  // Every node the extension lists has its section for flow designers.
  const labels = (extension.nodes as INodeDescriptor[]).filter((n) => !n.parentType).map((n) => n.defaultLabel);
  expect(labels.length).toBe(nodeFiles.length);
  expect(labels.filter((label) => !README.includes(`\n## Node: ${label}\n`))).toEqual([]);
});

/**
 * Each folder's main file opens with one line saying the folder's job (a `//` comment, or a README's `#` heading).
 * One main file per folder with code under src/, nodes/, connections/, testbed/, test/support and bench/.
 */
const MAIN_FILES: Record<string, string> = {
  src: "src/module.ts",
  "src/bundle": "src/bundle/form-data-unused.js",
  "src/cxone": "src/cxone/index.ts",
  "src/node-kit": "src/node-kit/index.ts",
  "src/relay": "src/relay/main.ts",
  "src/relay/routes": "src/relay/routes/index.ts",
  nodes: "nodes/README.md",
  testbed: "testbed/README.md",
  "testbed/sandbox": "testbed/sandbox/cxone-sandbox.ts",
  "testbed/emulator": "testbed/emulator/runtime.ts",
  "testbed/demo": "testbed/demo/main.ts",
  "testbed/demo/web": "testbed/demo/web/server.ts",
  "testbed/demo/web/page": "testbed/demo/web/page/main.ts",
  "test/support": "test/support/README.md",
  bench: "bench/run.ts",
  "src/cli": "src/cli/main.ts",
  "src/handover": "src/handover/README.md",
  connections: "connections/cxoneConnection.ts",
};

function codeFolders(dir: string): string[] {
  const entries = readdirSync(join(ROOT, dir), { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && /\.(ts|js)$/.test(e.name)) ? [dir] : [];
  return [...here, ...entries.filter((e) => e.isDirectory()).flatMap((e) => codeFolders(join(dir, e.name)))];
}

test("each folder's main file opens with a line saying its job", () => {
  const folders = ["src", "nodes", "connections", "testbed", "test/support", "bench"].flatMap(codeFolders);
  // A new folder goes in MAIN_FILES with its main file.
  expect(folders.filter((f) => !MAIN_FILES[f])).toEqual([]);
  const opening = Object.values(MAIN_FILES).map((file) => {
    const first = readFileSync(join(ROOT, file), "utf8").split("\n")[0];
    return { file, ok: file.endsWith(".md") ? /^# \S/.test(first) : /^\/\/ \S/.test(first) };
  });
  expect(opening.filter((o) => !o.ok).map((o) => o.file)).toEqual([]);
});

/** Every file a module loads, following its relative imports (what `require` of it evaluates from this repository). */
function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const target of relativeImports(join(ROOT, file))) {
      const found = [`${target}.ts`, join(target, "index.ts")].find((p) => existsSync(join(ROOT, p)));
      if (found) visit(found);
    }
  };
  visit(entry);
  return [...seen];
}

test("the admin CLI loads none of the relay's server (Fastify, ioredis, prom-client)", () => {
  const files = reachable("src/cli/main.ts");
  expect(files).toContain("src/cli/setup.ts");
  const heavy = files.filter((file) =>
    /from\s+["'](fastify|ioredis|prom-client|@fastify\/[^"']+)["']/.test(readFileSync(join(ROOT, file), "utf8")),
  );
  expect(heavy).toEqual([]);
  // The scan sees one when there is one: the relay's entry loads all three.
  expect(reachable("src/relay/main.ts").some((f) => f.endsWith("store.ts"))).toBe(true);
});

test("every relay file opens with a line saying its job", () => {
  const dir = join(ROOT, "src/relay");
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  expect(files.length).toBeGreaterThan(20);
  const silent = files.filter((f) => !/^(\/\/|\/\*\*) \S/.test(readFileSync(join(dir, f), "utf8")));
  expect(silent).toEqual([]);
});
