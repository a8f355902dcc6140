import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { clearAuthCache, parseConnection } from "../src/cxone";
import { OPEN_STATUSES } from "../src/cxone/case-status";
import { CxoneClient } from "../src/cxone/client";
import { decodeThreadId, encodeThreadId, threadKeys } from "../src/handover/thread";
import { CaseStates } from "../src/relay/case-state";
import type { CognigyClient } from "../src/relay/cognigy";
import { createMetrics } from "../src/relay/metrics";
import { MemoryStore } from "../src/relay/store";
import { type CxoneSandbox, SANDBOX_THREAD_KEY, startCxoneSandbox } from "../testbed/sandbox/cxone-sandbox";
import { benchPoller, openHandovers, percentile, type Row, round } from "./util";

const KEYS = threadKeys([SANDBOX_THREAD_KEY]);
const decodeThread = (threadId: string) => decodeThreadId(threadId, KEYS);

/**
 * The case poll at contact-center scale: the relay's poller (newest-updated read + reconciliation) against the
 * sandbox with 10 … 10,000 open handovers and 0 … 100 agent assignments per interval, beside today's full-list read
 * (every page of the open list every interval, as the poll did before; re-implemented below for its CXone cost and
 * latency). Changes happen at random moments; latency runs from the change to the agentJoined event.
 */

const OPEN = [10, 100, 1000, 10_000];
const CHANGES = [0, 10, 100];
const INTERVAL_MS = 500;
const INTERVALS = 6;
const silent = { info() {}, warn() {}, error() {}, debug() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Poller {
  poll(): Promise<void>;
}

/**
 * Agent assignments at random moments of each interval, each to a case with no change waiting to be seen and to the
 * other agent than the one it has (so every change is one agentJoined); the time of each change.
 */
class Changes {
  readonly pending = new Map<string, number>();
  readonly latencies: number[] = [];
  constructor(
    private readonly sandbox: CxoneSandbox,
    private readonly cases: string[],
  ) {}
  schedule(count: number) {
    for (let i = 0; i < count; i++) {
      setTimeout(() => {
        const free = this.cases.filter((id) => !this.pending.has(id));
        if (!free.length) return;
        const id = free[Math.floor(Math.random() * free.length)];
        const current = this.sandbox.cases.get(id)?.inboxAssigneeUser?.id;
        this.sandbox.assignAgent(id, current === "1001" ? "1002" : "1001");
        this.pending.set(id, performance.now());
      }, Math.random() * INTERVAL_MS);
    }
  }
  seen(caseId: string) {
    const at = this.pending.get(caseId);
    if (at === undefined) return;
    this.latencies.push(performance.now() - at);
    this.pending.delete(caseId);
  }
}

function newPoller(sandbox: CxoneSandbox, changes: Changes): Poller {
  const events = benchPoller(
    sandbox,
    (cxone) => {
      if (cxone.event === "agentJoined") changes.seen(cxone.contactId);
    },
    { pollIntervalMs: INTERVAL_MS },
  );
  return { poll: async () => void (await events.pollOnce()) };
}

/** Today's read: the whole open list every poll, an agent change seen when it differs from the last read. */
function fullListPoller(sandbox: CxoneSandbox, changes: Changes): Poller {
  const agents = new Map<string, string | undefined>();
  return {
    async poll() {
      const client = new CxoneClient(parseConnection(sandbox.connection()));
      for await (const page of client.contactPages({ statuses: OPEN_STATUSES })) {
        for (const c of page.contacts) {
          const agent = c.inboxAssigneeUser?.id;
          if (agent && agents.get(c.id) !== agent) changes.seen(c.id);
          agents.set(c.id, agent);
        }
      }
    },
  };
}

async function measure(open: number, changesPerInterval: number, kind: "incremental" | "full-list") {
  const sandbox = await startCxoneSandbox();
  clearAuthCache();
  // Opened over the last hours, not in one millisecond.
  const cases = openHandovers(sandbox, open, { spacingMs: 1000 });
  const changes = new Changes(sandbox, cases);
  const poller = kind === "incremental" ? newPoller(sandbox, changes) : fullListPoller(sandbox, changes);
  await poller.poll();
  sandbox.resetRequests();
  const durations: number[] = [];
  const started = performance.now();
  let polls = 0;
  while (performance.now() - started < INTERVALS * INTERVAL_MS) {
    if (polls < INTERVALS) changes.schedule(changesPerInterval);
    const t = performance.now();
    await poller.poll();
    durations.push(performance.now() - t);
    polls++;
    // As the relay's timer: one poll starts every interval.
    await sleep(Math.max(0, INTERVAL_MS - (performance.now() - t)));
  }
  const requests = sandbox.requestCount({ path: /^\/dfo\/3\.0\/contacts/ });
  // Changes of the last interval are seen by the next polls: they count, the requests of these polls do not.
  for (let i = 0; i < 3 && changes.pending.size; i++) await poller.poll().then(() => sleep(INTERVAL_MS));
  const missed = changes.pending.size;
  await sandbox.stop();
  const lat = changes.latencies;
  return {
    requestsPerPoll: requests / polls,
    p50: lat.length ? percentile(lat, 50) : 0,
    p99: lat.length ? percentile(lat, 99) : 0,
    meanPoll: durations.reduce((a, b) => a + b, 0) / durations.length,
    maxPoll: Math.max(...durations),
    missed,
  };
}

/** Heap per followed handover in the relay's memory store (the poller keeps nothing else per case). */
async function memoryPerHandover(count: number): Promise<number> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const store = new MemoryStore(200_000, 200_000);
  const states = new CaseStates({
    store,
    cognigy: {} as CognigyClient,
    metrics: createMetrics(),
    log: silent,
    owner: "m",
    decodeThread,
  });
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) {
    const threadId = encodeThreadId(
      {
        userId: `user-${i}`,
        sessionId: `session-${i}`,
        urlToken: `token${i}`,
        handoverId: `h-${i}`,
        displayAgentDetails: true,
      },
      SANDBOX_THREAD_KEY,
    );
    await states.save(String(700_000_000 + i), {
      threadId,
      joinedAgentId: "1001",
      detailsAgentId: "1001",
      seenInCycle: 3,
    });
  }
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / count;
  // Keeps the store alive until measured.
  if ((await store.hashGetAll("cases")).size !== count) throw new Error("store lost states");
  return bytes;
}

export async function benchCasePoll(): Promise<Row[]> {
  const rows: Row[] = [];
  const section = "case poll";
  for (const open of OPEN) {
    for (const changes of CHANGES) {
      if (changes > open) continue;
      const now = await measure(open, changes, "incremental");
      const before = await measure(open, changes, "full-list");
      const label = `${open} open, ${changes} changes/interval`;
      const goal = open === 10_000 && changes === 10;
      rows.push({
        section,
        metric: `${label}: CXone requests per poll`,
        value: round(now.requestsPerPoll, 1),
        baseline: round(before.requestsPerPoll, 1),
        ratio: before.requestsPerPoll ? round(now.requestsPerPoll / before.requestsPerPoll, 3) : undefined,
        ...(goal ? { target: "<= 3", met: now.requestsPerPoll <= 3 } : {}),
      });
      if (changes) {
        const bound = INTERVAL_MS + now.maxPoll;
        rows.push({
          section,
          metric: `${label}: event latency p50 / p99 ms (missed)`,
          value: `${round(now.p50, 0)} / ${round(now.p99, 0)} (${now.missed})`,
          baseline: `${round(before.p50, 0)} / ${round(before.p99, 0)} (${before.missed})`,
          ...(goal ? { target: `p99 <= ${round(bound, 0)} (interval + longest poll)`, met: now.p99 <= bound } : {}),
        });
      }
      rows.push({
        section,
        metric: `${label}: poll duration mean ms`,
        value: round(now.meanPoll, 1),
        baseline: round(before.meanPoll, 1),
        ratio: round(now.meanPoll / before.meanPoll, 3),
      });
    }
  }
  rows.push({
    section,
    metric: "relay heap per followed handover (10,000 in the memory store), bytes",
    value: round(await memoryPerHandover(10_000), 0),
  });
  return rows;
}
