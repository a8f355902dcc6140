import { type CxoneClient, CxoneConfigError, describeError, isClosedStatus } from "../src/cxone";
import { DEFAULT_JOINED_TEXT } from "../src/handover/agent-name";
import {
  EXPIRING_SESSION_ENDPOINT_TYPES,
  notifySupport,
  quickReplyData,
  takesDataEvents,
  userText,
} from "../src/handover/cognigy-platform";
import { newHandoverId, openingMessageId, transcriptMessageId } from "../src/handover/ids";
import { type HandoverState, isOpen, readHandover, saveHandover } from "../src/handover/state";
import { encodeThreadId } from "../src/handover/thread";
import { cxoneNode, type NodeRun, ON_ERROR, ON_SUCCESS, type Outcome } from "../src/node-kit";
import { CUSTOMER_FIELDS, checkCaseFields, checkFields } from "./caseFields";
import {
  customerOf,
  DEFAULT_REQUEUED_TEXT,
  displayName,
  type SendResult,
  sendInOrder,
  TRANSCRIPT_FIELDS,
  type TranscriptConfig,
  transcriptMessages,
  transcriptSection,
  writeHandoverStatus,
} from "./shared";
import { WAIT_FIELDS, WAIT_SECTIONS, type WaitConfig, waitSettingsOf } from "./wait-options";

export const HANDOVER = "cxoneHandover";
const OUTCOMES = [ON_SUCCESS, ON_ERROR];
export const DEFAULT_ACCEPTED_TEXT = "Connecting you with an agent…";
const FALLBACK_REQUEST = "The customer asked for an agent.";

export interface HandoverConfig extends TranscriptConfig, WaitConfig {
  connection: unknown;
  text?: string;
  sendTranscript?: boolean;
  firstName?: string;
  lastName?: string;
  email?: string;
  displayAgentDetails?: boolean;
  joinedText?: string;
  skillId?: string | number;
  customFields?: unknown;
  /** Customer-card custom fields ({ ident: value }), written on the case's customer once the case is open. */
  customerFields?: unknown;
  cancelKeywords?: unknown;
  cancelIntent?: string;
  /** Cognigy's Handover to Agent keys and defaults (README: Node: Hand over). */
  repeatHandoverMessage?: boolean;
  quickReply?: string;
  sendOnQueueEvent?: boolean;
  sendOnActiveEvent?: boolean;
  sendResolveEvent?: boolean;
  requeuedText?: string;
  resolvedText?: string;
  cancelledText?: string;
  endedText?: string;
}

const said = (v: unknown) => (typeof v === "string" ? v : undefined);

/** What Send to Agent says and which events run the flow; unset keys leave today's behaviour. */
function handBackSettings(config: HandoverConfig, accepted: string): Pick<HandoverState, "say" | "events"> {
  return {
    say: {
      ...(config.repeatHandoverMessage === true && accepted.trim() ? { repeatAccepted: accepted } : {}),
      requeued: said(config.requeuedText) ?? DEFAULT_REQUEUED_TEXT,
      ...(said(config.resolvedText) ? { resolved: said(config.resolvedText) } : {}),
      ...(said(config.cancelledText) ? { userCancelled: said(config.cancelledText) } : {}),
      ...(said(config.endedText) ? { ended: said(config.endedText) } : {}),
    },
    events: {
      queue: config.sendOnQueueEvent !== false,
      active: config.sendOnActiveEvent !== false,
      resolve: config.sendResolveEvent !== false,
    },
  };
}

type ContactHints = { skillId?: number; customFields?: { ident: string; value: string }[] };

/** skillId and customFields as CXone wants them on the first message; undefined when neither is set. */
export function routingHints(config: Pick<HandoverConfig, "skillId" | "customFields">): ContactHints | undefined {
  const hints: ContactHints = {};
  const skill = String(config.skillId ?? "").trim();
  if (skill) {
    if (!/^\d+$/.test(skill)) throw new CxoneConfigError("skillId", "must be the numeric id of a CXone ACD skill");
    hints.skillId = Number(skill);
  }
  const fields = fieldValues(config.customFields, "customFields");
  if (fields.length) hints.customFields = fields;
  return hints.skillId !== undefined || hints.customFields ? hints : undefined;
}

/** Custom-field values as a flow writes them ({ ident: value } or [{ ident, value }], maybe as JSON text). */
export function fieldValues(raw: unknown, key: string): { ident: string; value: string }[] {
  if (typeof raw === "string" && raw.trim()) {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new CxoneConfigError(key, 'must be JSON: { "ident": "value" } or [{ "ident", "value" }]');
    }
  }
  const fields = Array.isArray(raw)
    ? raw.map((f) => [f?.ident, f?.value] as const)
    : raw && typeof raw === "object"
      ? Object.entries(raw)
      : [];
  if (
    fields.some(([ident, value]) => typeof ident !== "string" || !ident || value == null || typeof value === "object")
  ) {
    throw new CxoneConfigError(key, "each custom field needs an ident (CXone field id) and a plain value");
  }
  return fields.map(([ident, value]) => ({ ident: ident as string, value: String(value) }));
}

function keywordsOf(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : [];
  return list.filter((k): k is string => typeof k === "string" && !!k.trim()).map((k) => k.trim());
}

/** Is the recorded open handover still open in CXone? When we cannot tell, assume so: a second case is worse. */
async function stillOpen(run: NodeRun<HandoverConfig>, state: HandoverState): Promise<boolean> {
  if (!state.contactId) return true;
  try {
    const contact = await run.cxone().getContact(state.contactId);
    return !!contact && !isClosedStatus(contact.status);
  } catch (err) {
    run.log("warn", `could not check case ${state.contactId} (${describeError(err)}); treating it as open`);
    return true;
  }
}

/**
 * Refuses, before any CXone call, a conversation agent replies could never reach: an endpoint without Notify/Inject
 * (ids that cannot fit a thread id are refused by encodeThreadId, also before any CXone call). Opening a case there
 * would leave an agent writing into the void.
 */
function checkConversation(run: NodeRun<HandoverConfig>): void {
  const { input } = run;
  const support = notifySupport(input.endpointType);
  if (!support.supported) {
    writeHandoverStatus(run.api, { status: "error", error: { reason: "unsupported", message: support.reason } });
    throw new CxoneConfigError("endpointType", support.reason);
  }
  if (!support.known) {
    run.log("warn", `endpoint type "${String(input.endpointType ?? "not given")}" is not in the Inject/Notify list`);
  }
  if (EXPIRING_SESSION_ENDPOINT_TYPES.includes(String(input.endpointType))) {
    run.log(
      "info",
      `${input.endpointType} sessions expire (default 30 min): set the endpoint's Session Expiration to 0 or above ` +
        "the longest handover, or the user's answers after a long wait reach the bot instead of the agent",
    );
  }
}

/**
 * Opens a CXone case for this conversation: transcript first (as few messages as possible, routing hints on the
 * first), else a short opening message; then records the handover in context and says the accepted message.
 */
export async function handover(run: NodeRun<HandoverConfig>): Promise<Outcome> {
  const { api, input, config } = run;
  checkConversation(run);
  // The thread id first: ids the relay could not route back to this conversation fail here, before any CXone call.
  const author = customerOf(run, config);
  const sessionId = typeof input.sessionId === "string" ? input.sessionId : "";
  const urlToken = typeof input.URLToken === "string" ? input.URLToken : "";
  if (!sessionId) throw new CxoneConfigError("sessionId", "this input has no Cognigy sessionId");
  if (!/^[A-Za-z0-9_-]+$/.test(urlToken)) {
    throw new CxoneConfigError(
      "URLToken",
      "this input has no endpoint URL token, so agent replies could not reach the user",
    );
  }
  const displayAgentDetails = config.displayAgentDetails === true;
  const handoverId = newHandoverId({ userId: author.id, sessionId, inputId: input.inputId });
  const threadId = encodeThreadId(
    {
      userId: author.id,
      sessionId,
      urlToken,
      handoverId,
      displayAgentDetails,
      flowAnnouncesAgent: true,
      takesDataEvents: takesDataEvents(input.endpointType),
      wait: waitSettingsOf(config),
    },
    run.connection.threadKey,
  );
  const existing = readHandover(run.context);
  if (isOpen(existing)) {
    if (await stillOpen(run, existing)) {
      run.log(
        "info",
        `a handover is already open (case ${existing.contactId ?? "not known yet"}); not opening another`,
      );
      return ON_SUCCESS;
    }
    run.log("info", `case ${existing.contactId} of the recorded handover is closed in CXone; opening a new one`);
  }

  const contact = routingHints(config);
  const customerFields = fieldValues(config.customerFields, "customerFields");
  const base = { threadId, author, threadName: `Cognigy: ${displayName(author)}`.slice(0, 100) };
  const client = run.cxone();
  // Before the first write: a mistyped ident must fail here, not vanish in CXone.
  await checkCaseFields(run, client, contact?.customFields ?? []);
  await checkFields(CUSTOMER_FIELDS, run, client, customerFields);
  // The agent's first lines name what the bot knew, when the flow set those case fields.
  const knew = (contact?.customFields ?? [])
    .filter((f) => /^(intent|language)$/i.test(f.ident) && f.value.trim())
    .map((f) => `${f.ident.toLowerCase()} ${f.value.trim().slice(0, 100)}`);
  const intro =
    `Customer: ${displayName(author)}${author.email ? ` <${author.email}>` : ""}` +
    (knew.length ? `\nThe bot understood: ${knew.join(", ")}` : "");
  const progress: SendResult = { sent: 0 };

  if (config.sendTranscript !== false) {
    const texts = transcriptMessages(run, intro);
    const messages = texts.map((text, i) => ({
      id: transcriptMessageId(handoverId, i),
      text,
      contact: i === 0 ? contact : undefined,
    }));
    try {
      // A third of the budget stays for the opening message and the case lookup if the transcript stalls.
      await sendInOrder(client.withBudget((client.timeLeft() * 2) / 3), base, messages, progress);
    } catch (err) {
      // The agent can work without the transcript; the customer cannot wait for one that does not arrive.
      run.log("warn", `transcript message ${progress.sent + 1}/${messages.length} failed (${describeError(err)})`);
    }
  }
  if (progress.sent === 0) {
    const said = userText(input.text).trim();
    const asked = said ? `"${said.slice(0, 2000)}"` : "";
    const text = `${intro}\n${asked ? `The customer asked for an agent: ${asked}` : FALLBACK_REQUEST}`;
    await sendInOrder(client, base, [{ id: openingMessageId(handoverId), text, contact }], progress);
  }
  // A duplicate answer (this input ran before) carries no case id: look the case up by its thread.
  const contactId = progress.contactId ?? (await client.findContactByThread(threadId))?.id;
  if (!contactId) run.log("warn", "CXone did not say which case the handover opened; continuing without its id");
  if (customerFields.length) await writeCustomerFields(run, client, contactId, customerFields);

  const accepted = typeof config.text === "string" ? config.text : DEFAULT_ACCEPTED_TEXT;
  const button = typeof config.quickReply === "string" ? config.quickReply.trim() : "";
  const state: HandoverState = {
    active: true,
    status: "queue",
    handoverId,
    threadId,
    contactId,
    channelId: run.connection.channelId,
    startedAt: new Date().toISOString(),
    displayAgentDetails,
    joinedText: typeof config.joinedText === "string" ? config.joinedText : DEFAULT_JOINED_TEXT,
    sent: progress.sent,
    cancelKeywords: [...keywordsOf(config.cancelKeywords), ...(button ? [button] : [])],
    cancelIntent: config.cancelIntent?.trim() || undefined,
    ...handBackSettings(config, accepted),
  };
  saveHandover(api, state);
  writeHandoverStatus(api, { status: "queue", ...(contactId ? { data: { contactId } } : {}) });
  run.log("info", `handover ${handoverId} opened case ${contactId ?? "?"} with ${progress.sent} message(s)`);
  if (accepted.trim() || button) {
    api.say?.(accepted, button ? quickReplyData(accepted, [{ title: button, payload: button }]) : {});
  }
  return ON_SUCCESS;
}

/**
 * Customer-card fields go on the customer CXone filed the case under (the case's `endUser.id`, never one we make up).
 * The case is open by now, so a failure here is a warning: the agent still gets the customer, only the card lacks them.
 */
async function writeCustomerFields(
  run: NodeRun<HandoverConfig>,
  client: CxoneClient,
  contactId: string | undefined,
  fields: { ident: string; value: string }[],
): Promise<void> {
  const idents = fields.map((f) => f.ident).join(", ");
  try {
    const customerId = contactId ? (await client.getContact(contactId))?.endUser?.id : undefined;
    if (!customerId) {
      run.log(
        "warn",
        `CXone did not say which customer case ${contactId ?? "?"} belongs to; customer-card fields ${idents} not written`,
      );
      return;
    }
    const { found } = await client.setCustomerFields(customerId, fields);
    if (!found)
      run.log("warn", `CXone no longer has customer ${customerId}; customer-card fields ${idents} not written`);
  } catch (err) {
    run.log("warn", `customer-card fields ${idents} not written (${describeError(err)})`);
  }
}

export const [handoverNode, ...handoverOutcomes] = cxoneNode<HandoverConfig>({
  type: HANDOVER,
  defaultLabel: "Hand over to NiCE CXone",
  summary: "Opens a NiCE CXone case for this conversation and routes it to a human agent",
  preview: { key: "text", type: "text" },
  outcomes: OUTCOMES,
  fields: [
    {
      key: "text",
      type: "cognigyText",
      label: "Handover Accepted Message",
      defaultValue: DEFAULT_ACCEPTED_TEXT,
      description: "Said to the user once the case is open (empty: say nothing).",
    },
    {
      key: "repeatHandoverMessage",
      type: "toggle",
      label: "Repeat Handover Accepted Message",
      defaultValue: false,
      description: "Say the accepted message again whenever the user writes while no agent has joined yet.",
    },
    {
      key: "sendTranscript",
      type: "toggle",
      label: "Send transcript as first message",
      defaultValue: true,
      description: "The agent sees the bot conversation first. A failed transcript never blocks the handover.",
    },
    { key: "firstName", type: "cognigyText", label: "First name", description: "Default: profile.firstname." },
    { key: "lastName", type: "cognigyText", label: "Last name", description: "Default: profile.lastname." },
    { key: "email", type: "cognigyText", label: "E-mail", description: "Default: profile.email; shown to the agent." },
    {
      key: "displayAgentDetails",
      type: "toggle",
      label: "Display agent details",
      defaultValue: false,
      description:
        "When the agent joins, say the notice below; in Webchat the agent's messages show the agent's picture.",
    },
    {
      key: "joinedText",
      type: "cognigyText",
      label: "Agent joined notice",
      defaultValue: DEFAULT_JOINED_TEXT,
      description:
        "Said when an agent joins (with Display agent details on); {name} is the agent. Use CognigyScript for other " +
        "languages. Webchat shows it as an event line, other channels as a message. Empty: say nothing.",
      condition: { key: "displayAgentDetails", value: true },
    },
    {
      key: "skillId",
      type: "cognigyText",
      label: "Skill ID",
      description: "Routes the case to this CXone ACD skill instead of the channel's default.",
    },
    {
      key: "customFields",
      type: "json",
      label: "Case custom fields",
      description: 'CXone custom fields for the case: { "ident": "value" } or [{ "ident": "…", "value": "…" }].',
    },
    {
      key: "customerFields",
      type: "json",
      label: "Customer card fields",
      description:
        'CXone customer-card custom fields: { "ident": "value" } or [{ "ident": "…", "value": "…" }]. Written once the case is open.',
    },
    {
      key: "cancelKeywords",
      type: "textArray",
      label: "Cancel keywords",
      description: "User texts that end the handover (exact match, any case), handled by Send to Agent.",
    },
    {
      key: "cancelIntent",
      type: "text",
      label: "Cancel Intent",
      description: "A Cognigy intent name that ends the handover, handled by Send to Agent.",
    },
    {
      key: "quickReply",
      type: "cognigyText",
      label: "Cancel Button Text",
      description: "Offered as a quick reply with the accepted message; tapping it cancels the handover.",
    },
    {
      key: "sendOnQueueEvent",
      type: "toggle",
      label: "Send Queue Event",
      defaultValue: false,
      description: "Run the flow (Send to Agent's On success) when the case goes back to the queue.",
    },
    {
      key: "sendOnActiveEvent",
      type: "toggle",
      label: "Send Active Event",
      defaultValue: false,
      description: "Run the flow (Send to Agent's On success) when an agent joins; the notice is said either way.",
    },
    {
      key: "sendResolveEvent",
      type: "toggle",
      label: "Send Resolve Event",
      defaultValue: true,
      description: "Run the flow (Send to Agent's end branches) when the handover ends on CXone's or the relay's side.",
    },
    {
      key: "requeuedText",
      type: "cognigyText",
      label: "Back in queue message",
      defaultValue: DEFAULT_REQUEUED_TEXT,
      description: "Said when the case goes back to the queue without an agent (empty: say nothing).",
    },
    {
      key: "resolvedText",
      type: "cognigyText",
      label: "Resolved message",
      description: "Said once when the agent resolves the case (empty: say nothing).",
    },
    {
      key: "cancelledText",
      type: "cognigyText",
      label: "Cancelled message",
      description: "Said once when the user cancels (cancel keyword, intent or button).",
    },
    {
      key: "endedText",
      type: "cognigyText",
      label: "Ended message",
      description: "Said once when the handover ends for any other reason (closed in CXone, inactivity, …).",
    },
    ...TRANSCRIPT_FIELDS,
    ...WAIT_FIELDS,
  ],
  sections: [
    { key: "customer", label: "Customer", defaultCollapsed: true, fields: ["firstName", "lastName", "email"] },
    {
      key: "routing",
      label: "Routing and case fields",
      defaultCollapsed: true,
      fields: ["skillId", "customFields", "customerFields", "displayAgentDetails", "joinedText"],
    },
    {
      key: "cancelSettings",
      label: "Cancel Handover Options",
      defaultCollapsed: true,
      fields: ["cancelKeywords", "cancelIntent", "quickReply"],
    },
    {
      key: "eventSettings",
      label: "Event Settings",
      defaultCollapsed: true,
      fields: ["sendOnQueueEvent", "sendOnActiveEvent", "sendResolveEvent"],
    },
    {
      key: "handBack",
      label: "Hand-back messages",
      defaultCollapsed: true,
      fields: ["requeuedText", "resolvedText", "cancelledText", "endedText"],
    },
    transcriptSection(["sendTranscript"]),
    ...WAIT_SECTIONS,
  ],
  form: [
    { type: "field", key: "text" },
    { type: "field", key: "repeatHandoverMessage" },
    { type: "section", key: "transcript" },
    { type: "section", key: "customer" },
    { type: "section", key: "routing" },
    { type: "section", key: "cancelSettings" },
    { type: "section", key: "eventSettings" },
    { type: "section", key: "handBack" },
    ...WAIT_SECTIONS.map((section) => ({ type: "section" as const, key: section.key })),
  ],
  logic: handover,
});
