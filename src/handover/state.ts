import { z } from "zod";
import { isHttpUrl } from "./agent-name";

/** Where a handover lives in Cognigy context; flow designers test `context.cxoneHandover.active`. */
export const HANDOVER_CONTEXT_KEY = "cxoneHandover";
/** The encrypted CXone token cache (see Authenticator.export). */
export const AUTH_CONTEXT_KEY = "cxoneAuth";

/** Mirrors the statuses of Cognigy's own Handover to Agent node. */
export const handoverStatuses = ["queue", "active", "completed", "cancelled", "error"] as const;
export type HandoverStatus = (typeof handoverStatuses)[number];

const storedAgentSchema = z.object({
  id: z.string(),
  name: z.string(),
  nickname: z.string().optional(),
  /** http(s) only (agent-name.ts): nodes write no other, and read none back. */
  avatarUrl: z.string().optional(),
});
export type Agent = z.infer<typeof storedAgentSchema>;

/**
 * The agent as read from context. Older versions stored any picture CXone gave; one that is not http(s) is dropped
 * here, by the rule agent-name.ts applies when writing, so no node outputs it or writes it back. The agent stays.
 */
const agentSchema = storedAgentSchema.transform(
  ({ avatarUrl, ...agent }): Agent => (isHttpUrl(avatarUrl) ? { ...agent, avatarUrl } : agent),
);

export const handoverStateSchema = z.object({
  /** True while user input belongs to the agent (status queue or active). */
  active: z.boolean(),
  status: z.enum(handoverStatuses),
  handoverId: z.string(),
  threadId: z.string(),
  contactId: z.string().optional(),
  channelId: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  displayAgentDetails: z.boolean().default(false),
  /**
   * The notice Send to Agent says when an agent joins (`{name}` = the agent), set by Hand over. Absent on handovers
   * opened by an older version, whose relay announces the agent itself.
   */
  joinedText: z.string().optional(),
  agent: agentSchema.optional(),
  /** Messages sent on the thread so far; part of deterministic message ids. */
  sent: z.number().int().nonnegative().default(0),
  /** User texts that cancel the handover (compared trimmed, case-insensitive), set by the Hand over node. */
  cancelKeywords: z.array(z.string()).default([]),
  /** A Cognigy intent name that cancels the handover. */
  cancelIntent: z.string().optional(),
  /**
   * Why it ended, once it did: an `ended` event's reason (src/handover/events.ts END_REASONS) or the flow's own
   * (FLOW_END_REASONS). A string, so a reason added later never makes an older node drop the handover.
   */
  endReason: z.string().optional(),
  /** What Hand over asked Send to Agent to say; absent on handovers opened by an older version. */
  say: z
    .object({
      /** Said again when the user writes while queued (Repeat Handover Accepted Message). */
      repeatAccepted: z.string(),
      /** Said when the case goes back to the queue without an agent. */
      requeued: z.string(),
      /** Per-reason hand-back messages: resolved, userCancelled, and `ended` for every other reason. */
      resolved: z.string(),
      userCancelled: z.string(),
      ended: z.string(),
    })
    .partial()
    .optional(),
  /** Which handover events run the flow (Cognigy's Event Settings); absent = every event, as before. */
  events: z.object({ queue: z.boolean(), active: z.boolean(), resolve: z.boolean() }).partial().optional(),
});
export type HandoverState = z.infer<typeof handoverStateSchema>;

/** What writing a handover needs from Cognigy's node API (`api.addToContext`), without the whole node kit. */
export interface ContextWriter {
  addToContext?: (key: string, value: unknown, mode: string) => void;
}

/** Records the handover in context, where readHandover finds it: the one write, beside the one read. */
export function saveHandover(api: ContextWriter, state: HandoverState): void {
  api.addToContext?.(HANDOVER_CONTEXT_KEY, state, "simple");
}

/** The handover recorded in context, or undefined when there is none (or it is unreadable). */
export function readHandover(context: Record<string, unknown> | undefined): HandoverState | undefined {
  const parsed = handoverStateSchema.safeParse(context?.[HANDOVER_CONTEXT_KEY]);
  return parsed.success ? parsed.data : undefined;
}

export function isOpen(state: HandoverState | undefined): state is HandoverState {
  return !!state && (state.status === "queue" || state.status === "active");
}
