// Remembers which thread ids this relay verified, so each reply of a conversation is not decoded again.
import { type ConversationRef, decodeThreadId, isSignedThreadId, type ThreadKeys } from "../handover/thread";
import { sha256url } from "./digest";

export interface KnownThread {
  ref: Readonly<ConversationRef>;
  /** Names the conversation in logs without its ids or endpoint token. */
  tag: string;
}

const KNOWN_THREADS_MAX = 10_000;

/**
 * decodeThreadId plus the log tag, once per thread rather than once per message (a MAC, a JSON parse and a hash):
 * CXone sends every reply of a conversation with the same thread id. Per relay, because the answer depends on its keys;
 * only verified ids get in, so forged ones cannot evict them.
 */
export function threadCache(keys: ThreadKeys): (threadId: string) => KnownThread | undefined {
  const known = new Map<string, KnownThread>();
  return (threadId) => {
    const hit = known.get(threadId);
    // A legacy (unsigned) id stops being routed when its upgrade window closes, cached or not.
    if (hit && (isSignedThreadId(threadId) || keys.now() < keys.legacyUntil)) return hit;
    const ref = decodeThreadId(threadId, keys);
    if (!ref) return undefined;
    const entry = { ref: Object.freeze(ref), tag: conversationTag(ref) };
    if (known.size >= KNOWN_THREADS_MAX) known.clear();
    known.set(threadId, entry);
    return entry;
  };
}

function conversationTag(ref: ConversationRef): string {
  return sha256url(`${ref.urlToken}|${ref.userId}|${ref.sessionId}`).slice(0, 12);
}
