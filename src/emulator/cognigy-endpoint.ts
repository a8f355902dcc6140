import { EventEmitter } from "node:events";
import Fastify, { type FastifyInstance } from "fastify";
import { z } from "zod";
import type { FlowExecution, FlowRunner } from "./flow";
import type { Session } from "./runtime";

/**
 * A Cognigy endpoint on loopback: the end user's chat, plus the Notify and Inject routes the relay delivers into
 * (`POST /notify/{URLToken}`, `POST /inject/{URLToken}`), with Cognigy's body limits. Notify shows output to the user;
 * Inject runs the flow as if the user had written. Inputs of one session run one at a time, in arrival order.
 */

export type Speaker = "user" | "bot" | "agent" | "system";

export interface ChatEntry {
  at: Date;
  from: Speaker;
  text: string;
  data?: unknown;
  /** Which conversation (urlToken|userId|sessionId). */
  conversation: string;
}

/** What Cognigy's Notify and Inject routes accept (docs: Inject and Notify); fakes of Cognigy share it. */
export const cognigyBodySchema = z.object({
  userId: z.string().min(1).max(256),
  sessionId: z.string().min(1).max(256),
  text: z.string().max(10_000).optional(),
  data: z.record(z.unknown()).optional(),
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

  constructor(private readonly runner: FlowRunner) {
    super();
    this.app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
    this.app.post("/:route/:urlToken", async (req, reply) => {
      const { route, urlToken } = req.params as { route: string; urlToken: string };
      if (route !== "notify" && route !== "inject") return reply.code(404).send({ error: "unknown route" });
      const failure = this.failures.find((f) => f.route === route && f.remaining > 0);
      if (failure) {
        failure.remaining -= 1;
        return reply.code(failure.status).send({ error: "scripted failure" });
      }
      const parsed = cognigyBodySchema.safeParse(req.body);
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
        return reply.code(200).send({ status: "ok" });
      }
      await this.input(conversation, { text: parsed.data.text, data: parsed.data.data }, "inject");
      return reply.code(200).send({ status: "ok" });
    });
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
  userSays(conversation: Conversation, text: string): Promise<FlowExecution> {
    this.record(conversation, "user", text);
    return this.input(conversation, { text }, "user");
  }

  session(conversation: Conversation): Session {
    return this.runner.session(conversation);
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

  private input(conversation: Conversation, input: { text?: string; data?: unknown }, _source: "user" | "inject") {
    const key = keyOf(conversation);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      const session = this.runner.session(conversation);
      const result = await this.runner.execute(session, input);
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
    const entry: ChatEntry = { at: new Date(), from, text, data, conversation: keyOf(conversation) };
    this.chat.push(entry);
    this.emit("entry", entry);
  }
}

export const keyOf = (c: Conversation) => `${c.urlToken}|${c.userId}|${c.sessionId}`;
