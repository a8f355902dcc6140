// Queue position and estimated wait for a waiting case, worked out from what the case poll already reads.
import { z } from "zod";
import { isClosedStatus } from "../cxone/case-status";
import type { CxoneContact } from "../cxone/schemas";
import type { QueueTooLongEvent, QueueUpdateEvent } from "../handover/events";
import type { ConversationRef } from "../handover/thread";
import { queueUpdateText } from "../handover/wait-settings";
import type { CognigyClient, CognigyRoute } from "./cognigy";
import { type RefusalOptions, refusalsField, type Settled, sendCounted } from "./refusals";
import type { Store } from "./store";
import { readStored } from "./stored";

/**
 * Queue updates while a case waits for an agent, at no CXone cost: CXone publishes no queue position or estimated
 * wait for a BYOC case (README, "Where the queue numbers come from"), so the relay works them out from what its case
 * poll already reads.
 * - Position: this channel's queued cases (open, no human agent) ranked by `createdAt`, kept in one store hash as the
 *   poll meets them (`seen`). 0 extra requests, whatever the number of queued conversations.
 * - Estimated wait: only from assignments the relay itself observed on this channel in the last half hour (at least
 *   MIN_SAMPLES): rate = (assignments − 1) / (now − first of them), wait ≈ position / rate. Without such data: no
 *   estimate.
 * `step` runs once per poll, after the poll applied its cases, so a case an agent took in this poll gets no update.
 */

/** Hash of case id → QueuedCase: every queued case of the channel, with or without queue updates. */
export const QUEUED_CASES = "queued-cases";
/** Recent assignments the relay observed: JSON [{ at, waitedMs }]. */
const ASSIGNMENTS = "queue-assignments";
const SAMPLE_WINDOW_MS = 30 * 60_000;
const MIN_SAMPLES = 3;
/** Less observed time than this says nothing about a rate. */
const MIN_OBSERVED_MS = 60_000;
const MAX_SAMPLES = 200;
/** A queued case not seen to leave the queue for this long is dropped (the reconciliation lost it, or it is stale). */
const MAX_QUEUED_MS = 24 * 3600_000;

const queuedCaseSchema = z.object({
  threadId: z.string().min(1),
  /** CXone's createdAt (ms). */
  createdAt: z.number().finite(),
  /** When the next update is due (ms); absent until the first step. */
  nextAt: z.number().finite().optional(),
  /** 1: the alternative text was sent (or given up), its inject not yet taken; 2: both done or given up (once). */
  tooLong: z.union([z.literal(1), z.literal(2)]).optional(),
  /** Permanent Cognigy refusals of the pending update (refusals.ts). */
  refusals: refusalsField,
  /** Cognigy refused this case's updates until they were given up: none are sent; it still counts for positions. */
  givenUp: z.literal(true).optional(),
});
type QueuedCase = z.output<typeof queuedCaseSchema>;

/** An assignment the relay observed; a sample not of this shape is left out of the estimate. */
const assignmentSchema = z.object({ at: z.number().finite(), waitedMs: z.number().finite() });
type Assignment = z.output<typeof assignmentSchema>;
const assignmentsSchema = z.array(assignmentSchema.nullable().catch(null));

export interface QueueUpdatesOptions extends RefusalOptions {
  store: Store;
  cognigy: CognigyClient;
  decodeThread: (threadId: string) => ConversationRef | undefined;
  now: () => number;
}

/** Open and nobody (human) has it: the case waits in the queue. */
export function isQueued(contact: CxoneContact): boolean {
  if (isClosedStatus(contact.status)) return false;
  return !contact.inboxAssigneeUser || contact.inboxAssigneeUser.isBotUser === true;
}

export class QueueUpdates {
  constructor(private readonly o: QueueUpdatesOptions) {}

  /** Hook for every case the poll applied: joins or leaves the queue (a case leaving it for an agent is a sample). */
  async seen(contact: CxoneContact, threadId: string): Promise<void> {
    const { store } = this.o;
    const raw = await store.hashGet(QUEUED_CASES, contact.id);
    if (isQueued(contact)) {
      // Kept as stored when readable; otherwise replaced now, so the case keeps its place in this poll's step.
      if (raw && this.read(contact.id, raw)) return;
      const created = Date.parse(contact.createdAt ?? "");
      const entry: QueuedCase = { threadId, createdAt: Number.isFinite(created) ? created : this.o.now() };
      await store.hashSet(QUEUED_CASES, contact.id, JSON.stringify(entry));
      return;
    }
    if (!raw) return;
    await store.hashDelete(QUEUED_CASES, contact.id);
    const entry = this.read(contact.id, raw);
    if (entry && !isClosedStatus(contact.status)) await this.recordAssignment(entry);
  }

  /** Sends the updates that are due; returns what it delivered (`queueUpdate:{id}`, `queueTooLong:{id}`). */
  async step(): Promise<string[]> {
    const { store, now } = this.o;
    const at = now();
    const queued: [string, QueuedCase][] = [];
    for (const [id, raw] of await store.hashGetAll(QUEUED_CASES)) {
      const entry = this.read(id, raw);
      if (!entry || at - entry.createdAt > MAX_QUEUED_MS) await store.hashDelete(QUEUED_CASES, id);
      else queued.push([id, entry]);
    }
    // Creation order, as CXone routes a queue first in, first out (ties by case id, which CXone counts up).
    queued.sort(([a, x], [b, y]) => x.createdAt - y.createdAt || a.localeCompare(b, "en", { numeric: true }));
    const rate = await this.assignmentRate(at);
    const events: string[] = [];
    for (let i = 0; i < queued.length; i++) {
      const [id, entry] = queued[i];
      if (entry.givenUp || (entry.nextAt !== undefined && entry.nextAt > at)) continue;
      const ref = this.o.decodeThread(entry.threadId);
      const settings = ref?.wait?.queue;
      if (!ref || !settings) continue;
      const position = i + 1;
      const waitMs = rate ? position / rate : undefined;
      const tooLong =
        !entry.tooLong &&
        ((settings.maxPosition !== undefined && position > settings.maxPosition) ||
          (settings.maxWaitMs !== undefined && waitMs !== undefined && waitMs > settings.maxWaitMs));
      const figures = {
        ...(settings.position ? { position } : {}),
        ...(settings.estimatedWait && waitMs !== undefined ? { estimatedWaitSeconds: Math.round(waitMs / 1000) } : {}),
      };
      const nextAt = at + settings.intervalSeconds * 1000;
      const update: QueueUpdateEvent = { event: "queueUpdate", contactId: id, ...figures };
      if (tooLong) {
        // The update that passes the maximum: the alternative text instead of the figures, as a queueUpdate. Given
        // up, it still leads to the inject: queueTooLong is the flow's cue to offer the user another way.
        if ((await this.send(id, entry, "notify", ref, settings.alternativeText, update)) === "retry") continue;
        entry.tooLong = 1;
        await this.save(id, entry);
      }
      if (entry.tooLong === 1) {
        // The alternative text is done, the inject is not: only the inject is repeated. Given up, it is not again.
        const event: QueueTooLongEvent = { event: "queueTooLong", contactId: id, ...figures };
        const settled = await this.send(id, entry, "inject", ref, "", event);
        if (settled === "retry") continue;
        if (settled === "delivered") events.push(`queueTooLong:${id}`);
        await this.save(id, { ...entry, nextAt, tooLong: 2 });
        continue;
      }
      const text = queueUpdateText(settings.text, figures.position, figures.estimatedWaitSeconds);
      const settled = text ? await this.send(id, entry, "notify", ref, text, update) : "delivered";
      if (settled === "retry") continue;
      if (settled === "delivered" && text) events.push(`queueUpdate:${id}`);
      // A refused update stops this case's updates: the user waits on for an agent as without them.
      await this.save(id, settled === "gave_up" ? { ...entry, givenUp: true } : { ...entry, nextAt });
    }
    return events;
  }

  /** One send under the refusal rule (refusals.ts); a refusal counted on `entry` is saved at once. */
  private send(
    id: string,
    entry: QueuedCase,
    route: CognigyRoute,
    ref: ConversationRef,
    text: string,
    event: QueueUpdateEvent | QueueTooLongEvent,
  ): Promise<Settled> {
    const sending = this.o.cognigy.send(route, ref, text, event);
    return sendCounted(sending, entry, { contactId: id, event: event.event }, this.o, () => this.save(id, entry));
  }

  private save(id: string, entry: QueuedCase): Promise<void> {
    return this.o.store.hashSet(QUEUED_CASES, id, JSON.stringify(entry));
  }

  /** Assignments per ms over the observed part of the window, or undefined without enough data. */
  private async assignmentRate(at: number): Promise<number | undefined> {
    const samples = (await this.assignments()).filter((s) => at - s.at <= SAMPLE_WINDOW_MS);
    if (samples.length < MIN_SAMPLES) return undefined;
    const observed = at - Math.min(...samples.map((s) => s.at));
    if (observed < MIN_OBSERVED_MS) return undefined;
    // Gaps between assignments (the first one opens the observed time), so the rate is not flattered by the window
    // starting on an assignment; time since the last one counts, so a stalled queue lengthens the estimate.
    return (samples.length - 1) / observed;
  }

  private async assignments(): Promise<Assignment[]> {
    const raw = await this.o.store.get(ASSIGNMENTS);
    const samples = raw ? readStored(assignmentsSchema, raw, this.o.log, ASSIGNMENTS) : [];
    if (!samples) await this.o.store.del(ASSIGNMENTS);
    return (samples ?? []).filter((s) => s !== null);
  }

  private async recordAssignment(entry: QueuedCase): Promise<void> {
    const at = this.o.now();
    const kept = (await this.assignments()).filter((s) => at - s.at <= SAMPLE_WINDOW_MS).slice(-(MAX_SAMPLES - 1));
    kept.push({ at, waitedMs: Math.max(0, at - entry.createdAt) });
    await this.o.store.set(ASSIGNMENTS, JSON.stringify(kept), SAMPLE_WINDOW_MS);
  }

  /** A queued case not of this shape is dropped by the callers (replaced by seen, deleted by step). */
  private read(caseId: string, raw: string): QueuedCase | undefined {
    return readStored(queuedCaseSchema, raw, this.o.log, `${QUEUED_CASES}/${caseId}`);
  }
}
