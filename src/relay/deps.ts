// What one relay's app is built from (RelayDeps), and how start-up builds it from the configuration.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import Fastify, { type FastifyInstance } from "fastify";
import pino, { type DestinationStream, type Logger } from "pino";
import { AuthCache } from "../cxone/auth";
import { SECRET_FIELDS } from "../cxone/connection-fields";
import { CxoneHttp } from "../cxone/transport";
import { threadKeys } from "../handover/thread";
import { CaseEvents } from "./case-events";
import { errorMessage } from "./caught";
import { ChannelFormat } from "./channel-format";
import { CognigyClient } from "./cognigy";
import type { RelayConfig } from "./config";
import { Deliverer } from "./deliverer";
import { createMetrics, type RelayMetrics } from "./metrics";
import { MemoryStore, RedisStore, type Store } from "./store";
import { type KnownThread, threadCache } from "./thread-cache";
import { FailedLogins, TokenIssuer } from "./tokens";
import { AgentTyping } from "./typing";

/** Log fields masked wherever they appear one level deep: credentials on the wire and the connection's secrets. */
export const REDACTED_LOG_PATHS = ["authorization", "client_secret", "access_token", ...SECRET_FIELDS].flatMap(
  (key) => [key, `*.${key}`],
);

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

export interface RelayDeps {
  config: RelayConfig;
  log: Logger;
  metrics: RelayMetrics;
  store: Store;
  deliverer: Deliverer;
  tokens: TokenIssuer;
  caseEvents?: CaseEvents;
  /** The CXone channel's contentFormat (html/plain), read in the background when CXone is configured. */
  channelFormat?: ChannelFormat;
  cognigy: CognigyClient;
  /** Set when the relay stops: responses then close their keep-alive sockets. */
  state: { closing: boolean };
  /** Verifies a thread id (src/handover/thread.ts) and remembers the answer for this relay's keys. */
  thread: (threadId: string) => KnownThread | undefined;
  failedLogins: FailedLogins;
  /** Agent-message shapes with fields the relay does not use, logged once each by this relay (at most 200). */
  unusedFieldShapes: Set<string>;
  typing: AgentTyping;
  /** The separate listener for /health and /metrics, when configured. */
  ops?: FastifyInstance;
  /**
   * Stops the relay's parts and closes what it owns: typing timers, the poller (its running poll finishes, the lock is
   * released), the ops listener, the store (unless the caller brought it), the sockets to Cognigy and CXone and the
   * CXone tokens. buildApp calls it when the app closes, so `app.close()` is the one way to stop a relay.
   */
  close(): Promise<void>;
}

/** Builds a relay's parts (closed by `deps.close()`, which the app's close calls). */
export async function relayDeps(config: RelayConfig, options: RelayOptions = {}): Promise<{ deps: RelayDeps }> {
  const log =
    options.logger ??
    pino(
      {
        level: config.logLevel,
        base: { service: "cxone-relay" },
        // Defence in depth: these never reach a log call, and if one did it would be masked.
        redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" },
      },
      options.logStream,
    );
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics });
  const owner = `${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`;
  const store =
    options.store ??
    (config.redisUrl
      ? await new RedisStore(config.redisUrl, config.redisPrefix, config.redisCommandTimeoutMs).connect()
      : new MemoryStore(config.memoryStoreMaxKeys, undefined, undefined, evictionWarning(log)));
  // This relay's own CXone tokens and sockets, not the process's the nodes use: two relays in one process (tests, a
  // host serving several tenants) never share a session, and closing the relay closes its sockets.
  const cxoneClients = { authCache: new AuthCache(), http: new CxoneHttp() };
  const cognigy = new CognigyClient(config.cognigyTarget, config.cognigyTimeoutMs, (route, outcome) =>
    metrics.cognigyRequests.inc({ route, outcome }),
  );
  const deliverer = new Deliverer({
    store,
    cognigy,
    owner,
    cognigyTimeoutMs: config.cognigyTimeoutMs,
    now: options.now,
    log,
    onStoreError: (err) =>
      log.error(
        { err: errorMessage(err) },
        "accepted by Cognigy, but the store did not record it; a CXone retry may repeat it",
      ),
  });
  const tokens = new TokenIssuer(config.clientId, config.clientSecret, config.tokenTtlSeconds, options.now);
  const keys = threadKeys([config.threadKey, ...(config.threadKeyPrevious ? [config.threadKeyPrevious] : [])], {
    legacyUntil: config.legacyThreadsUntil,
    urlTokens: config.urlTokens,
    now: options.now,
  });
  // One verified-thread cache for the reply routes and the poller: a case's thread is checked once, not every poll.
  const thread = threadCache(keys);
  const caseEvents = config.cxone
    ? new CaseEvents({
        connection: config.cxone,
        clientOptions: cxoneClients,
        store,
        cognigy,
        metrics,
        log: log.child({ component: "case-events" }),
        pollIntervalMs: config.pollIntervalMs,
        owner,
        decodeThread: (threadId) => thread(threadId)?.ref,
        now: options.now,
      })
    : undefined;

  const channelFormat = config.cxone
    ? new ChannelFormat(
        config.cxone,
        undefined,
        (err) =>
          log.warn(
            { err: errorMessage(err) },
            "could not read the channel's contentFormat; recognising HTML by its tags",
          ),
        cxoneClients,
      )
    : undefined;
  void channelFormat?.refresh();
  const tokenLimit = quietRouteLimit(config);
  const typing = new AgentTyping({
    clearAfterMs: config.typingClearSeconds * 1000,
    send: async (threadId, event) => {
      const ref = thread(threadId)?.ref;
      const result = ref ? await cognigy.send("notify", ref, "", event) : undefined;
      if (result && !result.ok) log.debug({ reason: result.reason }, "typing indicator not forwarded");
    },
  });
  let closing: Promise<void> | undefined;
  const deps: RelayDeps = {
    ...{ config, log, metrics, store, deliverer, tokens, caseEvents, channelFormat, cognigy, thread, typing },
    state: { closing: false },
    failedLogins: new FailedLogins(tokenLimit, tokenLimit * 10, options.now),
    unusedFieldShapes: new Set(),
    // With RELAY_METRICS_PORT, /health and /metrics answer only there, so the port CXone reaches exposes neither.
    ops: config.metricsPort === undefined ? undefined : Fastify(),
    close: () => {
      closing ??= (async () => {
        typing.stop();
        await caseEvents?.stop();
        await deps.ops?.close();
        if (!options.store) await store.close();
        cognigy.close();
        cxoneClients.http.close();
        cxoneClients.authCache.clear();
      })();
      return closing;
    },
  };
  return { deps };
}

/** Per minute, for the routes CXone calls far less often than it sends messages (token failures, case pushes). */
export function quietRouteLimit(config: RelayConfig): number {
  return Math.max(30, Math.floor(config.rateLimitPerMinute / 10));
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

/** A route's rate limit per client address, as @fastify/rate-limit reads it from the route's config. */
export function perMinute(max: number) {
  return { rateLimit: { max, timeWindow: 60_000 } };
}
