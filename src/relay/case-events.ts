// The case poller: finds what changed on the relay's CXone cases (agent joined, requeued, ended) and tells Cognigy.
import { isOpenStatus } from "../cxone/case-status";
import { CxoneClient, type CxoneClientOptions } from "../cxone/client";
import type { CxoneConnection } from "../cxone/config";
import { describeError } from "../cxone/errors";
import type { CxoneLogger } from "../cxone/log";
import type { CxoneContact } from "../cxone/schemas";
import type { ConversationRef } from "../handover/thread";
import { eventsToRetry, readNewestUpdated } from "./case-reads";
import { CaseStates } from "./case-state";
import type { CognigyClient } from "./cognigy";
import { Inactivity } from "./inactivity";
import type { RelayMetrics } from "./metrics";
import { QueueUpdates } from "./queue-updates";
import { type CaseToApply, Reconciliation } from "./reconciliation";
import type { PollLog } from "./refusals";
import type { Store } from "./store";

/**
 * Case events for BYOC: CXone pushes no assignment or close to a BYOC middleware, so the relay polls. A poll costs
 * what changed, not what is open:
 * 1. events Cognigy did not take last time are retried (no CXone request; case-reads.ts);
 * 2. the newest-updated read: the channel's cases in every status, newest-updated first (`sorting=updatedAt`, as
 *    NiCE's own SDK sorts), page by page until a page ends in a case that needs nothing and whose status changed
 *    before the previous read's newest change (the watermark); usually one request (case-reads.ts);
 * 3. one step of the reconciliation (reconciliation.ts), a slow full pass that finds what the read above missed.
 * Every case found goes through CaseStates.apply (case-state.ts), which injects each event exactly once, then past
 * the waiting features (queue-updates.ts, inactivity.ts), which work from what the poll read.
 */

const POLL_LOCK = "poll-lock";
/** CXone requests the reconciliation may spend per poll. */
export const RECONCILIATION_REQUESTS_PER_POLL = 1;

export interface PollReport {
  skipped: boolean;
  /** Our open cases seen in this poll's reads. */
  open: number;
  events: string[];
  error?: string;
}

export interface CaseEventsOptions {
  connection: CxoneConnection;
  /** The relay's token cache and sockets (relayDeps); the process's when absent. */
  clientOptions?: Pick<CxoneClientOptions, "authCache" | "http">;
  store: Store;
  cognigy: CognigyClient;
  metrics: RelayMetrics;
  log: PollLog;
  pollIntervalMs: number;
  owner: string;
  /** The relay's verifying decoder (src/handover/thread.ts): only signed handover threads are ours. */
  decodeThread: (threadId: string) => ConversationRef | undefined;
  /** Overrides RECONCILIATION_REQUESTS_PER_POLL (tests, bench). */
  reconciliationRequestsPerPoll?: number;
  /** Clock of the queue-update and inactivity timers (tests move it). */
  now?: () => number;
}

export class CaseEvents {
  private timer?: NodeJS.Timeout;
  private running?: Promise<PollReport>;
  private stopped = false;
  private readonly lockTtlMs: number;
  private readonly states: CaseStates;
  private readonly reconciliation: Reconciliation;
  private readonly queueUpdates: QueueUpdates;
  private readonly inactivity: Inactivity;
  lastPoll?: { at: string; ok: boolean; skipped: boolean };

  constructor(private readonly o: CaseEventsOptions) {
    // Long enough to survive a slow poll, short enough that another relay takes over soon after this one dies.
    this.lockTtlMs = Math.max(3 * o.pollIntervalMs, 10_000);
    this.states = new CaseStates(o);
    this.reconciliation = new Reconciliation({
      store: o.store,
      states: this.states,
      requestsPerPoll: o.reconciliationRequestsPerPoll ?? RECONCILIATION_REQUESTS_PER_POLL,
      log: o.log,
      onCycleEnd: (followed) => o.metrics.trackedCases.set(followed),
    });
    const waits = { ...o, now: o.now ?? Date.now };
    this.queueUpdates = new QueueUpdates(waits);
    this.inactivity = new Inactivity(waits);
  }

  start(): void {
    this.stopped = false;
    // One poll starts every interval (not an interval after the last one ended): a change waits at most one
    // interval plus one poll.
    const tick = () => {
      if (this.stopped) return;
      const started = Date.now();
      this.pollOnce()
        .catch(() => undefined)
        .finally(() => {
          const wait = Math.max(0, this.o.pollIntervalMs - (Date.now() - started));
          if (!this.stopped) this.timer = setTimeout(tick, wait);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops the timer, lets a running poll finish and gives the poll lock to the next relay. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.o.store.release(POLL_LOCK, this.o.owner).catch(() => undefined);
  }

  /** One poll; tests call it instead of waiting for the timer. Concurrent calls share the running poll. */
  pollOnce(): Promise<PollReport> {
    if (!this.running) {
      this.running = this.poll().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /**
   * Push hint (a CXone Studio script on ONRELEASE, for instance): confirms the case with CXone and applies the same
   * state machine as the poll, so a wrong or replayed call can neither resolve an open case nor inject twice.
   */
  async confirmCase(contactId: string): Promise<{ found: boolean; ours: boolean; status?: string; events: string[] }> {
    const contact = await this.client().getContact(contactId);
    if (!contact) return { found: false, ours: false, events: [] };
    const threadId = contact.threadIdOnExternalPlatform ?? "";
    if (!this.states.decode(threadId)) return { found: true, ours: false, events: [] };
    const events: string[] = [];
    await this.states.apply(contact, threadId, events);
    await this.waiting(contact, threadId);
    return { found: true, ours: true, status: contact.status, events };
  }

  private client() {
    return new CxoneClient(this.o.connection, {
      ...this.o.clientOptions,
      log: this.cxoneLog,
      deadlineMs: Math.max(2000, this.lockTtlMs - 2000),
    });
  }

  private readonly cxoneLog: CxoneLogger = (level, message) => {
    if (level === "debug") this.o.log.debug({}, message);
    else if (level === "info") this.o.log.info({}, message);
    else this.o.log.warn({}, message);
  };

  private async poll(): Promise<PollReport> {
    const { store, metrics } = this.o;
    const report: PollReport = { skipped: false, open: 0, events: [] };
    const end = metrics.pollDuration.startTimer();
    try {
      if (!(await store.acquire(POLL_LOCK, this.o.owner, this.lockTtlMs))) {
        metrics.polls.inc({ outcome: "skipped" });
        this.lastPoll = { at: new Date().toISOString(), ok: true, skipped: true };
        return { ...report, skipped: true };
      }
      const client = this.client();
      // One entry per case: a later, fresher read of the same case replaces an earlier one.
      const toApply = new Map<string, CaseToApply>();
      const add = (found: CaseToApply) => toApply.set(found.contact.id, found);
      const cycle = await this.reconciliation.begin();
      (await eventsToRetry(store, this.o.log)).forEach(add);
      (await readNewestUpdated(client, store, this.states, this.o.log)).forEach(add);
      // The reconciliation's share of the poll must not cost the events found above: it is retried next poll.
      (await this.reconciliation.step(client).catch((err) => this.failed(report, err, "reconciliation"))).forEach(add);
      report.open = [...toApply.values()].filter((c) => isOpenStatus(c.contact.status)).length;

      await eachLimit([...toApply.values()], 8, async ({ contact, threadId }) => {
        try {
          // Renewed before every case: slow Cognigy calls must not let the lock lapse while this relay still polls.
          await store.acquire(POLL_LOCK, this.o.owner, this.lockTtlMs);
          const open = isOpenStatus(contact.status);
          await this.states.apply(contact, threadId, report.events, open ? cycle : undefined);
          await this.waiting(contact, threadId);
        } catch (err) {
          this.failed(report, err, "one case");
        }
      });
      // After the cases: a case an agent took in this poll gets no queue update. No CXone request for the queue;
      // inactivity reads CXone only for a timer that fell due.
      report.events.push(...(await this.queueUpdates.step().catch((err) => this.failedStep(report, err, "queue"))));
      report.events.push(
        ...(await this.inactivity
          .step(client, this.cxoneLog)
          .catch((err) => this.failedStep(report, err, "inactivity"))),
      );
      metrics.polls.inc({ outcome: report.error ? "error" : "ok" });
      this.lastPoll = { at: new Date().toISOString(), ok: !report.error, skipped: false };
      return report;
    } catch (err) {
      this.failed(report, err, "poll");
      metrics.polls.inc({ outcome: "error" });
      this.lastPoll = { at: new Date().toISOString(), ok: false, skipped: false };
      return report;
    } finally {
      end();
    }
  }

  /** The waiting features' view of one applied case (queue membership, inactivity timer). */
  private async waiting(contact: CxoneContact, threadId: string): Promise<void> {
    const ref = this.states.decode(threadId);
    if (!ref) return;
    await this.queueUpdates.seen(contact, threadId);
    await this.inactivity.seen(contact, threadId, ref);
  }

  private failedStep(report: PollReport, err: unknown, what: string): string[] {
    this.failed(report, err, `${what} step`);
    return [];
  }

  private failed(report: PollReport, err: unknown, what: string): CaseToApply[] {
    report.error ??= describeError(err);
    this.o.log.warn({ err: describeError(err) }, `case poll: ${what} failed; retried next poll`);
    return [];
  }
}

async function eachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}
