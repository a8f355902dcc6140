import type { Socket } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { cognigyBodySchema } from "../../testbed/emulator/cognigy-endpoint";

/**
 * A Cognigy endpoint for relay tests: records every Notify/Inject with Cognigy's body limits, and can be scripted to
 * fail (HTTP status) or to hang (no answer: the relay times out). Only requests it answered 2xx count as delivered.
 */

export interface CognigyCall {
  route: "notify" | "inject";
  urlToken: string;
  /** The older `/new/v2.0/endpoint/…` route was used (URL token in the body, API key header). */
  apiRoute?: boolean;
  apiKey?: string;
  body: { userId: string; sessionId: string; text?: string; data?: { cxone?: Record<string, unknown> } & object };
  status: number;
}

type Script = {
  route?: "notify" | "inject";
  status?: number;
  hang?: boolean;
  delayMs?: number;
  /** Matching calls let through before the script applies. */
  skip: number;
  remaining: number;
};

export class FakeCognigy {
  readonly calls: CognigyCall[] = [];
  url = "";
  private readonly app: FastifyInstance;
  private readonly scripts: Script[] = [];
  private readonly hung = new Set<Socket>();
  /** Calls held by a delay script right now. */
  inFlight = 0;

  constructor() {
    this.app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
    // The older route: accepted and recorded like the endpoint route, so tests can assert which one the relay used.
    this.app.post("/new/v2.0/endpoint/:route", async (req, reply) => {
      const { route } = req.params as { route: "notify" | "inject" };
      const { URLToken, ...body } = req.body as { URLToken: string } & CognigyCall["body"];
      const apiKey = req.headers["x-api-key"] as string | undefined;
      this.calls.push({ route, urlToken: URLToken, body, status: 200, apiRoute: true, apiKey });
      return reply.code(200).send("Successfully sent");
    });
    this.app.post("/:route/:urlToken", async (req, reply) => {
      const { route, urlToken } = req.params as { route: string; urlToken: string };
      if (route !== "notify" && route !== "inject") return reply.code(404).send({ error: "unknown route" });
      let script = this.scripts.find((s) => (!s.route || s.route === route) && s.remaining > 0);
      if (script && script.skip > 0) {
        script.skip -= 1;
        script = undefined;
      }
      if (script) {
        script.remaining -= 1;
        this.inFlight++;
        if (script.delayMs) await new Promise((r) => setTimeout(r, script!.delayMs));
        this.inFlight--;
        if (script.hang) {
          // Never answer: the caller's timeout fires; the socket is dropped when the caller gives up.
          const socket = req.raw.socket;
          this.hung.add(socket);
          socket.once("close", () => this.hung.delete(socket));
          reply.hijack();
          return;
        }
        if (script.status !== undefined) {
          this.calls.push({ route, urlToken, body: req.body as CognigyCall["body"], status: script.status });
          return reply.code(script.status).send({ error: "scripted failure" });
        }
      }
      const parsed = cognigyBodySchema.safeParse(req.body);
      if (!parsed.success) {
        this.calls.push({ route, urlToken, body: req.body as CognigyCall["body"], status: 400 });
        return reply.code(400).send({ error: parsed.error.issues[0].message });
      }
      this.calls.push({ route, urlToken, body: parsed.data as CognigyCall["body"], status: 200 });
      return reply.code(200).send({ status: "ok" });
    });
  }

  async start(): Promise<this> {
    const address = await this.app.listen({ host: "127.0.0.1", port: 0 });
    this.url = address.replace("localhost", "127.0.0.1");
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.hung) s.destroy();
    await this.app.close();
  }

  /** The next `times` calls (to `route`, or any; after letting `skip` through) answer `status`. */
  fail(status: number, times = 1, route?: "notify" | "inject", skip = 0): void {
    this.scripts.push({ route, status, remaining: times, skip });
  }

  /** The next `times` calls get no answer at all. */
  hang(times = 1, route?: "notify" | "inject"): void {
    this.scripts.push({ route, hang: true, remaining: times, skip: 0 });
  }

  /** The next `times` calls are answered normally, but only after `ms`. */
  delay(ms: number, times = 1, route?: "notify" | "inject"): void {
    this.scripts.push({ route, delayMs: ms, remaining: times, skip: 0 });
  }

  get hungCount(): number {
    return this.hung.size;
  }

  reset(): void {
    this.calls.length = 0;
    this.scripts.length = 0;
  }

  /** Calls Cognigy accepted (2xx), optionally of one route / cxone event. */
  delivered(filter: { route?: "notify" | "inject"; event?: string; urlToken?: string } = {}): CognigyCall[] {
    return this.calls.filter(
      (c) =>
        c.status >= 200 &&
        c.status < 300 &&
        (!filter.route || c.route === filter.route) &&
        (!filter.urlToken || c.urlToken === filter.urlToken) &&
        (!filter.event || c.body.data?.cxone?.event === filter.event),
    );
  }
}

export async function startFakeCognigy(): Promise<FakeCognigy> {
  return new FakeCognigy().start();
}
