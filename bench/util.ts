import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Milliseconds one fresh `node` process spends in require(modulePath), measured inside that process by a script file
 * (as a host process loads an extension; `node -e` compiles required code measurably slower).
 */
export function coldRequireMs(modulePath: string, cwd: string): number {
  const script = join(mkdtempSync(join(tmpdir(), "cold-require-")), "measure.js");
  writeFileSync(
    script,
    `const t = process.hrtime.bigint(); require(${JSON.stringify(resolve(cwd, modulePath))});
    process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`,
  );
  try {
    return Number(execFileSync(process.execPath, [script], { cwd }).toString());
  } finally {
    rmSync(dirname(script), { recursive: true, force: true });
  }
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export interface Row {
  section: string;
  metric: string;
  value: number | string;
  baseline?: number | string;
  ratio?: number;
  target?: string;
  met?: boolean;
}
