import { nodeCrypto } from "../lazy-crypto";

/**
 * Ids we hand to CXone. Every message id (`idOnExternalPlatform`) is derived from what the message IS, never from
 * when it was sent, so a client retry or a platform re-execution of the same input produces the same id and CXone
 * (409, "already exists") keeps the message once.
 */

const hash = (...parts: string[]) => nodeCrypto().createHash("sha256").update(parts.join("\u0000")).digest("base64url");

/**
 * A new id per handover (it becomes part of the thread id, so every handover opens its own case). Derived from the
 * Cognigy input that asked for the agent when there is one: re-running that same input reuses the thread instead of
 * opening a second case. Otherwise base36 time + random.
 */
export function newHandoverId(ref: { userId?: string; sessionId?: string; inputId?: unknown }): string {
  if (typeof ref.inputId === "string" && ref.inputId) {
    return `h${hash("handover", ref.userId ?? "", ref.sessionId ?? "", ref.inputId).slice(0, 15)}`;
  }
  return `h${Date.now().toString(36)}${nodeCrypto().randomBytes(5).toString("hex")}`;
}

/** Message i of the transcript the handover sends first; `batch` distinguishes later stand-alone transcripts. */
export function transcriptMessageId(handoverId: string, index: number, batch?: string): string {
  return batch ? `${handoverId}:t:${batch}:${index}` : `${handoverId}:t:${index}`;
}

/** The short message that opens the case when no transcript went out. */
export function openingMessageId(handoverId: string): string {
  return `${handoverId}:open`;
}

/**
 * A user message forwarded to the agent: from the Cognigy input id (the same input always maps to the same id);
 * without one, from the thread, the position in the conversation and the text.
 */
export function userMessageId(p: {
  handoverId: string;
  threadId: string;
  inputId?: unknown;
  sent: number;
  text: string;
}) {
  if (typeof p.inputId === "string" && p.inputId) return `${p.handoverId}:u:${hash(p.inputId).slice(0, 22)}`;
  return `${p.handoverId}:u:${hash(p.threadId, String(p.sent), p.text).slice(0, 22)}`;
}

/** A short, stable tag for one Cognigy input (used as a transcript batch id). */
export function inputTag(inputId: unknown, fallback: string): string {
  return hash(typeof inputId === "string" && inputId ? inputId : fallback).slice(0, 10);
}
