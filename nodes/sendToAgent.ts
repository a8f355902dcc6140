import type { Attachment } from "../src/cxone";
import { joinedNotice } from "../src/handover/agent-name";
import { caseToClose, closeCase } from "../src/handover/close";
import { userText } from "../src/handover/cognigy-platform";
import type {
  AgentDetailsEvent,
  EndReason,
  EventAgent,
  FlowEndReason,
  ReadRelayEvent,
  RelayEvent,
} from "../src/handover/events";
import { userMessageId } from "../src/handover/ids";
import { type Agent, type HandoverState, isOpen, readHandover, saveHandover } from "../src/handover/state";
import {
  type CognigyBag,
  cxoneNode,
  type NodeRun,
  ON_ERROR,
  ON_SUCCESS,
  type Outcome,
  relayEvent,
} from "../src/node-kit";
import {
  agentNoticeData,
  customerOf,
  DEFAULT_REQUEUED_TEXT,
  isCancelRequest,
  ON_NO_HANDOVER,
  restoreBotLook,
  writeHandoverStatus,
} from "./shared";

export const SEND_TO_AGENT = "cxoneSendToAgent";
export const ON_RESOLVED: Outcome = { suffix: "OnResolved", label: "Agent resolved" };
export const ON_CANCELLED: Outcome = { suffix: "OnCancelled", label: "User cancelled" };
/** Every other end (closed, closed in CXone, case gone, inactivity, queue too long); older nodes lack this child. */
export const ON_ENDED: Outcome = { suffix: "OnEnded", label: "Handover ended", fallback: ON_RESOLVED };
const OUTCOMES = [ON_SUCCESS, ON_NO_HANDOVER, ON_RESOLVED, ON_CANCELLED, ON_ENDED, ON_ERROR];

export interface SendToAgentConfig {
  connection: unknown;
  forwardAttachments?: boolean;
}

const text = (v: unknown) => (typeof v === "string" ? v : "");

/** File uploads in the shapes Cognigy endpoints use; only http(s) URLs CXone can fetch. */
export function attachmentsOf(input: CognigyBag): Attachment[] {
  const raw = input.data?.attachments ?? input.attachments;
  if (!Array.isArray(raw)) return [];
  const out: Attachment[] = [];
  for (const a of raw.slice(0, 10)) {
    if (!a || typeof a !== "object") continue;
    const url = text(a.url) || text(a.payload?.url);
    if (!/^https?:\/\//i.test(url)) continue;
    const name = text(a.name) || text(a.fileName) || text(a.friendlyName) || text(a.title);
    out.push({ url, friendlyName: name || url.split("?")[0].split("/").pop() || "attachment" });
  }
  return out;
}

/** The agent as the handover records it: the event's name is already the one display-name rule's. */
function agentOf(agent: EventAgent): Agent {
  return { id: agent.id, name: agent.name, ...(agent.avatarUrl ? { avatarUrl: agent.avatarUrl } : {}) };
}

/**
 * Tells the user who joined, when the handover asked for it: Webchat v3 draws a Notify or output as the bot's, so the
 * notice is the `liveAgentEvent` chip Cognigy's own handover providers use, and the agent's picture replaces the bot's
 * (`_webchat.botAvatarOverrideUrl`, undone at hand-back). Other channels get the notice as plain text.
 */
function announceAgent(run: NodeRun<SendToAgentConfig>, state: HandoverState, agent: Agent, contactId: string) {
  // Handovers opened before the flow announced the agent leave it to their relay.
  if (!state.displayAgentDetails || state.joinedText === undefined) return;
  const text = joinedNotice(agent.name, state.joinedText);
  if (!text) return;
  const cxone: AgentDetailsEvent = { event: "agentDetails", contactId, agent: agentOf(agent) };
  run.api.say?.(text, { ...agentNoticeData(run.input.endpointType, text, agent), cxone });
}

/** Absorbs an event: it must neither reach the agent nor make the bot talk. */
function absorb(run: NodeRun<SendToAgentConfig>): Outcome | null {
  if (typeof run.api.stopExecution === "function") {
    run.api.stopExecution();
    return null;
  }
  return ON_SUCCESS;
}

/**
 * The one hand-back, whoever ended it: the handover closes with its reason in context, `input.handover` says
 * completed or cancelled, the bot's look returns, the reason's message (set on Hand over) is said, and the branch
 * follows the reason. Runs once: afterwards the handover is no longer open and a repeat is absorbed.
 */
function handBack(
  run: NodeRun<SendToAgentConfig>,
  state: HandoverState,
  reason: EndReason | FlowEndReason,
  event?: RelayEvent,
): Outcome {
  const cancelled = reason === "userCancelled";
  const status = cancelled ? "cancelled" : "completed";
  const contactId = state.contactId;
  saveHandover(run.api, { ...state, status, active: false, endedAt: new Date().toISOString(), endReason: reason });
  writeHandoverStatus(run.api, {
    status,
    data: { ...(contactId ? { contactId } : {}), reason, ...(event ? { cxone: event } : {}) },
  });
  restoreBotLook(run, state);
  const said = cancelled ? state.say?.userCancelled : reason === "resolved" ? state.say?.resolved : state.say?.ended;
  if (said?.trim()) run.api.say?.(said, {});
  run.log("info", `handover ${state.handoverId} ended (${reason}; case ${contactId ?? "?"}); back to the bot`);
  return cancelled ? ON_CANCELLED : reason === "resolved" ? ON_RESOLVED : ON_ENDED;
}

/** An `ended` event's reason; today's `resolved` event (from a relay of an older version) is the agent's resolve. */
function endReasonOf(event: RelayEvent): EndReason | undefined {
  if (event.event === "resolved") return "resolved";
  return event.event === "ended" ? event.reason : undefined;
}

/**
 * The relay's injects for the active case update the handover (agentJoined, requeued, ended and the older resolved);
 * anything else, e.g. an event for a case the user already cancelled, an event a newer relay added or one whose
 * payload does not match the event schema, is absorbed with a log line.
 */
function onRelayEvent(
  run: NodeRun<SendToAgentConfig>,
  state: HandoverState | undefined,
  read: ReadRelayEvent,
): Outcome | null {
  if (!("event" in read)) {
    if ("unknown" in read) run.log("info", `ignored relay event "${read.unknown}": not one this version knows`);
    else run.log("warn", `ignored a malformed relay event "${read.malformed}" (${read.problem})`);
    return absorb(run);
  }
  const { event } = read;
  const contactId = "contactId" in event ? event.contactId : undefined;
  const forActive = isOpen(state) && !!contactId && (state.contactId === undefined || state.contactId === contactId);
  const runs = (which: "queue" | "active" | "resolve") => state?.events?.[which] !== false;
  if (forActive && event.event === "agentJoined") {
    const agent = agentOf(event.agent);
    const again = state.status === "active" && state.agent?.id === agent.id;
    saveHandover(run.api, { ...state, contactId, status: "active", agent });
    writeHandoverStatus(run.api, { status: "active", data: { contactId, agent } });
    if (!again) announceAgent(run, state, agent, contactId);
    run.log("info", `agent joined case ${contactId}`);
    return runs("active") ? ON_SUCCESS : absorb(run);
  }
  if (forActive && event.event === "queueTooLong") {
    // The wait passed the handover's maximum: the flow below may offer another way or end the handover.
    run.log("info", `queue too long for case ${contactId}`);
    return ON_SUCCESS;
  }
  if (forActive && event.event === "requeued") {
    const { agent: _gone, ...rest } = state;
    saveHandover(run.api, { ...rest, contactId, status: "queue" });
    writeHandoverStatus(run.api, { status: "queue", data: { contactId } });
    // Told once per return to the queue: the relay injects it only when an agent had the case.
    const text = state.say?.requeued ?? DEFAULT_REQUEUED_TEXT;
    if (text.trim()) run.api.say?.(text, {});
    run.log("info", `case ${contactId} is back in the queue without an agent`);
    return runs("queue") ? ON_SUCCESS : absorb(run);
  }
  const reason = endReasonOf(event);
  if (forActive && reason) {
    const outcome = handBack(run, { ...state, contactId }, reason, event);
    return runs("resolve") ? outcome : absorb(run);
  }
  run.log("info", `ignored relay event "${event.event}" for case ${contactId ?? "?"}: not the active handover`);
  return absorb(run);
}

/** The gate at the top of the flow: user input goes to the agent while a handover is open, else to the bot. */
export async function sendToAgent(run: NodeRun<SendToAgentConfig>): Promise<Outcome | null> {
  const { input, api } = run;
  const state = readHandover(run.context);
  const event = relayEvent(input);
  if (event) return onRelayEvent(run, state, event);
  if (!isOpen(state)) return ON_NO_HANDOVER;

  if (isCancelRequest(state, input)) {
    const result = await closeCase(run.cxone(), caseToClose(state), run.log);
    run.log("info", `user cancelled the handover (case ${state.contactId ?? "?"}: ${result})`);
    return handBack(run, state, "userCancelled");
  }

  const attachments = run.config.forwardAttachments === false ? [] : attachmentsOf(input);
  // A data-only input's implicit DATA_ONLY_MESSAGE_… text is not something the user wrote.
  const body = userText(input.text);
  if (!body.trim() && attachments.length === 0) {
    run.log("debug", "nothing to forward (no text, no attachment)");
    return ON_SUCCESS;
  }
  const author = customerOf(run);
  const messageId = userMessageId({ ...state, inputId: input.inputId, text: body });
  const res = await run.cxone().sendMessage({
    threadId: state.threadId,
    messageId,
    text: body.trim() ? body : attachments.map((a) => a.friendlyName).join(", "),
    author,
    attachments,
  });
  if (res.duplicate) {
    // Still counted: with no inputId the next id derives from the count, and a later identical text ("ok") must not
    // collide with this one and be dropped as a duplicate.
    run.log("info", "CXone already had this message (the same input ran before)");
    saveHandover(api, { ...state, sent: state.sent + 1 });
    return ON_SUCCESS;
  }
  if (res.contactId && state.contactId && res.contactId !== state.contactId) {
    // The old case was closed without us hearing of it: CXone opened a new one on the same thread.
    run.log("info", `CXone routed the message to a new case ${res.contactId} (was ${state.contactId})`);
  }
  saveHandover(api, { ...state, contactId: res.contactId ?? state.contactId, sent: state.sent + 1 });
  // Repeat Handover Accepted Message: the user wrote while no agent has joined yet.
  if (state.status === "queue" && state.say?.repeatAccepted) api.say?.(state.say.repeatAccepted, {});
  return ON_SUCCESS;
}

export const [sendToAgentNode, ...sendToAgentOutcomes] = cxoneNode<SendToAgentConfig>({
  type: SEND_TO_AGENT,
  defaultLabel: "Send to NiCE CXone agent",
  summary: "Put at the top of the flow: forwards user input to the agent while a handover is open",
  outcomes: OUTCOMES,
  fields: [
    {
      key: "forwardAttachments",
      type: "toggle",
      label: "Forward attachments",
      defaultValue: true,
      description: "Send files the user uploaded (http/https URLs in input.data.attachments) to the agent.",
    },
  ],
  sections: [{ key: "options", label: "Options", defaultCollapsed: true, fields: ["forwardAttachments"] }],
  form: [{ type: "section", key: "options" }],
  logic: sendToAgent,
});
