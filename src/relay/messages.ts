// The agent-reply bodies CXone sends (legacy and DFO 3.0), as the relay reads them (agent-message.ts turns one into
// the message it delivers).
// Zod 4 (shipped inside the zod 3.25 package): the same rules parse an agent reply about 5x faster than zod 3, which
// was the largest single cost of a relayed message (~40 us of a ~650 us request on the 2-core bench machine).

import { z } from "zod/v4";

/**
 * Agent replies CXone sends to the relay (src/cxone/README.md §6a legacy `posts/{postId}/messages`, §6b "DFO 3.0
 * outbound"). The bodies are only partly documented: we validate strictly what we rely on (text, attachments, ids,
 * the thread), let everything else pass, and name (never print) the fields we do not know.
 */

// Any integer (zod 4's int() would also refuse integers beyond 2^53, which zod 3 let through).
const id = z
  .union([z.string().min(1).max(256), z.number().refine(Number.isInteger, "Expected integer, received float")])
  .transform(String);
const optionalId = id.nullish().transform((v) => v ?? undefined);
const optText = (max: number) =>
  z
    .string()
    .max(max)
    .nullish()
    .transform((v) => v ?? undefined);

function parsesAsUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

// Not z.url(): zod 4 rewrites the value to its normalised href, and the URL is forwarded exactly as CXone sent it.
export const httpUrl = z
  .string()
  .max(8192)
  .refine(parsesAsUrl, "Invalid url")
  .refine((u) => /^https?:\/\//i.test(u), "must be an http(s) URL");

const attachmentSchema = z
  .object({
    url: httpUrl,
    friendlyName: optText(512),
    fileName: optText(512),
    name: optText(512),
    mimeType: optText(256),
  })
  .loose();

const userSchema = z
  .object({
    id: optionalId,
    firstName: optText(256),
    surname: optText(256),
    lastName: optText(256),
    nickname: optText(256),
    imageUrl: optText(4096),
    publicImageUrl: optText(4096),
  })
  .loose();

// Rich types carry objects where TEXT carries a string (QUICK_REPLIES `text: { content }`): the payload is read by
// agent-content.ts, which never fails on a shape it does not know.
const contentSchema = z
  .object({
    type: optText(64),
    payload: z.object({}).loose().nullish(),
    fallbackText: optText(100_000),
    postback: optText(10_000),
  })
  .loose()
  .superRefine((content, ctx) => {
    // TEXT (or no type) is what we read as text: its payload.text must be a string of sane size when present.
    if (content.type && content.type.toUpperCase() !== "TEXT") return;
    const text = content.payload?.text;
    if (text == null) return;
    if (typeof text !== "string") {
      ctx.addIssue({ code: "custom", path: ["payload", "text"], message: "Invalid input: expected string" });
    } else if (text.length > 1_000_000) {
      ctx.addIssue({
        code: "custom",
        path: ["payload", "text"],
        message: "Too big: expected at most 1000000 characters",
      });
    }
  });

const externalRef = z
  .object({ idOnExternalPlatform: z.string().max(4096).nullish() })
  .loose()
  .nullish();

const common = {
  id: optionalId,
  messageId: optionalId,
  message: z.object({ id: optionalId }).loose().nullish(),
  messageContent: contentSchema.nullish(),
  content: optText(1_000_000),
  attachments: z.array(attachmentSchema).max(50).nullish(),
  authorUser: userSchema.nullish(),
  contactId: optionalId,
  contact: z.object({ id: optionalId }).loose().nullish(),
  case: z.object({ id: optionalId }).loose().nullish(),
  createdAt: optText(64),
  createdAtWithMilliseconds: optText(64),
};

export const legacyMessageSchema = z.object({ ...common, post: externalRef, thread: externalRef }).loose();
export const outboundMessageSchema = z
  .object({
    ...common,
    thread: z.object({ idOnExternalPlatform: z.string().min(1).max(4096) }).loose(),
  })
  .loose();

const KNOWN_KEYS = new Set([
  ...Object.keys(common),
  "thread",
  "post",
  "brand",
  "channel",
  "endUserRecipients",
  "recipients",
  "replyToMessage",
  "isReplyToSpecificMessage",
  "forward",
  "authorEndUserIdentity",
  "title",
  "direction",
]);

export function unknownKeys(body: Record<string, unknown>): string[] {
  const keys = Object.keys(body);
  // Almost every body has only known keys: answer without building arrays.
  if (keys.every((k) => KNOWN_KEYS.has(k))) return [];
  return keys
    .filter((k) => !KNOWN_KEYS.has(k))
    .map((k) => k.slice(0, 40).replace(/[^\w.-]/g, "_"))
    .sort();
}

export type ParsedMessage = z.output<typeof legacyMessageSchema>;

/**
 * Our thread id in a legacy reply: NiCE documents neither what `postId` is nor the body, and its message model keeps
 * postId, threadId and threadIdOnExternalPlatform apart (common-sdk cxone-message.js). So the first of the path's
 * postId, `post.idOnExternalPlatform` and `thread.idOnExternalPlatform` that is one of our thread ids; undefined when
 * none is (the caller answers 404).
 */
export function legacyThreadId(
  postId: string,
  body: ParsedMessage,
  isOurs: (threadId: string) => boolean,
): string | undefined {
  if (isOurs(postId)) return postId;
  for (const candidate of [body.post?.idOnExternalPlatform, body.thread?.idOnExternalPlatform]) {
    if (candidate && isOurs(candidate)) return candidate;
  }
  return undefined;
}
