// Inactivity: a handover where neither the user nor the agent wrote for its timeout ends, on a stored timer.
import { z } from "zod";
import { isClosedStatus } from "../cxone/case-status";
import type { CxoneClient } from "../cxone/client";
import type { CxoneLogger } from "../cxone/log";
import type { CxoneContact } from "../cxone/schemas";
import { closeCase } from "../handover/close";
import type { EndedEvent, InactivityWarningEvent } from "../handover/events";
import type { ConversationRef } from "../handover/thread";
import { markEndedByRelay } from "./case-state";
import { errorMessage } from "./caught";
import type { CognigyClient, CognigyRoute } from "./cognigy";
import { type RefusalOptions, refusalsField, type Settled, sendCounted } from "./refusals";
import type { Store } from "./store";
import { readStored } from "./stored";

/**
 * Inactivity: a handover where neither the user nor the agent wrote for the handover's timeout ends (abandoned when
 * queued, closed when an agent has it: the one rule in src/handover/close.ts), the user gets the message and the flow
 * one `ended` inject with reason "inactivity". The timer lives in the store (Redis when shared), so a relay restart
 * loses none.
 *
 * Where activity comes from, without a CXone request per user message:
 * - agent: the relay delivers every agent message itself and stamps the handover (`noteAgentActivity`);
 * - user: Send to Agent writes each user message to CXone with `createdAtWithMilliseconds`; only when a timer falls
 *   due (the warning or the end) does the relay read the case's newest inbound message time, one message search. A
 *   chatty conversation costs one request per timeout period at most, a quiet one two (warning, end).
 * An answer that may not list the newest message (more inbound messages than it returned) counts as activity now:
 * when the relay cannot tell, the handover stays open.
 */

/** Hash of case id → InactivityTimer. */
export const INACTIVITY_TIMERS = "inactivity-timers";
const WARNING_BEFORE_MS = 60_000;
const AGENT_ACTIVITY_TTL_MS = 7 * 24 * 3600_000;
/**
 * Message searches one poll may spend on timers that fell due: a fixed cost per interval however many conversations
 * go quiet at once; the rest are checked in the next polls (they end an interval or a few later).
 */
export const ACTIVITY_CHECKS_PER_POLL = 25;

const inactivityTimerSchema = z.object({
  threadId: z.string().min(1),
  /** Latest activity known (ms): the case's creation, a user message read from CXone, an agent message. */
  lastAt: z.number().finite(),
  /** An agent has the case (close it) rather than the queue (abandon it). */
  assigned: z.boolean().optional(),
  /** The warning was sent for this quiet stretch. */
  warnedFor: z.number().finite().optional(),
  /** Ending: 1 = case ended in CXone, 2 = user told; the inject is what is left. */
  ending: z.union([z.literal(1), z.literal(2)]).optional(),
  /** Permanent Cognigy refusals of the pending warning, message or inject (refusals.ts). */
  refusals: refusalsField,
});
type InactivityTimer = z.output<typeof inactivityTimerSchema>;

const agentActivityKey = (handoverId: string) => `agent-activity:${handoverId}`;

/** Called by the relay's agent-message delivery: one store write, no CXone request. */
export async function noteAgentActivity(store: Store, ref: ConversationRef, at = Date.now()): Promise<void> {
  if (ref.wait?.inactivity) await store.set(agentActivityKey(ref.handoverId), String(at), AGENT_ACTIVITY_TTL_MS);
}

export interface InactivityOptions extends RefusalOptions {
  store: Store;
  cognigy: CognigyClient;
  decodeThread: (threadId: string) => ConversationRef | undefined;
  now: () => number;
  /** Overrides ACTIVITY_CHECKS_PER_POLL (tests, bench). */
  checksPerPoll?: number;
}

export class Inactivity {
  constructor(private readonly o: InactivityOptions) {}

  /** Hook for every case the poll applied: starts the timer of a handover that asked for one, follows its state. */
  async seen(contact: CxoneContact, threadId: string, ref: ConversationRef): Promise<void> {
    const { store } = this.o;
    const raw = await store.hashGet(INACTIVITY_TIMERS, contact.id);
    const timer = raw ? this.read(contact.id, raw) : undefined;
    if (isClosedStatus(contact.status)) {
      // Ended elsewhere (agent, user, flow): no timer left; a timer already ending finishes its own inject first.
      if (raw && !timer?.ending) await store.hashDelete(INACTIVITY_TIMERS, contact.id);
      return;
    }
    if (!ref.wait?.inactivity) return;
    const user = contact.inboxAssigneeUser;
    const assigned = !!user && user.isBotUser !== true;
    if (timer && timer.assigned === assigned) return;
    const created = Date.parse(contact.createdAt ?? "");
    const next: InactivityTimer = timer
      ? { ...timer, assigned }
      : { threadId, lastAt: Number.isFinite(created) ? created : this.o.now(), assigned };
    await store.hashSet(INACTIVITY_TIMERS, contact.id, JSON.stringify(next));
  }

  /** Warns and ends the handovers that are due; returns what it did (`inactivityWarning:{id}`, `ended:{id}`). */
  async step(client: CxoneClient, log: CxoneLogger): Promise<string[]> {
    const events: string[] = [];
    const budget = { checks: this.o.checksPerPoll ?? ACTIVITY_CHECKS_PER_POLL };
    for (const [id, raw] of await this.o.store.hashGetAll(INACTIVITY_TIMERS)) {
      const timer = this.read(id, raw);
      const ref = timer ? this.o.decodeThread(timer.threadId) : undefined;
      const settings = ref?.wait?.inactivity;
      if (!timer || !ref || !settings) {
        await this.o.store.hashDelete(INACTIVITY_TIMERS, id);
        continue;
      }
      try {
        await this.stepOne(id, timer, ref, client, log, events, budget);
      } catch (err) {
        this.o.log.warn({ contactId: id, err: errorMessage(err) }, "inactivity: check failed; retried next poll");
      }
    }
    return events;
  }

  private async stepOne(
    id: string,
    timer: InactivityTimer,
    ref: ConversationRef,
    client: CxoneClient,
    log: CxoneLogger,
    events: string[],
    budget: { checks: number },
  ): Promise<void> {
    const settings = ref.wait?.inactivity;
    if (!settings) return;
    const { store, now } = this.o;
    if (timer.ending) return this.finish(id, timer, ref, events);
    const agentAt = Number(await store.get(agentActivityKey(ref.handoverId)));
    let lastAt = Math.max(timer.lastAt, Number.isFinite(agentAt) ? agentAt : 0);
    const timeoutMs = settings.timeoutSeconds * 1000;
    // The warning needs a timeout longer than the minute it comes before.
    const warnAfter =
      settings.warning !== undefined && timeoutMs > WARNING_BEFORE_MS ? timeoutMs - WARNING_BEFORE_MS : 0;
    const at = now();
    const due = (since: number) =>
      at - since >= timeoutMs ? "end" : warnAfter && at - since >= warnAfter && timer.warnedFor !== since ? "warn" : "";
    let action = due(lastAt);
    if (!action) return;
    let current = timer;

    // Due: did the user write meanwhile? One message search, only now, within the poll's budget.
    if (budget.checks <= 0) return;
    budget.checks -= 1;
    const inbound = await client.lastInboundMessageAt(id);
    const userAt = inbound.complete ? (inbound.at ?? 0) : at;
    if (userAt > lastAt) {
      lastAt = userAt;
      // A new quiet stretch: refusals of the last one's warning no longer count.
      current = { ...timer, lastAt, refusals: undefined };
      await this.save(id, current);
      action = due(lastAt);
      if (!action) return;
    }
    if (action === "warn") {
      // A warning given up counts as sent: the timer goes on to the end, which does not depend on Cognigy.
      const warning: InactivityWarningEvent = { event: "inactivityWarning", contactId: id };
      const warned = { ...current, lastAt };
      const settled = await this.send(id, warned, "notify", ref, settings.warning ?? "", warning);
      if (settled === "retry") return;
      if (settled === "delivered") events.push(`inactivityWarning:${id}`);
      await this.save(id, { ...warned, warnedFor: lastAt });
      return;
    }
    // Quiet for the whole timeout: end the case by the one rule, and only then tell anyone. The case is closed whatever
    // Cognigy later answers: a quiet conversation must not hold a queue place or an agent because Cognigy refused it.
    await markEndedByRelay(store, id);
    const handover = { contactId: id, threadId: timer.threadId, agentAssigned: !!timer.assigned };
    const result = await closeCase(client, handover, log);
    this.o.log.info({ contactId: id, result }, "inactivity: handover ended");
    const ending: InactivityTimer = { ...current, lastAt, ending: 1, refusals: undefined };
    await this.save(id, ending);
    return this.finish(id, ending, ref, events);
  }

  /**
   * After the case ended: the message to the user, then the one `ended` inject; each step repeated until taken or
   * given up (refusals.ts). A message given up still leads to the inject; an inject given up ends the timer, so the
   * flow may miss its `ended` then (the case is closed in CXone either way).
   */
  private async finish(id: string, timer: InactivityTimer, ref: ConversationRef, events: string[]): Promise<void> {
    const settings = ref.wait?.inactivity;
    if (!settings) return;
    const event: EndedEvent = { event: "ended", reason: "inactivity", contactId: id };
    const ending = { ...timer };
    if (ending.ending === 1) {
      if (settings.message.trim() && (await this.send(id, ending, "notify", ref, settings.message, event)) === "retry")
        return;
      ending.ending = 2;
      await this.save(id, ending);
    }
    const settled = await this.send(id, ending, "inject", ref, "", event);
    if (settled === "retry") return;
    if (settled === "delivered") events.push(`ended:${id}`);
    await this.o.store.hashDelete(INACTIVITY_TIMERS, id);
  }

  /** One send under the refusal rule (refusals.ts); a refusal counted on `timer` is saved at once. */
  private send(
    id: string,
    timer: InactivityTimer,
    route: CognigyRoute,
    ref: ConversationRef,
    text: string,
    event: InactivityWarningEvent | EndedEvent,
  ): Promise<Settled> {
    const sending = this.o.cognigy.send(route, ref, text, event);
    return sendCounted(sending, timer, { contactId: id, event: event.event }, this.o, () => this.save(id, timer));
  }

  /** A timer not of this shape is dropped by the callers (step deletes it; seen replaces it for an open case). */
  private read(caseId: string, raw: string): InactivityTimer | undefined {
    return readStored(inactivityTimerSchema, raw, this.o.log, `${INACTIVITY_TIMERS}/${caseId}`);
  }

  private save(id: string, timer: InactivityTimer) {
    return this.o.store.hashSet(INACTIVITY_TIMERS, id, JSON.stringify(timer));
  }
}
