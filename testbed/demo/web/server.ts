// The web demo: serves the page (user's webchat, agent desk, boundary log) and the desk's JSON routes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { z } from "zod";
import { SocketEndpoint } from "../../emulator/socket-endpoint";
import type { World } from "../world";
import { BoundaryLog } from "./boundary-log";

/**
 * `npm run demo -- --web`: one page on loopback with the end user's webchat (a real `@cognigy/socket-client` talking
 * to the emulator's socket endpoint, served from this same origin), an agent desk playing CXone over the sandbox, and
 * the boundary log. The desk's JSON routes act on the sandbox through its scripted agent, as an agent would in CXone.
 */

export interface WebDemo {
  url: string;
  socket: SocketEndpoint;
  log: BoundaryLog;
  stop(): Promise<void>;
}

export interface WebDemoOptions {
  port?: number;
}

const textSchema = z.object({ text: z.string().trim().min(1).max(10_000) });
/** Files the desk's agent can send, served by the demo itself so the chat can show them without internet. */
const FILES: Record<string, { type: string; caption: string }> = {
  "shipping-label.svg": { type: "image/svg+xml", caption: "Here is your shipping label." },
  "order-1234.txt": { type: "text/plain; charset=utf-8", caption: "And the order summary." },
};
const fileSchema = z.object({ file: z.enum(Object.keys(FILES) as [string, ...string[]]) });
const agentSchema = z.object({ agentId: z.string().min(1) });
const quickRepliesSchema = z.object({
  text: z.string().trim().min(1).max(2_000),
  replies: z.array(z.string().trim().min(1).max(100)).min(1).max(10),
});

/** Bundles the page (socket-client included) for the browser, in memory. */
export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [join(__dirname, "page", "main.ts")],
    bundle: true,
    write: false,
    platform: "browser",
    format: "iife",
    target: "es2020",
    minify: true,
    // socket.io-client 2.x and its helpers look for Node's `global` and `process.env`.
    define: { global: "window", "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

export async function startWebDemo(world: World, options: WebDemoOptions = {}): Promise<WebDemo> {
  const script = await bundlePage();
  const html = readFileSync(join(__dirname, "page", "index.html"), "utf8");
  const css = readFileSync(join(__dirname, "page", "page.css"), "utf8");
  const { sandbox, agent, conversation } = world;

  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  // The access key id is no secret in CXone's eyes, but it names the service user: kept off the page too.
  const log = new BoundaryLog(world, () => [...world.secrets(), sandbox.credentials.accessKeyId]);

  app.get("/", async (_req, reply) => reply.type("text/html; charset=utf-8").send(html));
  app.get("/page.js", async (_req, reply) => reply.type("text/javascript; charset=utf-8").send(script));
  app.get("/page.css", async (_req, reply) => reply.type("text/css; charset=utf-8").send(css));
  // The chat side's Cognigy endpoint: this origin (the socket endpoint is attached below) and the demo's conversation,
  // so the flow sees the demo user's profile. A real endpoint URL and token can be given in the page's query instead.
  app.get("/config.json", async () => ({
    urlToken: conversation.urlToken,
    userId: conversation.userId,
    sessionId: conversation.sessionId,
  }));

  app.get("/files/:name", async (req, reply) => {
    const name = (req.params as { name: string }).name;
    const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (!file) return reply.code(404).send({ error: "no such file" });
    return reply.type(file.type).send(readFileSync(join(__dirname, "files", name)));
  });
  app.get("/api/state", async () => ({
    agents: sandbox.agents.map((a) => ({ id: a.id, name: [a.firstName, a.surname].filter(Boolean).join(" ") })),
    cases: [...sandbox.cases.values()].map((c) => ({
      id: c.id,
      status: c.status,
      routingQueueId: c.routingQueueId,
      skillId: c.skillId,
      createdAt: c.createdAt,
      agent: c.inboxAssigneeUser
        ? {
            id: c.inboxAssigneeUser.id,
            name: [c.inboxAssigneeUser.firstName, c.inboxAssigneeUser.surname].filter(Boolean).join(" "),
          }
        : undefined,
      messages: c.messages.map((m) => ({
        id: m.id,
        direction: m.direction,
        text: m.text,
        at: m.createdAt,
        attachments: m.attachments,
        delivered: m.direction === "inbound" || Boolean(m.idOnExternalPlatform),
      })),
    })),
  }));
  app.get("/api/log", async (req) => {
    const after = Number((req.query as { after?: string }).after ?? 0);
    return log.since(Number.isFinite(after) ? after : 0);
  });

  /** Runs a desk action; one that called the relay answers with the relay's status (200 = delivered). */
  const act = async (reply: FastifyReply, action: () => Promise<{ status: number }> | undefined) => {
    try {
      const result = await action();
      // A reply the relay refused stays in the case (as in CXone) and the desk shows the relay's answer.
      const status = result ? result.status : undefined;
      return reply.send({ ok: status === undefined || status === 200, status });
    } catch (err) {
      // The case is there but the action does not fit its state (e.g. a transfer to the agent who has it).
      return reply.code(409).send({ ok: false, error: (err as Error).message });
    }
  };
  const caseId = (params: unknown) => (params as { id: string }).id;
  const bad = (reply: FastifyReply, error: z.ZodError) =>
    reply.code(400).send({ ok: false, error: error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });

  app.addHook("preHandler", async (req, reply) => {
    const id = (req.params as { id?: string }).id;
    if (req.url.startsWith("/api/cases/") && id !== undefined && !sandbox.cases.has(id)) {
      return reply.code(404).send({ ok: false, error: `no case ${id}` });
    }
  });
  app.post("/api/cases/:id/assign", async (req, reply) => {
    const body = agentSchema.safeParse(req.body);
    if (!body.success) return bad(reply, body.error);
    return act(reply, () => void sandbox.assignAgent(caseId(req.params), body.data.agentId));
  });
  app.post("/api/cases/:id/transfer", async (req, reply) => {
    const body = agentSchema.safeParse(req.body);
    if (!body.success) return bad(reply, body.error);
    return act(reply, () => void agent.transfer(sandbox, caseId(req.params), body.data.agentId));
  });
  app.post("/api/cases/:id/reply", async (req, reply) => {
    const body = textSchema.safeParse(req.body);
    if (!body.success) return bad(reply, body.error);
    return act(reply, () => agent.reply(sandbox, caseId(req.params), body.data.text));
  });
  app.post("/api/cases/:id/quick-replies", async (req, reply) => {
    const body = quickRepliesSchema.safeParse(req.body);
    if (!body.success) return bad(reply, body.error);
    const replies = body.data.replies.map((text) => ({ text }));
    return act(reply, () => agent.quickReplies(sandbox, caseId(req.params), body.data.text, replies));
  });
  app.post("/api/cases/:id/file", async (req, reply) => {
    const body = fileSchema.safeParse(req.body);
    if (!body.success) return bad(reply, body.error);
    const url = `${base()}files/${body.data.file}`;
    const attachments = [{ name: body.data.file, url }];
    return act(reply, () => agent.reply(sandbox, caseId(req.params), FILES[body.data.file].caption, { attachments }));
  });
  app.post("/api/cases/:id/close", async (req, reply) =>
    act(reply, () => void sandbox.closeCase(caseId(req.params), "resolved")),
  );

  const socket = new SocketEndpoint(world.endpoint, app.server);
  const address = await app.listen({ host: "127.0.0.1", port: options.port ?? 0 });
  const url = `${address.replace("localhost", "127.0.0.1")}/`;
  const base = () => url;
  return {
    url,
    socket,
    log,
    async stop() {
      log.stop();
      await socket.close();
      await app.close();
    },
  };
}
