import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import { type FlowExecution, FlowRunner } from "./flow";
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

export type CognigyRoute = "notify" | "inject";

/** One Notify or Inject as it arrived, and the status it was answered with (none for a hung call). */
export interface CognigyCall {
  route: CognigyRoute;
  urlToken: string;
  /** The older `/new/v2.0/endpoint/…` route was used (URL token in the body, API key header). */
  apiRoute?: boolean;
  apiKey?: string;
  /** As sent (unchecked when the call was refused before validation). */
  body: { userId: string; sessionId: string; text?: string; data?: { cxone?: Record<string, unknown> } & object };
  status: number;
}

/** A scripted fault (Cognigy outage, overload, a hanging load balancer) for the next matching calls. */
interface Fault {
  route?: CognigyRoute;
  /** Only this conversation's calls (its URL token): Cognigy refusing one session while serving the others. */
  urlToken?: string;
  status?: number;
  hang?: boolean;
  delayMs?: number;
  /** Matching calls let through before the fault applies. */
  skip: number;
  remaining: number;
}

export interface CognigyEndpointOptions {
  /** The flow Inject and user input run (default: an empty flow, for tests that only look at deliveries). */
  runner?: FlowRunner;
  /** The API key the older `/new/v2.0/endpoint/notify|inject` route requires (that route is off without one). */
  apiKey?: string;
}

export class CognigyEndpoint extends EventEmitter {
  readonly chat: ChatEntry[] = [];
  readonly executions: { conversation: string; input: { text?: string; data?: unknown }; result: FlowExecution }[] = [];
  /** Every Notify/Inject, in arrival order (route, token, body, answer). */
  readonly calls: CognigyCall[] = [];
  url = "";
  /** Calls held by a `delay` fault right now. */
  inFlight = 0;
  private readonly app: FastifyInstance;
  private readonly runner: FlowRunner;
  private readonly apiKey?: string;
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly faults: Fault[] = [];
  private readonly hung = new Set<Socket>();
  private readonly connections = new Set<Socket>();

  /** Per conversation: Webchat's persistent `botAvatarOverrideUrl`. */
  private readonly looks = new Map<string, { botAvatarOverrideUrl?: string }>();

  constructor(options: CognigyEndpointOptions = {}) {
    super();
    this.runner = options.runner ?? new FlowRunner({ nodes: [] }, []);
    this.apiKey = options.apiKey;
    this.app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
    this.app.server.on("connection", (socket: Socket) => {
      this.connections.add(socket);
      socket.once("close", () => this.connections.delete(socket));
    });
    // What the relay delivered and what it was answered, for the web demo's boundary log.
    this.app.addHook("onResponse", async (req, reply) => {
      this.emit("request", { method: req.method, url: req.url, body: req.body, status: reply.statusCode });
    });
    this.app.post<{ Params: { route: string; urlToken: string } }>("/:route/:urlToken", async (req, reply) => {
      const { route, urlToken } = req.params;
      if (route !== "notify" && route !== "inject") return reply.code(404).send({ error: "unknown route" });
      return this.handle({ route, urlToken, body: req.body as CognigyCall["body"], status: 0 }, req, reply);
    });
    this.app.post<{ Params: { route: string } }>("/new/v2.0/endpoint/:route", async (req, reply) => {
      const { route } = req.params;
      if (route !== "notify" && route !== "inject") return reply.code(404).send({ error: "unknown route" });
      const { URLToken, ...body } = (req.body ?? {}) as { URLToken?: unknown };
      const apiKey = req.headers["x-api-key"];
      const call: CognigyCall = {
        route,
        urlToken: typeof URLToken === "string" ? URLToken : "",
        apiRoute: true,
        apiKey: typeof apiKey === "string" ? apiKey : undefined,
        body: body as CognigyCall["body"],
        status: 0,
      };
      if (!this.apiKey || call.apiKey !== this.apiKey) return this.answer(call, reply, 401, { error: "api key" });
      const parsed = legacyBodySchema.safeParse(req.body);
      if (!parsed.success) return this.answer(call, reply, 400, { error: reason(parsed.error) });
      return this.handle(call, req, reply);
    });
  }

  private async handle(call: CognigyCall, req: FastifyRequest, reply: FastifyReply) {
    const fault = this.nextFault(call.route, call.urlToken);
    if (fault?.delayMs) {
      this.inFlight++;
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      this.inFlight--;
    }
    if (fault?.hang) {
      // Never answer: the caller's timeout fires; the socket is dropped when the caller gives up (or at stop()).
      const socket = req.raw.socket;
      this.hung.add(socket);
      socket.once("close", () => this.hung.delete(socket));
      reply.hijack();
      return;
    }
    if (fault?.status !== undefined) return this.answer(call, reply, fault.status, { error: "scripted failure" });
    const parsed = cognigyBodySchema.safeParse(call.body);
    if (!parsed.success) return this.answer(call, reply, 400, { error: reason(parsed.error) });
    const conversation = { urlToken: call.urlToken, userId: parsed.data.userId, sessionId: parsed.data.sessionId };
    if (call.route === "notify") {
      // Agent messages come as Notify with event agentMessage; other Notifies are notices (agent details, typing).
      const event = (parsed.data.data?.cxone as { event?: string } | undefined)?.event;
      const from = event === undefined || event === "agentMessage" ? "agent" : "system";
      this.record(conversation, from, parsed.data.text ?? "", parsed.data.data);
      // Cognigy answers a success string; it does not prove the user saw anything.
      return this.answer(call, reply, 200, "Successfully sent notify");
    }
    await this.input(conversation, { text: parsed.data.text, data: parsed.data.data }, "api");
    return this.answer(call, reply, 200, "Successfully injected");
  }

  /** Records the call before answering it, so a caller that has its answer always finds the call in `calls`. */
  private answer(call: CognigyCall, reply: FastifyReply, status: number, body: unknown) {
    this.calls.push({ ...call, status });
    return reply.code(status).send(body);
  }

  private nextFault(route: CognigyRoute, urlToken: string): Fault | undefined {
    const fault = this.faults.find(
      (f) => (!f.route || f.route === route) && (!f.urlToken || f.urlToken === urlToken) && f.remaining > 0,
    );
    if (!fault) return undefined;
    if (fault.skip > 0) {
      fault.skip -= 1;
      return undefined;
    }
    fault.remaining -= 1;
    return fault;
  }

  async start(): Promise<this> {
    const address = await this.app.listen({ host: "127.0.0.1", port: 0 });
    this.url = address.replace("localhost", "127.0.0.1");
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.hung) socket.destroy();
    await this.app.close();
  }

  /** Connections open to this endpoint now: a caller's keep-alive sockets stay open until the caller closes them. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** The next `times` calls (to `route`, or to either; after letting `skip` through) answer `status`. */
  fail(status: number, times = 1, route?: CognigyRoute, skip = 0): void {
    this.faults.push({ route, status, remaining: times, skip });
  }

  /** The next `times` calls of one conversation (by URL token; to `route`, or to either) answer `status`. */
  failFor(urlToken: string, status: number, times = 1, route?: CognigyRoute): void {
    this.faults.push({ route, urlToken, status, remaining: times, skip: 0 });
  }

  /** The next `times` calls get no answer at all (the caller's timeout fires). */
  hang(times = 1, route?: CognigyRoute): void {
    this.faults.push({ route, hang: true, remaining: times, skip: 0 });
  }

  /** The next `times` calls are answered normally, but only after `ms` (a slow Cognigy). */
  delay(ms: number, times = 1, route?: CognigyRoute): void {
    this.faults.push({ route, delayMs: ms, remaining: times, skip: 0 });
  }

  /** Forgets the calls, chat and executions seen and any faults not yet used (between tests sharing one endpoint). */
  reset(): void {
    this.calls.length = 0;
    this.faults.length = 0;
    this.chat.length = 0;
    this.executions.length = 0;
    this.looks.clear();
  }

  /** Calls Cognigy accepted (2xx), optionally of one route, URL token or cxone event. */
  delivered(filter: { route?: CognigyRoute; event?: string; urlToken?: string } = {}): CognigyCall[] {
    return this.calls.filter(
      (c) =>
        c.status >= 200 &&
        c.status < 300 &&
        (!filter.route || c.route === filter.route) &&
        (!filter.urlToken || c.urlToken === filter.urlToken) &&
        (!filter.event || c.body.data?.cxone?.event === filter.event),
    );
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

/** Cognigy's 400 names the first field it refused. */
const reason = (error: z.ZodError) => `${error.issues[0].path.join(".")}: ${error.issues[0].message}`;
