/**
 * The CXone thread id (`thread.idOnExternalPlatform`, the BYOC postId) carries everything the relay needs to route an
 * agent's reply back to the right Cognigy conversation, so no database sits between CXone and Cognigy and any relay
 * instance can serve any call. Each handover gets its own thread, so a second handover in the same session opens a
 * fresh case instead of reviving the last one.
 */
export interface ConversationRef {
  userId: string;
  sessionId: string;
  /** The Cognigy endpoint's URL token: Notify/Inject go to {endpoint}/notify/{urlToken}. */
  urlToken: string;
  /** Distinguishes successive handovers of one session. */
  handoverId: string;
  /** The flow asked for the agent's name and avatar to be shown to the end user. */
  displayAgentDetails: boolean;
  /** The flow itself announces the agent (Send to Agent on agentJoined); older threads left that to the relay. */
  flowAnnouncesAgent?: boolean;
  /** The endpoint can use an empty-text data event (agent typing); see src/handover/cognigy-platform.ts. */
  takesDataEvents?: boolean;
}

const PREFIX = "cgy1.";

export function encodeThreadId(ref: ConversationRef): string {
  // Flags are bits so that threads written before a flag existed decode as before.
  const flags = (ref.displayAgentDetails ? 1 : 0) | (ref.flowAnnouncesAgent ? 2 : 0) | (ref.takesDataEvents ? 4 : 0);
  const payload = [ref.userId, ref.sessionId, ref.urlToken, ref.handoverId, flags];
  return PREFIX + Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
}

/** The conversation a thread id belongs to, or undefined for a thread we did not create. */
export function decodeThreadId(threadId: string): ConversationRef | undefined {
  if (typeof threadId !== "string" || !threadId.startsWith(PREFIX) || threadId.length > 2048) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(threadId.slice(PREFIX.length), "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 5) return undefined;
    const [userId, sessionId, urlToken, handoverId, flags] = value;
    const strings = [userId, sessionId, urlToken, handoverId];
    if (!strings.every((s) => typeof s === "string" && s.length > 0 && s.length <= 256)) return undefined;
    if (!/^[A-Za-z0-9_-]+$/.test(urlToken)) return undefined;
    const bits = typeof flags === "number" ? flags : 0;
    return {
      userId,
      sessionId,
      urlToken,
      handoverId,
      displayAgentDetails: (bits & 1) === 1,
      flowAnnouncesAgent: (bits & 2) === 2,
      takesDataEvents: (bits & 4) === 4,
    };
  } catch {
    return undefined;
  }
}
