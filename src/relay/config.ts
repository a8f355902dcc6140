/** The relay's configuration schema, for the environment (./env.ts) and the in-process API (`startRelay({...})`). */
import { isIP } from "node:net";
import { z } from "zod";
import { type CxoneConnection, parseConnection } from "../cxone/config";
import { CASE_POLL_ENV, connectionFields } from "../cxone/connection-fields";
import { CxoneConfigError } from "../cxone/errors";
import { secureUrl } from "../cxone/secure-url";
import { threadKeyProblem } from "../handover/thread";
import { SettingError } from "../setting-error";
import type { CognigyTarget } from "./cognigy";

/*
 * One zod schema for both ways in; a bad value is reported as one SettingError naming the variable (or key) and what
 * to fix. There are no default credentials.
 */

export const MIN_SECRET_LENGTH = 16;
export const MIN_POLL_INTERVAL_MS = 250;

/** The connection fields the case poll logs in with, as given; parseConnection checks them once all are known. */
const cxoneInput = z
  .object(Object.fromEntries(Object.keys(CASE_POLL_ENV).map((name) => [name, z.string().optional()])))
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
  /** The `nice-cxone` connection values the case poll needs; without them case events are off. */
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
  /**
   * Which proxies in front may name the client (X-Forwarded-For; rate limits, logs): `true`, or their addresses or
   * CIDR ranges. No hop count: it cannot tell a proxy from a direct client that forges the header, so Fastify
   * refuses it too (its trustProxy docs).
   */
  trustProxy: z
    .union([z.boolean(), z.string()])
    .transform((v, ctx) => {
      if (typeof v === "boolean" || v === "true" || v === "false") return v === true || v === "true";
      const entries = v.split(",").map((e) => e.trim());
      const wrong = entries.find((e) => !isTrustedProxyEntry(e));
      if (wrong === undefined) return entries;
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: /^\d+$/.test(wrong)
          ? "takes the load balancer's addresses or CIDR ranges (e.g. 10.0.0.0/8), not a hop count: a hop count cannot tell a proxy from a client forging X-Forwarded-For"
          : `has "${wrong.slice(0, 60)}", which is not an IP address or CIDR range: use true or e.g. 10.0.0.0/8,192.168.1.1`,
      });
      return z.NEVER;
    })
    .default(false),
});

/** An address or CIDR range as Fastify's proxy-addr takes them (plus its named ranges). */
function isTrustedProxyEntry(entry: string): boolean {
  if (["loopback", "linklocal", "uniquelocal"].includes(entry)) return true;
  const [address, bits, ...rest] = entry.split("/");
  const family = isIP(address);
  if (!family || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

function threadKeyRule(value: string | undefined, ctx: z.RefinementCtx) {
  const problem = value === undefined ? undefined : threadKeyProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
}

export type RelayConfigInput = z.input<typeof relayConfigSchema>;
export type RelayConfig = Omit<z.output<typeof relayConfigSchema>, "cxone"> & {
  /** Set when case events are on. */
  cxone?: CxoneConnection;
  /** The Notify/Inject route the settings above chose, with the fields that route needs. */
  cognigyTarget: CognigyTarget;
};

/** The case poll's required fields: any of them set switches case events on (the optional ones have defaults). */
export const CASE_EVENT_SWITCHES = connectionFields.filter((f) => f.relay === "case poll" && f.required);

/**
 * Validates the in-process configuration (RelayConfigInput, or a RelayConfig again; the schema checks whatever comes);
 * `names` maps keys to what the user typed (env var names).
 */
export function parseRelayConfig(input: unknown, names: Record<string, string> = {}): RelayConfig {
  const result = relayConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue.path.join(".");
    throw new SettingError(names[key] ?? key, issue.message);
  }
  const { cxone: rawCxone, ...rest } = result.data;
  const cognigyTarget = cognigyRoute(rest, (key) => names[key] ?? key);
  // Only the chosen route's settings are kept, so nothing reads the other one by mistake.
  const route = cognigyTarget.route === "api" ? {} : { cognigyApiUrl: undefined, cognigyApiKey: undefined };
  return { ...rest, ...route, cognigyTarget, cxone: parseCxone(rawCxone, names) };
}

/**
 * The endpoint route wins when it is set: the admin CLI reads a Cognigy API URL and key from the same env file for
 * the management API, and they must not switch the relay to the older Notify/Inject route.
 */
function cognigyRoute(
  c: { cognigyEndpointUrl?: string; cognigyApiUrl?: string; cognigyApiKey?: string },
  name: (key: string) => string,
): CognigyTarget {
  if (c.cognigyEndpointUrl) return { route: "endpoint", url: c.cognigyEndpointUrl };
  if (c.cognigyApiUrl && c.cognigyApiKey) return { route: "api", url: c.cognigyApiUrl, key: c.cognigyApiKey };
  if (c.cognigyApiUrl || c.cognigyApiKey) {
    const missing = c.cognigyApiUrl ? "cognigyApiKey" : "cognigyApiUrl";
    throw new SettingError(
      name(missing),
      `is missing: the older Notify/Inject route needs both ${name("cognigyApiUrl")} and ${name("cognigyApiKey")}`,
    );
  }
  throw new SettingError(
    name("cognigyEndpointUrl"),
    "is missing: the Cognigy endpoint's base URL, such as https://endpoint-trial.cognigy.ai",
  );
}

function parseCxone(raw: Record<string, unknown> | undefined, names: Record<string, string>) {
  if (!raw) return undefined;
  const present = (v: unknown) => typeof v === "string" && v.trim() !== "";
  if (!CASE_EVENT_SWITCHES.some((f) => present(raw[f.name]))) return undefined;
  try {
    return parseConnection(raw);
  } catch (err) {
    if (err instanceof CxoneConfigError) {
      const name = names[`cxone.${err.field}`] ?? `cxone.${err.field}`;
      throw new SettingError(name, err.message.slice(err.field.length + 2));
    }
    throw err;
  }
}

/** Config sanity without secrets, for /health and the start-up line. */
export function describeConfig(config: RelayConfig) {
  return {
    cognigyEndpoint: new URL(config.cognigyTarget.url).host,
    cognigyRoute: config.cognigyTarget.route === "api" ? "api v2.0 (older installations)" : "endpoint",
    caseEvents: config.cxone ? "on" : "off",
    pollIntervalMs: config.pollIntervalMs,
    store: config.redisUrl ? "redis" : "memory",
  };
}
