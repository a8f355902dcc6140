import { CxoneClient } from "../cxone/client";
import type { CxoneConnection } from "../cxone/config";
import { describeError } from "../cxone/errors";
import type { CxoneLogger } from "../cxone/log";
import { CLOSED_STATUSES, type CxoneContact } from "../cxone/schemas";
import type { ConversationRef } from "../handover/thread";
import { type CognigyClient, type CognigyResult, relayAnnouncesAgent } from "./cognigy";
import type { AgentDetails } from "./messages";
import { agentDetails } from "./messages";
import type { RelayMetrics } from "./metrics";
import type { Store } from "./store";

/**
 * Case events for BYOC: CXone pushes no assignment or close to a BYOC middleware, so the relay polls the channel's
 * open cases with ONE search per interval (cost flat in the number of conversations), confirms a case that left the
 * open list with one get-contact, and injects into the conversation the thread id names:
 * - an agent assigned (or a different agent: transfer) → Inject `agentJoined` (+ Notify "You are now chatting with…"
 *   when the handover asked for agent details);
 * - resolved / closed / trashed → Inject `resolved`, exactly once per case.
 * State lives in the Store (Redis with several relays): an event counts as done only after Cognigy accepted it.
 */

export const OPEN_STATUSES = ["new", "open", "pending", "escalated"];
const CASES = "cases";
const POLL_LOCK = "poll-lock";
const RESOLVED_TTL_MS = 7 * 24 * 3600_000;
const CASE_LOCK_MS = 30_000;
const MAX_PAGES = 400;
/**
 * Every this many polls, one extra search reads the newest page of the channel's closed cases: a case opened and
 * closed between two polls, or while the relay was down, never showed in the open list, and its conversation would
 * otherwise stay in handover. Closes older than RECENT_CLOSE_WINDOW_MS are left alone (long-finished conversations).
 */
const CLOSED_SWEEP_EVERY = 5;
const RECENT_CLOSE_WINDOW_MS = 15 * 60_000;
/** A Cognigy refusal that retrying cannot fix (4xx) is retried this many polls, then given up (logged). */
const MAX_PERMANENT_FAILURES = 5;

interface CaseState {
  /** Thread id (idOnExternalPlatform). */
  t: string;
  /** Agent the conversation was last told about (agentJoined injected). */
  j?: string;
  /** Agent whose details Notify was sent. */
  d?: string;
  /** Permanent (4xx) Cognigy failures for the pending event. */
  f?: number;
}

export interface PollReport {
  skipped: boolean;
  /** Our open cases seen in the search. */
  open: number;
  events: string[];
  error?: string;
}

export interface CaseEventsOptions {
  connection: CxoneConnection;
  store: Store;
  cognigy: CognigyClient;
  metrics: RelayMetrics;
  log: {
    info(o: object, msg: string): void;
    warn(o: object, msg: string): void;
    error(o: object, msg: string): void;
    debug(o: object, msg: string): void;
  };
  pollIntervalMs: number;
  owner: string;
  /** The relay's verifying decoder (src/handover/thread.ts): only signed handover threads are ours. */
  decodeThread: (threadId: string) => ConversationRef | undefined;
}

export class CaseEvents {
  private timer?: NodeJS.Timeout;
  private running?: Promise<PollReport>;
  private stopped = false;
  private polls = 0;
  private readonly lockTtlMs: number;
  lastPoll?: { at: string; ok: boolean; skipped: boolean };

  constructor(private readonly o: CaseEventsOptions) {
    // Long enough to survive a slow poll, short enough that another relay takes over soon after this one dies.
    this.lockTtlMs = Math.max(3 * o.pollIntervalMs, 10_000);
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.pollOnce()
        .catch(() => undefined)
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.pollIntervalMs);
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
    if (!this.o.decodeThread(threadId)) return { found: true, ours: false, events: [] };
    const events: string[] = [];
    await this.reconcile(contact, threadId, events);
    return { found: true, ours: true, status: contact.status, events };
  }

  private client() {
    return new CxoneClient(this.o.connection, {
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
      const known = await this.loadStates();
      metrics.trackedCases.set(known.size);
      const open = new Map<string, CxoneContact>();
      let scrollToken: string | undefined;
      let pages = 0;
      do {
        const page = await client.searchContacts({ statuses: OPEN_STATUSES, scrollToken });
        for (const c of page.contacts) {
          if (c.threadIdOnExternalPlatform && this.o.decodeThread(c.threadIdOnExternalPlatform)) open.set(c.id, c);
        }
        scrollToken = page.contacts.length ? page.scrollToken : undefined;
        pages++;
      } while (scrollToken && pages < MAX_PAGES);
      // An unfinished listing cannot tell "left the open list" from "on a page we did not read".
      const complete = !scrollToken;
      if (!complete) this.o.log.warn({ pages }, "case poll: too many pages; closes are confirmed next poll");
      report.open = open.size;

      const work: (() => Promise<void>)[] = [];
      for (const [id, contact] of open) {
        const state = known.get(id);
        if (this.needsWork(contact, state)) {
          work.push(() => this.reconcile(contact, contact.threadIdOnExternalPlatform!, report.events));
        }
      }
      if (++this.polls % CLOSED_SWEEP_EVERY === 0) {
        const since = Date.now() - RECENT_CLOSE_WINDOW_MS;
        // A failed sweep must not cost this poll its other events: it is retried at the next sweep.
        const recent = await client
          .searchContacts({ statuses: ["resolved", "closed"], newestFirst: true })
          .catch((err) => {
            this.o.log.warn({ err: describeError(err) }, "case poll: closed-case sweep failed; retried next sweep");
            return { contacts: [] as CxoneContact[] };
          });
        for (const c of recent.contacts) {
          const threadId = c.threadIdOnExternalPlatform;
          if (open.has(c.id) || known.has(c.id) || !threadId || !this.o.decodeThread(threadId)) continue;
          if (!c.statusUpdatedAt || Date.parse(c.statusUpdatedAt) < since) continue;
          // reconcile() injects "resolved" once: a case already resolved is skipped by its resolved: marker.
          work.push(() => this.reconcile(c, threadId, report.events));
        }
      }
      if (complete) {
        for (const [id, state] of known) {
          if (open.has(id)) continue;
          // Left the open list: confirm with one get-contact before anything is injected.
          work.push(async () => {
            const contact = await client.getContact(id);
            const confirmed = contact ?? { id, status: "closed", threadIdOnExternalPlatform: state.t };
            await this.reconcile(confirmed as CxoneContact, state.t, report.events);
          });
        }
      }
      await eachLimit(work, 8, async (job) => {
        try {
          // Renewed before every case: slow Cognigy calls must not let the lock lapse while this relay still polls.
          await store.acquire(POLL_LOCK, this.o.owner, this.lockTtlMs);
          await job();
        } catch (err) {
          report.error ??= describeError(err);
          this.o.log.warn({ err: describeError(err) }, "case poll: one case failed; retried next poll");
        }
      });
      metrics.polls.inc({ outcome: report.error ? "error" : "ok" });
      this.lastPoll = { at: new Date().toISOString(), ok: !report.error, skipped: false };
      return report;
    } catch (err) {
      report.error = describeError(err);
      metrics.polls.inc({ outcome: "error" });
      this.lastPoll = { at: new Date().toISOString(), ok: false, skipped: false };
      this.o.log.warn({ err: report.error }, "case poll failed; retrying next interval");
      return report;
    } finally {
      end();
    }
  }

  private async loadStates(): Promise<Map<string, CaseState>> {
    const out = new Map<string, CaseState>();
    for (const [id, raw] of await this.o.store.hashGetAll(CASES)) {
      const state = parseState(raw);
      if (state) out.set(id, state);
    }
    return out;
  }

  private needsWork(contact: CxoneContact, state: CaseState | undefined): boolean {
    if (!state) return true;
    const agent = contact.inboxAssigneeUser;
    if (agent && !agent.isBotUser && agent.id !== state.j) return true;
    const ref = this.o.decodeThread(state.t);
    return !!ref && relayAnnouncesAgent(ref) && !!state.j && state.d !== state.j;
  }

  /** Applies one case's current status: inject what changed, remember it only once Cognigy accepted it. */
  private async reconcile(contact: CxoneContact, threadId: string, events: string[]): Promise<void> {
    const ref = this.o.decodeThread(threadId);
    if (!ref) return;
    const { store } = this.o;
    const id = contact.id;
    const lock = `case-lock:${id}`;
    if (!(await store.acquire(lock, this.o.owner, CASE_LOCK_MS))) return;
    try {
      if (await store.get(`resolved:${id}`)) {
        await store.hashDelete(CASES, id);
        return;
      }
      const raw = await store.hashGet(CASES, id);
      const before = raw ? parseState(raw) : undefined;
      const state: CaseState = before ? { ...before } : { t: threadId };

      if (CLOSED_STATUSES.includes(contact.status)) {
        const result = await this.inject(ref, "resolved", { event: "resolved", contactId: id });
        if (this.settle(result, state, "resolved", id, events)) {
          await store.set(`resolved:${id}`, "1", RESOLVED_TTL_MS);
          await store.hashDelete(CASES, id);
        } else await store.hashSet(CASES, id, JSON.stringify(state));
        return;
      }
      if (!OPEN_STATUSES.includes(contact.status)) {
        this.o.log.debug({ contactId: id }, "case in an unknown status; no event");
      }

      // A CXone bot user holding the case is not a human agent joining.
      const user = contact.inboxAssigneeUser?.isBotUser ? undefined : contact.inboxAssigneeUser;
      const agent = user ? agentDetails(user) : undefined;
      if (user && agent && user.id !== state.j) {
        const joined = { id: user.id, name: agent.name, ...(agent.avatarUrl ? { avatarUrl: agent.avatarUrl } : {}) };
        const result = await this.inject(ref, "agentJoined", { event: "agentJoined", contactId: id, agent: joined });
        if (this.settle(result, state, "agentJoined", id, events)) state.j = user.id;
      }
      if (relayAnnouncesAgent(ref) && user && agent && state.j === user.id && state.d !== user.id) {
        const result = await this.notifyDetails(ref, id, { ...agent, id: user.id });
        if (this.settle(result, state, "agentDetails", id, events)) state.d = user.id;
      }
      if (!before || JSON.stringify(before) !== JSON.stringify(state)) {
        await store.hashSet(CASES, id, JSON.stringify(state));
      }
    } finally {
      await store.release(lock, this.o.owner).catch(() => undefined);
    }
  }

  /** True when the event is done (accepted, or given up after repeated permanent refusals). */
  private settle(result: CognigyResult, state: CaseState, event: string, contactId: string, events: string[]) {
    if (result.ok) {
      delete state.f;
      events.push(`${event}:${contactId}`);
      this.o.metrics.caseEvents.inc({ event, outcome: "injected" });
      this.o.log.info({ contactId, event }, "case event delivered");
      return true;
    }
    this.o.metrics.caseEvents.inc({ event, outcome: "failed" });
    if (!result.retryable) {
      state.f = (state.f ?? 0) + 1;
      if (state.f >= MAX_PERMANENT_FAILURES) {
        delete state.f;
        this.o.metrics.caseEvents.inc({ event, outcome: "gave_up" });
        this.o.log.error({ contactId, event, reason: result.reason }, "case event refused by Cognigy; giving up");
        return true;
      }
    }
    this.o.log.warn({ contactId, event, reason: result.reason }, "case event not delivered; retried next poll");
    return false;
  }

  private inject(ref: ConversationRef, _event: string, cxone: { event: string; [k: string]: unknown }) {
    return this.o.cognigy.send("inject", ref, "", cxone);
  }

  private notifyDetails(ref: ConversationRef, contactId: string, agent: AgentDetails) {
    return this.o.cognigy.send("notify", ref, `You are now chatting with ${agent.name}`, {
      event: "agentDetails",
      contactId,
      agent,
    });
  }
}

function parseState(raw: string): CaseState | undefined {
  try {
    const v = JSON.parse(raw) as CaseState;
    return typeof v?.t === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

async function eachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}
