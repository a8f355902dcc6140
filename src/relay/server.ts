import { randomBytes, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import formbody from "@fastify/formbody";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyReply, type FastifyRequest, LogController } from "fastify";
import pino, { type DestinationStream, type Logger } from "pino";
import { z } from "zod";
import { type ConversationRef, decodeThreadId } from "../handover/thread";
import { CaseEvents, type PollReport } from "./case-events";
import { CognigyClient } from "./cognigy";
import { describeConfig, parseRelayConfig, type RelayConfig, type RelayConfigInput } from "./config";
import { sha256url } from "./digest";
import {
  Deliverer,
  type DeliveryResult,
  legacyMessageSchema,
  type OutboundMessage,
  outboundMessageSchema,
  toAgentMessage,
  unknownKeys,
} from "./messages";
import { createMetrics, type RelayMetrics } from "./metrics";
import { MemoryStore, RedisStore, type Store } from "./store";
import { TokenIssuer } from "./tokens";

export const BOX = "/integration/box";

declare module "fastify" {
  interface FastifyRequest {
    /** What an agent-message request did, logged in its one request line (no text, no ids that name the user). */
    outcome: { level: "info" | "warn"; fields: Record<string, unknown> } | null;
  }
}

export interface RelayOptions {
  /** Where JSON log lines go (default stdout); or a ready pino logger. */
  logStream?: DestinationStream;
  logger?: Logger;
  /** Poll on a timer (default true when case events are on). Tests switch it off and call pollOnce(). */
  autoPoll?: boolean;
  /** Bring your own store (tests share one MemoryStore across a "restart"); closed by its owner, not the relay. */
  store?: Store;
  /** Clock for token issue/verification (tests of expiry). */
  now?: () => number;
  /** Process metrics (event loop, memory) in /metrics; on in `npm run relay`. */
  defaultMetrics?: boolean;
}

export interface Relay {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  /** What the CXone admin enters as Integration Box URL: `{url}/integration/box`. */
  boxUrl: string;
  config: RelayConfig;
  store: Store;
  metrics: RelayMetrics;
  log: Logger;
  caseEvents?: CaseEvents;
  /** One case poll now (no-op report when case events are off). */
  pollOnce(): Promise<PollReport>;
  /** Graceful stop: no new requests, in-flight deliveries and the running poll finish, the poll lock is released. */
  close(): Promise<void>;
}

const tokenBodySchema = z
  .object({
    grant_type: z.string().max(100).optional(),
    client_id: z.string().max(1000).optional(),
    client_secret: z.string().max(1000).optional(),
  })
  .passthrough();

const senderActionSchema = z
  .object({
    senderAction: z
      .object({ action: z.string().max(64) })
      .passthrough()
      .optional(),
    action: z.string().max(64).optional(),
  })
  .passthrough();

const pushEventSchema = z
  .object({
    contactId: z.union([z.string().min(1).max(128), z.number().int()]).transform(String),
    event: z.string().max(64).optional(),
  })
  .passthrough();

/** Starts a relay (in-process API for tests, the demo and main.ts). Port 0 picks a free port. */
export async function startRelay(input: RelayConfigInput | RelayConfig, options: RelayOptions = {}): Promise<Relay> {
  const config = parseRelayConfig(input as RelayConfigInput);
  const log =
    options.logger ??
    pino(
      {
        level: config.logLevel,
        base: { service: "cxone-relay" },
        // Defence in depth: these never reach a log call, and if one did it would be masked.
        redact: {
          paths: ["authorization", "*.authorization", "headers.authorization", "client_secret", "access_token"],
          censor: "[redacted]",
        },
      },
      options.logStream,
    );
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics });
  const owner = `${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`;
  const ownStore = !options.store;
  const store =
    options.store ??
    (config.redisUrl
      ? await new RedisStore(config.redisUrl, config.redisPrefix).connect()
      : new MemoryStore(config.memoryStoreMaxKeys, undefined, undefined, evictionWarning(log)));
  const cognigy = new CognigyClient(config.cognigyEndpointUrl, config.cognigyTimeoutMs, (route, outcome) =>
    metrics.cognigyRequests.inc({ route, outcome }),
  );
  const deliverer = new Deliverer({
    store,
    cognigy,
    owner,
    cognigyTimeoutMs: config.cognigyTimeoutMs,
    onStoreError: (err) =>
      log.error(
        { err: (err as Error)?.message },
        "delivered, but the store did not record it; a CXone retry may repeat it",
      ),
  });
  const tokens = new TokenIssuer(config.clientId, config.clientSecret, config.tokenTtlSeconds, options.now);
  const caseEvents = config.cxone
    ? new CaseEvents({
        connection: config.cxone,
        store,
        cognigy,
        metrics,
        log: log.child({ component: "case-events" }),
        pollIntervalMs: config.pollIntervalMs,
        owner,
      })
    : undefined;

  const state = { closing: false };
  const app = buildApp({ config, log, metrics, store, deliverer, tokens, caseEvents, cognigy, state });
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    if (ownStore) await store.close();
    throw err;
  }
  const url = address.replace(/\/\/(0\.0\.0\.0|\[::\]|localhost)(?=:)/, "//127.0.0.1");
  const described = describeConfig(config);
  log.info({ url, ...described }, "relay listening");
  if (!caseEvents) {
    log.info(
      "case events off: set CXONE_CLIENT_ID, CXONE_CLIENT_SECRET, CXONE_ACCESS_KEY_ID, CXONE_ACCESS_KEY_SECRET and CXONE_CHANNEL_ID to detect agent joined / case closed",
    );
  } else if (options.autoPoll !== false) caseEvents.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    boxUrl: url + BOX,
    config,
    store,
    metrics,
    log,
    caseEvents,
    pollOnce: () => caseEvents?.pollOnce() ?? Promise.resolve({ skipped: true, open: 0, events: [] }),
    close() {
      closing ??= (async () => {
        state.closing = true;
        await caseEvents?.stop();
        await app.close();
        if (ownStore) await store.close();
        log.info("relay stopped");
      })();
      return closing;
    },
  };
}

/**
 * Once the memory store is full every new message evicts a key: warn once a minute with the count, not once per
 * message (that was a second log line on every request at the bound).
 */
function evictionWarning(log: Logger): (what: string) => void {
  let evicted = 0;
  let lastWarning = Number.NEGATIVE_INFINITY;
  return (what) => {
    evicted += 1;
    const now = Date.now();
    if (now - lastWarning < 60_000) return;
    log.warn({ what, evicted }, "memory store full: evicting the least recently used keys");
    lastWarning = now;
    evicted = 0;
  };
}

/** Same thing, for callers who think of it as constructing one. */
export const createRelay = startRelay;

interface AppParts {
  config: RelayConfig;
  log: Logger;
  metrics: RelayMetrics;
  store: Store;
  deliverer: Deliverer;
  tokens: TokenIssuer;
  caseEvents?: CaseEvents;
  cognigy: CognigyClient;
  state: { closing: boolean };
}

function buildApp(parts: AppParts) {
  const { config, log, metrics, tokens } = parts;
  const app = Fastify({
    loggerInstance: log,
    // Our own onResponse line logs the route pattern, never the path (it holds the thread id).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // Thread ids carry the Cognigy conversation (see src/handover/thread.ts) and are longer than Fastify's 100.
    routerOptions: { maxParamLength: 4096 },
    // A number is the count of proxy hops to trust (Fastify passes it to proxy-addr).
    trustProxy: config.trustProxy as boolean,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w.:-]{1,64}$/.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
  });

  // CXone sends JSON; only the token route also takes a form (registered in its own scope below). Anything else is a
  // 415, not a string to validate.
  app.removeContentTypeParser("text/plain");

  // Callback-style hooks: an async hook costs a promise and microtask turns on every request.
  app.decorateRequest("outcome", null);
  app.addHook("onSend", (req, reply, payload, done) => {
    reply.header("x-request-id", req.id);
    // A response finished while stopping closes its keep-alive socket, so the stop does not wait for the client.
    if (parts.state.closing) reply.header("connection", "close");
    done(null, payload);
  });

  app.addHook("onResponse", (req, reply, done) => {
    const route = req.routeOptions.url ?? "unmatched";
    const status = reply.statusCode;
    metrics.httpDuration.observe({ method: req.method, route, status_code: String(status) }, reply.elapsedTime / 1000);
    // One line per request. Route patterns only: a path holds the thread id, which names the conversation and its
    // endpoint token. An agent message adds its outcome here rather than in a second line.
    const fields = { method: req.method, route, status, ms: Math.round(reply.elapsedTime) };
    const outcome = req.outcome;
    if (outcome) req.log[outcome.level]({ ...fields, ...outcome.fields }, "request");
    else req.log[route === "/health" || route === "/metrics" ? "debug" : "info"](fields, "request");
    done();
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err: { name: err.name, code: err.code } }, "request failed");
    else req.log.info({ code: err.code, status }, "request refused");
    const error =
      status === 413
        ? "payload_too_large"
        : status === 415
          ? "unsupported_media_type"
          : status === 429
            ? "rate_limited"
            : status < 500
              ? "invalid_request"
              : "server_error";
    // Never the parser's own message: JSON.parse quotes the body it failed on.
    return reply.code(status).send({ error, reason: reasonFor(status, err) });
  });

  app.register(async (scope) => {
    await scope.register(rateLimit, {
      global: false,
      // x-ratelimit-* on 429s only: on every 200 they were three header validations and ~70 bytes per agent
      // message that CXone never reads. The limit itself and a 429's headers and retry-after are unchanged.
      addHeadersOnExceeding: {
        "x-ratelimit-limit": false,
        "x-ratelimit-remaining": false,
        "x-ratelimit-reset": false,
      },
      errorResponseBuilder: (_req, ctx) => ({
        statusCode: 429,
        error: "rate_limited",
        reason: `more than ${ctx.max} requests in ${ctx.after}`,
      }),
    });
    const limit = (max: number) => ({ rateLimit: { max, timeWindow: 60_000 } });
    const messagesLimit = limit(config.rateLimitPerMinute);
    const tokenLimit = limit(Math.max(30, Math.floor(config.rateLimitPerMinute / 10)));

    scope.register(async (tokenScope) => {
      // OAuth clients may post the token request form-encoded; no other route accepts a form.
      tokenScope.register(formbody, { bodyLimit: config.bodyLimitBytes });
      tokenScope.post(`${BOX}/1.0/token`, { config: tokenLimit }, (req, reply) => tokenRoute(parts, req, reply));
    });

    // Everything CXone calls besides the token route needs a valid bearer; checked before the body is read.
    scope.register(async (box) => {
      box.addHook("onRequest", async (req, reply) => {
        const check = tokens.verify(req.headers.authorization);
        if (check.ok) return;
        metrics.authFailures.inc({ reason: check.reason });
        req.log.info({ reason: check.reason }, "bearer refused");
        return reply
          .code(401)
          .header("www-authenticate", `Bearer error="invalid_token"`)
          .send({ error: "invalid_token", reason: "a valid bearer token from /integration/box/1.0/token is required" });
      });

      box.post(`${BOX}/1.0/posts/:postId/messages`, { config: messagesLimit }, (req, reply) =>
        messageRoute(parts, "posts", req, reply),
      );
      box.post(`${BOX}/2.0/channel/:channelId/outbound`, { config: messagesLimit }, (req, reply) =>
        messageRoute(parts, "outbound", req, reply),
      );
      for (const path of ["sender-action", "sender-actions"]) {
        box.post(`${BOX}/1.0/channel/:channelId/thread/:threadId/${path}`, { config: messagesLimit }, (req, reply) =>
          typingRoute(parts, req, reply),
        );
      }
      box.post(`${BOX}/1.0/events`, { config: tokenLimit }, (req, reply) => pushRoute(parts, req, reply));
    });
  });

  app.get("/health", async (_req, reply) => {
    const storeOk = await parts.store.ping();
    const body = {
      status: storeOk ? "ok" : "degraded",
      ...describeConfig(config),
      storeReachable: storeOk,
      lastPoll: parts.caseEvents?.lastPoll,
      // For `cli doctor`: Cognigy answers at all, and how the last delivery went (no ids, no text).
      cognigy: { ...(await parts.cognigy.reachability()), lastDelivery: parts.cognigy.lastDelivery },
    };
    return reply.code(storeOk ? 200 : 503).send(body);
  });

  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  return app;
}

function tokenRoute(parts: AppParts, req: FastifyRequest, reply: FastifyReply) {
  reply.header("cache-control", "no-store").header("pragma", "no-cache");
  const parsed = tokenBodySchema.safeParse(req.body ?? {});
  if (!parsed.success) {
    return reply.code(400).send({ error: "invalid_request", error_description: zodReason(parsed.error) });
  }
  let { client_id: id, client_secret: secret } = parsed.data;
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      try {
        id = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      } catch {
        // A malformed escape is a client that cannot authenticate, not a server error (which CXone would retry).
        id = secret = undefined;
      }
    }
  }
  if (!parts.tokens.credentialsValid(id, secret)) {
    parts.metrics.authFailures.inc({ reason: "invalid_client" });
    req.log.info("token refused: invalid_client");
    return reply.code(401).send({ error: "invalid_client", error_description: "client authentication failed" });
  }
  if (!parsed.data.grant_type) {
    return reply.code(400).send({ error: "invalid_request", error_description: "grant_type is required" });
  }
  if (parsed.data.grant_type !== "client_credentials") {
    return reply
      .code(400)
      .send({ error: "unsupported_grant_type", error_description: "only client_credentials is supported" });
  }
  return reply.code(200).send(parts.tokens.issue());
}

const seenShapes = new Set<string>();

async function messageRoute(parts: AppParts, variant: "posts" | "outbound", req: FastifyRequest, reply: FastifyReply) {
  const { metrics } = parts;
  const schema = variant === "posts" ? legacyMessageSchema : outboundMessageSchema;
  const parsed = schema.safeParse(req.body);
  if (!parsed.success) {
    metrics.agentMessages.inc({ variant, outcome: "rejected" });
    return reply.code(400).send({ error: "invalid_request", reason: zodReason(parsed.error) });
  }
  const body = parsed.data;
  const threadId =
    variant === "posts"
      ? (req.params as { postId: string }).postId
      : (body as OutboundMessage).thread.idOnExternalPlatform;
  const thread = knownThread(threadId);
  if (!thread) {
    metrics.agentMessages.inc({ variant, outcome: "rejected" });
    req.log.info({ variant }, "agent message for a thread this relay did not create");
    return reply.code(404).send({ error: "unknown_thread", reason: "the thread id is not a Cognigy handover thread" });
  }
  const { ref, tag } = thread;
  const unknown = unknownKeys(body as Record<string, unknown>);
  if (unknown.length) {
    const shape = `${variant}:${unknown.join(",")}`;
    if (seenShapes.size < 200 && !seenShapes.has(shape)) {
      seenShapes.add(shape);
      req.log.info({ variant, fields: unknown }, "agent message carries fields the relay does not use");
    }
  }
  const message = toAgentMessage(threadId, ref, body);
  if (typeof message === "string") {
    metrics.agentMessages.inc({ variant, outcome: "rejected" });
    return reply.code(400).send({ error: "invalid_request", reason: message });
  }
  let result: DeliveryResult;
  try {
    result = await parts.deliverer.deliver(message);
  } catch (err) {
    // The store (Redis) failed: we cannot know whether it was delivered, so CXone must retry.
    metrics.agentMessages.inc({ variant, outcome: "failed" });
    req.log.error({ err: { name: (err as Error).name } }, "agent message: store unavailable");
    return reply.code(503).header("retry-after", "2").send({ error: "unavailable", reason: "state store unavailable" });
  }
  // The request line's fields, built once (no text, no thread id: a tag of the conversation and the length).
  const logFields: Record<string, unknown> = {
    variant,
    conversation: tag,
    contactId: message.contactId,
    chars: message.text.length,
    outcome: result.outcome,
  };
  switch (result.outcome) {
    case "delivered":
    case "duplicate": {
      metrics.agentMessages.inc({ variant, outcome: result.outcome });
      req.outcome = { level: "info", fields: logFields };
      const id = result.idOnExternalPlatform;
      if (variant === "posts") return reply.code(200).send({ idOnExternalPlatform: id });
      return reply.code(200).send({
        idOnExternalPlatform: id,
        message: { idOnExternalPlatform: id, createdAtWithMilliseconds: result.at },
        thread: { idOnExternalPlatform: threadId },
        endUserIdentities: [],
        recipients: [],
      });
    }
    case "busy":
      metrics.agentMessages.inc({ variant, outcome: "busy" });
      // Being delivered by another request (this relay or another one).
      req.outcome = { level: "info", fields: logFields };
      return reply
        .code(503)
        .header("retry-after", "1")
        .send({ error: "in_progress", reason: "delivery in progress; retry" });
    case "failed":
      metrics.agentMessages.inc({ variant, outcome: "failed" });
      logFields.reason = result.reason;
      req.outcome = { level: "warn", fields: logFields };
      if (result.retryable) {
        return reply.code(503).header("retry-after", "2").send({ error: "cognigy_unavailable", reason: result.reason });
      }
      return reply.code(502).send({ error: "cognigy_refused", reason: result.reason });
  }
}

async function typingRoute(parts: AppParts, req: FastifyRequest, reply: FastifyReply) {
  const parsed = senderActionSchema.safeParse(req.body ?? {});
  if (!parsed.success) return reply.code(400).send({ error: "invalid_request", reason: zodReason(parsed.error) });
  const action = parsed.data.senderAction?.action ?? parsed.data.action;
  if (action !== "isTypingOn" && action !== "isTypingOff") {
    return reply
      .code(400)
      .send({ error: "invalid_request", reason: "senderAction.action must be isTypingOn or isTypingOff" });
  }
  const ref = decodeThreadId((req.params as { threadId: string }).threadId);
  if (!ref)
    return reply.code(404).send({ error: "unknown_thread", reason: "the thread id is not a Cognigy handover thread" });
  if (parts.config.forwardTyping) {
    // Best effort: a typing indicator is worth neither a retry nor a failed callback.
    const result = await parts.cognigy.send("notify", ref, "", {
      event: "agentTyping",
      typing: action === "isTypingOn",
    });
    if (!result.ok) req.log.debug({ reason: result.reason }, "typing indicator not forwarded");
  }
  return reply.code(204).send();
}

async function pushRoute(parts: AppParts, req: FastifyRequest, reply: FastifyReply) {
  if (!parts.caseEvents) {
    return reply
      .code(501)
      .send({ error: "case_events_off", reason: "set the CXONE_* variables to turn case events on" });
  }
  const parsed = pushEventSchema.safeParse(req.body);
  if (!parsed.success) return reply.code(400).send({ error: "invalid_request", reason: zodReason(parsed.error) });
  try {
    const result = await parts.caseEvents.confirmCase(parsed.data.contactId);
    if (!result.found || !result.ours) {
      return reply.code(404).send({ error: "unknown_case", reason: "no handover case with this id on the channel" });
    }
    req.log.info({ contactId: parsed.data.contactId, events: result.events }, "case event push");
    return reply.code(200).send({ contactId: parsed.data.contactId, status: result.status, events: result.events });
  } catch (err) {
    req.log.warn({ err: { name: (err as Error).name } }, "case event push: confirmation failed");
    return reply
      .code(503)
      .header("retry-after", "2")
      .send({ error: "unavailable", reason: "could not confirm the case" });
  }
}

function reasonFor(status: number, err: Error & { code?: string }): string {
  if (status === 413) return "request body too large";
  if (status === 415) return "send application/json (or form-encoded to the token route)";
  if (status === 429) return "too many requests";
  if (status >= 500) return "internal error";
  if (err instanceof SyntaxError || err.code === "FST_ERR_CTP_INVALID_JSON_BODY") return "body is not valid JSON";
  if (err.code === "FST_ERR_CTP_EMPTY_JSON_BODY") return "body is empty";
  return err.code ? `request refused (${err.code})` : "request refused";
}

/** First issue of a zod 3 or zod 4 error (the message schemas use zod 4). */
function zodReason(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return `${issue.path.map(String).join(".") || "body"}: ${issue.message}`;
}

/** Names a conversation in logs without its ids or endpoint token. */
function conversationTag(ref: ConversationRef): string {
  return sha256url(`${ref.urlToken}|${ref.userId}|${ref.sessionId}`).slice(0, 12);
}

interface KnownThread {
  ref: Readonly<ConversationRef>;
  tag: string;
}

/** Threads decoded lately: CXone sends every reply of a conversation with the same thread id. */
const knownThreads = new Map<string, KnownThread>();
const KNOWN_THREADS_MAX = 10_000;

/** decodeThreadId plus the log tag, once per thread rather than once per message (a JSON parse and a hash). */
function knownThread(threadId: string): KnownThread | undefined {
  const known = knownThreads.get(threadId);
  if (known) return known;
  const ref = decodeThreadId(threadId);
  if (!ref) return undefined;
  const entry = { ref: Object.freeze(ref), tag: conversationTag(ref) };
  if (knownThreads.size >= KNOWN_THREADS_MAX) knownThreads.clear();
  knownThreads.set(threadId, entry);
  return entry;
}
