import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

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
  expect(relativeImports(probe)).toEqual([]);
  const imports = relativeImports(join(ROOT, "test", "support", "sandbox.ts"));
  expect(imports.some((target) => target.startsWith("testbed/sandbox"))).toBe(true);
});
