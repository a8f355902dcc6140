import { z } from "zod";
import { type CxoneConnection, parseConnection, secureUrl } from "../cxone/config";
import { CxoneConfigError } from "../cxone/errors";
import { threadKeyProblem } from "../handover/thread";

/**
 * The relay's configuration: one zod schema for both the environment (`npm run relay`, Docker) and the in-process
 * API (`startRelay({...})` in tests and the demo). A bad value is reported as one line naming the variable and what
 * to fix; there are no default credentials.
 */

export class RelayConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly fix: string,
  ) {
    super(`${variable} ${fix}`);
    this.name = "RelayConfigError";
  }
}

export const MIN_SECRET_LENGTH = 16;
export const MIN_POLL_INTERVAL_MS = 250;

const cxoneInput = z
  .object({
    authHost: z.string().optional(),
    clientId: z.string().optional(),
    clientSecret: z.string().optional(),
    accessKeyId: z.string().optional(),
    accessKeySecret: z.string().optional(),
    channelId: z.string().optional(),
    dfoBaseUrl: z.string().optional(),
  })
  .passthrough();

export const relayConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** A separate port for /health and /metrics (keep it off the internet); unset = both on `port`. */
  metricsPort: z.coerce.number().int().min(0).max(65535).optional(),
  host: z.string().trim().min(1).default("0.0.0.0"),
  clientId: z
    .string({ required_error: "is missing: the client id you enter in CXone's BYOC integration" })
    .trim()
    .min(1, "is empty: set the client id you enter in CXone's BYOC integration"),
  clientSecret: z
    .string({ required_error: "is missing: the client secret you enter in CXone's BYOC integration" })
    .min(MIN_SECRET_LENGTH, `is too short: use at least ${MIN_SECRET_LENGTH} random characters`),
  /** Notify/Inject at `{url}/notify|inject/{URLToken}`: the route Cognigy recommends. */
  cognigyEndpointUrl: secureUrl("https://endpoint-trial.cognigy.ai").optional(),
  /** The older route for installations without it: `{url}/new/v2.0/endpoint/notify|inject` with an API key. */
  cognigyApiUrl: secureUrl("https://api-trial.cognigy.ai").optional(),
  cognigyApiKey: z.string().trim().min(1).optional(),
  /** Verifies thread ids; the same value as the connection's "Thread key" (src/handover/thread.ts). */
  threadKey: z.string({ required_error: threadKeyProblem(undefined) }).superRefine(threadKeyRule),
  /** The key before a rotation: thread ids of handovers opened with it stay routable while it is set. */
  threadKeyPrevious: z.string().optional().superRefine(threadKeyRule),
  /**
   * Until when unsigned thread ids of handovers opened before the upgrade to signed ids are still routed (ISO date,
   * at most 31 days after start); unset = never. See README, Security model.
   */
  legacyThreadsUntil: z
    .union([z.string().trim(), z.number()])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return 0;
      const at = typeof v === "number" ? v : Date.parse(v);
      if (Number.isNaN(at)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: "must be a date such as 2026-12-31T00:00:00Z" });
        return z.NEVER;
      }
      if (at > Date.now() + 31 * 86_400_000) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: "must be at most 31 days ahead: it re-opens unsigned ids",
        });
        return z.NEVER;
      }
      return at;
    }),
  /** Optional allow-list of Cognigy endpoint URL tokens (comma-separated in the environment). */
  urlTokens: z
    .union([z.array(z.string()), z.string()])
    .optional()
    .transform((v) => (typeof v === "string" ? v.split(",") : (v ?? [])).map((t) => t.trim()).filter((t) => t !== ""))
    .refine(
      (tokens) => tokens.every((t) => /^[A-Za-z0-9_-]{1,256}$/.test(t)),
      "must be URL tokens separated by commas",
    ),
  /** The six `nice-cxone` connection values; without them case events are off. */
  cxone: cxoneInput.optional(),
  pollIntervalMs: z.coerce
    .number()
    .int()
    .min(MIN_POLL_INTERVAL_MS, `must be at least ${MIN_POLL_INTERVAL_MS}`)
    .default(3000),
  redisUrl: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
    .optional(),
  redisPrefix: z.string().trim().min(1).default("cxrelay:"),
  /** Longest wait for one Redis answer before CXone gets a 503 (and /health a 503). */
  redisCommandTimeoutMs: z.coerce.number().int().min(100).max(30_000).default(2000),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Lifetime of the bearer tokens the relay issues to CXone. */
  tokenTtlSeconds: z.coerce.number().int().min(10).max(86_400).default(3600),
  /** How long one Notify/Inject may take before CXone is told to retry. */
  cognigyTimeoutMs: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Request body cap (413 above it). */
  bodyLimitBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(1024 * 1024),
  /** Requests per minute and client address on the agent-message routes (token route: a tenth of it, min 30). */
  rateLimitPerMinute: z.coerce.number().int().min(1).default(6000),
  /**
   * Keys the in-memory store keeps (least recently used go first); one per delivered agent message, ~380 bytes of
   * heap each (key, done record, Map slot), so the default bound holds ~75 MB. Unused with REDIS_URL.
   */
  memoryStoreMaxKeys: z.coerce.number().int().min(1000).default(200_000),
  /** Forward CXone's agent-typing callbacks as Notify data events (`agentTyping`); on when the channel sends them. */
  forwardTyping: z
    .union([z.boolean(), z.enum(["true", "false", "1", "0"])])
    .transform((v) => v === true || v === "true" || v === "1")
    .default(true),
  /** A shown typing indicator is cleared this long after the agent's last typing signal (CXone may send no stop). */
  typingClearSeconds: z.coerce.number().min(0.05).max(60).default(5),
  /** Hops of reverse proxies to trust for the client address (rate limits, logs). */
  trustProxy: z.preprocess(
    (v) => (v === "true" ? true : v === "false" ? false : v),
    z.union([z.boolean(), z.coerce.number().int().min(0)]).default(false),
  ),
});

function threadKeyRule(value: string | undefined, ctx: z.RefinementCtx) {
  const problem = value === undefined ? undefined : threadKeyProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
}

export type RelayConfigInput = z.input<typeof relayConfigSchema>;
export type RelayConfig = Omit<z.output<typeof relayConfigSchema>, "cxone"> & {
  /** Set when case events are on. */
  cxone?: CxoneConnection;
};

/** Environment variable name for each config key (for error messages). */
export const ENV_NAMES: Record<string, string> = {
  port: "RELAY_PORT",
  host: "RELAY_HOST",
  metricsPort: "RELAY_METRICS_PORT",
  clientId: "RELAY_CLIENT_ID",
  clientSecret: "RELAY_CLIENT_SECRET",
  threadKey: "RELAY_THREAD_KEY",
  threadKeyPrevious: "RELAY_THREAD_KEY_PREVIOUS",
  legacyThreadsUntil: "RELAY_LEGACY_THREADS_UNTIL",
  urlTokens: "RELAY_URL_TOKENS",
  cognigyEndpointUrl: "COGNIGY_ENDPOINT_URL",
  cognigyApiUrl: "COGNIGY_API_URL",
  cognigyApiKey: "COGNIGY_API_KEY",
  pollIntervalMs: "CXONE_POLL_INTERVAL_MS",
  redisUrl: "REDIS_URL",
  redisPrefix: "REDIS_PREFIX",
  redisCommandTimeoutMs: "REDIS_COMMAND_TIMEOUT_MS",
  logLevel: "LOG_LEVEL",
  tokenTtlSeconds: "RELAY_TOKEN_TTL_SECONDS",
  cognigyTimeoutMs: "COGNIGY_TIMEOUT_MS",
  bodyLimitBytes: "RELAY_BODY_LIMIT_BYTES",
  rateLimitPerMinute: "RELAY_RATE_LIMIT_PER_MINUTE",
  memoryStoreMaxKeys: "RELAY_MEMORY_STORE_MAX_KEYS",
  forwardTyping: "RELAY_FORWARD_TYPING",
  typingClearSeconds: "RELAY_TYPING_CLEAR_SECONDS",
  trustProxy: "RELAY_TRUST_PROXY",
};

export const CXONE_ENV: Record<string, string> = {
  authHost: "CXONE_AUTH_HOST",
  clientId: "CXONE_CLIENT_ID",
  clientSecret: "CXONE_CLIENT_SECRET",
  accessKeyId: "CXONE_ACCESS_KEY_ID",
  accessKeySecret: "CXONE_ACCESS_KEY_SECRET",
  channelId: "CXONE_CHANNEL_ID",
  dfoBaseUrl: "CXONE_DFO_BASE_URL",
};

/** The five values that switch case events on (the auth host defaults to CXone's global one). */
const CXONE_SWITCHES = ["clientId", "clientSecret", "accessKeyId", "accessKeySecret", "channelId"] as const;

/** Validates the in-process configuration; `names` maps keys to what the user typed (env var names). */
export function parseRelayConfig(input: RelayConfigInput, names: Record<string, string> = {}): RelayConfig {
  const result = relayConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue.path.join(".");
    throw new RelayConfigError(names[key] ?? key, issue.message);
  }
  const { cxone: rawCxone, ...rest } = result.data;
  const name = (key: string) => names[key] ?? key;
  // The endpoint route wins when it is set: the admin CLI reads a Cognigy API URL and key from the same env file for
  // the management API, and they must not switch the relay to the older Notify/Inject route.
  const olderRoute = !rest.cognigyEndpointUrl;
  if (olderRoute && !!rest.cognigyApiUrl !== !!rest.cognigyApiKey) {
    const missing = rest.cognigyApiUrl ? "cognigyApiKey" : "cognigyApiUrl";
    throw new RelayConfigError(
      name(missing),
      `is missing: the older Notify/Inject route needs both ${name("cognigyApiUrl")} and ${name("cognigyApiKey")}`,
    );
  }
  if (!rest.cognigyEndpointUrl && !rest.cognigyApiUrl) {
    throw new RelayConfigError(
      name("cognigyEndpointUrl"),
      "is missing: the Cognigy endpoint's base URL, such as https://endpoint-trial.cognigy.ai",
    );
  }
  const route = olderRoute ? {} : { cognigyApiUrl: undefined, cognigyApiKey: undefined };
  return { ...rest, ...route, cxone: parseCxone(rawCxone, names) };
}

function parseCxone(raw: Record<string, unknown> | undefined, names: Record<string, string>) {
  if (!raw) return undefined;
  const present = (v: unknown) => typeof v === "string" && v.trim() !== "";
  if (!CXONE_SWITCHES.some((k) => present(raw[k]))) return undefined;
  try {
    return parseConnection(raw);
  } catch (err) {
    if (err instanceof CxoneConfigError) {
      const name = names[`cxone.${err.field}`] ?? `cxone.${err.field}`;
      throw new RelayConfigError(name, err.message.slice(err.field.length + 2));
    }
    throw err;
  }
}

/** Reads the documented environment variables (README, section Relay). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const v = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value;
  };
  const names: Record<string, string> = { ...ENV_NAMES };
  if (v("RELAY_PORT") === undefined && v("PORT") !== undefined) names.port = "PORT";
  for (const [k, name] of Object.entries(CXONE_ENV)) names[`cxone.${k}`] = name;
  const cxone: Record<string, string | undefined> = {};
  for (const [k, name] of Object.entries(CXONE_ENV)) cxone[k] = v(name);
  const input: Record<string, unknown> = { cxone };
  for (const [k, name] of Object.entries(ENV_NAMES)) {
    const value = v(name) ?? (k === "port" ? v("PORT") : undefined);
    if (value !== undefined) input[k] = value;
  }
  return parseRelayConfig(input as RelayConfigInput, names);
}

/** Config sanity without secrets, for /health and the start-up line. */
export function describeConfig(config: RelayConfig) {
  return {
    cognigyEndpoint: new URL((config.cognigyApiUrl ?? config.cognigyEndpointUrl) as string).host,
    cognigyRoute: config.cognigyApiUrl ? "api v2.0 (older installations)" : "endpoint",
    caseEvents: config.cxone ? "on" : "off",
    pollIntervalMs: config.pollIntervalMs,
    store: config.redisUrl ? "redis" : "memory",
  };
}
