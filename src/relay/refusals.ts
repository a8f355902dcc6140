// The one rule for what the case poll sends Cognigy: a permanent refusal is counted per case, logged once, given up.
import { z } from "zod";
import { MalformedEventError, type RelayEventName } from "../handover/events";
import type { CognigyResult } from "./cognigy";
import type { RelayMetrics } from "./metrics";

/**
 * Every step of the poll that sends into Cognigy (case events in case-state.ts, queue updates, inactivity) follows it:
 * - a transient failure (5xx, 429, timeout, network: `retryable` in cognigy.ts) is retried next poll, as long as it
 *   takes;
 * - a permanent one (a 4xx, or an event the relay itself built malformed: the same on every poll) is counted in the
 *   step's stored state, logged once, and after MAX_PERMANENT_FAILURES polls in a row given up, so one refused
 *   conversation costs a bounded number of calls and log lines, never a warning every poll forever.
 */

/** Permanent refusals of one event in a row before the poll gives it up. */
export const MAX_PERMANENT_FAILURES = 5;

/** The counter each step keeps in its stored state (optional: values stored before it existed still load). */
export const refusalsField = z.number().int().min(0).optional();

/**
 * What became of one event: Cognigy's answer, or a relay bug caught before sending (`malformed`, the problem by field
 * names only). The bug is the same on every poll, so it counts as a permanent refusal, not as a failed send.
 */
export type Sent = CognigyResult | { ok: false; retryable: false; reason: string; malformed: true };

/** A send's outcome, with the relay's malformed event (thrown by CognigyClient.send, unsent) as a permanent refusal. */
export async function sent(sending: Promise<CognigyResult>): Promise<Sent> {
  try {
    return await sending;
  } catch (err) {
    if (!(err instanceof MalformedEventError)) throw err;
    return { ok: false, retryable: false, reason: err.message, malformed: true };
  }
}

/** delivered: Cognigy took it; retry: try again next poll; gave_up: refused too often, stop sending it. */
export type Settled = "delivered" | "retry" | "gave_up";

/** The log lines a poll step writes (the relay's pino logger; tests pass a sink). */
export interface PollLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
  debug(o: object, msg: string): void;
}

export interface RefusalOptions {
  metrics: RelayMetrics;
  log: PollLog;
}

/**
 * Applies the rule to one send: updates `state.refusals` (the caller saves the state) and the case-event metric.
 * Logged with the case id, the event name and Cognigy's status or the malformed event's field names: never text.
 */
export function settle(
  result: Sent,
  state: { refusals?: number },
  what: { contactId: string; event: RelayEventName },
  o: RefusalOptions,
): Settled {
  const { metrics, log } = o;
  const { contactId, event } = what;
  if (result.ok) {
    delete state.refusals;
    metrics.caseEvents.inc({ event, outcome: "injected" });
    return "delivered";
  }
  metrics.caseEvents.inc({ event, outcome: "failed" });
  if (result.retryable) {
    log.warn({ contactId, event, reason: result.reason }, "case event not delivered; retried next poll");
    return "retry";
  }
  const malformed = "malformed" in result;
  state.refusals = (state.refusals ?? 0) + 1;
  // Logged once, when first met: the same answer on every poll until it is given up says nothing new.
  if (state.refusals === 1) {
    if (malformed) {
      const problem = result.reason;
      log.error({ contactId, event, problem }, "case event: programmer error; not sent, given up after a few polls");
    } else {
      const { reason, status } = result;
      log.error({ contactId, event, status, reason }, "case event refused by Cognigy; given up after a few polls");
    }
  }
  if (state.refusals < MAX_PERMANENT_FAILURES) {
    log.debug({ contactId, event, refusals: state.refusals }, "case event: permanent refusal counted");
    return "retry";
  }
  delete state.refusals;
  metrics.caseEvents.inc({ event, outcome: "gave_up" });
  log.info({ contactId, event }, "case event given up after repeated permanent refusals");
  return "gave_up";
}

/**
 * One send under the rule, for a step that keeps `state` in the store: `save` stores it when a refusal was counted
 * and the event is to be retried (the caller saves what comes after a delivery or a give-up itself).
 */
export async function sendCounted(
  sending: Promise<CognigyResult>,
  state: { refusals?: number },
  what: { contactId: string; event: RelayEventName },
  o: RefusalOptions,
  save: () => Promise<void>,
): Promise<Settled> {
  const counted = state.refusals;
  const settled = settle(await sent(sending), state, what, o);
  if (settled === "retry" && state.refusals !== counted) await save();
  return settled;
}
