import type { World } from "../world";

/**
 * What crossed each boundary of the handover, for the page's log: requests to CXone (from the nodes and the relay),
 * CXone's calls to the relay, and the relay's Notify/Inject into Cognigy. Secrets never get in: credential fields are
 * replaced by "[hidden]" and every credential and issued token is cut out of any text before an entry is stored.
 */

export type Boundary = "to CXone" | "CXone → relay" | "relay → Cognigy";

export interface LogEntry {
  seq: number;
  at: string;
  boundary: Boundary;
  summary: string;
  status?: number;
  detail?: unknown;
}

const SECRET_KEY = /secret|password|token|authorization|access_?key|cookie/i;

/** Deep copy with credential-named fields hidden and every known secret cut out of strings. */
export function redact(value: unknown, secrets: string[]): unknown {
  if (typeof value === "string") {
    let text = value;
    for (const s of secrets) if (s) text = text.split(s).join("[hidden]");
    return text;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? "[hidden]" : redact(v, secrets);
    return out;
  }
  return value;
}

/** The path, with long ids (thread ids, URL tokens) shortened so a line stays readable; the detail keeps them whole. */
const pathOf = (url: string) => {
  let path = url.split("?")[0];
  try {
    path = new URL(url).pathname;
  } catch {
    // already a path
  }
  return path
    .split("/")
    .map((part) => (part.length > 24 ? `${part.slice(0, 10)}…${part.slice(-6)}` : part))
    .join("/");
};

export class BoundaryLog {
  readonly entries: LogEntry[] = [];
  private seq = 0;
  private sandboxCursor = 0;
  private polls = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly world: World,
    /** Asked on every entry: tokens are issued while the demo runs. */
    private readonly secrets: () => string[],
    private readonly max = 500,
  ) {
    world.agent.onCall = (call) =>
      this.add(
        "CXone → relay",
        `POST ${pathOf(call.url)}`,
        call.status,
        call.body ? { body: call.body, answer: call.answer } : { body: "[hidden: client credentials]" },
      );
    world.endpoint.on("request", (r: { method: string; url: string; body: unknown; status: number }) =>
      this.add("relay → Cognigy", `${r.method} ${pathOf(r.url)}`, r.status, { body: r.body }),
    );
    // The sandbox records its requests in an array; reading it on a short timer keeps cxone-sandbox.ts untouched.
    this.timer = setInterval(() => this.readSandbox(), 100);
    this.timer.unref();
  }

  since(after: number): { entries: LogEntry[]; relayPolls: number } {
    return { entries: this.entries.filter((e) => e.seq > after), relayPolls: this.polls };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private readSandbox() {
    const requests = this.world.sandbox.requests;
    if (requests.length < this.sandboxCursor) this.sandboxCursor = 0;
    for (const r of requests.slice(this.sandboxCursor)) {
      // The relay's case search runs every poll interval: counted, not listed, or it would bury everything else.
      if (r.method === "GET" && r.path === "/dfo/3.0/contacts") this.polls++;
      else this.add("to CXone", `${r.method} ${r.path}`, undefined, { authorized: r.authorized });
    }
    this.sandboxCursor = requests.length;
  }

  private add(boundary: Boundary, summary: string, status?: number, detail?: unknown) {
    const secrets = this.secrets();
    this.entries.push({
      seq: ++this.seq,
      at: new Date().toISOString(),
      boundary,
      summary: redact(summary, secrets) as string,
      status,
      detail: detail === undefined ? undefined : redact(detail, secrets),
    });
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }
}
