import { EventEmitter } from "node:events";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { z } from "zod";
import type { FlowExecution, FlowRunner } from "./flow";
import type { Session } from "./runtime";

/**
 * A Cognigy endpoint on loopback: the end user's chat, plus the Notify and Inject routes the relay delivers into
 * (`POST /notify/{URLToken}`, `POST /inject/{URLToken}`, and the older `POST /new/v2.0/endpoint/notify|inject` with
 * an API key), with Cognigy's body limits. Notify shows output to the user; Inject runs the flow as if the user had
 * written. Inputs of one session run one at a time, in arrival order. Every output is drawn the way Webchat v3 draws
 * it: a Notify has no `source`, so it is a bot message.
 */

/** Who produced an entry: the user, the flow (bot), an agent message or another notice the relay sent, an error. */
export type Speaker = "user" | "bot" | "agent" | "system";

/** What Webchat v3 shows for an output (Cognigy/Webchat message-handler/middleware, @cognigy/chat-components). */
export interface Drawn {
  /** A chat bubble, an event chip (`_cognigy._webchat3` liveAgentEvent), or nothing at all. */
  as: "bubble" | "chip" | "nothing";
  /** Bubbles of outputs without a `source` are the bot's; Notify never carries one. */
  source?: "bot" | "user";
  name?: string;
  avatarUrl?: string;
}

export const DEFAULT_BOT_NAME = "Bot";
export const DEFAULT_BOT_AVATAR = "bot-logo.png";

export interface ChatEntry {
  at: Date;
  from: Speaker;
  text: string;
  data?: unknown;
  /** Which conversation (urlToken|userId|sessionId). */
  conversation: string;
  drawn: Drawn;
}

// biome-ignore lint/suspicious/noExplicitAny: output data is free-form; drawOutput reads it defensively.
type Bag = Record<string, any>;

/** Webchat v3's drawing of one output; updates the conversation's persistent bot avatar override first. */
export function drawOutput(text: string, data: unknown, look: { botAvatarOverrideUrl?: string }): Drawn {
  const d = (data && typeof data === "object" ? data : {}) as Bag;
  const webchat = (d._webchat ?? {}) as Bag;
  if (typeof webchat.botAvatarOverrideUrl === "string") look.botAvatarOverrideUrl = webchat.botAvatarOverrideUrl;
  const event = d._cognigy?._webchat3;
  if (event?.type) {
    return event.type === "liveAgentEvent" && event.payload?.text ? { as: "chip" } : { as: "nothing" };
  }
  const renderable = !!text || !!d._cognigy?._webchat || !!d._cognigy?._default || Array.isArray(d.attachments);
  if (!renderable) return { as: "nothing" };
  return {
    as: "bubble",
    source: "bot",
    name: typeof webchat.botAvatarOverrideNameOnce === "string" ? webchat.botAvatarOverrideNameOnce : DEFAULT_BOT_NAME,
    avatarUrl: webchat.botAvatarOverrideUrlOnce || look.botAvatarOverrideUrl || DEFAULT_BOT_AVATAR,
  };
}

/** What Cognigy's Notify and Inject routes accept (docs: Inject and Notify); fakes of Cognigy share it. */
export const cognigyBodySchema = z.object({
  userId: z.string().min(1).max(256),
  sessionId: z.string().min(1).max(256),
  text: z.string().max(10_000).optional(),
  data: z.record(z.unknown()).optional(),
});

/** The older route (rest-api-client 0.19.0 `INotifyRestDataBody_2_0`): URLToken in the body, text and data required. */
const legacyBodySchema = z.object({
  URLToken: z.string().min(1),
  userId: z.string(),
  sessionId: z.string(),
  text: z.string(),
  data: z.record(z.unknown()),
});

export interface Conversation {
  userId: string;
  sessionId: string;
  urlToken: string;
}

export class CognigyEndpoint extends EventEmitter {
  readonly chat: ChatEntry[] = [];
  readonly executions: { conversation: string; input: { text?: string; data?: unknown }; result: FlowExecution }[] = [];
  url = "";
  private readonly app: FastifyInstance;
  private readonly queues = new Map<string, Promise<unknown>>();
  private failures: { route: "notify" | "inject"; status: number; remaining: number }[] = [];

  /** Per conversation: Webchat's persistent `botAvatarOverrideUrl`. */
  private readonly looks = new Map<string, { botAvatarOverrideUrl?: string }>();

  constructor(
    private readonly runner: FlowRunner,
    /** The API key the older `/new/v2.0/endpoint/notify|inject` route requires (that route is off without one). */
    private readonly apiKey?: string,
  ) {
    super();
    this.app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
    // What the relay delivered and what it was answered, for the web demo's boundary log.
    this.app.addHook("onResponse", async (req, reply) => {
      this.emit("request", { method: req.method, url: req.url, body: req.body, status: reply.statusCode });
    });
    this.app.post("/:route/:urlToken", async (req, reply) => {
      const { route, urlToken } = req.params as { route: string; urlToken: string };
      if (route !== "notify" && route !== "inject") return reply.code(404).send({ error: "unknown route" });
      return this.handle(route, urlToken, req.body, reply);
    });
    this.app.post("/new/v2.0/endpoint/:route", async (req, reply) => {
      const { route } = req.params as { route: string };
      if (route !== "notify" && route !== "inject") return reply.code(404).send({ error: "unknown route" });
      if (!this.apiKey || req.headers["x-api-key"] !== this.apiKey) return reply.code(401).send({ error: "api key" });
      const parsed = legacyBodySchema.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return reply.code(400).send({ error: `${issue.path.join(".")}: ${issue.message}` });
      }
      const { URLToken, ...body } = parsed.data;
      return this.handle(route, URLToken, body, reply);
    });
  }

  private async handle(route: "notify" | "inject", urlToken: string, body: unknown, reply: FastifyReply) {
    const failure = this.failures.find((f) => f.route === route && f.remaining > 0);
    if (failure) {
      failure.remaining -= 1;
      return reply.code(failure.status).send({ error: "scripted failure" });
    }
    const parsed = cognigyBodySchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return reply.code(400).send({ error: `${issue.path.join(".")}: ${issue.message}` });
    }
    const conversation = { urlToken, userId: parsed.data.userId, sessionId: parsed.data.sessionId };
    if (route === "notify") {
      // Agent messages come as Notify with event agentMessage; other Notifies are notices (agent details, typing).
      const event = (parsed.data.data?.cxone as { event?: string } | undefined)?.event;
      const from = event === undefined || event === "agentMessage" ? "agent" : "system";
      this.record(conversation, from, parsed.data.text ?? "", parsed.data.data);
      // Cognigy answers a success string; it does not prove the user saw anything.
      return reply.code(200).send("Successfully sent notify");
    }
    await this.input(conversation, { text: parsed.data.text, data: parsed.data.data }, "api");
    return reply.code(200).send("Successfully injected");
  }

  async start(): Promise<this> {
    const address = await this.app.listen({ host: "127.0.0.1", port: 0 });
    this.url = address.replace("localhost", "127.0.0.1");
    return this;
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  /** The next `times` calls to a route answer `status` (Cognigy outage). */
  fail(route: "notify" | "inject", status: number, times = 1): void {
    this.failures.push({ route, status, remaining: times });
  }

  /** The end user writes in the chat: the flow runs for it. */
  userSays(conversation: Conversation, text: string, data?: Record<string, unknown>): Promise<FlowExecution> {
    this.record(conversation, "user", text, data);
    return this.input(conversation, { text, data }, "user");
  }

  /** The session user input of this conversation currently runs in (a new one after the session expired). */
  session(conversation: Conversation): Session {
    return this.runner.session({ ...conversation, sessionId: this.runner.currentSessionId(conversation) });
  }

  /** Resolves when an entry matching the predicate is (or already was) in the chat. */
  waitFor(predicate: (e: ChatEntry) => boolean, timeoutMs = 10_000, description = "chat entry"): Promise<ChatEntry> {
    const found = this.chat.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("entry", listener);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}`));
      }, timeoutMs);
      const listener = (entry: ChatEntry) => {
        if (!predicate(entry)) return;
        clearTimeout(timer);
        this.off("entry", listener);
        resolve(entry);
      };
      this.on("entry", listener);
    });
  }

  private input(conversation: Conversation, input: { text?: string; data?: unknown }, source: "user" | "api") {
    const key = keyOf(conversation);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      const result = await this.runner.execute(conversation, input, source);
      this.executions.push({ conversation: key, input, result });
      for (const output of result.outputs) this.record(conversation, "bot", output.text ?? "", output.data);
      for (const error of result.errors) this.record(conversation, "system", `flow error: ${String(error)}`);
      return result;
    });
    this.queues.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  private record(conversation: Conversation, from: Speaker, text: string, data?: unknown) {
    const key = keyOf(conversation);
    let drawn: Drawn;
    if (from === "user") drawn = { as: "bubble", source: "user" };
    else if (from === "system" && data === undefined) drawn = { as: "nothing" };
    else {
      const look = this.looks.get(key) ?? {};
      this.looks.set(key, look);
      drawn = drawOutput(text, data, look);
    }
    const entry: ChatEntry = { at: new Date(), from, text, data, conversation: key, drawn };
    this.chat.push(entry);
    this.emit("entry", entry);
  }
}

export const keyOf = (c: Conversation) => `${c.urlToken}|${c.userId}|${c.sessionId}`;
