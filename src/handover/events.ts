import { z } from "zod";
import { isHttpUrl } from "./agent-name";

/**
 * The events the relay sends into a Cognigy conversation as `data.cxone`: one zod schema both sides use. The relay
 * builds every event through it (CognigyClient.send checks each one before it leaves, src/relay/cognigy.ts), and Send
 * to Agent reads injected ones with it (readRelayEvent). Add an event here first; a name typed as a string literal on
 * one side only is how the two drift apart. Zod 3 (the `zod` import), as elsewhere in the extension bundle.
 */

/** Why a handover ended on CXone's or the relay's side (the flow's own ends are in context, not an event). */
export const END_REASONS = ["resolved", "closed", "closedInCxone", "caseGone", "inactivity", "queueTooLong"] as const;
export type EndReason = (typeof END_REASONS)[number];
/** Why the flow itself ended a handover: written to `context.cxoneHandover.endReason`, never injected. */
export const FLOW_END_REASONS = ["userCancelled", "userLeft"] as const;
export type FlowEndReason = (typeof FLOW_END_REASONS)[number];

const contactId = z.string().min(1);
/** The name the user sees (src/handover/agent-name.ts: never empty, "Agent" when CXone has none). */
const agentName = z.string().trim().min(1);
const count = z.number().int().nonnegative();

/** The agent's picture (src/handover/agent-name.ts agentAvatar): http(s) only, as the user's client renders it. */
const avatarUrl = z.string().refine(isHttpUrl, "must be an http(s) URL");
const eventAgentSchema = z.object({ id: z.string().min(1), name: agentName, avatarUrl: avatarUrl.optional() });
export type EventAgent = z.infer<typeof eventAgentSchema>;
/** An agent message's writer: CXone may name one without an id. */
const messageAgentSchema = eventAgentSchema.partial({ id: true });
export type MessageAgent = z.infer<typeof messageAgentSchema>;

/**
 * A reason a newer relay adds reads as `closedInCxone`: an older Send to Agent still ends the handover (Handover
 * ended branch) instead of dropping the event. The relay's own events are typed EndReason, so it cannot send one.
 */
const endReasonSchema = z.union([z.enum(END_REASONS), z.string().transform((): EndReason => "closedInCxone")]);

/** Injected: an agent took the case (or a different agent did: transfer). */
const agentJoinedSchema = z.object({ event: z.literal("agentJoined"), contactId, agent: eventAgentSchema });

/** Injected: the case was closed in CXone. Kept while flows built on it exist; see `ended`. */
const resolvedSchema = z.object({ event: z.literal("resolved"), contactId });

/** Injected once per handover that CXone or the relay ended, with the reason. */
const endedSchema = z.object({
  event: z.literal("ended"),
  reason: endReasonSchema,
  contactId,
  agent: eventAgentSchema.optional(),
  /** The case's custom fields (and tags) as the agent left them, by ident. */
  caseFields: z.record(z.unknown()).optional(),
});

/** Injected: the case went back to the queue without an agent (the agent who had it left or was unassigned). */
const requeuedSchema = z.object({ event: z.literal("requeued"), contactId });

/** Notified: an agent's message (the Notify's text is the message; rich content rides beside it in `data`). */
const agentMessageSchema = z.object({
  event: z.literal("agentMessage"),
  /** The id the relay answered CXone with for this message. */
  messageId: z.string().min(1),
  contactId: contactId.optional(),
  /** Only when the handover asked for agent details. */
  agent: messageAgentSchema.optional(),
  attachments: z
    .array(z.object({ name: z.string(), url: z.string().min(1), mimeType: z.string().optional() }))
    .optional(),
  /** A text over Cognigy's limit arrives in parts, in order. */
  part: count.min(1).optional(),
  parts: count.min(2).optional(),
});

/** Notified "You are now chatting with …" by the relay, only on threads opened before the flow announced agents. */
const agentDetailsSchema = z.object({ event: z.literal("agentDetails"), contactId, agent: eventAgentSchema });

const queueFigures = { contactId, position: count.min(1).optional(), estimatedWaitSeconds: count.optional() };
/** Notified while the case waits for an agent. */
const queueUpdateSchema = z.object({ event: z.literal("queueUpdate"), ...queueFigures });
/** Injected once when the wait passes the handover's maximum. */
const queueTooLongSchema = z.object({ event: z.literal("queueTooLong"), ...queueFigures });

/** Notified a minute before a quiet handover ends (the handover's Inactivity warning is the text). */
const inactivityWarningSchema = z.object({ event: z.literal("inactivityWarning"), contactId });

/** Notified when the agent starts or stops typing. */
const agentTypingSchema = z.object({ event: z.literal("agentTyping"), typing: z.boolean() });

export const relayEventSchema = z.discriminatedUnion("event", [
  agentMessageSchema,
  agentJoinedSchema,
  resolvedSchema,
  agentDetailsSchema,
  endedSchema,
  queueUpdateSchema,
  queueTooLongSchema,
  inactivityWarningSchema,
  agentTypingSchema,
  requeuedSchema,
]);

export type RelayEvent = z.infer<typeof relayEventSchema>;
export type RelayEventName = RelayEvent["event"];
type EventNamed<N extends RelayEventName> = Extract<RelayEvent, { event: N }>;
export type EndedEvent = EventNamed<"ended">;
export type AgentMessageEvent = EventNamed<"agentMessage">;
export type AgentDetailsEvent = EventNamed<"agentDetails">;
export type QueueUpdateEvent = EventNamed<"queueUpdate">;
export type QueueTooLongEvent = EventNamed<"queueTooLong">;
export type InactivityWarningEvent = EventNamed<"inactivityWarning">;
export type AgentTypingEvent = EventNamed<"agentTyping">;

export const RELAY_EVENT_NAMES: readonly string[] = relayEventSchema.options.map((o) => o.shape.event.value);

/** What is wrong with an event, by field path and zod's message: never the values (they may be the user's). */
function problemOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "event"}: ${i.message}`)
    .join("; ");
}

/** A relay bug: an event that does not match the schema. Its message names fields, never values. */
export class MalformedEventError extends Error {
  override name = "MalformedEventError";
}

/**
 * The relay's check of an event it is about to send: a malformed one is a programmer error, thrown before anything
 * reaches Cognigy (a flow would otherwise absorb it and the user never learn the agent joined or left).
 */
export function checkRelayEvent(event: RelayEvent): RelayEvent {
  const parsed = relayEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new MalformedEventError(`the relay built a malformed ${event.event} event (${problemOf(parsed.error)})`);
  }
  return parsed.data;
}

/**
 * An event as a node reads it from `input.data.cxone`: a known event parsed by the schema; an event name this
 * version does not know (a newer relay) or a known event whose payload does not match, each named for a log line
 * and absorbed by the caller; undefined when the input carries no relay event at all.
 */
export type ReadRelayEvent =
  | { event: RelayEvent }
  | { unknown: string }
  | { malformed: RelayEventName; problem: string };

export function readRelayEvent(value: unknown): ReadRelayEvent | undefined {
  if (!value || typeof value !== "object") return undefined;
  const name = (value as { event?: unknown }).event;
  if (typeof name !== "string") return undefined;
  if (!RELAY_EVENT_NAMES.includes(name)) return { unknown: name.slice(0, 40) };
  const parsed = relayEventSchema.safeParse(value);
  return parsed.success
    ? { event: parsed.data }
    : { malformed: name as RelayEventName, problem: problemOf(parsed.error) };
}
