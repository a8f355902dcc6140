// Delivers each agent reply into Cognigy Notify exactly once, as far as Cognigy allows (the relay's deliverer).
import { z } from "zod";
import type { AgentMessageEvent } from "../handover/events";
import { webchatFiles } from "./agent-content";
import type { AgentMessage } from "./agent-message";
import { type CognigyClient, splitText } from "./cognigy";
import { noteAgentActivity } from "./inactivity";
import type { Store } from "./store";
import { readStored } from "./stored";

/** What `done:{key}` holds once Cognigy accepted every part: what a repeat of the message is answered with. */
const doneRecordSchema = z.object({ idOnExternalPlatform: z.string().min(1), at: z.string().min(1) });
type DoneRecord = z.output<typeof doneRecordSchema>;

export type DeliveryResult =
  | ({ outcome: "delivered" | "duplicate" } & DoneRecord)
  /** Another request (this or another relay) is delivering the same message right now. */
  | { outcome: "busy" }
  | { outcome: "failed"; retryable: boolean; reason: string };

const DONE_TTL_ID_MS = 7 * 24 * 3600_000;
/** Content digests expire sooner: a deliberate repeat of the same words later is a new message. */
const DONE_TTL_HASH_MS = 10 * 60_000;
const PROGRESS_TTL_MS = 24 * 3600_000;

export interface DelivererOptions {
  store: Store;
  cognigy: CognigyClient;
  owner: string;
  cognigyTimeoutMs: number;
  /** How long a request waits for a concurrent delivery of the same message before answering "retry". */
  busyWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** A store write failed after Cognigy accepted the message (the message is delivered; its de-dup record is not). */
  onStoreError?: (err: unknown) => void;
  /** Clock of the inactivity timers (tests move it). */
  now?: () => number;
  log: { warn(o: object, msg: string): void };
}

/**
 * Exactly-once delivery of agent messages into Notify, as far as Cognigy allows: a message is marked done only after
 * Cognigy accepted every part, a lease keeps two relays from delivering the same message at once, and a long text's
 * parts already accepted are not sent again when CXone retries after a failure in the middle.
 */
export class Deliverer {
  private readonly inflight = new Map<string, Promise<DeliveryResult>>();
  /** The last isoNow() answer and its millisecond: this deliverer's, so two relays in one process share nothing. */
  private iso = { at: 0, text: "" };

  constructor(private readonly options: DelivererOptions) {}

  async deliver(msg: AgentMessage): Promise<DeliveryResult> {
    const running = this.inflight.get(msg.key);
    if (running) return asDuplicate(await running);
    const attempt = this.attempt(msg).finally(() => this.inflight.delete(msg.key));
    this.inflight.set(msg.key, attempt);
    return attempt;
  }

  private async attempt(msg: AgentMessage): Promise<DeliveryResult> {
    const { store } = this.options;
    const done = await this.done(msg.key);
    if (done) return { outcome: "duplicate", ...done };
    const parts = splitText(msg.text);
    const leaseKey = `lease:${msg.key}`;
    const leaseMs = this.options.cognigyTimeoutMs * (parts.length + 1) + 5000;
    if (!(await store.acquire(leaseKey, this.options.owner, leaseMs))) return this.waitForOther(msg.key);
    try {
      // Another relay may have finished between our first look and taking the lease.
      const again = await this.done(msg.key);
      if (again) return { outcome: "duplicate", ...again };
      const progressKey = `progress:${msg.key}`;
      // Progress is only ever written between the parts of a split text: a one-part message has none to read.
      const stored = parts.length > 1 ? Number(await store.get(progressKey)) : 0;
      // A count of parts already accepted, or nothing: any other stored value restarts at the first part.
      const sent = Number.isInteger(stored) && stored > 0 && stored < parts.length ? stored : 0;
      for (let i = sent; i < parts.length; i++) {
        const last = i === parts.length - 1;
        const cxone: AgentMessageEvent = {
          event: "agentMessage",
          messageId: msg.idOnExternalPlatform,
          ...(msg.contactId ? { contactId: msg.contactId } : {}),
          ...(msg.ref.displayAgentDetails && msg.agent ? { agent: msg.agent } : {}),
          ...(last && msg.attachments.length ? { attachments: msg.attachments } : {}),
          ...(parts.length > 1 ? { part: i + 1, parts: parts.length } : {}),
        };
        const text = parts[i] || (last ? msg.attachments.map((a) => `${a.name}: ${a.url}`).join("\n") : "");
        // What Webchat draws richly (quick replies, link card, files) rides on the last part only.
        const view =
          last && (msg.rich || msg.attachments.length)
            ? { ...msg.rich, ...(msg.attachments.length ? { attachments: webchatFiles(msg.attachments) } : {}) }
            : undefined;
        const result = await this.options.cognigy.send("notify", msg.ref, text, cxone, view);
        if (!result.ok) return { outcome: "failed", retryable: result.retryable, reason: result.reason };
        if (!last) await store.set(progressKey, String(i + 1), PROGRESS_TTL_MS);
      }
      const record: DoneRecord = { idOnExternalPlatform: msg.idOnExternalPlatform, at: this.isoNow() };
      const ttl = msg.key.startsWith("i") ? DONE_TTL_ID_MS : DONE_TTL_HASH_MS;
      try {
        await store.set(`done:${msg.key}`, JSON.stringify(record), ttl);
        if (parts.length > 1) await store.del(progressKey);
        // The agent wrote: the handover's inactivity timer starts again (no CXone request).
        await noteAgentActivity(store, msg.ref, (this.options.now ?? Date.now)());
      } catch (err) {
        // The user has the message: a non-200 now would make CXone send it again. Only de-dup of a later retry is lost.
        this.options.onStoreError?.(err);
      }
      return { outcome: "delivered", ...record };
    } finally {
      await store.release(leaseKey, this.options.owner).catch(() => undefined);
    }
  }

  /** A record not of its shape is dropped: the message then counts as not delivered (as before for non-JSON). */
  private async done(key: string): Promise<DoneRecord | undefined> {
    const { store, log } = this.options;
    const raw = await store.get(`done:${key}`);
    if (!raw) return undefined;
    const record = readStored(doneRecordSchema, raw, log, `done:${key}`);
    if (!record) await store.del(`done:${key}`);
    return record;
  }

  private async waitForOther(key: string): Promise<DeliveryResult> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    const until = Date.now() + (this.options.busyWaitMs ?? 2000);
    while (Date.now() < until) {
      await sleep(50);
      const done = await this.done(key);
      if (done) return { outcome: "duplicate", ...done };
    }
    return { outcome: "busy" };
  }

  /** new Date().toISOString(), formatted once per millisecond (several messages share one under load). */
  private isoNow(): string {
    const now = Date.now();
    if (now !== this.iso.at) this.iso = { at: now, text: new Date(now).toISOString() };
    return this.iso.text;
  }
}

function asDuplicate(result: DeliveryResult): DeliveryResult {
  return result.outcome === "delivered" ? { ...result, outcome: "duplicate" } : result;
}
