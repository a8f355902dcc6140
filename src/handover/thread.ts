import { CxoneConfigError } from "../cxone/errors";
import { nodeCrypto } from "../lazy-crypto";
import { COGNIGY_ID_MAX } from "./cognigy-platform";
import { packWaitSettings, unpackWaitSettings, type WaitSettings } from "./wait-settings";

/**
 * The CXone thread id (`thread.idOnExternalPlatform`, the BYOC postId) carries everything the relay needs to route an
 * agent's reply back to the right Cognigy conversation, so no database sits between CXone and Cognigy and any relay
 * instance can serve any call. Each handover gets its own thread, so a second handover in the same session opens a
 * fresh case instead of reviving the last one.
 *
 * The id is signed: `cgy2.<payload>.<mac>`, the MAC an HMAC-SHA256 (cut to 128 bits) over prefix and payload with a
 * key derived from the thread key an admin sets once on the connection (Hand over signs) and on the relay
 * (RELAY_THREAD_KEY, verifies). Whoever can create a case on the channel or holds a relay bearer can therefore not
 * name someone else's conversation: a changed byte or a splice of two ids fails the MAC. The relay accepts a previous
 * key too, so a rotation does not strand handovers that are still open.
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
  /** Queue updates and inactivity the handover asked for (src/handover/wait-settings.ts); absent = both off. */
  wait?: WaitSettings;
}

const PREFIX = "cgy2.";
/** Unsigned ids of releases before 5.0; routed only inside an upgrade window the relay admin opens (README). */
const LEGACY_PREFIX = "cgy1.";
/** 128-bit MAC, 22 base64url characters. */
const MAC_BYTES = 16;
const MAC_CHARS = 22;
/**
 * What the CXone sandbox accepts for `thread.idOnExternalPlatform` (no NiCE artifact states a limit; see README,
 * Known limits). Hand over refuses to make a longer id rather than open a case the relay could not be reached for.
 */
export const MAX_THREAD_ID_LENGTH = 1024;

/** Spelled as a signed (current) thread id; says nothing about whose key signed it (decodeThreadId checks that). */
export function isSignedThreadId(threadId: string): boolean {
  return threadId.startsWith(PREFIX);
}
export const MIN_THREAD_KEY_LENGTH = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const URL_TOKEN = /^[A-Za-z0-9_-]+$/;
/** The flag bits encodeThreadId sets (displayAgentDetails 1, flowAnnouncesAgent 2, takesDataEvents 4). */
const MAX_FLAGS = 7;

/** The conversation's ids in a thread id, by the name the flow designer knows them (the input's key). */
const ID_FIELDS = { userId: "userId", sessionId: "sessionId", urlToken: "URLToken", handoverId: "handoverId" } as const;
type IdKey = keyof typeof ID_FIELDS;

/** What is wrong with a thread id's contents: the field to fix (as the flow knows it) and why. */
export interface ThreadIdProblem {
  field: string;
  problem: string;
}

/**
 * The one check of what a thread id carries, for both ends: Hand over refuses to encode what the relay would refuse
 * to decode, so no case opens whose agent replies the relay must answer 404.
 *
 * Each id holds at most COGNIGY_ID_MAX (256) characters, the most Cognigy accepts for userId and sessionId in Notify
 * and Inject. Decision, with the 1,024-character total in mind: 256 stays. Four ids of 256 already make a payload over
 * 1,024 after base64url, so no per-id limit that still admits Cognigy's own ids guarantees a fit; a lower one would
 * only refuse conversations that fit today (a 250-character userId beside a uuid session). The total is its own rule
 * (encodeThreadId), and its error names the longest id.
 */
function threadIdProblem(ids: Record<IdKey, unknown>, flags: unknown): ThreadIdProblem | undefined {
  for (const key of Object.keys(ID_FIELDS) as IdKey[]) {
    const field = ID_FIELDS[key];
    const value = ids[key];
    if (typeof value !== "string" || value.length === 0) return { field, problem: "is empty" };
    if (value.length > COGNIGY_ID_MAX) {
      return {
        field,
        problem:
          `is ${value.length} characters; Cognigy accepts at most ${COGNIGY_ID_MAX} in Notify/Inject and the thread ` +
          "id holds no more, so agent replies could not reach this conversation (shorten the id the endpoint or " +
          "transformer sets)",
      };
    }
  }
  if (!URL_TOKEN.test(ids.urlToken as string)) {
    return { field: ID_FIELDS.urlToken, problem: "is not an endpoint URL token (letters, digits, - and _ only)" };
  }
  if (typeof flags !== "number" || !Number.isInteger(flags) || flags < 0 || flags > MAX_FLAGS) {
    return { field: "flags", problem: `must be an integer from 0 to ${MAX_FLAGS}` };
  }
  return undefined;
}

/** The keys a relay verifies with: the current one first, then the previous one during a rotation. */
export interface ThreadKeys {
  readonly macKeys: readonly Buffer[];
  /** Epoch ms until which unsigned `cgy1.` ids of open pre-upgrade handovers are still routed; 0 = never. */
  readonly legacyUntil: number;
  /** Endpoint URL tokens the relay may deliver to; empty = any. */
  readonly urlTokens: ReadonlySet<string>;
  readonly now: () => number;
}

/** The MAC key for one admin-entered thread key (HKDF, so the key string itself is never used as a MAC key). */
function macKey(threadKey: string): Buffer {
  return Buffer.from(
    nodeCrypto().hkdfSync("sha256", Buffer.from(threadKey, "utf8"), "cognigy-cxone-handover", "thread-id-mac-v1", 32),
  );
}

/** The admin's key is checked here, in one place for the connection and the relay. */
export function threadKeyProblem(threadKey: unknown): string | undefined {
  if (typeof threadKey !== "string" || threadKey.trim() === "") {
    return "is missing: set the same random thread key on the connection and on the relay (RELAY_THREAD_KEY), e.g. from `openssl rand -base64 32`";
  }
  if (threadKey.length < MIN_THREAD_KEY_LENGTH) {
    return `is too short: use at least ${MIN_THREAD_KEY_LENGTH} random characters (e.g. \`openssl rand -base64 32\`)`;
  }
  return undefined;
}

export function threadKeys(
  keys: readonly string[],
  options: { legacyUntil?: number; urlTokens?: readonly string[]; now?: () => number } = {},
): ThreadKeys {
  if (keys.length === 0) throw new Error("at least one thread key is required");
  return {
    macKeys: keys.map(macKey),
    legacyUntil: options.legacyUntil ?? 0,
    urlTokens: new Set(options.urlTokens ?? []),
    now: options.now ?? Date.now,
  };
}

function sign(key: Buffer, payload: string): string {
  return nodeCrypto()
    .createHmac("sha256", key)
    .update(PREFIX + payload)
    .digest()
    .subarray(0, MAC_BYTES)
    .toString("base64url");
}

/** The signed thread id of a handover; throws CxoneConfigError (the node's error branch) for a missing key. */
export function encodeThreadId(ref: ConversationRef, threadKey: string | undefined): string {
  const problem = threadKeyProblem(threadKey);
  if (problem) throw new CxoneConfigError("threadKey", problem);
  const flags = (ref.displayAgentDetails ? 1 : 0) | (ref.flowAnnouncesAgent ? 2 : 0) | (ref.takesDataEvents ? 4 : 0);
  const wrong = threadIdProblem(ref, flags);
  if (wrong) throw new CxoneConfigError(wrong.field, wrong.problem);
  const values: unknown[] = [ref.userId, ref.sessionId, ref.urlToken, ref.handoverId, flags];
  // A sixth element only when the handover asked for waiting options: ids without them stay as before.
  const wait = ref.wait ? packWaitSettings(ref.wait) : undefined;
  if (wait) values.push(wait);
  const payload = Buffer.from(JSON.stringify(values), "utf8").toString("base64url");
  const id = `${PREFIX}${payload}.${sign(macKey(threadKey as string), payload)}`;
  if (id.length > MAX_THREAD_ID_LENGTH) {
    const sizes = (Object.keys(ID_FIELDS) as IdKey[]).map((key) => ({ field: ID_FIELDS[key], size: ref[key].length }));
    const longest = sizes.reduce((a, b) => (b.size > a.size ? b : a));
    throw new CxoneConfigError(
      longest.field,
      `is ${longest.size} characters: with the conversation's other ids (${sizes.map((s) => `${s.field} ${s.size}`).join(", ")}) it makes a thread id of ${id.length} characters, over the ${MAX_THREAD_ID_LENGTH} CXone takes, so no case can carry it (shorten the ids the endpoint or transformer sets${wait ? ", or the queue update and inactivity texts" : ""})`,
    );
  }
  return id;
}

/**
 * The conversation a thread id belongs to, or undefined for anything our extension did not sign with one of `keys`
 * (or, inside the upgrade window, an unsigned pre-5.0 id). The one decoder: every relay route and the case poll use it.
 */
export function decodeThreadId(threadId: unknown, keys: ThreadKeys): ConversationRef | undefined {
  if (typeof threadId !== "string" || threadId.length > MAX_THREAD_ID_LENGTH) return undefined;
  let payload: string;
  if (threadId.startsWith(PREFIX)) {
    const dot = threadId.lastIndexOf(".");
    payload = threadId.slice(PREFIX.length, dot);
    const mac = threadId.slice(dot + 1);
    if (dot <= PREFIX.length || mac.length !== MAC_CHARS || !BASE64URL.test(mac) || !BASE64URL.test(payload)) {
      return undefined;
    }
    // Compared as strings: the MAC's last character has two spare bits, so only the canonical spelling is ours.
    const given = Buffer.from(mac, "latin1");
    const { timingSafeEqual } = nodeCrypto();
    if (!keys.macKeys.some((key) => timingSafeEqual(given, Buffer.from(sign(key, payload), "latin1")))) {
      return undefined;
    }
  } else if (threadId.startsWith(LEGACY_PREFIX) && keys.now() < keys.legacyUntil) {
    payload = threadId.slice(LEGACY_PREFIX.length);
    if (!BASE64URL.test(payload)) return undefined;
  } else {
    return undefined;
  }
  const ref = parsePayload(payload);
  if (!ref || (keys.urlTokens.size > 0 && !keys.urlTokens.has(ref.urlToken))) return undefined;
  return ref;
}

function parsePayload(payload: string): ConversationRef | undefined {
  const bytes = Buffer.from(payload, "base64url");
  // Canonical base64url only: another spelling of the same bytes is not an id we made.
  if (bytes.toString("base64url") !== payload) return undefined;
  try {
    const value: unknown = JSON.parse(bytes.toString("utf8"));
    // Five elements, or six with the waiting options (ids made before those existed have five).
    if (!Array.isArray(value) || value.length < 5 || value.length > 6) return undefined;
    const [userId, sessionId, urlToken, handoverId, flags, packed] = value;
    // Flags are bits, so threads written before a flag existed decode as before.
    if (threadIdProblem({ userId, sessionId, urlToken, handoverId }, flags)) return undefined;
    const wait = value.length === 6 ? unpackWaitSettings(packed) : undefined;
    return {
      userId,
      sessionId,
      urlToken,
      handoverId,
      displayAgentDetails: (flags & 1) === 1,
      flowAnnouncesAgent: (flags & 2) === 2,
      takesDataEvents: (flags & 4) === 4,
      ...(wait ? { wait } : {}),
    };
  } catch {
    return undefined;
  }
}
