import { execFileSync } from "node:child_process";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Milliseconds one fresh `node` process spends in require(modulePath), measured inside that process. */
export function coldRequireMs(modulePath: string, cwd: string): number {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(modulePath)});
    process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  return Number(execFileSync(process.execPath, ["-e", script], { cwd }).toString());
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
