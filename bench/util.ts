import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { AuthCache, parseConnection } from "../src/cxone";
import type { RelayEvent } from "../src/handover/events";
import { decodeThreadId, encodeThreadId, threadKeys } from "../src/handover/thread";
import type { WaitSettings } from "../src/handover/wait-settings";
import { CaseEvents } from "../src/relay/case-events";
import type { CognigyClient } from "../src/relay/cognigy";
import { createMetrics } from "../src/relay/metrics";
import { MemoryStore } from "../src/relay/store";
import { type CxoneSandbox, SANDBOX_THREAD_KEY } from "../testbed/sandbox/cxone-sandbox";

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

/**
 * Opens `count` handovers straight in the sandbox (no HTTP) on signed thread ids, opened and last changed `spacingMs`
 * apart, the newest a minute before `now` (not all in one millisecond).
 */
export function openHandovers(
  sandbox: CxoneSandbox,
  count: number,
  o: { spacingMs: number; now?: number; wait?: WaitSettings },
): string[] {
  const now = o.now ?? Date.now();
  const cases = sandbox.createCases(
    Array.from({ length: count }, (_, i) => ({
      endUserId: `u${i}`,
      threadId: encodeThreadId(
        {
          userId: `u${i}`,
          sessionId: `s${i}`,
          urlToken: `t${i}`,
          handoverId: `h${i}`,
          displayAgentDetails: false,
          ...(o.wait ? { wait: o.wait } : {}),
        },
        SANDBOX_THREAD_KEY,
      ),
    })),
  );
  cases.forEach((id, i) => {
    const c = sandbox.cases.get(id)!;
    c.updatedAt = now - 60_000 - (count - i) * o.spacingMs;
    c.statusUpdatedAt = new Date(c.updatedAt).toISOString();
    c.createdAt = c.statusUpdatedAt;
  });
  return cases;
}

const silent = { info() {}, warn() {}, error() {}, debug() {} };
const SANDBOX_KEYS = threadKeys([SANDBOX_THREAD_KEY]);

/**
 * The relay's case poller against a sandbox, with a Cognigy that accepts everything and tells `onEvent` what it got:
 * what the case-poll and queue-updates benches both measure.
 */
export function benchPoller(
  sandbox: CxoneSandbox,
  onEvent: (cxone: RelayEvent) => void,
  options: { pollIntervalMs: number; now?: () => number },
): CaseEvents {
  const cognigy = {
    send: async (_route: string, _ref: unknown, _text: string, cxone: RelayEvent) => {
      onEvent(cxone);
      return { ok: true, status: 200 };
    },
  } as unknown as CognigyClient;
  return new CaseEvents({
    connection: parseConnection(sandbox.connection()),
    // Its own tokens, as a relay has (relayDeps): each measured poller starts cold.
    clientOptions: { authCache: new AuthCache() },
    store: new MemoryStore(),
    cognigy,
    metrics: createMetrics(),
    log: silent,
    owner: "bench",
    decodeThread: (threadId) => decodeThreadId(threadId, SANDBOX_KEYS),
    ...options,
  });
}
