import type { INodeField, INodeSection } from "@cognigy/extension-tools/build/interfaces/descriptor";
import { type CxoneClient, CxoneConfigError, type EndUser } from "../src/cxone";
import { BOT_LOOK, isWebchat, webchatAgentLook } from "../src/handover/cognigy-platform";
import type { Agent, HandoverState, HandoverStatus } from "../src/handover/state";
import {
  buildTranscriptMessages,
  collectTranscript,
  DEFAULT_MAX_CHARS,
  DEFAULT_MAX_MESSAGES,
} from "../src/handover/transcript";
import type { CognigyApi, CognigyBag, NodeRun, Outcome } from "../src/node-kit";

/** What the handover nodes share: outcomes, the customer identity, state writes and the transcript machinery. */

export const ON_NO_HANDOVER: Outcome = { suffix: "OnNoHandover", label: "No handover" };
/** Said when the case goes back to the queue without an agent (Hand over's Back in queue message). */
export const DEFAULT_REQUEUED_TEXT = "You are waiting for an agent again.";

/**
 * Cognigy's handover status object (`input.handover`, what the Lookup node's Handover Status mode reads), written
 * for every handover event so flows can branch on it as they do after Cognigy's own Handover to Agent node.
 */
export interface HandoverStatusObject {
  status: HandoverStatus;
  /** `reason`: why the handover ended; `cxone`: the relay's event that changed the status. */
  data?: { contactId?: string; agent?: Agent; reason?: string; cxone?: Record<string, unknown> };
  error?: { reason: "unsupported" | "error"; message: string };
}

export function writeHandoverStatus(api: CognigyApi, status: HandoverStatusObject): void {
  (api as { addToInput?: (key: string, value: unknown) => void }).addToInput?.("handover", status);
}

/**
 * Webchat keeps a `botAvatarOverrideUrl` until told otherwise: once the agent's face was shown on their messages,
 * hand-back must put the bot's back. An empty output draws nothing in Webchat but may arrive as an empty message on
 * other channels, so it goes to Webchat endpoints only.
 */
export function restoreBotLook(run: Pick<NodeRun<unknown>, "api" | "input">, state: HandoverState): void {
  if ((state.displayAgentDetails || state.agent?.avatarUrl) && isWebchat(run.input.endpointType)) {
    run.api.output?.("", BOT_LOOK);
  }
}

/**
 * What makes an agent notice render in Webchat, which draws every output as the bot's: the `liveAgentEvent` chip
 * Cognigy's own handover providers use, and the agent's picture in place of the bot's until restoreBotLook. Other
 * channels show the output's text and ignore these keys, so they get none.
 */
export function agentNoticeData(endpointType: unknown, text: string, agent: { avatarUrl?: string }) {
  if (!isWebchat(endpointType)) return {};
  return {
    _cognigy: { _webchat3: { type: "liveAgentEvent", payload: { text } } },
    ...webchatAgentLook(agent),
  };
}

const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/** The end user as CXone shows them: the node's fields first, else the Cognigy profile. */
export function customerOf(
  run: Pick<NodeRun<unknown>, "input" | "profile">,
  fields: { firstName?: unknown; lastName?: unknown; email?: unknown } = {},
): EndUser {
  const id = str(run.input.userId);
  if (!id) throw new CxoneConfigError("userId", "this input has no Cognigy userId to identify the customer in CXone");
  return {
    id,
    firstName: str(fields.firstName) ?? str(run.profile.firstname),
    lastName: str(fields.lastName) ?? str(run.profile.lastname),
    email: str(fields.email) ?? str(run.profile.email),
  };
}

export function displayName(user: EndUser): string {
  return [user.firstName, user.lastName].filter(Boolean).join(" ") || "Customer";
}

// ---- transcript ----

export interface TranscriptConfig {
  transcriptSource?: "auto" | "field";
  transcriptJson?: unknown;
  redactPii?: boolean;
  transcriptMaxChars?: number;
  transcriptMaxMessages?: number;
}

export const TRANSCRIPT_FIELDS: INodeField[] = [
  {
    key: "transcriptSource",
    type: "select",
    label: "Transcript source",
    defaultValue: "auto",
    description:
      "Automatic: the platform's last conversation entries, else input.transcript / context.transcript " +
      "(Get Transcript node), else the field below. Field: only the field below.",
    params: {
      options: [
        { label: "Automatic", value: "auto" },
        { label: "Only the transcript field", value: "field" },
      ],
    },
  },
  {
    key: "transcriptJson",
    type: "json",
    label: "Transcript (JSON or CognigyScript)",
    description: 'An array of { "source": "user" | "bot", "text": "…" }, or "{{context.myTranscript}}".',
  },
  {
    key: "redactPii",
    type: "toggle",
    label: "Mask personal data",
    defaultValue: true,
    description: "Replaces e-mail addresses, card numbers (Luhn-checked) and phone numbers before CXone sees them.",
  },
  {
    key: "transcriptMaxChars",
    type: "number",
    label: "Maximum characters per message",
    defaultValue: DEFAULT_MAX_CHARS,
    description: "Turns are packed into messages of at most this size; a message never splits a turn.",
  },
  {
    key: "transcriptMaxMessages",
    type: "number",
    label: "Maximum transcript messages",
    defaultValue: DEFAULT_MAX_MESSAGES,
    description: "When the transcript needs more messages, the oldest turns are left out (the agent is told).",
  },
];

export const TRANSCRIPT_KEYS = TRANSCRIPT_FIELDS.map((f) => f.key);

export function transcriptSection(extra: string[] = []): INodeSection {
  return {
    key: "transcript",
    label: "Transcript",
    defaultCollapsed: true,
    fields: [...extra, ...TRANSCRIPT_KEYS],
  };
}

/** The transcript as CXone message texts (maybe none: no source had turns). */
export function transcriptMessages(run: NodeRun<TranscriptConfig>, intro?: string): string[] {
  const { config, input, context, platform } = run;
  const { entries, origin } = collectTranscript(
    {
      lastConversationEntries: platform.lastConversationEntries,
      inputTranscript: input.transcript,
      contextTranscript: context.transcript,
      field: config.transcriptJson,
    },
    config.transcriptSource === "field" ? "field" : "auto",
  );
  if (entries.length === 0) {
    run.log("info", "no transcript found (lastConversationEntries, input/context.transcript, transcript field)");
    return [];
  }
  const messages = buildTranscriptMessages(entries, {
    redact: config.redactPii !== false,
    maxChars: Number(config.transcriptMaxChars) || DEFAULT_MAX_CHARS,
    maxMessages: Number(config.transcriptMaxMessages) || DEFAULT_MAX_MESSAGES,
    intro,
  });
  run.log("info", `transcript: ${entries.length} turns from ${origin}, ${messages.length} message(s)`);
  return messages;
}

/** Where a send landed: the case id CXone answered with, when it said one. */
export interface SendResult {
  contactId?: string;
  sent: number;
}

/** Sends texts in order on a thread; stops at the first failure and says how far it got (the error is rethrown). */
export async function sendInOrder(
  client: CxoneClient,
  base: { threadId: string; author: EndUser; threadName?: string },
  messages: {
    id: string;
    text: string;
    contact?: { skillId?: number; customFields?: { ident: string; value: string }[] };
  }[],
  progress: SendResult,
): Promise<void> {
  for (const m of messages) {
    const res = await client.sendMessage({ ...base, messageId: m.id, text: m.text, contact: m.contact });
    progress.contactId ??= res.contactId;
    progress.sent += 1;
  }
}

/** Trimmed, case-insensitive text match against the cancel keywords, or the cancel intent. */
export function isCancelRequest(state: HandoverState, input: CognigyBag): boolean {
  const text = typeof input.text === "string" ? input.text.trim().toLowerCase() : "";
  if (text && state.cancelKeywords.some((k) => k.trim().toLowerCase() === text)) return true;
  const intent = typeof input.intent === "string" ? input.intent.trim() : "";
  return !!intent && !!state.cancelIntent && intent === state.cancelIntent.trim();
}
