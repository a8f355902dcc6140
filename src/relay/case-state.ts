// One case's delivery state, and the one place a case's CXone status becomes Cognigy events, each exactly once.
import { z } from "zod";
import { isClosedStatus } from "../cxone/case-status";
import type { CxoneContact } from "../cxone/schemas";
import { identifiedAgentOf, joinedNotice } from "../handover/agent-name";
import type { AgentDetailsEvent, EventAgent, RelayEvent, RelayEventName } from "../handover/events";
import type { ConversationRef } from "../handover/thread";
import { type CognigyClient, relayAnnouncesAgent } from "./cognigy";
import { endedEvent, humanAgentOf, type SeenContact } from "./ended-event";
import type { RelayMetrics } from "./metrics";
import { type PollLog, refusalsField, type Sent, sent, settle } from "./refusals";
import type { Store } from "./store";
import { readStored } from "./stored";

/**
 * One case's delivery state, and the one place that turns a case's CXone status into Cognigy events, exactly once:
 * - an agent assigned (or a different agent: transfer) → Inject `agentJoined` (+ Notify "You are now chatting with…"
 *   when the handover asked for agent details);
 * - the agent gone while the case stays open (back in the queue) → Inject `requeued`, once per return;
 * - resolved / closed / trashed / gone → Inject `ended` with its reason, once per case (a `resolved:{id}` marker
 *   outlives the state). Today's `resolved` event is no longer sent: Send to Agent reads both (README: Hand-back).
 * However a case is found (newest-updated read, reconciliation, push hint), it goes through apply(): a case read twice
 * or by two relays at once is locked, compared with the stored state, and only what changed is injected.
 */

/** Hash of CaseState by case id: the handovers the poller follows. */
export const CASE_STATES = "cases";
/** Hash of case id → the contact as last read, for events Cognigy did not take yet (retried every poll). */
export const EVENTS_TO_RETRY = "case-events-to-retry";
const RESOLVED_TTL_MS = 7 * 24 * 3600_000;
const CASE_LOCK_MS = 30_000;
/** A closed case we never followed is ended only if it closed this recently (not long-finished conversations). */
const RECENT_CLOSE_WINDOW_MS = 15 * 60_000;

const caseStateSchema = z.object({
  threadId: z.string().min(1),
  /** Agent the conversation was last told about (agentJoined injected). */
  joinedAgentId: z.string().optional(),
  /** Agent whose details Notify was sent. */
  detailsAgentId: z.string().optional(),
  /** Permanent Cognigy refusals of the pending event (refusals.ts). */
  refusals: refusalsField,
  /** Last reconciliation cycle that saw the case open (see reconciliation.ts). */
  seenInCycle: z.number().int().optional(),
});
export type CaseState = z.output<typeof caseStateSchema>;

/**
 * The single-letter keys relays before the newest-updated read (commit 117f622) stored. They matter until one full
 * reconciliation cycle has run on a newer relay: it rewrites every open followed case with the names above as it marks
 * it seen, and resolves and removes the rest. Remove this once no deployment upgrades from such a relay.
 */
const legacyCaseStateSchema = z
  .object({ t: z.string().min(1), j: z.string().optional(), d: z.string().optional(), f: z.number().int().optional() })
  .transform((v): CaseState => ({ threadId: v.t, joinedAgentId: v.j, detailsAgentId: v.d, refusals: v.f }));

const storedCaseState = z.union([caseStateSchema, legacyCaseStateSchema]);

export interface CaseStateOptions {
  store: Store;
  cognigy: CognigyClient;
  metrics: RelayMetrics;
  log: PollLog;
  owner: string;
  /** The relay's verifying decoder (src/handover/thread.ts): only signed handover threads are ours. */
  decodeThread: (threadId: string) => ConversationRef | undefined;
}

export class CaseStates {
  constructor(private readonly o: CaseStateOptions) {}

  /** The conversation of one of our thread ids, or undefined for any other thread. */
  decode(threadId: string | undefined): ConversationRef | undefined {
    return threadId ? this.o.decodeThread(threadId) : undefined;
  }

  async load(caseId: string): Promise<CaseState | undefined> {
    const raw = await this.o.store.hashGet(CASE_STATES, caseId);
    return raw ? this.read(caseId, raw) : undefined;
  }

  async loadAll(): Promise<Map<string, CaseState>> {
    const out = new Map<string, CaseState>();
    for (const [id, raw] of await this.o.store.hashGetAll(CASE_STATES)) {
      const state = await this.read(id, raw);
      if (state) out.set(id, state);
    }
    return out;
  }

  /** A stored state not of this shape is dropped: the case then reads as one the relay has not followed yet. */
  private async read(caseId: string, raw: string): Promise<CaseState | undefined> {
    const state = readStored(storedCaseState, raw, this.o.log, `${CASE_STATES}/${caseId}`);
    if (!state) await this.o.store.hashDelete(CASE_STATES, caseId);
    return state;
  }

  save(caseId: string, state: CaseState): Promise<void> {
    return this.o.store.hashSet(CASE_STATES, caseId, JSON.stringify(state));
  }

  /** True when apply() would inject something for this case (cheap: store reads only). */
  async needsWork(contact: CxoneContact): Promise<boolean> {
    const ref = this.decode(contact.threadIdOnExternalPlatform);
    if (!ref) return false;
    const state = await this.load(contact.id);
    if (isClosedStatus(contact.status)) {
      if (!state && !closedRecently(contact)) return false;
      return !(await this.o.store.get(`resolved:${contact.id}`));
    }
    if (!state) return true;
    const agent = contact.inboxAssigneeUser;
    if (agent && !agent.isBotUser && agent.id !== state.joinedAgentId) return true;
    if (!agent && state.joinedAgentId) return true; // back in the queue

    return relayAnnouncesAgent(ref) && !!state.joinedAgentId && state.detailsAgentId !== state.joinedAgentId;
  }

  /** Applies one case's current status: inject what changed, remember it only once Cognigy accepted it. */
  async apply(contact: SeenContact, threadId: string, events: string[], seenInCycle?: number): Promise<void> {
    const ref = this.decode(threadId);
    if (!ref) return;
    const { store } = this.o;
    const id = contact.id;
    const lock = `case-lock:${id}`;
    if (!(await store.acquire(lock, this.o.owner, CASE_LOCK_MS))) return;
    try {
      if (await store.get(`resolved:${id}`)) {
        await store.hashDelete(CASE_STATES, id);
        await store.hashDelete(EVENTS_TO_RETRY, id);
        return;
      }
      const before = await this.load(id);
      const state: CaseState = before ? { ...before } : { threadId, seenInCycle };
      if (seenInCycle !== undefined) state.seenInCycle = seenInCycle;
      let done = true;

      if (isClosedStatus(contact.status)) {
        const result = await this.inject(ref, endedEvent(contact, before?.joinedAgentId));
        if (this.settle(result, state, "ended", id, events)) {
          await store.set(`resolved:${id}`, "1", RESOLVED_TTL_MS);
          await store.hashDelete(CASE_STATES, id);
          await store.hashDelete(EVENTS_TO_RETRY, id);
          return;
        }
        done = false;
      } else {
        const user = humanAgentOf(contact);
        const agent = user ? identifiedAgentOf(user) : undefined;
        if (agent && agent.id !== state.joinedAgentId) {
          const result = await this.inject(ref, { event: "agentJoined", contactId: id, agent });
          if (this.settle(result, state, "agentJoined", id, events)) state.joinedAgentId = agent.id;
          else done = false;
        }
        // Back in the queue: no one holds the case any more, whatever status CXone gives it (not published).
        if (!contact.inboxAssigneeUser && state.joinedAgentId) {
          const result = await this.inject(ref, { event: "requeued", contactId: id });
          if (this.settle(result, state, "requeued", id, events)) {
            delete state.joinedAgentId;
            delete state.detailsAgentId;
          } else done = false;
        }
        if (
          relayAnnouncesAgent(ref) &&
          agent &&
          state.joinedAgentId === agent.id &&
          state.detailsAgentId !== agent.id
        ) {
          const result = await this.notifyDetails(ref, id, agent);
          if (this.settle(result, state, "agentDetails", id, events)) state.detailsAgentId = agent.id;
          else done = false;
        }
      }
      if (!before || JSON.stringify(before) !== JSON.stringify(state)) await this.save(id, state);
      // An event Cognigy did not take is retried every poll from this copy, wherever the case sits in CXone's lists.
      if (done) await store.hashDelete(EVENTS_TO_RETRY, id);
      else
        await store.hashSet(EVENTS_TO_RETRY, id, JSON.stringify({ ...contact, threadIdOnExternalPlatform: threadId }));
    } finally {
      await store.release(lock, this.o.owner).catch(() => undefined);
    }
  }

  /** True when the event is done (accepted, or given up after repeated permanent refusals: refusals.ts). */
  private settle(result: Sent, state: CaseState, event: RelayEventName, contactId: string, events: string[]) {
    const settled = settle(result, state, { contactId, event }, this.o);
    if (settled === "delivered") {
      events.push(`${event}:${contactId}`);
      this.o.log.info({ contactId, event }, "case event delivered");
    }
    return settled !== "retry";
  }

  private inject(ref: ConversationRef, cxone: RelayEvent) {
    return sent(this.o.cognigy.send("inject", ref, "", cxone));
  }

  private notifyDetails(ref: ConversationRef, contactId: string, agent: EventAgent) {
    const event: AgentDetailsEvent = { event: "agentDetails", contactId, agent };
    return sent(this.o.cognigy.send("notify", ref, joinedNotice(agent.name), event));
  }
}

/**
 * The relay itself ended this case (inactivity, src/relay/inactivity.ts) and sends its own `ended` inject: the poll
 * must not add an `ended` of its own when it sees the case closed.
 */
export async function markEndedByRelay(store: Store, caseId: string): Promise<void> {
  await store.set(`resolved:${caseId}`, "1", RESOLVED_TTL_MS);
}

function closedRecently(contact: CxoneContact): boolean {
  const at = contact.statusUpdatedAt ? Date.parse(contact.statusUpdatedAt) : Number.NaN;
  return at >= Date.now() - RECENT_CLOSE_WINDOW_MS;
}
