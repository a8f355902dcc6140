/**
 * The events the relay sends into a Cognigy conversation as `data.cxone`, in one place for both sides: the relay
 * builds them (src/relay/case-state.ts and friends) and Send to Agent reads them (nodes/sendToAgent.ts). Add an event
 * here first; a name typed as a string literal on one side only is how the two drift apart.
 */

/** Why a handover ended on CXone's or the relay's side (the flow's own ends are in context, not an event). */
export const END_REASONS = ["resolved", "closed", "closedInCxone", "caseGone", "inactivity", "queueTooLong"] as const;
export type EndReason = (typeof END_REASONS)[number];
/** Why the flow itself ended a handover: written to `context.cxoneHandover.endReason`, never injected. */
export const FLOW_END_REASONS = ["userCancelled", "userLeft"] as const;
export type FlowEndReason = (typeof FLOW_END_REASONS)[number];

export interface EventAgent {
  id: string;
  name: string;
  avatarUrl?: string;
}

/** Injected: an agent took the case (or a different agent did: transfer). */
export interface AgentJoinedEvent {
  event: "agentJoined";
  contactId: string;
  agent: EventAgent;
}

/** Injected: the case was closed in CXone. Kept while flows built on it exist; see `ended`. */
export interface ResolvedEvent {
  event: "resolved";
  contactId: string;
}

/** Injected once per handover that CXone or the relay ended, with the reason. */
export interface EndedEvent {
  event: "ended";
  reason: EndReason;
  contactId: string;
  agent?: EventAgent;
  /** The case's custom fields (and tags) as the agent left them, by ident. */
  caseFields?: Record<string, unknown>;
}

/** Injected: the case went back to the queue without an agent (the agent who had it left or was unassigned). */
export interface RequeuedEvent {
  event: "requeued";
  contactId: string;
}

/** Notified: an agent's message (the Notify's text is the message; rich content rides beside it in `data`). */
export interface AgentMessageEvent {
  event: "agentMessage";
  /** CXone's message id. */
  messageId: string;
  contactId?: string;
  /** Only when the handover asked for agent details. */
  agent?: { id?: string; name: string; avatarUrl?: string };
  attachments?: { name: string; url: string; mimeType?: string }[];
  /** A text over Cognigy's limit arrives in parts, in order. */
  part?: number;
  parts?: number;
}

/** Notified "You are now chatting with …" by the relay, only on threads opened before the flow announced agents. */
export interface AgentDetailsEvent {
  event: "agentDetails";
  contactId: string;
  agent: EventAgent;
}

/** Notified while the case waits for an agent. */
export interface QueueUpdateEvent {
  event: "queueUpdate";
  contactId: string;
  position?: number;
  estimatedWaitSeconds?: number;
}

/** Injected once when the wait passes the handover's maximum. */
export interface QueueTooLongEvent {
  event: "queueTooLong";
  contactId: string;
  position?: number;
  estimatedWaitSeconds?: number;
}

/** Notified a minute before a quiet handover ends (the handover's Inactivity warning is the text). */
export interface InactivityWarningEvent {
  event: "inactivityWarning";
  contactId: string;
}

/** Notified when the agent starts or stops typing. */
export interface AgentTypingEvent {
  event: "agentTyping";
  typing: boolean;
}

export type RelayEvent =
  | AgentMessageEvent
  | AgentJoinedEvent
  | ResolvedEvent
  | AgentDetailsEvent
  | EndedEvent
  | QueueUpdateEvent
  | QueueTooLongEvent
  | InactivityWarningEvent
  | AgentTypingEvent
  | RequeuedEvent;

export type RelayEventName = RelayEvent["event"];
