/**
 * What Cognigy.AI's platform promises about inputs and endpoints, in one place for the nodes, the relay and the
 * emulator. Sources are in ../shared/cognigy-runtime.md ("Platform facts") and the README's Known limits.
 */

import { isHttpUrl } from "./agent-name";

/** Cognigy documents userId and sessionId up to 256 characters (transformer return values, Notify/Inject bodies). */
export const COGNIGY_ID_MAX = 256;

/**
 * An input with data but no text gets an implicit text: this prefix plus 20 random characters (docs: Lookup node,
 * Mode). It is not something the user wrote.
 */
export const DATA_ONLY_PREFIX = "DATA_ONLY_MESSAGE_";

/** The user's own text of an input, "" for none or for the data-only placeholder. */
export function userText(text: unknown): string {
  if (typeof text !== "string" || text.startsWith(DATA_ONLY_PREFIX)) return "";
  return text;
}

/**
 * Endpoint types (`input.endpointType`) Inject and Notify work on (docs: Inject & Notify, Channel Support: Messenger,
 * LINE, Azure Bot Services, RingCentral Engage, Slack, Socket, Sunshine Conversations, Voice Gateway, AudioCodes in
 * Async Mode, WhatsApp, Webchat, Webhook). "adminconsole" (the Interaction Panel) is allowed so flows can be tried
 * there; the docs do not list it.
 */
export const NOTIFY_ENDPOINT_TYPES = [
  "facebook",
  "line",
  "microsoftBotFramework",
  "ringCentralEngage",
  "slack",
  "socket",
  "sunshineConversations",
  "voiceGateway2",
  "audioCodes",
  "whatsapp",
  "webchat2",
  "webchat3",
  "webhook",
  "adminconsole",
] as const;

/** Endpoint types of @cognigy/rest-api-client 0.19.0 that are not in the docs' Inject/Notify list. */
export const NO_NOTIFY_ENDPOINT_TYPES = [
  "alexa",
  "rest",
  "abstractRest",
  "dialogflow",
  "twilio",
  "twilioSms",
  "intercom",
  "microsoftTeams",
  "userlike",
  "avaya",
  "nonConversational",
  "amazonLex",
  "eightByEight",
  "bandwidth",
  "genesysBotConnector",
  "niceCXOne",
  "agentAssistVoice",
  "workplace",
] as const;

/** Endpoints whose sessions expire (docs: Session Management; default 30 minutes, 0 = never). */
export const EXPIRING_SESSION_ENDPOINT_TYPES = [
  "facebook",
  "line",
  "slack",
  "twilioSms",
  "microsoftBotFramework",
  "whatsapp",
];

/** Webchat draws `_webchat` avatar overrides and `_cognigy._webchat3` event chips; other endpoints ignore them. */
export const WEBCHAT_ENDPOINT_TYPES = ["webchat2", "webchat3", "adminconsole"];

/**
 * Endpoints where an empty-text output carrying only data reaches a client that can act on it (a custom socket or
 * webhook client). Webchat v3 draws nothing for it (its typing dots come only from the socket's typingStatus event),
 * and a messaging channel may show it as an empty message.
 */
export const DATA_EVENT_ENDPOINT_TYPES = ["socket", "webhook"];

export type EndpointSupport = { supported: true; known: boolean } | { supported: false; reason: string };

/** Can agent replies reach a user on this endpoint type? Unknown or absent types are let through (logged by callers). */
export function notifySupport(endpointType: unknown): EndpointSupport {
  if (typeof endpointType !== "string" || !endpointType) return { supported: true, known: false };
  if ((NO_NOTIFY_ENDPOINT_TYPES as readonly string[]).includes(endpointType)) {
    return {
      supported: false,
      reason:
        `the ${endpointType} endpoint does not support Cognigy Notify/Inject, so agent replies could never reach the ` +
        "user; hand over from a Webchat, Socket, Webhook or messaging endpoint (README: Endpoints)",
    };
  }
  return { supported: true, known: (NOTIFY_ENDPOINT_TYPES as readonly string[]).includes(endpointType) };
}

export const isWebchat = (endpointType: unknown) =>
  typeof endpointType === "string" && WEBCHAT_ENDPOINT_TYPES.includes(endpointType);

/**
 * Webchat's keys for the agent's look on an output it would draw as the bot's: the agent's picture in place of the
 * bot's (`botAvatarOverrideUrl`, kept by Webchat until BOT_LOOK resets it at hand-back; http(s) only) and the agent's
 * name over this one message (`botAvatarOverrideNameOnce`). Other channels ignore them.
 */
export function webchatAgentLook(agent: { avatarUrl?: string }, nameOnce?: string): Record<string, unknown> {
  const look = {
    ...(isHttpUrl(agent.avatarUrl) ? { botAvatarOverrideUrl: agent.avatarUrl } : {}),
    ...(nameOnce ? { botAvatarOverrideNameOnce: nameOnce } : {}),
  };
  return Object.keys(look).length ? { _webchat: look } : {};
}

/** Puts the bot's own picture back after webchatAgentLook. */
export const BOT_LOOK = { _webchat: { botAvatarOverrideUrl: "" } };

export const takesDataEvents = (endpointType: unknown) =>
  typeof endpointType === "string" && DATA_EVENT_ENDPOINT_TYPES.includes(endpointType);

/** Quick replies Webchat v3 and Cognigy's `_default` format both hold; the payload comes back as the user's text. */
export interface QuickReply {
  title: string;
  payload: string;
  imageUrl?: string;
}

/** Notify data Webchat v3 draws as tappable quick replies (both formats: which one Notify converts is undocumented). */
export function quickReplyData(text: string, replies: QuickReply[]): Record<string, unknown> {
  return {
    _cognigy: {
      _default: {
        _quickReplies: {
          type: "quick_replies",
          text,
          quickReplies: replies.map((r, i) => ({
            id: i + 1,
            contentType: "postback",
            title: r.title,
            payload: r.payload,
            ...(r.imageUrl ? { imageUrl: r.imageUrl } : {}),
          })),
        },
      },
      _webchat: {
        message: {
          text,
          quick_replies: replies.map((r) => ({
            content_type: "text",
            title: r.title,
            payload: r.payload,
            ...(r.imageUrl ? { image_url: r.imageUrl } : {}),
          })),
        },
      },
    },
  };
}
