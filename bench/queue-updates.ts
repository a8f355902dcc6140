import { DEFAULT_ALTERNATIVE_TEXT, DEFAULT_QUEUE_UPDATE_TEXT, type WaitSettings } from "../src/handover/wait-settings";
import { ACTIVITY_CHECKS_PER_POLL } from "../src/relay/inactivity";
import { startCxoneSandbox } from "../testbed/sandbox/cxone-sandbox";
import { benchPoller, openHandovers, type Row } from "./util";

/**
 * What the waiting features cost in CXone requests per poll interval, at 1, 100 and 1,000 queued conversations:
 * - queue updates: the poll with every conversation due an update, beside the same poll with queue updates off
 *   (baseline); the target is "no more requests than without them", whatever the count;
 * - inactivity: the poll in which every conversation's timer falls due at once; the target is the fixed budget of
 *   ACTIVITY_CHECKS_PER_POLL message searches (and the requests ending those cases) on top of the poll's own reads.
 * The relay's clock is moved, not waited for; requests are counted on the sandbox's wire.
 */

const QUEUED = [1, 100, 1000];

const queueOn: WaitSettings = {
  queue: {
    position: true,
    estimatedWait: true,
    intervalSeconds: 30,
    text: DEFAULT_QUEUE_UPDATE_TEXT,
    alternativeText: DEFAULT_ALTERNATIVE_TEXT,
  },
};
const inactivityOn: WaitSettings = { inactivity: { timeoutSeconds: 300, message: "Ended." } };

async function requestsPerInterval(queued: number, wait: WaitSettings | undefined, advanceMs: number) {
  const sandbox = await startCxoneSandbox();
  let clock = Date.now();
  let updates = 0;
  openHandovers(sandbox, queued, { spacingMs: 10, now: clock, wait });
  const events = benchPoller(
    sandbox,
    (cxone) => {
      if (cxone.event === "queueUpdate") updates++;
    },
    { pollIntervalMs: 1000, now: () => clock },
  );
  // The first polls meet every case (the newest-updated read reads up to 40 pages, the reconciliation the rest).
  for (let i = 0; i < 4; i++) await events.pollOnce();
  clock += advanceMs;
  updates = 0;
  sandbox.resetRequests();
  await events.pollOnce();
  const requests = sandbox.requestCount();
  await sandbox.stop();
  return { requests, updates };
}

export async function benchQueueUpdates(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const queued of QUEUED) {
    const on = await requestsPerInterval(queued, queueOn, 30_000);
    const off = await requestsPerInterval(queued, undefined, 30_000);
    rows.push({
      section: "queue-updates",
      metric: `CXone requests per interval, ${queued} queued, queue updates on (${on.updates} updates sent)`,
      value: on.requests,
      baseline: off.requests,
      ratio: off.requests ? Math.round((on.requests / off.requests) * 100) / 100 : undefined,
      target: "≤ baseline (0 extra)",
      met: on.requests <= off.requests && on.updates === queued,
    });
  }
  for (const queued of QUEUED) {
    const due = await requestsPerInterval(queued, inactivityOn, 300_000);
    const off = await requestsPerInterval(queued, undefined, 300_000);
    rows.push({
      section: "queue-updates",
      metric: `CXone requests in the interval ${queued} inactivity timers fall due at once`,
      value: due.requests,
      baseline: off.requests,
      // Each timer checked may end its case: abandon, read back, close at most (src/handover/close.ts).
      target: `≤ baseline + ${ACTIVITY_CHECKS_PER_POLL} × (1 check + ≤ 3 to end)`,
      met: due.requests <= off.requests + ACTIVITY_CHECKS_PER_POLL * 4,
    });
  }
  return rows;
}
