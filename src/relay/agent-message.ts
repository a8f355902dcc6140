// How one agent reply becomes the message the relay delivers: its text and files, the agent's display details, and
// the key that delivers it once.
import { type AgentUser, eventAgentOf } from "../handover/agent-name";
import type { MessageAgent } from "../handover/events";
import type { ConversationRef } from "../handover/thread";
import { agentContent, unshownNotice } from "./agent-content";
import { sha256url } from "./digest";
import type { ParsedMessage } from "./messages";

/** The writer of an agent reply, by the one agent rule (src/handover/agent-name.ts). */
export function messageAgentOf(user: AgentUser | null | undefined): MessageAgent | undefined {
  // Nothing to say who wrote: no agent to show. A user CXone knows by id but not by name is still an agent: "Agent"
  // (bot users are left out by the case poll, which reads isBotUser).
  if (!user || (!user.id && ![user.nickname, user.firstName, user.surname, user.lastName].some((p) => p?.trim()))) {
    return undefined;
  }
  return eventAgentOf(user);
}

export interface AgentMessage {
  threadId: string;
  ref: ConversationRef;
  /** CXone's id for the message when the body carries one. */
  cxoneMessageId?: string;
  contactId?: string;
  text: string;
  attachments: { name: string; url: string; mimeType?: string }[];
  /** Notify data that draws the message richly in Webchat (quick replies, link card); see agent-content.ts. */
  rich?: Record<string, unknown>;
  agent?: MessageAgent;
  /** De-duplication key: the CXone message id, else a digest of the message's stable content. */
  key: string;
  /** The id we answer CXone with; derived from the key, so a duplicate gets the same one. */
  idOnExternalPlatform: string;
}

/** `contentFormat`: the channel's, when known (undefined: HTML is recognised by its tags). */
export function toAgentMessage(
  threadId: string,
  ref: ConversationRef,
  body: ParsedMessage,
  contentFormat?: "html" | "plain",
): AgentMessage | string {
  const content = agentContent(
    body.messageContent ?? { type: "TEXT", payload: { text: body.content ?? "" } },
    contentFormat,
  );
  let text = content.text;
  const attachments = (body.attachments ?? []).map((a) => ({
    name: a.friendlyName || a.fileName || a.name || fileNameOf(a.url),
    url: a.url,
    ...(a.mimeType ? { mimeType: a.mimeType } : {}),
  }));
  const type = body.messageContent?.type;
  if (!text.trim() && attachments.length === 0) {
    // An empty TEXT is a malformed call; an empty rich type (a FILE without files) is still the agent talking.
    if (!type || type.toUpperCase() === "TEXT") return "the message has no text and no attachments";
    text = unshownNotice(type);
  }
  const cxoneMessageId = body.id ?? body.message?.id ?? body.messageId;
  // No id: identical content on the same thread is the same message; a timestamp, when present, tells an agent's
  // deliberate repeat ("ok", "ok") from CXone's retry of one message.
  const key = sha256url(
    cxoneMessageId
      ? `id\n${threadId}\n${cxoneMessageId}`
      : JSON.stringify([
          "content",
          threadId,
          text,
          attachments.map((a) => a.url),
          body.createdAtWithMilliseconds ?? body.createdAt ?? "",
        ]),
  );
  return {
    threadId,
    ref,
    cxoneMessageId,
    contactId: body.contactId ?? body.contact?.id ?? body.case?.id,
    text,
    attachments,
    ...(content.data ? { rich: content.data } : {}),
    agent: messageAgentOf(body.authorUser),
    key: (cxoneMessageId ? "i" : "h") + key,
    idOnExternalPlatform: `cgyr-${key.slice(0, 32)}`,
  };
}

function fileNameOf(url: string): string {
  try {
    const last = new URL(url).pathname.split("/").filter(Boolean).pop();
    return last ? decodeURIComponent(last).slice(0, 200) : "attachment";
  } catch {
    return "attachment";
  }
}
