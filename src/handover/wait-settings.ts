/**
 * What a handover asked for while it waits for an agent (queue updates) and while nobody writes (inactivity): set on
 * the Hand over node, carried to the relay inside the signed thread id (src/handover/thread.ts), so no store sits
 * between the flow and the relay and a relay restart or another relay instance still knows them. One rule in one place:
 * Hand over writes with encodeWaitSettings, the relay reads with decodeWaitSettings; defaults live here only.
 *
 * The thread id is length-limited, so the encoding is compact and a text equal to its default is left out.
 */

import { CxoneConfigError } from "../cxone/errors";

export const DEFAULT_QUEUE_UPDATE_TEXT = "You are number {position} in the queue. The wait is about {wait} minutes.";
export const DEFAULT_ALTERNATIVE_TEXT = "All our agents are busy right now; the wait is long.";
export const DEFAULT_INACTIVITY_MESSAGE = "This conversation with an agent has ended because nobody wrote for a while.";
export const DEFAULT_INACTIVITY_WARNING =
  "Are you still there? This conversation ends in one minute without a message.";
/** Longest text the node accepts per option: the texts travel in the thread id (1,024 characters in all). */
export const MAX_WAIT_TEXT_LENGTH = 200;
export const MIN_UPDATE_INTERVAL_SECONDS = 10;
export const DEFAULT_UPDATE_INTERVAL_SECONDS = 60;

/**
 * Each number's range, in the unit WaitSettings holds, and the Hand over field that sets it. One check for both ends:
 * Hand over refuses a value outside (packWaitSettings, naming the field), the relay reads one as "off".
 */
export const WAIT_LIMITS = {
  intervalSeconds: { field: "updateIntervalQueuePosition", min: MIN_UPDATE_INTERVAL_SECONDS, max: 86_400 },
  maxPosition: { field: "maximumQueuePosition", min: 1, max: 1e9 },
  maxWaitMs: { field: "maximumEstimatedWaitTime", min: 1, max: 1e12 },
  timeoutSeconds: { field: "inactivityTimeout", min: 1, max: 7 * 86_400 },
} as const;
type WaitLimit = keyof typeof WAIT_LIMITS;

/** `v` when it is a number inside its limit, else undefined. */
function withinLimit(limit: WaitLimit, v: unknown): number | undefined {
  const { min, max } = WAIT_LIMITS[limit];
  return typeof v === "number" && Number.isFinite(v) && v >= min && v <= max ? v : undefined;
}

/** `v` (undefined stays undefined); outside its limit a CxoneConfigError naming the Hand over field. */
function checked<T extends number | undefined>(limit: WaitLimit, v: T): T {
  if (v === undefined || withinLimit(limit, v) !== undefined) return v;
  const { field, min, max } = WAIT_LIMITS[limit];
  throw new CxoneConfigError(field, `is ${v} as ${limit}; the relay takes ${min} to ${max}`);
}

export interface QueueUpdateSettings {
  position: boolean;
  estimatedWait: boolean;
  intervalSeconds: number;
  /** Update text with `{position}` and `{wait}` (minutes); used when every placeholder in it has a value. */
  text: string;
  /** Maximum queue position: a position above it is "too long". */
  maxPosition?: number;
  /** Maximum estimated wait in milliseconds (Cognigy's unit for this option). */
  maxWaitMs?: number;
  alternativeText: string;
}

export interface InactivitySettings {
  timeoutSeconds: number;
  message: string;
  /** Warning one minute before the end (undefined: no warning). */
  warning?: string;
}

export interface WaitSettings {
  queue?: QueueUpdateSettings;
  inactivity?: InactivitySettings;
}

/** Compact form inside the thread id's payload: short keys, defaults left out. */
interface Packed {
  q?: [flags: number, intervalSeconds: number, maxPosition: number, maxWaitMs: number];
  qt?: string;
  qa?: string;
  i?: [timeoutSeconds: number, warn: number];
  im?: string;
  iw?: string;
}

export function packWaitSettings(s: WaitSettings): Packed | undefined {
  const out: Packed = {};
  if (s.queue) {
    const q = s.queue;
    out.q = [
      (q.position ? 1 : 0) | (q.estimatedWait ? 2 : 0),
      checked("intervalSeconds", q.intervalSeconds),
      checked("maxPosition", q.maxPosition) ?? 0,
      checked("maxWaitMs", q.maxWaitMs) ?? 0,
    ];
    if (q.text !== DEFAULT_QUEUE_UPDATE_TEXT) out.qt = q.text;
    if (q.alternativeText !== DEFAULT_ALTERNATIVE_TEXT) out.qa = q.alternativeText;
  }
  if (s.inactivity) {
    const i = s.inactivity;
    out.i = [checked("timeoutSeconds", i.timeoutSeconds), i.warning === undefined ? 0 : 1];
    if (i.message !== DEFAULT_INACTIVITY_MESSAGE) out.im = i.message;
    if (i.warning !== undefined && i.warning !== DEFAULT_INACTIVITY_WARNING) out.iw = i.warning;
  }
  return out.q || out.i ? out : undefined;
}

const text = (v: unknown, fallback: string) =>
  typeof v === "string" && v.length <= MAX_WAIT_TEXT_LENGTH ? v : fallback;

/** The settings of a decoded payload element; anything malformed reads as "off" (the MAC already vouched for it). */
export function unpackWaitSettings(raw: unknown): WaitSettings | undefined {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const p = raw as Packed;
  const out: WaitSettings = {};
  if (Array.isArray(p.q) && p.q.length === 4) {
    const [flags, interval, maxPosition, maxWaitMs] = p.q;
    const f = typeof flags === "number" && flags >= 0 && flags <= 3 ? flags : undefined;
    const seconds = withinLimit("intervalSeconds", interval);
    if (f !== undefined && seconds !== undefined) {
      out.queue = {
        position: (f & 1) === 1,
        estimatedWait: (f & 2) === 2,
        intervalSeconds: seconds,
        text: text(p.qt, DEFAULT_QUEUE_UPDATE_TEXT),
        maxPosition: withinLimit("maxPosition", maxPosition),
        maxWaitMs: withinLimit("maxWaitMs", maxWaitMs),
        alternativeText: text(p.qa, DEFAULT_ALTERNATIVE_TEXT),
      };
    }
  }
  if (Array.isArray(p.i) && p.i.length === 2) {
    const seconds = withinLimit("timeoutSeconds", p.i[0]);
    if (seconds !== undefined) {
      out.inactivity = {
        timeoutSeconds: seconds,
        message: text(p.im, DEFAULT_INACTIVITY_MESSAGE),
        ...(p.i[1] === 1 ? { warning: text(p.iw, DEFAULT_INACTIVITY_WARNING) } : {}),
      };
    }
  }
  return out.queue || out.inactivity ? out : undefined;
}

/**
 * The update text for what is known. A text whose placeholders all have a value is used as written; otherwise the
 * sentences of the text that name only known values are kept (sentence = up to `.`, `!` or `?`), so a flow's own
 * wording and language survive when the estimate is missing. Nothing known: undefined (no update is sent).
 */
export function queueUpdateText(template: string, position?: number, waitSeconds?: number): string | undefined {
  const values: Record<string, string | undefined> = {
    position: position === undefined ? undefined : String(position),
    wait: waitSeconds === undefined ? undefined : String(Math.max(1, Math.round(waitSeconds / 60))),
  };
  const fill = (s: string) => s.replace(/\{(position|wait)\}/g, (_, k: string) => values[k] ?? "");
  const missing = (s: string) => [...s.matchAll(/\{(position|wait)\}/g)].some((m) => values[m[1]] === undefined);
  if (!missing(template)) return fill(template).trim() || undefined;
  const kept = (template.match(/[^.!?]+[.!?]*/g) ?? [])
    .filter((sentence) => /\{(position|wait)\}/.test(sentence) && !missing(sentence))
    .map((s) => fill(s).trim());
  return kept.length ? kept.join(" ") : undefined;
}
