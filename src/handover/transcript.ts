import { userText } from "./cognigy-platform";

/**
 * The bot conversation an agent reads before answering: where it comes from (several Cognigy sources, each read
 * defensively), how turns are labelled, which personal data is masked, and how it is cut into as few CXone messages
 * as possible without splitting a turn. Pure functions: no I/O, no Cognigy api.
 */

import { redactPii } from "./pii";

export type Speaker = "user" | "bot" | "agent";

export interface TranscriptEntry {
  source: Speaker;
  text: string;
}

export interface TranscriptSources {
  /**
   * `cognigy.lastConversationEntries` (newer platforms, only with Generative AI on): NEWEST first, index 0 is the
   * current input, about the last 10 turns (Cognigy's own nodes read it with `.slice(0, n).reverse()`).
   */
  lastConversationEntries?: unknown;
  /** `input.transcript` written by the built-in Get Transcript node (items carry a `timestamp`). */
  inputTranscript?: unknown;
  /** `context.transcript` written by the built-in Get Transcript node. */
  contextTranscript?: unknown;
  /** The node's JSON / CognigyScript field. */
  field?: unknown;
}

export type TranscriptOrigin = "lastConversationEntries" | "input.transcript" | "context.transcript" | "field";

const USER_ROLES = new Set(["user", "human", "customer", "input", "enduser", "end_user", "contact", "visitor"]);
const BOT_ROLES = new Set(["bot", "assistant", "ai", "output", "virtualagent", "virtual_agent", "system_bot"]);
const AGENT_ROLES = new Set(["agent", "liveagent", "live_agent", "humanagent"]);

function speakerOf(value: unknown): Speaker | undefined {
  if (typeof value !== "string") return undefined;
  const v = value.trim().toLowerCase().replace(/[\s-]/g, "");
  if (USER_ROLES.has(v)) return "user";
  if (BOT_ROLES.has(v)) return "bot";
  if (AGENT_ROLES.has(v)) return "agent";
  return undefined;
}

function textOf(item: Record<string, unknown>): string | undefined {
  const payload = item.payload as Record<string, unknown> | undefined;
  // Get Transcript items without a text (cards, buttons) carry a readable `payload.textAlternative`; a data-only
  // input's implicit DATA_ONLY_MESSAGE_… text is not something anybody said.
  const candidates = [item.text, payload?.text, payload?.textAlternative, item.content, item.message, item.value];
  for (const candidate of candidates) {
    const text = userText(candidate).trim();
    if (text) return text;
  }
  return undefined;
}

/** Milliseconds of a Get Transcript `timestamp` (ISO string or epoch number), or NaN. */
function timeOf(item: unknown): number {
  const t = item && typeof item === "object" ? (item as Record<string, unknown>).timestamp : undefined;
  if (typeof t === "number") return t;
  return typeof t === "string" ? Date.parse(t) : Number.NaN;
}

/** Get Transcript output in time order when every item has a timestamp (a stable sort keeps equal times in place). */
function byTimestamp(raw: unknown): unknown {
  if (!Array.isArray(raw) || raw.length < 2 || raw.some((item) => Number.isNaN(timeOf(item)))) return raw;
  return raw
    .map((item, i) => ({ item, i, t: timeOf(item) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.item);
}

/** lastConversationEntries oldest first, as the agent reads it. */
function oldestFirst(raw: unknown): unknown {
  return Array.isArray(raw) ? [...raw].reverse() : raw;
}

/** One entry of any known shape ({source,text}, {role,payload:{text}}, {type:"input"|"output",…}), else undefined. */
function toEntry(item: unknown): TranscriptEntry | undefined {
  if (!item || typeof item !== "object") return undefined;
  const o = item as Record<string, unknown>;
  const source =
    speakerOf(o.source) ?? speakerOf(o.role) ?? speakerOf(o.from) ?? speakerOf(o.speaker) ?? speakerOf(o.type);
  const text = textOf(o);
  return source && text ? { source, text } : undefined;
}

const LINE_LABEL = /^\s*(user|customer|human|bot|assistant|ai|virtual agent|agent)\s*:\s?(.*)$/i;

/** A transcript already flattened to "User: …\nBot: …" text; unlabelled lines continue the previous turn. */
function fromText(text: string): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = LINE_LABEL.exec(line);
    if (m) {
      entries.push({ source: speakerOf(m[1]) ?? "user", text: m[2].trim() });
    } else if (line.trim()) {
      const last = entries[entries.length - 1];
      if (last) last.text = last.text ? `${last.text}\n${line.trim()}` : line.trim();
      else entries.push({ source: "user", text: line.trim() });
    }
  }
  return entries.filter((e) => e.text);
}

/** Turns of a transcript in any shape we know; [] for anything unreadable. */
export function normalizeTranscript(raw: unknown): TranscriptEntry[] {
  if (raw == null) return [];
  if (typeof raw === "string") {
    const trimmed = raw.trim();
    if (!trimmed) return [];
    if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
      try {
        return normalizeTranscript(JSON.parse(trimmed));
      } catch {
        // Not JSON after all: a text transcript that happens to start with a bracket.
      }
    }
    return fromText(trimmed);
  }
  if (Array.isArray(raw)) return raw.map(toEntry).filter((e): e is TranscriptEntry => !!e);
  if (typeof raw === "object") {
    const o = raw as Record<string, unknown>;
    for (const key of ["entries", "transcript", "messages", "data"]) {
      if (o[key] !== undefined) return normalizeTranscript(o[key]);
    }
  }
  return [];
}

/**
 * The first source that yields turns, oldest turn first, in the documented order: the Get Transcript node's output
 * (the whole session, as far as the designer asked for it) before lastConversationEntries (about 10 turns, and only
 * with Generative AI on); or only the field when the designer chose it.
 */
export function collectTranscript(
  sources: TranscriptSources,
  mode: "auto" | "field" = "auto",
): { entries: TranscriptEntry[]; origin?: TranscriptOrigin } {
  const order: [TranscriptOrigin, unknown][] =
    mode === "field"
      ? [["field", sources.field]]
      : [
          ["input.transcript", byTimestamp(sources.inputTranscript)],
          ["context.transcript", byTimestamp(sources.contextTranscript)],
          ["lastConversationEntries", oldestFirst(sources.lastConversationEntries)],
          ["field", sources.field],
        ];
  for (const [origin, raw] of order) {
    const entries = normalizeTranscript(raw);
    if (entries.length > 0) return { entries, origin };
  }
  return { entries: [] };
}

// ---- formatting and chunking ----

export const SPEAKER_LABELS: Record<Speaker, string> = { user: "Customer", bot: "Bot", agent: "Agent" };

export function formatTurn(entry: TranscriptEntry): string {
  return `${SPEAKER_LABELS[entry.source]}: ${entry.text}`;
}

export interface ChunkOptions {
  /** Longest message text, header included. */
  maxChars: number;
  /** Most messages to send; older turns beyond them are left out (with a note), the latest turns always go. */
  maxMessages: number;
  /** First line of the first message (e.g. who the customer is). */
  intro?: string;
}

/** Default message size: see the README ("Transcript options") for why 4,000. */
export const DEFAULT_MAX_CHARS = 4000;
export const DEFAULT_MAX_MESSAGES = 5;
export const MIN_MAX_CHARS = 500;
/** What the CXone sandbox (and, as far as we know, DFO) accepts in one text message. */
export const HARD_MAX_CHARS = 64_000;

const HEADER = "Conversation with the bot before the handover";
const HEADER_RESERVE = HEADER.length + 16; // " (part 12/12):\n"

/** Cuts one over-long turn at whitespace (or hard, for a long word) into pieces no longer than max. */
function splitLong(line: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(" ", max);
    if (cut < max / 2) cut = max;
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) pieces.push(rest);
  return pieces;
}

/**
 * Packs formatted turns into as few messages as possible: a message breaks only between turns, unless one turn alone
 * is longer than a message. When even maxMessages full messages cannot hold everything, the oldest turns are dropped
 * and the first message says how many.
 */
export function chunkTranscript(lines: string[], options: ChunkOptions): string[] {
  const maxChars = Math.min(HARD_MAX_CHARS, Math.max(MIN_MAX_CHARS, Math.floor(options.maxChars)));
  const maxMessages = Math.max(1, Math.floor(options.maxMessages));
  const intro = options.intro ? `${options.intro}\n` : "";
  // Room for the header, the intro and an "omitted" note, so adding them never overflows a message.
  const budget = maxChars - HEADER_RESERVE - intro.length - 40;
  if (budget < 100) throw new Error("transcript message size too small for the intro");
  const units = lines.flatMap((l) => splitLong(l, budget));

  // Pack from the newest turn backwards so that, if something must go, it is the oldest turns.
  const packed: string[][] = [];
  let current: string[] = [];
  let size = 0;
  let used = 0;
  for (let i = units.length - 1; i >= 0; i--) {
    const unit = units[i];
    const added = current.length ? unit.length + 1 : unit.length;
    if (current.length && size + added > budget) {
      packed.push(current);
      current = [];
      size = 0;
      if (packed.length === maxMessages) break;
    }
    current.unshift(unit);
    size += current.length > 1 ? unit.length + 1 : unit.length;
    used++;
  }
  if (current.length && packed.length < maxMessages) packed.push(current);
  packed.reverse();
  if (packed.length === 0) return [];

  const omitted = units.length - used;
  const n = packed.length;
  return packed.map((chunk, i) => {
    const header = `${HEADER}${n > 1 ? ` (part ${i + 1}/${n})` : ""}:\n`;
    const note = i === 0 && omitted > 0 ? `[${omitted} earlier turn${omitted === 1 ? "" : "s"} left out]\n` : "";
    return (i === 0 ? intro : "") + header + note + chunk.join("\n");
  });
}

/** The whole pipeline: entries → labelled, optionally redacted turns → message texts. */
export function buildTranscriptMessages(
  entries: TranscriptEntry[],
  options: ChunkOptions & { redact: boolean },
): string[] {
  const lines = entries.map((e) => formatTurn(options.redact ? { ...e, text: redactPii(e.text) } : e));
  return chunkTranscript(lines, options);
}
