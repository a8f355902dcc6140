import { randomBytes, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import formbody from "@fastify/formbody";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from "fastify";
import pino, { type DestinationStream, type Logger } from "pino";
import { z } from "zod";
import { type ConversationRef, decodeThreadId, type ThreadKeys, threadKeys } from "../handover/thread";
import { CaseEvents, type PollReport } from "./case-events";
import { ChannelFormat } from "./channel-format";
import { CognigyClient } from "./cognigy";
import { describeConfig, parseRelayConfig, type RelayConfig, type RelayConfigInput } from "./config";
import { sha256url } from "./digest";
import { quoteBigIntegers } from "./json";
import {
  Deliverer,
  type DeliveryResult,
  legacyMessageSchema,
  legacyThreadId,
  type OutboundMessage,
  outboundMessageSchema,
  toAgentMessage,
  unknownKeys,
} from "./messages";
import { createMetrics, type RelayMetrics } from "./metrics";
import { MemoryStore, RedisStore, type Store } from "./store";
import { FailedLogins, TokenIssuer } from "./tokens";
import { AgentTyping } from "./typing";

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
  /** Where /health and /metrics answer: `url`, or the RELAY_METRICS_PORT listener. */
  metricsUrl: string;
  config: RelayConfig;
  store: Store;
  metrics: RelayMetrics;
  log: Logger;
  caseEvents?: CaseEvents;
  /** The CXone channel's contentFormat (html/plain), read in the background when CXone is configured. */
  channelFormat?: ChannelFormat;
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
    // It goes into CXone URL paths: a strict pattern (no `.`/`..`, no slash), numbers as digits.
    contactId: z
      .union([z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "must be a CXone contact id"), z.number().int().nonnegative()])
      .transform(String),
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
      ? await new RedisStore(config.redisUrl, config.redisPrefix, config.redisCommandTimeoutMs).connect()
      : new MemoryStore(config.memoryStoreMaxKeys, undefined, undefined, evictionWarning(log)));
  const cognigyTarget = config.cognigyApiUrl
    ? { api: { url: config.cognigyApiUrl, key: config.cognigyApiKey as string } }
    : { endpointUrl: config.cognigyEndpointUrl };
  const cognigy = new CognigyClient(cognigyTarget, config.cognigyTimeoutMs, (route, outcome) =>
    metrics.cognigyRequests.inc({ route, outcome }),
  );
  const deliverer = new Deliverer({
    store,
    cognigy,
    owner,
    cognigyTimeoutMs: config.cognigyTimeoutMs,
    now: options.now,
    onStoreError: (err) =>
      log.error(
        { err: (err as Error)?.message },
        "accepted by Cognigy, but the store did not record it; a CXone retry may repeat it",
      ),
  });
  const tokens = new TokenIssuer(config.clientId, config.clientSecret, config.tokenTtlSeconds, options.now);
  const keys = threadKeys([config.threadKey, ...(config.threadKeyPrevious ? [config.threadKeyPrevious] : [])], {
    legacyUntil: config.legacyThreadsUntil,
    urlTokens: config.urlTokens,
    now: options.now,
  });
  const caseEvents = config.cxone
    ? new CaseEvents({
        connection: config.cxone,
        store,
        cognigy,
        metrics,
        log: log.child({ component: "case-events" }),
        pollIntervalMs: config.pollIntervalMs,
        owner,
        decodeThread: (threadId) => decodeThreadId(threadId, keys),
        now: options.now,
      })
    : undefined;

  const channelFormat = config.cxone
    ? new ChannelFormat(config.cxone, undefined, (err) =>
        log.warn(
          { err: (err as Error)?.message },
          "could not read the channel's contentFormat; recognising HTML by its tags",
        ),
      )
    : undefined;
  void channelFormat?.refresh();
  const state = { closing: false };
  const thread = threadCache(keys);
  const tokenLimit = Math.max(30, Math.floor(config.rateLimitPerMinute / 10));
  const failedLogins = new FailedLogins(tokenLimit, tokenLimit * 10, options.now);
  const typing = new AgentTyping({
    clearAfterMs: config.typingClearSeconds * 1000,
    send: async (threadId, event) => {
      const ref = thread(threadId)?.ref;
      const result = ref ? await cognigy.send("notify", ref, "", event) : undefined;
      if (result && !result.ok) log.debug({ reason: result.reason }, "typing indicator not forwarded");
    },
  });
  // With RELAY_METRICS_PORT, /health and /metrics answer only there, so the port CXone reaches exposes neither.
  const ops = config.metricsPort === undefined ? undefined : Fastify();
  const app = buildApp({
    ...{ config, log, metrics, store, deliverer, tokens, caseEvents, channelFormat, cognigy, state, thread },
    failedLogins,
    unusedFieldShapes: new Set(),
    typing,
    ops,
  });
  let address: string;
  let opsAddress: string | undefined;
  try {
    address = await app.listen({ host: config.host, port: config.port });
    opsAddress = await ops?.listen({ host: config.host, port: config.metricsPort });
  } catch (err) {
    await app.close();
    if (ownStore) await store.close();
    throw err;
  }
  const loopback = (a: string) => a.replace(/\/\/(0\.0\.0\.0|\[::\]|localhost)(?=:)/, "//127.0.0.1");
  const url = loopback(address);
  const metricsUrl = opsAddress ? loopback(opsAddress) : url;
  const described = describeConfig(config);
  log.info({ url, ...described }, "relay listening");
  if (config.legacyThreadsUntil > Date.now()) {
    const until = new Date(config.legacyThreadsUntil).toISOString();
    log.warn({ until }, "unsigned thread ids of handovers opened before the upgrade are routed until this date");
  }
  if (!caseEvents) {
    log.info(
      "case events off: set CXONE_CLIENT_ID, CXONE_CLIENT_SECRET, CXONE_ACCESS_KEY_ID, CXONE_ACCESS_KEY_SECRET and CXONE_CHANNEL_ID to detect agent joined / case closed",
    );
  } else if (options.autoPoll !== false) caseEvents.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    boxUrl: url + BOX,
    metricsUrl,
    config,
    store,
    metrics,
    log,
    caseEvents,
    channelFormat,
    pollOnce: () => caseEvents?.pollOnce() ?? Promise.resolve({ skipped: true, open: 0, events: [] }),
    close() {
      closing ??= (async () => {
        state.closing = true;
        typing.stop();
        await caseEvents?.stop();
        await app.close();
        await ops?.close();
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
  channelFormat?: ChannelFormat;
  cognigy: CognigyClient;
  state: { closing: boolean };
  /** Verifies a thread id (src/handover/thread.ts) and remembers the answer for this relay's keys. */
  thread: (threadId: string) => KnownThread | undefined;
  failedLogins: FailedLogins;
  /** Agent-message shapes with fields the relay does not use, logged once each by this relay (at most 200). */
  unusedFieldShapes: Set<string>;
  typing: AgentTyping;
  /** The separate listener for /health and /metrics, when configured. */
  ops?: FastifyInstance;
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
    // Fastify's own handler logs the raw bytes of a malformed request at trace (secrets, bearers, text) where
    // redaction cannot reach them: log the parser's code only.
    clientErrorHandler: (err: Error & { code?: string }, socket) => {
      log.debug({ code: err.code }, "malformed request refused");
      if (err.code === "ECONNRESET" || !socket.writable) return socket.destroy();
      const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
      const body = JSON.stringify({ error: "invalid_request", reason: "malformed HTTP request" });
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  });

  // CXone sends JSON; only the token route also takes a form (registered in its own scope below). Anything else is a
  // 415, not a string to validate.
  app.removeContentTypeParser("text/plain");
  // Fastify's JSON parser (prototype-poisoning checks included), after quoting integers JSON.parse would round.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) =>
    parseJson(req, quoteBigIntegers(body as string), done),
  );

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
      // A request whose socket is already gone (e.g. after a malformed chunked body) has no address: it is counted
      // with the others that have none instead of throwing in the plugin (a 500).
      keyGenerator: (req) => req.ip ?? req.socket?.remoteAddress ?? "unknown",
      errorResponseBuilder: (_req, ctx) => ({
        statusCode: 429,
        error: "rate_limited",
        reason: `more than ${ctx.max} requests in ${ctx.after}`,
      }),
    });
    const limit = (max: number) => ({ rateLimit: { max, timeWindow: 60_000 } });
    const messagesLimit = limit(config.rateLimitPerMinute);
    const pushLimit = limit(Math.max(30, Math.floor(config.rateLimitPerMinute / 10)));

    scope.register(async (tokenScope) => {
      // OAuth clients may post the token request form-encoded; no other route accepts a form.
      tokenScope.register(formbody, { bodyLimit: config.bodyLimitBytes });
      // No per-address limit here: failed attempts are limited per client id and overall (FailedLogins).
      tokenScope.post(`${BOX}/1.0/token`, (req, reply) => tokenRoute(parts, req, reply));
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
      box.post(`${BOX}/1.0/events`, { config: pushLimit }, (req, reply) => pushRoute(parts, req, reply));
    });
  });

  const ops = (parts.ops ?? app) as FastifyInstance;
  ops.get("/health", async (_req, reply) => {
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

  ops.get("/metrics", async (_req, reply) => {
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
    const failure = parts.failedLogins.fail(id);
    if (failure.limited) {
      if (failure.report) {
        req.log.warn({ failures: parts.failedLogins.count }, "token requests: too many failed attempts this minute");
      }
      return reply
        .code(429)
        .header("retry-after", String(failure.retryAfterSeconds))
        .send({ error: "invalid_client", error_description: "too many failed attempts; retry later" });
    }
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
      ? (legacyThreadId((req.params as { postId: string }).postId, body, (id) => !!parts.thread(id)) ?? "")
      : (body as OutboundMessage).thread.idOnExternalPlatform;
  const thread = parts.thread(threadId);
  if (!thread) {
    metrics.agentMessages.inc({ variant, outcome: "rejected" });
    req.log.info({ variant }, "agent message for a thread this relay did not create");
    return reply.code(404).send({ error: "unknown_thread", reason: "the thread id is not a Cognigy handover thread" });
  }
  const { ref, tag } = thread;
  const unknown = unknownKeys(body as Record<string, unknown>);
  if (unknown.length) {
    const shape = `${variant}:${unknown.join(",")}`;
    const logged = parts.unusedFieldShapes;
    if (logged.size < 200 && !logged.has(shape)) {
      logged.add(shape);
      req.log.info({ variant, fields: unknown }, "agent message carries fields the relay does not use");
    }
  }
  const message = toAgentMessage(threadId, ref, body, parts.channelFormat?.current());
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
      parts.typing.messageArrived(threadId);
      req.outcome = { level: "info", fields: logFields };
      const id = result.idOnExternalPlatform;
      if (variant === "posts") return reply.code(200).send({ idOnExternalPlatform: id });
      return reply.code(200).send({
        idOnExternalPlatform: id,
        // `url` as public middlewares answer (MessageDetail.url in the OAS): where this message lives on our side.
        message: { idOnExternalPlatform: id, createdAtWithMilliseconds: result.at, url: messageUrl(req, id) },
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
  const ref = parts.thread((req.params as { threadId: string }).threadId)?.ref;
  if (!ref)
    return reply.code(404).send({ error: "unknown_thread", reason: "the thread id is not a Cognigy handover thread" });
  // Only where the endpoint can use an empty-text data event (a custom socket or webhook client): Webchat v3 draws
  // nothing for it and a messaging channel may show an empty message (src/handover/cognigy-platform.ts).
  if (parts.config.forwardTyping && ref.takesDataEvents) {
    // Best effort: a typing indicator is worth neither a retry nor a failed callback.
    await parts.typing.signal((req.params as { threadId: string }).threadId, action === "isTypingOn");
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

/** The relay's own address for an agent message it delivered (answered to CXone as message.url). */
function messageUrl(req: FastifyRequest, id: string): string {
  return `${req.protocol}://${req.host}${BOX}/2.0/messages/${encodeURIComponent(id)}`;
}

/** Names a conversation in logs without its ids or endpoint token. */
function conversationTag(ref: ConversationRef): string {
  return sha256url(`${ref.urlToken}|${ref.userId}|${ref.sessionId}`).slice(0, 12);
}

interface KnownThread {
  ref: Readonly<ConversationRef>;
  tag: string;
}

/**
 * decodeThreadId plus the log tag, once per thread rather than once per message (a MAC, a JSON parse and a hash):
 * CXone sends every reply of a conversation with the same thread id. Per relay, because the answer depends on its keys;
 * only verified ids get in, so forged ones cannot evict them.
 */
function threadCache(keys: ThreadKeys): (threadId: string) => KnownThread | undefined {
  const known = new Map<string, KnownThread>();
  return (threadId) => {
    const hit = known.get(threadId);
    // A legacy (unsigned) id stops being routed when its upgrade window closes, cached or not.
    if (hit && (threadId.startsWith("cgy2.") || keys.now() < keys.legacyUntil)) return hit;
    const ref = decodeThreadId(threadId, keys);
    if (!ref) return undefined;
    const entry = { ref: Object.freeze(ref), tag: conversationTag(ref) };
    if (known.size >= KNOWN_THREADS_MAX) known.clear();
    known.set(threadId, entry);
    return entry;
  };
}
const KNOWN_THREADS_MAX = 10_000;
