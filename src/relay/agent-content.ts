// What a CXone agent sent (text, HTML, quick replies, links, files) as a Cognigy Webchat user can see and tap.
import { convert } from "html-to-text";
import { lookup } from "mime-types";
import { type QuickReply, quickReplyData } from "../handover/cognigy-platform";

export { type QuickReply, quickReplyData };

/**
 * Turns what a CXone agent sent (NiCE's message content types, HTML text, attachments) into what a Cognigy Webchat v3
 * user can see and tap: quick replies for QUICK_REPLIES and LIST_PICKER (a tap comes back through Send to Agent as
 * the postback text), a link card for RICH_LINK, the agent's fallbackText or a readable text for everything else, and
 * files as `data.attachments` Webchat draws as an image preview or a file card. Pure: no I/O, no state.
 *
 * Content types and payload shapes: common-sdk `src/enum/digital-message-content-types.js`, OAS
 * `DigitalMessage_QuickRepliesPayload`, `_ListPickerPayload`, `_RichLinkPayload`. What Webchat v3 renders:
 * /work/shared/cognigy-runtime.md, Platform facts (quick replies in `_cognigy._default._quickReplies` and
 * `_cognigy._webchat.message.quick_replies`; files in `data.attachments: [{ url, fileName, mimeType, size }]`), and
 * chat-components `src/matcher.ts` (quick replies, files and a `generic` template each match before plain text).
 */

export interface AgentContentInput {
  type?: string;
  payload?: Record<string, unknown> | null;
  fallbackText?: string | null;
  postback?: string | null;
}

export interface AgentAttachmentInput {
  url: string;
  name: string;
  mimeType?: string;
  size?: number;
}

/** A file as Cognigy Webchat v3 draws it (image preview or file card, decided by mimeType). */
export interface WebchatFile {
  url: string;
  fileName: string;
  mimeType: string;
  size: number;
}

export interface AgentOutput {
  /** What every Cognigy endpoint shows; the only thing a non-Webchat channel shows. */
  text: string;
  /** Extra Notify `data` for the rich rendering (quick replies, link card, files); absent for plain text. */
  data?: Record<string, unknown>;
}

const MAX_QUICK_REPLIES = 13;
const TYPE_WORDS: Record<string, string> = {
  TIME_PICKER: "a time picker",
  FORM: "a form",
  ADAPTIVE_CARD: "a card",
  PLUGIN: "an interactive element",
  TEXT_TEMPLATE: "a message template",
  MENU: "a menu",
  FILE: "a file",
};

/** What the user reads when an agent's message has nothing this chat can show. */
export function unshownNotice(type: string | undefined): string {
  return `The agent sent ${TYPE_WORDS[(type ?? "").toUpperCase()] ?? "a message"} that this chat cannot show.`;
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v : undefined);
/** NiCE's text fields are `{ content }` objects in rich payloads and plain strings in TEXT. */
const textOf = (v: unknown): string | undefined => str(v) ?? str(obj(v)?.content);

/** Looks like markup an agent editor produces (a tag or an entity), not a stray "<" in plain text. */
const HTML_HINT =
  /<\/?(p|br|div|span|b|strong|i|em|u|s|a|ul|ol|li|h[1-6]|table|tr|td|th|img|blockquote|pre|code|font|hr)\b[^>]*>|&(nbsp|amp|lt|gt|quot|#\d+);/i;

/**
 * Plain text from an agent's text: HTML (a channel with `contentFormat: html`, or text that carries tags when the
 * format is unknown) is converted to readable text by a real HTML parser, links kept as "label [url]".
 */
export function plainText(text: string, contentFormat?: "html" | "plain"): string {
  const html = contentFormat === "html" || (contentFormat === undefined && HTML_HINT.test(text));
  if (!html) return text;
  return convert(text, {
    wordwrap: false,
    selectors: [
      { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
      { selector: "img", format: "skip" },
      { selector: "h1", options: { uppercase: false } },
      { selector: "h2", options: { uppercase: false } },
      { selector: "h3", options: { uppercase: false } },
      { selector: "table", format: "dataTable" },
    ],
  })
    .replace(/\u00a0/g, " ")
    .trim();
}

function quickRepliesOf(actions: unknown): QuickReply[] {
  if (!Array.isArray(actions)) return [];
  const replies: QuickReply[] = [];
  for (const raw of actions.slice(0, MAX_QUICK_REPLIES)) {
    const action = obj(raw);
    const title = textOf(action?.text);
    if (!title) continue;
    const imageUrl = str(obj(action?.icon)?.url);
    replies.push({ title, payload: str(action?.postback) ?? title, ...(imageUrl ? { imageUrl } : {}) });
  }
  return replies;
}

/** A one-element gallery (Webchat's link card): title, optional image, the whole card and a button open the link. */
function linkCardData(title: string, url: string, imageUrl?: string): Record<string, unknown> {
  return {
    _cognigy: {
      _webchat: {
        message: {
          attachment: {
            type: "template",
            payload: {
              template_type: "generic",
              elements: [
                {
                  title,
                  ...(imageUrl ? { image_url: imageUrl } : {}),
                  default_action: { type: "web_url", url },
                  buttons: [{ type: "web_url", title: "Open link", url }],
                },
              ],
            },
          },
        },
      },
    },
  };
}

function httpUrl(v: unknown): string | undefined {
  const s = str(v);
  return s && /^https?:\/\//i.test(s) ? s : undefined;
}

/** The user-facing form of an agent's message content (text always; rich data when the type has a Webchat form). */
export function agentContent(
  content: AgentContentInput | null | undefined,
  contentFormat?: "html" | "plain",
): AgentOutput {
  const type = (content?.type ?? "TEXT").toUpperCase();
  const payload = obj(content?.payload) ?? {};
  const fallback = str(content?.fallbackText);
  const readable = (t: string | undefined) => (t ? plainText(t, contentFormat) : "");

  if (type === "TEXT") return { text: readable(str(payload.text) ?? fallback) };

  if (type === "QUICK_REPLIES" || type === "LIST_PICKER") {
    const lead =
      type === "LIST_PICKER"
        ? [textOf(payload.title), textOf(payload.text)].filter(Boolean).join("\n")
        : (textOf(payload.text) ?? "");
    const text = readable(lead || fallback) || "Please choose:";
    const replies = quickRepliesOf(payload.actions);
    if (!replies.length) return { text: readable(fallback) || text };
    return { text, data: quickReplyData(text, replies) };
  }

  if (type === "RICH_LINK") {
    const url = httpUrl(payload.url);
    const title = readable(textOf(payload.title)) || url || "";
    if (!url) return { text: readable(fallback) || title };
    const image = obj(payload.media);
    const imageUrl = str(image?.mimeType)?.startsWith("image/") ? httpUrl(image?.url) : undefined;
    return { text: title === url ? url : `${title}\n${url}`, data: linkCardData(title, url, imageUrl) };
  }

  if (type === "POSTBACK" || type === "REPLY_BUTTON") {
    return { text: readable(fallback ?? textOf(payload.text) ?? str(content?.postback)) };
  }

  // TIME_PICKER, FORM, ADAPTIVE_CARD, PLUGIN, TEXT_TEMPLATE, MENU, FILE, and types NiCE adds later: the agent's
  // fallbackText, else any text the payload carries (a FILE's files travel as attachments, see the caller), else say
  // what arrived so the user is never left with nothing.
  const text = readable(fallback ?? textOf(payload.text) ?? textOf(payload.title) ?? str(payload.body));
  if (text || type === "FILE") return { text };
  return { text: unshownNotice(type) };
}

/**
 * Agent attachments as Webchat files: the mime type CXone gave, else the one the file name implies. Webchat previews
 * image/jpeg, png, gif and webp and shows other types as a file card with its size; CXone does not send a size, and
 * Webchat prints "NaN KB" for a missing one, so an unknown size is 0 (chat-components src/messages/File/File.tsx).
 */
export function webchatFiles(attachments: AgentAttachmentInput[]): WebchatFile[] {
  return attachments.map((a) => {
    const fromName = lookup(a.name) || lookup(pathOf(a.url));
    const mimeType = a.mimeType?.includes("/") ? a.mimeType.toLowerCase() : fromName || "application/octet-stream";
    return { url: a.url, fileName: a.name, mimeType, size: a.size ?? 0 };
  });
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
